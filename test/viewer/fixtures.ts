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
