// Monte Carlo control, n-step SARSA, SARSA(lambda) and Watkins's Q(lambda):
// each update rule against hand-computed numbers, the one-step cases equal to
// SARSA bit for bit, exact resume, learned values against value
// iteration on the toy-text envs, and Sutton & Barto's 19-state random walk
// (intermediate n and lambda do best, as in figures 7.2 and 12.3).
import { describe, expect, it } from 'vitest';
import type { EpisodeEndEvent } from '../../agents/agent.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import '../../agents/index.js';
import { evaluatePolicy, greedyPolicy, valueIteration } from '../../agents/dynamic-programming.js';
import { resolveHyperparameters } from '../../agents/lib/hparams.js';
import type { LearnerFactory, TabularLearner, TabularTdAgent, TabularTransition } from '../../agents/lib/tabular-td.js';
import { hyperparameters as mcSpec, monteCarloLearner } from '../../agents/monte-carlo.js';
import { hyperparameters as nStepSpec, nStepSarsaLearner } from '../../agents/n-step-sarsa.js';
import { hyperparameters as qLambdaSpec } from '../../agents/q-lambda.js';
import { hyperparameters as sarsaLambdaSpec, traceLearner } from '../../agents/sarsa-lambda.js';
import type { ParamSpec } from '../../agents/lib/hparams.js';
import type { Env } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { tabularModel } from '../../core/tabular.js';
import '../../envs/index.js';
import { meanAndError, paired } from '../../bench/testbed.js';
import { ALPHAS, sweepAlpha } from '../../bench/random-walk.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('tabular-multistep');

/** A learner over a fresh nS x nA table with initial value q0; probs are uniform. */
function learnerOn(factory: LearnerFactory, spec: ParamSpec, hp: Record<string, unknown>, nS: number, nA: number, q0 = 0) {
  const Q = new Float64Array(nS * nA).fill(q0);
  const resolved = resolveHyperparameters('t', spec, hp) as never;
  const uniform = new Float64Array(nA).fill(1 / nA);
  const learner: TabularLearner = factory(resolved, {
    Q,
    nS,
    nA,
    alpha: hp['learningRate'] as number,
    gamma: hp['gamma'] as number,
    probs: () => uniform,
  });
  const feed = (transitions: Partial<TabularTransition>[]) => {
    for (const t of transitions) learner.observe({ s: 0, a: 0, reward: 0, s2: 0, a2: 0, terminated: false, truncated: false, ...t });
    learner.endEpisode(false);
  };
  return { Q, learner, feed };
}

describe('update rules, by hand', () => {
  it('Monte Carlo: first-visit uses the first return of a pair, every-visit averages all of them', () => {
    // s0 a0 (r 1) -> s0 a0 (r 2) -> s0 a1 (r 3, terminal), gamma 0.5: returns 2.75, 3.5, 3.
    const episode: Partial<TabularTransition>[] = [
      { reward: 1, a2: -1 },
      { reward: 2, a2: -1 },
      { a: 1, reward: 3, terminated: true, a2: -1 },
    ];
    const first = learnerOn(monteCarloLearner, mcSpec, { visits: 'first', gamma: 0.5, learningRate: 0.1 }, 1, 2);
    first.feed(episode);
    expect(Array.from(first.Q)).toEqual([2.75, 3]);
    const every = learnerOn(monteCarloLearner, mcSpec, { visits: 'every', gamma: 0.5, learningRate: 0.1 }, 1, 2);
    every.feed(episode);
    expect(every.Q[0]).toBeCloseTo((3.5 + 2.75) / 2, 15);
    expect(Array.from(every.learner.tables!['returnCounts']!)).toEqual([2, 1]);
    // A second episode averages in: first-visit Q(s0, a1) = (3 + 1) / 2.
    first.feed([{ a: 1, reward: 1, terminated: true }]);
    expect(first.Q[1]).toBe(2);
    // Constant step instead of averages: 0 + 0.1 * (3 - 0).
    const constant = learnerOn(monteCarloLearner, mcSpec, { sampleAverage: false, gamma: 0.5, learningRate: 0.1 }, 1, 2);
    constant.feed(episode);
    expect(constant.Q[1]).toBeCloseTo(0.3, 15);
  });

  it('Monte Carlo: a truncated episode starts its return at the expected value of the state it stopped in; a cut one is dropped', () => {
    const mc = learnerOn(monteCarloLearner, mcSpec, { gamma: 0.5, learningRate: 0.1 }, 2, 2, 4);
    // s0 -> s1 (r 1), truncated: G = 1 + 0.5 * (0.5 * 4 + 0.5 * 4) = 3.
    mc.feed([{ s: 0, a: 0, reward: 1, s2: 1, truncated: true }]);
    expect(mc.Q[0]).toBe(3);
    mc.learner.observe({ s: 1, a: 1, reward: 100, s2: 0, a2: -1, terminated: false, truncated: false });
    mc.learner.endEpisode(true);
    expect(mc.Q[3]).toBe(4);
  });

  it('n-step SARSA (n = 2): targets of 2 rewards then Q, the last ones flushed at the end (terminal or truncated)', () => {
    // States 0..4 in a row, action 0, rewards 1, 2, 3, 4; Q starts at 10, alpha 1 (Q = G), gamma 0.5.
    const path = (truncated: boolean): Partial<TabularTransition>[] =>
      [1, 2, 3, 4].map((r, k) => ({ s: k, a: 0, reward: r, s2: k + 1, a2: k === 3 && !truncated ? -1 : 0, terminated: k === 3 && !truncated, truncated: k === 3 && truncated }));
    const terminal = learnerOn(nStepSarsaLearner, nStepSpec, { n: 2, gamma: 0.5, learningRate: 1 }, 5, 1, 10);
    terminal.feed(path(false));
    // tau 0: 1 + 0.5 * 2 + 0.25 * Q(2) = 4.5; tau 1: 2 + 1.5 + 2.5 = 6; tau 2: 3 + 0.5 * 4 = 5; tau 3: 4.
    expect(Array.from(terminal.Q)).toEqual([4.5, 6, 5, 4, 10]);
    const truncated = learnerOn(nStepSarsaLearner, nStepSpec, { n: 2, gamma: 0.5, learningRate: 1 }, 5, 1, 10);
    truncated.feed(path(true));
    // The flushed ones bootstrap from Q(4) = 10: tau 2: 3 + 2 + 2.5 = 7.5; tau 3: 4 + 5 = 9.
    expect(Array.from(truncated.Q)).toEqual([4.5, 6, 7.5, 9, 10]);
  });

  it('SARSA(lambda): accumulating traces add up on revisits, replacing traces reset to 1', () => {
    // s0 -> s1 -> s0 -> terminal (r 1), alpha 0.5, gamma 1, lambda 0.5. Traces at the last step:
    // e(s0) = 0.25 + 1 (accumulating) or 1 (replacing), e(s1) = 0.5, and delta = 1.
    const episode: Partial<TabularTransition>[] = [
      { s: 0, s2: 1 },
      { s: 1, s2: 0 },
      { s: 0, reward: 1, terminated: true, a2: -1 },
    ];
    const acc = learnerOn(traceLearner(false), sarsaLambdaSpec, { lambda: 0.5, gamma: 1, learningRate: 0.5 }, 2, 1);
    acc.feed(episode);
    expect(Array.from(acc.Q)).toEqual([0.625, 0.25]);
    const rep = learnerOn(traceLearner(false), sarsaLambdaSpec, { lambda: 0.5, gamma: 1, learningRate: 0.5, traces: 'replacing' }, 2, 1);
    rep.feed(episode);
    expect(Array.from(rep.Q)).toEqual([0.5, 0.25]);
  });

  it("Watkins's Q(lambda): greedy targets, and an exploratory next action cuts the traces (SARSA(lambda) keeps them)", () => {
    // 3 states x 2 actions; Q(s1, 1) = 5 makes action 1 greedy at s1, and the agent takes 0 there.
    const run = (factory: LearnerFactory, spec: ParamSpec) => {
      const l = learnerOn(factory, spec, { lambda: 0.5, gamma: 1, learningRate: 0.5 }, 3, 2);
      l.Q[3] = 5;
      l.feed([
        { s: 0, a: 0, s2: 1, a2: 0 },
        { s: 1, a: 0, s2: 2, a2: 0 },
        { s: 2, a: 0, reward: 1, terminated: true, a2: -1 },
      ]);
      return Array.from(l.Q);
    };
    // Q(lambda): delta_1 = 0 + max Q(s1) = 5 -> Q(s0, 0) = 2.5, then the cut; delta_2 = 0; delta_3 = 1 with
    // e(s2, 0) = 1 and e(s1, 0) = 0.5 -> 0.5 and 0.25; Q(s0, 0) stays 2.5.
    expect(run(traceLearner(true), qLambdaSpec)).toEqual([2.5, 0, 0.25, 5, 0.5, 0]);
    // SARSA(lambda): delta_1 = Q(s1, 0) = 0; delta_2 = 0; delta_3 = 1 reaches s0 with e = 0.25: 0.125.
    expect(run(traceLearner(false), sarsaLambdaSpec)).toEqual([0.125, 0, 0.25, 5, 0.5, 0]);
  });
});

function contextOf(env: Env, seed = 0) {
  return { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed };
}

async function trainedTable(name: string, hp: Record<string, unknown>, steps: number, envId = 'CliffWalking-v1', kwargs: Record<string, unknown> = { maxEpisodeSteps: 200 }) {
  const env = make(envId, kwargs);
  const agent = (await createAgent(name, hp, contextOf(env, 3))) as TabularTdAgent;
  await agent.learn({ env, totalSteps: steps });
  return Array.from(agent.qTable);
}

describe('multi-step agents', () => {
  // (Q(lambda) at lambda = 0 is Q-learning's update, but it picks a' before the update, as Watkins's
  // algorithm needs, where Q-learning picks it after; so their action streams differ when s' = s.)
  it('at n = 1 or lambda = 0 they are SARSA, bit for bit', async () => {
    const hp = { learningRate: 0.5, epsilon: 0.1 };
    const sarsa = await trainedTable('sarsa', hp, 5000);
    expect(await trainedTable('n-step-sarsa', { ...hp, n: 1 }, 5000)).toEqual(sarsa);
    expect(await trainedTable('sarsa-lambda', { ...hp, lambda: 0 }, 5000)).toEqual(sarsa);
    expect(await trainedTable('n-step-sarsa', { ...hp, n: 3 }, 5000)).not.toEqual(sarsa);
  });

  it.each([
    ['monte-carlo', { visits: 'every' }],
    ['n-step-sarsa', { n: 3 }],
    ['sarsa-lambda', { traces: 'replacing' }],
    ['q-lambda', {}],
  ] as const)('%s: saved mid-run and loaded, it continues exactly (the episode in progress is cut either way)', async (name, extra) => {
    const hp = { learningRate: 0.2, ...extra };
    const run = async (split: boolean) => {
      const env = make('FrozenLake-v1');
      let agent = await createAgent(name, hp, contextOf(env, 4));
      const returns: number[] = [];
      const hooks = { onEpisodeEnd: (e: EpisodeEndEvent) => returns.push(e.return) };
      await agent.learn({ env, totalSteps: 3001, hooks });
      if (split) {
        const dir = tempDir();
        await agent.save(dir);
        agent = await loadAgent(dir);
      }
      await agent.learn({ env, totalSteps: 6000, hooks });
      return { returns, q: Array.from((agent as TabularTdAgent).qTable) };
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('diverging values stop training with the reason, not a NaN deep inside', async () => {
    const env = make('CliffWalking-v1', { maxEpisodeSteps: 200 });
    const agent = await createAgent('sarsa-lambda', { learningRate: 1, lambda: 1, gamma: 1, initialQ: 1e300 }, contextOf(env));
    await expect(agent.learn({ env, totalSteps: 10_000 })).rejects.toThrow(/sarsa-lambda: the Q-values diverged by step \d+ .*lower learningRate/);
  });
});

describe('learned values against value iteration', () => {
  it("Q(lambda) on CliffWalking-v1 (deterministic) reaches value iteration's V* exactly", async () => {
    const gamma = 0.9;
    const q = await trainedTable('q-lambda', { gamma, learningRate: 0.5, lambda: 0.8, epsilonSchedule: 'linear', epsilon: 1, epsilonEnd: 0, epsilonDecaySteps: 30_000 }, 50_000, 'CliffWalking-v1', {});
    const mdp = tabularModel(make('CliffWalking-v1'));
    const vi = valueIteration(mdp, { gamma });
    // Every cell the agent stands on (not the cliff, not the goal).
    for (let s = 0; s < 36 + 1; s++) expect(Math.max(q[4 * s]!, q[4 * s + 1]!, q[4 * s + 2]!, q[4 * s + 3]!)).toBeCloseTo(vi.V[s]!, 6);
  });

  // FrozenLake-v1 (slippery), gamma 0.95; 600k steps, epsilon 1 -> 0.05 over the first 300k, alpha 0.02.
  // RMS of max_a Q(s, a) - V*(s) over the 11 states with V* > 0, whose own RMS is 0.348 (the error of
  // an all-zero table). Measured on seeds 0-4: Q(lambda) <= 0.051, SARSA(lambda) <= 0.080, n-step
  // SARSA <= 0.070, first-visit MC with a constant step <= 0.074, every-visit MC with sample averages
  // <= 0.114 (its averages still hold returns of the early, more random policy). Bounds: those
  // maxima plus about 0.03.
  it.each([
    ['q-lambda', { lambda: 0.8 }, 0.08],
    ['sarsa-lambda', { lambda: 0.8 }, 0.11],
    ['sarsa-lambda', { lambda: 0.8, traces: 'replacing' }, 0.11],
    ['n-step-sarsa', { n: 4 }, 0.1],
    ['monte-carlo', { sampleAverage: false }, 0.1],
    ['monte-carlo', { visits: 'every' }, 0.15],
  ] as const)('%s %j on FrozenLake-v1: values within %f RMS of V* (seeds 0-2), and a greedy policy near optimal', async (name, extra, bound) => {
    const gamma = 0.95;
    const mdp = tabularModel(make('FrozenLake-v1'));
    const vi = valueIteration(mdp, { gamma });
    for (const seed of [0, 1, 2]) {
      const env = make('FrozenLake-v1');
      const agent = (await createAgent(name, { gamma, learningRate: 0.02, epsilonSchedule: 'linear', epsilon: 1, epsilonEnd: 0.05, epsilonDecaySteps: 300_000, ...extra }, contextOf(env, seed))) as TabularTdAgent;
      await agent.learn({ env, totalSteps: 600_000 });
      let se = 0;
      let n = 0;
      for (let s = 0; s < mdp.nS; s++) {
        if (vi.V[s] === 0) continue;
        se += (Math.max(...agent.qTable.subarray(4 * s, 4 * s + 4)) - vi.V[s]!) ** 2;
        n++;
      }
      expect(Math.sqrt(se / n)).toBeLessThan(bound);
      // The greedy policy's exact value from the start, against the optimum 0.1805.
      const V = new Float64Array(mdp.nS);
      evaluatePolicy(mdp, greedyPolicy(agent.qTable, mdp.nS, mdp.nA), V, { gamma, theta: 1e-12, maxSweeps: 100_000 });
      expect(V[0]).toBeGreaterThan(0.5 * vi.V[0]!);
    }
  }, 60_000);
});

describe("Sutton & Barto's 19-state random walk (20 runs; paired, 3 standard errors)", () => {
  const better = (a: Float64Array, b: Float64Array) => {
    const d = meanAndError(paired(b, a));
    expect(d.mean).toBeGreaterThan(3 * d.se);
  };

  it('n-step TD: n = 4 at its best step size beats n = 1 and n = 64 at theirs (figure 7.2)', async () => {
    const sweep = (n: number) => sweepAlpha(`n=${n}`, { agent: 'n-step-sarsa', hyperparameters: { n } }, ALPHAS, 20);
    const [one, four, many] = [await sweep(1), await sweep(4), await sweep(64)];
    better(four.best.perRun, one.best.perRun);
    better(four.best.perRun, many.best.perRun);
    // The best step size falls as n grows (bootstrapping less, more variance).
    expect(one.best.alpha).toBeGreaterThan(four.best.alpha);
    expect(four.best.alpha).toBeGreaterThan(many.best.alpha);
  }, 60_000);

  it.each(['accumulating', 'replacing'] as const)('TD(lambda), %s traces: lambda = 0.8 beats lambda = 0 and lambda = 1 at their best step sizes', async (traces) => {
    const sweep = (lambda: number) => sweepAlpha(`l=${lambda}`, { agent: 'sarsa-lambda', hyperparameters: { lambda, traces } }, ALPHAS, 20);
    const [zero, mid, one] = [await sweep(0), await sweep(0.8), await sweep(1)];
    better(mid.best.perRun, zero.best.perRun);
    better(mid.best.perRun, one.best.perRun);
  }, 60_000);
});

describe("Thompson sampling as the tabular agents' exploration", () => {
  it('Q-learning with thompson exploration finds CliffWalking-v1\'s shortest path; Expected SARSA averages over its probabilities', async () => {
    for (const name of ['q-learning', 'expected-sarsa', 'sarsa-lambda'] as const) {
      const env = make('CliffWalking-v1', { maxEpisodeSteps: 200 });
      const agent = (await createAgent(name, { exploration: 'thompson', thompsonStd: 5, learningRate: 0.5, gamma: 0.99 }, contextOf(env, 1))) as TabularTdAgent;
      await agent.learn({ env, totalSteps: 20_000 });
      const probs = agent.diagnostics(36).probs!;
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      // The greedy policy from the start: 13 steps along the cliff edge for the off-policy learner.
      const test = make<number, number>('CliffWalking-v1', { maxEpisodeSteps: 100 });
      let { obs } = test.reset({ seed: 0 });
      let total = 0;
      for (;;) {
        const r = test.step(agent.act(obs, { deterministic: true }));
        total += r.reward;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
      if (name === 'q-learning') expect(total).toBe(-13);
      else expect(total).toBeGreaterThanOrEqual(-17);
    }
  }, 60_000);
});
