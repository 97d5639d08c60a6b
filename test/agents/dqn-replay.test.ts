import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { make } from '../../core/registry.js';
import { makeVec } from '../../core/vector.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { bootstrapTargets, weightedLoss } from '../../agents/dqn.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { PrioritizedSampler } from '../../agents/lib/prioritized.js';
import { ReplayBuffer } from '../../agents/lib/replay.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('dqn-replay');
beforeAll(async () => {
  await initBackend('wasm');
});

const QUICK = { hidden: [16, 16], learningStarts: 50, trainFreq: 2, batchSize: 8, targetUpdateInterval: 20, bufferSize: 500, learningRate: 1e-3 };
const PER = { prioritizedReplay: true, priorityAlpha: 0.6, priorityBeta0: 0.4, nStep: 3 };

async function dqn(hp: Record<string, unknown>, seed = 0, backend = 'wasm'): Promise<Agent> {
  const env = make('CartPole-v1');
  return createAgent('dqn', hp, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend });
}

function savedFiles(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of readdirSync(dir).sort()) out[name] = name.endsWith('.json') ? JSON.parse(readFileSync(join(dir, name), 'utf8')) : Array.from(readFileSync(join(dir, name)));
  return out;
}

const bytesOf = (dir: string, name: string): ArrayBuffer => {
  const b = readFileSync(join(dir, name));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

describe('DQN loss pieces for n-step and prioritized replay', () => {
  it('bootstraps with a per-row discount: gamma^m for an m-step transition, 0 after a termination', () => {
    const y = tf.tidy(() => bootstrapTargets(tf.tensor2d([[1, 2], [3, 0.5], [0, -1]]), null, tf.tensor1d([1, 2.71, -1]), tf.tensor1d([0.9 ** 3, 0.9, 0])));
    const v = Array.from(y.dataSync());
    y.dispose();
    [1 + 0.729 * 2, 2.71 + 0.9 * 3, -1].forEach((e, i) => expect(v[i]).toBeCloseTo(e, 5));
  });

  it('weights each row of the Huber or squared loss by its importance-sampling weight', () => {
    const d = tf.tensor1d([0.5, 2, -3]);
    const w = tf.tensor1d([1, 0.5, 0.25]);
    // Huber rows 0.125, 1.5, 2.5; squared rows 0.25, 4, 9
    expect(tf.tidy(() => weightedLoss(d, w, 'huber')).dataSync()[0]).toBeCloseTo((0.125 + 0.75 + 0.625) / 3, 6);
    expect(tf.tidy(() => weightedLoss(d, w, 'mse')).dataSync()[0]).toBeCloseTo((0.25 + 2 + 2.25) / 3, 6);
    tf.dispose([d, w]);
  });
});

describe('DQN with n-step and prioritized replay', () => {
  it('rejects bad values with messages naming them', async () => {
    await expect(dqn({ nStep: 0 })).rejects.toThrow(/nStep must be an integer in \[1, 1000\], got 0/);
    await expect(dqn({ priorityAlpha: 1.5, priorityBeta0: -1 })).rejects.toThrow(/priorityAlpha must be a number in \[0, 1\], got 1.5[\s\S]*priorityBeta0 must be a number in \[0, 1\], got -1/);
    await expect(dqn({ priorityEpsilon: 0 })).rejects.toThrow(/priorityEpsilon must be a number > 0, got 0/);
  });

  it('stores 3-step transitions (CartPole: reward 1 + g + g^2 unless the episode ended sooner) and the priorities they were given', async () => {
    const agent = await dqn({ ...QUICK, ...PER, gamma: 0.9 });
    const betas: number[] = [];
    await agent.learn({ env: make('CartPole-v1'), totalSteps: 300, hooks: { onUpdate: (e) => betas.push(e.metrics.beta!) } });
    const dir = tempDir();
    await agent.save(dir);
    const buf = ReplayBuffer.fromBytes(bytesOf(dir, 'replay.bin'));
    // One transition per step: the last steps' windows were flushed when learn returned.
    expect(buf.size).toBe(300);
    const byHorizon = [0, 1, 1.9, 2.71].map(Math.fround);
    let short = 0;
    for (let s = 0; s < buf.size; s++) {
      expect(buf.rewards[s]).toBe(byHorizon[buf.horizons[s]!]);
      if (buf.horizons[s]! < 3) short += 1;
    }
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThan(300 / 3);
    // beta rises linearly from 0.4 to 1 with the steps taken before the step collected (51 at the first update, at step 52)
    expect(betas[0]).toBeCloseTo(0.4 + 0.6 * (51 / 300), 12);
    expect(betas[betas.length - 1]).toBeCloseTo(0.4 + 0.6 * (299 / 300), 12);
    const priorities = PrioritizedSampler.fromBytes(bytesOf(dir, 'priorities.bin'), 500, 0.6, 1e-6);
    expect(priorities.size).toBe(300);
    // Updated slots hold (|TD error| + eps)^0.6, which differ; never-drawn ones the max priority at their time.
    const distinct = new Set(Array.from({ length: 300 }, (_, i) => priorities.priority(i)));
    expect(distinct.size).toBeGreaterThan(100);
    agent.dispose();
  });

  // One update with a learning rate too small to move a float32 weight: the new priorities are then
  // (|Q(s, a) - y| + eps)^1 with y = R + gamma^m max_a Q(s', a) (0 after a termination) computed here from
  // the agent's own Q-values and stored transitions, which checks the discounts, the n-step returns and
  // the |TD error| output of each backend's update.
  it.each(['wasm', 'onnx'])('sets the priorities of the rows it trained on to their n-step |TD errors| (%s)', async (backend) => {
    const gamma = 0.5;
    const eps = 1e-6;
    const hp = { ...QUICK, ...PER, priorityAlpha: 1, priorityEpsilon: eps, gamma, learningRate: 1e-20, learningStarts: 99, trainFreq: 100, batchSize: 32, targetUpdateInterval: 1000 };
    const agent = await dqn(hp, 2, backend);
    await agent.learn({ env: make('CartPole-v1', { suttonBartoReward: true }), totalSteps: 100 });
    const dir = tempDir();
    await agent.save(dir);
    const buf = ReplayBuffer.fromBytes(bytesOf(dir, 'replay.bin'));
    const priorities = PrioritizedSampler.fromBytes(bytesOf(dir, 'priorities.bin'), 500, 1, eps);
    const q = (slot: number, next: boolean) => agent.diagnostics!((next ? buf.nextObs : buf.obs).slice(4 * slot, 4 * slot + 4)).qValues!;
    let checked = 0;
    const horizons = new Set<number>();
    for (let s = 0; s < buf.size; s++) {
      if (priorities.priority(s) === 1) continue; // not drawn: still the initial max priority
      const discount = buf.terminated[s] ? 0 : gamma ** buf.horizons[s]!;
      const y = buf.rewards[s]! + discount * Math.max(...q(s, true));
      const delta = Math.abs(q(s, false)[buf.actions[s]!]! - y);
      expect(priorities.priority(s), `slot ${s}`).toBeCloseTo(delta + eps, 5);
      horizons.add(buf.horizons[s]! + 10 * buf.terminated[s]!);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(20);
    // 3-step rows, and shorter ones at a termination (where CartPole's Sutton-Barto reward is -1), among those checked
    expect(horizons.has(3)).toBe(true);
    expect([...horizons].some((h) => h > 10)).toBe(true);
    agent.dispose();
  });

  // Two learn calls with a save and load in between give the same numbers, bit for bit, as two learn calls on one agent.
  it.each(['wasm', 'onnx'])('continues exactly after save and load on %s (prioritized, 3-step, vector env)', async (backend) => {
    const hp = { ...QUICK, ...PER, doubleQ: true, gradientSteps: -1, trainFreq: 4 };
    const train = (agent: Agent, totalSteps: number, losses: number[]) =>
      agent.learn({ vecEnv: makeVec('CartPole-v1', 3), totalSteps, hooks: { onUpdate: (e) => losses.push(e.metrics.loss!) } });
    const straight = await dqn(hp, 5, backend);
    const lossesStraight: number[] = [];
    await train(straight, 240, lossesStraight);
    await train(straight, 480, lossesStraight);

    const first = await dqn(hp, 5, backend);
    const lossesResumed: number[] = [];
    await train(first, 240, lossesResumed);
    const dir = tempDir();
    await first.save(dir);
    expect(readdirSync(dir)).toContain('priorities.bin');
    first.dispose();
    const resumed = await loadAgent(dir);
    await train(resumed, 480, lossesResumed);

    expect(lossesResumed.length).toBeGreaterThan(50);
    expect(lossesResumed).toEqual(lossesStraight);
    const a = tempDir();
    const b = tempDir();
    await straight.save(a);
    await resumed.save(b);
    expect(savedFiles(b)).toEqual(savedFiles(a));
    straight.dispose();
    resumed.dispose();
  });

  it('refuses a checkpoint whose priorities are missing or do not match its replay buffer', async () => {
    const agent = await dqn({ ...QUICK, ...PER });
    await agent.learn({ env: make('CartPole-v1'), totalSteps: 100 });
    const dir = tempDir();
    await agent.save(dir);
    const other = await dqn({ ...QUICK, ...PER });
    await other.learn({ env: make('CartPole-v1'), totalSteps: 80 });
    const otherDir = tempDir();
    await other.save(otherDir);
    // priorities for 80 transitions next to a buffer of 100
    const mixed = tempDir();
    for (const name of readdirSync(dir)) copyFileSync(join(name === 'priorities.bin' ? otherDir : dir, name), join(mixed, name));
    await expect(loadAgent(mixed)).rejects.toThrow(/priorities.bin holds priorities for 80 transitions, replay.bin holds 100/);
    rmSync(join(mixed, 'priorities.bin'));
    await expect(loadAgent(mixed)).rejects.toThrow(/priorities.bin/);
    agent.dispose();
    other.dispose();
  });
});
