// Seeded randomness. Every env, wrapper and agent draws from an `Rng` it was
// given; nothing in the library calls Math.random. The generator is seedrandom's
// xor128 (about 6x faster than its default ARC4) and its full state, including a
// cached normal deviate, can be saved to JSON and restored for checkpoints.
import { randomInt } from 'node:crypto';
import seedrandom from 'seedrandom';

/** Everything needed to resume a generator exactly where it was. */
export interface RngState {
  readonly algorithm: 'xor128';
  readonly core: { x: number; y: number; z: number; w: number };
  /** Second Box-Muller deviate waiting to be returned, or null. */
  readonly spareNormal: number | null;
}

type Xor128 = seedrandom.PRNG & { state(): RngState['core'] };

/** A fresh 32-bit seed from the operating system, for unseeded resets. */
export function entropySeed(): number {
  return randomInt(0, 2 ** 31);
}

export class Rng {
  private prng: Xor128;
  private spare: number | null = null;

  /** `seed` is any integer; the same seed gives the same stream on every machine. */
  constructor(seed: number = entropySeed()) {
    if (!Number.isFinite(seed)) throw new TypeError(`Rng seed must be a finite number, got ${seed}`);
    this.prng = seedrandom.xor128(String(seed), { state: true }) as Xor128;
  }

  static fromState(state: RngState): Rng {
    if (state?.algorithm !== 'xor128') {
      throw new TypeError(`cannot restore Rng state: expected algorithm 'xor128', got ${JSON.stringify(state?.algorithm)}`);
    }
    const rng = new Rng(0);
    rng.prng = seedrandom.xor128('', { state: { ...state.core } }) as Xor128;
    rng.spare = state.spareNormal;
    return rng;
  }

  getState(): RngState {
    return { algorithm: 'xor128', core: this.prng.state(), spareNormal: this.spare };
  }

  /** Uniform double in [0, 1) with 53 bits of randomness. */
  random(): number {
    return this.prng.double();
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.prng.double();
  }

  /** Uniform integer in [low, high) (numpy's `integers`). */
  integers(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`integers(low=${low}, high=${high}): high must be greater than low`);
    return low + Math.floor((high - low) * this.prng.double());
  }

  /** Normal deviate by the polar Box-Muller method (pairs; the spare is kept in the state). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.prng.double() - 1;
      v = 2 * this.prng.double() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** Exponential deviate with the given scale (mean). */
  exponential(scale = 1): number {
    return -scale * Math.log(1 - this.prng.double());
  }

  /** A 31-bit seed drawn from this stream, for deriving child generators. */
  nextSeed(): number {
    return Math.floor(this.prng.double() * 2 ** 31);
  }

  /** Index drawn from a discrete distribution given by (unnormalized, non-negative) weights. */
  choice(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.prng.double() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

/**
 * The generator an env should use after `reset({ seed })`: a new one when a seed
 * is given, else the current one, else one seeded from entropy (Gymnasium's rule).
 */
export function reseed(current: Rng | null, seed: number | undefined): Rng {
  if (seed !== undefined) {
    if (!Number.isInteger(seed)) throw new TypeError(`reset: seed must be an integer, got ${seed}`);
    return new Rng(seed);
  }
  return current ?? new Rng(entropySeed());
}
