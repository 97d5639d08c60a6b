import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../agents/ddpg.js';
import '../../agents/td3.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { cnnFromData, cnnInit } from '../../agents/lib/cnn.js';
import { criticQ, netShapes } from '../../agents/lib/compute/actor-critic.js';
import { gradients } from '../../agents/lib/compute/grad.js';
import { Graph } from '../../agents/lib/compute/graph.js';
import type { ConvTrunk } from '../../agents/lib/compute/layers.js';
import { toOnnx } from '../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../agents/lib/compute/session.js';
import { ParamLayout } from '../../agents/lib/compute/trainer.js';
import { applyForGradients, mlpFromData, mlpInit } from '../../agents/lib/nets.js';
import { Rng } from '../../core/rng.js';
import { box } from '../../core/spaces.js';
import { PointerEnv, pointerScore } from '../helpers/fake-envs.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('continuous-cnn');
beforeAll(async () => {
  await initBackend('wasm');
});

const TINY = { cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16] };
const env = new PointerEnv();
const make = (algorithm: string, hp: Record<string, unknown>, seed = 1, backend?: string) =>
  createAgent(algorithm, { ...TINY, ...hp }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, ...(backend ? { backend } : {}) });
// The nets each agent saves: TD3's twin critics, DDPG's one.
const NETS: Record<string, string[]> = {
  td3: ['actor', 'actorTarget', 'critic', 'criticTarget', 'critic2', 'critic2Target'],
  ddpg: ['actor', 'actorTarget', 'critic', 'criticTarget'],
};

describe('TD3 and DDPG with the cnn policy (a conv trunk under the actor and each critic, on onnx)', () => {
  it("gives a critic's loss gradient that equals the tfjs trunk and MLP's (float32, to 1e-4 of each tensor's largest value)", async () => {
    const trunk: ConvTrunk = { inputShape: [8, 8, 1], options: { filters: [4, 8], kernels: [4, 3], strides: [2, 1], dense: 16 } };
    const rows = 6;
    const sizes = [16 + 1, 16, 1];
    const rng = new Rng(3);
    const data = Float32Array.from([...cnnInit(trunk.inputShape, rng, trunk.options), ...mlpInit(sizes, rng, { init: 'orthogonal', hiddenGain: Math.SQRT2 }).flatMap((a) => [...a])]);
    const obs = Float32Array.from({ length: rows * 64 }, () => rng.integers(0, 256));
    const actions = Float32Array.from({ length: rows }, () => rng.uniform(-1, 1));
    const y = Float32Array.from({ length: rows }, () => rng.uniform(-1, 1));
    // ONNX: mean((Q(s, a) - y)^2) and its generated gradient with respect to every weight.
    const layout = new ParamLayout(netShapes(sizes, trunk));
    expect(layout.size).toBe(data.length);
    const g = new Graph('float32');
    const params = layout.inputs(g, 'p');
    const q = criticQ(g, params, g.input('obs', [rows, 64]), g.input('actions', [rows, 1]), trunk);
    const loss = g.mean(g.square(g.sub(q, g.input('y', [rows]))));
    gradients(g, loss, params).forEach((gr, i) => g.output(`g${i}`, gr));
    const session = await Session.create(toOnnx(g));
    const out = session.run({ ...layout.views(data, 'p'), obs: new Tensor('float32', obs, [rows, 64]), actions: new Tensor('float32', actions, [rows, 1]), y: new Tensor('float32', y, [rows]) });
    session.dispose();
    // tfjs: the same net from cnn.ts's trunk and nets.ts's MLP, tf.grads through their gradient paths.
    const nTrunk = layout.offsets[2 * trunk.options.filters.length + 2]!;
    const convs = cnnFromData(trunk.inputShape, trunk.options, data.subarray(0, nTrunk));
    const mlp = mlpFromData(sizes, 'relu', data.subarray(nTrunk));
    const variables = [...convs.variables, ...mlp.variables];
    const { grads } = tf.variableGrads(() => {
      const f = convs.applyForGradients(tf.tensor2d(obs, [rows, 64]));
      const qt = tf.reshape(applyForGradients(mlp, tf.concat([f, tf.tensor2d(actions, [rows, 1])], 1)), [rows]);
      return tf.mean(tf.square(tf.sub(qt, tf.tensor1d(y)))) as tf.Scalar;
    }, variables);
    variables.forEach((v, i) => {
      const want = grads[v.name]!.dataSync() as Float32Array;
      const got = out[`g${i}`]!.data as Float32Array;
      const scale = Math.max(...Array.from(want, Math.abs));
      expect(scale, `weight ${i}`).toBeGreaterThan(0);
      got.forEach((x, k) => expect(Math.abs(x - want[k]!), `weight ${i}[${k}]`).toBeLessThanOrEqual(1e-4 * scale));
    });
    tf.dispose(Object.values(grads));
    convs.dispose();
    mlp.dispose();
  });

  it.each(['td3', 'ddpg'])('%s trains on pixels, saves every net with its trunk, and loads to the same actions', async (algorithm) => {
    const agent = await make(algorithm, { batchSize: 16, bufferSize: 500, learningStarts: 32, learningRate: 1e-3 });
    const losses: number[] = [];
    await agent.learn({ env: new PointerEnv(), totalSteps: 96, hooks: { onUpdate: (e) => losses.push(e.metrics.criticLoss!) } });
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    const dir = tempDir();
    await agent.save(dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('-cnn.json')).sort()).toEqual(NETS[algorithm]!.map((n) => `${n}-cnn.json`).sort());
    const loaded = await loadAgent(dir);
    const probe = new PointerEnv();
    for (let seed = 0; seed < 4; seed++) {
      const { obs } = probe.reset({ seed });
      const a = agent.act(obs, { deterministic: true }) as Float32Array;
      expect(a[0]).toBeGreaterThanOrEqual(-1);
      expect(a[0]).toBeLessThanOrEqual(1);
      expect(Array.from(loaded.act(obs, { deterministic: true }) as Float32Array)).toEqual(Array.from(a));
    }
    agent.dispose();
    loaded.dispose();
    await expect(createAgent(algorithm, { policy: 'cnn' }, { observationSpace: box(-1, 1, [3]), actionSpace: box(-1, 1, [1]), seed: 0 })).rejects.toThrow(
      new RegExp(`${algorithm}: policy 'cnn' needs an image observation space, a uint8 Box \\[H, W, C\\], got Box\\(-1, 1, \\(3,\\), float32\\)`),
    );
  }, 60_000);

  it("refuses DDPG's cnn policy on a tfjs backend, saying where it runs", async () => {
    await expect(make('ddpg', {}, 1, 'wasm')).rejects.toThrow(/ddpg: the cnn policy \(image observations, policy 'auto'\) runs on backend 'onnx' only, got backend 'wasm'/);
    // The mlp policy on the same backend and flat observations is DDPG's tfjs path as before.
    const flat = await createAgent('ddpg', { hidden: [8] }, { observationSpace: box(-1, 1, [3]), actionSpace: box(-1, 1, [1]), seed: 0, backend: 'wasm' });
    flat.dispose();
  });

  it.each(['td3', 'ddpg'])('%s learns to point at the bright column in a short run (3 seeds)', async (algorithm) => {
    // pointerScore: about -0.67 a step at random, -0.43 for the best policy blind to the image.
    const means: number[] = [];
    for (const seed of [1, 2, 3]) {
      const agent = await make(algorithm, { batchSize: 32, bufferSize: 3000, learningStarts: 200, learningRate: 1e-3, noiseStd: 0.2 }, seed);
      await agent.learn({ env: new PointerEnv(), totalSteps: 1500 });
      means.push(pointerScore((obs) => agent.act(obs, { deterministic: true }) as Float32Array));
      agent.dispose();
    }
    for (const m of means) expect(m, `per-step means by seed: ${means.join(', ')}`).toBeGreaterThan(-0.2);
  }, 300_000);
});
