// Multi-agent games through the experiment runner: configs that name a game,
// runs that write per-agent and team returns, evaluations against a fixed
// opponent with wins/draws/losses, match records, exact resume, and compare.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { validateEpisodeRecord } from '../../core/episode.js';
import type { MatchRecord } from '../../core/match-record.js';
import { compareRuns } from '../../experiments/compare.js';
import { formatTable, toCsv } from '../../experiments/comparison-format.js';
import { loadRun } from '../../experiments/load-runs.js';
import { ConfigError, parseExperimentConfig, planRuns } from '../../experiments/config.js';
import { executeRun } from '../../experiments/execute-run.js';
import { evalCommand } from '../../bin/run.js';
import { parseJsonl } from '../../experiments/store.js';
import type { EpisodeIndexLine, EpisodeLine, EvalLine, MetricsLine, PlannedRun, UpdateLine } from '../../experiments/types.js';

const root = mkdtempSync(join(tmpdir(), 'arena-game-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lines<T>(dir: string, file: string): T[] {
  const path = join(dir, file);
  return existsSync(path) ? parseJsonl<T>(readFileSync(path, 'utf8')).lines : [];
}

function problems(text: string): string[] {
  try {
    parseExperimentConfig(text, 'game.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const TIC_TAC_TOE = (extra = '', runsDir = root) =>
  planRuns(
    parseExperimentConfig(
      `
name: ttt
env: TicTacToe-v0
totalSteps: 30000
seeds: [4]
eval: { every: 10000, episodes: 20 }
record: { every: 0, episodes: 2 }
checkpointEvery: 10000
logEvery: 5000
opponents: [random]
evalOpponent: minimax
variants:
  - algorithm: iql
    hyperparameters: { learningRate: 0.3, gamma: 0.9, epsilon: 0.5, epsilonEnd: 0.05, snapshotEvery: 2000 }
${extra}`,
      'ttt.yaml',
    ),
    runsDir,
  );

describe('game configs', () => {
  it('resolve a game id, a learner, opponents and copies', () => {
    const [run] = TIC_TAC_TOE();
    expect(run!.spec.env).toEqual({ id: 'TicTacToe-v0', kwargs: {}, wrappers: [] });
    expect(run!.spec.game).toEqual({ opponents: ['random'], evalOpponent: 'minimax' });
    expect(run!.spec.envs).toBe(4); // iql's default number of game copies
    expect(run!.spec.threshold).toBeUndefined();
  });

  it('report every game-specific problem at once, with positions', () => {
    const found = problems(`
name: bad
env: { id: CooperativeNavigation-v0, kwargs: { n: 3 }, wrappers: [clipAction] }
totalSteps: 1000
seeds: 1
evalOpponent: random
shaping: { potential: ball-progress }
variants:
  - algorithm: dqn
  - algorithm: shared-ppo
    hyperparameters: { learningRat: 0.001 }
`);
    expect(found).toEqual([
      expect.stringMatching(/^game\.yaml:3:\d+: env\.wrappers: CooperativeNavigation-v0 is a multi-agent game; env wrappers apply to single-agent envs only$/),
      expect.stringMatching(/^game\.yaml:6:1: evalOpponent: CooperativeNavigation-v0 is cooperative \(one team\)/),
      expect.stringMatching(/^game\.yaml:7:\d+: shaping\.potential: CooperativeNavigation-v0 has no potential "ball-progress"; it has none$/),
      expect.stringMatching(/^game\.yaml:9:\d+: variants\[0\]\.algorithm: unknown multi-agent learner "dqn"; .*available: iql, shared-dqn, shared-ppo \(CooperativeNavigation-v0 is a multi-agent game: it takes a multi-agent learner\)$/),
      expect.stringMatching(/^game\.yaml:11:\d+: variants\[1\]\.hyperparameters\.learningRat: .*did you mean "learningRate"\?$/),
    ]);
  });

  it('name the opponents a game has, and keep them off single-agent envs', () => {
    expect(
      problems(`
name: bad
env: RobotSoccer-v0
totalSteps: 1000
seeds: 1
variants:
  - algorithm: shared-ppo
    opponents: [scriptd]
    evalOpponent: minimax
`),
    ).toEqual([
      'game.yaml:8:17: variants[0].opponents[0]: RobotSoccer-v0 has no opponent "scriptd"; did you mean "scripted"? opponents: random, scripted',
      'game.yaml:9:19: variants[0].evalOpponent: RobotSoccer-v0 has no opponent "minimax"; opponents: random, scripted',
    ]);
    expect(
      problems(`
name: bad
env: CartPole-v1
totalSteps: 1000
seeds: 1
opponents: [random]
variants:
  - algorithm: ppo
`),
    ).toEqual(['game.yaml:6:1: opponents: opponents is for multi-agent games; this env is a single-agent one']);
  });

  it('take a teacher for kickstarting only with a learner and a kickstartCoef that use it', () => {
    const soccer = (variants: string, top = '') =>
      parseExperimentConfig(
        `
name: kick
env: { id: RobotSoccer-v0, kwargs: { continuousActions: false } }
totalSteps: 1000
seeds: 1
opponents: [scripted]
evalOpponent: scripted
${top}
variants:
${variants}`,
        'game.yaml',
      );
    const ok = soccer('  - algorithm: shared-ppo\n    hyperparameters: { kickstartCoef: 1 }', 'teacher: scripted');
    expect(ok.variants[0]!.game).toEqual({ opponents: ['scripted'], evalOpponent: 'scripted', teacher: 'scripted' });
    // A sweep comparing with and without the teacher is fine.
    expect(soccer('  - algorithm: shared-ppo\n    teacher: scripted\n    sweep: { kickstartCoef: [0, 1] }').variants.map((v) => v.game?.teacher)).toEqual(['scripted', 'scripted']);
    const found = (() => {
      try {
        soccer(
          `  - algorithm: shared-ppo
    teacher: scriptd
    hyperparameters: { kickstartCoef: 1 }
  - algorithm: shared-dqn
    teacher: scripted
  - { name: b, algorithm: shared-ppo, teacher: random }
  - name: c
    algorithm: shared-ppo
    hyperparameters: { kickstartCoef: 0.5 }`,
        );
      } catch (e) {
        return (e as Error).message.split('\n');
      }
      return [];
    })();
    expect(found).toEqual([
      expect.stringMatching(/^game\.yaml:11:14: variants\[0\]\.teacher: RobotSoccer-v0 has no opponent "scriptd"; did you mean "scripted"\?/),
      expect.stringMatching(/^game\.yaml:14:\d+: variants\[1\]\.teacher: shared-dqn does not learn from a teacher \(shared-ppo does, with hyperparameters\.kickstartCoef\)$/),
      expect.stringMatching(/^game\.yaml:15:\d+: variants\[2\]\.teacher: a teacher is named but kickstartCoef is 0: set hyperparameters\.kickstartCoef > 0 to learn from it$/),
      expect.stringMatching(/^game\.yaml:18:\d+: variants\[3\]\.hyperparameters\.kickstartCoef: kickstartCoef > 0 needs a teacher: name one of the game's opponents with `teacher`/),
    ]);
  });
});

/** A run's numbers without wall-clock fields. */
function numbers(dir: string): { metrics: unknown[]; evals: unknown[]; episodes: unknown[] } {
  const strip = (l: object) => {
    const { time: _t, fps: _f, ...rest } = l as { time?: number; fps?: number };
    return rest;
  };
  return {
    metrics: lines<MetricsLine>(dir, 'metrics.jsonl').map(strip),
    evals: lines<EvalLine>(dir, 'eval.jsonl').map(strip),
    episodes: lines<EpisodeIndexLine>(dir, 'episodes/index.jsonl'),
  };
}

describe('a tic-tac-toe run', () => {
  const [run] = TIC_TAC_TOE('', join(root, 'whole'));
  let done: Promise<unknown> | null = null;
  const finished = () => (done ??= executeRun(run!));

  it('writes per-agent and team returns, W-D-L evaluations against minimax, and match records', async () => {
    expect(await finished()).toMatchObject({ status: 'finished', step: 30_000 });
    const episodes = lines<MetricsLine>(run!.dir, 'metrics.jsonl').filter((m): m is EpisodeLine => m.type === 'episode');
    expect(episodes.length).toBeGreaterThan(1000);
    for (const e of episodes.slice(0, 50)) {
      expect(Object.keys(e.returns!)).toEqual(['player_0', 'player_1']);
      expect(e.teamReturns).toEqual([e.returns!['player_0'], e.returns!['player_1']]);
      // The line's return is the team return of the first side the learner played.
      expect(e.return).toBe(e.teamReturns![e.controllers!.indexOf('learner')]);
      expect(e.controllers!.length).toBe(2);
    }
    // Self-play and games against the random opponent both happen.
    expect(episodes.some((e) => e.controllers!.every((c) => c === 'learner'))).toBe(true);
    expect(episodes.some((e) => e.controllers!.includes('random'))).toBe(true);

    const evals = lines<EvalLine>(run!.dir, 'eval.jsonl');
    expect(evals.map((e) => e.step)).toEqual([0, 10_000, 20_000, 30_000]);
    for (const e of evals) {
      expect(e.opponent).toBe('minimax');
      expect(e.wins! + e.draws! + e.losses!).toBe(20);
      expect(e.returns).toHaveLength(20);
      // A perfect player never loses: every game is a draw (0) or a learner loss (-1).
      expect(e.wins).toBe(0);
      expect(e.returns.every((r) => r === 0 || r === -1)).toBe(true);
      expect(e.mean).toBeCloseTo(-e.losses! / 20, 12);
    }
    // It learns: a fresh table loses most games to minimax, the trained one fewer.
    expect(evals.at(-1)!.losses!).toBeLessThan(evals[0]!.losses!);

    const index = lines<EpisodeIndexLine>(run!.dir, 'episodes/index.jsonl');
    expect(index.map((l) => [l.step, l.index])).toEqual([
      [0, 0],
      [0, 1],
      [30_000, 0],
      [30_000, 1],
    ]);
    for (const l of index) {
      const record = JSON.parse(readFileSync(join(run!.dir, 'episodes', l.file), 'utf8')) as MatchRecord;
      expect(validateEpisodeRecord(record)).toEqual([]);
      expect(record.agents).toEqual(['player_0', 'player_1']);
      // Recording i puts the learner on side i mod 2: both colours get recorded.
      expect(record.recordedSide).toBe(l.index);
      expect(record.controllers[l.index]).toBe('learner');
      expect(record.controllers[1 - l.index]).toBe('minimax');
      expect(record.return).toBe(l.return);
      expect(record.return).toBe(record.returns[record.agents[l.index]!]);
      expect(record.frames).toHaveLength(record.length + 1);
      // Moves alternate, and the learner's moves carry its Q-values.
      record.frames.slice(0, -1).forEach((f, k) => {
        expect(f.actor).toBe(record.agents[k % 2]);
        expect(Object.keys(f.actions!)).toEqual([f.actor]);
        if (f.actor === record.agents[l.index]) expect(f.agentOverlays?.[f.actor!]?.qValues).toHaveLength(9);
        else expect(f.agentOverlays).toBeUndefined();
      });
    }
  });

  it('resumes exactly after an interruption', async () => {
    await finished();
    const [interrupted] = TIC_TAC_TOE('', join(root, 'interrupted'));
    // Polled once per step of all 4 game copies together: about 16,000 steps, past the first checkpoint.
    let polls = 0;
    const first = await executeRun(interrupted!, { control: { shouldStop: () => ++polls > 4000 } });
    expect(first.status).toBe('interrupted');
    const second = await executeRun(interrupted!, { resume: true });
    expect(second).toMatchObject({ status: 'finished', step: 30_000, resumedFrom: 10_000 });
    expect(numbers(interrupted!.dir)).toEqual(numbers(run!.dir));
  });

  it('trains the same whether or not it evaluates and records along the way', async () => {
    await finished();
    const [busy] = TIC_TAC_TOE('', join(root, 'busy'));
    const spec = { ...busy!.spec, eval: { every: 3001, episodes: 7 }, record: { every: 4999, episodes: 3, deterministic: true } };
    await executeRun({ ...busy!, spec });
    const training = (dir: string) => numbers(dir).metrics.filter((m) => (m as MetricsLine).type === 'episode');
    expect(training(busy!.dir)).toEqual(training(run!.dir));
  });

  it('is evaluated and recorded again by `arena eval`', async () => {
    await finished();
    const out: string[] = [];
    await evalCommand(run!.dir, { episodes: 30, seed: 5, record: 2, import: [] }, (l) => out.push(l));
    expect(out[0]).toMatch(/^ttt\/iql\/seed-4 at step 30000: 30 deterministic games against minimax, both sides in turn, on TicTacToe-v0 \(seed 5\)$/);
    const [w, d, l] = /wins-draws-losses (\d+)-(\d+)-(\d+)/.exec(out[1]!)!.slice(1).map(Number);
    expect(w! + d! + l!).toBe(30);
    expect(w).toBe(0);
    const evalEpisodes = lines<EpisodeIndexLine>(run!.dir, 'episodes/index.jsonl').filter((x) => x.source === 'eval');
    expect(evalEpisodes.map((x) => x.index)).toEqual([0, 1]);
    const record = JSON.parse(readFileSync(join(run!.dir, 'episodes', evalEpisodes[1]!.file), 'utf8')) as MatchRecord;
    expect(record.controllers).toEqual(['minimax', 'learner']);
  });

  it('is compared with the final W-D-L added up over seeds', async () => {
    await finished();
    const c = compareRuns([await loadRun(run!.dir)], { x: 'steps', resamples: 100, bandResamples: 50 });
    const last = lines<EvalLine>(run!.dir, 'eval.jsonl').at(-1)!;
    expect(c.variants[0]!.match).toEqual({ opponent: 'minimax', games: 20, wins: last.wins, draws: last.draws, losses: last.losses });
    expect(formatTable(c)).toContain(`final W-D-L vs minimax`);
    expect(formatTable(c)).toContain(`${last.wins}-${last.draws}-${last.losses} (`);
    expect(toCsv(c).split('\n')[1]).toMatch(new RegExp(`,minimax,${last.wins},${last.draws},${last.losses},,$`));
  });
});

describe('a cooperative game run', () => {
  it('trains a shared network, evaluates the team, and records every agent', async () => {
    const [run]: PlannedRun[] = planRuns(
      parseExperimentConfig(
        `
name: nav
env: CooperativeNavigation-v0
totalSteps: 1600
seeds: 1
eval: { every: 800, episodes: 3 }
checkpointEvery: 800
variants:
  - algorithm: shared-ppo
    envs: 4
    hyperparameters: { nSteps: 25, batchSize: 100, nEpochs: 2 }
`,
        'nav.yaml',
      ),
      join(root, 'nav'),
    );
    expect(await executeRun(run!)).toMatchObject({ status: 'finished', step: 1600 });
    const evals = lines<EvalLine>(run!.dir, 'eval.jsonl');
    expect(evals.map((e) => e.step)).toEqual([0, 800, 1600]);
    for (const e of evals) {
      expect(e.opponent).toBeUndefined();
      expect(e.lengths).toEqual([25, 25, 25]);
      expect(e.mean).toBeLessThan(0); // minus the distances to the landmarks
    }
    const episode = lines<MetricsLine>(run!.dir, 'metrics.jsonl').find((m): m is EpisodeLine => m.type === 'episode')!;
    expect(episode.controllers).toEqual(['learner']);
    expect(episode.return).toBe(episode.teamReturns![0]);
    const index = lines<EpisodeIndexLine>(run!.dir, 'episodes/index.jsonl');
    const record = JSON.parse(readFileSync(join(run!.dir, 'episodes', index.at(-1)!.file), 'utf8')) as MatchRecord;
    expect(record.sides).toEqual([['agent_0', 'agent_1', 'agent_2']]);
    expect(Object.keys(record.frames[0]!.actions!)).toEqual(['agent_0', 'agent_1', 'agent_2']);
    expect(Object.keys(record.frames[0]!.agentOverlays!)).toEqual(['agent_0', 'agent_1', 'agent_2']);
    expect(record.frames[0]!.agentOverlays!['agent_0']!.probs).toHaveLength(5);
  });
});

describe('a soccer run with a teacher', () => {
  it('learns from the teacher while its weight lasts (update lines say how much), and is evaluated against the scripted team', async () => {
    const [run]: PlannedRun[] = planRuns(
      parseExperimentConfig(
        `
name: kick
env: { id: RobotSoccer-v0, kwargs: { continuousActions: false } }
totalSteps: 512
seeds: 1
eval: { every: 512, episodes: 2 }
logEvery: 64
opponents: [scripted]
evalOpponent: scripted
teacher: scripted
variants:
  - algorithm: shared-ppo
    envs: 4
    hyperparameters: { nSteps: 16, batchSize: 64, nEpochs: 1, hidden: [16], kickstartCoef: 2, kickstartFraction: 0.5, selfPlayWeight: 0, poolWeight: 0 }
`,
        'kick.yaml',
      ),
      join(root, 'kick'),
    );
    expect(run!.spec.game?.teacher).toBe('scripted');
    expect(await executeRun(run!)).toMatchObject({ status: 'finished', step: 512 });
    const updates = lines<MetricsLine>(run!.dir, 'metrics.jsonl').filter((m): m is UpdateLine => m.type === 'update' && m.metrics.kickstartCoef !== undefined);
    // Updates every 64 steps: weights 2 * (1 - step / 256) at the steps their rollouts start (0, 64, ...), then 0.
    const weights = updates.map((u) => u.metrics.kickstartCoef);
    expect(weights.slice(0, 4)).toEqual([2, 1.5, 1, 0.5]);
    expect(weights.slice(4)).toEqual([0, 0, 0]);
    expect(updates.slice(0, 4).every((u) => u.metrics.kickstartLoss! > 0)).toBe(true);
    expect(updates.slice(4).every((u) => u.metrics.kickstartLoss === undefined)).toBe(true);
    const evals = lines<EvalLine>(run!.dir, 'eval.jsonl');
    expect(evals.at(-1)).toMatchObject({ step: 512, opponent: 'scripted' });
  });
});
