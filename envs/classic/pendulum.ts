/**
 * Pendulum-v1: swing a frictionless pendulum up and hold it upright with a
 * limited torque, with Gymnasium 1.x's dynamics.
 *
 * Observation: Box(3,) float32
 *   | index | meaning                   | min  | max |
 *   |-------|---------------------------|------|-----|
 *   | 0     | cos(theta)                | -1   | 1   |
 *   | 1     | sin(theta)                | -1   | 1   |
 *   | 2     | angular velocity (rad/s)  | -8   | 8   |
 *   theta is 0 upright and grows counter-clockwise.
 *
 * Action: Box(-2, 2, (1,)) float32: the torque (N m), clipped to [-2, 2].
 *
 * Reward: -(theta^2 + 0.1 * thetaDot^2 + 0.001 * torque^2), with theta
 *   normalized to [-pi, pi) and the state and torque taken before the step;
 *   between about -16.27 and 0.
 *
 * Start state: theta uniform in [-pi, pi), thetaDot uniform in [-1, 1); reset
 *   options `{ x_init, y_init }` replace the bounds pi and 1 (the ranges are
 *   symmetric: [-x_init, x_init) and [-y_init, y_init)), `{ state }` sets
 *   [theta, thetaDot] exactly.
 *
 * Episode end: never terminates; truncated at 200 steps by the registry's time
 *   limit.
 *
 * Dynamics, one step (dt = 0.05 s, m = l = 1): thetaDot += (3g / 2l * sin(theta)
 * + 3 / (m l^2) * torque) * dt, clipped to [-8, 8]; theta += thetaDot * dt. The
 * state is float64 and theta is left unwrapped (it can leave [-pi, pi]). The
 * torque is float32, and numpy 2 keeps `3 * torque`, `torque^2` and
 * `0.001 * torque^2` in float32, so those are rounded with Math.fround. (numpy
 * squares a float32 scalar with the C library's powf, which on glibc can be one
 * float32 ulp off the exact square used here: such rewards differ by ~1e-10.)
 */
import { EnvUsageError } from '../../core/env.js';
import type { Kernel } from '../../core/kernel.js';
import { box } from '../../core/spaces.js';
import { angleNormalize, clamp, numberOption } from './util.js';

const f32 = Math.fround;

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05; // seconds per step
const MASS = 1.0;
const LENGTH = 1.0;
const TORQUE_GAIN = 3.0 / (MASS * LENGTH ** 2); // angular acceleration per unit torque
const DEFAULT_X_INIT = Math.PI; // start-angle bound
const DEFAULT_Y_INIT = 1.0; // start-velocity bound

export interface PendulumKwargs {
  /** Gravitational acceleration (m/s^2). */
  g?: number;
}

export function pendulumKernel(kwargs: PendulumKwargs = {}): Kernel {
  const g = kwargs.g ?? 10.0;
  if (typeof g !== 'number' || !Number.isFinite(g)) throw new EnvUsageError(`Pendulum-v1: g must be a finite number, got ${String(g)}`);
  const gravityGain = (3 * g) / (2 * LENGTH); // angular acceleration per unit sin(theta)

  return {
    stateDim: 2,
    observationSpace: box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]),
    actionSpace: box(-MAX_TORQUE, MAX_TORQUE, [1]),

    reset(s, o, rng, options) {
      const x = numberOption('Pendulum-v1', options, 'x_init', DEFAULT_X_INIT);
      const y = numberOption('Pendulum-v1', options, 'y_init', DEFAULT_Y_INIT);
      s[o] = rng.uniform(-x, x);
      s[o + 1] = rng.uniform(-y, y);
    },

    step(s, o, action) {
      const theta = s[o]!;
      const thetaDot = s[o + 1]!;
      const u = clamp(f32(action), -MAX_TORQUE, MAX_TORQUE); // float32, like Gymnasium's action
      const an = angleNormalize(theta);
      const cost = an * an + 0.1 * (thetaDot * thetaDot) + f32(f32(0.001) * f32(u * u));
      let newThetaDot = thetaDot + (gravityGain * Math.sin(theta) + f32(f32(TORQUE_GAIN) * u)) * DT;
      newThetaDot = clamp(newThetaDot, -MAX_SPEED, MAX_SPEED);
      s[o] = theta + newThetaDot * DT;
      s[o + 1] = newThetaDot;
      return -cost;
    },

    terminated() {
      return false;
    },

    observe(s, o, out, oo) {
      const theta = s[o]!;
      out[oo] = Math.cos(theta);
      out[oo + 1] = Math.sin(theta);
      out[oo + 2] = s[o + 1]!;
    },

    renderState(s, o) {
      return { theta: s[o]!, thetaDot: s[o + 1]!, length: LENGTH };
    },
  };
}
