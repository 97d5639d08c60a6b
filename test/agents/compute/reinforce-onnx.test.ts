import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../envs/index.js';
import '../../../agents/index.js';
import type { Agent } from '../../../agents/agent.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import { make } from '../../../core/registry.js';
import { Rng } from '../../../core/rng.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { agentResume, expectExactResume, expectSameMetrics, expectSameSave } from './backend-checks.js';

const tempDir = tempDirs('reinforce-onnx');

async function reinforce(hp: Record<string, unknown>, id: string, backend: string, seed = 3): Promise<Agent> {
  const env = make(id);
  return createAgent('reinforce', hp, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend });
}

// Pendulum episodes are 200 steps (truncated: the baseline bootstraps); CartPole's end by termination.
const CASES = [
  ['CartPole-v1', { episodesPerUpdate: 2, entCoef: 0.01 }],
  ['Pendulum-v1', { maxGradNorm: 0.5, valueSteps: 3 }],
  ['CartPole-v1', { baseline: false, normalizeReturns: false }],
] as const;

describe("REINFORCE on backend 'onnx'", () => {
  // As for PPO and A2C (actor-critic-onnx.test.ts): the same float32 updates with other kernels and summation orders.
  it.each(CASES)('%s %j: the same updates as the tfjs path', async (id, hp) => {
    const metrics: Record<string, Record<string, number>[]> = {};
    for (const backend of ['wasm', 'onnx']) {
      const agent = await reinforce(hp, id, backend);
      const list: Record<string, number>[] = (metrics[backend] = []);
      await agent.learn({ env: make(id), totalSteps: 600, hooks: { onUpdate: (u) => list.push(u.metrics) } });
      agent.dispose();
    }
    expect(metrics.onnx!.length).toBeGreaterThanOrEqual(2);
    expectSameMetrics(metrics.onnx!, metrics.wasm!, 1e-5);
  }, 60_000);

  it.each(CASES)('%s %j: saving and loading between two learn calls continues exactly', async (id, hp) => {
    const learn = (agent: Agent, totalSteps: number) => agent.learn({ env: make(id), totalSteps });
    await expectExactResume(() => reinforce(hp, id, 'onnx', 11), learn, 500, 1000, agentResume('onnx'), tempDir);
  }, 60_000);

  // A new agent's nets are the initial weights the tfjs variables are made from (the same draws), written as
  // the tfjs path writes them.
  it.each(CASES)('%s %j: a new agent saves the bytes a new tfjs agent of the same seed saves', async (id, hp) => {
    const dirs = { onnx: tempDir(), wasm: tempDir() };
    for (const backend of ['onnx', 'wasm'] as const) {
      const agent = await reinforce(hp, id, backend, 8);
      await agent.save(dirs[backend]);
      agent.dispose();
    }
    expectSameSave(dirs.onnx, dirs.wasm, 'agent.json');
  }, 60_000);

  // Nets, log std and both optimizers' moments written from the flat parameters are the files the tfjs
  // variables write for the same numbers, both ways.
  it.each(CASES.flatMap(([id, hp]) => [{ id, hp, from: 'wasm', to: 'onnx' }, { id, hp, from: 'onnx', to: 'wasm' }]))('$id $hp: trained on $from, loaded on $to and saved at once, the same bytes', async ({ id, hp, from, to }) => {
    const agent = await reinforce(hp, id, from, 4);
    await agent.learn({ env: make(id), totalSteps: 600 });
    const dir = tempDir();
    await agent.save(dir);
    agent.dispose();
    const moved = await loadAgent(dir, { backend: to });
    expect(moved.context.backend).toBe(to);
    const again = tempDir();
    await moved.save(again);
    moved.dispose();
    expectSameSave(again, dir, 'agent.json');
  }, 60_000);

  it.each(['onnx', 'wasm'])('on %s: a saved log std that does not fit the policy is refused, naming agent.json', async (backend) => {
    const agent = await reinforce({ hidden: [8] }, 'Pendulum-v1', backend);
    const dir = tempDir();
    await agent.save(dir);
    agent.dispose();
    const path = join(dir, 'agent.json');
    const manifest = readFileSync(path, 'utf8');
    for (const logStd of [[0, 0], null, [null]]) {
      const m = JSON.parse(manifest);
      m.state.logStd = logStd;
      writeFileSync(path, JSON.stringify(m));
      await expect(loadAgent(dir)).rejects.toThrow(`${dir}/agent.json's logStd is ${JSON.stringify(logStd)}, the saved policy's Gaussian needs 1 finite numbers`);
    }
  });

  it.each(['onnx', 'wasm'])('on %s: a warm start from a policy of other sizes names the file and both sizes', async (backend) => {
    const source = await reinforce({ hidden: [8] }, 'CartPole-v1', 'onnx');
    const dir = tempDir();
    await source.save(dir);
    source.dispose();
    const target = await reinforce({ hidden: [16] }, 'CartPole-v1', backend);
    const manifest = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8'));
    await expect(target.warmStart!(dir, manifest)).rejects.toThrow(/warmStart\(reinforce <- reinforce\): .*policy\.json is a net of sizes \[4, 8, 2\], this agent's policy is \[4, 16, 2\]/);
    target.dispose();
  });

  it.each([
    ['onnx', 'wasm'],
    ['wasm', 'onnx'],
  ])('trained on %s, loaded on %s: the same probabilities, values and greedy actions', async (from, to) => {
    const agent = await reinforce({}, 'CartPole-v1', from);
    await agent.learn({ env: make('CartPole-v1'), totalSteps: 400 });
    const dir = tempDir();
    await agent.save(dir);
    const moved = await loadAgent(dir, { backend: to });
    const rng = new Rng(11);
    for (let i = 0; i < 30; i++) {
      const obs = Float32Array.from({ length: 4 }, () => rng.uniform(-1, 1));
      const a = agent.diagnostics!(obs);
      const b = moved.diagnostics!(obs);
      a.probs!.forEach((p, k) => expect(Math.abs(b.probs![k]! - p)).toBeLessThan(1e-6));
      expect(Math.abs(b.value! - a.value!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.value!)));
      expect(moved.act(obs, { deterministic: true })).toBe(agent.act(obs, { deterministic: true }));
    }
    agent.dispose();
    moved.dispose();
  }, 60_000);
});
