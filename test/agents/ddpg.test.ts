import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/ddpg.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent, evaluate, loadAgent, readBinary } from '../../agents/agent.js';
import { tdTargets } from '../../agents/ddpg.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { HyperparameterError } from '../../agents/lib/hparams.js';
import { ReplayBuffer } from '../../agents/lib/replay.js';
import type { Env, EnvSpec, ResetArgs } from '../../core/env.js';
import { actionChecking, orderEnforcing } from '../../core/env.js';
import { make } from '../../core/registry.js';
import type { Space } from '../../core/spaces.js';
import { box, contains, discrete } from '../../core/spaces.js';
import { timeLimit } from '../../core/wrappers/time-limit.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('ddpg');
beforeAll(async () => {
  await initBackend('wasm');
});

/**
 * Observation [t, 10 + t] after t steps of the episode, a Box action with
 * asymmetric bounds [-1, 3] x [0.5, 0.7], reward = first action component;
 * terminated after `terminateAt` steps (or never). Records every action.
 */
class CounterEnv implements Env<Float32Array, Float32Array> {
  readonly observationSpace = box(-1000, 1000, [2]);
  readonly actionSpace = box(new Float32Array([-1, 0.5]), new Float32Array([3, 0.7]));
  readonly spec: EnvSpec = { id: 'Counter-v0', kwargs: {} };
  readonly actions: Float32Array[] = [];
  private t = 0;
  constructor(private readonly terminateAt = Infinity) {}
  get unwrapped(): Env {
    return this as Env;
  }
  private obs() {
    return new Float32Array([this.t, 10 + this.t]);
  }
  reset(_args?: ResetArgs) {
    this.t = 0;
    return { obs: this.obs(), info: {} };
  }
  step(action: Float32Array) {
    this.actions.push(Float32Array.from(action));
    this.t += 1;
    return { obs: this.obs(), reward: action[0]!, terminated: this.t >= this.terminateAt, truncated: false, info: {} };
  }
  renderState() {
    return {};
  }
  close() {}
}

const context = (observationSpace: Space, actionSpace: Space, seed = 0) => ({ observationSpace, actionSpace, seed, backend: 'wasm' });
const tiny = { hidden: [16, 16], batchSize: 16, bufferSize: 1000, learningStarts: 20 };

async function savedFiles(agent: Agent): Promise<Record<string, Buffer>> {
  const dir = tempDir();
  await agent.save(dir);
  const out: Record<string, Buffer> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f));
  return out;
}

describe('tdTargets', () => {
  it('is r + gamma (1 - terminated) Q\'(s\', mu\'(s\')), by hand', () => {
    const y = tf.tidy(() => tdTargets(tf.tensor1d([1, 2, -3]), tf.tensor1d([0, 1, 0]), tf.tensor1d([10, 10, 4]), 0.9));
    // 1 + 0.9 * 10 = 10; terminated: 2; -3 + 0.9 * 4 = 0.6
    const v = Array.from(y.dataSync());
    y.dispose();
    expect(v[0]).toBeCloseTo(10, 5);
    expect(v[1]).toBeCloseTo(2, 5);
    expect(v[2]).toBeCloseTo(0.6, 5);
  });
});

describe('ddpg agent', () => {
  it('validates hyperparameters and spaces', async () => {
    const ctx = context(box(-1, 1, [3]), box(-2, 2, [1]));
    await expect(createAgent('ddpg', { tau: 0, noise: 'pink', batchSize: 0, episodesPerUpdate: 2 }, ctx)).rejects.toThrow(HyperparameterError);
    await expect(createAgent('ddpg', { tau: 0, noise: 'pink', batchSize: 0, episodesPerUpdate: 2 }, ctx)).rejects.toThrow(
      /unknown hyperparameter "episodesPerUpdate"[\s\S]*batchSize must be an integer >= 1, got 0[\s\S]*tau must be a number in \(0, 1\], got 0[\s\S]*noise must be one of 'gaussian', 'ornstein-uhlenbeck', got "pink"/,
    );
    await expect(createAgent('ddpg', { noise: 'ornstein-uhlenbeck', ouTheta: 50, ouDt: 0.1 }, ctx)).rejects.toThrow(/ouTheta \* ouDt must be < 2/);
    await expect(createAgent('ddpg', {}, context(box(-1, 1, [3]), discrete(2)))).rejects.toThrow(/needs a float32 Box action space, got Discrete\(2\)/);
    await expect(createAgent('ddpg', {}, context(box(-1, 1, [3]), box(-Infinity, Infinity, [1])))).rejects.toThrow(/needs finite action bounds/);
    const agent = await createAgent('ddpg', tiny, ctx);
    await expect(agent.learn({ env: make('Pendulum-v1'), totalSteps: 10 })).rejects.toThrow(/the env's spaces .* differ from the agent's/);
    agent.dispose();
  });

  it('stores the real final obs with terminated = 0 on truncation, terminated = 1 on termination', async () => {
    for (const ending of ['terminated', 'truncated'] as const) {
      const inner = new CounterEnv(ending === 'terminated' ? 3 : Infinity);
      let env: Env = orderEnforcing(actionChecking(inner as Env));
      if (ending === 'truncated') env = timeLimit(env, 3);
      const agent = await createAgent('ddpg', { ...tiny, learningStarts: 100 }, context(env.observationSpace, env.actionSpace));
      await agent.learn({ env, totalSteps: 6 });
      const dir = tempDir();
      await agent.save(dir);
      const replay = ReplayBuffer.fromBytes(await readBinary(dir, 'replay.bin'));
      expect(replay.size).toBe(6);
      expect(Array.from(replay.obs.subarray(0, 12))).toEqual([0, 10, 1, 11, 2, 12, 0, 10, 1, 11, 2, 12]);
      // step 3's s' is the final obs [3, 13], not the next episode's reset obs
      expect(Array.from(replay.nextObs.subarray(0, 12))).toEqual([1, 11, 2, 12, 3, 13, 1, 11, 2, 12, 3, 13]);
      expect(Array.from(replay.terminated.subarray(0, 6))).toEqual(ending === 'terminated' ? [0, 0, 1, 0, 0, 1] : [0, 0, 0, 0, 0, 0]);
      expect(Array.from(replay.truncated.subarray(0, 6))).toEqual(ending === 'terminated' ? [0, 0, 0, 0, 0, 0] : [0, 0, 1, 0, 0, 1]);
      // stored actions are in [-1, 1]; the env got them mapped onto its Box (center 1, half-width 2; center 0.6, half-width 0.1)
      for (let k = 0; k < 6; k++) {
        expect(Math.abs(replay.actions[2 * k]!)).toBeLessThanOrEqual(1);
        expect(replay.rewards[k]).toBeCloseTo(1 + 2 * replay.actions[2 * k]!, 5);
        expect(inner.actions[k]![1]).toBeCloseTo(0.6 + 0.1 * replay.actions[2 * k + 1]!, 6);
      }
      agent.dispose();
    }
  });

  it('keeps every action inside asymmetric bounds, even with huge noise', async () => {
    const inner = new CounterEnv(50);
    const env = orderEnforcing(actionChecking(inner as Env)); // actionChecking throws on any action outside the Box
    for (const noise of ['gaussian', 'ornstein-uhlenbeck'] as const) {
      const agent = await createAgent('ddpg', { ...tiny, noise, noiseStd: 10, learningStarts: 30, learningRate: 0.05 }, context(env.observationSpace, env.actionSpace, 3));
      await agent.learn({ env, totalSteps: 100 });
      for (let t = -500; t <= 500; t += 50) {
        const a = agent.act(new Float32Array([t, -t]));
        expect(contains(env.actionSpace, a)).toBe(true);
      }
      agent.dispose();
    }
    expect(inner.actions.length).toBe(200);
    expect(inner.actions.every((a) => contains(env.actionSpace, a))).toBe(true);
    // the bounds are reached (clipping happened), not just approached
    expect(inner.actions.some((a) => a[0] === 3 || a[0] === -1)).toBe(true);
  });

  it('is deterministic for a seed and resumes exactly after save and load (weights, targets, optimizers, replay, noise)', async () => {
    // Ornstein-Uhlenbeck noise: the kind with a state to carry over.
    for (const noise of ['ornstein-uhlenbeck'] as const) {
      const hp = { ...tiny, noise, noiseStd: 0.3, gradientSteps: 2, trainFreq: 2, policyDelay: 2 };
      const probe = make('Pendulum-v1');
      const ctx = context(probe.observationSpace, probe.actionSpace, 11);
      const a = await createAgent('ddpg', hp, ctx);
      const b = await createAgent('ddpg', hp, ctx);
      await a.learn({ env: make('Pendulum-v1'), totalSteps: 100 });
      await b.learn({ env: make('Pendulum-v1'), totalSteps: 100 });
      const dir = tempDir();
      await b.save(dir);
      const c = await loadAgent(dir);
      expect(c.stepCount).toBe(100);
      await a.learn({ env: make('Pendulum-v1'), totalSteps: 230 });
      await c.learn({ env: make('Pendulum-v1'), totalSteps: 230 });
      const fa = await savedFiles(a);
      const fc = await savedFiles(c);
      expect(Object.keys(fc).sort()).toEqual(Object.keys(fa).sort());
      expect(Object.keys(fa)).toContain('actorTarget.weights.bin');
      expect(Object.keys(fa)).toContain('critic-optimizer.bin');
      expect(Object.keys(fa)).toContain('replay.bin');
      for (const name of Object.keys(fa)) expect(fc[name]!.equals(fa[name]!), `${noise}: ${name}`).toBe(true);
      const obs = make('Pendulum-v1').reset({ seed: 1 }).obs;
      expect(c.act(obs)).toEqual(a.act(obs));
      expect(c.diagnostics!(obs)).toEqual(a.diagnostics!(obs));
      [a, b, c].forEach((x) => x.dispose());
    }
  });

  it('without the replay in the checkpoint, loads and keeps training', async () => {
    const probe = make('Pendulum-v1');
    const agent = await createAgent('ddpg', { ...tiny, saveReplay: false }, context(probe.observationSpace, probe.actionSpace));
    await agent.learn({ env: make('Pendulum-v1'), totalSteps: 60 });
    const dir = tempDir();
    await agent.save(dir);
    expect(readdirSync(dir)).not.toContain('replay.bin');
    const tensors = tf.memory().numTensors;
    const back = await loadAgent(dir);
    const r = await back.learn({ env: make('Pendulum-v1'), totalSteps: 100 });
    expect(r.steps).toBe(100);
    back.dispose();
    expect(tf.memory().numTensors).toBe(tensors); // loading leaves nothing behind
    agent.dispose();
  });

  it('leaks no tensors while learning, acting and saving; dispose frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const env = make('Pendulum-v1');
    const agent = await createAgent('ddpg', tiny, context(env.observationSpace, env.actionSpace));
    const created = tf.memory().numTensors;
    const updates: number[] = [];
    await agent.learn({ env, totalSteps: 80, hooks: { onUpdate: (e) => updates.push(e.step) } });
    const { obs } = env.reset({ seed: 0 });
    agent.act(obs);
    const d = agent.diagnostics!(obs);
    expect(Object.keys(d)).toEqual(['value']);
    await agent.save(tempDir());
    expect(tf.memory().numTensors).toBe(created);
    // SB3's schedule: random actions for steps 1..20, training after each step once past learningStarts (steps 21..80)
    expect(updates).toHaveLength(60);
    expect(updates[0]).toBe(21);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns Pendulum: the deterministic return improves clearly over a short budget', async () => {
    const env = make('Pendulum-v1');
    // Small nets and a fast schedule (1200 updates), not the Pendulum recipe.
    const hp = { hidden: [64, 64], batchSize: 64, learningStarts: 300, learningRate: 3e-3, gamma: 0.98, tau: 0.02 };
    const agent = await createAgent('ddpg', hp, context(env.observationSpace, env.actionSpace, 2));
    const before = evaluate(agent, make('Pendulum-v1'), { episodes: 5, seed: 77 }).mean;
    await agent.learn({ env, totalSteps: 1500 });
    const after = evaluate(agent, make('Pendulum-v1'), { episodes: 5, seed: 77 }).mean;
    expect(before).toBeLessThan(-900); // mu ~ 0 at the start: the pendulum just swings
    expect(after).toBeGreaterThan(before + 400);
    agent.dispose();
  }, 120_000); // about 6 s on an idle core; 15-45 s on two cores shared with other trainings
});
