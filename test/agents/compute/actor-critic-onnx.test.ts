import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../envs/index.js';
import '../../../agents/index.js';
import type { Agent } from '../../../agents/agent.js';
import { createAgent, evaluate, loadAgent } from '../../../agents/agent.js';
import { make } from '../../../core/registry.js';
import { Rng } from '../../../core/rng.js';
import { box, spaceToJSON } from '../../../core/spaces.js';
import { SyncVectorEnv } from '../../../core/vector.js';
import { makeVec } from '../../../core/vector.js';
import { PPO_RECIPES } from '../../../agents/recipes/ppo.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { SideEnv, sideSpaces } from '../../helpers/fake-envs.js';
import { agentResume, expectExactResume, expectSameMetrics, expectSameSave, savedFiles } from './backend-checks.js';

const tempDir = tempDirs('actor-critic-onnx');

async function agentOn(algorithm: string, hp: Record<string, unknown>, id: string, backend: string, seed = 3): Promise<Agent> {
  const env = make(id);
  return createAgent(algorithm, hp, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend });
}

/** 30 observations of env `id`'s shape drawn from a fixed seed, inside its usual range. */
function observations(id: string): Float32Array[] {
  const rng = new Rng(11);
  const dim = id === 'CartPole-v1' ? 4 : 3;
  return Array.from({ length: 30 }, () => Float32Array.from({ length: dim }, () => rng.uniform(-1, 1)));
}

// PPO with value clipping, the target-KL stop (it cuts the 4 epochs to 2, 3, 4 and 2 in the 4 updates
// of the first test) and an annealed clip range; A2C with each optimizer; discrete and Box actions.
const CASES = [
  ['ppo', 'CartPole-v1', { nSteps: 16, batchSize: 24, nEpochs: 4, clipRangeVf: 0.2, normalizeObs: true, targetKl: 0.002, learningRate: 3e-3 }],
  ['ppo', 'Pendulum-v1', { nSteps: 16, batchSize: 24, nEpochs: 2, clipSchedule: 'linear', normalizeReward: true }],
  ['a2c', 'CartPole-v1', { optimizer: 'rmsprop' }],
  ['a2c', 'Pendulum-v1', { optimizer: 'adam', normalizeAdvantage: true }],
] as const;

describe("PPO and A2C on backend 'onnx'", () => {
  // The ONNX graph and the tfjs ops compute the same float32 update with
  // different kernels and summation orders; over these runs every metric
  // agreed to 1e-6 relative (most to 1e-7) while the sampled trajectories
  // were the same draws from the same seed. 1e-5 leaves room for that
  // rounding; a wrong loss term, gradient or optimizer step is off by far more.
  it.each(CASES)('%s on %s takes the same updates as the tfjs path', async (algorithm, id, hp) => {
    const metrics: Record<string, Record<string, number>[]> = {};
    const weights: Record<string, Record<string, Buffer>> = {};
    for (const backend of ['wasm', 'onnx']) {
      const agent = await agentOn(algorithm, hp, id, backend);
      const list: Record<string, number>[] = (metrics[backend] = []);
      await agent.learn({ vecEnv: makeVec(id, 4), totalSteps: 256, hooks: { onUpdate: (u) => list.push(u.metrics) } });
      const dir = tempDir();
      await agent.save(dir);
      weights[backend] = savedFiles(dir);
      agent.dispose();
    }
    expect(metrics.onnx!.length).toBeGreaterThanOrEqual(4);
    expectSameMetrics(metrics.onnx!, metrics.wasm!, 1e-5);
    // The trained weights: the same files, the numbers within the same rounding (Adam and RMSprop divide by
    // sqrt(v) + eps, so a near-zero gradient's rounding moves its weight by up to about lr * 1e-2: 1e-5 absolute).
    expect(Object.keys(weights.onnx!).sort()).toEqual(Object.keys(weights.wasm!).sort());
    for (const f of ['actor.weights.bin', 'critic.weights.bin']) {
      const a = new Float32Array(weights.onnx![f]!.buffer, weights.onnx![f]!.byteOffset, weights.onnx![f]!.byteLength / 4);
      const b = new Float32Array(weights.wasm![f]!.buffer, weights.wasm![f]!.byteOffset, weights.wasm![f]!.byteLength / 4);
      let worst = 0;
      a.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b[i]!))));
      expect(worst, f).toBeLessThan(1e-5);
    }
  }, 60_000);

  it.each(CASES)('%s on %s: saving and loading between two learn calls continues exactly', async (algorithm, id, hp) => {
    // Multiples of both rollouts' sizes (PPO 16 x 2, A2C 5 x 2 steps).
    const learn = (agent: Agent, totalSteps: number) => agent.learn({ vecEnv: makeVec(id, 2), totalSteps });
    await expectExactResume(() => agentOn(algorithm, hp, id, 'onnx', 11), learn, 160, 320, agentResume('onnx'), tempDir);
  }, 60_000);

  it.each([
    ['ppo', 'CartPole-v1', 'onnx', 'wasm'],
    ['ppo', 'CartPole-v1', 'wasm', 'onnx'],
    ['ppo', 'Pendulum-v1', 'onnx', 'wasm'],
    ['a2c', 'Pendulum-v1', 'wasm', 'onnx'],
  ])('%s on %s: trained on %s, loaded on %s, acts the same', async (algorithm, id, from, to) => {
    const hp = CASES.find((c) => c[0] === algorithm && c[1] === id)![2];
    const agent = await agentOn(algorithm, hp, id, from);
    await agent.learn({ vecEnv: makeVec(id, 2), totalSteps: 160 });
    const dir = tempDir();
    await agent.save(dir);
    const moved = await loadAgent(dir, { backend: to });
    expect(moved.context.backend).toBe(to);
    expect(moved.stepCount).toBe(160);
    for (const obs of observations(id)) {
      const a = agent.diagnostics!(obs);
      const b = moved.diagnostics!(obs);
      // The same float32 weights through two float32 forward passes.
      expect(Math.abs(b.value! - a.value!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.value!)));
      if (id === 'CartPole-v1') {
        a.probs!.forEach((p, i) => expect(Math.abs(b.probs![i]! - p)).toBeLessThan(1e-6));
        expect(moved.act(obs, { deterministic: true })).toBe(agent.act(obs, { deterministic: true }));
      } else {
        const x = agent.act(obs, { deterministic: true }) as Float32Array;
        const y = moved.act(obs, { deterministic: true }) as Float32Array;
        x.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThan(1e-5));
      }
    }
    // The optimizer state came along: training goes on.
    const losses: number[] = [];
    await moved.learn({ vecEnv: makeVec(id, 2), totalSteps: 320, hooks: { onUpdate: (u) => losses.push(u.metrics.loss!) } });
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    agent.dispose();
    moved.dispose();
  }, 60_000);

  it('warm starts on onnx from an agent trained on wasm, and acts from the weights it took', async () => {
    const source = await agentOn('a2c', {}, 'CartPole-v1', 'wasm', 5);
    await source.learn({ vecEnv: makeVec('CartPole-v1', 2), totalSteps: 200 });
    const dir = tempDir();
    await source.save(dir);
    const target = await agentOn('ppo', {}, 'CartPole-v1', 'onnx', 6);
    const manifest = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8'));
    await target.warmStart!(dir, manifest);
    for (const obs of observations('CartPole-v1')) {
      const a = source.diagnostics!(obs);
      const b = target.diagnostics!(obs);
      a.probs!.forEach((p, i) => expect(Math.abs(b.probs![i]! - p)).toBeLessThan(1e-6));
    }
    source.dispose();
    target.dispose();
  });

  // The cnn policy: a tiny conv trunk under both heads, on a pixel task.
  const tinyCnn = { nSteps: 16, batchSize: 24, nEpochs: 2, policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16 };
  const cnnAgent = (backend: string, seed = 3) => createAgent('ppo', tinyCnn, { ...sideSpaces(), seed, backend });
  const sideVec = (n: number) => new SyncVectorEnv(Array.from({ length: n }, () => new SideEnv()));

  it('ppo with the cnn policy takes the same updates as the tfjs path', async () => {
    const metrics: Record<string, Record<string, number>[]> = {};
    for (const backend of ['wasm', 'onnx']) {
      const agent = await cnnAgent(backend);
      const list: Record<string, number>[] = (metrics[backend] = []);
      await agent.learn({ vecEnv: sideVec(4), totalSteps: 256, hooks: { onUpdate: (u) => list.push(u.metrics) } });
      agent.dispose();
    }
    expect(metrics.onnx!.length).toBe(4);
    expectSameMetrics(metrics.onnx!, metrics.wasm!, 1e-5);
  }, 60_000);

  it('ppo with the cnn policy: saving and loading between two learn calls continues exactly, and the checkpoint acts the same on wasm', async () => {
    await expectExactResume(() => cnnAgent('onnx', 11), (agent, totalSteps) => agent.learn({ vecEnv: sideVec(2), totalSteps }), 96, 192, agentResume('onnx'), tempDir);
    const agent = await cnnAgent('onnx', 12);
    await agent.learn({ vecEnv: sideVec(2), totalSteps: 96 });
    const dir = tempDir();
    await agent.save(dir);
    const moved = await loadAgent(dir, { backend: 'wasm' });
    const env = new SideEnv();
    let obs = env.reset({ seed: 4 }).obs;
    for (let i = 0; i < 20; i++) {
      const a = agent.diagnostics!(obs);
      const b = moved.diagnostics!(obs);
      a.probs!.forEach((p, k) => expect(Math.abs(b.probs![k]! - p)).toBeLessThan(1e-6));
      expect(Math.abs(b.value! - a.value!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.value!)));
      obs = env.step(i % 2).obs;
    }
    agent.dispose();
    moved.dispose();
  }, 60_000);
});

describe("PPO's and A2C's files on backend 'onnx'", () => {
  // The MLP cases above (normalized observations and rewards, Gaussian and categorical, both A2C
  // optimizers) and the cnn policy, each with how it trains.
  const tinyCnn = { nSteps: 16, batchSize: 24, nEpochs: 2, policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16 };
  const FILE_CASES = [
    ...CASES.map(([algorithm, id, hp]) => ({
      name: `${algorithm} on ${id}`,
      make: (backend: string, seed: number) => agentOn(algorithm, hp, id, backend, seed),
      train: (agent: Agent) => agent.learn({ vecEnv: makeVec(id, 2), totalSteps: 160 }),
    })),
    {
      name: 'ppo with the cnn policy',
      make: (backend: string, seed: number) => createAgent('ppo', tinyCnn, { ...sideSpaces(), seed, backend }),
      train: (agent: Agent) => agent.learn({ vecEnv: new SyncVectorEnv([new SideEnv(), new SideEnv()]), totalSteps: 96 }),
    },
  ];

  // A new agent's nets are the initial weights the tfjs variables are made from (the same draws), written
  // as the tfjs path writes them.
  it.each(FILE_CASES)('$name: a new agent saves the bytes a new tfjs agent of the same seed saves', async (c) => {
    const dirs = { onnx: tempDir(), wasm: tempDir() };
    for (const backend of ['onnx', 'wasm'] as const) {
      const agent = await c.make(backend, 8);
      expect(agent.context.backend).toBe(backend);
      await agent.save(dirs[backend]);
      agent.dispose();
    }
    expectSameSave(dirs.onnx, dirs.wasm, 'agent.json');
  }, 60_000);

  // Nets, log std, observation and return statistics and optimizer moments written from the flat parameters
  // are the files the tfjs variables write for the same numbers, both ways: a checkpoint trained on one
  // backend, loaded on the other and saved at once, is the same bytes.
  it.each(FILE_CASES.flatMap((c) => [{ ...c, from: 'wasm', to: 'onnx' }, { ...c, from: 'onnx', to: 'wasm' }]))('$name: trained on $from, loaded on $to and saved at once, the same bytes', async (c) => {
    const agent = await c.make(c.from, 4);
    await c.train(agent);
    const dir = tempDir();
    await agent.save(dir);
    agent.dispose();
    const moved = await loadAgent(dir, { backend: c.to });
    expect(moved.context.backend).toBe(c.to);
    const again = tempDir();
    await moved.save(again);
    moved.dispose();
    expectSameSave(again, dir, 'agent.json');
  }, 60_000);
});

describe('PPO and A2C refuse saved nets that do not fit', () => {
  it.each(['onnx', 'wasm'])("on %s: a saved log std of the wrong length, or none for a Gaussian policy, names agent.json", async (backend) => {
    const agent = await agentOn('ppo', { hidden: [8] }, 'Pendulum-v1', backend);
    const dir = tempDir();
    await agent.save(dir);
    agent.dispose();
    const path = join(dir, 'agent.json');
    const manifest = readFileSync(path, 'utf8');
    const withLogStd = (logStd: unknown) => {
      const m = JSON.parse(manifest);
      m.state.policy.logStd = logStd;
      writeFileSync(path, JSON.stringify(m));
    };
    withLogStd([0, 0]);
    await expect(loadAgent(dir)).rejects.toThrow(/agent\.json's policy\.logStd is \[0,0\], the saved actor has 1 outputs/);
    withLogStd(['x']);
    await expect(loadAgent(dir)).rejects.toThrow(/agent\.json's policy\.logStd is \["x"\], the saved actor has 1 outputs, each needs a finite log std/);
    withLogStd(null);
    await expect(loadAgent(dir)).rejects.toThrow(/agent\.json has no policy\.logStd, which a Gaussian policy needs/);
  });

  it.each(['onnx', 'wasm'])('on %s: a saved conv trunk for images of another shape names cnn.json and both shapes', async (backend) => {
    const tiny = { nSteps: 8, batchSize: 8, policy: 'cnn', cnnFilters: [4], cnnKernels: [4], cnnStrides: [2], cnnDense: 8 };
    const agent = await createAgent('ppo', tiny, { ...sideSpaces(), seed: 1, backend });
    const dir = tempDir();
    await agent.save(dir);
    agent.dispose();
    const path = join(dir, 'agent.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    m.context.observationSpace = spaceToJSON(box(0, 255, [16, 16, 1], 'uint8'));
    writeFileSync(path, JSON.stringify(m));
    await expect(loadAgent(dir)).rejects.toThrow(`ppo: ${dir}/cnn.json is a trunk for images [12, 12, 1], the observations are [16, 16, 1]`);
  });

  it.each(['onnx', 'wasm'])('on %s: a warm start from nets of other sizes names the file and both sizes', async (backend) => {
    const source = await agentOn('a2c', { hidden: [8] }, 'CartPole-v1', 'onnx');
    const dir = tempDir();
    await source.save(dir);
    source.dispose();
    const target = await agentOn('ppo', { hidden: [8, 8] }, 'CartPole-v1', backend);
    const before = target.diagnostics!(new Float32Array(4));
    const manifest = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8'));
    await expect(target.warmStart!(dir, manifest)).rejects.toThrow(/warmStart\(ppo <- a2c\): .*actor\.json is a net of sizes \[4, 8, 2\], this agent's actor is \[4, 8, 8, 2\]/);
    // Nothing was taken.
    expect(target.diagnostics!(new Float32Array(4))).toEqual(before);
    target.dispose();
  });
});

describe("PPO learns on backend 'onnx'", () => {
  // The ppo-cartpole recipe (agents/recipes/ppo.ts: the zoo's with 5 epochs of
  // minibatches of 128, 100k steps, target 475) on three seeds, greedy over 10 episodes.
  const recipe = PPO_RECIPES.find((r) => r.id === 'ppo-cartpole')!;
  it.each([1, 2, 3])('CartPole-v1, seed %i: the ppo-cartpole recipe reaches its target 475', async (seed) => {
    const agent = await agentOn('ppo', recipe.hyperparameters, recipe.env, 'onnx', seed);
    await agent.learn({ vecEnv: makeVec(recipe.env, recipe.nEnvs!), totalSteps: recipe.totalSteps });
    const result = evaluate(agent, make(recipe.env), { episodes: 10, seed: 0 });
    expect(result.mean).toBeGreaterThanOrEqual(recipe.threshold!);
    agent.dispose();
  }, 120_000);
});
