// Shared-DQN on backend 'onnx' (compute/q-model.ts with the legal moves of
// s'): the same update as on tfjs from the same weights and minibatches, the
// same training runs from the same seed, legal moves only when acting, exact
// resume through a checkpoint on onnx, and checkpoints that move between the
// backends.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionMaskOf, makeGame } from '../../../core/multi-agent.js';
import type { Game, TurnBasedEnv } from '../../../core/multi-agent.js';
import { Rng } from '../../../core/rng.js';
import { initBackend } from '../../../agents/lib/backend.js';
import { randomLegal } from '../../../agents/lib/masks.js';
import { randomPolicy } from '../../../agents/multi/evaluate.js';
import '../../../agents/multi/index.js';
import type { MultiAgentLearner } from '../../../agents/multi/learner.js';
import { createLearner, loadLearner } from '../../../agents/multi/learner.js';
import type { MaskedBatch } from '../../../agents/multi/replay.js';
import type { SharedQSettings } from '../../../agents/multi/shared-q.js';
import { createSharedQ, initialWeights } from '../../../agents/multi/shared-q.js';
import { ensureGames } from '../multi/helpers.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { expectExactResume, expectNearWeights, expectSameMetrics, expectSamePlay, learnerResume, learnerRun, worstDiff } from './backend-checks.js';

ensureGames();
const tempDir = tempDirs('shared-dqn-onnx');
beforeAll(async () => {
  await initBackend('wasm');
});


/**
 * A minibatch of `rows` transitions drawn from `rng`: random inputs, actions,
 * rewards, about one in five terminated, and masks of s' with about half the
 * moves legal, where every fourth row that did not terminate has none (an
 * off-turn s' at a time limit, worth 0).
 */
function randomBatch(rng: Rng, rows: number, d: number, nA: number): MaskedBatch {
  const b: MaskedBatch = {
    size: rows,
    obs: Float32Array.from({ length: rows * d }, () => rng.uniform(-1, 1)),
    nextObs: Float32Array.from({ length: rows * d }, () => rng.uniform(-1, 1)),
    actions: Int32Array.from({ length: rows }, () => rng.integers(0, nA)),
    rewards: Float32Array.from({ length: rows }, () => rng.uniform(-1, 1)),
    terminated: Float32Array.from({ length: rows }, () => (rng.random() < 0.2 ? 1 : 0)),
    nextMasks: Float32Array.from({ length: rows * nA }, () => (rng.random() < 0.5 ? 1 : 0)),
  };
  for (let j = 0; j < rows; j += 4) if (!b.terminated[j]) b.nextMasks.fill(0, j * nA, (j + 1) * nA);
  return b;
}

describe("shared-dqn's nets on backend 'onnx'", () => {
  const sizes = [6, 16, 16, 5];
  const settings: SharedQSettings = { learningRate: 3e-3, batchSize: 12, gamma: 0.9, maxGradNorm: 0.5, loss: 'huber', activation: 'relu', doubleQ: true };

  // The ONNX graph and the tfjs ops compute the same float32 update with different kernels and summation
  // orders, so losses, gradient norms and Q-values agree to rounding, compounded over the steps: 1e-5
  // relative leaves room for that; a wrong a*, a mask ignored, an unmasked max or a missing clip is off by
  // far more (an illegal a* alone moves y by the whole gap between two Q-values, an unmasked max of a row
  // without legal moves by 1e9).
  it.each([
    ['double DQN, Huber, clipped, Polyak', { ...settings }, 0.3],
    ['max over the target net, squared error, no clipping, hard copies', { ...settings, doubleQ: false, loss: 'mse', maxGradNorm: 0 }, 1],
    ['tanh, double DQN', { ...settings, activation: 'tanh' }, 1],
  ] as const)('%s: one update, then twenty, equal the tfjs ones', async (_, hp, tau) => {
    const weights = initialWeights(sizes, hp.activation, new Rng(4));
    const wasm = await createSharedQ(hp, 'wasm', sizes, weights);
    const onnx = await createSharedQ(hp, 'onnx', sizes, weights);
    const rng = new Rng(9);
    const probe = Float32Array.from({ length: 30 * sizes[0]! }, () => rng.uniform(-1, 1));
    for (let step = 0; step < 20; step++) {
      const batch = randomBatch(rng, hp.batchSize, sizes[0]!, sizes[3]!);
      if (step === 10) {
        wasm.learningRate = onnx.learningRate = hp.learningRate / 2;
      }
      const a = wasm.update(batch);
      const b = onnx.update(batch);
      expect(Math.abs(b.loss - a.loss), `step ${step} loss ${b.loss} vs ${a.loss}`).toBeLessThan(1e-5 * Math.max(1, a.loss));
      expect(Math.abs(b.gradNorm - a.gradNorm), `step ${step} gradNorm`).toBeLessThan(1e-5 * Math.max(1, a.gradNorm));
      if (step % 3 === 2) {
        wasm.syncTarget(tau);
        onnx.syncTarget(tau);
      }
      if (step === 0 || step === 19) {
        const qa = wasm.qValues(probe, 30);
        expect(worstDiff(onnx.qValues(probe, 30), qa)).toBeLessThan(1e-5 * Math.max(1, ...Array.from(qa, Math.abs)));
      }
    }
    const ta = wasm.optimizerState();
    const tb = onnx.optimizerState();
    expect(tb.t).toBe(ta.t);
    // Adam divides by sqrt(v) + eps: a near-zero gradient's rounding moves its moments' ratio most, hence absolute 1e-5.
    expect(worstDiff(tb.data, ta.data)).toBeLessThan(1e-5);
    wasm.dispose();
    onnx.dispose();
  });

  it('a snapshot keeps the weights it was taken with while the online net trains on', async () => {
    const onnx = await createSharedQ(settings, 'onnx', sizes, initialWeights(sizes, 'relu', new Rng(1)));
    const rng = new Rng(2);
    const x = Float32Array.from({ length: 4 * sizes[0]! }, () => rng.uniform(-1, 1));
    const snap = onnx.snapshot();
    const before = onnx.qValues(x, 4);
    for (let k = 0; k < 3; k++) onnx.update(randomBatch(rng, settings.batchSize, sizes[0]!, sizes[3]!));
    expect(onnx.qValues(x, 4, snap)).toEqual(before);
    expect(worstDiff(onnx.qValues(x, 4), before)).toBeGreaterThan(0);
    onnx.dispose();
  });
});

interface Case {
  name: string;
  hp: Record<string, unknown>;
  game: () => Game;
  opponents?: boolean;
  steps: [number, number];
}

// Turn-based with masks, Polyak targets, pool snapshots and a random opponent; parallel teams with hard
// target copies, max over the target net and squared error.
const CASES: Case[] = [
  {
    name: 'tic-tac-toe (masks, double DQN, Polyak, pool)',
    hp: { hidden: [16], bufferSize: 300, learningStarts: 40, batchSize: 8, trainFreq: 2, targetUpdateInterval: 3, tau: 0.5, snapshotEvery: 6, poolSize: 2, lrSchedule: 'linear', learningRate: 2e-3 },
    game: () => makeGame('TicTacToe-v0'),
    opponents: true,
    steps: [120, 300],
  },
  {
    name: 'robot soccer (parallel teams, max target, mse, hard copies)',
    hp: { hidden: [16], bufferSize: 400, learningStarts: 30, batchSize: 16, trainFreq: 4, gradientSteps: 2, targetUpdateInterval: 5, doubleQ: false, loss: 'mse', maxGradNorm: 0 },
    game: () => makeGame('RobotSoccer-v0', { continuousActions: false }),
    steps: [40, 100],
  },
];

const make = (c: Case, backend: string, seed = 3): Promise<MultiAgentLearner> => createLearner('shared-dqn', c.hp, { game: c.game(), seed, backend });

function train(l: MultiAgentLearner, c: Case, totalSteps: number, hooks = {}): Promise<unknown> {
  return l.learn({ game: [c.game(), c.game()], totalSteps, scheduleSteps: c.steps[1], hooks, ...(c.opponents ? { opponents: { random: randomPolicy() } } : {}) });
}

describe("shared-dqn on backend 'onnx'", () => {
  // As above, over a whole run: the same games (greedy moves pick the same argmax while the Q-values agree
  // to rounding), the same updates to 1e-5 relative, the same saved weights to 1e-5 absolute.
  it.each(CASES)('$name: takes the same updates as the tfjs path', async (c) => {
    const run = (backend: string) => learnerRun(backend, (b) => make(c, b), (l, onUpdate) => train(l, c, c.steps[1], { onUpdate }), tempDir);
    const wasm = await run('wasm');
    const onnx = await run('onnx');
    expect(onnx.metrics.length).toBeGreaterThanOrEqual(10);
    expectSameMetrics(onnx.metrics, wasm.metrics, 1e-5);
    if (c.opponents) expect(Object.keys(onnx.files).some((f) => f.startsWith('pool-'))).toBe(true);
    // The replay buffers hold the same games.
    expect(onnx.files['replay.bin']!.equals(wasm.files['replay.bin']!)).toBe(true);
    expectNearWeights(onnx.files, wasm.files, 1e-5);
  }, 120_000);

  it.each(CASES)('$name: saving and loading mid-training on onnx continues exactly', async (c) => {
    await expectExactResume(() => make(c, 'onnx'), (l, steps) => train(l, c, steps), c.steps[0], c.steps[1], learnerResume('onnx'), tempDir);
  }, 120_000);

  // (The pool snapshots' greedy moves are legal too: the runs above play them against the learner in
  // tic-tac-toe, which refuses an illegal move with an error.)
  it('acts with legal moves only, greedily over them when deterministic (the masked argmax, not the raw one)', async () => {
    const g = makeGame('ConnectFour-v0') as TurnBasedEnv;
    const l = await createLearner('shared-dqn', { hidden: [16] }, { game: g, seed: 1, backend: 'onnx' });
    const rng = new Rng(5);
    let decisions = 0;
    let maskMattered = 0;
    for (let episode = 0; episode < 20; episode++) {
      g.reset({ seed: episode });
      while (g.agents.length > 0) {
        const agent = g.agentSelection;
        if (g.terminations[agent] || g.truncations[agent]) {
          g.step(null);
          continue;
        }
        const obs = g.observe(agent);
        const mask = actionMaskOf(obs)!;
        const q = l.diagnostics(agent, obs).qValues!;
        const greedy = l.act(agent, obs, { deterministic: true });
        const best = q.reduce((b, v, a) => (mask[a] && (b < 0 || v > q[b]!) ? a : b), -1);
        expect(greedy).toBe(best);
        if (q.indexOf(Math.max(...q)) !== best) maskMattered += 1;
        expect(mask[l.act(agent, obs) as number]).toBe(1);
        decisions += 1;
        g.step(randomLegal(7, mask, rng));
      }
    }
    expect(decisions).toBeGreaterThan(200);
    expect(maskMattered).toBeGreaterThan(0);
    l.dispose();
  }, 60_000);

  it.each(['onnx', 'wasm'])("refuses a checkpoint whose nets do not have the hyperparameters' sizes, naming the file and both sizes (%s)", async (backend) => {
    const c = CASES[0]!;
    const l = await make(c, backend);
    const dir = tempDir();
    await l.save(dir);
    l.dispose();
    const path = join(dir, 'learner.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { hyperparameters: Record<string, unknown> };
    manifest.hyperparameters.hidden = [12];
    writeFileSync(path, JSON.stringify(manifest));
    await expect(loadLearner(dir)).rejects.toThrow(/^shared-dqn: .*\/online is a net of sizes \[20, 16, 9\], this learner's is \[20, 12, 9\]$/);
  });

  it.each([
    ['onnx', 'wasm'],
    ['wasm', 'onnx'],
  ])('a checkpoint trained on %s loads on %s and acts the same', async (from, to) => {
    const c = CASES[0]!;
    const l = await make(c, from);
    await train(l, c, c.steps[0]);
    const dir = tempDir();
    await l.save(dir);
    const moved = await loadLearner(dir, { backend: to });
    expect(moved.context.backend).toBe(to);
    // The same float32 weights through two float32 forward passes.
    expectSamePlay(moved, l, c.game() as TurnBasedEnv, 5, (b, a) => expect(worstDiff(b.qValues!, a.qValues!)).toBeLessThan(1e-5));
    // The optimizer state, replay buffer and pool came along: training goes on.
    const updates: Record<string, number>[] = [];
    await train(moved, c, c.steps[1], { onUpdate: (u: { metrics: Record<string, number> }) => updates.push(u.metrics) });
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((m) => Number.isFinite(m.loss) && m.poolSize! > 0)).toBe(true);
    l.dispose();
    moved.dispose();
  }, 120_000);
});
