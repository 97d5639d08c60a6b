/**
 * CartPole-v1: balance a pole hinged on a cart that moves along a frictionless
 * track (Barto, Sutton & Anderson, 1983), with Gymnasium 1.x's dynamics.
 *
 * Observation: Box(4,) float32
 *   | index | meaning               | min     | max    |
 *   |-------|-----------------------|---------|--------|
 *   | 0     | cart position (m)     | -4.8    | 4.8    |
 *   | 1     | cart velocity (m/s)   | -inf    | inf    |
 *   | 2     | pole angle (rad)      | -0.419  | 0.419  |
 *   | 3     | pole angular velocity | -inf    | inf    |
 *
 * Action: Discrete(2): 0 pushes the cart left, 1 pushes it right (10 N).
 *
 * Reward: +1 for every step, the terminating step included. With
 *   `suttonBartoReward: true`, 0 per step and -1 on the terminating step.
 *
 * Start state: all four values uniform in (-0.05, 0.05); reset options
 *   `{ low, high }` change the bounds, `{ state }` sets the state exactly.
 *
 * Episode end: terminated when |angle| > 12 degrees or |position| > 2.4;
 *   truncated at 500 steps by the registry's time limit.
 *
 * Integration: explicit Euler with tau = 0.02 s. The internal state is float64;
 * observations are its float32 rounding.
 */
import type { Kernel } from '../../core/kernel.js';
import { box, discrete } from '../../core/spaces.js';
import { resetBounds } from './util.js';

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const HALF_LENGTH = 0.5; // half the pole's length
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds between state updates
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

export interface CartPoleKwargs {
  /** Reward 0 per step and -1 at termination, as in Sutton and Barto's original code. */
  suttonBartoReward?: boolean;
}

export function cartPoleKernel(kwargs: CartPoleKwargs = {}): Kernel {
  const suttonBarto = kwargs.suttonBartoReward ?? false;
  const obsHigh = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity];

  return {
    stateDim: 4,
    observationSpace: box(
      obsHigh.map((v) => -v),
      obsHigh,
    ),
    actionSpace: discrete(2),

    reset(s, o, rng, options) {
      const [low, high] = resetBounds('CartPole-v1', options, -0.05, 0.05);
      for (let i = 0; i < 4; i++) s[o + i] = rng.uniform(low, high);
    },

    step(s, o, action) {
      const x = s[o]!;
      const xDot = s[o + 1]!;
      const theta = s[o + 2]!;
      const thetaDot = s[o + 3]!;
      const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sin) / TOTAL_MASS;
      const thetaAcc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * (cos * cos)) / TOTAL_MASS));
      const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
      s[o] = x + TAU * xDot;
      s[o + 1] = xDot + TAU * xAcc;
      s[o + 2] = theta + TAU * thetaDot;
      s[o + 3] = thetaDot + TAU * thetaAcc;
      if (suttonBarto) return this.terminated(s, o) ? -1 : 0;
      return 1;
    },

    terminated(s, o) {
      const x = s[o]!;
      const theta = s[o + 2]!;
      return x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    },

    observe(s, o, out, oo) {
      out[oo] = s[o]!;
      out[oo + 1] = s[o + 1]!;
      out[oo + 2] = s[o + 2]!;
      out[oo + 3] = s[o + 3]!;
    },

    renderState(s, o) {
      return { x: s[o]!, theta: s[o + 2]!, xThreshold: X_THRESHOLD, poleLength: 2 * HALF_LENGTH };
    },
  };
}
