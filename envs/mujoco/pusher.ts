/**
 * Pusher-v5: a seven-joint arm pushes a cylinder to a goal on a table, with
 * Gymnasium v5's semantics.
 *
 * Observation: Box(23,): the arm's seven joint angles and velocities, then
 *   the world positions of the arm's tip, the object and the goal (3 each).
 * Action: Box(-2, 2, (7,)): torques of the seven joints.
 * Reward: -rewardNearWeight * |object - tip| - rewardDistWeight * |object -
 *   goal| - rewardControlWeight * |action|^2, with the body positions
 *   `mj_step` left (computed before its last integration); `info` holds
 *   reward_dist, reward_ctrl, reward_near.
 * Never terminates; truncated at 100 steps.
 * Start: the reference arm pose, the goal at the origin, the object uniform
 *   in [-0.3, 0] x [-0.2, 0.2] and more than 0.17 from the goal; arm
 *   velocities U(-0.005, 0.005), object and goal at rest.
 */
import type { EnvSpec, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, norm, ObservationWriter } from './base.js';
import { numberKwarg, positiveIntegerKwarg } from './kwargs.js';
import type { Kwargs } from './kwargs.js';
import { PUSHER_XML } from './models/pusher.js';

export const PUSHER_KWARGS = { frameSkip: 5, rewardNearWeight: 0.5, rewardDistWeight: 1, rewardControlWeight: 0.1 };

const ARM_JOINTS = 7;
const MIN_GOAL_DISTANCE = 0.17;

export class PusherEnv extends MujocoEnv {
  private readonly rewardNearWeight: number;
  private readonly rewardDistWeight: number;
  private readonly rewardControlWeight: number;
  private readonly tip: number;
  private readonly object: number;
  private readonly goal: number;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const rewardNearWeight = numberKwarg(spec.id, kwargs, 'rewardNearWeight');
    const rewardDistWeight = numberKwarg(spec.id, kwargs, 'rewardDistWeight');
    const rewardControlWeight = numberKwarg(spec.id, kwargs, 'rewardControlWeight', { min: 0 });
    super(spec, PUSHER_XML, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.rewardNearWeight = rewardNearWeight;
    this.rewardDistWeight = rewardDistWeight;
    this.rewardControlWeight = rewardControlWeight;
    this.tip = this.bodyId('tips_arm');
    this.object = this.bodyId('object');
    this.goal = this.bodyId('goal');
    this.setObservationDim(2 * ARM_JOINTS + 9);
  }

  protected observe(): Float32Array {
    return new ObservationWriter(new Float32Array(this.observationDim))
      .put(this.data.qpos as Float64Array, 0, ARM_JOINTS)
      .put(this.data.qvel as Float64Array, 0, ARM_JOINTS)
      .put(this.bodyPosition(this.tip))
      .put(this.bodyPosition(this.object))
      .put(this.bodyPosition(this.goal))
      .done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    let object: [number, number];
    do object = [rng.uniform(-0.3, 0), rng.uniform(-0.2, 0.2)];
    while (!(norm(object) > MIN_GOAL_DISTANCE));
    const n = qpos.length;
    qpos.set(object, n - 4);
    qpos.set([0, 0], n - 2);
    for (let i = 0; i < qvel.length; i++) qvel[i] = qvel[i]! + rng.uniform(-0.005, 0.005);
    qvel.fill(0, qvel.length - 4);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    this.simulate(action);
    const tip = this.bodyPosition(this.tip);
    const object = this.bodyPosition(this.object);
    const goal = this.bodyPosition(this.goal);
    const near = -norm([object[0] - tip[0], object[1] - tip[1], object[2] - tip[2]]) * this.rewardNearWeight;
    const dist = -norm([object[0] - goal[0], object[1] - goal[1], object[2] - goal[2]]) * this.rewardDistWeight;
    const ctrl = -controlCostF32(action, this.rewardControlWeight);
    return {
      obs: this.observe(),
      reward: dist + ctrl + near,
      terminated: false,
      truncated: false,
      info: { reward_dist: dist, reward_ctrl: ctrl, reward_near: near },
    };
  }
}
