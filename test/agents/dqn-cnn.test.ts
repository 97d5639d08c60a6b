import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../agents/dqn.js';
import '../../envs/index.js';
import { make } from '../../core/registry.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent, evaluate, loadAgent, warmStart } from '../../agents/agent.js';
import { initBackend, tf } from '../../agents/lib/backend.js';
import { box, discrete } from '../../core/spaces.js';
import { SyncVectorEnv } from '../../core/vector.js';
import { SideEnv } from '../helpers/fake-envs.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('dqn-cnn');
beforeAll(async () => {
  await initBackend('wasm');
});

const side = new SideEnv();
const spaces = { observationSpace: side.observationSpace, actionSpace: side.actionSpace };
const sideVec = (n: number) => new SyncVectorEnv(Array.from({ length: n }, () => new SideEnv()));
/** A tiny trunk (as PPO's cnn tests use) with one dense layer on its features. */
const TINY = { cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16] };
const QUICK = { ...TINY, learningStarts: 40, trainFreq: 2, batchSize: 16, targetUpdateInterval: 20, bufferSize: 400, learningRate: 1e-3 };
const BACKENDS = ['wasm', 'onnx'] as const;
/** The pixel task's learning settings. gamma 0: each step's reward depends on its own action only (a contextual bandit). */
const LEARN = { ...TINY, gamma: 0, learningRate: 1e-3, batchSize: 32, bufferSize: 5000, learningStarts: 200, trainFreq: 4, gradientSteps: 2, targetUpdateInterval: 100, explorationFraction: 0.3, explorationFinalEps: 0.05 };
const dqn = (hp: Record<string, unknown>, seed = 1, backend = 'wasm'): Promise<Agent> => createAgent('dqn', hp, { ...spaces, seed, backend });

describe('DQN with the cnn policy', () => {
  it.each(BACKENDS)("picks the conv trunk for image observations with policy 'auto' (%s)", async (backend) => {
    const agent = await dqn(QUICK, 1, backend);
    const dir = tempDir();
    await agent.save(dir);
    expect(readdirSync(dir).filter((f) => f.includes('cnn')).sort()).toEqual(['online-cnn.json', 'online-cnn.weights.bin', 'target-cnn.json', 'target-cnn.weights.bin']);
    expect((JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { state: { cnn: boolean } }).state.cnn).toBe(true);
    agent.dispose();
  });

  it('runs a dense net over the pixels with policy mlp, and refuses cnn on a space that is not an image', async () => {
    // policy 'mlp' on an image: a dense net over the flattened pixels, as before the trunk existed
    const flat = await dqn({ ...QUICK, policy: 'mlp' });
    const flatDir = tempDir();
    await flat.save(flatDir);
    expect(readdirSync(flatDir).some((f) => f.includes('cnn'))).toBe(false);
    flat.dispose();
    await expect(createAgent('dqn', { policy: 'cnn' }, { observationSpace: box(-1, 1, [4]), actionSpace: discrete(2), seed: 0, backend: 'wasm' })).rejects.toThrow(
      /dqn: policy 'cnn' needs an image observation space, a uint8 Box \[H, W, C\], got Box\(-1, 1, \(4,\), float32\)/,
    );
  });

  // The ONNX graph (compute/layers.ts's cnnForward) and tfjs's conv2d compute
  // the same update in float32 with different kernels and summation orders:
  // from the same seed (the same initial weights and draws) the losses agree
  // to ~1e-6 relative while the trajectories are the same (greedy actions that
  // agree); 1e-4 leaves room for that rounding, and a wrong trunk, target or
  // step is off by far more.
  //
  // The learning case below runs on onnx only: on its settings wasm takes the
  // same 100 training rounds (200 Adam steps on batches of 32) here, each
  // round's loss following from every step before it (a learning rate 1% off
  // on wasm fails at the third round), so a wasm trunk or optimizer step that
  // differs fails here, at a fifth of the cost of learning the task again.
  // (gamma 0 leaves its target net unused; the rows above cover targets.)
  it.each([
    ['plain, Huber', { ...QUICK }, 2, 120, 40],
    ['dueling, double, MSE, Polyak, prioritized, 2-step', { ...QUICK, dueling: true, doubleQ: true, loss: 'mse', tau: 0.5, prioritizedReplay: true, nStep: 2 }, 2, 120, 40],
    ["the pixel task's learning settings", LEARN, 4, 600, 100],
  ])('takes the same gradient steps on onnx as on wasm (%s)', async (_name, hp, copies, totalSteps, updates) => {
    const losses: Record<string, number[]> = {};
    for (const backend of BACKENDS) {
      const agent = await dqn(hp, 5, backend);
      const list: number[] = (losses[backend] = []);
      await agent.learn({ vecEnv: sideVec(copies), totalSteps, hooks: { onUpdate: (e) => list.push(e.metrics.loss!) } });
      agent.dispose();
    }
    expect(losses.onnx!.length).toBe(updates);
    losses.onnx!.forEach((l, i) => expect(Math.abs(l - losses.wasm![i]!), `update ${i}: onnx ${l}, wasm ${losses.wasm![i]}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(l))));
  }, 60_000);

  it.each([
    ['onnx', 'wasm'],
    ['wasm', 'onnx'],
  ])('saves checkpoints that load on the other backend: trained on %s, loaded on %s, the same Q-values', async (from, to) => {
    const hp = { ...QUICK, dueling: true };
    const agent = await dqn(hp, 2, from);
    await agent.learn({ vecEnv: sideVec(2), totalSteps: 120 });
    const dir = tempDir();
    await agent.save(dir);
    const loaded = await loadAgent(dir, { backend: to });
    const env = new SideEnv();
    for (let seed = 0; seed < 5; seed++) {
      const obs = env.reset({ seed }).obs;
      const [a, b] = [agent.diagnostics!(obs).qValues!, loaded.diagnostics!(obs).qValues!];
      // float32 forward passes on two kernels: ~1e-6 apart
      b.forEach((q, k) => expect(Math.abs(q - a[k]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(a[k]!))));
    }
    agent.dispose();
    loaded.dispose();
  }, 60_000);

  it.each(BACKENDS)('continues exactly after save and load, and warm-starts only from a net with a trunk (%s)', async (backend) => {
    const train = (agent: Agent, totalSteps: number, losses: number[]) => agent.learn({ vecEnv: sideVec(2), totalSteps, hooks: { onUpdate: (e) => losses.push(e.metrics.loss!) } });
    const hp = { ...QUICK, dueling: true, doubleQ: true, tau: 0.5, prioritizedReplay: true, nStep: 2 };
    const dqn = (hp: Record<string, unknown>, seed: number) => createAgent('dqn', hp, { ...spaces, seed, backend });
    const straight = await dqn(hp, 7);
    const lossesStraight: number[] = [];
    await train(straight, 100, lossesStraight);
    await train(straight, 200, lossesStraight);
    const first = await dqn(hp, 7);
    const lossesResumed: number[] = [];
    await train(first, 100, lossesResumed);
    const dir = tempDir();
    await first.save(dir);
    first.dispose();
    const resumed = await loadAgent(dir, { backend });
    await train(resumed, 200, lossesResumed);
    expect(lossesResumed.length).toBe(80);
    expect(lossesResumed).toEqual(lossesStraight);
    const files = (d: string) => Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f))]));
    const a = tempDir();
    const b = tempDir();
    await straight.save(a);
    await resumed.save(b);
    const fa = files(a);
    const fb = files(b);
    expect(Object.keys(fb).sort()).toEqual(Object.keys(fa).sort());
    for (const f of Object.keys(fa)) expect(fb[f]!.equals(fa[f]!), f).toBe(true);

    // warm start: the trunk comes along (the same Q-values), and a net without one is refused
    const fresh = await dqn(hp, 8);
    await warmStart(fresh, a);
    const obs = new SideEnv().reset({ seed: 3 }).obs;
    expect(fresh.diagnostics!(obs)).toEqual(straight.diagnostics!(obs));
    const flat = await dqn({ ...hp, policy: 'mlp' }, 8);
    const flatDir = tempDir();
    await flat.save(flatDir);
    await expect(warmStart(fresh, flatDir)).rejects.toThrow(/holds a Q-network without a conv trunk, this agent's is with one/);
    for (const x of [straight, resumed, fresh, flat]) x.dispose();
  }, 60_000);

  it('leaks no tensors over updates, acting and diagnostics', async () => {
    const agent = await dqn({ ...QUICK, trainFreq: 1 });
    await agent.learn({ vecEnv: sideVec(2), totalSteps: 60 });
    const before = tf.memory().numTensors;
    let updates = 0;
    await agent.learn({ vecEnv: sideVec(2), totalSteps: 160, hooks: { onUpdate: () => (updates += 1) } });
    const obs = new SideEnv().reset({ seed: 1 }).obs;
    agent.act(obs);
    agent.diagnostics!(obs);
    expect(updates).toBe(100); // a round per env step: 2 per vector step
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  }, 60_000);

  it("trains on CarRacing-v3's pixels with discrete actions (Nature CNN, 96x96x3)", async () => {
    const env = make('CarRacing-v3', { continuous: false });
    const agent = await createAgent('dqn', { bufferSize: 200, batchSize: 8, learningStarts: 48, trainFreq: 16, hidden: [] }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 0, backend: 'wasm' });
    const losses: number[] = [];
    await agent.learn({ env, totalSteps: 80, hooks: { onUpdate: (e) => losses.push(e.metrics.loss!) } });
    expect(losses.length).toBe(2);
    expect(losses.every(Number.isFinite)).toBe(true);
    const { obs } = env.reset({ seed: 1 });
    const q = agent.diagnostics!(obs).qValues!;
    expect(q).toHaveLength(5);
    expect(q.every(Number.isFinite)).toBe(true);
    expect(agent.act(obs, { deterministic: true })).toBe(q.indexOf(Math.max(...q)));
    agent.dispose();
  }, 120_000);

  // On onnx, the default backend; wasm takes the same steps (above).
  it('learns a pixel task: which half of the image holds the bright block', async () => {
    // Random play earns 4 of the 8 steps' rewards on average.
    const means: number[] = [];
    for (const seed of [3, 4, 5]) {
      const agent = await dqn(LEARN, seed, 'onnx');
      await agent.learn({ vecEnv: sideVec(4), totalSteps: 4000 });
      means.push(evaluate(agent, new SideEnv(), { episodes: 20, seed: 0 }).mean);
      agent.dispose();
    }
    for (const m of means) expect(m, `greedy means by seed: ${means.join(', ')}`).toBeGreaterThanOrEqual(7);
  }, 300_000);
});
