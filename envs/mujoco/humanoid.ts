/**
 * Humanoid-v5: a 3-D humanoid (17 motors: abdomen, hips, knees, shoulders,
 * elbows) walks forward without falling, with Gymnasium v5's semantics.
 *
 * Observation: Box(348,) of qpos[2:] (22), qvel (23), and for every body but
 *   the world: cinert (inertia in the centre-of-mass frame, 13 x 10), cvel
 *   (13 x 6), then qfrc_actuator[6:] (17) and cfrc_ext (13 x 6); each of the
 *   last four is left out with its include... kwarg false; with
 *   excludeCurrentPositionsFromObservation false, the root's x and y come first.
 * Action: Box(-0.4, 0.4, (17,)): motor controls.
 * Reward: healthyReward (while healthy) + forwardRewardWeight * x velocity of
 *   the centre of mass - ctrlCostWeight * |ctrl|^2 - contactCostWeight *
 *   |cfrc_ext|^2 (clipped to contactCostRange); `info` holds reward_survive,
 *   reward_forward, reward_ctrl, reward_contact, x_position, y_position,
 *   distance_from_origin, x_velocity, y_velocity.
 * Healthy: the root height strictly inside healthyZRange. Terminates when
 *   unhealthy (terminateWhenUnhealthy); truncated at 1000 steps.
 * Start: the reference pose and rest, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { MujocoEnv, ObservationWriter, planarPositionInfo, squaredSum, uniformNoise } from './base.js';
import type { MjData, MjModel } from './wasm.js';
import { booleanKwarg, numberKwarg, positiveIntegerKwarg, readKwargs } from './kwargs.js';
import type { KwargKind, Kwargs, KwargValues } from './kwargs.js';
import { HUMANOID_XML } from './models/humanoid.js';

/** The observation options Humanoid and HumanoidStandup share. */
export const HUMANOID_OBSERVATION_KWARGS = {
  excludeCurrentPositionsFromObservation: true,
  includeCinertInObservation: true,
  includeCvelInObservation: true,
  includeQfrcActuatorInObservation: true,
  includeCfrcExtInObservation: true,
};

export const HUMANOID_KWARGS = {
  frameSkip: 5,
  forwardRewardWeight: 1.25,
  ctrlCostWeight: 0.1,
  contactCostWeight: 5e-7,
  contactCostRange: [null, 10.0],
  healthyReward: 5.0,
  terminateWhenUnhealthy: true,
  healthyZRange: [1.0, 2.0],
  resetNoiseScale: 1e-2,
  ...HUMANOID_OBSERVATION_KWARGS,
};

/** Humanoid's and HumanoidStandup's observation, from their kwargs. */
export class HumanoidObservation {
  private readonly exclude: boolean;
  private readonly cinert: boolean;
  private readonly cvel: boolean;
  private readonly qfrcActuator: boolean;
  private readonly cfrcExt: boolean;

  constructor(id: string, kwargs: Kwargs) {
    this.exclude = booleanKwarg(id, kwargs, 'excludeCurrentPositionsFromObservation');
    this.cinert = booleanKwarg(id, kwargs, 'includeCinertInObservation');
    this.cvel = booleanKwarg(id, kwargs, 'includeCvelInObservation');
    this.qfrcActuator = booleanKwarg(id, kwargs, 'includeQfrcActuatorInObservation');
    this.cfrcExt = booleanKwarg(id, kwargs, 'includeCfrcExtInObservation');
  }

  size(model: MjModel): number {
    const bodies = model.nbody - 1;
    return (
      model.nq - (this.exclude ? 2 : 0) +
      model.nv +
      (this.cinert ? 10 * bodies : 0) +
      (this.cvel ? 6 * bodies : 0) +
      (this.qfrcActuator ? model.nv - 6 : 0) +
      (this.cfrcExt ? 6 * bodies : 0)
    );
  }

  write(data: MjData, out: Float32Array, id: string): Float32Array {
    const w = new ObservationWriter(out);
    w.put(data.qpos as Float64Array, this.exclude ? 2 : 0).put(data.qvel as Float64Array);
    if (this.cinert) w.put(data.cinert as Float64Array, 10);
    if (this.cvel) w.put(data.cvel as Float64Array, 6);
    if (this.qfrcActuator) w.put(data.qfrc_actuator as Float64Array, 6);
    if (this.cfrcExt) w.put(data.cfrc_ext as Float64Array, 6);
    return w.done(id);
  }
}

/**
 * Humanoid and HumanoidStandup: a humanoid model, its observation (from the
 * observation kwargs), `schema`'s kwargs then resetNoiseScale read before the
 * model is compiled, and a start of uniform noise on positions and velocities.
 */
export abstract class HumanoidBodyEnv<S extends Readonly<Record<string, KwargKind>>> extends MujocoEnv {
  protected readonly settings: KwargValues<S>;
  private readonly resetNoiseScale: number;
  private readonly observation: HumanoidObservation;

  constructor(spec: EnvSpec, kwargs: Kwargs, modelXml: string, schema: S) {
    const observation = new HumanoidObservation(spec.id, kwargs);
    const settings = readKwargs(spec.id, kwargs, schema);
    const resetNoiseScale = numberKwarg(spec.id, kwargs, 'resetNoiseScale', { min: 0 });
    super(spec, modelXml, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.settings = settings;
    this.resetNoiseScale = resetNoiseScale;
    this.observation = observation;
    this.setObservationDim(observation.size(this.model));
  }

  protected observe(): Float32Array {
    return this.observation.write(this.data, new Float32Array(this.observationDim), this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.resetNoiseScale);
    uniformNoise(rng, qvel, this.resetNoiseScale);
  }
}

/** The keyword arguments Humanoid reads besides the observation's, resetNoiseScale and frameSkip. */
const HUMANOID_SETTINGS = {
  forwardRewardWeight: 'number',
  ctrlCostWeight: 'nonNegative',
  contactCostWeight: 'nonNegative',
  contactCostRange: 'range',
  healthyReward: 'number',
  terminateWhenUnhealthy: 'boolean',
  healthyZRange: 'range',
} as const;

export class HumanoidEnv extends HumanoidBodyEnv<typeof HUMANOID_SETTINGS> {
  constructor(spec: EnvSpec, kwargs: Kwargs) {
    super(spec, kwargs, HUMANOID_XML, HUMANOID_SETTINGS);
  }

  isHealthy(): boolean {
    const z = (this.data.qpos as Float64Array)[2]!;
    return this.settings.healthyZRange[0] < z && z < this.settings.healthyZRange[1];
  }

  /** The x and y of the centre of mass (bodies' inertial frames weighted by mass). */
  private massCenter(): [number, number] {
    const mass = this.model.body_mass as Float64Array;
    const xipos = this.data.xipos as Float64Array;
    let x = 0;
    let y = 0;
    let total = 0;
    for (let b = 0; b < mass.length; b++) {
      x += mass[b]! * xipos[3 * b]!;
      y += mass[b]! * xipos[3 * b + 1]!;
      total += mass[b]!;
    }
    return [x / total, y / total];
  }

  protected override resetInfo(): Info {
    return planarPositionInfo(this.data.qpos as Float64Array, this.initQpos);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    const [xBefore, yBefore] = this.massCenter();
    this.simulate(action);
    const [xAfter, yAfter] = this.massCenter();
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    const healthy = this.isHealthy();
    const forward = this.settings.forwardRewardWeight * xVelocity;
    const survive = healthy ? this.settings.healthyReward : 0;
    const ctrl = this.settings.ctrlCostWeight * squaredSum(this.data.ctrl as Float64Array);
    const [lo, hi] = this.settings.contactCostRange;
    const contact = Math.min(Math.max(this.settings.contactCostWeight * squaredSum(this.data.cfrc_ext as Float64Array), lo), hi);
    return {
      obs: this.observe(),
      reward: forward + survive - (ctrl + contact),
      terminated: !healthy && this.settings.terminateWhenUnhealthy,
      truncated: false,
      info: {
        ...this.resetInfo(),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_survive: survive,
        reward_forward: forward,
        reward_ctrl: -ctrl,
        reward_contact: -contact,
      },
    };
  }
}
