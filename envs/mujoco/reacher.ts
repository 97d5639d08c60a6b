/**
 * Reacher-v5: a two-joint planar arm moves its fingertip to a random target,
 * with Gymnasium v5's semantics.
 *
 * Observation: Box(10,): cos and sin of both joint angles, the target's x and
 *   y, both joint velocities, and the fingertip-to-target vector's x and y.
 * Action: Box(-1, 1, (2,)): torques of the two joints.
 * Reward: -rewardDistWeight * |fingertip - target| - rewardControlWeight *
 *   |action|^2, with the body positions `mj_step` left (computed before its
 *   last integration); `info` holds reward_dist, reward_ctrl.
 * Never terminates; truncated at 50 steps.
 * Start: joint angles U(-0.1, 0.1), a target uniform in the disc of radius
 *   0.2 (rejection from the square), joint velocities U(-0.005, 0.005), target at rest.
 */
import type { EnvSpec, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, norm, ObservationWriter } from './base.js';
import { numberKwarg, positiveIntegerKwarg } from './kwargs.js';
import type { Kwargs } from './kwargs.js';
import { REACHER_XML } from './models/reacher.js';

export const REACHER_KWARGS = { frameSkip: 2, rewardDistWeight: 1, rewardControlWeight: 1 };

const TARGET_RADIUS = 0.2;

export class ReacherEnv extends MujocoEnv {
  private readonly rewardDistWeight: number;
  private readonly rewardControlWeight: number;
  private readonly fingertip: number;
  private readonly target: number;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const rewardDistWeight = numberKwarg(spec.id, kwargs, 'rewardDistWeight');
    const rewardControlWeight = numberKwarg(spec.id, kwargs, 'rewardControlWeight', { min: 0 });
    super(spec, REACHER_XML, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.rewardDistWeight = rewardDistWeight;
    this.rewardControlWeight = rewardControlWeight;
    this.fingertip = this.bodyId('fingertip');
    this.target = this.bodyId('target');
    this.setObservationDim(10);
  }

  private toTarget(): number[] {
    const f = this.bodyPosition(this.fingertip);
    const t = this.bodyPosition(this.target);
    return [f[0] - t[0], f[1] - t[1], f[2] - t[2]];
  }

  protected observe(): Float32Array {
    const qpos = this.data.qpos as Float64Array;
    const w = new ObservationWriter(new Float32Array(this.observationDim));
    w.value(Math.cos(qpos[0]!)).value(Math.cos(qpos[1]!)).value(Math.sin(qpos[0]!)).value(Math.sin(qpos[1]!));
    return w
      .put(qpos, 2)
      .put(this.data.qvel as Float64Array, 0, 2)
      .put(this.toTarget(), 0, 2)
      .done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    for (let i = 0; i < qpos.length; i++) qpos[i] = rng.uniform(-0.1, 0.1) + qpos[i]!;
    let goal: [number, number];
    do goal = [rng.uniform(-TARGET_RADIUS, TARGET_RADIUS), rng.uniform(-TARGET_RADIUS, TARGET_RADIUS)];
    while (!(norm(goal) < TARGET_RADIUS));
    qpos.set(goal, qpos.length - 2);
    for (let i = 0; i < qvel.length; i++) qvel[i] = qvel[i]! + rng.uniform(-0.005, 0.005);
    qvel.fill(0, qvel.length - 2);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    this.simulate(action);
    const dist = -norm(this.toTarget()) * this.rewardDistWeight;
    const ctrl = -controlCostF32(action, this.rewardControlWeight);
    return { obs: this.observe(), reward: dist + ctrl, terminated: false, truncated: false, info: { reward_dist: dist, reward_ctrl: ctrl } };
  }
}
