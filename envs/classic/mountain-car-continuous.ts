/**
 * MountainCarContinuous-v0: the mountain car (Moore, 1990) with a continuous
 * throttle, with Gymnasium 1.x's dynamics.
 *
 * Observation: Box(2,) float32
 *   | index | meaning                    | min   | max   |
 *   |-------|----------------------------|-------|-------|
 *   | 0     | car position along x (m)   | -1.2  | 0.6   |
 *   | 1     | car velocity               | -0.07 | 0.07  |
 *
 * Action: Box(-1, 1, (1,)) float32: the engine force, clipped to [-1, 1] and
 *   scaled by a power of 0.0015.
 *
 * Reward: -0.1 * action^2 every step (the action before clipping), plus 100 on
 *   the step that reaches the goal.
 *
 * Start state: position uniform in [-0.6, -0.4), velocity 0; reset options
 *   `{ low, high }` change the position bounds, `{ state }` sets
 *   [position, velocity] exactly.
 *
 * Episode end: terminated when position >= 0.45 and velocity >= `goalVelocity`
 *   (default 0); truncated at 999 steps by the registry's time limit.
 *
 * Dynamics, one step: velocity += force * 0.0015 - 0.0025 * cos(3 * position),
 * clipped to [-0.07, 0.07]; position += velocity, clipped to [-1.2, 0.6];
 * hitting the left wall while moving left stops the car.
 *
 * Precision: Gymnasium keeps this env's state in a float32 array, and numpy 2
 * (NEP 50) computes float32 <op> Python float in float32, so the step rounds to
 * float32 (Math.fround) wherever Gymnasium holds a float32 and compares against
 * float32-rounded constants. The start state, like Gymnasium's, is float64,
 * and the first step from it computes in float64 before storing float32.
 */
import { EnvUsageError } from '../../core/env.js';
import type { Kernel } from '../../core/kernel.js';
import { box } from '../../core/spaces.js';
import { mountainCarRenderState, resetBounds } from './util.js';

const f32 = Math.fround;
const exact = (x: number): number => x;

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2; // the left wall
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.45; // 0.5 in the discrete version
const POWER = 0.0015; // acceleration per unit of force
const GRAVITY = 0.0025; // scales the slope term cos(3x)
const GOAL_REWARD = 100.0;
const ACTION_COST = 0.1;

export interface MountainCarContinuousKwargs {
  /** Velocity the car must have (at least) when it reaches the flag. */
  goalVelocity?: number;
}

export function mountainCarContinuousKernel(kwargs: MountainCarContinuousKwargs = {}): Kernel {
  const goalVelocity = kwargs.goalVelocity ?? 0;
  if (typeof goalVelocity !== 'number' || !Number.isFinite(goalVelocity)) {
    throw new EnvUsageError(`MountainCarContinuous-v0: goalVelocity must be a finite number, got ${String(goalVelocity)}`);
  }
  // numpy 2 compares a float32 with a Python float after rounding the latter to float32.
  const goalVelocity32 = f32(goalVelocity);

  const isTerminal = (position: number, velocity: number): boolean => position >= f32(GOAL_POSITION) && velocity >= goalVelocity32;

  return {
    stateDim: 2,
    observationSpace: box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]),
    actionSpace: box(MIN_ACTION, MAX_ACTION, [1]),

    reset(s, o, rng, options) {
      const [low, high] = resetBounds('MountainCarContinuous-v0', options, -0.6, -0.4);
      s[o] = rng.uniform(low, high);
      s[o + 1] = 0;
    },

    step(s, o, action) {
      const a = f32(action); // Gymnasium's actions are float32 arrays
      const position = s[o]!;
      const velocity = s[o + 1]!;
      // numpy computes in the state array's precision: float64 for a start state
      // straight from reset (a float64 position is, almost surely, not a float32
      // value), float32 after any step, which stores a float32 array.
      const round = f32(position) === position && f32(velocity) === velocity ? f32 : exact;
      const slope = GRAVITY * Math.cos(round(3 * position));
      // Python's min/max clip: an in-range action stays a float32 scalar, so the
      // push and the acceleration are float32; a clipped one becomes the Python
      // float +-1.0 and the acceleration stays float64 until it meets the state.
      const accel =
        a < MIN_ACTION || a > MAX_ACTION
          ? (a < MIN_ACTION ? MIN_ACTION : MAX_ACTION) * POWER - slope
          : f32(f32(a * f32(POWER)) - f32(slope));
      let v = round(velocity + round(accel));
      // Comparisons with Python floats round them to the state's precision too.
      if (v > round(MAX_SPEED)) v = round(MAX_SPEED);
      if (v < round(-MAX_SPEED)) v = round(-MAX_SPEED);
      let p = round(position + v);
      if (p > round(MAX_POSITION)) p = round(MAX_POSITION);
      if (p < round(MIN_POSITION)) p = round(MIN_POSITION);
      if (p === round(MIN_POSITION) && v < 0) v = 0;
      s[o] = f32(p);
      s[o + 1] = f32(v);
      // The cost uses the action as given, before clipping, in float64.
      return (isTerminal(s[o]!, s[o + 1]!) ? GOAL_REWARD : 0) - a * a * ACTION_COST;
    },

    terminated(s, o) {
      return isTerminal(s[o]!, s[o + 1]!);
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
