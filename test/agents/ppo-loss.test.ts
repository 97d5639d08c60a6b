import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { ppoLoss, ppoTerms, stopsEarly } from '../../agents/lib/ppo-loss.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// Four rows with clip range 0.2, one of each case of min(r A, clip(r, 0.8, 1.2) A):
//   r = 1.5, A =  2: min(3.0, 1.2 * 2 = 2.4)    = 2.4   clipped (ratio too high, advantage > 0)
//   r = 0.5, A = -1: min(-0.5, 0.8 * -1 = -0.8) = -0.8  clipped (ratio too low, advantage < 0)
//   r = 1.1, A = -3: min(-3.3, -3.3)            = -3.3  inside the clip range
//   r = 0.7, A =  1: min(0.7, 0.8)              = 0.7   outside the range but unclipped (the pessimistic side)
// policy loss = -(2.4 - 0.8 - 3.3 + 0.7) / 4 = 0.25
const ratios = [1.5, 0.5, 1.1, 0.7];
const advantages = [2, -1, -3, 1];
const oldLogp = [-1, -0.5, -2, -1.2];
// Values with clip range 0.3 around the rollout values:
//   V    V_old  R     (V - R)^2   V_old + clip(V - V_old)      (clipped - R)^2   max
//   1    0.5    0     1           0.5 + 0.3 = 0.8               0.64              1
//   2    2      2.5   0.25        2 + 0 = 2                     0.25              0.25
//   0    0.8    1     1           0.8 - 0.3 = 0.5               0.25              1
//   -1   0      -1    0           0 - 0.3 = -0.3                0.49              0.49
// value loss = (1 + 0.25 + 1 + 0.49) / 4 = 0.685; unclipped (1 + 0.25 + 1 + 0) / 4 = 0.5625
const value = [1, 2, 0, -1];
const oldValues = [0.5, 2, 0.8, 0];
const returns = [0, 2.5, 1, -1];

const batch = (logp: tf.Tensor1D) => ({
  logp,
  oldLogp: tf.tensor1d(oldLogp),
  advantages: tf.tensor1d(advantages),
  value: tf.tensor1d(value),
  oldValues: tf.tensor1d(oldValues),
  returns: tf.tensor1d(returns),
});
const logpOf = () => tf.tensor1d(ratios.map((r, i) => oldLogp[i]! + Math.log(r)));
const scalar = (t: tf.Tensor) => t.dataSync()[0]!;

describe('PPO loss (agents/lib/ppo-loss.ts) against hand-computed numbers', () => {
  it('clipped surrogate, value loss with and without clipping, approximate KL, clip fraction, total loss', () => {
    tf.tidy(() => {
      const b = batch(logpOf());
      const terms = ppoTerms(b, 0.2, 0.3);
      expect(scalar(terms.policyLoss)).toBeCloseTo(0.25, 6);
      expect(scalar(terms.valueLoss)).toBeCloseTo(0.685, 6);
      expect(scalar(ppoTerms(b, 0.2).valueLoss)).toBeCloseTo(0.5625, 6);
      // (r - 1) - ln r per row: 0.5 - ln 1.5 = 0.0945349, -0.5 + ln 2 = 0.1931472,
      // 0.1 - ln 1.1 = 0.0046898, -0.3 - ln 0.7 = 0.0566749; mean 0.0872617
      expect(scalar(terms.approxKl)).toBeCloseTo(0.0872617, 6);
      // |r - 1| > 0.2 for r = 1.5, 0.5, 0.7 (not 1.1): 3 / 4
      expect(scalar(terms.clipFraction)).toBe(0.75);
      // 0.25 + 0.5 * 0.685 - 0.01 * 0.6 = 0.5865
      expect(scalar(ppoLoss(terms, tf.scalar(0.6), 0.5, 0.01))).toBeCloseTo(0.5865, 6);
    });
  });

  it('no gradient flows through clipped rows', () => {
    // d(policy loss)/d(log pi) = -A r / 4 where the unclipped term is the minimum, 0 where the clipped one is:
    // rows 1 and 2 clipped -> 0; row 3: 3 * 1.1 / 4 = 0.825; row 4: -1 * 0.7 / 4 = -0.175
    const grad = tf.tidy(() => tf.grad((logp: tf.Tensor) => ppoTerms(batch(logp as tf.Tensor1D), 0.2).policyLoss)(logpOf()).dataSync());
    expect(Array.from(grad)).toEqual([0, 0, 0.825, -0.175].map((g) => expect.closeTo(g, 6)));
    // and no value gradient through a row whose clipped term is the maximum (row 4: V pinned at V_old - 0.3):
    // d(value loss)/dV = 2 (V - R) / 4 on rows 1-3 (unclipped term the max) = 0.5, -0.25, -0.5; row 4: 0
    const vgrad = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => ppoTerms({ ...batch(logpOf()), value: v as tf.Tensor1D }, 0.2, 0.3).valueLoss)(tf.tensor1d(value)).dataSync(),
    );
    expect(Array.from(vgrad)).toEqual([0.5, -0.25, -0.5, 0].map((g) => expect.closeTo(g, 6)));
  });

  it('value clipping needs the rollout values', () => {
    tf.tidy(() => {
      const { oldValues: _, ...withoutOld } = batch(logpOf());
      expect(() => ppoTerms(withoutOld, 0.2, 0.3)).toThrow(/needs the rollout values/);
    });
  });

  it('target-KL stop: after an epoch whose last approximate KL exceeds the target; never with target 0', () => {
    expect(stopsEarly(0.05, () => 0.0872617)).toBe(true);
    expect(stopsEarly(0.1, () => 0.0872617)).toBe(false);
    expect(stopsEarly(0.05, () => 0.05)).toBe(false);
    // target 0: no stop, and the KL is not read (an update of no minibatch has none)
    expect(stopsEarly(0, () => { throw new Error('read'); })).toBe(false);
  });
});
