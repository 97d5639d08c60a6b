// RunningMeanStd: per-dimension running mean and (population) variance of a
// stream of vectors, merged batch by batch with the parallel form of Welford's
// algorithm (Chan et al., 1979), as Gymnasium's and Stable-Baselines3's
// RunningMeanStd do. Like theirs it starts from mean 0, variance 1 and a tiny
// pseudo-count (1e-4), so the first real batch dominates at once while the
// statistics stay defined before any data arrives. Observation and reward
// normalization use it, and agents reuse it; getState/setState give plain
// JSON for checkpoints.

/** JSON form of a RunningMeanStd, for checkpoints. */
export interface RunningMeanStdState {
  readonly mean: number[];
  readonly var: number[];
  readonly count: number;
}

/** Pseudo-count of the prior (mean 0, variance 1) the statistics start from. */
export const DEFAULT_INITIAL_COUNT = 1e-4;

export class RunningMeanStd {
  /** Running mean of each dimension. */
  readonly mean: Float64Array;
  /** Running population variance of each dimension. */
  readonly var: Float64Array;
  /** Number of vectors merged so far, plus the initial pseudo-count. */
  count: number;
  // Scratch for batch moments, so updates do not allocate.
  private readonly batchMean: Float64Array;
  private readonly batchVar: Float64Array;

  constructor(
    readonly dim: number,
    initialCount: number = DEFAULT_INITIAL_COUNT,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`RunningMeanStd: dim must be a positive integer, got ${dim}`);
    if (!(initialCount > 0) || !Number.isFinite(initialCount)) {
      throw new RangeError(`RunningMeanStd: initialCount must be a positive finite number, got ${initialCount}`);
    }
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = initialCount;
    this.batchMean = new Float64Array(dim);
    this.batchVar = new Float64Array(dim);
  }

  static fromState(state: RunningMeanStdState): RunningMeanStd {
    const rms = new RunningMeanStd(Array.isArray(state?.mean) ? state.mean.length : 0);
    rms.setState(state);
    return rms;
  }

  /**
   * Merges a batch of `batchSize` vectors stored row-major in `batch`
   * (batchSize x dim values; one vector when batchSize is omitted and
   * batch.length equals dim).
   */
  update(batch: ArrayLike<number>, batchSize: number = batch.length / this.dim): void {
    const d = this.dim;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batch.length !== batchSize * d) {
      throw new RangeError(`RunningMeanStd.update: expected batchSize x ${d} values with batchSize >= 1, got ${batch.length} values and batchSize ${batchSize}`);
    }
    const m = this.batchMean;
    const v = this.batchVar;
    m.fill(0);
    v.fill(0);
    // Two passes (mean, then squared deviations) for the batch's own moments:
    // the one-pass sum-of-squares formula loses precision when |mean| >> std.
    for (let b = 0; b < batchSize; b++) {
      const o = b * d;
      for (let i = 0; i < d; i++) m[i]! += batch[o + i]!;
    }
    for (let i = 0; i < d; i++) m[i]! /= batchSize;
    if (batchSize > 1) {
      for (let b = 0; b < batchSize; b++) {
        const o = b * d;
        for (let i = 0; i < d; i++) {
          const dev = batch[o + i]! - m[i]!;
          v[i]! += dev * dev;
        }
      }
      for (let i = 0; i < d; i++) v[i]! /= batchSize;
    }
    this.updateFromMoments(m, v, batchSize);
  }

  /** Merges a batch given by its per-dimension mean, population variance and size. */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    const d = this.dim;
    if (batchMean.length !== d || batchVar.length !== d) {
      throw new RangeError(`RunningMeanStd.updateFromMoments: expected ${d} means and variances, got ${batchMean.length} and ${batchVar.length}`);
    }
    if (!(batchCount > 0)) throw new RangeError(`RunningMeanStd.updateFromMoments: batchCount must be positive, got ${batchCount}`);
    const count = this.count;
    const total = count + batchCount;
    const crossWeight = (count * batchCount) / total;
    for (let i = 0; i < d; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + (delta * batchCount) / total;
      const m2 = this.var[i]! * count + batchVar[i]! * batchCount + delta * delta * crossWeight;
      this.var[i] = m2 / total;
    }
    this.count = total;
  }

  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** Restores statistics saved by getState (in place: references to mean/var stay valid). */
  setState(state: RunningMeanStdState): void {
    const d = this.dim;
    const ok = (a: unknown): a is number[] => Array.isArray(a) && a.length === d && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!ok(state?.mean)) throw new TypeError(`RunningMeanStd.setState: mean must be ${d} finite numbers, got ${JSON.stringify(state?.mean)}`);
    if (!ok(state.var) || state.var.some((x) => x < 0)) {
      throw new TypeError(`RunningMeanStd.setState: var must be ${d} finite non-negative numbers, got ${JSON.stringify(state.var)}`);
    }
    if (typeof state.count !== 'number' || !(state.count > 0) || !Number.isFinite(state.count)) {
      throw new TypeError(`RunningMeanStd.setState: count must be a positive finite number, got ${JSON.stringify(state.count)}`);
    }
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.count = state.count;
  }
}
