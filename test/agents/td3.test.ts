import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { createAgent, evaluate } from '../../agents/agent.js';
import { smoothingNoise } from '../../agents/lib/compute/actor-critic.js';
import { readMlp } from '../../agents/lib/nets.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { box, discrete } from '../../core/spaces.js';
import type { Space } from '../../core/spaces.js';
import { expectExactResume } from '../helpers/continuous.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('td3');
const context = (observationSpace: Space, actionSpace: Space, seed = 0, backend?: string) => ({ observationSpace, actionSpace, seed, ...(backend ? { backend } : {}) });
const pendulum = (seed = 0, backend?: string) => {
  const env = make('Pendulum-v1');
  return context(env.observationSpace, env.actionSpace, seed, backend);
};
const tiny = { hidden: [16, 16], batchSize: 16, bufferSize: 1000, learningStarts: 20 };

describe('td3 agent', () => {
  it('validates hyperparameters, spaces and the backend', async () => {
    const ctx = context(box(-1, 1, [3]), box(-2, 2, [1]));
    await expect(createAgent('td3', { policyDelay: 0, targetNoiseClip: 0, targetPolicyNoise: -1 }, ctx)).rejects.toThrow(
      /policyDelay must be an integer >= 1, got 0[\s\S]*targetPolicyNoise must be a number >= 0, got -1[\s\S]*targetNoiseClip must be a number > 0, got 0/,
    );
    await expect(createAgent('td3', {}, context(box(-1, 1, [3]), discrete(2)))).rejects.toThrow(/td3: needs a float32 Box action space, got Discrete\(2\)/);
    await expect(createAgent('td3', tiny, pendulum(0, 'wasm'))).rejects.toThrow(/td3 runs on ONNX Runtime only \(backend 'onnx', which 'auto' means for it\); backend 'wasm' is a TensorFlow.js backend/);
    await expect(createAgent('td3', tiny, pendulum(0, 'gpu'))).rejects.toThrow(/unknown backend "gpu"; choose one of auto, wasm/);
    for (const backend of [undefined, 'auto', 'onnx']) {
      const agent = await createAgent('td3', tiny, pendulum(0, backend));
      expect(agent.algorithm).toBe('td3');
      agent.dispose();
    }
  });

  it('smoothing noise: N(0, std^2) draws clipped to +-clip, in the order drawn', () => {
    const out = smoothingNoise(new Rng(4), new Float32Array(2000), 0.4, 0.5);
    const rng = new Rng(4);
    let clipped = 0;
    out.forEach((v, i) => {
      const raw = rng.normal() * 0.4;
      expect(v).toBe(Math.fround(Math.min(0.5, Math.max(-0.5, raw))));
      if (Math.abs(raw) > 0.5) clipped += 1;
    });
    expect(Math.max(...out)).toBe(0.5);
    expect(Math.min(...out)).toBe(-0.5);
    // P(|N(0, 0.4^2)| > 0.5) = 0.211: about 422 of 2000.
    expect(clipped).toBeGreaterThan(340);
    expect(clipped).toBeLessThan(500);
  });

  it('delays the actor and target updates: every policyDelay-th critic step moves them, the others only the critics', async () => {
    const hp = { ...tiny, policyDelay: 3, saveReplay: false };
    const agent = await createAgent('td3', hp, pendulum(1));
    const actorSteps: number[] = [];
    const env = make('Pendulum-v1');
    const snapshot = async () => {
      const dir = tempDir();
      await agent.save(dir);
      return Object.fromEntries(await Promise.all(['actor', 'critic', 'critic2', 'actorTarget', 'criticTarget', 'critic2Target'].map(async (n) => [n, (await readMlp(dir, n)).data] as const)));
    };
    // learningStarts 20: updates 1..9 on steps 21..29.
    await agent.learn({ env, totalSteps: 29, hooks: { onUpdate: (e) => Number.isNaN(e.metrics.actorLoss) || actorSteps.push(e.metrics.updates!) } });
    expect(actorSteps).toEqual([3, 6, 9]);
    const at9 = await snapshot();
    await agent.learn({ env, totalSteps: 31 }); // updates 10 and 11: critics only
    const at11 = await snapshot();
    for (const n of ['actor', 'actorTarget', 'criticTarget', 'critic2Target']) expect(at11[n], n).toEqual(at9[n]);
    for (const n of ['critic', 'critic2']) expect(at11[n], n).not.toEqual(at9[n]);
    await agent.learn({ env, totalSteps: 32 }); // update 12: actor and targets too
    const at12 = await snapshot();
    for (const n of ['actor', 'actorTarget', 'criticTarget', 'critic2Target']) expect(at12[n], n).not.toEqual(at11[n]);
    agent.dispose();
  });

  it('is deterministic for a seed and resumes exactly after save and load (twin critics, targets, optimizers, replay, noise)', async () => {
    const files = await expectExactResume('td3', { ...tiny, noise: 'ornstein-uhlenbeck', noiseStd: 0.3, gradientSteps: 2, trainFreq: 2 }, 'onnx', 'Pendulum-v1', 70, 150, tempDir);
    expect(files).toEqual(expect.arrayContaining(['critic2.weights.bin', 'critic2Target.weights.bin', 'actorTarget.weights.bin', 'critic-optimizer.bin', 'replay.bin']));
  });

  // Small nets and a fast schedule (64-64, batch 64, learning rate 3e-3, tau
  // 0.02, 3700 updates), not the zoo recipe: the random policy scores about
  // -1200 on Pendulum; -400 over 10 deterministic episodes is a policy that
  // swings up and holds from most starts (the recipe reaches about -150).
  it.each([0, 1, 2])('learns Pendulum-v1 within 4000 steps, seed %i: deterministic return > -400', async (seed) => {
    const hp = { hidden: [64, 64], batchSize: 64, learningStarts: 300, learningRate: 3e-3, gamma: 0.98, tau: 0.02 };
    const agent = await createAgent('td3', hp, pendulum(seed));
    await agent.learn({ env: make('Pendulum-v1'), totalSteps: 4000 });
    const score = evaluate(agent, make('Pendulum-v1'), { episodes: 10, seed: 1000 + seed }).mean;
    expect(score).toBeGreaterThan(-400);
    agent.dispose();
  }, 300_000); // 6 s each with 2 cores shared by a few jobs; minutes when many
});
