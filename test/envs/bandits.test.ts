// The Bandit-v0 family: spaces and info, the env checker, seeded determinism,
// means fixed by the kwargs (so evaluation envs face the training task),
// reward distributions against their parameters, drift, and kwarg errors.
import { describe, expect, it } from 'vitest';
import { banditStep } from '../../core/bandit.js';
import { checkEnv } from '../../core/checker.js';
import { make } from '../../core/registry.js';
import { banditMeans } from '../../envs/bandits/bandit.js';
import '../../envs/index.js';

const IDS = ['Bandit-v0', 'BanditBernoulli-v0', 'BanditDrifting-v0'] as const;

function pulls(id: string, kwargs: Record<string, unknown>, seed: number, arms: readonly number[]): { rewards: number[]; infos: Record<string, unknown>[] } {
  const env = make<number, number>(id, kwargs);
  env.reset({ seed });
  const rewards: number[] = [];
  const infos: Record<string, unknown>[] = [];
  for (const a of arms) {
    const r = env.step(a);
    if (!r.terminated || r.truncated || r.obs !== 0) throw new Error(`a pull must end its episode in state 0, got ${JSON.stringify(r)}`);
    rewards.push(r.reward);
    infos.push(r.info);
    env.reset();
  }
  return { rewards, infos };
}

describe('Bandit-v0 family', () => {
  it.each(IDS)('%s passes the env checker', (id) => {
    expect(() => checkEnv(make(id))).not.toThrow();
    expect(() => checkEnv(make(id, { k: 3, taskSeed: 5 }))).not.toThrow();
  });

  it.each(IDS)('%s: same seed, same rewards; another seed, other rewards; Discrete(1) observations and Discrete(k) actions', (id) => {
    const env = make(id, { k: 7 });
    expect(env.observationSpace).toEqual({ type: 'discrete', n: 1, start: 0 });
    expect(env.actionSpace).toEqual({ type: 'discrete', n: 7, start: 0 });
    const arms = Array.from({ length: 300 }, (_, i) => (i * 3) % 7);
    const a = pulls(id, { k: 7 }, 11, arms);
    expect(pulls(id, { k: 7 }, 11, arms)).toEqual(a);
    expect(pulls(id, { k: 7 }, 12, arms).rewards).not.toEqual(a.rewards);
  });

  it('the means depend on the kwargs only, so a second env made alike (evaluation) faces the same task', () => {
    const a = make('Bandit-v0', { taskSeed: 3 });
    const b = make('Bandit-v0', { taskSeed: 3 });
    expect(a.reset({ seed: 1 }).info).toEqual(b.reset({ seed: 99 }).info);
    expect(make('Bandit-v0', { taskSeed: 4 }).reset({ seed: 1 }).info).not.toEqual(a.reset({ seed: 1 }).info);
  });

  it('info names the best arm and its mean; a step adds the pulled arm mean, so regret follows', () => {
    const means = [0.2, 0.9, 0.5];
    const env = make<number, number>('BanditBernoulli-v0', { k: 3, means });
    expect(env.reset({ seed: 0 }).info).toEqual({ optimalArm: 1, optimalMean: 0.9 });
    const r = env.step(2);
    expect(r.info).toEqual({ optimalArm: 1, optimalMean: 0.9, armMean: 0.5 });
    expect(banditStep(r.info)!.regret).toBeCloseTo(0.4, 15);
    expect(banditStep(r.info)!.optimal).toBe(false);
    env.reset();
    expect(banditStep(env.step(1).info)).toEqual({ regret: 0, optimal: true });
    expect(banditStep({ prob: 1 })).toBeNull();
  });

  it("Gaussian rewards have the arm's mean and rewardStd; Bernoulli rewards are 0/1 with the arm's probability", () => {
    const n = 40_000;
    // Standard errors: Gaussian mean 2/sqrt(n) = 0.01, so 5 se = 0.05; std: about
    // 2 * sqrt(2 / n) relative, 0.7%; Bernoulli share sqrt(0.21 / n) = 0.0023, 5 se = 0.012.
    const g = pulls('Bandit-v0', { k: 2, means: [1.5, -1], rewardStd: 2 }, 5, Array(n).fill(0)).rewards;
    const mean = g.reduce((x, y) => x + y, 0) / n;
    const std = Math.sqrt(g.reduce((x, y) => x + (y - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 1.5)).toBeLessThan(0.05);
    expect(Math.abs(std - 2) / 2).toBeLessThan(0.035);
    const b = pulls('BanditBernoulli-v0', { k: 2, means: [0.3, 0.7] }, 5, Array(n).fill(0)).rewards;
    expect(new Set(b)).toEqual(new Set([0, 1]));
    expect(Math.abs(b.reduce((x, y) => x + y, 0) / n - 0.3)).toBeLessThan(0.012);
  });

  it('the testbed draws q* ~ N(0, 1) from taskSeed; Bernoulli q* ~ U(0, 1)', () => {
    // 2000 tasks x 10 arms: the mean of 20000 N(0, 1) draws is within 5 / sqrt(20000) = 0.035 of 0.
    const all: number[] = [];
    for (let t = 0; t < 2000; t++) all.push(...banditMeans('Bandit-v0', { taskSeed: t }));
    const m = all.reduce((x, y) => x + y, 0) / all.length;
    const v = all.reduce((x, y) => x + (y - m) ** 2, 0) / all.length;
    expect(Math.abs(m)).toBeLessThan(0.035);
    expect(Math.abs(v - 1)).toBeLessThan(0.05); // sd of the variance estimate: sqrt(2 / 20000) = 0.01
    const u = banditMeans('BanditBernoulli-v0', { arms: 'bernoulli', k: 1000 });
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((x, y) => x + y, 0) / 1000 - 0.5)).toBeLessThan(0.05); // 5 se = 5 * 0.29 / sqrt(1000)
  });

  it('BanditDrifting-v0: means start equal and random-walk with step sd 0.01; a seeded reset restarts them, an unseeded one does not', () => {
    const env = make<number, number>('BanditDrifting-v0');
    expect(env.reset({ seed: 0 }).info).toEqual({ optimalArm: 0, optimalMean: 0 });
    const start = (env.unwrapped as unknown as { means: Float64Array }).means;
    const steps = 10_000;
    for (let t = 0; t < steps; t++) {
      env.step(t % 10);
      env.reset();
    }
    // After n steps each mean is N(0, n * 0.01^2): sd 1; the 10 means' spread says so.
    const means = Array.from(start);
    const msq = means.reduce((x, y) => x + y * y, 0) / means.length;
    expect(msq).toBeGreaterThan(0.1); // P(chi2_10 / 10 < 0.1) ~ 1e-6
    expect(msq).toBeLessThan(4); // P(chi2_10 / 10 > 4) ~ 1e-5
    const optimal = new Set<number>();
    env.reset({ seed: 0 });
    for (let t = 0; t < steps; t++) {
      optimal.add(env.step(0).info['optimalArm'] as number);
      env.reset();
    }
    expect(optimal.size).toBeGreaterThan(1); // the best arm changes over time
    expect(env.reset({ seed: 0 }).info).toEqual({ optimalArm: 0, optimalMean: 0 });
  });

  it('bad kwargs fail with the key and the allowed values', () => {
    expect(() => make('Bandit-v0', { k: 1 })).toThrow(/Bandit-v0: k must be an integer >= 2, got 1/);
    expect(() => make('Bandit-v0', { arms: 'poisson' })).toThrow(/arms must be 'gaussian' or 'bernoulli'/);
    expect(() => make('Bandit-v0', { k: 3, means: [1, 2] })).toThrow(/means must be null or an array of k = 3 numbers/);
    expect(() => make('BanditBernoulli-v0', { k: 2, means: [0.5, 1.5] })).toThrow(/means\[1\] = 1.5 is not a probability/);
    expect(() => make('Bandit-v0', { rewardStd: 0 })).toThrow(/rewardStd must be a finite number > 0/);
    expect(() => make('Bandit-v0', { drift: -1 })).toThrow(/drift must be a finite number >= 0/);
    expect(() => make('Bandit-v0', { arm: 'gaussian' })).toThrow(/unknown keyword argument "arm"/);
    const env = make<number, number>('Bandit-v0', { k: 3 });
    env.reset({ seed: 0 });
    expect(() => env.step(3)).toThrow(/3/);
  });
});
