/**
 * Walker2d-v5: a two-legged planar robot (torso, and per leg a thigh, leg and
 * foot; six hinge motors) walks forward, with Gymnasium v5's semantics.
 *
 * Observation: Box(17,) of qpos[1:] (height, torso angle, six joint angles)
 *   then qvel clipped to [-10, 10] (9); with
 *   excludeCurrentPositionsFromObservation false, qpos[0] (x) comes first (18).
 * Action: Box(-1, 1, (6,)): torques of the right then left thigh, leg and foot.
 * Reward: as Hopper's (envs/mujoco/hopper.ts), with the same `info` terms.
 * Healthy: the height strictly inside healthyZRange and the torso angle
 *   strictly inside healthyAngleRange. Terminates when unhealthy
 *   (terminateWhenUnhealthy); truncated at 1000 steps.
 * Start: the reference pose and rest, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec } from '../../core/env.js';
import { PlanarWalkerEnv } from './hopper.js';
import type { Kwargs } from './kwargs.js';
import { WALKER2D_XML } from './models/walker2d.js';

export const WALKER2D_KWARGS = {
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-3,
  healthyReward: 1.0,
  terminateWhenUnhealthy: true,
  healthyZRange: [0.8, 2.0],
  healthyAngleRange: [-1.0, 1.0],
  resetNoiseScale: 5e-3,
  excludeCurrentPositionsFromObservation: true,
};

export class Walker2dEnv extends PlanarWalkerEnv {
  constructor(spec: EnvSpec, kwargs: Kwargs) {
    super(spec, kwargs, WALKER2D_XML);
  }
}
