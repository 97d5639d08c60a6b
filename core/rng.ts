// Seeded randomness. Every env, wrapper and agent draws from an `Rng` it was
// given; nothing in the library draws from JavaScript's unseeded global
// generator. The generator is Marsaglia's xor128 as seedrandom defines it
// (about 6x faster than seedrandom's default ARC4): seedrandom turns the seed
// into the initial state, and the generator then runs here on four int32 words
// in a typed array, so its stream equals seedrandom's `xor128(seed).double()`.
// `RngBank` keeps the words of many generators side by side for vector envs.
// The full state, including a cached normal deviate, saves to JSON and
// restores for checkpoints.
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

/** Where generators keep their state: four xor128 words and a cached normal deviate (NaN for none) per slot. */
interface RngStorage {
  readonly words: Int32Array;
  readonly spares: Float64Array;
}

export class Rng {
  private readonly words: Int32Array;
  private readonly spares: Float64Array;
  /** Which generator of the storage this object reads (always 0 except for an RngBank's cursor). */
  private slot = 0;

  /** `seed` is any integer; the same seed gives the same stream on every machine. */
  constructor(seed: number = entropySeed(), storage?: RngStorage) {
    this.words = storage?.words ?? new Int32Array(4);
    this.spares = storage?.spares ?? new Float64Array(1);
    this.seed(seed);
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
    this.spares[this.slot] = Number.NaN;
    return this;
  }

  getState(): RngState {
    const o = 4 * this.slot;
    const w = this.words;
    const spare = this.spares[this.slot]!;
    return { algorithm: 'xor128', core: { x: w[o]!, y: w[o + 1]!, z: w[o + 2]!, w: w[o + 3]! }, spareNormal: Number.isNaN(spare) ? null : spare };
  }

  setState(state: RngState): void {
    if (state?.algorithm !== 'xor128') {
      throw new TypeError(`cannot restore Rng state: expected algorithm 'xor128', got ${JSON.stringify(state?.algorithm)}`);
    }
    this.setCore(state.core);
    this.spares[this.slot] = state.spareNormal ?? Number.NaN;
  }

  /** Points this object at generator `slot` of its storage (used by RngBank's cursor only). */
  protected select(slot: number): void {
    this.slot = slot;
  }

  private setCore(core: RngState['core']): void {
    const o = 4 * this.slot;
    this.words[o] = core.x;
    this.words[o + 1] = core.y;
    this.words[o + 2] = core.z;
    this.words[o + 3] = core.w;
  }

  /** Next raw 32-bit output (signed int32), one xorshift128 step. */
  nextInt32(): number {
    const s = this.words;
    const o = 4 * this.slot;
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

  /**
   * Fills `out[0..count)` with uniform integers in [low, high). When the range
   * is a power of two up to 2^16, each 32-bit output supplies several values
   * (its low bits first), so e.g. 32 binary actions cost one generator step;
   * other ranges draw one `integers` each. For sampling a vector env's actions.
   */
  fillIntegers(out: Int32Array, low: number, high: number, count = out.length): Int32Array {
    const range = high - low;
    if (!(range > 0) || !Number.isInteger(range)) throw new RangeError(`fillIntegers(low=${low}, high=${high}): high must be an integer greater than low`);
    if (!(count >= 0 && count <= out.length)) throw new RangeError(`fillIntegers: count ${count} does not fit an array of ${out.length}`);
    if ((range & (range - 1)) !== 0 || range > 0x10000) {
      for (let i = 0; i < count; i++) out[i] = this.integers(low, high);
      return out;
    }
    const bits = 31 - Math.clz32(range);
    if (bits === 0) return out.fill(low, 0, count);
    const perDraw = Math.floor(32 / bits);
    const mask = range - 1;
    let i = 0;
    while (i < count) {
      let x = this.nextInt32();
      const end = Math.min(count, i + perDraw);
      for (; i < end; i++) {
        out[i] = low + (x & mask);
        x >>>= bits;
      }
    }
    return out;
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

  /**
   * Uniform integer in [low, high) (numpy's `integers`), without bias: for
   * ranges up to 2^21 one 32-bit draw and Lemire's multiply-and-reject method;
   * wider ranges scale a 53-bit double.
   */
  integers(low: number, high: number): number {
    const range = high - low;
    if (!(range > 0)) throw new RangeError(`integers(low=${low}, high=${high}): high must be greater than low`);
    if (range > 0x200000 || !Number.isInteger(range)) return low + Math.floor(range * this.random());
    // m = x * range < 2^53 is exact; its high 32 bits are the result, its low 32
    // bits decide rejection (split by division by 2^32, exact, no slow fmod).
    let m = (this.nextInt32() >>> 0) * range;
    let top = Math.floor(m / TWO_POW_32);
    if (m - top * TWO_POW_32 < range) {
      const threshold = (TWO_POW_32 - range) % range;
      while (m - top * TWO_POW_32 < threshold) {
        m = (this.nextInt32() >>> 0) * range;
        top = Math.floor(m / TWO_POW_32);
      }
    }
    return low + top;
  }

  /** Normal deviate by the polar Box-Muller method (pairs; the spare is kept in the state). */
  normal(mean = 0, std = 1): number {
    const spare = this.spares[this.slot]!;
    if (!Number.isNaN(spare)) {
      this.spares[this.slot] = Number.NaN;
      return mean + std * spare;
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
    this.spares[this.slot] = v * f;
    return mean + std * u * f;
  }

  /** Exponential deviate with the given scale (mean). */
  exponential(scale = 1): number {
    return -scale * Math.log(1 - this.random());
  }

  /**
   * Gamma deviate with the given shape (> 0) and scale, by Marsaglia & Tsang's
   * method (2000); a shape below 1 is boosted to shape + 1 and scaled by U^(1/shape).
   */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`Rng.gamma: shape must be a finite number > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1, scale) * (1 - this.random()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.random();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return scale * d * v;
    }
  }

  /** Beta(a, b) deviate, as X / (X + Y) with X ~ Gamma(a) and Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
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
 * Generators for many envs in two flat typed arrays, reached through one
 * cursor: `at(i)` points the cursor at generator i and returns it. A vector env
 * of 16384 copies draws from them in one loop; separate Rng objects scattered
 * over the heap would cost a cache miss or two each time.
 */
export class RngBank extends Rng {
  readonly size: number;

  constructor(seeds: readonly number[]) {
    if (seeds.length === 0) throw new RangeError('RngBank: needs at least one seed');
    super(seeds[0], { words: new Int32Array(4 * seeds.length), spares: new Float64Array(seeds.length) });
    this.size = seeds.length;
    for (let i = 1; i < seeds.length; i++) this.at(i).seed(seeds[i]!);
    this.select(0);
  }

  /** Generator i (this same object, pointed at i: use it before the next `at`). */
  at(i: number): Rng {
    this.select(i);
    return this;
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
