// The Tree-structured Parzen Estimator sampler (Bergstra et al. 2011,
// "Algorithms for Hyper-Parameter Optimization"; Watanabe 2023, "Tree-
// Structured Parzen Estimator: Understanding Its Algorithm Components").
//
// After `startup` random trials, the observed trials are ranked (further rung
// first, then lower loss) and split: the best ceil(gamma * n) (gamma = 0.1, at
// most 25, as Optuna's default) are "good", the rest "bad". Each dimension
// gets two Parzen estimators, l from the good trials and g from the bad,
// independently per dimension (the univariate
// TPE): for numbers, a mixture of Gaussians truncated to the range on the
// internal line (log for loguniform), one at each observation plus a prior
// component (the range's midpoint, sd = the range), with equal weights and a
// bandwidth by Scott's rule, clipped below at range / min(100, 1 + m) and
// above at the range (m: the mixture's components); for choices, counts
// smoothed by one per value. `candidates` points are drawn from l and the one
// maximizing log l(x) - log g(x) summed over the dimensions is returned: that
// maximizes the expected improvement under the TPE model.
import type { Rng } from '../../core/rng.js';
import type { Observation, Sampler } from './sampler.js';
import { RandomSampler } from './sampler.js';
import type { Dimension, SearchSpace } from './space.js';
import { choiceIndex, fromInternal, internalRange, toInternal } from './space.js';

export interface TpeOptions {
  /** Random trials before the model is used. */
  readonly startup?: number;
  /** Fraction of the trials counted as good (at most 25 of them). */
  readonly gamma?: number;
  /** Points drawn from l(x) to choose among. */
  readonly candidates?: number;
}

type Numeric = Exclude<Dimension, { kind: 'choice' }>;

/** Complementary error function (Numerical Recipes' erfcc, a Chebyshev fit with fractional error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal distribution function. */
const normalCdf = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);

/** A mixture of Gaussians truncated to [low, high], with equal weights. */
export class TruncatedMixture {
  private readonly mass: number[];

  constructor(
    readonly means: readonly number[],
    readonly sds: readonly number[],
    readonly low: number,
    readonly high: number,
  ) {
    this.mass = means.map((m, i) => Math.max(1e-300, normalCdf((high - m) / sds[i]!) - normalCdf((low - m) / sds[i]!)));
  }

  logDensity(x: number): number {
    let sum = 0;
    for (let i = 0; i < this.means.length; i++) {
      const z = (x - this.means[i]!) / this.sds[i]!;
      sum += Math.exp(-0.5 * z * z) / (this.sds[i]! * Math.sqrt(2 * Math.PI) * this.mass[i]!);
    }
    return Math.log(sum / this.means.length);
  }

  sample(rng: Rng): number {
    const i = rng.integers(0, this.means.length);
    // Rejection keeps the truncated shape; a component far outside the range falls back to its nearest bound.
    for (let tries = 0; tries < 64; tries++) {
      const x = rng.normal(this.means[i]!, this.sds[i]!);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, this.means[i]!));
  }
}

/** The Parzen estimator of internal values `points` on [low, high]: one component per point and the prior. */
export function parzen(points: readonly number[], low: number, high: number): TruncatedMixture {
  const range = high - low;
  const means = [...points, (low + high) / 2];
  const m = means.length;
  const mean = points.reduce((a, b) => a + b, 0) / Math.max(1, points.length);
  const sd = points.length > 1 ? Math.sqrt(points.reduce((a, b) => a + (b - mean) ** 2, 0) / (points.length - 1)) : 0;
  const sorted = [...points].sort((a, b) => a - b);
  const q = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]!);
  const iqr = q(0.75) - q(0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  const scott = 1.059 * spread * m ** -0.2;
  const bandwidth = Math.min(range, Math.max(range / Math.min(100, 1 + m), scott));
  return new TruncatedMixture(means, [...points.map(() => bandwidth), range], low, high);
}

/** Log probabilities of a choice's values from counts smoothed by one each. */
export function smoothedLogProbabilities(indices: readonly number[], size: number): number[] {
  const counts = new Array<number>(size).fill(1);
  for (const i of indices) counts[i]! += 1;
  const total = indices.length + size;
  return counts.map((c) => Math.log(c / total));
}

/** Ranks observations best first: further rung, then lower loss, then earlier (stable). */
export function rankObservations(history: readonly Observation[]): Observation[] {
  return [...history].sort((a, b) => b.rung - a.rung || a.loss - b.loss);
}

/** One dimension's l and g: a sampler from l and the score log l - log g of a value. */
interface DimensionModel {
  draw(rng: Rng): unknown;
  score(value: unknown): number;
}

function numericModel(d: Numeric, good: readonly unknown[], bad: readonly unknown[]): DimensionModel {
  const [low, high] = internalRange(d);
  const internal = (vs: readonly unknown[]) => vs.map((v) => toInternal(d, v as number));
  const l = parzen(internal(good), low, high);
  const g = parzen(internal(bad), low, high);
  return {
    draw: (rng) => fromInternal(d, l.sample(rng)),
    score: (v) => {
      const u = toInternal(d, v as number);
      return l.logDensity(u) - g.logDensity(u);
    },
  };
}

function choiceModel(d: Extract<Dimension, { kind: 'choice' }>, good: readonly unknown[], bad: readonly unknown[]): DimensionModel {
  const size = d.values.length;
  const l = smoothedLogProbabilities(good.map((v) => choiceIndex(d, v)).filter((i) => i >= 0), size);
  const g = smoothedLogProbabilities(bad.map((v) => choiceIndex(d, v)).filter((i) => i >= 0), size);
  return {
    draw: (rng) => d.values[rng.choice(l.map(Math.exp))],
    score: (v) => {
      const i = choiceIndex(d, v);
      return l[i]! - g[i]!;
    },
  };
}

export class TpeSampler implements Sampler {
  private readonly startup: number;
  private readonly gamma: number;
  private readonly candidates: number;
  private readonly random = new RandomSampler();

  constructor(options: TpeOptions = {}) {
    this.startup = options.startup ?? 10;
    this.gamma = options.gamma ?? 0.1;
    this.candidates = options.candidates ?? 24;
  }

  sample(space: SearchSpace, history: readonly Observation[], rng: Rng): Record<string, unknown> {
    const usable = history.filter((o) => Number.isFinite(o.loss));
    if (usable.length < Math.max(2, this.startup)) return this.random.sample(space, history, rng);
    const ranked = rankObservations(usable);
    const nGood = Math.min(25, Math.max(1, Math.ceil(this.gamma * ranked.length)));
    const good = ranked.slice(0, nGood);
    const bad = ranked.slice(nGood);
    const models = Object.entries(space).map(([key, d]) => {
      const goodValues = good.map((o) => o.params[key]);
      const badValues = bad.map((o) => o.params[key]);
      return [key, d.kind === 'choice' ? choiceModel(d, goodValues, badValues) : numericModel(d, goodValues, badValues)] as const;
    });
    let best: Record<string, unknown> | undefined;
    let bestScore = -Infinity;
    for (let c = 0; c < this.candidates; c++) {
      const candidate: Record<string, unknown> = {};
      let score = 0;
      for (const [key, model] of models) {
        candidate[key] = model.draw(rng);
        score += model.score(candidate[key]);
      }
      if (best === undefined || score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return best!;
  }
}
