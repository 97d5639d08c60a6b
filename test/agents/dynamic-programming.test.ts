// Value iteration and policy iteration: checked against an independent linear
// solve of the Bellman equations, against each other, and by simulating the
// planned policy on the env.
import { describe, expect, it } from 'vitest';
import type { Agent, AgentContext } from '../../agents/agent.js';
import { createAgent, evaluate, loadAgent } from '../../agents/agent.js';
import { actionValue, policyIteration, valueIteration } from '../../agents/dynamic-programming.js';
import { make } from '../../core/registry.js';
import type { Space } from '../../core/spaces.js';
import { box, discrete } from '../../core/spaces.js';
import type { TabularMDP } from '../../core/tabular.js';
import { tabularModel } from '../../core/tabular.js';
import { discretizeObservation } from '../../core/wrappers/discretize-observation.js';
import '../../envs/index.js';
import { finiteMdpEnv } from '../../envs/toy-text/finite-mdp.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('dp');

/**
 * V of a fixed policy by solving (I - gamma M) V = r exactly (Gaussian
 * elimination with partial pivoting), where M holds the probabilities of the
 * non-terminating outcomes and r the expected one-step rewards. Shares no code
 * with the iterative planners.
 */
function solvePolicyValue(mdp: TabularMDP, policy: ArrayLike<number>, gamma: number): Float64Array {
  const n = mdp.nS;
  const A = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n + 1);
    row[i] = 1;
    for (const [p, next, r, terminated] of mdp.P[i]![policy[i]!]!) {
      row[n]! += p * r;
      if (!terminated) row[next]! -= gamma * p;
    }
    return row;
  });
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[pivot]![c]!)) pivot = r;
    [A[c], A[pivot]] = [A[pivot]!, A[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= n; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return Float64Array.from(A, (row, i) => row[n]! / row[i]!);
}

/** Probability of reaching a rewarding (goal) outcome within `horizon` steps from each state, following `policy`. */
function successWithin(mdp: TabularMDP, policy: ArrayLike<number>, horizon: number): Float64Array {
  let p = new Float64Array(mdp.nS);
  for (let k = 0; k < horizon; k++) {
    const next = new Float64Array(mdp.nS);
    for (let s = 0; s < mdp.nS; s++) {
      for (const [prob, s2, r, terminated] of mdp.P[s]![policy[s]!]!) next[s]! += prob * (terminated ? (r > 0 ? 1 : 0) : p[s2]!);
    }
    p = next;
  }
  return p;
}

const context = (env: { observationSpace: Space; actionSpace: Space }, seed = 0): AgentContext => ({
  observationSpace: env.observationSpace,
  actionSpace: env.actionSpace,
  seed,
});

describe('value iteration and policy iteration on FrozenLake-v1 (slippery 4x4, gamma 0.99)', () => {
  const env = make<number, number>('FrozenLake-v1');
  const mdp = tabularModel(env);
  const gamma = 0.99;
  const vi = valueIteration(mdp, { gamma, theta: 1e-12 });
  const pi = policyIteration(mdp, { gamma, theta: 1e-12 });

  it('value iteration converges to the value of its own greedy policy, solved exactly', () => {
    expect(vi.converged).toBe(true);
    const exact = solvePolicyValue(mdp, vi.policy, gamma);
    for (let s = 0; s < mdp.nS; s++) expect(vi.V[s]).toBeCloseTo(exact[s]!, 9);
    // The optimum at the start state (about 0.542, as in the usual FrozenLake DP write-ups).
    expect(exact[0]).toBeCloseTo(0.542025932, 8);
    // Optimality certificate: no action improves on the policy's exact value anywhere.
    for (let s = 0; s < mdp.nS; s++) {
      for (let a = 0; a < mdp.nA; a++) expect(actionValue(mdp, exact, gamma, s, a)).toBeLessThanOrEqual(exact[s]! + 1e-12);
    }
  });

  it('policy iteration reaches a policy of the same value', () => {
    expect(pi.converged).toBe(true);
    const exactPi = solvePolicyValue(mdp, pi.policy, gamma);
    const exactVi = solvePolicyValue(mdp, vi.policy, gamma);
    for (let s = 0; s < mdp.nS; s++) {
      expect(exactPi[s]).toBeCloseTo(exactVi[s]!, 12);
      expect(pi.V[s]).toBeCloseTo(exactPi[s]!, 9);
    }
    expect(Array.from(pi.policy)).toEqual(Array.from(vi.policy));
    expect(pi.iterations).toBeLessThan(20); // policy iteration needs few rounds
  });

  it('the planned policy succeeds about 74% of the time within the 100-step limit', async () => {
    const exact = successWithin(mdp, vi.policy, 100)[0]!;
    expect(exact).toBeCloseTo(0.74, 2); // Gymnasium's note: the optimum is about 0.74
    const agent = await createAgent('value-iteration', { gamma, theta: 1e-12 }, context(env));
    await agent.learn({ env, totalSteps: 0 });
    const episodes = 2000;
    const { mean } = evaluate(agent, make('FrozenLake-v1'), { episodes, seed: 0 });
    // Each episode is a Bernoulli(exact) trial: the success rate over 2000 has
    // standard deviation sqrt(0.74 * 0.26 / 2000) = 0.0098. Four of them (0.039)
    // would fail a correct agent with probability 6e-5 for any seed.
    const sd = Math.sqrt((exact * (1 - exact)) / episodes);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * sd);
  });

  it('on CliffWalking the optimum is the 13-step path along the cliff', () => {
    const cliff = tabularModel(make('CliffWalking-v1'));
    const result = valueIteration(cliff, { gamma: 1 });
    expect(result.V[36]).toBe(-13);
    expect(policyIteration(cliff, { gamma: 1 }).V[36]).toBe(-13);
  });
});

describe('planners', () => {
  it('policy iteration stops on ties instead of cycling between equally good actions', () => {
    const mdp = tabularModel(finiteMdpEnv({ transitions: { A: { left: [[1, 'end', 1, true]], right: [[1, 'end', 1, true]] } } }));
    const result = policyIteration(mdp, { gamma: 1 });
    expect(result.converged).toBe(true);
    expect(result.iterations).toBe(1);
    expect(result.V[0]).toBe(1);
  });

  it('reports non-convergence within maxIterations', () => {
    const mdp = tabularModel(make('FrozenLake-v1'));
    const result = valueIteration(mdp, { gamma: 0.99, maxIterations: 3 });
    expect(result).toMatchObject({ iterations: 3, converged: false });
  });

  it('validates options', () => {
    const mdp = tabularModel(make('FrozenLake-v1'));
    expect(() => valueIteration(mdp, { gamma: 1.5 })).toThrow('valueIteration: gamma must be a number in [0, 1], got 1.5');
    expect(() => policyIteration(mdp, { gamma: 0.9, theta: 0 })).toThrow('policyIteration: theta must be a number > 0, got 0');
  });
});

describe('value-iteration and policy-iteration agents', () => {
  it('plan on the env model with zero env steps, report iterations, act greedily, and show Q-values', async () => {
    const env = make<number, number>('FrozenLake-v1');
    for (const name of ['value-iteration', 'policy-iteration']) {
      const agent = await createAgent(name, { gamma: 0.99 }, context(env));
      const updates: Record<string, number>[] = [];
      const result = await agent.learn({ env, totalSteps: 1000, hooks: { onUpdate: (e) => updates.push({ ...e.metrics }) } });
      expect(result).toMatchObject({ steps: 0, episodes: 0 });
      expect(agent.stepCount).toBe(0);
      expect(updates).toHaveLength(1);
      expect(updates[0]!.iterations).toBeGreaterThan(0);
      expect(updates[0]!.converged).toBe(1);
      const planned = valueIteration(tabularModel(env), { gamma: 0.99 });
      for (let s = 0; s < 16; s++) expect(agent.act(s)).toBe(planned.policy[s]);
      const d = agent.diagnostics!(0);
      expect(d.qValues).toHaveLength(4);
      expect(d.value).toBeCloseTo(0.542, 3);
      expect(Math.max(...d.qValues!)).toBeCloseTo(d.value!, 9);
    }
  });

  it('save and load the planned tables', async () => {
    const env = make<number, number>('FrozenLake-v1');
    const agent = await createAgent('policy-iteration', { gamma: 0.95 }, context(env));
    await agent.learn({ env, totalSteps: 0 });
    const dir = await tempDir();
    await agent.save(dir);
    const loaded: Agent = await loadAgent(dir);
    expect(loaded.algorithm).toBe('policy-iteration');
    expect(loaded.hyperparameters).toMatchObject({ gamma: 0.95 });
    for (let s = 0; s < 16; s++) {
      expect(loaded.act(s)).toBe(agent.act(s));
      expect(loaded.diagnostics!(s)).toEqual(agent.diagnostics!(s));
    }
    // An agent saved before planning loads unplanned.
    const fresh = await createAgent('value-iteration', {}, context(env));
    const dir2 = await tempDir();
    await fresh.save(dir2);
    const unplanned = await loadAgent(dir2);
    expect(() => unplanned.act(0)).toThrow('act() before learn()');
  });

  it('say clearly what they need', async () => {
    const mc = discretizeObservation(make('MountainCar-v0'), { bins: 10 });
    const agent = await createAgent('value-iteration', {}, context(mc));
    await expect(agent.learn({ env: mc, totalSteps: 0 })).rejects.toThrow(
      'value-iteration plans on a known model, but MountainCar-v0 has no transition table',
    );
    expect(() => agent.act(0)).toThrow("value-iteration: act() before learn(); call learn({ env }) to plan on the env's model first");
    await expect(createAgent('value-iteration', {}, { observationSpace: box(-1, 1, [2]), actionSpace: discrete(3), seed: 0 })).rejects.toThrow(
      'value-iteration: needs a Discrete observation space (a finite MDP), got Box',
    );
    const lake = make('FrozenLake-v1');
    const wrongSize = await createAgent('value-iteration', {}, { observationSpace: discrete(5), actionSpace: discrete(4), seed: 0 });
    await expect(wrongSize.learn({ env: lake, totalSteps: 0 })).rejects.toThrow("the env's model has 16 states and 4 actions");
    await expect(createAgent('value-iteration', { gamma: 2, thet: 1 }, context(lake))).rejects.toThrow(/unknown hyperparameter "thet"; allowed: gamma, theta, maxIterations\n {2}- gamma must be a number in \[0, 1\], got 2/);
  });
});
