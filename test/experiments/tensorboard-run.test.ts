// A run's TensorBoard log: `logging: [tensorboard]` writes the scalars its
// metrics.jsonl and eval.jsonl hold, a resume leaves no step twice, and
// `export-tb` rebuilds the same scalars for a run that logged none.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { ConfigError, parseExperimentConfig, planRuns } from '../../experiments/config.js';
import { acquireExperimentLock } from '../../experiments/lock.js';
import { executeRun } from '../../experiments/execute-run.js';
import { InProcessExecutor, runExperiment } from '../../experiments/run-experiment.js';
import { parseJsonl } from '../../experiments/store.js';
import { evalScalars, exportRunLogs, metricsScalars } from '../../experiments/tensorboard-run.js';
import { readEventFile } from '../../experiments/tensorboard.js';
import type { TbEvent } from '../../experiments/tensorboard.js';
import type { EvalLine, MetricsLine, PlannedRun, RunRecord, RunSpec } from '../../experiments/types.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { qLearningSpec, writeRun } from './helpers/runs.js';

const tempDir = tempDirs('tb-run');

function spec(overrides: Partial<RunSpec> = {}): RunSpec {
  return qLearningSpec('tb', { logging: ['tensorboard'], ...overrides });
}

function planned(s: RunSpec): PlannedRun {
  return { spec: s, dir: join(tempDir(), 'q', 'seed-3') };
}

function lines<T>(path: string): T[] {
  return existsSync(path) ? parseJsonl<T>(readFileSync(path, 'utf8')).lines : [];
}

type Series = Record<string, [number, number][]>;

/** The run's one event file, read with every checksum checked. */
function eventFile(dir: string): TbEvent[] {
  const names = readdirSync(join(dir, 'tb'));
  expect(names).toHaveLength(1);
  expect(names[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
  return readEventFile(join(dir, 'tb', names[0]!));
}

/** Scalars by tag: [step, value] in file order. */
function scalars(events: readonly TbEvent[]): Series {
  const out: Series = {};
  for (const e of events) for (const v of e.values ?? []) if ('scalar' in v) (out[v.tag] ??= []).push([e.step, v.scalar]);
  return out;
}

/** What the run's JSONL files say each tag should hold (values as float32, as the file stores them). */
function expectedFromFiles(dir: string): Series {
  const f = Math.fround;
  const metrics = lines<MetricsLine>(join(dir, 'metrics.jsonl'));
  const evals = lines<EvalLine>(join(dir, 'eval.jsonl'));
  const out: Series = {};
  const add = (tag: string, step: number, v: number) => (out[tag] ??= []).push([step, f(v)]);
  for (const m of metrics) {
    if (m.type === 'episode') {
      add('train/episode_return', m.step, m.return);
      add('train/episode_length', m.step, m.length);
    } else {
      for (const [k, v] of Object.entries(m.metrics)) add(`train/${k}`, m.step, v);
      add('perf/fps', m.step, m.fps);
    }
  }
  for (const e of evals) {
    add('eval/return_mean', e.step, e.mean);
    add('eval/return_std', e.step, e.std);
    add('eval/return_min', e.step, e.min);
    add('eval/return_max', e.step, e.max);
    add('eval/length_mean', e.step, e.lengths.reduce((a, b) => a + b, 0) / e.lengths.length);
  }
  // The log orders lines by step; within a tag the files are in step order already.
  for (const s of Object.values(out)) s.sort((a, b) => a[0] - b[0]);
  return out;
}

const withoutFps = (s: Series): Series => Object.fromEntries(Object.entries(s).filter(([tag]) => tag !== 'perf/fps'));

describe('logging: [tensorboard]', () => {
  it('writes every episode, update metric and evaluation of the run as scalars at their steps, and the spec as hparams', async () => {
    const run = planned(spec());
    expect((await executeRun(run)).status).toBe('finished');
    const events = eventFile(run.dir);
    expect(events[0]).toMatchObject({ step: 0, fileVersion: 'brain.Event:2' });
    const series = scalars(events);
    const expected = expectedFromFiles(run.dir);
    expect(Object.keys(series).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(series)).toEqual(expect.arrayContaining(['train/episode_return', 'train/episode_length', 'train/epsilon', 'eval/return_mean']));
    expect(series).toEqual(expected);
    expect(series['eval/return_mean']!.map(([s]) => s)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    // Wall times: the run's createdAt plus its training seconds, non-decreasing within a tag.
    const record = JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')) as RunRecord;
    const epoch = Date.parse(record.createdAt) / 1000;
    for (const e of events.slice(1)) expect(e.wallTime).toBeGreaterThanOrEqual(epoch);
    const hparams = events.flatMap((e) => e.values ?? []).find((v) => v.tag === 'hparams');
    expect(hparams && 'text' in hparams ? hparams.text : '').toMatch(/\| algorithm \| q-learning \|[\s\S]*\| hp\.learningRate \| 0\.2 \|/);
    // The HParams plugin's session: the variant's settings (not the seed), grouped by variant, started at createdAt.
    const session = events[1]!.values!.find((v) => v.tag === '_hparams_/session_start_info');
    expect(session).toEqual({
      tag: '_hparams_/session_start_info',
      hparams: { algorithm: 'q-learning', env: 'CliffWalking-v1', 'env.maxEpisodeSteps': 200, envs: 0, totalSteps: 6000, 'hp.learningRate': 0.2, 'hp.epsilon': 0.1 },
      group: 'tb/q',
      startTime: epoch,
    });
  }, 60_000);

  it('writes no event file without it', async () => {
    const run = planned(spec({ logging: undefined }));
    expect((await executeRun(run)).status).toBe('finished');
    expect(existsSync(join(run.dir, 'tb'))).toBe(false);
  }, 60_000);

  it('after a resume, holds each step once and the same scalars as a run never interrupted', async () => {
    const whole = planned(spec());
    const cut = planned(spec());
    expect((await executeRun(whole)).status).toBe('finished');
    let steps = 0;
    const first = await executeRun(cut, { control: { shouldStop: () => ++steps >= 3000 } });
    expect(first.status).toBe('interrupted');
    // The interrupted attempt logged steps past its checkpoint (2000) that the resume repeats.
    const before = scalars(eventFile(cut.dir));
    expect(before['train/episode_return']!.at(-1)![0]).toBeGreaterThan(2000);
    expect((await executeRun(cut, { resume: true })).status).toBe('finished');
    const after = scalars(eventFile(cut.dir));
    expect(after).toEqual(expectedFromFiles(cut.dir));
    // fps is a wall-clock figure; every other scalar is a function of the seed.
    expect(withoutFps(after)).toEqual(withoutFps(scalars(eventFile(whole.dir))));
  }, 60_000);

  it('may be switched on for a resume: the new log holds the steps before the checkpoint too', async () => {
    const off = spec({ logging: undefined });
    const run = planned(off);
    let steps = 0;
    expect((await executeRun(run, { control: { shouldStop: () => ++steps >= 3000 } })).status).toBe('interrupted');
    expect(existsSync(join(run.dir, 'tb'))).toBe(false);
    expect((await executeRun({ spec: spec(), dir: run.dir }, { resume: true })).status).toBe('finished');
    const series = scalars(eventFile(run.dir));
    expect(series).toEqual(expectedFromFiles(run.dir));
    expect(series['eval/return_mean']![0]![0]).toBe(0);
  }, 60_000);
});

describe('an experiment resumed with logging switched on', () => {
  it('is the same experiment (the config differs only in logging); any other change is still refused', async () => {
    const runsDir = tempDir();
    const text = (extra: string) => `name: tb\nenv: CliffWalking-v1\nseeds: 1\ntotalSteps: 1000\n${extra}\nvariants:\n  - algorithm: q-learning\n`;
    const executor = new InProcessExecutor();
    await runExperiment(parseExperimentConfig(text(''), 'a.yaml'), { runsDir, executor });
    const outcome = await runExperiment(parseExperimentConfig(text('logging: [tensorboard]'), 'a.yaml'), { runsDir, executor, resume: true });
    // The finished run is skipped (`arena export-tb` writes its log); experiment.json now names the logger.
    expect(outcome.runs.map((r) => r.outcome)).toEqual([null]);
    expect(JSON.parse(readFileSync(join(runsDir, 'tb', 'experiment.json'), 'utf8')).config.logging).toEqual(['tensorboard']);
    await expect(runExperiment(parseExperimentConfig(text('logging: [tensorboard]').replace('1000', '2000'), 'a.yaml'), { runsDir, executor, resume: true })).rejects.toThrow(
      /the config differs from the one these runs started with/,
    );
  }, 60_000);
});

describe('exportRunLogs (arena export-tb)', () => {
  it('writes for a finished run without a log the scalars its JSONL files say, and replaces an earlier export', async () => {
    const run = planned(spec({ logging: undefined }));
    expect((await executeRun(run)).status).toBe('finished');
    const experimentDir = join(run.dir, '..', '..');
    const [exported] = await exportRunLogs(experimentDir);
    expect(exported).toMatchObject({ dir: run.dir });
    const expected = expectedFromFiles(run.dir);
    expect(scalars(eventFile(run.dir))).toEqual(expected);
    expect(exported && 'scalars' in exported ? exported.scalars : -1).toBe(Object.values(expected).reduce((n, s) => n + s.length, 0));
    await exportRunLogs(run.dir);
    expect(scalars(eventFile(run.dir))).toEqual(expected);
  }, 60_000);

  it('is the `arena export-tb` command: one line per run, then how to view them', async () => {
    const run = planned(spec({ logging: undefined, totalSteps: 2000, checkpointEvery: 1000 }));
    expect((await executeRun(run)).status).toBe('finished');
    const cli = join(import.meta.dirname, '..', '..', 'dist', 'bin', 'arena.js');
    const ok = spawnSync(process.execPath, [cli, 'export-tb', run.dir], { encoding: 'utf8', timeout: 60_000 });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const file = join(run.dir, 'tb', readdirSync(join(run.dir, 'tb'))[0]!);
    const count = Object.values(expectedFromFiles(run.dir)).reduce((n, s) => n + s.length, 0);
    expect(ok.stdout).toBe(`${run.dir}: ${count} scalars -> ${file}\nview with: tensorboard --logdir ${run.dir}\n`);
    const bad = spawnSync(process.execPath, [cli, 'export-tb', join(run.dir, 'tb')], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^arena: export-tb: .*tb is neither a run directory/);
  }, 60_000);

  it('leaves out lines that are not JSON, saying how many per file', async () => {
    const root = tempDir();
    const base = { experiment: 'fake', variant: 'ppo', step: 30, seconds: 3, evals: [[0, 0, 1], [10, 1, 5]] as [number, number, number][] };
    const dir = writeRun(root, { ...base, seed: 0, status: 'finished', episodes: [[4, 0.5, 9]], metricsTail: 'not json\n{"type":"episode",\n', evalTail: '{"step":20,"ti' });
    // The eval tail has no newline yet: a line still being written, not a bad one.
    expect(await exportRunLogs(dir)).toEqual([{ dir, file: expect.stringContaining(join(dir, 'tb', 'events.out.tfevents.')), scalars: 2 + 2 + 5 * 2, badLines: { 'metrics.jsonl': 2 } }]);
    const series = scalars(eventFile(dir));
    expect(series).toEqual(expectedFromFiles(dir));
    expect(series['train/loss']).toEqual([[4, 0.5]]);
  });

  it('holds the experiment lock: it refuses an experiment an arena run is writing (which may append to the file it would replace)', async () => {
    const root = tempDir();
    const dir = writeRun(root, { experiment: 'fake', variant: 'ppo', seed: 0, status: 'running', step: 10, seconds: 1, evals: [[0, 0, 1]] });
    writeFileSync(join(root, 'fake', 'experiment.json'), '{}\n');
    const lock = acquireExperimentLock(join(root, 'fake'), 'arena run fake.yaml');
    try {
      for (const path of [join(root, 'fake'), dir]) await expect(exportRunLogs(path)).rejects.toThrow(`${join(root, 'fake')} is locked by pid ${process.pid}`);
      expect(existsSync(join(dir, 'tb'))).toBe(false);
    } finally {
      lock.release();
    }
    // Released (or its holder dead): the run, whose run.json still says running, is exported as far as its files go.
    expect((await exportRunLogs(dir)).map((r) => r.scalars)).toEqual([5]);
    expect(existsSync(join(root, 'fake', 'arena.lock'))).toBe(false);
  });

  it('names a path that holds no runs', async () => {
    const dir = tempDir();
    await expect(exportRunLogs(dir)).rejects.toThrow(`export-tb: ${dir} is neither a run directory (no run.json in it) nor an experiment directory`);
    await expect(exportRunLogs(join(dir, 'nope'))).rejects.toThrow(`export-tb: ${join(dir, 'nope')} does not exist`);
  });
});

describe('the scalars of a line', () => {
  it("include a game's wins, draws and losses, and leave out non-finite metrics", () => {
    const line = { step: 100, time: 1, episodes: 4, mean: 0.5, std: 0.5, min: 0, max: 1, returns: [0, 1, 0, 1], lengths: [5, 7, 9, 11], opponent: 'random', wins: 2, draws: 1, losses: 1 };
    expect(evalScalars(line)).toEqual([
      { tag: 'eval/return_mean', scalar: 0.5 },
      { tag: 'eval/return_std', scalar: 0.5 },
      { tag: 'eval/return_min', scalar: 0 },
      { tag: 'eval/return_max', scalar: 1 },
      { tag: 'eval/length_mean', scalar: 8 },
      { tag: 'eval/wins', scalar: 2 },
      { tag: 'eval/draws', scalar: 1 },
      { tag: 'eval/losses', scalar: 1 },
    ]);
    expect(metricsScalars({ type: 'update', step: 5, time: 1, fps: 10, metrics: { loss: 0.25, explainedVariance: NaN, 'explainedVariance.nonFinite': 1 } })).toEqual([
      { tag: 'train/loss', scalar: 0.25 },
      { tag: 'train/explainedVariance.nonFinite', scalar: 1 },
      { tag: 'perf/fps', scalar: 10 },
    ]);
  });
});

describe('the logging list of a config', () => {
  const config = (logging: string) => `name: tb\nenv: CliffWalking-v1\nseeds: 1\ntotalSteps: 100\n${logging}\nvariants:\n  - algorithm: q-learning\n`;
  const problems = (text: string) => {
    try {
      parseExperimentConfig(text, 'cfg.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('puts the loggers into every run spec, and nothing without it', () => {
    const on = parseExperimentConfig(config('logging: [tensorboard]'), 'cfg.yaml');
    expect(planRuns(on, '/r').map((r) => r.spec.logging)).toEqual([['tensorboard']]);
    for (const off of ['', 'logging: []']) expect(planRuns(parseExperimentConfig(config(off), 'cfg.yaml'), '/r')[0]!.spec).not.toHaveProperty('logging');
  });

  it('names an unknown or repeated logger, and a list of something else, at its position', () => {
    expect(problems(config('logging: [tensorbord]'))).toBe('cfg.yaml:5:11: logging[0]: unknown logger "tensorbord"; did you mean "tensorboard"? (loggers: tensorboard)');
    expect(problems(config('logging:\n  - tensorboard\n  - tensorboard'))).toBe('cfg.yaml:7:5: logging[1]: logger "tensorboard" is listed twice (also logging[0])');
    expect(problems(config('logging: tensorboard'))).toBe('cfg.yaml:5:10: logging: expected a list, got "tensorboard"');
    expect(problems(config('logging: [3]'))).toBe('cfg.yaml:5:11: logging[0]: expected a string, got 3');
  });
});
