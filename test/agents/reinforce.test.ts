import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/reinforce.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent, evaluate, loadAgent } from '../../agents/agent.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { HyperparameterError } from '../../agents/lib/hparams.js';
import { rewardToGo } from '../../agents/reinforce.js';
import type { Env, EnvSpec, ResetArgs } from '../../core/env.js';
import { actionChecking, orderEnforcing } from '../../core/env.js';
import { make } from '../../core/registry.js';
import type { Space } from '../../core/spaces.js';
import { box, discrete } from '../../core/spaces.js';
import { timeLimit } from '../../core/wrappers/time-limit.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('reinforce');
beforeAll(async () => {
  await initBackend('wasm');
});

/**
 * Observation always [0.5], Discrete(2) actions, reward 1 per step; the episode
 * terminates after `terminateAt` steps (or never), and `limit` adds a time limit.
 * Records every action it gets.
 */
class ConstantEnv implements Env<Float32Array, number> {
  readonly observationSpace = box(0, 1, [1]);
  readonly actionSpace = discrete(2);
  readonly spec: EnvSpec = { id: 'Constant-v0', kwargs: {} };
  readonly actions: number[] = [];
  private t = 0;
  constructor(private readonly terminateAt = Infinity) {}
  get unwrapped(): Env {
    return this as Env;
  }
  reset(_args?: ResetArgs) {
    this.t = 0;
    return { obs: new Float32Array([0.5]), info: {} };
  }
  step(action: number) {
    this.actions.push(action);
    this.t += 1;
    return { obs: new Float32Array([0.5]), reward: 1, terminated: this.t >= this.terminateAt, truncated: false, info: {} };
  }
  renderState() {
    return {};
  }
  close() {}
}

function wrapped(inner: ConstantEnv, limit?: number): Env {
  const e = orderEnforcing(actionChecking(inner as Env));
  return limit ? timeLimit(e, limit) : e;
}

const context = (observationSpace: Space, actionSpace: Space, seed = 0) => ({ observationSpace, actionSpace, seed, backend: 'wasm' });
const cartPole = () => make('CartPole-v1');
const small = { hidden: [16, 16] };

/** Every file an agent saved, by name, for bit-for-bit comparison. */
async function savedFiles(agent: Agent): Promise<Record<string, Buffer>> {
  const dir = tempDir();
  await agent.save(dir);
  const out: Record<string, Buffer> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f));
  return out;
}

describe('rewardToGo', () => {
  it('is the discounted sum of later rewards, by hand', () => {
    // rewards 1, 2, 3 with gamma 0.5: G2 = 3, G1 = 2 + 0.5 * 3 = 3.5, G0 = 1 + 0.5 * 3.5 = 2.75
    expect(Array.from(rewardToGo([1, 2, 3], 0.5, 0, new Float64Array(3)))).toEqual([2.75, 3.5, 3]);
    // gamma 1: plain sums of the remaining rewards
    expect(Array.from(rewardToGo([1, 2, 3], 1, 0, new Float64Array(3)))).toEqual([6, 5, 3]);
  });

  it('bootstraps from V(final obs) when the episode was truncated', () => {
    // same rewards, cut by a time limit with V(final obs) = 4: G2 = 3 + 0.5 * 4 = 5, G1 = 2 + 2.5 = 4.5, G0 = 1 + 2.25 = 3.25
    expect(Array.from(rewardToGo([1, 2, 3], 0.5, 4, new Float64Array(3)))).toEqual([3.25, 4.5, 5]);
    expect(Array.from(rewardToGo([], 0.9, 4, new Float64Array(0)))).toEqual([]);
  });
});

describe('reinforce agent', () => {
  it('validates hyperparameters and spaces', async () => {
    const ctx = context(box(-1, 1, [4]), discrete(2));
    const bad = createAgent('reinforce', { episodesPerUpdate: 0, gamma: 1.5, learningRate: 0, baseline: 'yes', tau: 1 }, ctx);
    await expect(bad).rejects.toThrow(HyperparameterError);
    await expect(createAgent('reinforce', { episodesPerUpdate: 0, gamma: 1.5, learningRate: 0, baseline: 'yes', tau: 1 }, ctx)).rejects.toThrow(
      /unknown hyperparameter "tau"[\s\S]*learningRate must be a number > 0, got 0[\s\S]*gamma must be a number in \[0, 1\], got 1.5[\s\S]*episodesPerUpdate must be an integer >= 1, got 0[\s\S]*baseline must be true or false/,
    );
    await expect(createAgent('reinforce', {}, context(box(-1, 1, [4]), { type: 'multi-binary', n: 2 } as Space))).rejects.toThrow(/needs a Discrete or float32 Box action space/);
    const agent = await createAgent('reinforce', small, ctx);
    await expect(agent.learn({ totalSteps: 10 })).rejects.toThrow(/needs an env/);
    await expect(agent.learn({ env: make('Acrobot-v1'), totalSteps: 10 })).rejects.toThrow(/the env's spaces .* differ from the agent's/);
    agent.dispose();
  });

  it('trains the baseline toward reward-to-go that bootstraps on truncation and not on termination', async () => {
    // Constant observation: V(s_t) = V(final obs) = v0 before the update, so the
    // first value loss is mean_t (v0 - G_t)^2 with G computed by hand.
    const gamma = 0.5;
    for (const ending of ['terminated', 'truncated'] as const) {
      const inner = new ConstantEnv(ending === 'terminated' ? 3 : Infinity);
      const env = wrapped(inner, ending === 'truncated' ? 3 : undefined);
      const agent = await createAgent('reinforce', { ...small, gamma, valueSteps: 1, episodesPerUpdate: 1 }, context(env.observationSpace, env.actionSpace));
      const v0 = agent.diagnostics!(new Float32Array([0.5])).value!;
      const metrics: Record<string, number>[] = [];
      await agent.learn({ env, totalSteps: 3, hooks: { onUpdate: (e) => metrics.push({ ...e.metrics }) } });
      const tail = ending === 'truncated' ? v0 : 0;
      const g2 = 1 + gamma * tail;
      const g1 = 1 + gamma * g2;
      const g0 = 1 + gamma * g1;
      const expected = ((v0 - g0) ** 2 + (v0 - g1) ** 2 + (v0 - g2) ** 2) / 3;
      expect(metrics).toHaveLength(1);
      expect(metrics[0]!.valueLoss).toBeCloseTo(expected, 5);
      expect(metrics[0]!.batchSteps).toBe(3);
      agent.dispose();
    }
  });

  it('without a baseline weights log pi by the raw return; a truncated tail is cut off', async () => {
    const gamma = 0.5;
    const inner = new ConstantEnv();
    const env = wrapped(inner, 3);
    const agent = await createAgent('reinforce', { ...small, gamma, baseline: false, normalizeReturns: false }, context(env.observationSpace, env.actionSpace));
    const probs = agent.diagnostics!(new Float32Array([0.5])).probs!;
    expect(agent.diagnostics!(new Float32Array([0.5])).value).toBeUndefined();
    const metrics: Record<string, number>[] = [];
    await agent.learn({ env, totalSteps: 3, hooks: { onUpdate: (e) => metrics.push({ ...e.metrics }) } });
    const g = [1 + 0.5 + 0.25, 1 + 0.5, 1]; // no bootstrap past the time limit
    const expected = -inner.actions.reduce((s, a, t) => s + Math.log(probs[a]!) * g[t]!, 0) / 3;
    expect(inner.actions).toHaveLength(3);
    expect(metrics[0]!.policyLoss).toBeCloseTo(expected, 5);
    expect(metrics[0]!.valueLoss).toBeUndefined();
    agent.dispose();
  });

  it('batches episodesPerUpdate episodes; the episode running when learn stops is dropped', async () => {
    const inner = new ConstantEnv(4);
    const env = wrapped(inner);
    const agent = await createAgent('reinforce', { ...small, episodesPerUpdate: 2 }, context(env.observationSpace, env.actionSpace));
    const updates: { step: number; batchSteps: number; episodes: number }[] = [];
    const episodes: number[] = [];
    const r = await agent.learn({
      env,
      totalSteps: 22,
      hooks: {
        onUpdate: (e) => updates.push({ step: e.step, batchSteps: e.metrics.batchSteps!, episodes: e.metrics.episodes! }),
        onEpisodeEnd: (e) => episodes.push(e.step),
      },
    });
    // 5 episodes of 4 steps end at 4, 8, ..., 20; updates after episodes 2 and 4, then episode 5 alone at the end; steps 21-22 are dropped.
    expect(episodes).toEqual([4, 8, 12, 16, 20]);
    expect(updates).toEqual([
      { step: 8, batchSteps: 8, episodes: 2 },
      { step: 16, batchSteps: 8, episodes: 2 },
      { step: 22, batchSteps: 4, episodes: 1 },
    ]);
    expect(r).toMatchObject({ steps: 22, episodes: 5 });
    agent.dispose();
  });

  it('is deterministic for a seed and resumes exactly after save and load (discrete and Gaussian policies)', async () => {
    for (const [id, hp] of [
      ['CartPole-v1', { ...small, episodesPerUpdate: 2 }],
      ['Pendulum-v1', { ...small, logStdInit: 0.5, entCoef: 0.01 }],
    ] as const) {
      const probe = make(id);
      const ctx = context(probe.observationSpace, probe.actionSpace, 7);
      const a = await createAgent('reinforce', hp, ctx);
      const b = await createAgent('reinforce', hp, ctx);
      await a.learn({ env: make(id), totalSteps: 700 });
      await b.learn({ env: make(id), totalSteps: 700 });
      const dir = tempDir();
      await b.save(dir);
      const c = await loadAgent(dir);
      expect(c.stepCount).toBe(700);
      await a.learn({ env: make(id), totalSteps: 1500 });
      await c.learn({ env: make(id), totalSteps: 1500 });
      const fa = await savedFiles(a);
      const fc = await savedFiles(c);
      expect(Object.keys(fc).sort()).toEqual(Object.keys(fa).sort());
      for (const name of Object.keys(fa)) expect(fc[name]!.equals(fa[name]!), `${id}: ${name}`).toBe(true);
      // act() has its own generator: stochastic actions between learn calls do not change training
      const obs = make(id).reset({ seed: 1 }).obs;
      for (let i = 0; i < 5; i++) a.act(obs);
      await a.learn({ env: make(id), totalSteps: 1800 });
      await b.learn({ env: make(id), totalSteps: 1500 });
      await b.learn({ env: make(id), totalSteps: 1800 });
      expect((await savedFiles(a))['policy.weights.bin']!.equals((await savedFiles(b))['policy.weights.bin']!)).toBe(true);
      [a, b, c].forEach((x) => x.dispose());
    }
  });

  it('sends clipped Gaussian actions to a Box env and reports probs and values', async () => {
    const env = make('Pendulum-v1'); // make() checks every action against the Box
    const agent = await createAgent('reinforce', { ...small, logStdInit: 1.5 }, context(env.observationSpace, env.actionSpace));
    await agent.learn({ env, totalSteps: 400 });
    const { obs } = env.reset({ seed: 3 });
    for (let i = 0; i < 50; i++) {
      const a = agent.act(obs) as Float32Array;
      expect(a[0]).toBeGreaterThanOrEqual(-2);
      expect(a[0]).toBeLessThanOrEqual(2);
    }
    expect(Object.keys(agent.diagnostics!(obs))).toEqual(['value']);
    agent.dispose();

    const cp = cartPole();
    const discreteAgent = await createAgent('reinforce', small, context(cp.observationSpace, cp.actionSpace));
    const d = discreteAgent.diagnostics!(cp.reset({ seed: 0 }).obs);
    expect(d.probs).toHaveLength(2);
    expect(d.probs![0]! + d.probs![1]!).toBeCloseTo(1, 6);
    expect(typeof d.value).toBe('number');
    discreteAgent.dispose();
  });

  it('leaks no tensors while learning, acting and saving; dispose frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const env = make('Pendulum-v1');
    const agent = await createAgent('reinforce', { ...small, episodesPerUpdate: 2 }, context(env.observationSpace, env.actionSpace));
    const created = tf.memory().numTensors;
    await agent.learn({ env, totalSteps: 600 });
    agent.act(env.reset({ seed: 0 }).obs);
    agent.act(env.reset({ seed: 0 }).obs, { deterministic: true });
    agent.diagnostics!(env.reset({ seed: 0 }).obs);
    await agent.save(tempDir());
    expect(tf.memory().numTensors).toBe(created);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("learns CartPole: the mean return rises clearly over a short budget", async () => {
    const env = cartPole();
    const agent = await createAgent('reinforce', {}, context(env.observationSpace, env.actionSpace, 1));
    const returns: number[] = [];
    await agent.learn({ env, totalSteps: 10_000, hooks: { onEpisodeEnd: (e) => returns.push(e.return) } });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const first = mean(returns.slice(0, 20));
    const last = mean(returns.slice(-20));
    expect(first).toBeLessThan(40); // a near-uniform policy: about 22
    expect(last).toBeGreaterThan(first * 4);
    const evalMean = evaluate(agent, cartPole(), { episodes: 5, seed: 99 }).mean;
    expect(evalMean).toBeGreaterThan(150);
    agent.dispose();
  }, 120_000); // about 4 s on an idle core; 10-25 s on two cores shared with other trainings
});
