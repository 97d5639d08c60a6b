// The three learners through the common API: hyperparameter checks, seeded
// determinism, save/load mid-training continuing with the same numbers (pool,
// replay, optimizer and generators included), masked acting, diagnostics.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Game, ParallelEnv } from '../../../core/multi-agent.js';
import { legalActions, makeGame } from '../../../core/multi-agent.js';
import { initBackend } from '../../../agents/lib/backend.js';
import { evaluateMatch, randomPolicy } from '../../../agents/multi/evaluate.js';
import '../../../agents/multi/index.js';
import type { MultiAgentLearner } from '../../../agents/multi/learner.js';
import { createLearner, listLearners, loadLearner } from '../../../agents/multi/learner.js';
import { scriptedSoccerPolicy } from '../../../envs/games/robot-soccer.js';
import { ensureGames } from './helpers.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

ensureGames();
const tempDir = tempDirs('multi');
beforeAll(async () => {
  await initBackend('wasm');
});

/** Every file of a saved learner, as bytes (learner.json included). */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

interface Case {
  name: string;
  learner: string;
  hp: Record<string, unknown>;
  game: () => Game;
  copies: number;
  steps: [number, number];
  opponents?: boolean;
  /** Kickstarted from the scripted soccer team (the learner's hp say how strongly). */
  teacher?: boolean;
  discretize?: { bins: number };
}

const scriptedSoccer = (obs: unknown) => scriptedSoccerPolicy(obs as Float32Array, { discrete: true });

const CASES: Case[] = [
  { name: 'iql on tic-tac-toe (self-play pool, random opponent)', learner: 'iql', hp: { snapshotEvery: 50, poolSize: 3, opponentSampling: 'recency' }, game: () => makeGame('TicTacToe-v0'), copies: 2, steps: [300, 700], opponents: true },
  {
    name: 'shared-dqn on tic-tac-toe (masked targets, replay, pool)',
    learner: 'shared-dqn',
    hp: { hidden: [16], bufferSize: 300, learningStarts: 40, batchSize: 8, targetUpdateInterval: 10, snapshotEvery: 15, poolSize: 2 },
    game: () => makeGame('TicTacToe-v0'),
    copies: 2,
    steps: [150, 300],
    opponents: true,
  },
  {
    name: 'shared-ppo on connect four (turn-based streams, masked logits, pool)',
    learner: 'shared-ppo',
    hp: { hidden: [16], nSteps: 6, batchSize: 32, nEpochs: 2, snapshotEvery: 1, poolSize: 2 },
    game: () => makeGame('ConnectFour-v0'),
    copies: 2,
    steps: [60, 140],
    opponents: true,
  },
  {
    name: 'iql on pong (Box observations through a grid, self-play)',
    learner: 'iql',
    hp: { snapshotEvery: 100, teamReward: false },
    game: () => makeGame('Pong-v0', { pointsToWin: 1 }),
    copies: 2,
    steps: [200, 400],
    discretize: { bins: 4 },
  },
  {
    name: 'shared-ppo on cooperative navigation (Box actions, team reward, truncation)',
    learner: 'shared-ppo',
    hp: { hidden: [16], nSteps: 10, batchSize: 32, nEpochs: 2 },
    game: () => makeGame('CooperativeNavigation-v0', { continuousActions: true }),
    copies: 2,
    steps: [40, 80],
  },
  {
    name: 'shared-dqn on robot soccer (teams, discrete moves, parallel)',
    learner: 'shared-dqn',
    hp: { hidden: [16], bufferSize: 200, learningStarts: 20, batchSize: 8, snapshotEvery: 5 },
    game: () => makeGame('RobotSoccer-v0', { continuousActions: false }),
    copies: 1,
    steps: [30, 60],
  },
  {
    name: 'shared-ppo on robot soccer kickstarted by the scripted team (the weight fading mid-run)',
    learner: 'shared-ppo',
    hp: { hidden: [16], nSteps: 8, batchSize: 32, nEpochs: 2, kickstartCoef: 2, kickstartFraction: 0.7 },
    game: () => makeGame('RobotSoccer-v0', { continuousActions: false }),
    copies: 2,
    steps: [40, 80],
    teacher: true,
  },
];

async function make(c: Case, seed = 3): Promise<MultiAgentLearner> {
  return createLearner(c.learner, c.hp, { game: c.game(), seed, backend: 'wasm', ...(c.discretize ? { discretize: c.discretize } : {}) });
}

async function train(l: MultiAgentLearner, c: Case, totalSteps: number): Promise<void> {
  await l.learn({
    game: Array.from({ length: c.copies }, c.game),
    totalSteps,
    scheduleSteps: c.steps[1],
    ...(c.opponents ? { opponents: { random: randomPolicy() } } : {}),
    ...(c.teacher ? { teacher: scriptedSoccer } : {}),
  });
}

describe('registry', () => {
  it('lists the learners and validates hyperparameters with their ranges', async () => {
    expect(listLearners().map((d) => d.name)).toEqual(['iql', 'shared-dqn', 'shared-ppo']);
    await expect(createLearner('iql', { learningRate: 2, gama: 1 }, { game: makeGame('TicTacToe-v0'), seed: 0 })).rejects.toThrow(/gama[\s\S]*learningRate must be a number in \(0, 1\]/);
    await expect(createLearner('shared-dq', {}, { game: makeGame('TicTacToe-v0'), seed: 0 })).rejects.toThrow(/did you mean "shared-dqn"/);
    await expect(createLearner('iql', {}, { game: makeGame('CooperativeNavigation-v0'), seed: 0 })).rejects.toThrow(/discretize/);
    await expect(createLearner('shared-dqn', {}, { game: makeGame('RobotSoccer-v0'), seed: 0, backend: 'wasm' })).rejects.toThrow(/Discrete action/);
  });
});

describe.each(CASES)('$name', (c) => {
  it('is deterministic for a seed, and save/load mid-training continues with the same numbers', async () => {
    const straight = await make(c);
    await train(straight, c, c.steps[0]);
    await train(straight, c, c.steps[1]);
    const a = tempDir();
    await straight.save(a);
    expect(straight.stepCount).toBeGreaterThanOrEqual(c.steps[1]);

    const resumed = await make(c);
    await train(resumed, c, c.steps[0]);
    const mid = tempDir();
    await resumed.save(mid);
    resumed.dispose();
    const loaded = await loadLearner(mid, { backend: 'wasm' });
    expect(loaded.stepCount).toBe(resumed.stepCount);
    await train(loaded, c, c.steps[1]);
    const b = tempDir();
    await loaded.save(b);
    expect(snapshot(b)).toEqual(snapshot(a));
    if (c.hp['snapshotEvery']) expect(loaded.poolSize).toBeGreaterThan(0);

    const other = await make(c, 4);
    await train(other, c, c.steps[0]);
    const o = tempDir();
    await other.save(o);
    expect(snapshot(o)).not.toEqual(snapshot(mid));
    for (const l of [straight, loaded, other]) l.dispose();
  });

  it('acts legally for every agent, in one batch for a parallel game, with diagnostics', async () => {
    const l = await make(c);
    const g = c.game();
    if (g.spec.kind === 'parallel') {
      const p = g as ParallelEnv;
      const { obs } = p.reset({ seed: 0 });
      const actions = l.actAll(obs, { deterministic: true });
      expect(Object.keys(actions)).toEqual([...p.agents]);
      p.step(actions);
      const d = l.diagnostics(p.possibleAgents[0]!, obs[p.possibleAgents[0]!]);
      expect(Number.isFinite(d.value ?? d.qValues?.[0])).toBe(true);
    } else {
      // A crowded connect-four or tic-tac-toe position: random legal play for a few moves, then every choice must be legal.
      const r = evaluateMatch(l.policy({ deterministic: false }), randomPolicy(), g, { games: 6, seed: 1 });
      expect(r.games).toBe(6);
      const t = c.game() as import('../../../core/multi-agent.js').TurnBasedEnv;
      t.reset();
      for (let k = 0; k < 3; k++) t.step(legalActions(t.last().obs)[0]!);
      const obs = t.last().obs;
      const legal = legalActions(obs);
      for (let i = 0; i < 20; i++) expect(legal).toContain(l.act(t.agentSelection, obs, { deterministic: i % 2 === 0 }));
      const d = l.diagnostics(t.agentSelection, obs);
      const probs = d.probs!;
      (obs as { actionMask: Uint8Array }).actionMask.forEach((m, a) => {
        if (!m) expect(probs[a]).toBe(0);
      });
      expect(probs.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    }
    l.dispose();
  });
});

describe('learning', () => {
  it('iql learns tic-tac-toe against a random player within 30,000 moves (seeds 1-3, each)', async () => {
    // Win rates over 200 games: 0.765, 0.8 and 0.835 for seeds 1-3.
    const winRates: number[] = [];
    for (const seed of [1, 2, 3]) {
      const l = await createLearner('iql', { learningRate: 0.3, gamma: 0.9, epsilon: 0.3 }, { game: makeGame('TicTacToe-v0'), seed });
      await l.learn({ game: makeGame('TicTacToe-v0'), totalSteps: 30_000, opponents: { random: randomPolicy() } });
      const r = evaluateMatch(l.policy(), randomPolicy(), makeGame('TicTacToe-v0'), { games: 200, seed: 5 });
      winRates.push(r.wins / r.games);
      l.dispose();
    }
    for (const w of winRates) expect(w, `win rates by seed: ${winRates.join(', ')}`).toBeGreaterThan(0.75);
  });
});

describe('kickstarting (shared-ppo)', () => {
  const soccer = () => makeGame('RobotSoccer-v0', { continuousActions: false });
  const hp = { hidden: [32], nSteps: 16, batchSize: 64, nEpochs: 4, learningRate: 3e-3, entCoef: 0, fixedWeight: 1, selfPlayWeight: 0, poolWeight: 0 };

  /** Mean probability of action `a` over the observations of a scripted match. */
  function meanProbability(l: MultiAgentLearner, a: number): number {
    const game = soccer() as ParallelEnv;
    let { obs } = game.reset({ seed: 11 });
    let sum = 0;
    let n = 0;
    for (let t = 0; t < 60; t++) {
      for (const agent of game.agents) {
        sum += l.diagnostics(agent, obs[agent]).probs![a]!;
        n++;
      }
      const actions = Object.fromEntries(game.agents.map((agent) => [agent, scriptedSoccer(obs[agent])]));
      obs = game.step(actions).obs;
    }
    return sum / n;
  }

  it("pulls the policy to the teacher's actions while its weight lasts, then stops asking the teacher", async () => {
    // A teacher that always answers 3 (accelerate toward +y), against the scripted team; no entropy bonus.
    const calls: number[] = [];
    let step = 0;
    const teacher = () => {
      calls.push(step);
      return 3;
    };
    const updates: { step: number; metrics: Record<string, number> }[] = [];
    const kickstarted = await createLearner('shared-ppo', { ...hp, kickstartCoef: 5, kickstartFraction: 0.5 }, { game: soccer(), seed: 2, backend: 'wasm' });
    const plain = await createLearner('shared-ppo', hp, { game: soccer(), seed: 2, backend: 'wasm' });
    expect(meanProbability(kickstarted, 3)).toBeCloseTo(0.1, 1);
    const options = {
      game: [soccer(), soccer()],
      totalSteps: 640,
      opponents: { scripted: scriptedSoccer },
      hooks: {
        onUpdate: (u: { step: number; metrics: Record<string, number> }) => {
          step = u.step;
          updates.push(u);
        },
      },
    };
    // The kickstarting phase (a budget of 640 steps, the weight gone at 320), then the rest.
    await kickstarted.learn({ ...options, totalSteps: 320, scheduleSteps: 640, teacher });
    const pulled = meanProbability(kickstarted, 3);
    expect(pulled).toBeGreaterThan(0.4);
    await kickstarted.learn({ ...options, teacher });
    // The weight falls linearly from 5 to 0 at half the budget (320 steps; an update weighs by the step its rollout
    // started at, 32 steps apart), and the teacher is asked only in rollouts whose update weighs its answers.
    expect(updates.slice(0, 3).map((u) => u.metrics.kickstartCoef)).toEqual([5, 5 * (1 - 32 / 320), 5 * (1 - 64 / 320)].map((w) => expect.closeTo(w, 6)));
    expect(updates.at(-1)!.metrics.kickstartCoef).toBe(0);
    expect(updates.at(-1)!.metrics.kickstartLoss).toBeUndefined();
    const losses = updates.filter((u) => u.metrics.kickstartCoef! > 0).map((u) => u.metrics.kickstartLoss!);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    expect(calls.length).toBeGreaterThan(0);
    expect(Math.max(...calls)).toBeLessThan(320);

    updates.length = 0;
    const asked = calls.length;
    await plain.learn({ ...options, teacher });
    expect(calls.length).toBe(asked);
    expect(meanProbability(plain, 3)).toBeLessThan(0.2);
    expect(updates.every((u) => !('kickstartCoef' in u.metrics))).toBe(true);
    kickstarted.dispose();
    plain.dispose();
  });

  it('needs a teacher when kickstartCoef > 0, and checks its actions', async () => {
    const l = await createLearner('shared-ppo', { ...hp, kickstartCoef: 1 }, { game: soccer(), seed: 0, backend: 'wasm' });
    await expect(l.learn({ game: soccer(), totalSteps: 20, opponents: { scripted: scriptedSoccer } })).rejects.toThrow(/kickstartCoef > 0 needs a teacher policy/);
    await expect(l.learn({ game: soccer(), totalSteps: 20, opponents: { scripted: scriptedSoccer }, teacher: () => 10 })).rejects.toThrow(
      /the teacher's action for (blue|red)_[01] is 10, not one of the 10 actions from 0/,
    );
    l.dispose();
    // On a board, a teacher's move must also be legal.
    const c4 = await createLearner('shared-ppo', { hidden: [8], nSteps: 4, kickstartCoef: 1 }, { game: makeGame('ConnectFour-v0'), seed: 0, backend: 'wasm' });
    const full = (obs: unknown) => (obs as { actionMask: Uint8Array }).actionMask.indexOf(0);
    await expect(c4.learn({ game: makeGame('ConnectFour-v0'), totalSteps: 200, opponents: { random: randomPolicy() }, teacher: (obs) => (full(obs) >= 0 ? full(obs) : 0) })).rejects.toThrow(
      /the teacher's action for player_[01] is \d, an illegal move there/,
    );
    c4.dispose();
  });
});
