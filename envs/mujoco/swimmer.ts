/**
 * Swimmer-v5: a three-segment snake (two hinge motors) swims forward through
 * a viscous fluid, with Gymnasium v5's semantics.
 *
 * Observation: Box(8,) of qpos[2:] (heading, two joint angles) then qvel (5);
 *   with excludeCurrentPositionsFromObservation false, the tip's x and y come
 *   first (10).
 * Action: Box(-1, 1, (2,)): torques of the two joints.
 * Reward: forwardRewardWeight * x velocity - ctrlCostWeight * |action|^2;
 *   `info` holds reward_forward, reward_ctrl, x_position, y_position,
 *   distance_from_origin, x_velocity, y_velocity.
 * Never terminates; truncated at 1000 steps.
 * Start: the reference pose and rest, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, ObservationWriter, planarPositionInfo, uniformNoise } from './base.js';
import { booleanKwarg, numberKwarg, positiveIntegerKwarg } from './kwargs.js';
import type { Kwargs } from './kwargs.js';
import { SWIMMER_XML } from './models/swimmer.js';

export const SWIMMER_KWARGS = {
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-4,
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
};

export class SwimmerEnv extends MujocoEnv {
  private readonly forwardRewardWeight: number;
  private readonly ctrlCostWeight: number;
  private readonly resetNoiseScale: number;
  private readonly excludePositions: boolean;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const id = spec.id;
    const exclude = booleanKwarg(id, kwargs, 'excludeCurrentPositionsFromObservation');
    const forwardRewardWeight = numberKwarg(id, kwargs, 'forwardRewardWeight');
    const ctrlCostWeight = numberKwarg(id, kwargs, 'ctrlCostWeight', { min: 0 });
    const resetNoiseScale = numberKwarg(id, kwargs, 'resetNoiseScale', { min: 0 });
    super(spec, SWIMMER_XML, positiveIntegerKwarg(id, kwargs, 'frameSkip'));
    this.forwardRewardWeight = forwardRewardWeight;
    this.ctrlCostWeight = ctrlCostWeight;
    this.resetNoiseScale = resetNoiseScale;
    this.excludePositions = exclude;
    this.setObservationDim(this.nq + this.nv - (exclude ? 2 : 0));
  }

  protected observe(): Float32Array {
    const w = new ObservationWriter(new Float32Array(this.observationDim));
    w.put(this.data.qpos as Float64Array, this.excludePositions ? 2 : 0).put(this.data.qvel as Float64Array);
    return w.done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.resetNoiseScale);
    uniformNoise(rng, qvel, this.resetNoiseScale);
  }

  protected override resetInfo(): Info {
    return planarPositionInfo(this.data.qpos as Float64Array, this.initQpos);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    const qpos = this.data.qpos as Float64Array;
    const xBefore = qpos[0]!;
    const yBefore = qpos[1]!;
    this.simulate(action);
    const after = this.data.qpos as Float64Array;
    const xVelocity = (after[0]! - xBefore) / this.dt;
    const yVelocity = (after[1]! - yBefore) / this.dt;
    const forward = this.forwardRewardWeight * xVelocity;
    const ctrl = controlCostF32(action, this.ctrlCostWeight);
    return {
      obs: this.observe(),
      reward: forward - ctrl,
      terminated: false,
      truncated: false,
      info: { ...this.resetInfo(), x_velocity: xVelocity, y_velocity: yVelocity, reward_forward: forward, reward_ctrl: -ctrl },
    };
  }
}
