/**
 * MountainCar-v0: drive an underpowered car out of a valley (Moore, 1990) by
 * rocking it back and forth, with Gymnasium 1.x's dynamics.
 *
 * Observation: Box(2,) float32
 *   | index | meaning                    | min   | max   |
 *   |-------|----------------------------|-------|-------|
 *   | 0     | car position along x (m)   | -1.2  | 0.6   |
 *   | 1     | car velocity               | -0.07 | 0.07  |
 *
 * Action: Discrete(3): 0 accelerates left, 1 does nothing, 2 accelerates right.
 *
 * Reward: -1 for every step, the terminating step included.
 *
 * Start state: position uniform in [-0.6, -0.4), velocity 0; reset options
 *   `{ low, high }` change the position bounds, `{ state }` sets
 *   [position, velocity] exactly.
 *
 * Episode end: terminated when position >= 0.5 (the flag on the right hill)
 *   and velocity >= `goalVelocity` (default 0); truncated at 200 steps by the
 *   registry's time limit.
 *
 * Dynamics, one step: velocity += (action - 1) * 0.001 - 0.0025 * cos(3 * position),
 * clipped to [-0.07, 0.07]; position += velocity, clipped to [-1.2, 0.6]; hitting
 * the left wall while moving left stops the car (an inelastic collision). The
 * hill's height is 0.45 * sin(3x) + 0.55. The internal state is float64 (Python
 * floats in Gymnasium); observations are its float32 rounding.
 */
import { EnvUsageError } from '../../core/env.js';
import type { Kernel } from '../../core/kernel.js';
import { box, discrete } from '../../core/spaces.js';
import { clamp, mountainCarRenderState, resetBounds } from './util.js';

const MIN_POSITION = -1.2; // the left wall
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001; // engine acceleration per step
const GRAVITY = 0.0025; // scales the slope term cos(3x)

export interface MountainCarKwargs {
  /** Velocity the car must have (at least) when it reaches the flag. */
  goalVelocity?: number;
}

export function mountainCarKernel(kwargs: MountainCarKwargs = {}): Kernel {
  const goalVelocity = kwargs.goalVelocity ?? 0;
  if (typeof goalVelocity !== 'number' || !Number.isFinite(goalVelocity)) {
    throw new EnvUsageError(`MountainCar-v0: goalVelocity must be a finite number, got ${String(goalVelocity)}`);
  }

  return {
    stateDim: 2,
    observationSpace: box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]),
    actionSpace: discrete(3),

    reset(s, o, rng, options) {
      const [low, high] = resetBounds('MountainCar-v0', options, -0.6, -0.4);
      s[o] = rng.uniform(low, high);
      s[o + 1] = 0;
    },

    step(s, o, action) {
      let position = s[o]!;
      // Gymnasium's grouping: the engine and slope terms are summed first.
      let velocity = s[o + 1]! + ((action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY);
      velocity = clamp(velocity, -MAX_SPEED, MAX_SPEED);
      position = clamp(position + velocity, MIN_POSITION, MAX_POSITION);
      if (position === MIN_POSITION && velocity < 0) velocity = 0;
      s[o] = position;
      s[o + 1] = velocity;
      return -1;
    },

    terminated(s, o) {
      return s[o]! >= GOAL_POSITION && s[o + 1]! >= goalVelocity;
    },

    observe(s, o, out, oo) {
      out[oo] = s[o]!;
      out[oo + 1] = s[o + 1]!;
    },

    renderState(s, o) {
      return mountainCarRenderState(s[o]!, s[o + 1]!, { goal: GOAL_POSITION, min: MIN_POSITION, max: MAX_POSITION });
    },
  };
}
