// What a sampler is (the next trial's hyperparameters from the search space
// and the trials observed so far, drawing from a generator it is given), and
// the random sampler: each dimension independently uniform on its internal
// line (log-uniform for loguniform, each integer and each choice equally likely).
import type { Rng } from '../../core/rng.js';
import type { Dimension, SearchSpace } from './space.js';
import { fromInternal, internalRange } from './space.js';

/** A trial the sampler learns from: its hyperparameters, how far it got, and its loss there (lower is better). */
export interface Observation {
  readonly params: Readonly<Record<string, unknown>>;
  /** Index of the highest rung it reported at: a trial that got further ranks above one stopped earlier. */
  readonly rung: number;
  readonly loss: number;
}

export interface Sampler {
  /** The next trial's hyperparameters, in the space's key order. */
  sample(space: SearchSpace, history: readonly Observation[], rng: Rng): Record<string, unknown>;
}

/** One value of `d` drawn uniformly on its internal line. */
export function sampleDimension(d: Dimension, rng: Rng): unknown {
  if (d.kind === 'choice') return d.values[rng.integers(0, d.values.length)];
  const [a, b] = internalRange(d);
  return fromInternal(d, rng.uniform(a, b));
}

export class RandomSampler implements Sampler {
  sample(space: SearchSpace, _history: readonly Observation[], rng: Rng): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, d] of Object.entries(space)) out[key] = sampleDimension(d, rng);
    return out;
  }
}
