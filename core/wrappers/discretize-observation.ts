// DiscretizeObservation: cuts a Box observation into a grid of uniform bins
// and returns the index of the observation's cell as one Discrete value, so
// that tabular agents (Q-learning, SARSA) can run on continuous envs such as
// CartPole or MountainCar. Dimension i has bins[i] bins of equal width over
// [low[i], high[i]]; the cell index is row-major over the dimensions (the
// last dimension varies fastest).
//
// Gymnasium 1.x semantics (DiscretizeObservation): a value on an inner bin
// edge belongs to the bin above it, a value below low goes to the first bin
// and one at or above high to the last. Differences: `low` / `high` can
// override the space's bounds, which makes envs with infinite bounds (e.g.
// CartPole's velocities) usable, and infinite bounds without an override
// throw naming the dimension; NaN observations throw; no MultiDiscrete form
// (binTuple gives the per-dimension bins).
import type { Env } from '../env.js';
import { EnvUsageError } from '../env.js';
import type { BoxSpace } from '../spaces.js';
import { describeSpace, describeValue, discrete } from '../spaces.js';
import { mapObservations } from './transform-observation.js';

export interface DiscretizeObservationOptions {
  /** Bins per dimension: one number for every dimension, or one per dimension. */
  bins: number | readonly number[];
  /** Lower edge per dimension (default: the space's low; required where it is infinite). */
  low?: readonly number[];
  /** Upper edge per dimension (default: the space's high; required where it is infinite). */
  high?: readonly number[];
}

/** The grid: plain data, used by binTuple / binIndex / binBounds. */
export interface Discretization {
  /** Bins per dimension. */
  readonly bins: readonly number[];
  /** edges[i] holds the bins[i] + 1 edges of dimension i, from low to high. */
  readonly edges: readonly Float64Array[];
  /** Product of bins: the number of cells. */
  readonly n: number;
}

/**
 * Builds the grid for `space` (a Box), validating the options; `where` names
 * the caller and env in error messages.
 */
export function discretization(space: BoxSpace, options: DiscretizeObservationOptions, where = 'discretization'): Discretization {
  if (space?.type !== 'box') throw new TypeError(`${where}: needs a Box observation space, got ${space ? describeSpace(space) : String(space)}`);
  const d = space.low.length;
  const { bins: binsOption, low, high } = options ?? ({} as DiscretizeObservationOptions);
  const bins = typeof binsOption === 'number' ? new Array<number>(d).fill(binsOption) : Array.isArray(binsOption) ? [...binsOption] : null;
  if (bins === null) throw new TypeError(`${where}: bins must be a positive integer or an array of ${d} positive integers, got ${describeValue(binsOption)}`);
  if (bins.length !== d) throw new RangeError(`${where}: bins has ${bins.length} entries but the observation space ${describeSpace(space)} has ${d} dimensions`);
  bins.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1) throw new RangeError(`${where}: bins[${i}] must be a positive integer, got ${b}`);
  });
  for (const [name, arr] of [['low', low], ['high', high]] as const) {
    if (arr !== undefined && (!Array.isArray(arr) || arr.length !== d)) {
      throw new RangeError(`${where}: ${name} must be an array of ${d} numbers (one per dimension), got ${describeValue(arr)}`);
    }
  }
  const lows = new Float64Array(d);
  const highs = new Float64Array(d);
  const unbounded: string[] = [];
  for (let i = 0; i < d; i++) {
    lows[i] = low?.[i] ?? space.low[i]!;
    highs[i] = high?.[i] ?? space.high[i]!;
    if (!Number.isFinite(lows[i]) || !Number.isFinite(highs[i])) unbounded.push(`${i} [${lows[i]}, ${highs[i]}]`);
  }
  if (unbounded.length > 0) {
    throw new RangeError(
      `${where}: discretizing needs finite bounds, but dimension${unbounded.length > 1 ? 's' : ''} ${unbounded.join(', ')} ` +
        `${unbounded.length > 1 ? 'are' : 'is'} unbounded; pass low and high (one finite value per dimension) to choose the range to bin`,
    );
  }
  const edges: Float64Array[] = [];
  let n = 1;
  for (let i = 0; i < d; i++) {
    const lo = lows[i]!;
    const hi = highs[i]!;
    if (!(lo < hi)) throw new RangeError(`${where}: dimension ${i}: low (${lo}) must be less than high (${hi})`);
    const b = bins[i]!;
    // Edges as numpy's linspace computes them: low + j * step, the last one exactly high.
    const e = new Float64Array(b + 1);
    const step = (hi - lo) / b;
    for (let j = 0; j < b; j++) e[j] = lo + j * step;
    e[b] = hi;
    edges.push(e);
    n *= b;
  }
  if (!Number.isSafeInteger(n)) throw new RangeError(`${where}: the grid has ${n} cells, too many to index`);
  return { bins, edges, n };
}

function binOf(e: Float64Array, b: number, x: number): number {
  const lo = e[0]!;
  // Arithmetic guess, then corrected against the stored edges so that the
  // result never depends on rounding in the division.
  let j = Math.floor(((x - lo) / (e[b]! - lo)) * b);
  if (!(j >= 0)) j = 0;
  if (j > b - 1) j = b - 1;
  while (j > 0 && x < e[j]!) j--;
  while (j < b - 1 && x >= e[j + 1]!) j++;
  return j;
}

/** The bin of each dimension of `obs` (written into `out` when given). */
export function binTuple(grid: Discretization, obs: ArrayLike<number>, out?: Int32Array): Int32Array {
  const d = grid.bins.length;
  if (obs?.length !== d) throw new RangeError(`binTuple: expected an observation of ${d} values, got ${describeValue(obs)}`);
  const target = out ?? new Int32Array(d);
  for (let i = 0; i < d; i++) {
    const x = obs[i]!;
    if (Number.isNaN(x)) throw new RangeError(`binTuple: observation component ${i} is NaN`);
    target[i] = binOf(grid.edges[i]!, grid.bins[i]!, x);
  }
  return target;
}

/** The row-major cell index of `obs` (what discretizeObservation returns). */
export function binIndex(grid: Discretization, obs: ArrayLike<number>): number {
  const d = grid.bins.length;
  if (obs?.length !== d) throw new RangeError(`binIndex: expected an observation of ${d} values, got ${describeValue(obs)}`);
  let index = 0;
  for (let i = 0; i < d; i++) {
    const x = obs[i]!;
    if (Number.isNaN(x)) throw new RangeError(`binIndex: observation component ${i} is NaN`);
    index = index * grid.bins[i]! + binOf(grid.edges[i]!, grid.bins[i]!, x);
  }
  return index;
}

/** The per-dimension [low, high] edges of cell `index`, e.g. to label a Q-table. */
export function binBounds(grid: Discretization, index: number): { low: number[]; high: number[] } {
  if (!Number.isInteger(index) || index < 0 || index >= grid.n) throw new RangeError(`binBounds: index must be an integer in [0, ${grid.n}), got ${index}`);
  const d = grid.bins.length;
  const low = new Array<number>(d);
  const high = new Array<number>(d);
  let rest = index;
  for (let i = d - 1; i >= 0; i--) {
    const b = grid.bins[i]!;
    const j = rest % b;
    rest = (rest - j) / b;
    low[i] = grid.edges[i]![j]!;
    high[i] = grid.edges[i]![j + 1]!;
  }
  return { low, high };
}

export function discretizeObservation<A>(
  env: Env<unknown, A>,
  options: DiscretizeObservationOptions,
): Env<number, A> & { readonly discretization: Discretization } {
  const where = `discretizeObservation(${env.spec.id})`;
  const inner = env.observationSpace;
  if (inner.type !== 'box') throw new TypeError(`${where}: needs a Box observation space, got ${describeSpace(inner)}`);
  const grid = discretization(inner, options, where);
  const index = (obs: unknown): number => {
    try {
      return binIndex(grid, obs as ArrayLike<number>);
    } catch (e) {
      throw new EnvUsageError(`${where}: ${(e as Error).message}`);
    }
  };
  const wrapped = mapObservations<unknown, number, A>(env, index, discrete(grid.n));
  return Object.assign(wrapped, { discretization: grid });
}
