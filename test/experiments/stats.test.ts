// The comparison statistics, checked against numbers worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { alignCurves, auc, bootstrapBand, bootstrapCI, interpolate, iqm, linspace, mean, median, percentile, smooth, std } from '../../experiments/stats.js';

describe('mean, median and percentile', () => {
  it('mean of nothing is NaN', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeNaN();
  });

  it('std is the population standard deviation', () => {
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(std([3])).toBe(0);
    expect(std([])).toBeNaN();
  });

  it('interpolates linearly between order statistics (numpy default)', () => {
    // Sorted: [1, 2, 3, 4, 10], position h = 4 p / 100.
    const v = [10, 1, 4, 3, 2];
    expect(percentile(v, 0)).toBe(1);
    expect(percentile(v, 25)).toBe(2); // h = 1
    expect(percentile(v, 50)).toBe(3); // h = 2
    expect(percentile(v, 90)).toBeCloseTo(7.6, 12); // h = 3.6: 4 + 0.6 * (10 - 4)
    expect(percentile(v, 100)).toBe(10);
    // [1, 2, 3, 4]: h = 3 p / 100.
    expect(percentile([4, 3, 2, 1], 50)).toBe(2.5); // h = 1.5: 2 + 0.5 * 1
    expect(percentile([1, 2, 3, 4], 10)).toBeCloseTo(1.3, 12); // h = 0.3
    expect(median([5, 1, 3])).toBe(3);
    expect(percentile([7], 33)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/\[0, 100\]/);
  });

  it('does not reorder its input', () => {
    const v = [3, 1, 2];
    percentile(v, 50);
    iqm(v);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe('iqm (scipy trim_mean with 0.25 cut: floor(n/4) dropped from each end)', () => {
  it('n = 4 keeps the middle 2', () => {
    // Sorted [1, 2, 3, 100], drop 1 each end: (2 + 3) / 2.
    expect(iqm([100, 3, 1, 2])).toBe(2.5);
  });

  it('n = 5 keeps the middle 3 (floor(5/4) = 1 dropped each end)', () => {
    // Sorted [1, 2, 3, 4, 100]: (2 + 3 + 4) / 3.
    expect(iqm([4, 100, 1, 3, 2])).toBe(3);
  });

  it('n = 8 keeps the middle 4', () => {
    // Sorted [1, 2, 3, 4, 5, 6, 7, 100], drop 2 each end: (3 + 4 + 5 + 6) / 4.
    expect(iqm([7, 1, 100, 5, 2, 6, 3, 4])).toBe(4.5);
  });

  it('n < 4 is the plain mean; n = 0 is NaN', () => {
    expect(iqm([1, 2, 9])).toBe(4);
    expect(iqm([7])).toBe(7);
    expect(iqm([])).toBeNaN();
  });
});

describe('bootstrapCI', () => {
  const tenValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

  it('is deterministic for a seed and changes with it', () => {
    const a = bootstrapCI(tenValues, { seed: 3 });
    expect(bootstrapCI(tenValues, { seed: 3 })).toEqual(a);
    expect(bootstrapCI(tenValues)).toEqual(bootstrapCI(tenValues, { seed: 0 }));
    expect(bootstrapCI(tenValues, { seed: 4 })).not.toEqual(a);
  });

  it('brackets the mean at about the normal-theory width', () => {
    // Mean 4.5; population sd sqrt(8.25) = 2.872, standard error 2.872 / sqrt(10) = 0.908,
    // so a 95% interval is about 4.5 +- 1.96 * 0.908 = [2.72, 6.28].
    const ci = bootstrapCI(tenValues, { seed: 1 });
    expect(ci.estimate).toBe(4.5);
    expect(ci.low).toBeLessThan(4.5);
    expect(ci.high).toBeGreaterThan(4.5);
    expect(ci.low).toBeGreaterThan(2.72 - 0.3);
    expect(ci.low).toBeLessThan(2.72 + 0.3);
    expect(ci.high).toBeGreaterThan(6.28 - 0.3);
    expect(ci.high).toBeLessThan(6.28 + 0.3);
  });

  it('of two values: resampled means are 0, 0.5, 1 with chances 1/4, 1/2, 1/4, so the 95% interval is [0, 1]', () => {
    expect(bootstrapCI([0, 1], { seed: 2 })).toEqual({ estimate: 0.5, low: 0, high: 1 });
  });

  it('narrows with more data', () => {
    // The same values repeated 10 times: the standard error shrinks by sqrt(10).
    const many = Array.from({ length: 10 }, () => tenValues).flat();
    const few = bootstrapCI(tenValues, { seed: 5 });
    const lots = bootstrapCI(many, { seed: 5 });
    const ratio = (few.high - few.low) / (lots.high - lots.low);
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(4);
  });

  it('narrows with lower confidence', () => {
    const wide = bootstrapCI(tenValues, { seed: 5, confidence: 0.95 });
    const narrow = bootstrapCI(tenValues, { seed: 5, confidence: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it('n = 1 gives the value; equal values give a zero-width interval; n = 0 gives NaN', () => {
    expect(bootstrapCI([42])).toEqual({ estimate: 42, low: 42, high: 42 });
    expect(bootstrapCI([3, 3, 3])).toEqual({ estimate: 3, low: 3, high: 3 });
    const none = bootstrapCI([]);
    expect(none.estimate).toBeNaN();
    expect(none.low).toBeNaN();
  });

  it('takes another statistic', () => {
    const values = [1, 2, 3, 4, 100];
    const ci = bootstrapCI(values, { statistic: iqm, resamples: 2000, seed: 1 });
    expect(ci.estimate).toBe(3);
    expect(ci.low).toBeGreaterThanOrEqual(1);
    expect(ci.high).toBeLessThanOrEqual(100);
  });

  it('checks its options', () => {
    expect(() => bootstrapCI([1, 2], { confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapCI([1, 2], { resamples: 0 })).toThrow(/resamples/);
  });

  it('works on a noisy sample', () => {
    const rng = new Rng(9);
    const values = Array.from({ length: 200 }, () => rng.normal(10, 2));
    const ci = bootstrapCI(values, { seed: 9 });
    // Standard error about 2 / sqrt(200) = 0.14: the interval is about 0.55 wide around the sample mean.
    expect(ci.low).toBeLessThan(ci.estimate);
    expect(ci.high).toBeGreaterThan(ci.estimate);
    expect(ci.high - ci.low).toBeGreaterThan(0.4);
    expect(ci.high - ci.low).toBeLessThan(0.7);
  });
});

describe('bootstrapBand', () => {
  const N = Number.NaN;
  it('at each point: the mean and the count of the curves present, no spread for one curve, nothing for none', () => {
    const band = bootstrapBand([
      [0, 2, 4, N],
      [0, 4, N, N],
    ]);
    expect(band.mean.slice(0, 3)).toEqual([0, 3, 4]);
    expect(Number.isNaN(band.mean[3]!)).toBe(true);
    expect(band.count).toEqual([2, 2, 1, 0]);
    // Both start at 0: no spread; one curve: its value.
    expect([band.low[0], band.high[0], band.low[2], band.high[2]]).toEqual([0, 0, 4, 4]);
  });

  it('of two curves: resampled means at a point are the lower, the middle or the upper value, so the 95% band spans both', () => {
    // As bootstrapCI([0, 1]): chances 1/4, 1/2, 1/4, and the 2.5th and 97.5th percentiles of 2000 resamples are the extremes.
    const band = bootstrapBand([
      [0, 0, 10],
      [1, 2, 30],
    ]);
    expect([band.low[1], band.high[1]]).toEqual([0, 2]);
    expect([band.low[2], band.high[2]]).toEqual([10, 30]);
  });

  it('uses the same resamples at every point: curves that are multiples of one shape give a band of that shape', () => {
    const rng = new Rng(1);
    const scales = Array.from({ length: 6 }, () => 1 + rng.random());
    const shape = [1, 3, 2, 5, 4];
    const band = bootstrapBand(scales.map((k) => shape.map((v) => k * v)));
    for (let g = 1; g < shape.length; g++) {
      expect(band.low[g]! / shape[g]!).toBeCloseTo(band.low[0]! / shape[0]!, 12);
      expect(band.high[g]! / shape[g]!).toBeCloseTo(band.high[0]! / shape[0]!, 12);
    }
    expect(band.high[0]! - band.low[0]!).toBeGreaterThan(0.1);
  });

  it('is deterministic for a seed and checks its options', () => {
    const curves = [[1, 2], [3, 5], [2, 9]];
    expect(bootstrapBand(curves, { seed: 4 })).toEqual(bootstrapBand(curves, { seed: 4 }));
    expect(() => bootstrapBand(curves, { confidence: 1 })).toThrow(/confidence must be in \(0, 1\)/);
    expect(() => bootstrapBand(curves, { resamples: 0 })).toThrow(/resamples must be a positive integer/);
  });
});

describe('auc', () => {
  it('is the trapezoid area divided by the x span', () => {
    // Trapezoids: 10 * (0 + 10) / 2 = 50 and 20 * (10 + 10) / 2 = 200; 250 / 30.
    expect(auc([0, 10, 30], [0, 10, 10])).toBeCloseTo(250 / 30, 12);
    // One trapezoid from x = 5 to 15: 10 * (2 + 4) / 2 = 30, over 10.
    expect(auc([5, 15], [2, 4])).toBe(3);
  });

  it('handles one point, a zero span and none', () => {
    expect(auc([100], [7])).toBe(7);
    expect(auc([5, 5], [1, 3])).toBe(2);
    expect(auc([], [])).toBeNaN();
    expect(() => auc([1, 2], [1])).toThrow(/2 xs but 1 ys/);
  });
});

describe('interpolate', () => {
  it('interpolates linearly inside the range and gives NaN outside it', () => {
    // Segments (10, 0)-(20, 10) and (20, 10)-(40, 30): slope 1 on both.
    const out = interpolate([10, 20, 40], [0, 10, 30], [0, 10, 15, 20, 30, 40, 50]);
    expect(out[0]).toBeNaN();
    expect(out.slice(1, 6)).toEqual([0, 5, 10, 20, 30]);
    expect(out[6]).toBeNaN();
  });

  it('has a value only at the point for a one-point curve', () => {
    const out = interpolate([5], [3], [4, 5, 6]);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(3);
    expect(out[2]).toBeNaN();
  });

  it('uses the later point where an x repeats, and copes with an empty curve', () => {
    expect(interpolate([0, 10, 10, 20], [0, 1, 5, 7], [10, 15])).toEqual([5, 6]);
    expect(interpolate([], [], [1])[0]).toBeNaN();
  });
});

describe('smooth (centered moving average)', () => {
  it('averages a centered window, cut at the ends, skipping NaNs and keeping NaN points', () => {
    // Window 3 looks one back and one ahead:
    // i0: (1 + 2) / 2, i1: (1 + 2 + 6) / 3, i2: (2 + 6 + 4) / 3, i3: (6 + 4) / 2 (NaN skipped), i4: NaN stays, i5: 8 alone.
    const out = smooth([1, 2, 6, 4, Number.NaN, 8], 3);
    expect(out.slice(0, 4)).toEqual([1.5, 3, 4, 5]);
    expect(out[4]).toBeNaN();
    expect(out[5]).toBe(8);
  });

  it('looks one more point ahead than behind for an even window', () => {
    // Window 4: one back, two ahead. i0: (1+2+3)/3, i1: (1+2+3+4)/4, i2: (2+3+4+5)/4, i3: (3+4+5)/3, i4: (4+5)/2.
    expect(smooth([1, 2, 3, 4, 5], 4)).toEqual([2, 2.5, 3.5, 4, 4.5]);
  });

  it('window 1 (or less) copies', () => {
    const ys = [1, 5, 2];
    const out = smooth(ys, 1);
    expect(out).toEqual(ys);
    expect(out).not.toBe(ys);
    expect(smooth(ys, 0)).toEqual(ys);
  });
});

describe('alignCurves', () => {
  it('puts curves on a grid from 0 to the largest x, NaN past each curve', () => {
    const { grid, values } = alignCurves(
      [
        { xs: [0, 10], ys: [0, 10] },
        { xs: [0, 20], ys: [0, 40] },
      ],
      5,
    );
    expect(grid).toEqual([0, 5, 10, 15, 20]);
    expect(values[0]!.slice(0, 3)).toEqual([0, 5, 10]);
    expect(values[0]![3]).toBeNaN();
    expect(values[0]![4]).toBeNaN();
    expect(values[1]).toEqual([0, 10, 20, 30, 40]);
  });

  it('uses 200 points by default and [0] when there is nothing to span', () => {
    const { grid } = alignCurves([{ xs: [0, 1000], ys: [1, 2] }]);
    expect(grid).toHaveLength(200);
    expect(grid[0]).toBe(0);
    expect(grid[199]).toBe(1000);
    expect(alignCurves([]).grid).toEqual([0]);
    expect(linspace(0, 1, 3)).toEqual([0, 0.5, 1]);
  });
});
