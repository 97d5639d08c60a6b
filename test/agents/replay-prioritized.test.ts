import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { PrioritizedSampler } from '../../agents/lib/prioritized.js';

/** A sampler with slots 0..n-1 filled (all at the max priority, 1 before any update). */
function filled(capacity: number, n: number, alpha: number, epsilon = 0.01): PrioritizedSampler {
  const s = new PrioritizedSampler(capacity, alpha, epsilon);
  for (let i = 0; i < n; i++) s.added(i);
  return s;
}

describe('PrioritizedSampler', () => {
  it('keeps the hand-computed priorities (|delta| + epsilon)^alpha, and gives new transitions the largest so far', () => {
    const s = filled(5, 4, 0.5);
    expect([0, 1, 2, 3, 4].map((i) => s.priority(i))).toEqual([1, 1, 1, 1, 0]);
    // |0.99| + 0.01 = 1 -> 1; |-3.99| + 0.01 = 4 -> 2; |0.2| + 0.01 -> sqrt(0.21)
    s.update([0, 2, 3], [0.99, -3.99, 0.2]);
    expect(s.priority(0)).toBeCloseTo(1, 12);
    expect(s.priority(2)).toBeCloseTo(2, 12);
    expect(s.priority(3)).toBeCloseTo(Math.sqrt(0.21), 12);
    expect(s.maxPriority).toBeCloseTo(4, 12);
    s.added(4);
    expect(s.priority(4)).toBeCloseTo(2, 12);
    expect(s.total).toBeCloseTo(1 + 1 + 2 + Math.sqrt(0.21) + 2, 12);
    // The ring wraps: slot 1 is overwritten by a new transition, at the max priority too.
    s.added(1);
    expect(s.priority(1)).toBeCloseTo(2, 12);
    expect(s.size).toBe(5);
    // alpha 0: every priority is 1, uniform replay.
    const flat = filled(4, 4, 0);
    flat.update([0, 1], [100, 0]);
    expect([0, 1, 2, 3].map((i) => flat.priority(i))).toEqual([1, 1, 1, 1]);
  });

  it('finds the slot whose share of the total holds u, at the boundaries too', () => {
    const s = filled(5, 5, 1, 1e-9);
    // priorities 1, 2, 3, 4, 5 (alpha 1): shares [0,1) [1,3) [3,6) [6,10) [10,15)
    s.update([0, 1, 2, 3, 4], [1, 2, 3, 4, 5].map((p) => p - 1e-9));
    const cases: [number, number][] = [
      [0, 0],
      [0.999, 0],
      [1.0001, 1],
      [2.999, 1],
      [3.0001, 2],
      [5.999, 2],
      [6.0001, 3],
      [9.999, 3],
      [10.0001, 4],
      [14.999, 4],
      // past the total (rounding): the last filled slot, never an empty one
      [15.5, 4],
    ];
    for (const [u, slot] of cases) expect(s.find(u), `u = ${u}`).toBe(slot);
  });

  it('draws each slot in proportion to its priority (chi-square over 12,800 seeded draws)', () => {
    // 6 slots in a tree of 8 leaves; priorities (|delta| + eps)^0.7.
    const deltas = [0.05, 0.5, 1, 2, 0.2, 3];
    const alpha = 0.7;
    const s = filled(6, 6, alpha, 0.01);
    s.update([0, 1, 2, 3, 4, 5], deltas);
    const p = deltas.map((d) => (d + 0.01) ** alpha);
    const sum = p.reduce((a, b) => a + b, 0);
    const counts = new Array<number>(6).fill(0);
    const rng = new Rng(42);
    const indices = new Int32Array(32);
    const weights = new Float32Array(32);
    const batches = 400;
    for (let b = 0; b < batches; b++) {
      s.sample(rng, 0.5, indices, weights);
      for (const i of indices) counts[i]! += 1;
    }
    const draws = batches * 32;
    const chi2 = counts.reduce((a, c, i) => a + (c - (draws * p[i]!) / sum) ** 2 / ((draws * p[i]!) / sum), 0);
    // 5 degrees of freedom: P(chi2 > 20.5) = 0.001 for independent draws; stratified draws vary less.
    expect(chi2).toBeLessThan(20.5);
    // And a wrong law is caught: the same counts against uniform frequencies fail.
    const chi2Uniform = counts.reduce((a, c) => a + (c - draws / 6) ** 2 / (draws / 6), 0);
    expect(chi2Uniform).toBeGreaterThan(1000);
  });

  it('weights each drawn row by (p_min / p_i)^beta, the normalized importance-sampling weight', () => {
    const s = filled(4, 4, 1, 1e-9);
    s.update([0, 1, 2, 3], [1, 2, 4, 8].map((p) => p - 1e-9));
    const indices = new Int32Array(64);
    const weights = new Float32Array(64);
    for (const beta of [0, 0.4, 1]) {
      s.sample(new Rng(1), beta, indices, weights);
      const seen = new Set<number>();
      for (let j = 0; j < 64; j++) {
        const i = indices[j]!;
        seen.add(i);
        // (N P(i))^-beta / max_k (N P(k))^-beta with P(i) = p_i / 15 and p_min = 1
        const n = 4;
        const expected = (n * ([1, 2, 4, 8][i]! / 15)) ** -beta / (n * (1 / 15)) ** -beta;
        expect(weights[j]).toBeCloseTo(expected, 6);
      }
      expect(seen.size).toBe(4);
    }
  });

  it('draws row j from the j-th slice of the total (stratified), from the same seed the same slots', () => {
    const s = filled(8, 8, 1, 1e-9);
    const indices = new Int32Array(8);
    const weights = new Float32Array(8);
    // equal priorities, 8 rows over 8 slots: row j must land in slot j
    s.sample(new Rng(3), 1, indices, weights);
    expect(Array.from(indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(weights)).toEqual(new Array(8).fill(1));
    s.update([0, 1, 2, 3, 4, 5, 6, 7], [0.1, 5, 0.3, 2, 0.7, 1, 4, 0.2]);
    const again = new Int32Array(8);
    s.sample(new Rng(9), 0.4, indices, weights);
    s.sample(new Rng(9), 0.4, again, new Float32Array(8));
    expect(Array.from(again)).toEqual(Array.from(indices));
  });

  it('keeps the sum and min trees exact over many random updates of a large buffer', () => {
    const n = 1000;
    const s = filled(n, n, 0.6, 1e-6);
    const rng = new Rng(5);
    const p = new Float64Array(n).fill(1);
    for (let k = 0; k < 5000; k++) {
      const i = rng.integers(0, n);
      const d = rng.uniform(0, 10);
      s.update([i], [d]);
      p[i] = (d + 1e-6) ** 0.6;
    }
    expect(s.total).toBeCloseTo(p.reduce((a, b) => a + b, 0), 6);
    const indices = new Int32Array(1);
    const weights = new Float32Array(1);
    s.sample(new Rng(0), 1, indices, weights);
    expect(weights[0]).toBeCloseTo(Math.min(...p) / p[indices[0]!]!, 6);
  });

  it('saves and restores its priorities exactly, and refuses a wrong file', () => {
    const s = filled(16, 11, 0.6, 1e-6);
    s.update([1, 4, 9, 4], [0.5, 2, 7, 0.1]);
    const bytes = s.toBytes();
    expect(bytes.byteLength).toBe(16 + 8 + 8 * 11);
    const back = PrioritizedSampler.fromBytes(bytes.slice().buffer, 16, 0.6, 1e-6);
    expect([back.size, back.maxPriority, back.total]).toEqual([s.size, s.maxPriority, s.total]);
    for (let i = 0; i < 16; i++) expect(back.priority(i)).toBe(s.priority(i));
    const draw = (x: PrioritizedSampler) => {
      const indices = new Int32Array(10);
      const weights = new Float32Array(10);
      x.sample(new Rng(2), 0.7, indices, weights);
      return [Array.from(indices), Array.from(weights)];
    };
    expect(draw(back)).toEqual(draw(s));
    expect(() => PrioritizedSampler.fromBytes(bytes.slice().buffer, 32, 0.6, 1e-6)).toThrow(/capacity 16, expected 32/);
    expect(() => PrioritizedSampler.fromBytes(bytes.slice(0, bytes.byteLength - 8).buffer, 16, 0.6, 1e-6)).toThrow(/expected 112 for 11 slots/);
    expect(() => PrioritizedSampler.fromBytes(new ArrayBuffer(24), 16, 0.6, 1e-6)).toThrow(/bad magic number/);
    const zero = bytes.slice();
    new Float64Array(zero.buffer, 24, 1)[0] = 0;
    expect(() => PrioritizedSampler.fromBytes(zero.buffer, 16, 0.6, 1e-6)).toThrow(/finite and positive/);
  });

  it('rejects misuse with what and where', () => {
    expect(() => new PrioritizedSampler(0, 0.6, 1e-6)).toThrow(/capacity must be a positive integer, got 0/);
    expect(() => new PrioritizedSampler(4, 0.6, 0)).toThrow(/epsilon must be > 0, got 0/);
    const s = new PrioritizedSampler(4, 0.6, 1e-6);
    expect(() => s.sample(new Rng(0), 1, new Int32Array(2), new Float32Array(2))).toThrow(/no transitions stored/);
    s.added(0);
    expect(() => s.update([2], [1])).toThrow(/slot 2 is not filled/);
    expect(() => s.update([0], [NaN])).toThrow(/TD error of row 0 \(slot 0\) is NaN/);
    expect(() => s.added(4)).toThrow(/slot 4 is outside \[0, 4\)/);
  });
});
