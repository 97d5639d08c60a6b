// Builds run directories by hand for the comparison tests: run.json,
// eval.jsonl and metrics.jsonl with chosen numbers, plus raw text appended to
// a JSONL file to simulate torn or malformed lines. Also reads a run's numbers
// back without wall-clock fields, to compare two runs, and gives the small
// tabular run spec the run and fault tests execute.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseJsonl } from '../../../experiments/store.js';
import { join } from 'node:path';
import type { EpisodeLine, EvalLine, RunRecord, RunSpec, RunStatus, UpdateLine } from '../../../experiments/types.js';

export interface FakeRun {
  experiment: string;
  variant: string;
  seed: number;
  status: RunStatus;
  step: number;
  seconds: number;
  threshold?: number;
  /** [step, time, mean] per evaluation. */
  evals: [number, number, number][];
  /** [step, time, return] per training episode. */
  episodes?: [number, number, number][];
  /** Raw text appended to eval.jsonl / metrics.jsonl after the good lines. */
  evalTail?: string;
  metricsTail?: string;
}

export function fakeSpec(run: Pick<FakeRun, 'experiment' | 'variant' | 'seed' | 'threshold'>): RunSpec {
  return {
    experiment: run.experiment,
    variant: run.variant,
    seed: run.seed,
    algorithm: 'ppo',
    hyperparameters: {},
    env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] },
    envs: 0,
    totalSteps: 40,
    eval: { every: 10, episodes: 2 },
    record: { every: 0, episodes: 1, deterministic: true },
    checkpointEvery: 0,
    logEvery: 10,
    backend: 'cpu',
    ...(run.threshold !== undefined ? { threshold: run.threshold } : {}),
  };
}

/** Writes the run under `<root>/<experiment>/<variant>/seed-<seed>` and returns that directory. */
export function writeRun(root: string, run: FakeRun): string {
  const dir = join(root, run.experiment, run.variant, `seed-${run.seed}`);
  mkdirSync(dir, { recursive: true });
  const record: RunRecord = {
    format: 'arena.run/1',
    spec: fakeSpec(run),
    package: { name: 'arena-rl', version: '0.1.0' },
    git: null,
    hostname: 'test',
    node: 'v20',
    status: run.status,
    createdAt: '2025-01-01T00:00:00.000Z',
    step: run.step,
    seconds: run.seconds,
    checkpointStep: null,
    attempts: 1,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
  const evals = run.evals.map(
    ([step, time, mean]): EvalLine => ({ step, time, episodes: 2, mean, std: 0, min: mean, max: mean, returns: [mean, mean], lengths: [10, 10] }),
  );
  writeFileSync(join(dir, 'eval.jsonl'), evals.map((e) => JSON.stringify(e) + '\n').join('') + (run.evalTail ?? ''));
  const metrics: (EpisodeLine | UpdateLine)[] = [];
  (run.episodes ?? []).forEach(([step, time, ret], i) => {
    metrics.push({ type: 'episode', step, time, episode: i, return: ret, length: 10, truncated: false });
    metrics.push({ type: 'update', step, time, fps: 100, metrics: { loss: 0.5 } });
  });
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m) + '\n').join('') + (run.metricsTail ?? ''));
  return dir;
}

/** A run's numbers without wall-clock fields (metrics, evaluations, the recorded-episode index), for comparing two runs. */
export function runNumbers(dir: string): { metrics: unknown[]; evals: unknown[]; episodes: unknown[] } {
  const read = (file: string): unknown[] => {
    const path = join(dir, file);
    if (!existsSync(path)) return [];
    return parseJsonl<Record<string, unknown>>(readFileSync(path, 'utf8')).lines.map(({ time: _t, fps: _f, ...rest }) => rest);
  };
  return { metrics: read('metrics.jsonl'), evals: read('eval.jsonl'), episodes: read('episodes/index.jsonl') };
}

/** A small Q-learning run on CliffWalking (6,000 steps, checkpoints every 2,000): the spec the run and fault tests execute. */
export function qLearningSpec(experiment: string, overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    experiment,
    variant: 'q',
    seed: 3,
    algorithm: 'q-learning',
    hyperparameters: { learningRate: 0.2, epsilon: 0.1 },
    env: { id: 'CliffWalking-v1', kwargs: { maxEpisodeSteps: 200 }, wrappers: [] },
    envs: 0,
    totalSteps: 6000,
    eval: { every: 1000, episodes: 2 },
    record: { every: 3000, episodes: 1, deterministic: true },
    checkpointEvery: 2000,
    logEvery: 500,
    backend: 'wasm',
    ...overrides,
  };
}
