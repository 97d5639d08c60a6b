// Bandit agents: each update rule against hand-computed numbers, the regret
// metrics a learn call reports, exact resume from a save, warm starts, and the
// errors for bad hyperparameters and non-bandit envs. The 10-armed testbed
// orderings are in bandit-testbed.test.ts.
import { describe, expect, it } from 'vitest';
import type { Agent, UpdateEvent } from '../../agents/agent.js';
import { createAgent, loadAgent, warmStart } from '../../agents/agent.js';
import '../../agents/index.js';
import { epsilonGreedyPolicy, hyperparameters as epsilonSpec } from '../../agents/bandit-epsilon-greedy.js';
import { gradientBanditPolicy, hyperparameters as gradientSpec } from '../../agents/bandit-gradient.js';
import { hyperparameters as thompsonSpec, thompsonPolicy } from '../../agents/bandit-thompson.js';
import { hyperparameters as ucbSpec, ucbPolicy } from '../../agents/bandit-ucb.js';
import { resolveHyperparameters } from '../../agents/lib/hparams.js';
import type { Env } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import '../../envs/index.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('bandits');
const AGENTS = ['bandit-epsilon-greedy', 'bandit-optimistic', 'bandit-ucb', 'bandit-thompson', 'bandit-gradient'] as const;

function contextOf(env: Env, seed = 0) {
  return { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed };
}

describe('update rules, by hand', () => {
  it('epsilon-greedy: sample averages, or a constant step that weights recent rewards', () => {
    const avg = epsilonGreedyPolicy(resolveHyperparameters('t', epsilonSpec, {}), 3, 't');
    for (const r of [1, 2, 6]) avg.update(1, r);
    expect(Array.from(avg.values())).toEqual([0, 3, 0]);
    const constant = epsilonGreedyPolicy(resolveHyperparameters('t', epsilonSpec, { estimate: 'constant', alpha: 0.5, initialValue: 4 }), 2, 't');
    constant.update(0, 0); // 4 + 0.5 (0 - 4) = 2
    constant.update(0, 2); // 2 + 0.5 (2 - 2) = 2
    constant.update(0, 10); // 2 + 0.5 (10 - 2) = 6
    expect(Array.from(constant.values())).toEqual([6, 4]);
    expect(constant.greedy()).toBe(0);
    // epsilon 0: always the best estimate; the probabilities say so too.
    const greedy = epsilonGreedyPolicy(resolveHyperparameters('t', epsilonSpec, { epsilon: 0 }), 3, 't');
    greedy.update(2, 1);
    const rng = new Rng(0);
    for (let i = 0; i < 20; i++) expect(greedy.select(rng, i)).toBe(2);
    expect(Array.from(greedy.probs!(0, new Float64Array(3)))).toEqual([0, 0, 1]);
  });

  it('epsilon decays with the pull count (linear schedule: 0.5 -> 0.1 over 100 pulls)', () => {
    const p = epsilonGreedyPolicy(resolveHyperparameters('t', epsilonSpec, { epsilon: 0.5, epsilonEnd: 0.1, epsilonSchedule: 'linear', epsilonDecaySteps: 100 }), 2, 't');
    p.update(0, 1);
    const probs = (step: number) => Array.from(p.probs!(step, new Float64Array(2)));
    expect(probs(0)).toEqual([0.75, 0.25]);
    expect(probs(50)[1]).toBeCloseTo(0.15, 12);
    expect(probs(1000)[1]).toBeCloseTo(0.05, 12);
  });

  it('UCB: every arm once, then the largest Q + c sqrt(ln t / N)', () => {
    const p = ucbPolicy(resolveHyperparameters('t', ucbSpec, { c: 2 }), 3);
    const rng = new Rng(1);
    const first = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const a = p.select(rng, i);
      first.add(a);
      p.update(a, a === 0 ? 1 : 0);
    }
    expect(first).toEqual(new Set([0, 1, 2]));
    // Q = [1, 0, 0], N = [1, 1, 1]: all bonuses equal, arm 0 wins.
    expect(p.select(rng, 3)).toBe(0);
    p.update(0, 1);
    // Q = [1, 0, 0], N = [2, 1, 1], t = 4: scores 1 + 2 sqrt(ln 4 / 2) = 2.665 and 2 sqrt(ln 4) = 2.355.
    expect(p.select(rng, 4)).toBe(0);
    p.update(0, 1);
    p.update(0, 1);
    p.update(0, 1);
    // N = [5, 1, 1], t = 7: 1 + 2 sqrt(ln 7 / 5) = 2.248 < 2 sqrt(ln 7) = 2.790: an untried-for-long arm.
    expect([1, 2]).toContain(p.select(rng, 7));
  });

  it('Thompson, Beta-Bernoulli: successes add to alpha, failures to beta; rewards outside [0, 1] are refused', () => {
    const p = thompsonPolicy(resolveHyperparameters('t', thompsonSpec, { priorAlpha: 2, priorBeta: 1 }), 2, 'bandit-thompson');
    for (const r of [1, 0, 0, 1, 1]) p.update(1, r);
    expect(Array.from(p.tables['alpha']!)).toEqual([2, 5]);
    expect(Array.from(p.tables['beta']!)).toEqual([1, 3]);
    expect(Array.from(p.values())).toEqual([2 / 3, 5 / 8]);
    expect(p.greedy()).toBe(0);
    expect(() => p.update(0, 2)).toThrow(/bandit-thompson: model 'beta-bernoulli' needs rewards in \[0, 1\], got 2 from arm 0/);
    // Samples follow the posterior: arm 0 (Beta(2, 1)) beats arm 1 (Beta(5, 3)) with probability
    // 1 - P(X0 < X1) = 0.5909 (computed by numerical integration); 20000 draws, 5 se = 0.017.
    const rng = new Rng(3);
    let wins = 0;
    for (let i = 0; i < 20_000; i++) if (p.select(rng, i) === 0) wins++;
    expect(Math.abs(wins / 20_000 - 0.5909)).toBeLessThan(0.017);
  });

  it('Thompson, Gaussian: the conjugate posterior with known noise', () => {
    const p = thompsonPolicy(resolveHyperparameters('t', thompsonSpec, { model: 'gaussian', priorMean: 1, priorStd: 1, noiseStd: 2 }), 2, 't');
    p.update(0, 5);
    p.update(0, 7);
    // precision 1 + 2 / 4 = 1.5; mean (1 * 1 + 12 / 4) / 1.5 = 8 / 3. The other arm keeps its prior mean 1.
    expect(p.values()[0]).toBeCloseTo(8 / 3, 14);
    expect(p.values()[1]).toBe(1);
    // Samples of arm 0 have the posterior's mean and variance 1 / 1.5 (arm 1's are never drawn here: compare means only).
    const rng = new Rng(0);
    let above = 0;
    for (let i = 0; i < 20_000; i++) if (p.select(rng, i) === 0) above++;
    // P(N(8/3, 2/3) > N(1, 1)) = Phi((8/3 - 1) / sqrt(5/3)) = Phi(1.291) = 0.9017; 5 se = 0.011.
    expect(Math.abs(above / 20_000 - 0.9017)).toBeLessThan(0.011);
  });

  it('gradient bandit: preferences move by alpha (r - baseline)(1[a = arm] - pi(a))', () => {
    const p = gradientBanditPolicy(resolveHyperparameters('t', gradientSpec, { alpha: 0.1 }), 3);
    p.update(0, 1); // baseline 1: advantage 0, nothing moves
    expect(Array.from(p.values())).toEqual([0, 0, 0]);
    p.update(1, 3); // baseline 2, advantage 1, pi = 1/3 each
    expect(p.values()[1]).toBeCloseTo(0.1 * (2 / 3), 15);
    expect(p.values()[0]).toBeCloseTo(-0.1 / 3, 15);
    const raw = gradientBanditPolicy(resolveHyperparameters('t', gradientSpec, { alpha: 0.1, baseline: false }), 3);
    raw.update(0, 1); // no baseline: advantage 1
    expect(raw.values()[0]).toBeCloseTo(0.1 * (2 / 3), 15);
    expect(raw.values()[2]).toBeCloseTo(-0.1 / 3, 15);
    const probs = Array.from(raw.probs!(0, new Float64Array(3)));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(probs[0]).toBeGreaterThan(probs[1]!);
  });
});

async function trainCollect(agent: Agent, env: Env, totalSteps: number) {
  const rewards: number[] = [];
  const updates: UpdateEvent[] = [];
  await agent.learn({ env, totalSteps, hooks: { onEpisodeEnd: (e) => rewards.push(e.return), onUpdate: (u) => updates.push(u) } });
  return { rewards, updates };
}

describe('bandit agents', () => {
  it('report per pull its pseudo-regret, the running sum and whether the arm was optimal', async () => {
    const env = make('BanditBernoulli-v0', { k: 3, means: [0.1, 0.8, 0.5] });
    const agent = await createAgent('bandit-thompson', {}, contextOf(env));
    const { rewards, updates } = await trainCollect(agent, env, 300);
    expect(rewards).toHaveLength(300);
    expect(updates.map((u) => u.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    let sum = 0;
    for (const u of updates) {
      const { regret, cumulativeRegret, optimalAction } = u.metrics as Record<string, number>;
      expect([0, 0.3, 0.7].some((g) => Math.abs(regret! - g) < 1e-12)).toBe(true);
      expect(optimalAction).toBe(regret === 0 ? 1 : 0);
      sum += regret!;
      expect(cumulativeRegret).toBeCloseTo(sum, 10);
    }
    // Thompson settles on the 0.8 arm: most of the last 100 pulls are optimal.
    expect(updates.slice(200).filter((u) => u.metrics['optimalAction'] === 1).length).toBeGreaterThan(80);
    expect(agent.act(0, { deterministic: true })).toBe(1);
  });

  it.each(AGENTS)('%s: the same seed gives the same pulls; saved and loaded, it continues exactly (regret included)', async (name) => {
    const kw = { k: 5, taskSeed: 2 };
    const run = async (split: boolean) => {
      const env = make('Bandit-v0', kw);
      // Thompson's default model is Beta-Bernoulli; these arms are Gaussian.
      let agent = await createAgent(name, name === 'bandit-thompson' ? { model: 'gaussian' } : {}, contextOf(env, 7));
      const first = await trainCollect(agent, env, 200);
      if (split) {
        const dir = tempDir();
        await agent.save(dir);
        agent = await loadAgent(dir);
      }
      const second = await trainCollect(agent, env, 400);
      return { rewards: [...first.rewards, ...second.rewards], regret: second.updates.at(-1)!.metrics['cumulativeRegret'], diag: agent.diagnostics!(0) };
    };
    const whole = await run(false);
    expect(await run(true)).toEqual(whole);
    expect(whole.rewards).toHaveLength(400);
  });

  it('warm start copies the tables of the same algorithm; another algorithm is refused', async () => {
    const env = make('Bandit-v0', { k: 4 });
    const teacher = await createAgent('bandit-ucb', {}, contextOf(env));
    await teacher.learn({ env, totalSteps: 200 });
    const dir = tempDir();
    await teacher.save(dir);
    const student = await createAgent('bandit-ucb', {}, contextOf(env, 5));
    await warmStart(student, dir);
    expect(student.diagnostics!(0).qValues).toEqual(teacher.diagnostics!(0).qValues);
    expect(student.stepCount).toBe(0);
    const other = await createAgent('bandit-epsilon-greedy', {}, contextOf(env));
    await expect(warmStart(other, dir)).rejects.toThrow(/a bandit-epsilon-greedy agent takes the tables of a bandit-epsilon-greedy agent, not bandit-ucb/);
  });

  it('refuses envs that are not bandits and bad hyperparameters, saying why', async () => {
    const cliff = make('CliffWalking-v1');
    await expect(createAgent('bandit-ucb', {}, contextOf(cliff))).rejects.toThrow(/bandit-ucb: a bandit agent needs a Discrete\(1\) observation space .* got Discrete\(48\)/);
    await expect(createAgent('bandit-ucb', { c: -1 }, contextOf(make('Bandit-v0')))).rejects.toThrow(/c must be a number >= 0, got -1/);
    await expect(createAgent('bandit-thompson', { model: 'poisson' }, contextOf(make('Bandit-v0')))).rejects.toThrow(/model must be one of 'beta-bernoulli', 'gaussian'/);
    const agent = await createAgent('bandit-epsilon-greedy', {}, contextOf(make('Bandit-v0')));
    await expect(agent.learn({ env: make('Bandit-v0', { k: 4 }), totalSteps: 10 })).rejects.toThrow(/Discrete\(4\) actions, but the agent was created for Discrete\(1\) and Discrete\(10\)/);
    const thompson = await createAgent('bandit-thompson', {}, contextOf(make('Bandit-v0')));
    await expect(thompson.learn({ env: make('Bandit-v0'), totalSteps: 10 })).rejects.toThrow(/needs rewards in \[0, 1\]/);
  });
});
