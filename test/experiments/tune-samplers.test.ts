// Samplers: the same seed gives the same trials; TPE's parts (truncated
// Parzen mixtures, smoothed counts, ranking); and TPE reaching a target in
// fewer evaluations than random search on known functions, over 30 seeds.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { median } from '../../experiments/stats.js';
import type { Observation, Sampler } from '../../experiments/tune/sampler.js';
import { RandomSampler } from '../../experiments/tune/sampler.js';
import type { SearchSpace } from '../../experiments/tune/space.js';
import { parzen, rankObservations, smoothedLogProbabilities, TpeSampler, TruncatedMixture } from '../../experiments/tune/tpe.js';

const SPACE: SearchSpace = {
  learningRate: { kind: 'loguniform', low: 1e-6, high: 1 },
  x: { kind: 'uniform', low: 0, high: 1 },
  layers: { kind: 'int', low: 1, high: 4 },
  hidden: { kind: 'choice', values: [[64], [64, 64]] },
};

/** Runs `sampler` for `budget` evaluations of `f` (noisy loss, true loss); the 1-based evaluation whose true loss first reaches `target`, or budget + 1. */
function evaluationsToTarget(sampler: Sampler, space: SearchSpace, f: (p: Record<string, unknown>, rng: Rng) => [number, number], target: number, seed: number, budget: number): number {
  const rng = new Rng(seed);
  const noise = new Rng(seed + 1_000_000);
  const history: Observation[] = [];
  for (let i = 0; i < budget; i++) {
    const params = sampler.sample(space, history, rng);
    const [noisy, truth] = f(params, noise);
    if (truth <= target) return i + 1;
    history.push({ params, rung: 0, loss: noisy });
  }
  return budget + 1;
}

function medianEvaluations(sampler: () => Sampler, space: SearchSpace, f: (p: Record<string, unknown>, rng: Rng) => [number, number], target: number): number {
  return median(Array.from({ length: 30 }, (_, seed) => evaluationsToTarget(sampler(), space, f, target, seed, 200)));
}

describe('samplers', () => {
  it('random: draws inside the space, the same seed giving the same trials', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => new RandomSampler().sample(SPACE, [], rng));
    };
    const trials = draw(3);
    expect(draw(3)).toEqual(trials);
    expect(draw(4)).not.toEqual(trials);
    for (const t of trials) {
      expect(t.learningRate).toBeGreaterThanOrEqual(1e-6);
      expect(t.learningRate).toBeLessThanOrEqual(1);
      expect(Number.isInteger(t.layers) && (t.layers as number) >= 1 && (t.layers as number) <= 4).toBe(true);
      expect([[64], [64, 64]]).toContainEqual(t.hidden);
    }
    // Log-uniform: about half the draws below 1e-3 (the log-midpoint), where a uniform draw would put 0.1%.
    const below = trials.filter((t) => (t.learningRate as number) < 1e-3).length;
    expect(below).toBeGreaterThan(10);
    expect(new Set(trials.map((t) => t.layers))).toEqual(new Set([1, 2, 3, 4]));
  });

  it('tpe: the same seed and history give the same trials', () => {
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const tpe = new TpeSampler({ startup: 5 });
      const history: Observation[] = [];
      for (let i = 0; i < 25; i++) {
        const params = tpe.sample(SPACE, history, rng);
        history.push({ params, rung: 0, loss: Math.abs(Math.log10(params.learningRate as number) + 3) + (params.x as number) });
      }
      return history;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('truncated mixtures integrate to one on their range and sample inside it', () => {
    const m = new TruncatedMixture([0.1, 0.9, 2], [0.3, 0.05, 0.5], 0, 1);
    let integral = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) integral += Math.exp(m.logDensity((i + 0.5) / n)) / n;
    expect(integral).toBeCloseTo(1, 4);
    const rng = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const x = m.sample(rng);
      expect(x >= 0 && x <= 1).toBe(true);
    }
  });

  it('parzen estimators put their mass near the points, with a bandwidth that shrinks as points gather', () => {
    const few = parzen([0.2, 0.22, 0.25, 0.21], 0, 1);
    expect(few.logDensity(0.22)).toBeGreaterThan(few.logDensity(0.8) + 1);
    // Few points: the bandwidth is held at range / (1 + components) = 1/6, however close they are.
    expect(few.sds[0]).toBeCloseTo(1 / 6, 12);
    const many = parzen(Array.from({ length: 40 }, (_, i) => 0.2 + i / 800), 0, 1);
    expect(many.sds[0]).toBeLessThan(0.03);
    expect(many.sds.at(-1)).toBe(1); // the prior component spans the range
    // No points: the prior alone, N(0.5, 1) truncated to [0, 1]: phi(0) / (Phi(0.5) - Phi(-0.5)) at the middle.
    expect(parzen([], 0, 1).logDensity(0.5)).toBeCloseTo(Math.log(0.3989423 / 0.3829249), 5);
  });

  it('smoothed counts and the ranking of observations', () => {
    expect(smoothedLogProbabilities([0, 0, 2], 3).map(Math.exp)).toEqual([3 / 6, 1 / 6, 2 / 6].map((v) => expect.closeTo(v, 12)));
    const obs = [
      { params: { a: 1 }, rung: 0, loss: -5 },
      { params: { a: 2 }, rung: 1, loss: 3 },
      { params: { a: 3 }, rung: 1, loss: 1 },
    ];
    expect(rankObservations(obs).map((o) => o.params.a)).toEqual([3, 2, 1]);
  });

  // A noisy quadratic in log space: the best learning rate 1e-3 among six decades, and x at 0.3.
  const quadratic = (p: Record<string, unknown>, rng: Rng): [number, number] => {
    const truth = (Math.log10(p.learningRate as number) + 3) ** 2 + 4 * ((p.x as number) - 0.3) ** 2;
    return [truth + rng.normal(0, 0.1), truth];
  };
  // A choice with one good value and a continuous value to find with it.
  const OFFSETS: Record<string, number> = { a: 1, b: 0.5, c: 0, d: 0.7, e: 1.2 };
  const mixed = (p: Record<string, unknown>, rng: Rng): [number, number] => {
    const truth = OFFSETS[p.kind as string]! + 10 * ((p.x as number) - 0.7) ** 2 + ((p.k as number) - 13) ** 2 / 50;
    return [truth + rng.normal(0, 0.1), truth];
  };

  it('tpe reaches a noisy quadratic in log space in fewer evaluations than random search (median of 30 seeds)', () => {
    const space: SearchSpace = { learningRate: SPACE.learningRate!, x: SPACE.x! };
    const random = medianEvaluations(() => new RandomSampler(), space, quadratic, 0.05);
    const tpe = medianEvaluations(() => new TpeSampler(), space, quadratic, 0.05);
    console.log(`quadratic: median evaluations to the target, random ${random}, tpe ${tpe}`);
    expect(tpe).toBeLessThan(0.6 * random);
  });

  it('tpe reaches a choice + continuous + integer mix in fewer evaluations than random search (median of 30 seeds)', () => {
    const space: SearchSpace = { kind: { kind: 'choice', values: ['a', 'b', 'c', 'd', 'e'] }, x: SPACE.x!, k: { kind: 'int', low: 1, high: 30 } };
    const random = medianEvaluations(() => new RandomSampler(), space, mixed, 0.05);
    const tpe = medianEvaluations(() => new TpeSampler(), space, mixed, 0.05);
    console.log(`mixed: median evaluations to the target, random ${random}, tpe ${tpe}`);
    expect(tpe).toBeLessThan(0.6 * random);
  });
});
