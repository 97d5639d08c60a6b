// Seeded randomness. Every env, wrapper and agent draws from an `Rng` it was
// given; nothing in the library calls Math.random. The generator is Marsaglia's
// xor128 as seedrandom defines it (about 6x faster than seedrandom's default
// ARC4): seedrandom turns the seed into the initial state, and the generator
// then runs here on four plain int32 fields, so that an Rng is one small object
// with no closures (the batched vector envs keep thousands of them and reset
// them at random times). The stream equals seedrandom's `xor128(seed).double()`.
// The full state, including a cached normal deviate, saves to JSON and restores
// for checkpoints.
import { randomInt } from 'node:crypto';
import seedrandom from 'seedrandom';

/** Everything needed to resume a generator exactly where it was. */
export interface RngState {
  readonly algorithm: 'xor128';
  readonly core: { x: number; y: number; z: number; w: number };
  /** Second Box-Muller deviate waiting to be returned, or null. */
  readonly spareNormal: number | null;
}

type SeedrandomXor128 = seedrandom.PRNG & { state(): RngState['core'] };

/** A fresh 31-bit seed from the operating system, for unseeded resets. */
export function entropySeed(): number {
  return randomInt(0, 2 ** 31);
}

const TWO_POW_32 = 0x100000000;
const TWO_POW_21 = 1 << 21;

export class Rng {
  /** The four xor128 words live at state[offset .. offset + 3] (see `Rng.bank`). */
  private readonly state: Int32Array;
  private readonly offset: number;
  private spare: number | null = null;

  /** `seed` is any integer; the same seed gives the same stream on every machine. */
  constructor(seed: number = entropySeed(), storage?: { state: Int32Array; offset: number }) {
    this.state = storage?.state ?? new Int32Array(4);
    this.offset = storage?.offset ?? 0;
    this.seed(seed);
  }

  /**
   * `count` generators whose states sit side by side in one Int32Array, for
   * vector envs that draw from thousands of generators in one loop (separate
   * objects would each cost a cache miss).
   */
  static bank(seeds: readonly number[]): Rng[] {
    const state = new Int32Array(4 * seeds.length);
    return seeds.map((seed, i) => new Rng(seed, { state, offset: 4 * i }));
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** Restarts this generator in place from `seed`. */
  seed(seed: number): this {
    if (!Number.isFinite(seed)) throw new TypeError(`Rng seed must be a finite number, got ${seed}`);
    this.setCore((seedrandom.xor128(String(seed), { state: true }) as SeedrandomXor128).state());
    this.spare = null;
    return this;
  }

  getState(): RngState {
    const [x, y, z, w] = this.state.subarray(this.offset, this.offset + 4);
    return { algorithm: 'xor128', core: { x: x!, y: y!, z: z!, w: w! }, spareNormal: this.spare };
  }

  setState(state: RngState): void {
    if (state?.algorithm !== 'xor128') {
      throw new TypeError(`cannot restore Rng state: expected algorithm 'xor128', got ${JSON.stringify(state?.algorithm)}`);
    }
    this.setCore(state.core);
    this.spare = state.spareNormal;
  }

  private setCore(core: RngState['core']): void {
    const o = this.offset;
    this.state[o] = core.x;
    this.state[o + 1] = core.y;
    this.state[o + 2] = core.z;
    this.state[o + 3] = core.w;
  }

  /** Next raw 32-bit output (signed int32), one xorshift128 step. */
  nextInt32(): number {
    const s = this.state;
    const o = this.offset;
    const x = s[o]!;
    const t = x ^ (x << 11);
    const w = s[o + 3]!;
    s[o] = s[o + 1]!;
    s[o + 1] = s[o + 2]!;
    s[o + 2] = w;
    const next = w ^ (w >>> 19) ^ t ^ (t >>> 8);
    s[o + 3] = next;
    return next;
  }

  /** Uniform double in [0, 1) with 53 bits: 21 high bits from one output, 32 from the next. */
  random(): number {
    let result: number;
    do {
      const top = this.nextInt32() >>> 11;
      const bottom = (this.nextInt32() >>> 0) / TWO_POW_32;
      result = (top + bottom) / TWO_POW_21;
    } while (result === 0);
    return result;
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [low, high) (numpy's `integers`). */
  integers(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`integers(low=${low}, high=${high}): high must be greater than low`);
    return low + Math.floor((high - low) * this.random());
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
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** Exponential deviate with the given scale (mean). */
  exponential(scale = 1): number {
    return -scale * Math.log(1 - this.random());
  }

  /** A 31-bit seed drawn from this stream, for deriving child generators. */
  nextSeed(): number {
    return Math.floor(this.random() * 2 ** 31);
  }

  /** Index drawn from a discrete distribution given by (unnormalized, non-negative) weights. */
  choice(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.random() * total;
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
