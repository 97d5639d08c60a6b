// SAC's cnn policy: the conv trunk under the actor and the one the twin
// critics share (agents/lib/compute/sac-model.ts), with and without gSDE. The
// gradients through the trunks against finite differences, save and load,
// exact resume, and a short pixel task that needs the image to be read.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../agents/sac.js';
import { createAgent, loadAgent, warmStart } from '../../agents/agent.js';
import type { Graph, Sym } from '../../agents/lib/compute/graph.js';
import { netShapes, qRegression } from '../../agents/lib/compute/actor-critic.js';
import type { ConvTrunk } from '../../agents/lib/compute/layers.js';
import { actorLoss, twinQ } from '../../agents/lib/compute/sac-model.js';
import { mlpShapes } from '../../agents/lib/nets.js';
import { Rng } from '../../core/rng.js';
import { box } from '../../core/spaces.js';
import { check } from './compute/finite-differences.js';
import type { Inputs } from './compute/finite-differences.js';
import { expectExactResume } from '../helpers/continuous.js';
import { PointerEnv, pointerScore } from '../helpers/fake-envs.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('sac-cnn');
const TINY = { cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16] };
const env = new PointerEnv();
const make = (hp: Record<string, unknown>, seed = 1) => createAgent('sac', { ...TINY, ...hp }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed });

// A trunk small enough for a float64 finite-difference check of every weight:
// 6x6x1 images, a 3x3 convolution (stride 1) to 4x4x2, a 2x2 one (stride 2)
// to 2x2x3, a dense layer of 4.
const trunk: ConvTrunk = { inputShape: [6, 6, 1], options: { filters: [2, 3], kernels: [3, 2], strides: [1, 2], dense: 4 } };
const [ROWS, A, HIDDEN] = [3, 2, 5];

/** Inputs p0, p1, ... of `shapes` (prefix `name`), small random weights so that values stay of order 1. */
function params(name: string, shapes: number[][], rng: Rng, differentiate: boolean): Inputs {
  return Object.fromEntries(
    shapes.map((shape, i) => [`${name}${i}`, { shape, differentiate, values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.6, 0.6)) }]),
  );
}

const syms = (x: Record<string, Sym>, name: string, n: number): Sym[] => Array.from({ length: n }, (_, i) => x[`${name}${i}`]!);

describe('SAC with the cnn policy (a trunk under the actor, one shared by the twin critics)', () => {
  const rng = new Rng(7);
  const pixels = { shape: [ROWS, 36], differentiate: false, values: Array.from({ length: ROWS * 36 }, () => rng.integers(0, 256)) };
  const criticShapes = [...netShapes([4 + A, HIDDEN, 1], trunk), ...mlpShapes([4 + A, HIDDEN, 1])];

  it("the critics' loss gradient reaches the shared trunk and both heads as finite differences say (float64)", async () => {
    const inputs: Inputs = {
      ...params('c', criticShapes, rng, true),
      obs: pixels,
      actions: { shape: [ROWS, A], differentiate: false },
      y: { shape: [ROWS], differentiate: false },
    };
    await check(inputs, (g: Graph, x) => qRegression(g, twinQ(g, syms(x, 'c', criticShapes.length), x.obs!, x.actions!, trunk), x.y!, 0.5).loss);
  });

  it.each([false, true])("the actor's loss gradient reaches its trunk, MLP (and gSDE's log-std matrix: %s) as finite differences say (float64)", async (useSde) => {
    const actorShapes = [...netShapes([4, HIDDEN, (useSde ? 1 : 2) * A], trunk), ...(useSde ? [[HIDDEN, A]] : [])];
    const inputs: Inputs = {
      ...params('a', actorShapes, rng, true),
      // The critics' weights are fed, not trained, in the actor's step.
      ...params('c', criticShapes, rng, false),
      obs: pixels,
      eps: { shape: useSde ? [HIDDEN, A] : [ROWS, A], differentiate: false },
      alpha: { shape: [], values: [0.3], differentiate: false },
    };
    await check(inputs, (g, x) => actorLoss(g, { useSde, trunk }, syms(x, 'a', actorShapes.length), syms(x, 'c', criticShapes.length), x.obs!, x.eps!, x.alpha!).loss);
  });

  it.each([false, true])('trains on pixels (useSde %s), saves the three trunks, and loads to the same actions', async (useSde) => {
    const agent = await make({ batchSize: 16, bufferSize: 500, learningStarts: 32, useSde });
    const losses: number[] = [];
    await agent.learn({ env: new PointerEnv(), totalSteps: 96, hooks: { onUpdate: (e) => losses.push(e.metrics.criticLoss!) } });
    expect(losses.length).toBe(64);
    expect(losses.every(Number.isFinite)).toBe(true);
    const dir = tempDir();
    await agent.save(dir);
    // The actor's trunk, and the critics' one (with critic's files; critic2 is a head on it), and its target copy.
    expect(readdirSync(dir).filter((f) => f.endsWith('-cnn.json')).sort()).toEqual(['actor-cnn.json', 'critic-cnn.json', 'criticTarget-cnn.json']);
    const loaded = await loadAgent(dir);
    const probe = new PointerEnv();
    for (let seed = 0; seed < 4; seed++) {
      const { obs } = probe.reset({ seed });
      const a = agent.act(obs, { deterministic: true }) as Float32Array;
      expect(Math.abs(a[0]!)).toBeLessThanOrEqual(1);
      expect(Array.from(loaded.act(obs, { deterministic: true }) as Float32Array)).toEqual(Array.from(a));
      expect(loaded.diagnostics!(obs).value).toBe(agent.diagnostics!(obs).value);
    }
    agent.dispose();
    loaded.dispose();
  }, 60_000);

  it("gSDE with no hidden layer takes the trunk's features as its own: the log-std matrix is [cnnDense, A]", async () => {
    const agent = await make({ hidden: [], useSde: true, batchSize: 16, bufferSize: 500, learningStarts: 20 });
    await agent.learn({ env: new PointerEnv(), totalSteps: 40 });
    const dir = tempDir();
    await agent.save(dir);
    expect(readFileSync(join(dir, 'actor-log-std.bin')).byteLength).toBe(4 * TINY.cnnDense * 1);
    const loaded = await loadAgent(dir);
    const { obs } = new PointerEnv().reset({ seed: 3 });
    expect(loaded.act(obs)).toEqual(agent.act(obs));
    [agent, loaded].forEach((x) => x.dispose());
  }, 60_000);

  it("warm starts from a saved cnn SAC (the student takes its actions and values), and refuses one whose trunk differs, naming both", async () => {
    const teacher = await make({ batchSize: 16, bufferSize: 500, learningStarts: 20 }, 1);
    await teacher.learn({ env: new PointerEnv(), totalSteps: 60 });
    const dir = tempDir();
    await teacher.save(dir);
    const student = await make({ batchSize: 16, bufferSize: 500, learningStarts: 20 }, 2);
    const { obs } = new PointerEnv().reset({ seed: 4 });
    expect(student.act(obs, { deterministic: true })).not.toEqual(teacher.act(obs, { deterministic: true }));
    await warmStart(student, dir);
    expect(student.act(obs, { deterministic: true })).toEqual(teacher.act(obs, { deterministic: true }));
    expect(student.diagnostics!(obs).value).toBe(teacher.diagnostics!(obs).value);
    const other = await make({ cnnDense: 8 }, 3);
    await expect(warmStart(other, dir)).rejects.toThrow(/actor-cnn\.json is a trunk with input \[8, 8, 1\], filters \[4, 8\], kernels \[4, 3\], strides \[2, 1\], dense 16; this agent's is .*dense 8/);
    [teacher, student, other].forEach((x) => x.dispose());
  }, 60_000);

  it('refuses the cnn policy on observations that are not an image, naming the agent', async () => {
    await expect(createAgent('sac', { policy: 'cnn' }, { observationSpace: box(-1, 1, [3]), actionSpace: box(-1, 1, [1]), seed: 0 })).rejects.toThrow(
      /sac: policy 'cnn' needs an image observation space, a uint8 Box \[H, W, C\], got Box\(-1, 1, \(3,\), float32\)/,
    );
  });

  it.each([false, true])('is deterministic for a seed and resumes exactly on pixels (useSde %s)', async (useSde) => {
    const hp = { ...TINY, batchSize: 16, bufferSize: 500, learningStarts: 20, gradientSteps: 2, trainFreq: 3, useSde, ...(useSde ? { sdeSampleFreq: 4 } : {}) };
    const files = await expectExactResume('sac', hp, 'onnx', () => new PointerEnv(), 50, 110, tempDir);
    expect(files).toEqual(expect.arrayContaining(['actor-cnn.weights.bin', 'critic-cnn.weights.bin', 'criticTarget-cnn.weights.bin', 'critic2.weights.bin', 'replay.bin']));
  }, 60_000);

  it.each([false, true])('learns to point at the bright column in a short run (useSde %s, 3 seeds)', async (useSde) => {
    // pointerScore: about -0.67 a step at random, -0.43 for the best policy blind to the image.
    const means: number[] = [];
    for (const seed of [1, 2, 3]) {
      const agent = await make({ batchSize: 32, bufferSize: 3000, learningStarts: 200, learningRate: 1e-3, useSde }, seed);
      await agent.learn({ env: new PointerEnv(), totalSteps: 1500 });
      means.push(pointerScore((obs) => agent.act(obs, { deterministic: true }) as Float32Array));
      agent.dispose();
    }
    for (const m of means) expect(m, `per-step means by seed: ${means.join(', ')}`).toBeGreaterThan(-0.2);
  }, 300_000);
});
