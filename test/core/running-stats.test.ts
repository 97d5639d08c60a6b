import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { RunningMeanStd } from '../../core/running-stats.js';

const C = 1e-4; // the prior's pseudo-count

/**
 * Mean and population variance of column `i` of `rows`, computed directly,
 * together with the prior the statistics start from (mean 0 and variance 1
 * with weight C): the moments of that weighted mixture.
 */
function direct(rows: number[][], i: number): { mean: number; variance: number } {
  const xs = rows.map((r) => r[i]!);
  const total = C + xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / total;
  const variance = (C * (1 + mean * mean) + xs.reduce((a, x) => a + (x - mean) ** 2, 0)) / total;
  return { mean, variance };
}

describe('RunningMeanStd', () => {
  it('starts at mean 0, variance 1, count 1e-4', () => {
    const rms = new RunningMeanStd(3);
    expect(Array.from(rms.mean)).toEqual([0, 0, 0]);
    expect(Array.from(rms.var)).toEqual([1, 1, 1]);
    expect(rms.count).toBe(1e-4);
  });

  it('one update equals the hand-computed merge with the prior', () => {
    // Prior (mean 0, var 1, weight c) merged with the batch {2, 4}: the mixture's
    // mean is (c*0 + 6) / (c + 2) and its variance E[x^2] - mean^2 with
    // E[x^2] = (c*1 + 4 + 16) / (c + 2).
    const c = C;
    const rms = new RunningMeanStd(1);
    rms.update([2, 4], 2);
    const mean = 6 / (c + 2);
    expect(rms.mean[0]).toBeCloseTo(mean, 12);
    expect(rms.var[0]).toBeCloseTo((c + 20) / (c + 2) - mean * mean, 12);
    expect(rms.count).toBe(c + 2);
  });

  it('batched updates in any split agree with the directly computed mean and variance', () => {
    const rng = new Rng(7);
    const dim = 3;
    const rows = Array.from({ length: 1000 }, () => [rng.normal(5, 2), rng.normal(-1, 0.1), rng.uniform(0, 10)]);
    const splits = [[1000], [1, 999], [10, 90, 400, 500], Array.from({ length: 1000 }, () => 1)];
    for (const split of splits) {
      const rms = new RunningMeanStd(dim);
      let at = 0;
      for (const size of split) {
        rms.update(rows.slice(at, at + size).flat(), size);
        at += size;
      }
      expect(rms.count).toBeCloseTo(1000 + C, 9);
      for (let i = 0; i < dim; i++) {
        const { mean, variance } = direct(rows, i);
        expect(rms.mean[i]! / mean).toBeCloseTo(1, 10);
        expect(rms.var[i]! / variance).toBeCloseTo(1, 10);
      }
    }
  });

  it('a single vector can be passed without a batch size', () => {
    const a = new RunningMeanStd(2);
    const b = new RunningMeanStd(2);
    a.update(new Float32Array([1, 2]));
    b.update([1, 2], 1);
    expect(a.getState()).toEqual(b.getState());
  });

  it('getState / setState round-trip through JSON and keep references valid', () => {
    const rms = new RunningMeanStd(2);
    rms.update([1, 2, 3, 5, 8, 13], 3);
    const json = JSON.parse(JSON.stringify(rms.getState()));
    const copy = RunningMeanStd.fromState(json);
    expect(copy.getState()).toEqual(rms.getState());
    const meanRef = copy.mean;
    copy.setState({ mean: [1, 2], var: [3, 4], count: 5 });
    expect(Array.from(meanRef)).toEqual([1, 2]);
    copy.update([0, 0], 1);
    rms.setState(copy.getState());
    expect(rms.getState()).toEqual(copy.getState());
  });

  it('rejects bad arguments and states', () => {
    expect(() => new RunningMeanStd(0)).toThrow(/dim must be a positive integer/);
    const rms = new RunningMeanStd(2);
    expect(() => rms.update([1, 2, 3])).toThrow(/batchSize x 2 values/);
    expect(() => rms.setState({ mean: [0], var: [1, 1], count: 1 })).toThrow(/mean must be 2 finite numbers/);
    expect(() => rms.setState({ mean: [0, 0], var: [1, -1], count: 1 })).toThrow(/var must be 2 finite non-negative/);
    expect(() => rms.setState({ mean: [0, 0], var: [1, 1], count: 0 })).toThrow(/count must be a positive/);
  });
});
