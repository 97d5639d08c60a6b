/**
 * HalfCheetah-v5: a planar two-legged "cheetah" (six hinge motors) runs
 * forward, with Gymnasium v5's semantics.
 *
 * Observation: Box(17,) of qpos[1:] (height, torso angle, six joint angles)
 *   then qvel (9); with excludeCurrentPositionsFromObservation false, qpos[0]
 *   (x) comes first (18).
 * Action: Box(-1, 1, (6,)): torques of the back then front thigh, shin and foot.
 * Reward: forwardRewardWeight * x velocity - ctrlCostWeight * |action|^2;
 *   `info` holds reward_forward, reward_ctrl, x_position, x_velocity.
 * Never terminates; truncated at 1000 steps.
 * Start: the reference pose plus U(-resetNoiseScale, resetNoiseScale) per
 *   position, rest plus resetNoiseScale * N(0, 1) per velocity.
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, normalNoise, ObservationWriter, uniformNoise } from './base.js';
import { booleanKwarg, numberKwarg, positiveIntegerKwarg } from './kwargs.js';
import type { Kwargs } from './kwargs.js';
import { HALF_CHEETAH_XML } from './models/half-cheetah.js';

export const HALF_CHEETAH_KWARGS = {
  frameSkip: 5,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 0.1,
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
};

export class HalfCheetahEnv extends MujocoEnv {
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
    super(spec, HALF_CHEETAH_XML, positiveIntegerKwarg(id, kwargs, 'frameSkip'));
    this.forwardRewardWeight = forwardRewardWeight;
    this.ctrlCostWeight = ctrlCostWeight;
    this.resetNoiseScale = resetNoiseScale;
    this.excludePositions = exclude;
    this.setObservationDim(this.nq + this.nv - (exclude ? 1 : 0));
  }

  protected observe(): Float32Array {
    const w = new ObservationWriter(new Float32Array(this.observationDim));
    w.put(this.data.qpos as Float64Array, this.excludePositions ? 1 : 0).put(this.data.qvel as Float64Array);
    return w.done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.resetNoiseScale);
    normalNoise(rng, qvel, this.resetNoiseScale);
  }

  protected override resetInfo(): Info {
    return { x_position: (this.data.qpos as Float64Array)[0]! };
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    const xBefore = (this.data.qpos as Float64Array)[0]!;
    this.simulate(action);
    const xVelocity = ((this.data.qpos as Float64Array)[0]! - xBefore) / this.dt;
    const forward = this.forwardRewardWeight * xVelocity;
    const ctrl = controlCostF32(action, this.ctrlCostWeight);
    return {
      obs: this.observe(),
      reward: forward - ctrl,
      terminated: false,
      truncated: false,
      info: { ...this.resetInfo(), x_velocity: xVelocity, reward_forward: forward, reward_ctrl: -ctrl },
    };
  }
}
