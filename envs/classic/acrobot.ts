/**
 * Acrobot-v1: a two-link pendulum, actuated only at the joint between the
 * links, must swing its free end above a line (Sutton, 1996; Sutton & Barto's
 * book), with Gymnasium 1.x's dynamics (RLPy's implementation).
 *
 * Observation: Box(6,) float32
 *   | index | meaning                          | min     | max    |
 *   |-------|----------------------------------|---------|--------|
 *   | 0     | cos(theta1)                      | -1      | 1      |
 *   | 1     | sin(theta1)                      | -1      | 1      |
 *   | 2     | cos(theta2)                      | -1      | 1      |
 *   | 3     | sin(theta2)                      | -1      | 1      |
 *   | 4     | angular velocity of theta1       | -4 pi   | 4 pi   |
 *   | 5     | angular velocity of theta2       | -9 pi   | 9 pi   |
 *   theta1 is the first link's angle from hanging straight down; theta2 is the
 *   second link's angle relative to the first.
 *
 * Action: Discrete(3): torque -1, 0 or +1 (N m) on the joint between the links.
 *
 * Reward: -1 for every step that does not reach the goal, 0 on the step that does.
 *
 * Start state: [theta1, theta2, dtheta1, dtheta2] each uniform in [-0.1, 0.1),
 *   rounded to float32 as in Gymnasium; reset options `{ low, high }` change the
 *   bounds, `{ state }` sets the four values exactly.
 *
 * Episode end: terminated when the free end is more than one link length above
 *   the pivot, -cos(theta1) - cos(theta1 + theta2) > 1; truncated at 500 steps
 *   by the registry's time limit.
 *
 * Integration: the "book" equations of motion (the NIPS paper's version lacks
 * a term), one classical Runge-Kutta step over dt = 0.2 s with the torque held
 * constant, then both angles wrapped into [-pi, pi] and the velocities clipped
 * to +-4 pi and +-9 pi. No torque noise. The state is float64; the arithmetic
 * follows Gymnasium's order, because the system is chaotic and last-bit
 * differences grow over an episode (V8's sin and cos still differ from glibc's
 * in the last bit now and then, so long replays of Gymnasium's trajectories
 * drift slowly, to ~1e-7 after 500 steps).
 */
import type { Kernel } from '../../core/kernel.js';
import { box, discrete } from '../../core/spaces.js';
import { clamp, resetBounds, wrapPeriodic } from './util.js';

const DT = 0.2; // seconds per step
const LINK_LENGTH_1 = 1.0; // m
const LINK_LENGTH_2 = 1.0; // m (only drawn: the dynamics use the centre of mass)
const LINK_MASS_1 = 1.0; // kg
const LINK_MASS_2 = 1.0; // kg
const LINK_COM_1 = 0.5; // m, position of link 1's centre of mass
const LINK_COM_2 = 0.5; // m, position of link 2's centre of mass
const LINK_MOI = 1.0; // moment of inertia of each link
const GRAVITY = 9.8;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const TORQUES = [-1.0, 0.0, 1.0];

// Constant factors of the equations of motion, each folded in the order
// Gymnasium's left-to-right products evaluate them (so the bits match).
const M1 = LINK_MASS_1;
const M2 = LINK_MASS_2;
const L1 = LINK_LENGTH_1;
const LC1 = LINK_COM_1;
const LC2 = LINK_COM_2;
const I1 = LINK_MOI;
const I2 = LINK_MOI;
const D1_CONST = M1 * LC1 ** 2; // link 1's own inertia about the pivot, without I1
const D1_INNER = L1 ** 2 + LC2 ** 2;
const COUPLING = 2 * L1 * LC2; // times cos(theta2), inside the m2 bracket of d1
const D2_COUPLING = L1 * LC2; // times cos(theta2), inside the m2 bracket of d2
const PHI2_GAIN = M2 * LC2 * GRAVITY;
const CENTRIFUGAL = -M2 * L1 * LC2; // times dtheta2^2 sin(theta2)
const CORIOLIS = 2 * M2 * L1 * LC2; // times dtheta2 dtheta1 sin(theta2)
const PHI1_GRAVITY = (M1 * LC1 + M2 * L1) * GRAVITY;
const BOOK_TERM = M2 * L1 * LC2; // times dtheta1^2 sin(theta2), the term the NIPS paper lacks
const DDTHETA2_DENOM_CONST = M2 * LC2 ** 2 + I2;

/**
 * Time derivatives of [theta1, theta2, dtheta1, dtheta2] under torque `a`,
 * written into out[0..4).
 */
function derivatives(y: Float64Array, a: number, out: Float64Array): void {
  const theta1 = y[0]!;
  const theta2 = y[1]!;
  const dtheta1 = y[2]!;
  const dtheta2 = y[3]!;
  const cos2 = Math.cos(theta2);
  const sin2 = Math.sin(theta2);
  const d1 = D1_CONST + M2 * (D1_INNER + COUPLING * cos2) + I1 + I2;
  const d2 = M2 * (LC2 ** 2 + D2_COUPLING * cos2) + I2;
  const phi2 = PHI2_GAIN * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    CENTRIFUGAL * (dtheta2 * dtheta2) * sin2 - CORIOLIS * dtheta2 * dtheta1 * sin2 + PHI1_GRAVITY * Math.cos(theta1 - Math.PI / 2) + phi2;
  const ddtheta2 = (a + (d2 / d1) * phi1 - BOOK_TERM * (dtheta1 * dtheta1) * sin2 - phi2) / (DDTHETA2_DENOM_CONST - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
}

/** Whether the free end is more than one link length above the pivot. */
function isTerminal(theta1: number, theta2: number): boolean {
  return -Math.cos(theta1) - Math.cos(theta2 + theta1) > 1.0;
}

export function acrobotKernel(): Kernel {
  const obsHigh = [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2];
  // Runge-Kutta scratch, reused by every step (steps never interleave).
  const y0 = new Float64Array(4);
  const yTmp = new Float64Array(4);
  const k1 = new Float64Array(4);
  const k2 = new Float64Array(4);
  const k3 = new Float64Array(4);
  const k4 = new Float64Array(4);

  return {
    stateDim: 4,
    observationSpace: box(
      obsHigh.map((v) => -v),
      obsHigh,
    ),
    actionSpace: discrete(3),

    reset(s, o, rng, options) {
      const [low, high] = resetBounds('Acrobot-v1', options, -0.1, 0.1);
      for (let i = 0; i < 4; i++) s[o + i] = Math.fround(rng.uniform(low, high));
    },

    step(s, o, action) {
      const torque = TORQUES[action]!;
      for (let i = 0; i < 4; i++) y0[i] = s[o + i]!;
      // One RK4 step over [0, DT]; the half step is DT / 2 and the weights are
      // applied as y0 + DT / 6 * (k1 + 2 k2 + 2 k3 + k4), in Gymnasium's order.
      const half = DT / 2.0;
      derivatives(y0, torque, k1);
      for (let i = 0; i < 4; i++) yTmp[i] = y0[i]! + half * k1[i]!;
      derivatives(yTmp, torque, k2);
      for (let i = 0; i < 4; i++) yTmp[i] = y0[i]! + half * k2[i]!;
      derivatives(yTmp, torque, k3);
      for (let i = 0; i < 4; i++) yTmp[i] = y0[i]! + DT * k3[i]!;
      derivatives(yTmp, torque, k4);
      const sixth = DT / 6.0;
      for (let i = 0; i < 4; i++) yTmp[i] = y0[i]! + sixth * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
      s[o] = wrapPeriodic(yTmp[0]!, -Math.PI, Math.PI);
      s[o + 1] = wrapPeriodic(yTmp[1]!, -Math.PI, Math.PI);
      s[o + 2] = clamp(yTmp[2]!, -MAX_VEL_1, MAX_VEL_1);
      s[o + 3] = clamp(yTmp[3]!, -MAX_VEL_2, MAX_VEL_2);
      return isTerminal(s[o]!, s[o + 1]!) ? 0 : -1;
    },

    terminated(s, o) {
      return isTerminal(s[o]!, s[o + 1]!);
    },

    observe(s, o, out, oo) {
      const theta1 = s[o]!;
      const theta2 = s[o + 1]!;
      out[oo] = Math.cos(theta1);
      out[oo + 1] = Math.sin(theta1);
      out[oo + 2] = Math.cos(theta2);
      out[oo + 3] = Math.sin(theta2);
      out[oo + 4] = s[o + 2]!;
      out[oo + 5] = s[o + 3]!;
    },

    renderState(s, o) {
      return { theta1: s[o]!, theta2: s[o + 1]!, linkLength1: LINK_LENGTH_1, linkLength2: LINK_LENGTH_2 };
    },
  };
}
