// Action sampling (agents/lib/sampling.ts) against hand-computed probabilities and log-densities.
import { describe, expect, it } from 'vitest';
import { pickCategorical, pickGaussian } from '../../agents/lib/sampling.js';
import { Rng } from '../../core/rng.js';

describe('pickCategorical', () => {
  const logits = new Float32Array([9, 0, Math.log(2), Math.log(3)]); // row 1 of width 3 starts at offset 1

  it('fills the softmax, restricted to the legal actions, and takes the mode when deterministic', () => {
    const probs = new Float64Array(3);
    expect(pickCategorical(logits, 1, 3, null, new Rng(0), true, probs)).toBe(2);
    expect(Array.from(probs)).toEqual([1 / 6, 2 / 6, 3 / 6].map((p) => expect.closeTo(p, 7)));
    expect(pickCategorical(logits, 1, 3, new Uint8Array([1, 1, 0]), new Rng(0), true, probs)).toBe(1);
    expect(Array.from(probs)).toEqual([1 / 3, 2 / 3, 0].map((p) => expect.closeTo(p, 7)));
  });

  it('samples legal actions at their probabilities', () => {
    const probs = new Float64Array(3);
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[pickCategorical(logits, 1, 3, new Uint8Array([1, 0, 1]), rng, false, probs)]! += 1;
    expect(counts[1]).toBe(0);
    // 1/4 and 3/4; the binomial std at n = 20000 is 0.003, so 0.015 is 5 std.
    expect(Math.abs(counts[0]! / n - 0.25)).toBeLessThan(0.015);
  });
});

describe('pickGaussian', () => {
  const means = new Float32Array([0.5, -3]);
  const logStd = [Math.log(2), 0];
  const low = [-1, -1];
  const high = [0.2, 1];

  it('stores the mean, clips it for the env and returns its log-density when deterministic', () => {
    const stored = new Float32Array(2);
    const env = new Float32Array(3);
    const logp = pickGaussian(means, 0, logStd, new Rng(0), true, low, high, stored, 0, env, 1);
    expect(Array.from(stored)).toEqual([0.5, -3]);
    expect(Array.from(env)).toEqual([0, Math.fround(0.2), -1]);
    // log N(mu | mu, sigma) = -log sigma - log(2 pi) / 2 per dimension.
    expect(logp).toBeCloseTo(-Math.log(2) - Math.log(2 * Math.PI), 12);
  });

  it('draws mean + std z from the generator and returns -z^2/2 - log std - log(2 pi)/2 summed', () => {
    const stored = new Float32Array(2);
    const env = new Float32Array(2);
    const logp = pickGaussian(means, 0, logStd, new Rng(7), false, low, high, stored, 0, env, 0);
    const rng = new Rng(7);
    const z = [rng.normal(), rng.normal()];
    expect(stored[0]).toBe(Math.fround(0.5 + 2 * z[0]!));
    expect(stored[1]).toBe(Math.fround(-3 + z[1]!));
    expect(env[1]).toBe(Math.min(1, Math.max(-1, stored[1]!)));
    expect(logp).toBeCloseTo(-0.5 * z[0]! ** 2 - Math.log(2) - 0.5 * z[1]! ** 2 - Math.log(2 * Math.PI), 12);
  });
});
