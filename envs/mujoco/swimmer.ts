/**
 * Swimmer-v5: a three-segment snake (two hinge motors) swims forward through
 * a viscous fluid, with Gymnasium v5's semantics.
 *
 * Observation: Box(8,) of qpos[2:] (heading, two joint angles) then qvel (5);
 *   with excludeCurrentPositionsFromObservation false, the tip's x and y come
 *   first (10).
 * Action: Box(-1, 1, (2,)): torques of the two joints.
 * Reward: as HalfCheetah's (envs/mujoco/half-cheetah.ts, whose ForwardEnv this
 *   is): forwardRewardWeight * x velocity - ctrlCostWeight * |action|^2;
 *   `info` holds reward_forward, reward_ctrl, x_position, y_position,
 *   distance_from_origin, x_velocity, y_velocity.
 * Never terminates; truncated at 1000 steps.
 * Start: the reference pose and rest, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec } from '../../core/env.js';
import { uniformNoise } from './base.js';
import { ForwardEnv } from './half-cheetah.js';
import type { Kwargs } from './kwargs.js';
import { SWIMMER_XML } from './models/swimmer.js';

export const SWIMMER_KWARGS = {
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-4,
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
};

export class SwimmerEnv extends ForwardEnv {
  constructor(spec: EnvSpec, kwargs: Kwargs) {
    super(spec, kwargs, SWIMMER_XML, { planar: true, velocityNoise: uniformNoise });
  }
}
