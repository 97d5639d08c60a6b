import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../agents/ppo.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent, evaluate, loadAgent } from '../../agents/agent.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { cnn, cnnLayers, getCnnWeights, loadCnn, loadCnnWeightsInto, saveCnn } from '../../agents/lib/cnn.js';
import { Rng } from '../../core/rng.js';
import { box, discrete } from '../../core/spaces.js';
import { SyncVectorEnv } from '../../core/vector.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { SideEnv, sideSpaces } from '../helpers/fake-envs.js';

const tempDir = tempDirs('cnn');

const TINY = { filters: [4, 8], kernels: [4, 3], strides: [2, 1], dense: 16 };

/** Rows of random pixel values 0..255 (as the rollout buffers hold them). */
function pixels(rows: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * size }, () => rng.integers(0, 256));
}

const sideVec = (n = 4) => new SyncVectorEnv(Array.from({ length: n }, () => new SideEnv()));
const tinyPpo = { nSteps: 16, batchSize: 32, nEpochs: 2, policy: 'cnn', cnnFilters: TINY.filters, cnnKernels: TINY.kernels, cnnStrides: TINY.strides, cnnDense: TINY.dense };
const ppo = (hp: Record<string, unknown>, seed = 1): Promise<Agent> => createAgent('ppo', hp, { ...sideSpaces(), seed, backend: 'wasm' });

describe('cnn trunk', () => {
  it('checks its geometry and computes the layer sizes', () => {
    const layers = cnnLayers([84, 84, 4], { filters: [32, 64, 64], kernels: [8, 4, 3], strides: [4, 2, 1], dense: 512 });
    expect(layers.map((l) => [l.outH, l.outW, l.outC])).toEqual([
      [20, 20, 32],
      [9, 9, 64],
      [7, 7, 64],
    ]);
    expect(() => cnnLayers([12, 12, 1], { filters: [4], kernels: [16], strides: [1], dense: 4 })).toThrow(/leaves a 12x12 map for convolution 1's 16x16 kernel/);
    expect(() => cnnLayers([12, 12], TINY)).toThrow(/must be an image \[H, W, C\]/);
    expect(() => cnnLayers([12, 12, 1], { ...TINY, strides: [1] })).toThrow(/one entry per convolution/);
  });

  it('its gradients equal autodiff of tf.conv2d (cpu backend, which has the filter gradient)', async () => {
    await initBackend('cpu');
    const net = cnn([10, 9, 2], new Rng(3), { filters: [3, 5], kernels: [3, 2], strides: [2, 1], dense: 6 });
    const x = tf.tensor2d(pixels(3, 10 * 9 * 2, 4), [3, 180]);
    const target = tf.tensor2d(Array.from({ length: 18 }, (_, i) => Math.sin(i)), [3, 6]);
    const loss = (f: () => tf.Tensor2D) => () => tf.sum(tf.square(tf.sub(f(), target))) as tf.Scalar;
    const a = tf.variableGrads(loss(() => net.apply(x)), net.variables);
    const b = tf.variableGrads(loss(() => net.applyForGradients(x)), net.variables);
    expect(b.value.dataSync()[0]).toBeCloseTo(a.value.dataSync()[0]!, 4);
    for (const v of net.variables) {
      const ga = Array.from(a.grads[v.name]!.dataSync());
      const gb = Array.from(b.grads[v.name]!.dataSync());
      const scale = Math.max(1e-3, ...ga.map(Math.abs));
      gb.forEach((g, i) => expect(Math.abs(g - ga[i]!) / scale, `${v.name}[${i}]`).toBeLessThan(1e-4));
    }
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), x, target]);
    net.dispose();
    await initBackend('wasm');
  });

  it('saves and loads to the same outputs; weights load into a trunk of the same shape only', async () => {
    await initBackend('wasm');
    const net = cnn([12, 12, 2], new Rng(5), TINY);
    const dir = tempDir();
    await saveCnn(net, dir, 'trunk');
    expect(readdirSync(dir).sort()).toEqual(['trunk.json', 'trunk.weights.bin']);
    const back = await loadCnn(dir, 'trunk');
    const x = tf.tensor2d(pixels(5, 288, 6), [5, 288]);
    const ya = tf.tidy(() => net.apply(x));
    const yb = tf.tidy(() => back.apply(x));
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    expect(ya.shape).toEqual([5, 16]);
    const other = cnn([12, 12, 2], new Rng(6), TINY);
    expect(getCnnWeights(other)).not.toEqual(getCnnWeights(net));
    await loadCnnWeightsInto(other, dir, 'trunk', 'test');
    expect(getCnnWeights(other)).toEqual(getCnnWeights(net));
    const wrong = cnn([12, 12, 1], new Rng(6), TINY);
    await expect(loadCnnWeightsInto(wrong, dir, 'trunk', 'test')).rejects.toThrow(/test: .*trunk.json is a trunk with input \[12, 12, 2\].*this agent's is input \[12, 12, 1\]/);
    tf.dispose([x, ya, yb]);
    [net, back, other, wrong].forEach((n) => n.dispose());
  });
});

describe('ppo with the cnn policy', () => {
  it("picks the cnn for image observations with policy 'auto' and rejects it elsewhere", async () => {
    const agent = await ppo({ ...tinyPpo, policy: 'auto' });
    const dir = tempDir();
    await agent.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['actor.json', 'actor.weights.bin', 'agent.json', 'cnn.json', 'cnn.weights.bin', 'critic.json', 'critic.weights.bin', 'optimizer.bin']);
    agent.dispose();
    await expect(createAgent('ppo', { policy: 'cnn' }, { observationSpace: box(-1, 1, [4]), actionSpace: discrete(2), seed: 0, backend: 'wasm' })).rejects.toThrow(
      /ppo: policy 'cnn' needs an image observation space, a uint8 Box \[H, W, C\], got Box\(-1, 1, \(4,\), float32\)/,
    );
    await expect(ppo({ ...tinyPpo, normalizeObs: true })).rejects.toThrow(/normalizeObs is for vector observations/);
    // policy 'mlp' on an image: a plain MLP over the flattened pixels, as before the cnn existed
    const flat = await ppo({ nSteps: 16, batchSize: 32, policy: 'mlp', hidden: [8] });
    const flatDir = tempDir();
    await flat.save(flatDir);
    expect(readdirSync(flatDir)).not.toContain('cnn.json');
    flat.dispose();
  });

  it('save and load give the same actions and values', async () => {
    const agent = await ppo(tinyPpo, 2);
    await agent.learn({ vecEnv: sideVec(), totalSteps: 128 });
    const dir = tempDir();
    await agent.save(dir);
    const back = await loadAgent(dir);
    const env = new SideEnv();
    let { obs } = env.reset({ seed: 9 });
    for (let i = 0; i < 10; i++) {
      expect(back.act(obs, { deterministic: true })).toBe(agent.act(obs, { deterministic: true }));
      expect(back.diagnostics!(obs)).toEqual(agent.diagnostics!(obs));
      obs = env.step(0).obs;
    }
    agent.dispose();
    back.dispose();
  });

  it('saving and loading between two learn calls continues exactly', async () => {
    const direct = await ppo(tinyPpo, 11);
    await direct.learn({ vecEnv: sideVec(2), totalSteps: 96 });
    await direct.learn({ vecEnv: sideVec(2), totalSteps: 192 });
    const directDir = tempDir();
    await direct.save(directDir);

    const first = await ppo(tinyPpo, 11);
    await first.learn({ vecEnv: sideVec(2), totalSteps: 96 });
    const midDir = tempDir();
    await first.save(midDir);
    first.dispose();
    const resumed = await loadAgent(midDir);
    await resumed.learn({ vecEnv: sideVec(2), totalSteps: 192 });
    const resumedDir = tempDir();
    await resumed.save(resumedDir);

    const files = (d: string) => Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f))]));
    const a = files(directDir);
    const b = files(resumedDir);
    expect(Object.keys(a)).toContain('cnn.weights.bin');
    for (const f of Object.keys(a)) expect(b[f]!.equals(a[f]!), f).toBe(true);
    direct.dispose();
    resumed.dispose();
  }, 60_000);

  it('leaks no tensors over many updates, acting and diagnostics', async () => {
    const before = tf.memory().numTensors;
    const agent = await ppo({ ...tinyPpo, nSteps: 4, batchSize: 8, targetKl: 0.001 });
    const vecEnv = sideVec(2);
    await agent.learn({ vecEnv, totalSteps: 16 });
    const settled = tf.memory().numTensors;
    let updates = 0;
    await agent.learn({ vecEnv, totalSteps: 16 + 8 * 40, hooks: { onUpdate: () => (updates += 1) } });
    expect(updates).toBe(40);
    const obs = new SideEnv().reset({ seed: 1 }).obs;
    for (let i = 0; i < 20; i++) {
      agent.act(obs);
      agent.diagnostics!(obs);
    }
    expect(tf.memory().numTensors).toBe(settled);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('learns a pixel task: which half of the image holds the bright block', async () => {
    // gamma 0: each step's reward depends on its own action only (a contextual
    // bandit), so the advantages carry no noise from the unseen step count.
    // Random play earns 4 of the 8 steps' rewards; seeds 3-5 each reach 8 of 8.
    const means: number[] = [];
    for (const seed of [3, 4, 5]) {
      const agent = await ppo({ ...tinyPpo, nSteps: 32, batchSize: 64, nEpochs: 4, learningRate: 0.001, gamma: 0, entCoef: 0, lrSchedule: 'constant' }, seed);
      await agent.learn({ vecEnv: sideVec(8), totalSteps: 6144 });
      means.push(evaluate(agent, new SideEnv(), { episodes: 20, seed: 0 }).mean);
      agent.dispose();
    }
    for (const m of means) expect(m, `greedy means by seed: ${means.join(', ')}`).toBeGreaterThanOrEqual(7);
  }, 120_000);
});
