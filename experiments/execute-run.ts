// Executes one (variant, seed) run into its directory: trains the agent,
// evaluates and records episodes on schedule, writes metrics, checkpoints
// (checkpoint.ts: checksums, the fallback to the previous one), and resumes
// from the last intact checkpoint, reporting lines missing from its files.
//
// Segments. Training is split at every `checkpointEvery` steps: each segment is
// one `agent.learn({ totalSteps: segmentEnd, scheduleSteps: totalSteps })` on
// freshly made envs, followed by a checkpoint. An agent's learn call starts
// fresh episodes from a seed drawn from its own generator, so a run is a pure
// function of its spec: a run resumed from a checkpoint continues exactly as
// the uninterrupted run did after saving the same checkpoint. The checkpoint
// interval is therefore part of a run's definition (changing it changes where
// episodes are cut), and wrapper state (e.g. a NormalizeObservation wrapper's
// statistics) starts afresh each segment; agents keep their own statistics in
// their checkpoint.
//
// Evaluations, recordings and metric lines happen inside the learn hooks, at
// the first env step at or past each scheduled step; they only call the
// agent's deterministic `act`, which draws no random numbers, so they do not
// change training. (Recording with the stochastic policy does draw from the
// agent's generator, at the same steps in every attempt.)
//
// Pausing (tuning studies' rungs): with `pauseAt`, the run stops after the
// checkpoint of the first segment ending at or past that step, marked
// interrupted; resumed later (with a larger pauseAt, or none) it continues
// from that checkpoint exactly as if it had never stopped.
//
// With `logging: [tensorboard]` in its spec, every metrics and eval line also
// goes to the run's TensorBoard event file (tensorboard-run.ts), rebuilt from
// the rolled-back files when the run starts or resumes.
//
// Over 500 lines: executeRun is one run's whole life (plan, resume and roll
// back, segments, hooks, checkpoints, the final record) in one function whose
// steps share its state; the helpers around it are small.
import { hostname } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent, LearnHooks } from '../agents/agent.js';
import { createAgent, evaluate, loadAgent, warmStart } from '../agents/agent.js';
import type { Env } from '../core/env.js';
import { make } from '../core/registry.js';
import type { VectorEnv } from '../core/vector.js';
import { SyncVectorEnv, makeVec } from '../core/vector.js';
import {
  CHECKPOINT_DIR,
  EPISODES_DIR,
  EPISODE_INDEX_FILE,
  EVAL_FILE,
  JsonlWriter,
  METRICS_FILE,
  RUN_FILE,
  makeDirs,
  parseJsonl,
  readRunRecord,
  removeTempFiles,
  storageFailure,
  truncateJsonlSync,
  withPath,
  writeJsonAtomic,
} from './store.js';
import { writeFileAtomicSync } from '../core/files.js';
import { findCheckpoint, openCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { EpisodeIndexLine, EvalLine, MetricsLine, PlannedRun, RunGap, RunRecord, RunSpec, RunStatus } from './types.js';
import { createGameTrainer } from './game-trainer.js';
import { episodeFileName, recordAgentEpisode } from './run-episodes.js';
import type { RunTrainer, TrainerHooks } from './run-trainer.js';
import { EVAL_SEED_OFFSET, RECORD_SEED_OFFSET } from './run-trainer.js';
import { RUN_FORMAT, runDefinition } from './types.js';
import { applyWrappers } from './config-wrappers.js';
import { RunLog } from './tensorboard-run.js';

/** Progress reports are sent at most this often. */
const PROGRESS_INTERVAL_MS = 250;

export interface RunProgress {
  readonly step: number;
  readonly totalSteps: number;
  /** Env steps per second over the last reporting interval. */
  readonly fps: number;
  /** Mean return of the last 10 training episodes, or null before the first ends. */
  readonly recentReturn: number | null;
  /** Mean return of the latest evaluation, or null before the first. */
  readonly evalReturn: number | null;
}

export interface RunControl {
  /** Polled after every env step; true stops the run, which is then marked interrupted. */
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (progress: RunProgress) => void;
}

export interface RunOutcome {
  readonly status: RunStatus;
  readonly step: number;
  readonly seconds: number;
  /** Whether it continued from a checkpoint. */
  readonly resumedFrom: number | null;
  readonly error?: RunRecord['error'];
  /** What the start found and worked around: a damaged checkpoint passed over, holes in the JSONL files. */
  readonly warnings?: readonly string[];
}

/** State of the schedules, saved with each checkpoint so a resumed run picks them up where they were. */
interface SchedulerState {
  step: number;
  seconds: number;
  nextEval: number;
  nextRecord: number;
  nextLog: number;
  /** Sums and counts of update metrics since the last metrics line. */
  updateSums: Record<string, number>;
  updateCounts: Record<string, number>;
  /** Whether the agent has reported update metrics (then an update line without any is not written). Absent in old checkpoints. */
  reportsUpdates?: boolean;
  lastEval: number | null;
  /** Steps of the latest evaluation and recording (-1: none yet). */
  lastEvalStep: number;
  lastRecordStep: number;
  recentReturns: number[];
  /** Lines appended so far to each JSONL file (absent in checkpoints written before they were counted). */
  lines?: { metrics: number; eval: number; episodes: number };
}

/** JSON writes a schedule that never fires again (Infinity: `every: 0`) as null; read it back as Infinity. */
function readScheduler(saved: SchedulerState): SchedulerState {
  const never = (v: number | null) => (v === null ? Infinity : v);
  return { ...saved, nextEval: never(saved.nextEval), nextRecord: never(saved.nextRecord), nextLog: never(saved.nextLog) };
}

export { findCheckpoint };

/** The package name and version, read once from package.json next to the sources. */
export function packageInfo(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name: string; version: string };
      if (pkg.name === 'arena-rl') return { name: pkg.name, version: pkg.version };
    }
    dir = dirname(dir);
  }
  return { name: 'arena-rl', version: 'unknown' };
}

function gitRevision(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

/** What every run.json says of where it ran: the format, the spec, versions and the host. */
function provenance(spec: RunSpec): Pick<RunRecord, 'format' | 'spec' | 'package' | 'git' | 'hostname' | 'node'> {
  return { format: RUN_FORMAT, spec, package: packageInfo(), git: gitRevision(), hostname: hostname(), node: process.version };
}

/** run.json for a run that failed before it could write its own (its worker died while starting). */
export function failedRunRecord(spec: RunSpec, error: { message: string; stack?: string }): RunRecord {
  const now = new Date().toISOString();
  return {
    ...provenance(spec),
    status: 'failed',
    createdAt: now,
    endedAt: now,
    step: 0,
    seconds: 0,
    checkpointStep: null,
    attempts: 1,
    error,
  };
}

/** The env a run trains, evaluates and records on: make() plus the spec's wrappers. */
export function makeRunEnv(spec: Pick<RunSpec, 'env'>): Env {
  return applyWrappers(make(spec.env.id, { ...spec.env.kwargs }), spec.env.wrappers);
}

function makeTrainingEnvs(spec: RunSpec): { env: Env } | { vecEnv: VectorEnv } {
  if (spec.envs === 0) return { env: makeRunEnv(spec) };
  if (spec.env.wrappers.length === 0) return { vecEnv: makeVec(spec.env.id, spec.envs, { ...spec.env.kwargs }) };
  return { vecEnv: new SyncVectorEnv(Array.from({ length: spec.envs }, () => makeRunEnv(spec))) };
}

function closeTraining(envs: { env: Env } | { vecEnv: VectorEnv }): void {
  if ('env' in envs) envs.env.close();
  else envs.vecEnv.close();
}

// ---------------------------------------------------------------- trainers

/** The trainer of a single-agent run: createAgent / loadAgent, evaluate, recordEpisode. */
async function createAgentTrainer(spec: RunSpec, checkpoint: string | null): Promise<RunTrainer> {
  const probe = makeRunEnv(spec);
  const agent: Agent = checkpoint
    ? await loadAgent(checkpoint, { backend: spec.backend })
    : await createAgent(spec.algorithm, spec.hyperparameters, { observationSpace: probe.observationSpace, actionSpace: probe.actionSpace, seed: spec.seed, backend: spec.backend });
  probe.close();
  if (!checkpoint && spec.warmStart !== undefined) await warmStart(agent, spec.warmStart);
  const evalEnv = makeRunEnv(spec);
  const recordEnv = makeRunEnv(spec);
  return {
    get stepCount() {
      return agent.stepCount;
    },
    async learn(end, hooks) {
      const envs = makeTrainingEnvs(spec);
      const learnHooks: LearnHooks = {
        onEpisodeEnd: (e) => hooks.onEpisodeEnd({ step: e.step, episode: e.episode, return: e.return, length: e.length, truncated: e.truncated }),
        onUpdate: (u) => hooks.onUpdate(u),
        shouldStop: (s) => hooks.shouldStop(s),
      };
      try {
        await agent.learn({ ...envs, totalSteps: end, scheduleSteps: spec.totalSteps, hooks: learnHooks });
      } finally {
        closeTraining(envs);
      }
    },
    evaluate() {
      const r = evaluate(agent, evalEnv, { episodes: spec.eval.episodes, seed: EVAL_SEED_OFFSET + spec.seed });
      return { episodes: spec.eval.episodes, mean: r.mean, std: r.std, min: Math.min(...r.returns), max: Math.max(...r.returns), returns: r.returns, lengths: r.lengths };
    },
    record(step, index) {
      return recordAgentEpisode(agent, spec, recordEnv, { seed: RECORD_SEED_OFFSET + spec.seed * 1000 + index, trainingStep: step, deterministic: spec.record.deterministic });
    },
    save: (d) => agent.save(d),
    dispose() {
      evalEnv.close();
      recordEnv.close();
      agent.dispose();
    },
  };
}

/** The first multiple of `every` strictly after `step` (Infinity when every is 0). */
function nextMultiple(step: number, every: number): number {
  return every > 0 ? (Math.floor(step / every) + 1) * every : Infinity;
}

/** Segment ends: every checkpointEvery steps, and totalSteps. */
export function segmentEnds(spec: Pick<RunSpec, 'checkpointEvery' | 'totalSteps'>): number[] {
  const ends: number[] = [];
  if (spec.checkpointEvery > 0) for (let s = spec.checkpointEvery; s < spec.totalSteps; s += spec.checkpointEvery) ends.push(s);
  ends.push(spec.totalSteps);
  return ends;
}

/** Cuts the run's files back to what was written up to `step` (the checkpoint a resume starts from). */
export function rollBack(runDir: string, step: number | null): void {
  if (step === null) {
    for (const name of [METRICS_FILE, EVAL_FILE, EPISODES_DIR]) rmSync(join(runDir, name), { recursive: true, force: true });
    return;
  }
  truncateJsonlSync<MetricsLine>(join(runDir, METRICS_FILE), (l) => l.step <= step);
  truncateJsonlSync<EvalLine>(join(runDir, EVAL_FILE), (l) => l.step <= step);
  const episodes = join(runDir, EPISODES_DIR);
  truncateJsonlSync<EpisodeIndexLine>(join(episodes, EPISODE_INDEX_FILE), (l) => l.step <= step);
  if (existsSync(episodes)) {
    for (const name of readdirSync(episodes)) {
      const m = /^step-(\d+)-\d+\.json$/.exec(name);
      if (m && Number(m[1]) > step) rmSync(join(episodes, name));
    }
  }
}

/** The JSONL files whose lines a run counts (SchedulerState.lines), to find holes on resume. */
const COUNTED_FILES = [
  [METRICS_FILE, 'metrics'],
  [EVAL_FILE, 'eval'],
  [`${EPISODES_DIR}/${EPISODE_INDEX_FILE}`, 'episodes'],
] as const;

/**
 * After rollBack to the checkpoint at `step`: compares the lines each JSONL
 * file still holds with how many the run had written up to that checkpoint,
 * and returns the holes (a file cut short or edited). The counts are then set
 * to what the files hold, so the same hole is reported once.
 */
function findGaps(runDir: string, scheduler: SchedulerState, step: number): RunGap[] {
  const foundAt = new Date().toISOString();
  const gaps: RunGap[] = [];
  const held = { metrics: 0, eval: 0, episodes: 0 };
  for (const [file, key] of COUNTED_FILES) {
    let text = '';
    try {
      text = readFileSync(join(runDir, file), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // `arena eval --record` adds its own lines to the episode index; they are not the run's.
    const lines = parseJsonl<{ step: number; source?: string }>(text).lines.filter((l) => l.source !== 'eval');
    held[key] = lines.length;
    const expected = scheduler.lines?.[key];
    if (expected !== undefined && lines.length < expected) {
      gaps.push({ file, afterStep: lines.at(-1)?.step ?? -1, beforeStep: step, missing: expected - lines.length, foundAt });
    }
  }
  scheduler.lines = held;
  return gaps;
}

function gapWarning(dir: string, g: RunGap): string {
  return `${join(dir, g.file)} is missing ${g.missing} line(s) written before the checkpoint at step ${g.beforeStep} (its last line before the checkpoint is at step ${g.afterStep}): the file was cut or edited; the run continues from step ${g.beforeStep}, and steps ${g.afterStep + 1}-${g.beforeStep} stay a hole in its curves (recorded in run.json "gaps")`;
}

/** A metric named like a loss (`loss`, `valueLoss`, ...) or the gradient norm: non-finite means training diverged. */
const DIVERGENCE_METRIC = /loss$|^gradNorm$/i;

/** The run.json error of `e`: message and stack, and for a refused write its code, path and a hint. */
function recordedError(e: unknown): NonNullable<RunRecord['error']> {
  const err = e as Error;
  const failure = storageFailure(e);
  const stack = err?.stack ? { stack: err.stack } : {};
  if (failure) return { message: failure.message, ...stack, code: failure.code, ...(failure.path ? { path: failure.path } : {}) };
  return { message: err?.message ?? String(e), ...stack };
}

/**
 * What resuming a run whose run.json is `previous` gives without executing
 * anything: it finished, or (pauseAt) it is already paused at or past that
 * point (a study resumed after its runs had paused); null when it has steps to
 * run. Executors that hand runs elsewhere (the queue) ask it first too.
 */
export function settledOutcome(previous: RunRecord, pauseAt?: number): RunOutcome | null {
  if (previous.status === 'finished') return { status: 'finished', step: previous.step, seconds: previous.seconds, resumedFrom: null };
  if (pauseAt !== undefined && previous.status === 'interrupted' && previous.checkpointStep !== null && previous.checkpointStep >= pauseAt) {
    return { status: 'interrupted', step: previous.checkpointStep, seconds: previous.seconds, resumedFrom: null };
  }
  return null;
}

/**
 * Runs `planned` to the end (or until `control.shouldStop`), resuming from its
 * checkpoint when `resume` is set and one exists. Never throws for a failure
 * inside the run, a damaged checkpoint or a refused write included: it is
 * recorded in run.json (when the file system still takes that write) and
 * returned as status 'failed'. Throws only when the run directory holds a
 * different run (another spec) or an unreadable run.json, which it leaves as
 * they are.
 */
export async function executeRun(planned: PlannedRun, options: { resume?: boolean; control?: RunControl; pauseAt?: number } = {}): Promise<RunOutcome> {
  const { spec, dir } = planned;
  const control = options.control ?? {};
  const runFile = join(dir, RUN_FILE);
  const previous = existsSync(runFile) ? await readRunRecord(dir) : null;
  if (previous && options.resume) {
    if (runDefinition(previous.spec) !== runDefinition(spec)) {
      throw new Error(`${dir}: the config changed since this run started (its run.json spec differs); resume with the original config, or start it over`);
    }
    const settled = settledOutcome(previous, options.pauseAt);
    if (settled) return settled;
  }
  const startedAt = new Date().toISOString();
  let record: RunRecord = {
    ...provenance(spec),
    status: 'running',
    createdAt: previous?.createdAt ?? startedAt,
    startedAt,
    step: options.resume ? (previous?.step ?? 0) : 0,
    seconds: options.resume ? (previous?.seconds ?? 0) : 0,
    checkpointStep: options.resume ? (previous?.checkpointStep ?? null) : null,
    attempts: (options.resume ? (previous?.attempts ?? 0) : 0) + 1,
    ...(options.resume && previous?.gaps ? { gaps: previous.gaps } : {}),
    ...(options.resume && previous?.warnings ? { warnings: previous.warnings } : {}),
  };
  const warnings: string[] = [];
  let metrics: JsonlWriter | null = null;
  let evals: JsonlWriter | null = null;
  let episodeIndex: JsonlWriter | null = null;
  let tbLog: RunLog | null = null;
  let trainer: RunTrainer | null = null;
  const attemptStart = performance.now();
  let baseSeconds = record.seconds;
  const secondsNow = (): number => baseSeconds + (performance.now() - attemptStart) / 1000;
  let resumedFrom: number | null = null;
  try {
    await makeDirs(dir);
    const opened = options.resume ? await openCheckpoint<SchedulerState>(dir) : null;
    const scheduler: SchedulerState = opened
      ? readScheduler(opened.scheduler)
      : {
          step: 0,
          seconds: 0,
          nextEval: 0,
          nextRecord: 0,
          nextLog: spec.logEvery,
          updateSums: {},
          updateCounts: {},
          lastEval: null,
          lastEvalStep: -1,
          lastRecordStep: -1,
          recentReturns: [],
          lines: { metrics: 0, eval: 0, episodes: 0 },
        };
    if (opened) warnings.push(...opened.warnings);
    rollBack(dir, opened ? scheduler.step : null);
    if (!opened) {
      for (const name of [CHECKPOINT_DIR, `${CHECKPOINT_DIR}.old`, `${CHECKPOINT_DIR}.new`]) rmSync(join(dir, name), { recursive: true, force: true });
    }
    const gaps = opened ? findGaps(dir, scheduler, scheduler.step) : [];
    warnings.push(...gaps.map((g) => gapWarning(dir, g)));
    resumedFrom = opened ? scheduler.step : null;
    baseSeconds = scheduler.seconds;
    const allGaps = [...(record.gaps ?? []), ...gaps];
    const allWarnings = [...(record.warnings ?? []), ...warnings];
    record = {
      ...record,
      step: scheduler.step,
      seconds: scheduler.seconds,
      checkpointStep: opened ? scheduler.step : null,
      ...(allGaps.length > 0 ? { gaps: allGaps } : {}),
      ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}),
    };
    await writeJsonAtomic(runFile, record);

    await makeDirs(join(dir, EPISODES_DIR));
    const counts = scheduler.lines;
    const metricsFile = new JsonlWriter(join(dir, METRICS_FILE));
    metrics = metricsFile;
    const evalsFile = new JsonlWriter(join(dir, EVAL_FILE));
    evals = evalsFile;
    const indexFile = new JsonlWriter(join(dir, EPISODES_DIR, EPISODE_INDEX_FILE));
    episodeIndex = indexFile;
    // The TensorBoard log, rebuilt from the files as rolled back, then fed every line (tensorboard-run.ts).
    const tb = spec.logging?.includes('tensorboard') ? await RunLog.open(dir, record) : null;
    tbLog = tb;
    /** Appends a line and counts it (SchedulerState.lines), so that a resume can tell when lines went missing. */
    const appendMetrics = (line: MetricsLine): void => {
      metricsFile.append(line);
      if (counts) counts.metrics += 1;
      tb?.metrics(line);
    };

    const checkpointDir = opened ? opened.dir : null;
    trainer = spec.game ? await createGameTrainer(spec, checkpointDir) : await createAgentTrainer(spec, checkpointDir);
    const t = trainer;

    const runEvaluation = (step: number): void => {
      const r = t.evaluate();
      const line: EvalLine = { step, time: secondsNow(), ...r };
      evalsFile.append(line);
      if (counts) counts.eval += 1;
      tb?.eval(line);
      scheduler.lastEval = r.mean;
      scheduler.lastEvalStep = step;
    };
    const runRecording = (step: number): void => {
      for (let i = 0; i < spec.record.episodes; i++) {
        const episode = t.record(step, i);
        const file = episodeFileName(step, i);
        const path = join(dir, EPISODES_DIR, file);
        // Whole file then rename, so the viewer never reads half an episode.
        try {
          writeFileAtomicSync(path, JSON.stringify(episode));
        } catch (e) {
          throw withPath(e, path);
        }
        indexFile.append({ file, step, index: i, return: episode.return, length: episode.length } satisfies EpisodeIndexLine);
        if (counts) counts.episodes += 1;
      }
      scheduler.lastRecordStep = step;
    };
    let lastFpsStep = scheduler.step;
    let lastFpsTime = performance.now();
    const writeUpdateLine = (step: number): void => {
      // Nothing learned since the last line (PPO logging more often than it updates): skip it, fps then spans both intervals.
      // An agent that never reports update metrics (random) still gets its fps-only lines.
      if (scheduler.reportsUpdates && Object.keys(scheduler.updateCounts).length === 0) return;
      const now = performance.now();
      const fps = now > lastFpsTime ? (step - lastFpsStep) / ((now - lastFpsTime) / 1000) : 0;
      lastFpsStep = step;
      lastFpsTime = now;
      const averaged: Record<string, number> = {};
      for (const [k, sum] of Object.entries(scheduler.updateSums)) averaged[k] = sum / scheduler.updateCounts[k]!;
      appendMetrics({ type: 'update', step, time: secondsNow(), fps: Math.round(fps), metrics: averaged });
      scheduler.updateSums = {};
      scheduler.updateCounts = {};
    };
    /** Runs every schedule that is due at `step`. */
    const catchUp = (step: number): void => {
      scheduler.step = step;
      if (step >= scheduler.nextEval) {
        runEvaluation(step);
        scheduler.nextEval = nextMultiple(step, spec.eval.every);
      }
      if (step >= scheduler.nextRecord) {
        runRecording(step);
        scheduler.nextRecord = nextMultiple(step, spec.record.every);
      }
      if (step >= scheduler.nextLog) {
        writeUpdateLine(step);
        scheduler.nextLog = nextMultiple(step, spec.logEvery);
      }
    };

    let stopped = false;
    let paused = false;
    let lastProgress = 0;
    let progressStep = scheduler.step;
    let progressTime = performance.now();
    const report = (step: number, force = false): void => {
      if (!control.onProgress) return;
      const now = performance.now();
      if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      const fps = now > progressTime ? (step - progressStep) / ((now - progressTime) / 1000) : 0;
      lastProgress = now;
      progressStep = step;
      progressTime = now;
      const recent = scheduler.recentReturns;
      control.onProgress({
        step,
        totalSteps: spec.totalSteps,
        fps,
        recentReturn: recent.length > 0 ? recent.reduce((x, y) => x + y, 0) / recent.length : null,
        evalReturn: scheduler.lastEval,
      });
    };
    const hooks: TrainerHooks = {
      onEpisodeEnd: ({ step, ...rest }) => {
        // Key order as always: type, step, time, episode, return, length, truncated (readers may rely on it).
        appendMetrics({ type: 'episode', step, time: secondsNow(), ...rest });
        scheduler.recentReturns.push(rest.return);
        if (scheduler.recentReturns.length > 10) scheduler.recentReturns.shift();
      },
      onUpdate: (u) => {
        for (const [k, v] of Object.entries(u.metrics)) {
          scheduler.reportsUpdates = true;
          if (!Number.isFinite(v)) {
            if (DIVERGENCE_METRIC.test(k)) {
              throw new Error(`training diverged at step ${u.step ?? scheduler.step}: metric "${k}" is ${v}; the run stops here (its last checkpoint is at step ${record.checkpointStep ?? 'none'}; try a lower learning rate or gradient clipping)`);
            }
            // A quantity undefined for this update (e.g. explained variance of constant returns): counted, not averaged.
            const key = `${k}.nonFinite`;
            scheduler.updateSums[key] = (scheduler.updateSums[key] ?? 0) + 1;
            scheduler.updateCounts[key] = 1;
            continue;
          }
          scheduler.updateSums[k] = (scheduler.updateSums[k] ?? 0) + v;
          scheduler.updateCounts[k] = (scheduler.updateCounts[k] ?? 0) + 1;
        }
      },
      shouldStop: ({ step }) => {
        catchUp(step);
        report(step);
        if (control.shouldStop?.()) stopped = true;
        return stopped;
      },
    };

    if (!opened) catchUp(0);
    for (const end of segmentEnds(spec)) {
      if (t.stepCount >= end) continue;
      // Resumed from a checkpoint at or past pauseAt (killed after pausing there, before run.json said so): it stays there.
      if (options.pauseAt !== undefined && t.stepCount >= options.pauseAt) {
        paused = true;
        break;
      }
      await t.learn(end, hooks);
      if (stopped) break;
      const step = t.stepCount;
      catchUp(step);
      // Every run ends with an evaluation and a recording of its final policy (also when a rollout overshot the budget in an
      // earlier segment, so that the last segment is never run).
      if (step >= spec.totalSteps) {
        if (scheduler.lastEvalStep !== step) runEvaluation(step);
        if (scheduler.lastRecordStep !== step) runRecording(step);
      }
      scheduler.seconds = secondsNow();
      await saveCheckpoint(dir, (d) => t.save(d), { ...scheduler, step });
      record = { ...record, step, seconds: scheduler.seconds, checkpointStep: step };
      await writeJsonAtomic(runFile, record);
      report(step, true);
      if (options.pauseAt !== undefined && step >= options.pauseAt && step < spec.totalSteps) {
        paused = true;
        break;
      }
    }
    const status: RunStatus = stopped || paused ? 'interrupted' : 'finished';
    record = { ...record, status, step: stopped ? t.stepCount : record.step, seconds: secondsNow(), endedAt: new Date().toISOString() };
    await writeJsonAtomic(runFile, record);
    return { status, step: record.step, seconds: record.seconds, resumedFrom, ...(warnings.length > 0 ? { warnings } : {}) };
  } catch (e) {
    const error = recordedError(e);
    for (const w of [metrics, evals, episodeIndex, tbLog]) w?.close();
    metrics = evals = episodeIndex = tbLog = null;
    // Leave no temp files behind (a refused write leaves them half-written), and free their space for run.json.
    try {
      removeTempFiles(dir);
    } catch {
      // nothing more to do
    }
    record = { ...record, status: 'failed', seconds: secondsNow(), endedAt: new Date().toISOString(), error };
    let message = error.message;
    try {
      await writeJsonAtomic(runFile, record);
    } catch (e2) {
      message += ` (run.json could not be updated either: ${(e2 as Error).message})`;
    }
    return { status: 'failed', step: record.step, seconds: record.seconds, resumedFrom: null, error: { ...error, message }, ...(warnings.length > 0 ? { warnings } : {}) };
  } finally {
    for (const w of [metrics, evals, episodeIndex, tbLog]) w?.close();
    trainer?.dispose();
  }
}
