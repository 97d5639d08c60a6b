import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import {
  argmaxRow,
  categoricalEntropy,
  categoricalLogProb,
  gaussianEntropy,
  gaussianLogProb,
  sampleCategorical,
  softmaxRow,
} from '../../agents/lib/distributions.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('categorical', () => {
  it('log-probabilities and entropy match hand-computed values', () => {
    // logits [0, ln 3] -> probs [1/4, 3/4]
    const logits = tf.tensor2d([[0, Math.log(3)]]);
    const logp = tf.tidy(() => categoricalLogProb(logits, tf.tensor1d([1])).dataSync()[0]!);
    expect(logp).toBeCloseTo(Math.log(0.75), 6);
    const h = tf.tidy(() => categoricalEntropy(logits).dataSync()[0]!);
    expect(h).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 6);
    logits.dispose();
  });

  it('samples follow the softmax; argmax picks the largest', () => {
    const rng = new Rng(1);
    const logits = [0, Math.log(3)];
    let ones = 0;
    for (let i = 0; i < 20000; i++) ones += sampleCategorical(logits, 0, 2, rng);
    expect(ones / 20000).toBeCloseTo(0.75, 1.5);
    // row [1, 1, 5] of a longer array: probabilities 1, 1, e^4 over 2 + e^4
    const p = softmaxRow([9, 1, 1, 5, 9], 1, 3, new Float64Array(3));
    const z = 2 + Math.exp(4);
    expect(p[0]).toBeCloseTo(1 / z, 12);
    expect(p[1]).toBeCloseTo(1 / z, 12);
    expect(p[2]).toBeCloseTo(Math.exp(4) / z, 12);
    expect(argmaxRow([3, 1, 4, 1, 5], 1, 3)).toBe(1);
  });
});

describe('diagonal Gaussian', () => {
  it('log-density and entropy match the closed forms', () => {
    const mean = tf.tensor2d([[0, 1]]);
    const logStd = tf.tensor1d([0, Math.log(2)]);
    const a = tf.tensor2d([[1, 1]]);
    const logp = tf.tidy(() => gaussianLogProb(mean, logStd, a).dataSync()[0]!);
    const expected = -0.5 * 1 - 0.5 * Math.log(2 * Math.PI) + (-Math.log(2) - 0.5 * Math.log(2 * Math.PI));
    expect(logp).toBeCloseTo(expected, 5);
    const h = tf.tidy(() => gaussianEntropy(logStd).dataSync()[0]!);
    expect(h).toBeCloseTo(0.5 * Math.log(2 * Math.PI * Math.E) * 2 + Math.log(2), 5);
    [mean, logStd, a].forEach((t) => t.dispose());
  });
});
