/**
 * Ant-v5: a four-legged robot (torso, four legs of two hinges each; eight
 * motors) walks forward in 3-D, with Gymnasium v5's semantics.
 *
 * Observation: Box(105,) of qpos[2:] (torso height and orientation
 *   quaternion, eight joint angles; 13), qvel (14), and the external forces
 *   on every body but the world (cfrc_ext, 13 x 6) clipped to
 *   contactForceRange (left out with includeCfrcExtInObservation false); with
 *   excludeCurrentPositionsFromObservation false, the torso's x and y come first.
 * Action: Box(-1, 1, (8,)): torques of the hip and ankle motors.
 * Reward: healthyReward (while healthy) + forwardRewardWeight * x velocity of
 *   mainBody - ctrlCostWeight * |action|^2 - contactCostWeight * |clipped cfrc_ext|^2;
 *   `info` holds reward_forward, reward_ctrl, reward_contact, reward_survive,
 *   x_position, y_position, distance_from_origin, x_velocity, y_velocity.
 * Healthy: every state value finite and the torso height within healthyZRange
 *   (inclusive). Terminates when unhealthy (terminateWhenUnhealthy); truncated at 1000 steps.
 * Start: the reference pose plus U(-resetNoiseScale, resetNoiseScale) per
 *   position, rest plus resetNoiseScale * N(0, 1) per velocity.
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, normalNoise, ObservationWriter, planarPositionInfo, uniformNoise } from './base.js';
import { booleanKwarg, positiveIntegerKwarg, readKwargs } from './kwargs.js';
import type { Kwargs, KwargValues } from './kwargs.js';
import { ANT_XML } from './models/ant.js';

export const ANT_KWARGS = {
  frameSkip: 5,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 0.5,
  contactCostWeight: 5e-4,
  healthyReward: 1.0,
  mainBody: 1,
  terminateWhenUnhealthy: true,
  healthyZRange: [0.2, 1.0],
  contactForceRange: [-1.0, 1.0],
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
  includeCfrcExtInObservation: true,
};

/** The keyword arguments Ant reads besides frameSkip, mainBody and the observation's, before the model is compiled. */
const ANT_SETTINGS = {
  forwardRewardWeight: 'number',
  ctrlCostWeight: 'nonNegative',
  contactCostWeight: 'nonNegative',
  healthyReward: 'number',
  terminateWhenUnhealthy: 'boolean',
  healthyZRange: 'range',
  contactForceRange: 'range',
  resetNoiseScale: 'nonNegative',
} as const;

export class AntEnv extends MujocoEnv {
  private readonly settings: KwargValues<typeof ANT_SETTINGS>;
  private readonly mainBody: number;
  private readonly excludePositions: boolean;
  private readonly includeCfrcExt: boolean;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const id = spec.id;
    const exclude = booleanKwarg(id, kwargs, 'excludeCurrentPositionsFromObservation');
    const includeCfrcExt = booleanKwarg(id, kwargs, 'includeCfrcExtInObservation');
    const mainBody = kwargs.mainBody;
    if (!(typeof mainBody === 'string' || (typeof mainBody === 'number' && Number.isInteger(mainBody) && mainBody >= 0))) {
      throw new TypeError(`${id}: mainBody must be a body's index or name, got ${JSON.stringify(mainBody)}`);
    }
    const settings = readKwargs(id, kwargs, ANT_SETTINGS);
    super(spec, ANT_XML, positiveIntegerKwarg(id, kwargs, 'frameSkip'));
    this.settings = settings;
    this.mainBody = typeof mainBody === 'string' ? this.bodyId(mainBody) : mainBody;
    if (this.mainBody >= this.model.nbody) throw new RangeError(`${id}: mainBody ${mainBody} is not a body index (the model has ${this.model.nbody})`);
    this.excludePositions = exclude;
    this.includeCfrcExt = includeCfrcExt;
    this.setObservationDim(this.nq + this.nv - (exclude ? 2 : 0) + (includeCfrcExt ? 6 * (this.model.nbody - 1) : 0));
  }

  isHealthy(): boolean {
    const qpos = this.data.qpos as Float64Array;
    const qvel = this.data.qvel as Float64Array;
    for (let i = 0; i < qpos.length; i++) if (!Number.isFinite(qpos[i]!)) return false;
    for (let i = 0; i < qvel.length; i++) if (!Number.isFinite(qvel[i]!)) return false;
    return this.settings.healthyZRange[0] <= qpos[2]! && qpos[2]! <= this.settings.healthyZRange[1];
  }

  protected observe(): Float32Array {
    const w = new ObservationWriter(new Float32Array(this.observationDim));
    w.put(this.data.qpos as Float64Array, this.excludePositions ? 2 : 0).put(this.data.qvel as Float64Array);
    if (this.includeCfrcExt) {
      const [lo, hi] = this.settings.contactForceRange;
      const f = this.data.cfrc_ext as Float64Array;
      for (let i = 6; i < f.length; i++) w.value(Math.min(Math.max(f[i]!, lo), hi));
    }
    return w.done(this.spec.id);
  }

  private contactCost(): number {
    const [lo, hi] = this.settings.contactForceRange;
    const f = this.data.cfrc_ext as Float64Array;
    let s = 0;
    for (let i = 0; i < f.length; i++) {
      const c = Math.min(Math.max(f[i]!, lo), hi);
      s += c * c;
    }
    return this.settings.contactCostWeight * s;
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.settings.resetNoiseScale);
    normalNoise(rng, qvel, this.settings.resetNoiseScale);
  }

  protected override resetInfo(): Info {
    return planarPositionInfo(this.data.qpos as Float64Array, this.initQpos);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    const [xBefore, yBefore] = this.bodyPosition(this.mainBody);
    this.simulate(action);
    const [xAfter, yAfter] = this.bodyPosition(this.mainBody);
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    const healthy = this.isHealthy();
    const forward = this.settings.forwardRewardWeight * xVelocity;
    const survive = healthy ? this.settings.healthyReward : 0;
    const ctrl = controlCostF32(action, this.settings.ctrlCostWeight);
    const contact = this.contactCost();
    return {
      obs: this.observe(),
      reward: forward + survive - (ctrl + contact),
      terminated: !healthy && this.settings.terminateWhenUnhealthy,
      truncated: false,
      info: {
        ...this.resetInfo(),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_forward: forward,
        reward_ctrl: -ctrl,
        reward_contact: -contact,
        reward_survive: survive,
      },
    };
  }
}
