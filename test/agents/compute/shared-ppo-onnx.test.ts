// Shared-PPO on backend 'onnx' (compute/actor-critic-model.ts with action
// masks and the kickstarting term): the same updates as on tfjs from the same
// seed, pool snapshots that act as the live policy did when they were taken,
// exact resume through a checkpoint on onnx, and checkpoints that move
// between the backends as the same files, byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Game, TurnBasedEnv } from '../../../core/multi-agent.js';
import { makeGame } from '../../../core/multi-agent.js';
import { Rng } from '../../../core/rng.js';
import { initBackend } from '../../../agents/lib/backend.js';
import type { MinibatchRows } from '../../../agents/lib/compute/actor-critic-model.js';
import type { MinibatchStats } from '../../../agents/lib/ppo-loss.js';
import { randomPolicy } from '../../../agents/multi/evaluate.js';
import '../../../agents/multi/index.js';
import type { MultiAgentLearner } from '../../../agents/multi/learner.js';
import { createLearner, loadLearner } from '../../../agents/multi/learner.js';
import type { SharedPpoSettings, SharedPpoShape } from '../../../agents/multi/shared-ppo-nets.js';
import { createSharedPpo, initialWeights } from '../../../agents/multi/shared-ppo-nets.js';
import { scriptedSoccerPolicy } from '../../../envs/games/robot-soccer.js';
import { ensureGames } from '../multi/helpers.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { expectExactResume, expectNearWeights, expectSameFiles, expectSameMetrics, expectSameSave, expectSamePlay, learnerResume, learnerRun, savedFiles, worstDiff } from './backend-checks.js';

ensureGames();
const tempDir = tempDirs('shared-ppo-onnx');
beforeAll(async () => {
  await initBackend('wasm');
});

interface Case {
  name: string;
  hp: Record<string, unknown>;
  game: () => Game;
  opponents?: boolean;
  teacher?: boolean;
}

// Masked logits with self-play snapshots and a random opponent; Box actions (Gaussian, log std trained);
// kickstarting (the imitation term with its fading weight) with the target-KL stop.
const CASES: Case[] = [
  { name: 'connect four (masks, pool)', hp: { hidden: [16], nSteps: 6, batchSize: 32, nEpochs: 2, snapshotEvery: 1, poolSize: 2 }, game: () => makeGame('ConnectFour-v0'), opponents: true },
  { name: 'cooperative navigation (Box actions)', hp: { hidden: [16], nSteps: 10, batchSize: 32, nEpochs: 2 }, game: () => makeGame('CooperativeNavigation-v0', { continuousActions: true }) },
  {
    name: 'robot soccer (kickstarted, target KL)',
    hp: { hidden: [16], nSteps: 8, batchSize: 32, nEpochs: 3, kickstartCoef: 2, kickstartFraction: 0.7, targetKl: 0.0005, learningRate: 3e-3 },
    game: () => makeGame('RobotSoccer-v0', { continuousActions: false }),
    teacher: true,
  },
];

const make = (c: Case, backend: string, seed = 3): Promise<MultiAgentLearner> => createLearner('shared-ppo', c.hp, { game: c.game(), seed, backend });

function train(l: MultiAgentLearner, c: Case, totalSteps: number, hooks = {}): Promise<unknown> {
  return l.learn({
    game: [c.game(), c.game()],
    totalSteps,
    scheduleSteps: 160,
    hooks,
    ...(c.opponents ? { opponents: { random: randomPolicy() } } : {}),
    ...(c.teacher ? { teacher: (obs: unknown) => scriptedSoccerPolicy(obs as Float32Array, { discrete: true }) } : {}),
  });
}

describe("shared-ppo on backend 'onnx'", () => {
  // As for PPO (actor-critic-onnx.test.ts): the ONNX graph and the tfjs ops compute the same float32 update
  // with different kernels and summation orders, so metrics agree to rounding (1e-5 relative leaves room
  // for it; a wrong term, mask or gradient is off by far more) while the sampled games stay the same draws.
  it.each(CASES)('$name: takes the same updates as the tfjs path', async (c) => {
    const run = (backend: string) => learnerRun(backend, (b) => make(c, b), (l, onUpdate) => train(l, c, 160, { onUpdate }), tempDir);
    const wasm = await run('wasm');
    const onnx = await run('onnx');
    expect(onnx.metrics.length).toBeGreaterThanOrEqual(3);
    expectSameMetrics(onnx.metrics, wasm.metrics, 1e-5);
    if (c.teacher) expect(onnx.metrics.some((m) => (m.kickstartLoss ?? 0) > 0)).toBe(true);
    if (c.hp['targetKl']) expect(onnx.metrics.some((m) => m.epochs! < 3)).toBe(true);
    // Adam divides by sqrt(v) + eps, so a near-zero gradient's rounding moves its weight by up to about lr * 1e-2: 1e-5 absolute.
    expectNearWeights(onnx.files, wasm.files, 1e-5);
  }, 120_000);

  it.each(CASES)('$name: saving and loading mid-training on onnx continues exactly', async (c) => {
    await expectExactResume(() => make(c, 'onnx'), (l, steps) => train(l, c, steps), 60, 140, learnerResume('onnx'), tempDir);
  }, 120_000);

  it.each([
    ['onnx', 'wasm'],
    ['wasm', 'onnx'],
  ])('a checkpoint trained on %s loads on %s and acts the same', async (from, to) => {
    const c = CASES[0]!;
    const l = await make(c, from);
    await train(l, c, 60);
    const dir = tempDir();
    await l.save(dir);
    const moved = await loadLearner(dir, { backend: to });
    expect(moved.context.backend).toBe(to);
    // The same float32 weights through two float32 forward passes.
    expectSamePlay(moved, l, c.game() as TurnBasedEnv, 6, (b, a) => {
      expect(Math.abs(b.value! - a.value!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.value!)));
      a.probs!.forEach((p, i) => expect(Math.abs(b.probs![i]! - p)).toBeLessThan(1e-6));
    });
    // The optimizer state and the pool came along: training goes on.
    const updates: Record<string, number>[] = [];
    await train(moved, c, 140, { onUpdate: (u: { metrics: Record<string, number> }) => updates.push(u.metrics) });
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((m) => Number.isFinite(m.policyLoss) && Number.isFinite(m.valueLoss))).toBe(true);
    l.dispose();
    moved.dispose();
  }, 120_000);
});

/** `rows` minibatch rows drawn from `rng` for nets of `shape`: random inputs, advantages and returns, legal actions under masks with about half the moves legal. */
function randomRows(rng: Rng, rows: number, shape: SharedPpoShape): MinibatchRows {
  const d = shape.actorSizes[0]!;
  const nOut = shape.actorSizes[shape.actorSizes.length - 1]!;
  const masks = Float32Array.from({ length: rows * nOut }, () => (rng.random() < 0.5 ? 1 : 0));
  const actions = new Float32Array(rows * (shape.discrete ? 1 : nOut));
  for (let j = 0; j < rows; j++) {
    if (!shape.discrete) {
      for (let k = 0; k < nOut; k++) actions[j * nOut + k] = rng.normal();
      continue;
    }
    masks[j * nOut + rng.integers(0, nOut)] = 1;
    const legal = Array.from({ length: nOut }, (_, a) => a).filter((a) => masks[j * nOut + a] === 1);
    actions[j] = legal[rng.integers(0, legal.length)]!;
  }
  const column = () => Float32Array.from({ length: rows }, () => rng.uniform(-1, 1));
  return { obs: Float32Array.from({ length: rows * d }, () => rng.uniform(-1, 1)), actions, logProbs: column().map((v) => v - 2), values: column(), advantages: column(), returns: column(), masks };
}

describe("shared-ppo's nets", () => {
  const settings: SharedPpoSettings = { learningRate: 3e-3, maxGradNorm: 0.5, vfCoef: 0.5, entCoef: 0.01, kickstartCoef: 0, activation: 'tanh' };
  const shapes: [string, SharedPpoShape][] = [
    ['masked logits', { actorSizes: [6, 16, 5], criticSizes: [6, 16, 1], discrete: true }],
    ['Gaussian means', { actorSizes: [6, 16, 3], criticSizes: [6, 16, 1], discrete: false }],
  ];

  // What a pool opponent samples from is its snapshot's outputs: equal to the live actor's, bit for bit, when
  // the snapshot is taken (so its actions are the live policy's for the same draws), and unchanged after.
  it.each(shapes)('%s: a snapshot acts as the live actor did when it was taken, on each backend, while the live one trains on', async (_, shape) => {
    const nOut = shape.actorSizes[2]!;
    for (const backend of ['onnx', 'wasm']) {
      const nets = await createSharedPpo(settings, backend, shape, initialWeights(shape, 'tanh', -0.5, new Rng(4)));
      const rng = new Rng(5);
      const x = Float32Array.from({ length: 7 * 6 }, () => rng.uniform(-1, 1));
      const actorOutputs = () => {
        const out = nets.forward(x, 7, true);
        return Float32Array.from({ length: 7 * nOut }, (_, i) => out[Math.floor(i / nOut) * (nOut + 1) + (i % nOut)]!);
      };
      const stats: MinibatchStats = { onnx: nets.onnx, rows: [], tensors: [] };
      await nets.prepare(16);
      nets.step(randomRows(rng, 16, shape), 16, 0.2, 0, stats);
      const snap = nets.snapshot();
      const live = actorOutputs();
      expect(nets.snapshotForward(snap, x, 7), backend).toEqual(live);
      for (let k = 0; k < 3; k++) nets.step(randomRows(rng, 16, shape), 16, 0.2, 0, stats);
      expect(worstDiff(actorOutputs(), live), backend).toBeGreaterThan(1e-4);
      expect(nets.snapshotForward(snap, x, 7), backend).toEqual(live);
      for (const t of stats.tensors) t.dispose();
      nets.disposeSnapshot(snap);
      nets.dispose();
    }
  });
});

describe("shared-ppo's files on backend 'onnx'", () => {
  // A new learner holds the initial weights the tfjs variables are made from (the same draws), saved as the
  // tfjs path saves them.
  it.each(CASES)('$name: a new learner saves the bytes a new tfjs learner of the same seed saves', async (c) => {
    const dirs = { onnx: tempDir(), wasm: tempDir() };
    for (const backend of ['onnx', 'wasm'] as const) {
      const l = await make(c, backend, 8);
      await l.save(dirs[backend]);
      l.dispose();
    }
    expect(JSON.parse(readFileSync(join(dirs.onnx, 'learner.json'), 'utf8')).context.backend).toBe('onnx');
    expectSameSave(dirs.onnx, dirs.wasm, 'learner.json');
  }, 60_000);

  // Nets, optimizer moments, pool snapshots and log std written from the flat parameters are the files the
  // tfjs variables write for the same numbers, both ways: a checkpoint trained on one backend, loaded on the
  // other and saved at once, is the same bytes.
  it.each([
    ['wasm', 'onnx'],
    ['onnx', 'wasm'],
  ])('%s: a checkpoint loaded on %s and saved at once is the same bytes, pool and log std included', async (from, to) => {
    for (const c of [CASES[0]!, { ...CASES[1]!, hp: { ...CASES[1]!.hp, logStdInit: -0.7 } }]) {
      const l = await make(c, from);
      await train(l, c, 60);
      const dir = tempDir();
      await l.save(dir);
      l.dispose();
      const moved = await loadLearner(dir, { backend: to });
      const again = tempDir();
      await moved.save(again);
      moved.dispose();
      if (c.opponents) expect(Object.keys(savedFiles(dir)).filter((f) => /^pool-\d+\.json$/.test(f))).toHaveLength(2);
      expectSameSave(again, dir, 'learner.json');
    }
  }, 120_000);

  it('resaves an onnx checkpoint as the same bytes on onnx; its newest pool snapshot, taken at the last update, is the actor', async () => {
    const c = CASES[0]!;
    const l = await make(c, 'onnx');
    await train(l, c, 60);
    const dir = tempDir();
    await l.save(dir);
    l.dispose();
    const pool = (JSON.parse(readFileSync(join(dir, 'learner.json'), 'utf8')) as { state: { pool: { id: number }[] } }).state.pool;
    const files = savedFiles(dir);
    expect(files[`pool-${pool[pool.length - 1]!.id}.weights.bin`]!.equals(files['actor.weights.bin']!)).toBe(true);
    expect(files[`pool-${pool[0]!.id}.weights.bin`]!.equals(files['actor.weights.bin']!)).toBe(false);
    const loaded = await loadLearner(dir);
    const again = tempDir();
    await loaded.save(again);
    loaded.dispose();
    expectSameFiles(again, dir);
  }, 60_000);

  it("refuses a checkpoint whose nets or log std do not fit the hyperparameters, naming the file", async () => {
    const c = CASES[1]!;
    const l = await make(c, 'onnx');
    const dir = tempDir();
    await l.save(dir);
    l.dispose();
    const path = join(dir, 'learner.json');
    const manifest = readFileSync(path, 'utf8');
    const edit = (change: (m: { hyperparameters: Record<string, unknown>; state: Record<string, unknown> }) => void) => {
      const m = JSON.parse(manifest);
      change(m);
      writeFileSync(path, JSON.stringify(m));
    };
    edit((m) => (m.hyperparameters['hidden'] = [12]));
    await expect(loadLearner(dir)).rejects.toThrow(/^shared-ppo: .*\/actor is a net of sizes \[\d+, 16, 2\], this learner's is \[\d+, 12, 2\]$/);
    for (const logStd of [[0], [0, 'a'], null]) {
      edit((m) => (m.state['logStd'] = logStd));
      await expect(loadLearner(dir)).rejects.toThrow(new RegExp(`^shared-ppo: .*/learner.json's logStd is ${JSON.stringify(logStd).replace(/[[\]]/g, '\\$&')}, this learner's Gaussian policy needs 2 finite numbers$`));
    }
  });
});
