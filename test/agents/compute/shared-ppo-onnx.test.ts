// Shared-PPO on backend 'onnx' (compute/actor-critic-model.ts with action
// masks and the kickstarting term): the same updates as on tfjs from the same
// seed, exact resume through a checkpoint on onnx, and checkpoints that move
// between the backends.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Game, TurnBasedEnv } from '../../../core/multi-agent.js';
import { makeGame } from '../../../core/multi-agent.js';
import { initBackend } from '../../../agents/lib/backend.js';
import { randomPolicy } from '../../../agents/multi/evaluate.js';
import '../../../agents/multi/index.js';
import type { MultiAgentLearner } from '../../../agents/multi/learner.js';
import { createLearner, loadLearner } from '../../../agents/multi/learner.js';
import { scriptedSoccerPolicy } from '../../../envs/games/robot-soccer.js';
import { ensureGames } from '../multi/helpers.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { expectLearnerResume, expectNearWeights, expectSameMetrics, expectSamePlay, learnerRun } from './backend-checks.js';

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
    await expectLearnerResume(() => make(c, 'onnx'), (l, steps) => train(l, c, steps), 60, 140, 'onnx', tempDir);
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
