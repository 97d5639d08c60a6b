// Schedules and exploration strategies against numbers computed by hand.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import {
  argmax,
  epsilonGreedyAction,
  epsilonGreedyProbs,
  explorationAction,
  explorationProbs,
  greedyAction,
  softmaxAction,
  softmaxProbs,
  thompsonAction,
  thompsonProbs,
  ucbAction,
  ucbProbs,
  ucbScore,
} from '../../agents/lib/exploration.js';
import { constantSchedule, exponentialSchedule, linearSchedule } from '../../agents/lib/schedules.js';

/** How often each action comes out of `draw` in n draws, as fractions. */
function frequencies(nA: number, n: number, draw: () => number): number[] {
  const counts = new Array<number>(nA).fill(0);
  for (let i = 0; i < n; i++) counts[draw()]! += 1;
  return counts.map((c) => c / n);
}

describe('schedules', () => {
  it('constant', () => {
    const s = constantSchedule(0.1);
    expect([s(0), s(1e9), s(-5)]).toEqual([0.1, 0.1, 0.1]);
  });

  it('linear: start + (end - start) * min(1, progress / fraction)', () => {
    const s = linearSchedule(1, 0.1, 0.5);
    expect(s(0)).toBe(1);
    expect(s(0.25)).toBeCloseTo(0.55, 15); // halfway through the decay: 1 - 0.9 * 0.5
    expect(s(0.1)).toBeCloseTo(0.82, 15); // 1 - 0.9 * 0.2
    expect(s(0.5)).toBe(0.1); // exactly end, not 1 + (0.1 - 1) rounded
    expect(s(0.9)).toBe(0.1);
    expect(s(-1)).toBe(1);
    const up = linearSchedule(0, 2); // increasing works too; fraction defaults to 1
    expect(up(0.75)).toBe(1.5);
  });

  it('exponential: max(end, start * decay^step)', () => {
    const s = exponentialSchedule(1, 0.05, 0.5);
    expect([0, 1, 2, 3, 4].map(s)).toEqual([1, 0.5, 0.25, 0.125, 0.0625]);
    expect(s(5)).toBe(0.05); // 0.03125 is clipped at end
    expect(s(100)).toBe(0.05);
    // The factor that reaches `end` after n steps is (end / start)^(1 / n).
    const n = 1000;
    const decay = (0.01 / 1) ** (1 / n);
    expect(exponentialSchedule(1, 0.01, decay)(n / 2)).toBeCloseTo(0.1, 12);
  });

  it('rejects bad arguments with the range', () => {
    expect(() => linearSchedule(1, 0, 0)).toThrow('linearSchedule: fraction must be a number in (0, 1], got 0');
    expect(() => linearSchedule(Number.NaN, 0)).toThrow('linearSchedule: start must be a finite number, got NaN');
    expect(() => exponentialSchedule(1, 0.1, 1.5)).toThrow('exponentialSchedule: decay must be a number in (0, 1], got 1.5');
    expect(() => exponentialSchedule(0.1, 1, 0.9)).toThrow('exponentialSchedule: needs start >= end >= 0, got start 0.1 and end 1');
  });
});

describe('greedy choice', () => {
  it('argmax takes the first of tied maxima, without a generator', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([-5])).toBe(0);
  });

  it('greedyAction breaks ties uniformly at random, and draws nothing for a unique maximum', () => {
    const rng = new Rng(1);
    const f = frequencies(4, 20_000, () => greedyAction([1, 3, 3, 2], rng));
    expect(f[0]).toBe(0);
    expect(f[3]).toBe(0);
    expect(f[1]).toBeCloseTo(0.5, 1);
    const before = rng.getState();
    expect(greedyAction([0, 5, 1], rng)).toBe(1);
    expect(rng.getState()).toEqual(before);
  });

  it('is reproducible from the seed', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => greedyAction([0, 0, 0, 0], rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});

describe('epsilon-greedy', () => {
  it('probabilities: epsilon / n each, plus 1 - epsilon on the greedy action', () => {
    const p = epsilonGreedyProbs([1, 3, 2], 0.3, new Float64Array(3));
    expect(Array.from(p)).toEqual([0.1, 0.1 + 0.7, 0.1].map((x) => expect.closeTo(x, 15)));
  });

  it('tied maxima share 1 - epsilon equally', () => {
    const p = epsilonGreedyProbs([3, 3, 1], 0.3, new Float64Array(3));
    expect(p[0]).toBeCloseTo(0.1 + 0.35, 15);
    expect(p[1]).toBeCloseTo(0.45, 15);
    expect(p[2]).toBeCloseTo(0.1, 15);
  });

  it('sampled actions follow those probabilities', () => {
    const rng = new Rng(3);
    const f = frequencies(3, 40_000, () => epsilonGreedyAction([1, 3, 2], 0.3, rng));
    // 40000 draws: standard error of a frequency <= 0.0025, so 0.01 is 4 standard errors.
    expect(Math.abs(f[0]! - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(f[1]! - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(f[2]! - 0.1)).toBeLessThan(0.01);
  });

  it('epsilon 0 is greedy and epsilon 1 uniform', () => {
    const rng = new Rng(4);
    expect(frequencies(3, 1000, () => epsilonGreedyAction([1, 3, 2], 0, rng))).toEqual([0, 1, 0]);
    expect(Array.from(epsilonGreedyProbs([1, 3, 2], 1, new Float64Array(3)))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});

describe('softmax', () => {
  it('probabilities exp(q / T) / sum, by hand', () => {
    // exp([0, ln 2, 0]) = [1, 2, 1], normalized [0.25, 0.5, 0.25].
    const p = softmaxProbs([0, Math.LN2, 0], 1, new Float64Array(3));
    expect(p[0]).toBeCloseTo(0.25, 15);
    expect(p[1]).toBeCloseTo(0.5, 15);
    // Temperature 2 halves the exponents: the same distribution from doubled values.
    const p2 = softmaxProbs([0, 2 * Math.LN2, 0], 2, new Float64Array(3));
    expect(p2[1]).toBeCloseTo(0.5, 15);
  });

  it('is stable for large values (shifted by the maximum)', () => {
    // Unshifted, exp(1000) is Infinity and the result NaN. (1000 + ln 2 keeps only ~13 digits of ln 2.)
    const p = softmaxProbs([1000, 1000 + Math.LN2], 1, new Float64Array(2));
    expect(p[0]).toBeCloseTo(1 / 3, 12);
    expect(p[1]).toBeCloseTo(2 / 3, 12);
  });

  it('sampled actions follow those probabilities', () => {
    const rng = new Rng(5);
    const f = frequencies(3, 40_000, () => softmaxAction([0, Math.LN2, 0], 1, rng));
    expect(Math.abs(f[0]! - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(f[1]! - 0.5)).toBeLessThan(0.01);
  });
});

describe('UCB', () => {
  it('picks untried actions first, uniformly among them', () => {
    const rng = new Rng(6);
    expect(ucbAction([10, 0, 5], [4, 0, 2], 1, rng)).toBe(1); // the only untried action, despite its low value
    const f = frequencies(4, 10_000, () => ucbAction([10, 0, 5, 0], [4, 0, 2, 0], 1, rng));
    expect(f[0]).toBe(0);
    expect(f[2]).toBe(0);
    expect(f[1]).toBeCloseTo(0.5, 1);
    expect(Array.from(ucbProbs([10, 0, 5, 0], [4, 0, 2, 0], 1, new Float64Array(4)))).toEqual([0, 0.5, 0, 0.5]);
  });

  it('then maximizes q + c * sqrt(ln t / N), t the visits to the state', () => {
    // t = 6: scores 0 + sqrt(ln 6) = 1.33857, 0.5 + sqrt(ln 6 / 4) = 1.16928, 0.9 + sqrt(ln 6) = 2.23857.
    const q = [0, 0.5, 0.9];
    const counts = [1, 4, 1];
    expect(ucbScore(q, counts, 1, 0)).toBeCloseTo(Math.sqrt(Math.log(6)), 15);
    expect(ucbScore(q, counts, 1, 1)).toBeCloseTo(1.16928, 5);
    expect(ucbScore(q, counts, 1, 2)).toBeCloseTo(2.23857, 5);
    expect(ucbAction(q, counts, 1, new Rng(0))).toBe(2);
    // With c = 0 it is greedy; a bigger bonus for rarely tried actions wins as c grows.
    expect(ucbAction([0, 0.5], [1, 9], 0, new Rng(0))).toBe(1);
    // c = 1: 0 + sqrt(ln 10) = 1.517 beats 0.5 + sqrt(ln 10 / 9) = 1.006.
    expect(ucbAction([0, 0.5], [1, 9], 1, new Rng(0))).toBe(0);
  });

  it('breaks ties of the score at random', () => {
    const rng = new Rng(7);
    const f = frequencies(3, 10_000, () => ucbAction([0, 0.5, 0], [1, 4, 1], 1, rng));
    expect(f[1]).toBe(0);
    expect(f[0]).toBeCloseTo(0.5, 1);
    expect(Array.from(ucbProbs([0, 0.5, 0], [1, 4, 1], 1, new Float64Array(3)))).toEqual([0.5, 0, 0.5]);
  });
});

describe('one entry point', () => {
  it('explorationAction and explorationProbs dispatch on the kind', () => {
    const q = [1, 3, 2];
    const counts = [1, 1, 0];
    const params = { kind: 'epsilon-greedy', epsilon: 0.3, temperature: 1, ucbC: 1, thompsonStd: 1 } as const;
    expect(Array.from(explorationProbs(q, counts, params, new Float64Array(3)))).toEqual(Array.from(epsilonGreedyProbs(q, 0.3, new Float64Array(3))));
    expect(Array.from(explorationProbs(q, counts, { ...params, kind: 'softmax' }, new Float64Array(3)))).toEqual(Array.from(softmaxProbs(q, 1, new Float64Array(3))));
    expect(Array.from(explorationProbs(q, counts, { ...params, kind: 'ucb' }, new Float64Array(3)))).toEqual([0, 0, 1]);
    expect(explorationAction(q, counts, { ...params, kind: 'ucb' }, new Rng(0))).toBe(2);
    expect(Array.from(explorationProbs(q, counts, { ...params, kind: 'thompson' }, new Float64Array(3)))).toEqual(Array.from(thompsonProbs(q, counts, 1, new Float64Array(3))));
    expect(explorationAction(q, counts, { ...params, kind: 'thompson' }, new Rng(5))).toBe(thompsonAction(q, counts, 1, new Rng(5)));
  });
});

describe('Thompson sampling', () => {
  it("draws each action as often as its probability of having the largest draw; the probabilities integrate the Gaussians' order", () => {
    // Beliefs N(1, 1/2), N(1.5, 1/1), N(1.2, 1/11): sds 0.71, 1.00 and 0.30, three very different widths.
    const q = [1, 1.5, 1.2];
    const counts = [1, 0, 10];
    const probs = Array.from(thompsonProbs(q, counts, 1, new Float64Array(3)));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // 100000 draws: the standard error of a share is at most 0.0016; 5 se = 0.008.
    const rng = new Rng(11);
    const f = frequencies(3, 100_000, () => thompsonAction(q, counts, 1, rng));
    for (let a = 0; a < 3; a++) expect(Math.abs(f[a]! - probs[a]!)).toBeLessThan(0.008);
    // Two actions with equal beliefs split evenly; a much better, well-known action takes nearly all.
    expect(Array.from(thompsonProbs([0, 0], [3, 3], 1, new Float64Array(2)))[0]).toBeCloseTo(0.5, 6);
    expect(thompsonProbs([0, 5], [100, 100], 1, new Float64Array(2))[1]).toBeGreaterThan(0.999999);
    // More visits, narrower beliefs: draws concentrate on the better estimate.
    expect(thompsonProbs([0, 0.5], [0, 0], 1, new Float64Array(2))[1]).toBeLessThan(thompsonProbs([0, 0.5], [50, 50], 1, new Float64Array(2))[1]!);
  });
});
