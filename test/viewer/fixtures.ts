// A small run store for the viewer's tests, written exactly as the runner
// writes one (experiments/types.ts, docs/design.md "Run store"): run.json,
// metrics.jsonl, eval.jsonl, and real episode records played on the real envs
// by simple scripted policies (core/episode.ts's recordEpisode), so the
// scenes get genuine render states. Learning curves are made up but seeded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeRecord, FrameOverlays } from '../../core/episode.js';
import { recordEpisode } from '../../core/episode.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import type { MatchRecord } from '../../core/match-record.js';
import { recordMatch } from '../../core/match-record.js';
import type { AgentId } from '../../core/multi-agent.js';
import { makeGame } from '../../core/multi-agent.js';
import type { BoardObservation } from '../../envs/games/index.js';
import { scriptedSoccerPolicy, ticTacToeMinimax } from '../../envs/games/index.js';
import '../../envs/index.js';
import type { EpisodeIndexLine, EvalLine, MetricsLine, RunRecord, RunSpec, RunStatus } from '../../experiments/types.js';

type Obs = ArrayLike<number>;
type Policy = (obs: unknown, rng: Rng) => number | number[];

/** Scripted policies per env: good enough to make each scene move the way a trained agent would. */
const POLICIES: Record<string, { good: Policy; overlays?: (obs: unknown) => FrameOverlays }> = {
  'CartPole-v1': {
    // Push towards where the pole is falling.
    good: (o) => ((o as Obs)[2]! + 0.5 * (o as Obs)[3]! > 0 ? 1 : 0),
    overlays: (o) => {
      const z = 10 * ((o as Obs)[2]! + 0.5 * (o as Obs)[3]!);
      const p = 1 / (1 + Math.exp(-z));
      return { probs: [1 - p, p], value: 90 - 400 * Math.abs((o as Obs)[2]!) - 5 * Math.abs((o as Obs)[0]!) };
    },
  },
  'MountainCar-v0': { good: (o) => ((o as Obs)[1]! >= 0 ? 2 : 0) },
  'MountainCarContinuous-v0': { good: (o) => [(o as Obs)[1]! >= 0 ? 1 : -1] },
  // Pump energy: torque along the angular velocity.
  'Pendulum-v1': { good: (o) => [(o as Obs)[2]! >= 0 ? 2 : -2] },
  'Acrobot-v1': { good: (o) => ((o as Obs)[4]! >= 0 ? 2 : 0) },
};

function randomPolicy(id: string): Policy {
  return (_o, rng) => {
    if (id === 'Pendulum-v1') return [rng.uniform(-2, 2)];
    if (id === 'MountainCarContinuous-v0') return [rng.uniform(-1, 1)];
    const n = id === 'CartPole-v1' ? 2 : id.startsWith('MountainCar') || id === 'Acrobot-v1' ? 3 : 4;
    return rng.integers(0, n);
  };
}

/** Plays one episode: `skill` is the chance of acting with the scripted policy rather than at random. */
export function playEpisode(id: string, kwargs: Record<string, unknown>, seed: number, skill: number, meta: { variant: string; runSeed: number; step: number }): EpisodeRecord {
  const env = make(id, kwargs);
  const rng = new Rng(seed);
  const policy = POLICIES[id];
  const random = randomPolicy(id);
  return recordEpisode(env, {
    seed,
    act: (obs) => (policy && rng.random() < skill ? policy.good(obs, rng) : random(obs, rng)),
    ...(policy?.overlays ? { overlays: policy.overlays } : {}),
    agent: { algorithm: 'scripted', experiment: 'fixture', variant: meta.variant, runSeed: meta.runSeed, deterministic: true },
    trainingStep: meta.step,
  });
}

/** A fixed action sequence (for the grid worlds, where a path is easy to write down). */
export function scriptedEpisode(id: string, kwargs: Record<string, unknown>, actions: readonly number[], meta: { variant: string; runSeed: number; step: number }): EpisodeRecord {
  const env = make(id, kwargs);
  let t = 0;
  return recordEpisode(env, {
    seed: 0,
    act: () => actions[Math.min(t++, actions.length - 1)]!,
    overlays: () => ({ qValues: [0, 1, 2, 3].map((a) => (a === actions[Math.min(t, actions.length - 1)] ? 0.9 : 0.1 * a)) }),
    agent: { algorithm: 'q-learning', experiment: 'fixture', variant: meta.variant, runSeed: meta.runSeed, deterministic: true },
    trainingStep: meta.step,
    maxSteps: actions.length,
  });
}

export interface FixtureRun {
  readonly experiment: string;
  readonly variant: string;
  readonly seed: number;
  readonly env: string;
  readonly kwargs?: Record<string, unknown>;
  readonly status?: RunStatus;
  readonly totalSteps?: number;
  /** Evaluation mean as a function of the step. */
  readonly curve: (step: number, rng: Rng) => number;
  /** Recorded episodes, by training step. */
  readonly episodes: readonly { step: number; record: EpisodeRecord }[];
  readonly trainingEpisodes?: number;
}

function spec(run: FixtureRun): RunSpec {
  return {
    experiment: run.experiment,
    variant: run.variant,
    seed: run.seed,
    algorithm: run.variant.startsWith('random') ? 'random' : 'ppo',
    hyperparameters: {},
    env: { id: run.env, kwargs: run.kwargs ?? {}, wrappers: [] },
    envs: 0,
    totalSteps: run.totalSteps ?? 20_000,
    eval: { every: 2000, episodes: 5 },
    record: { every: 10_000, episodes: 1, deterministic: true },
    checkpointEvery: 2000,
    logEvery: 500,
    backend: 'cpu',
  };
}

const jsonl = (lines: readonly unknown[]) => lines.map((l) => JSON.stringify(l) + '\n').join('');

/** Writes one run directory and returns it. */
export function writeFixtureRun(root: string, run: FixtureRun): string {
  const dir = join(root, run.experiment, run.variant, `seed-${run.seed}`);
  mkdirSync(join(dir, 'episodes'), { recursive: true });
  const s = spec(run);
  const status = run.status ?? 'finished';
  const step = status === 'finished' ? s.totalSteps : Math.round(s.totalSteps / 2);
  const record: RunRecord = {
    format: 'arena.run/1',
    spec: s,
    package: { name: 'arena-rl', version: '0.1.0' },
    git: null,
    hostname: 'fixture',
    node: 'v20',
    status,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z',
    step,
    seconds: step / 1000,
    checkpointStep: step,
    attempts: 1,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
  const rng = new Rng(run.seed * 7919 + run.variant.length);
  const evals: EvalLine[] = [];
  for (let t = 0; t <= step; t += s.eval.every) {
    const mean = run.curve(t, rng);
    evals.push({ step: t, time: t / 1000, episodes: 5, mean, std: 1, min: mean - 2, max: mean + 1, returns: [mean, mean, mean, mean, mean], lengths: [10, 10, 10, 10, 10] });
  }
  writeFileSync(join(dir, 'eval.jsonl'), jsonl(evals));
  const metrics: MetricsLine[] = [];
  const n = run.trainingEpisodes ?? 300;
  for (let i = 0; i < n; i++) {
    const t = Math.round(((i + 1) * step) / n);
    metrics.push({ type: 'episode', step: t, time: t / 1000, episode: i, return: run.curve(t, rng) + rng.normal() * 5, length: 20, truncated: false });
    if (i % 10 === 9) metrics.push({ type: 'update', step: t, time: t / 1000, fps: 1000 + i, metrics: { loss: 1 / (1 + i), entropy: 0.69 - i / (2 * n) } });
  }
  writeFileSync(join(dir, 'metrics.jsonl'), jsonl(metrics));
  const index: EpisodeIndexLine[] = [];
  for (const e of run.episodes) {
    const file = `step-${String(e.step).padStart(10, '0')}-0.json`;
    writeFileSync(join(dir, 'episodes', file), JSON.stringify(e.record));
    index.push({ file, step: e.step, index: 0, return: e.record.return, length: e.record.length });
  }
  writeFileSync(join(dir, 'episodes', 'index.jsonl'), jsonl(index));
  return dir;
}

const CLIFF_SAFE = [0, ...Array<number>(11).fill(1), 2];
const CLIFF_FALL = [1, ...CLIFF_SAFE];
const LAKE_PATH = [2, 2, 1, 1, 1, 2];
/**
 * Longer walks for the grid worlds (at 4 frames a second the paths above end
 * before a test can time them): pacing back and forth, then to the goal; the
 * cliff walk falls off the cliff first.
 */
const LAKE_WANDER = [...Array<number[]>(8).fill([2, 0]).flat(), ...LAKE_PATH];
const CLIFF_WANDER = [1, 0, ...Array<number[]>(6).fill([1, 3]).flat(), ...CLIFF_SAFE.slice(1)];

/**
 * walks/{frozen-lake,cliff}/seed-0: one 22-step FrozenLake walk and one
 * 26-step CliffWalking walk (both reach the goal), for the browser tests'
 * timing of playback; kept out of writeFixtureStore, whose contents the
 * server tests count.
 */
export function writeLongWalks(root: string): void {
  writeFixtureRun(root, {
    experiment: 'walks',
    variant: 'frozen-lake',
    seed: 0,
    env: 'FrozenLake-v1',
    kwargs: { isSlippery: false },
    curve: () => 1,
    episodes: [{ step: 0, record: scriptedEpisode('FrozenLake-v1', { isSlippery: false }, LAKE_WANDER, { variant: 'frozen-lake', runSeed: 0, step: 0 }) }],
  });
  writeFixtureRun(root, {
    experiment: 'walks',
    variant: 'cliff',
    seed: 0,
    env: 'CliffWalking-v1',
    curve: () => -13,
    episodes: [{ step: 0, record: scriptedEpisode('CliffWalking-v1', {}, CLIFF_WANDER, { variant: 'cliff', runSeed: 0, step: 0 }) }],
  });
}

/**
 * The store the viewer tests use:
 *   cartpole/{ppo,random}/seed-{0,1,2}   CartPole, three recordings each (steps 0, 10000, 20000)
 *   toy-text/{frozen-lake,cliff}/seed-0  FrozenLake and CliffWalking paths
 *   gallery/<env>/seed-0                 one episode for each other classic-control env, and an unknown env
 */
export function writeFixtureStore(root: string): void {
  for (const seed of [0, 1, 2]) {
    writeFixtureRun(root, {
      experiment: 'cartpole',
      variant: 'ppo',
      seed,
      env: 'CartPole-v1',
      curve: (t, rng) => Math.min(500, 500 * (1 - Math.exp(-t / (6000 + 1500 * seed))) + 10 * rng.random()),
      episodes: [0, 10_000, 20_000].map((step, i) => ({ step, record: playEpisode('CartPole-v1', {}, 100 + seed * 10 + i, [0, 0.8, 1][i]!, { variant: 'ppo', runSeed: seed, step }) })),
    });
    writeFixtureRun(root, {
      experiment: 'cartpole',
      variant: 'random',
      seed,
      env: 'CartPole-v1',
      curve: (_t, rng) => 20 + 5 * rng.random(),
      episodes: [0, 20_000].map((step, i) => ({ step, record: playEpisode('CartPole-v1', {}, 200 + seed * 10 + i, 0, { variant: 'random', runSeed: seed, step }) })),
    });
  }
  writeFixtureRun(root, {
    experiment: 'toy-text',
    variant: 'frozen-lake',
    seed: 0,
    env: 'FrozenLake-v1',
    kwargs: { isSlippery: false },
    curve: (t) => Math.min(1, t / 10_000),
    episodes: [
      { step: 0, record: scriptedEpisode('FrozenLake-v1', { isSlippery: false }, [1, 1, 1], { variant: 'frozen-lake', runSeed: 0, step: 0 }) },
      { step: 20_000, record: scriptedEpisode('FrozenLake-v1', { isSlippery: false }, LAKE_PATH, { variant: 'frozen-lake', runSeed: 0, step: 20_000 }) },
    ],
  });
  writeFixtureRun(root, {
    experiment: 'toy-text',
    variant: 'cliff',
    seed: 0,
    env: 'CliffWalking-v1',
    curve: (t) => Math.max(-100, -13 - 200 * Math.exp(-t / 3000)),
    episodes: [
      { step: 0, record: scriptedEpisode('CliffWalking-v1', {}, CLIFF_FALL, { variant: 'cliff', runSeed: 0, step: 0 }) },
      { step: 20_000, record: scriptedEpisode('CliffWalking-v1', {}, CLIFF_SAFE, { variant: 'cliff', runSeed: 0, step: 20_000 }) },
    ],
  });
  for (const env of ['MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'Acrobot-v1']) {
    const variant = env.replace(/-v\d+$/, '').toLowerCase();
    writeFixtureRun(root, {
      experiment: 'gallery',
      variant,
      seed: 0,
      env,
      curve: (t) => t / 1000,
      episodes: [{ step: 20_000, record: playEpisode(env, {}, 5, 1, { variant, runSeed: 0, step: 20_000 }) }],
    });
  }
  const mystery: EpisodeRecord = {
    format: 'arena.episode/1',
    env: { id: 'Mystery-v0', kwargs: {} },
    seed: 0,
    header: {},
    frames: [
      { state: { level: 1, where: [0.5, 1.25], label: 'start' }, action: 0, reward: 1, return: 1 },
      { state: { level: 2, where: [0.75, 1.5], label: 'middle' }, action: 1, reward: 1, return: 2 },
      { state: { level: 3, where: [1, 1.75], label: 'end' } },
    ],
    return: 2,
    length: 2,
    terminated: true,
    truncated: false,
  };
  writeFixtureRun(root, { experiment: 'gallery', variant: 'mystery', seed: 0, env: 'CartPole-v1', curve: () => 0, episodes: [{ step: 0, record: mystery }] });
}

// ---------------------------------------------------------------- multi-agent games

type GamePolicy = (agent: AgentId, obs: unknown) => number;

/** Softmax of `scores` (masked entries get 0). */
function softmax(scores: readonly number[], mask?: ArrayLike<number>, temperature = 1): number[] {
  let hi = -Infinity;
  scores.forEach((s, i) => {
    if ((!mask || mask[i]) && s > hi) hi = s;
  });
  const e = scores.map((s, i) => (!mask || mask[i] ? Math.exp((s - hi) / temperature) : 0));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** Probabilities that put `p` on `best` and spread the rest over the legal moves. */
function peaked(n: number, best: number, p: number, mask?: ArrayLike<number>): number[] {
  const legal = Array.from({ length: n }, (_, i): number => (!mask || mask[i] ? 1 : 0));
  const others = legal.reduce((a, b) => a + b, 0) - 1;
  return legal.map((l, i) => (i === best ? (others > 0 ? p : 1) : l && others > 0 ? (1 - p) / others : 0));
}

/** Pong: the target height for a paddle (own frame: it defends x = -1): where the ball will cross, or the centre while it goes away. */
function pongScores(o: Obs, lag: number): number[] {
  const [y, , bx, by, vx, vy] = [o[0]!, o[1]!, o[2]!, o[3]!, o[4]!, o[5]!];
  let target = by;
  if (vx < 0) {
    const t = Math.max(0, (bx + 0.9) / -vx);
    // Reflect off the walls at +-0.73.
    let ty = by + vy * t * (1 - lag);
    const span = 2 * 0.73;
    ty = ((((ty + 0.73) % (2 * span)) + 2 * span) % (2 * span)) - 0.73;
    target = ty > 0.73 ? 2 * 0.73 - ty : ty;
  } else target = by * 0.3;
  const d = target - y;
  // Scores of stay, up (+y), down (-y).
  return [-Math.abs(d) * 8, d * 8 - 0.2, -d * 8 - 0.2];
}

/** Navigation: agent i heads for landmark i; Q-values are minus the distance after one step of each move. */
function navigationQ(agentIndex: number, o: Obs): number[] {
  const [vx, vy] = [o[0]!, o[1]!];
  const [rx, ry] = [o[4 + 2 * agentIndex]!, o[5 + 2 * agentIndex]!];
  const moves = [
    [0, 0],
    [-1, 0],
    [1, 0],
    [0, -1],
    [0, 1],
  ];
  return moves.map(([mx, my]) => {
    // Two steps ahead with the move held, then damping: a little foresight against overshooting.
    let [px, py, ux, uy] = [0, 0, vx, vy];
    for (let k = 0; k < 2; k++) {
      ux = ux * 0.75 + mx! * 5 * 0.1;
      uy = uy * 0.75 + my! * 5 * 0.1;
      px += ux * 0.1;
      py += uy * 0.1;
    }
    px += ux * 0.75 * 0.1 * 3;
    py += uy * 0.75 * 0.1 * 3;
    return -Math.hypot(rx - px, ry - py);
  });
}

/** Connect Four: win now, block the opponent's win, else prefer the centre; scores per column (own frame: channel 0 is mine). */
function connectFourScores(obs: BoardObservation): number[] {
  const planes = obs.observation;
  const cell = (r: number, c: number) => (planes[2 * (r * 7 + c)] ? 1 : planes[2 * (r * 7 + c) + 1] ? 2 : 0);
  const board = Array.from({ length: 6 }, (_, r) => Array.from({ length: 7 }, (_, c) => cell(r, c)));
  const drop = (c: number) => {
    for (let r = 5; r >= 0; r--) if (board[r]![c] === 0) return r;
    return -1;
  };
  const wins = (r: number, c: number, mark: number) =>
    [
      [0, 1],
      [1, 0],
      [1, 1],
      [1, -1],
    ].some(([dr, dc]) => {
      let count = 1;
      for (const s of [1, -1]) {
        let [rr, cc] = [r + s * dr!, c + s * dc!];
        while (rr >= 0 && rr < 6 && cc >= 0 && cc < 7 && board[rr]![cc] === mark) {
          count++;
          rr += s * dr!;
          cc += s * dc!;
        }
      }
      return count >= 4;
    });
  return Array.from({ length: 7 }, (_, c) => {
    const r = drop(c);
    if (r < 0) return -10;
    if (wins(r, c, 1)) return 3;
    if (wins(r, c, 2)) return 2;
    return 1 - Math.abs(c - 3) * 0.25;
  });
}

export interface GameFixture {
  readonly variant: string;
  readonly env: string;
  readonly kwargs: Record<string, unknown>;
  readonly record: MatchRecord;
}

const gameMeta = (variant: string) => ({ algorithm: 'scripted', experiment: 'games', variant, runSeed: 0, deterministic: false });

/**
 * One recorded match for each multi-agent game, played by simple seeded
 * policies (core/match-record.ts's recordMatch), with agent overlays for the
 * learner's side so the player's bars show:
 *   soccer        RobotSoccer-v0 (discrete actions, first to 2): blue a noisy scripted "learner" with action probabilities, red scriptedSoccerPolicy (2-1 in 416 steps)
 *   soccer-continuous  RobotSoccer-v0 with continuous actions, 120 steps of scriptedSoccerPolicy on both sides, the learner's side red (value overlays only)
 *   navigation    CooperativeNavigation-v0: three agents each heading for its landmark, with Q-values and a value (some collisions)
 *   pong          Pong-v0, first to 3: a tracking "learner" with probabilities against a noisier scripted paddle (3-0 in 300 steps)
 *   pong-coop     Pong-v0 cooperative: two tracking paddles rallying until one misses (489 steps)
 *   tic-tac-toe   TicTacToe-v0: a mostly-minimax learner (probabilities) against a random player (uniform probabilities)
 *   connect-four  ConnectFour-v0: a win/block/centre heuristic (Q-values) against a random player (no overlays)
 */
export function gameRecords(): GameFixture[] {
  const out: GameFixture[] = [];
  // Each game its own random stream, so changing one game's seed leaves the others' matches alone.
  let rng = new Rng(17);
  const sample = (p: readonly number[]) => rng.choice(p);

  // Soccer.
  {
    rng = new Rng(17);
    const kwargs = { continuousActions: false, goalsToWin: 2 };
    const game = makeGame('RobotSoccer-v0', kwargs);
    const blueProbs = (obs: unknown) => peaked(10, scriptedSoccerPolicy(obs as Obs, { discrete: true }) as number, 0.7);
    const record = recordMatch(game, {
      seed: 2,
      sides: [
        ['blue_0', 'blue_1'],
        ['red_0', 'red_1'],
      ],
      controllers: ['learner', 'scripted'],
      act: (agent, obs) => (agent.startsWith('blue') ? sample(blueProbs(obs)) : (scriptedSoccerPolicy(obs as Obs, { discrete: true }) as number)),
      overlays: (agent, obs) => (agent.startsWith('blue') ? { probs: blueProbs(obs), value: 0.3 * (obs as Obs)[16]! } : undefined),
      overlaysFor: ['blue_0', 'blue_1'],
      agent: gameMeta('soccer'),
      trainingStep: 20_000,
    });
    out.push({ variant: 'soccer', env: 'RobotSoccer-v0', kwargs, record });
  }

  // Soccer with continuous actions (the registered default), the learner on red this time, its critic value the only overlay.
  {
    rng = new Rng(17);
    const kwargs = { continuousActions: true, goalsToWin: 3 };
    const game = makeGame('RobotSoccer-v0', kwargs);
    const record = recordMatch(game, {
      seed: 5,
      sides: [
        ['blue_0', 'blue_1'],
        ['red_0', 'red_1'],
      ],
      controllers: ['scripted', 'learner'],
      recordedSide: 1,
      act: (_agent, obs) => scriptedSoccerPolicy(obs as Obs),
      overlays: (_agent, obs) => ({ value: -0.2 * (obs as Obs)[16]! }),
      overlaysFor: ['red_0', 'red_1'],
      agent: gameMeta('soccer-continuous'),
      trainingStep: 20_000,
      maxSteps: 120,
    });
    out.push({ variant: 'soccer-continuous', env: 'RobotSoccer-v0', kwargs, record });
  }

  // Cooperative navigation.
  {
    rng = new Rng(17);
    const kwargs = { n: 3 };
    const game = makeGame('CooperativeNavigation-v0', kwargs);
    const index = (agent: AgentId) => Number(agent.split('_')[1]);
    const record = recordMatch(game, {
      seed: 7,
      sides: [['agent_0', 'agent_1', 'agent_2']],
      controllers: ['learner'],
      act: (agent, obs) => {
        const q = navigationQ(index(agent), obs as Obs);
        return rng.random() < 0.1 ? rng.integers(0, 5) : q.indexOf(Math.max(...q));
      },
      overlays: (agent, obs) => {
        const q = navigationQ(index(agent), obs as Obs);
        return { qValues: q, value: Math.max(...q) * 3 };
      },
      agent: gameMeta('navigation'),
      trainingStep: 20_000,
    });
    out.push({ variant: 'navigation', env: 'CooperativeNavigation-v0', kwargs, record });
  }

  // Pong, competitive and cooperative.
  for (const mode of ['competitive', 'cooperative'] as const) {
    rng = new Rng(17);
    const kwargs = mode === 'competitive' ? { mode, pointsToWin: 3 } : { mode };
    const game = makeGame('Pong-v0', kwargs);
    const probs = (agent: AgentId, obs: unknown) => softmax(pongScores(obs as Obs, agent === 'paddle_0' ? 0.15 : mode === 'cooperative' ? 0.3 : 0.6), undefined, agent === 'paddle_0' ? 0.5 : mode === 'cooperative' ? 1 : 3);
    const record = recordMatch(game, {
      seed: mode === 'competitive' ? 3 : 0,
      sides: [['paddle_0'], ['paddle_1']],
      controllers: mode === 'competitive' ? ['learner', 'scripted'] : ['learner', 'learner'],
      act: (agent, obs) => sample(probs(agent, obs)),
      overlays: (agent, obs) => ({ probs: probs(agent, obs) }),
      overlaysFor: mode === 'competitive' ? ['paddle_0'] : ['paddle_0', 'paddle_1'],
      agent: gameMeta(mode === 'competitive' ? 'pong' : 'pong-coop'),
      trainingStep: 20_000,
      maxSteps: 600,
    });
    out.push({ variant: mode === 'competitive' ? 'pong' : 'pong-coop', env: 'Pong-v0', kwargs, record });
  }

  // Tic-tac-toe.
  {
    rng = new Rng(17);
    const game = makeGame('TicTacToe-v0');
    const probs = (agent: AgentId, obs: unknown) => {
      const mask = (obs as BoardObservation).actionMask;
      return agent === 'player_0' ? peaked(9, ticTacToeMinimax(obs), 0.75, mask) : peaked(9, mask.indexOf(1), 1 / mask.reduce((a, b) => a + b, 0), mask);
    };
    const record = recordMatch(game, {
      seed: 0,
      sides: [['player_0'], ['player_1']],
      controllers: ['learner', 'random'],
      act: (agent, obs) => sample(probs(agent, obs)),
      overlays: (agent, obs) => ({ probs: probs(agent, obs) }),
      agent: gameMeta('tic-tac-toe'),
      trainingStep: 20_000,
    });
    out.push({ variant: 'tic-tac-toe', env: 'TicTacToe-v0', kwargs: {}, record });
  }

  // Connect Four.
  {
    rng = new Rng(17);
    const game = makeGame('ConnectFour-v0');
    const record = recordMatch(game, {
      seed: 0,
      sides: [['player_0'], ['player_1']],
      controllers: ['learner', 'random'],
      act: (agent, obs) => {
        const mask = (obs as BoardObservation).actionMask;
        if (agent === 'player_1') return sample(Array.from(mask));
        const q = connectFourScores(obs as BoardObservation);
        return sample(softmax(q, mask, 0.15));
      },
      overlays: (_agent, obs) => ({ qValues: connectFourScores(obs as BoardObservation) }),
      overlaysFor: ['player_0'],
      agent: gameMeta('connect-four'),
      trainingStep: 20_000,
    });
    out.push({ variant: 'connect-four', env: 'ConnectFour-v0', kwargs: {}, record });
  }
  return out;
}

/** games/<variant>/seed-0: one recorded match per game (gameRecords), kept out of writeFixtureStore, whose contents the server tests count. */
export function writeGameFixtures(root: string): GameFixture[] {
  const fixtures = gameRecords();
  for (const f of fixtures) {
    writeFixtureRun(root, {
      experiment: 'games',
      variant: f.variant,
      seed: 0,
      env: f.env,
      kwargs: f.kwargs,
      curve: (t) => t / 10_000,
      episodes: [{ step: 20_000, record: f.record as unknown as EpisodeRecord }],
    });
  }
  return fixtures;
}
