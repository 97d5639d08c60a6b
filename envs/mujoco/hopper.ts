/**
 * Hopper-v5: a one-legged planar robot (torso, thigh, leg, foot; three hinge
 * motors) hops forward, with Gymnasium v5's semantics.
 *
 * Observation: Box(11,) of qpos[1:] (height, torso angle, three joint angles)
 *   then qvel clipped to [-10, 10] (6); with
 *   excludeCurrentPositionsFromObservation false, qpos[0] (x) comes first (12).
 * Action: Box(-1, 1, (3,)): torques of the thigh, leg and foot motors.
 * Reward: forwardRewardWeight * x velocity + healthyReward (while healthy)
 *   - ctrlCostWeight * |action|^2; `info` holds reward_forward, reward_ctrl,
 *   reward_survive, x_position, z_distance_from_origin, x_velocity.
 * Healthy: qpos[2:] and qvel strictly inside healthyStateRange, the height
 *   strictly inside healthyZRange, the torso angle strictly inside
 *   healthyAngleRange. Terminates when unhealthy (terminateWhenUnhealthy);
 *   truncated at 1000 steps.
 * Start: the reference pose and rest, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, ObservationWriter, uniformNoise } from './base.js';
import { booleanKwarg, positiveIntegerKwarg, rangeKwarg, readKwargs } from './kwargs.js';
import type { Kwargs, KwargValues } from './kwargs.js';
import { HOPPER_XML } from './models/hopper.js';

export const HOPPER_KWARGS = {
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-3,
  healthyReward: 1.0,
  terminateWhenUnhealthy: true,
  healthyStateRange: [-100.0, 100.0],
  healthyZRange: [0.7, null],
  healthyAngleRange: [-0.2, 0.2],
  resetNoiseScale: 5e-3,
  excludeCurrentPositionsFromObservation: true,
};

const inside = (x: number, [lo, hi]: readonly [number, number]) => lo < x && x < hi;

/** The keyword arguments Hopper and Walker2d read besides the observation's and frameSkip (which are read first). */
const WALKER_SETTINGS = {
  forwardRewardWeight: 'number',
  ctrlCostWeight: 'nonNegative',
  healthyReward: 'number',
  terminateWhenUnhealthy: 'boolean',
  healthyZRange: 'range',
  healthyAngleRange: 'range',
  resetNoiseScale: 'nonNegative',
} as const;

/** Hopper and Walker2d: planar walkers rewarded for forward speed while their height and torso angle stay healthy. */
export class PlanarWalkerEnv extends MujocoEnv {
  protected readonly settings: KwargValues<typeof WALKER_SETTINGS>;
  protected readonly excludePositions: boolean;

  constructor(spec: EnvSpec, kwargs: Kwargs, modelXml: string) {
    const exclude = booleanKwarg(spec.id, kwargs, 'excludeCurrentPositionsFromObservation');
    super(spec, modelXml, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.settings = readKwargs(spec.id, kwargs, WALKER_SETTINGS);
    this.excludePositions = exclude;
    this.setObservationDim(this.nq + this.nv - (exclude ? 1 : 0));
  }

  isHealthy(): boolean {
    const qpos = this.data.qpos as Float64Array;
    return inside(qpos[1]!, this.settings.healthyZRange) && inside(qpos[2]!, this.settings.healthyAngleRange);
  }

  protected observe(): Float32Array {
    const w = new ObservationWriter(new Float32Array(this.observationDim));
    w.put(this.data.qpos as Float64Array, this.excludePositions ? 1 : 0);
    w.put(this.data.qvel as Float64Array, 0, this.nv, 10);
    return w.done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.settings.resetNoiseScale);
    uniformNoise(rng, qvel, this.settings.resetNoiseScale);
  }

  protected override resetInfo(): Info {
    const qpos = this.data.qpos as Float64Array;
    return { x_position: qpos[0]!, z_distance_from_origin: qpos[1]! - this.initQpos[1]! };
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    const xBefore = (this.data.qpos as Float64Array)[0]!;
    this.simulate(action);
    const xAfter = (this.data.qpos as Float64Array)[0]!;
    const xVelocity = (xAfter - xBefore) / this.dt;
    const healthy = this.isHealthy();
    const forward = this.settings.forwardRewardWeight * xVelocity;
    const survive = healthy ? this.settings.healthyReward : 0;
    const ctrl = controlCostF32(action, this.settings.ctrlCostWeight);
    return {
      obs: this.observe(),
      reward: forward + survive - ctrl,
      terminated: !healthy && this.settings.terminateWhenUnhealthy,
      truncated: false,
      info: {
        ...this.resetInfo(),
        x_velocity: xVelocity,
        reward_forward: forward,
        reward_ctrl: -ctrl,
        reward_survive: survive,
      },
    };
  }
}

export class HopperEnv extends PlanarWalkerEnv {
  private readonly healthyStateRange: [number, number];

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    super(spec, kwargs, HOPPER_XML);
    this.healthyStateRange = rangeKwarg(spec.id, kwargs, 'healthyStateRange');
  }

  override isHealthy(): boolean {
    const qpos = this.data.qpos as Float64Array;
    const qvel = this.data.qvel as Float64Array;
    for (let i = 2; i < qpos.length; i++) if (!inside(qpos[i]!, this.healthyStateRange)) return false;
    for (let i = 0; i < qvel.length; i++) if (!inside(qvel[i]!, this.healthyStateRange)) return false;
    return super.isHealthy();
  }
}
