// Statistics for comparing runs: summaries across seeds (mean, percentile,
// interquartile mean, percentile-bootstrap confidence intervals) and curve
// handling (area under a learning curve, interpolation onto a common grid,
// smoothing). Pure functions over plain number arrays; the only randomness is
// the bootstrap's, drawn from a seeded Rng so a comparison prints the same
// numbers every time.
//
// Conventions follow numpy/scipy where there is one, so numbers can be checked
// against a Python notebook: `percentile` is numpy's default ("linear"), `iqm`
// is scipy.stats.trim_mean(x, 0.25) as used by rliable (Agarwal et al. 2021,
// "Deep RL at the edge of the statistical precipice").
import { Rng } from '../core/rng.js';

/** Arithmetic mean; NaN for an empty array. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Population standard deviation (numpy's default, ddof 0), as evaluations report it; NaN for an empty array. */
export function std(values: readonly number[]): number {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** Median (the 50th percentile); NaN for an empty array. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** `percentile` on values already sorted ascending (no copy). */
function percentileOfSorted(s: readonly number[], p: number): number {
  if (s.length === 0) return Number.NaN;
  const h = ((s.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/**
 * The p-th percentile (p in [0, 100]) with linear interpolation between order
 * statistics, numpy's default: with the values sorted as s[0..n-1], the
 * position is h = (n - 1) p / 100 and the result s[floor(h)] + (h - floor(h))
 * (s[floor(h) + 1] - s[floor(h)]). NaN for an empty array.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100], got ${p}`);
  return percentileOfSorted(sorted(values), p);
}

/**
 * Interquartile mean: the mean of the middle 50% of the values, as
 * scipy.stats.trim_mean(values, 0.25) computes it (and rliable with it). With
 * the values sorted, k = floor(n / 4) are dropped from each end and the
 * remaining n - 2k are averaged with equal weight. When n is not divisible by
 * 4 more than half is kept (no fractional weights): n = 4 keeps the middle 2,
 * n = 5 the middle 3, n = 8 the middle 4, and n < 4 keeps everything (the
 * plain mean). NaN for an empty array.
 */
export function iqm(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const k = Math.floor(n / 4);
  return mean(sorted(values).slice(k, n - k));
}

export interface BootstrapOptions {
  /** Coverage of the interval, in (0, 1). Default 0.95. */
  readonly confidence?: number;
  /** Bootstrap resamples. Default 10000. */
  readonly resamples?: number;
  /** Seed of the resampling generator. Default 0: the same input always gives the same interval. */
  readonly seed?: number;
  /** Statistic of a sample whose spread is estimated. Default `mean`. */
  readonly statistic?: (values: readonly number[]) => number;
}

export interface Interval {
  /** The statistic of the values themselves. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Percentile-bootstrap confidence interval of `statistic(values)`: draw
 * `resamples` samples of size n with replacement, compute the statistic of
 * each, and take the (1 - confidence)/2 and (1 + confidence)/2 percentiles
 * (linear interpolation, as `percentile`) of those statistics. One value gives
 * low = high = estimate = that value (nothing to resample); none gives NaNs.
 * With a handful of seeds the interval is narrower than the true coverage
 * suggests (the bootstrap cannot see values it was not given); it is a
 * description of the spread, not a test.
 */
export function bootstrapCI(values: readonly number[], options: BootstrapOptions = {}): Interval {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 10000;
  const statistic = options.statistic ?? mean;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`bootstrapCI: confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`bootstrapCI: resamples must be a positive integer, got ${resamples}`);
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const estimate = statistic(values);
  if (n === 1) return { estimate, low: estimate, high: estimate };
  const rng = new Rng(options.seed ?? 0);
  const sample = new Array<number>(n);
  const stats = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[rng.integers(0, n)]!;
    stats[r] = statistic(sample);
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate, low: percentileOfSorted(stats, 100 * tail), high: percentileOfSorted(stats, 100 * (1 - tail)) };
}

export interface Band {
  /** Mean over the curves that have a value at each point (NaN where none has). */
  readonly mean: number[];
  readonly low: number[];
  readonly high: number[];
  /** Curves with a value at each point. */
  readonly count: number[];
}

/**
 * Percentile-bootstrap band of the mean of several curves on one grid
 * (curves[c][g], NaN where curve c has no value), drawn with the same
 * resamples at every grid point: resample r is a fixed list of uniform draws,
 * and at a point with m curves present its first m draws pick (with
 * replacement) among those m. Each resample's mean is then as smooth along
 * the grid as the curves are, and so are the band's edges, where fresh draws
 * at each point would give the band notches that are only resampling noise.
 * At each point on its own the interval is the one bootstrapCI describes.
 */
export function bootstrapBand(curves: readonly (readonly number[])[], options: Omit<BootstrapOptions, 'statistic'> = {}): Band {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`bootstrapBand: confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`bootstrapBand: resamples must be a positive integer, got ${resamples}`);
  const n = curves.length;
  const points = n > 0 ? curves[0]!.length : 0;
  const rng = new Rng(options.seed ?? 0);
  const draws = new Float64Array(resamples * n);
  for (let i = 0; i < draws.length; i++) draws[i] = rng.random();
  const tail = (1 - confidence) / 2;
  const band: Band = { mean: [], low: [], high: [], count: [] };
  const stats = new Array<number>(resamples);
  for (let g = 0; g < points; g++) {
    const at: number[] = [];
    for (const c of curves) if (!Number.isNaN(c[g]!)) at.push(c[g]!);
    const m = at.length;
    const estimate = mean(at);
    band.mean.push(estimate);
    band.count.push(m);
    if (m <= 1) {
      band.low.push(estimate);
      band.high.push(estimate);
      continue;
    }
    for (let r = 0; r < resamples; r++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += at[Math.floor(draws[r * n + j]! * m)]!;
      stats[r] = sum / m;
    }
    stats.sort((a, b) => a - b);
    band.low.push(percentileOfSorted(stats, 100 * tail));
    band.high.push(percentileOfSorted(stats, 100 * (1 - tail)));
  }
  return band;
}

/**
 * Area under the curve (xs, ys) by the trapezoid rule, divided by the x span
 * xs[last] - xs[0]: the curve's average height, i.e. for an evaluation curve
 * the average return over training. xs must be ascending. One point (or a zero
 * span) gives the mean of the ys; no points give NaN.
 */
export function auc(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new RangeError(`auc: ${xs.length} xs but ${ys.length} ys`);
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const span = xs[n - 1]! - xs[0]!;
  if (n === 1 || span === 0) return mean(ys);
  let area = 0;
  for (let i = 1; i < n; i++) area += ((xs[i]! - xs[i - 1]!) * (ys[i]! + ys[i - 1]!)) / 2;
  return area / span;
}

/**
 * Linear interpolation of the curve (xs ascending, ys) at each point of
 * `grid`. Outside [xs[0], xs[last]] the value is NaN: there is no
 * extrapolation, because a run that stopped early (or has not got there yet)
 * has no value past its last point. Where xs repeats an x, the later point
 * wins for grid points beyond it.
 */
export function interpolate(xs: readonly number[], ys: readonly number[], grid: readonly number[]): number[] {
  if (xs.length !== ys.length) throw new RangeError(`interpolate: ${xs.length} xs but ${ys.length} ys`);
  const n = xs.length;
  const out = new Array<number>(grid.length).fill(Number.NaN);
  if (n === 0) return out;
  let j = 0;
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g]!;
    if (!(x >= xs[0]! && x <= xs[n - 1]!)) continue;
    // The grid is sorted, so the segment only moves forward: find the last j with xs[j] <= x.
    if (x < xs[j]!) j = 0;
    while (j + 1 < n && xs[j + 1]! <= x) j++;
    if (j === n - 1 || xs[j] === x) {
      out[g] = ys[j]!;
      continue;
    }
    const t = (x - xs[j]!) / (xs[j + 1]! - xs[j]!);
    out[g] = ys[j]! + t * (ys[j + 1]! - ys[j]!);
  }
  return out;
}

/**
 * Centered moving average over `window` points: point i averages indices
 * i - floor((window - 1) / 2) through i + ceil((window - 1) / 2) (for an even
 * window one more point ahead than behind), cut at the ends of the array.
 * Centered rather than trailing so a smoothed curve does not lag behind the
 * steps it is plotted at. NaN-aware: NaNs in the window are skipped, and a NaN
 * point stays NaN (smoothing never fills a gap or extends a curve). A window of
 * 1 or less returns a copy.
 */
export function smooth(ys: readonly number[], window: number): number[] {
  if (!(window >= 1) || window === 1) return [...ys];
  const w = Math.floor(window);
  const behind = Math.floor((w - 1) / 2);
  const ahead = w - 1 - behind;
  const out = new Array<number>(ys.length);
  for (let i = 0; i < ys.length; i++) {
    if (Number.isNaN(ys[i]!)) {
      out[i] = Number.NaN;
      continue;
    }
    let sum = 0;
    let count = 0;
    for (let k = Math.max(0, i - behind); k <= Math.min(ys.length - 1, i + ahead); k++) {
      const v = ys[k]!;
      if (Number.isNaN(v)) continue;
      sum += v;
      count++;
    }
    out[i] = sum / count;
  }
  return out;
}

/** `points` evenly spaced values from `start` to `end`, both included (one point: [start]). */
export function linspace(start: number, end: number, points: number): number[] {
  if (points <= 1) return [start];
  const out = new Array<number>(points);
  for (let i = 0; i < points; i++) out[i] = start + ((end - start) * i) / (points - 1);
  out[points - 1] = end;
  return out;
}

export interface Curve {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
}

/**
 * Puts curves on one grid: `points` evenly spaced xs from 0 to the largest x
 * of any curve, and each curve interpolated onto it (`interpolate`: NaN
 * outside the curve's own range). values[c][g] is curve c at grid[g]. With no
 * points at all (or every x at 0) the grid is [0].
 */
export function alignCurves(curves: readonly Curve[], points = 200): { grid: number[]; values: number[][] } {
  let max = 0;
  for (const c of curves) for (const x of c.xs) if (x > max) max = x;
  const grid = max > 0 ? linspace(0, max, points) : [0];
  return { grid, values: curves.map((c) => interpolate(c.xs, c.ys, grid)) };
}
