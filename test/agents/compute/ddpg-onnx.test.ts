import { describe, expect, it } from 'vitest';
import '../../../envs/index.js';
import '../../../agents/index.js';
import type { Agent } from '../../../agents/agent.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import { readMlp } from '../../../agents/lib/nets.js';
import { make } from '../../../core/registry.js';
import { Rng } from '../../../core/rng.js';
import { expectExactResume } from '../../helpers/continuous.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('ddpg-onnx');

const QUICK = { hidden: [32, 24], learningStarts: 40, batchSize: 16, bufferSize: 500, policyDelay: 2, tau: 0.05 };

async function ddpg(backend: string, hp: Record<string, unknown> = QUICK, seed = 3): Promise<Agent> {
  const env = make('Pendulum-v1');
  return createAgent('ddpg', hp, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend });
}

function observations(): Float32Array[] {
  const rng = new Rng(11);
  return Array.from({ length: 30 }, () => {
    const th = rng.uniform(-Math.PI, Math.PI);
    return Float32Array.from([Math.cos(th), Math.sin(th), rng.uniform(-8, 8)]);
  });
}

describe("DDPG on backend 'onnx'", () => {
  // Both paths run the same float32 updates with different kernels and
  // summation orders (rounding of ~1e-7 relative per op); over 40 critic and
  // 20 actor steps, with trajectories that feed the (slightly different)
  // actions back into the replay, the losses and weights stay within 1e-4 of
  // each other (relative, or absolute below 1), while a wrong target, a
  // missing stop-gradient or a wrong Polyak step is off by far more.
  it('takes the same critic and actor steps as the tfjs path from the same weights and batches', async () => {
    const runs: Record<string, { critic: number[]; actor: number[]; dir: string }> = {};
    for (const backend of ['wasm', 'onnx']) {
      const agent = await ddpg(backend);
      const run = (runs[backend] = { critic: [] as number[], actor: [] as number[], dir: tempDir() });
      await agent.learn({
        env: make('Pendulum-v1'),
        totalSteps: 80,
        hooks: {
          onUpdate: (e) => {
            run.critic.push(e.metrics.criticLoss!);
            run.actor.push(e.metrics.actorLoss!);
          },
        },
      });
      await agent.save(run.dir);
      agent.dispose();
    }
    const { wasm, onnx } = runs as Record<'wasm' | 'onnx', { critic: number[]; actor: number[]; dir: string }>;
    expect(onnx.critic.length).toBe(40);
    const close = (x: number, y: number) => Math.abs(x - y) < 1e-4 * Math.max(1, Math.abs(y));
    onnx.critic.forEach((l, i) => expect(close(l, wasm.critic[i]!), `critic step ${i}: onnx ${l}, wasm ${wasm.critic[i]}`).toBe(true));
    // The actor steps on every second update (policyDelay 2): NaN in between on both paths.
    onnx.actor.forEach((l, i) => (i % 2 === 0 ? expect(l).toBeNaN() : expect(close(l, wasm.actor[i]!), `actor step ${i}: onnx ${l}, wasm ${wasm.actor[i]}`).toBe(true)));
    for (const name of ['actor', 'critic', 'actorTarget', 'criticTarget']) {
      const a = (await readMlp(onnx.dir, name)).data;
      const b = (await readMlp(wasm.dir, name)).data;
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst, name).toBeLessThan(1e-4);
    }
  });

  it.each([
    ['onnx', 'wasm'],
    ['wasm', 'onnx'],
  ])('saves agents that load on the other backend: trained on %s, loaded on %s, the same actions and values', async (from, to) => {
    const agent = await ddpg(from);
    await agent.learn({ env: make('Pendulum-v1'), totalSteps: 120 });
    const dir = tempDir();
    await agent.save(dir);
    const moved = await loadAgent(dir, { backend: to });
    expect(moved.context.backend).toBe(to);
    expect(moved.stepCount).toBe(120);
    // The same float32 weights through two float32 forward passes.
    for (const obs of observations()) {
      const a = moved.act(obs) as Float32Array;
      (agent.act(obs) as Float32Array).forEach((v, i) => expect(Math.abs(a[i]! - v)).toBeLessThan(1e-5));
      const v = agent.diagnostics!(obs).value!;
      expect(Math.abs(moved.diagnostics!(obs).value! - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v)));
    }
    const losses: number[] = [];
    await moved.learn({ env: make('Pendulum-v1'), totalSteps: 140, hooks: { onUpdate: (e) => losses.push(e.metrics.criticLoss!) } });
    expect(losses.length).toBe(20);
    expect(losses.every(Number.isFinite)).toBe(true);
    agent.dispose();
    moved.dispose();
  });

  it('resumes exactly after save and load (nets, targets, optimizers, replay, noise)', async () => {
    const files = await expectExactResume('ddpg', { ...QUICK, noise: 'ornstein-uhlenbeck', noiseStd: 0.3, gradientSteps: 2, trainFreq: 2 }, 'onnx', 'Pendulum-v1', 90, 170, tempDir);
    expect(files).toEqual(expect.arrayContaining(['actorTarget.weights.bin', 'criticTarget.weights.bin', 'actor-optimizer.bin', 'critic-optimizer.bin', 'replay.bin', 'agent.json']));
  });
});
