import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Rng, RngBank, reseed } from '../../core/rng.js';

function draws(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i % 3 === 0 ? rng.normal() : i % 3 === 1 ? rng.random() : rng.integers(0, 100));
  return out;
}

describe('Rng', () => {
  it('the same seed gives the same stream; different seeds differ', () => {
    expect(draws(new Rng(1), 100)).toEqual(draws(new Rng(1), 100));
    expect(draws(new Rng(1), 100)).not.toEqual(draws(new Rng(2), 100));
  });

  it("gives seedrandom's xor128 stream", () => {
    for (const seed of [0, 1, 12345, -7, 2 ** 31 - 1]) {
      const reference = seedrandom.xor128(String(seed));
      const rng = new Rng(seed);
      for (let i = 0; i < 1000; i++) expect(rng.random()).toBe(reference.double());
    }
  });

  it('saves and restores its full state, including a pending normal deviate', () => {
    const rng = new Rng(9);
    draws(rng, 10);
    rng.normal(); // leaves the pair's second deviate cached
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    expect(saved.spareNormal).not.toBeNull();
    const expected = draws(rng, 50);
    expect(draws(Rng.fromState(saved), 50)).toEqual(expected);
  });

  it('refuses a state it cannot restore', () => {
    expect(() => Rng.fromState({ algorithm: 'arc4' } as never)).toThrow(/expected algorithm 'xor128', got "arc4"/);
    expect(() => new Rng(Number.NaN)).toThrow(/finite/);
  });

  it('random() lies in [0, 1) and integers(lo, hi) in [lo, hi)', () => {
    const rng = new Rng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 10000; i++) {
      const u = rng.random();
      expect(u >= 0 && u < 1).toBe(true);
      const k = rng.integers(-2, 3);
      expect(Number.isInteger(k) && k >= -2 && k < 3).toBe(true);
      seen.add(k);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    expect(() => rng.integers(3, 3)).toThrow(/high must be greater than low/);
  });

  it('normal() has mean 0 and variance 1; choice() follows its weights', () => {
    const rng = new Rng(8);
    const n = 50000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    // 5 standard errors: of the mean sqrt(1 / n), of the variance sqrt(2 / n) (kurtosis 3).
    expect(Math.abs(s / n)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const draws = 30000;
    const counts = [0, 0, 0];
    for (let i = 0; i < draws; i++) counts[rng.choice([1, 0, 3])]! += 1;
    expect(counts[1]).toBe(0);
    // frequency of the weight-3 entry is 3/4, within 5 standard errors sqrt(p (1 - p) / draws)
    expect(Math.abs(counts[2]! / draws - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / draws));
  });

  it('gamma(k, s) and beta(a, b) have their mean and variance', () => {
    const rng = new Rng(9);
    const n = 100_000;
    const moments = (draw: () => number) => {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = draw();
        s += x;
        s2 += x * x;
      }
      return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
    };
    // Tolerances: 5 standard errors of the sample mean (sqrt(variance / n)) and 5 of the
    // relative sample variance (sqrt((kurtosis - 1) / n), kurtosis the non-excess one).
    const varianceTolerance = (kurtosis: number) => 5 * Math.sqrt((kurtosis - 1) / n);
    // Gamma(k, s): mean k s, variance k s^2, kurtosis 3 + 6 / k.
    for (const [k, scale] of [
      [0.3, 1],
      [1, 2],
      [4.5, 0.5],
    ] as const) {
      const m = moments(() => rng.gamma(k, scale));
      expect(Math.abs(m.mean - k * scale)).toBeLessThan(5 * Math.sqrt((k * scale * scale) / n));
      expect(Math.abs(m.variance / (k * scale * scale) - 1)).toBeLessThan(varianceTolerance(3 + 6 / k));
    }
    // Beta(a, b): mean a / (a + b), variance ab / ((a + b)^2 (a + b + 1)), excess kurtosis
    // 6 ((a - b)^2 (a + b + 1) - ab (a + b + 2)) / (ab (a + b + 2) (a + b + 3)).
    for (const [a, b] of [
      [1, 1],
      [2, 5],
      [0.5, 0.5],
    ] as const) {
      const mean = a / (a + b);
      const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      const excess =
        (6 * ((a - b) ** 2 * (a + b + 1) - a * b * (a + b + 2))) / (a * b * (a + b + 2) * (a + b + 3));
      const m = moments(() => rng.beta(a, b));
      expect(Math.abs(m.mean - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
      expect(Math.abs(m.variance / variance - 1)).toBeLessThan(varianceTolerance(3 + excess));
    }
    expect(() => rng.gamma(0)).toThrow(/shape must be a finite number > 0, got 0/);
  });

  it('reseed: a seed makes a new generator, no seed keeps the current one', () => {
    const current = new Rng(1);
    expect(reseed(current, undefined)).toBe(current);
    expect(reseed(current, 5).random()).toBe(new Rng(5).random());
    expect(reseed(null, undefined)).toBeInstanceOf(Rng);
    expect(() => reseed(null, 1.5)).toThrow(/seed must be an integer/);
  });
});

describe('RngBank', () => {
  it('generator i of a bank gives the same stream as a lone Rng with the same seed', () => {
    const seeds = [5, 6, 7];
    const bank = new RngBank(seeds);
    const lone = seeds.map((s) => new Rng(s));
    for (let t = 0; t < 100; t++) {
      for (let i = 0; i < seeds.length; i++) {
        // interleaved draws: each slot keeps its own state, including the normal spare
        expect(bank.at(i).normal()).toBe(lone[i]!.normal());
        expect(bank.at(i).integers(0, 7)).toBe(lone[i]!.integers(0, 7));
      }
    }
  });

  it('reseeds one slot in place and saves its state', () => {
    const bank = new RngBank([1, 2]);
    bank.at(0).random();
    bank.at(1).seed(9);
    expect(bank.at(1).random()).toBe(new Rng(9).random());
    const saved = bank.at(0).getState();
    const next = bank.at(0).random();
    expect(Rng.fromState(saved).random()).toBe(next);
    expect(() => new RngBank([])).toThrow(/at least one seed/);
  });
});

describe('integers() is unbiased', () => {
  it('a range that does not divide 2^32 is uniform within sampling error', () => {
    const rng = new Rng(21);
    const n = 7;
    const draws = 70000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) counts[rng.integers(0, n)]! += 1;
    // chi-square with 6 degrees of freedom; 22.46 is the 0.999 quantile
    const expected = draws / n;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(22.46);
  });

  it('wide ranges fall back to a 53-bit double and stay in range', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 1000; i++) {
      const v = rng.integers(-(2 ** 40), 2 ** 40);
      expect(Number.isInteger(v) && v >= -(2 ** 40) && v < 2 ** 40).toBe(true);
    }
  });
});

describe('fillIntegers', () => {
  it('slices power-of-two ranges out of each 32-bit output, low bits first', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const out = new Int32Array(40);
    a.fillIntegers(out, 0, 2);
    const first = b.nextInt32();
    const second = b.nextInt32();
    const expected = [...Array.from({ length: 32 }, (_, i) => (first >>> i) & 1), ...Array.from({ length: 8 }, (_, i) => (second >>> i) & 1)];
    expect(Array.from(out)).toEqual(expected);
    // Both generators have taken two steps.
    expect(a.nextInt32()).toBe(b.nextInt32());
  });

  it('is uniform for a power-of-two range with an offset, and falls back to integers() for others', () => {
    const rng = new Rng(8);
    const out = new Int32Array(80_000);
    rng.fillIntegers(out, 3, 11);
    const counts = new Array<number>(8).fill(0);
    for (const v of out) counts[v - 3]! += 1;
    // chi-square with 7 degrees of freedom; 24.32 is the 0.999 quantile
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(24.32);

    const seven = new Int32Array(5);
    new Rng(3).fillIntegers(seven, 0, 7);
    const ref = new Rng(3);
    expect(Array.from(seven)).toEqual(Array.from({ length: 5 }, () => ref.integers(0, 7)));
    expect(Array.from(new Rng(1).fillIntegers(new Int32Array(4), 2, 3))).toEqual([2, 2, 2, 2]);
    expect(() => new Rng(1).fillIntegers(new Int32Array(2), 0, 2, 3)).toThrow(/count 3 does not fit an array of 2/);
    expect(() => new Rng(1).fillIntegers(new Int32Array(2), 2, 2)).toThrow(/high must be an integer greater than low/);
  });
});
