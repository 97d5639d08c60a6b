import { describe, expect, it } from 'vitest';
import '../../../envs/index.js';
import '../../../agents/index.js';
import { make } from '../../../core/registry.js';
import { Rng } from '../../../core/rng.js';
import type { Agent } from '../../../agents/agent.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('dqn-onnx');

const QUICK = { hidden: [16, 16], learningStarts: 50, trainFreq: 2, batchSize: 8, targetUpdateInterval: 20, bufferSize: 500, learningRate: 1e-3 };
const DUELING = { dueling: true, doubleQ: true, loss: 'mse', tau: 0.5, targetUpdateInterval: 8 };

async function dqn(hp: Record<string, unknown>, backend: string, seed = 3): Promise<Agent> {
  const env = make('CartPole-v1');
  return createAgent('dqn', hp, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend });
}

/** 40 CartPole-like observations drawn from a fixed seed. */
function observations(): Float32Array[] {
  const rng = new Rng(11);
  return Array.from({ length: 40 }, () => Float32Array.from([rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-0.2, 0.2), rng.uniform(-2, 2)]));
}

describe("DQN on backend 'onnx'", () => {
  // The ONNX graph and the tfjs ops compute the same update in float32 with
  // different kernels and summation orders: losses agree to ~1e-6 relative
  // while the replayed trajectories are the same (the same draws from the same
  // seed, and greedy actions that agree); 1e-4 leaves room for that rounding,
  // and a wrong target, loss or optimizer step is off by far more.
  // With prioritized replay the weights enter the loss and the |TD errors| come back as priorities, which pick the
  // next minibatches: the same losses mean the same weights, errors and draws on both paths.
  it.each([
    ['plain, Huber', {}],
    ['dueling, double, MSE, Polyak', DUELING],
    ['prioritized replay, 3-step, Huber', { prioritizedReplay: true, nStep: 3, priorityBeta0: 0.2 }],
    ['prioritized replay, dueling, double, MSE', { ...DUELING, prioritizedReplay: true, priorityAlpha: 1 }],
  ])('takes the same gradient steps as the tfjs path (%s)', async (_name, extra) => {
    const losses: Record<string, number[]> = {};
    for (const backend of ['wasm', 'onnx']) {
      const agent = await dqn({ ...QUICK, ...extra }, backend);
      const list: number[] = (losses[backend] = []);
      await agent.learn({ env: make('CartPole-v1'), totalSteps: 130, hooks: { onUpdate: (e) => list.push(e.metrics.loss!) } });
      agent.dispose();
    }
    expect(losses.onnx!.length).toBe(40);
    losses.onnx!.forEach((l, i) => expect(Math.abs(l - losses.wasm![i]!), `update ${i}: onnx ${l}, wasm ${losses.wasm![i]}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(l))));
  });

  it.each([
    ['onnx', 'wasm'],
    ['wasm', 'onnx'],
  ])('saves checkpoints that load on the other backend: trained on %s, loaded on %s, the same greedy actions', async (from, to) => {
    const agent = await dqn({ ...QUICK, ...DUELING }, from);
    await agent.learn({ env: make('CartPole-v1'), totalSteps: 300 });
    const dir = tempDir();
    await agent.save(dir);
    const moved = await loadAgent(dir, { backend: to });
    expect(moved.context.backend).toBe(to);
    expect(moved.stepCount).toBe(300);
    for (const obs of observations()) {
      expect(moved.act(obs, { deterministic: true })).toBe(agent.act(obs, { deterministic: true }));
      const q = moved.diagnostics!(obs).qValues!;
      // The same float32 weights through two float32 forward passes.
      agent.diagnostics!(obs).qValues!.forEach((v, i) => expect(Math.abs(q[i]! - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
    }
    // The optimizer state and replay buffer came along: training goes on.
    const losses: number[] = [];
    await moved.learn({ env: make('CartPole-v1'), totalSteps: 340, hooks: { onUpdate: (e) => losses.push(e.metrics.loss!) } });
    expect(losses.length).toBe(20);
    expect(losses.every(Number.isFinite)).toBe(true);
    agent.dispose();
    moved.dispose();
  });
});
