// Executes one (variant, seed) run into its directory: trains the agent,
// evaluates and records episodes on schedule, writes metrics, checkpoints, and
// resumes from the last checkpoint.
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
import { hostname } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent, LearnHooks } from '../agents/agent.js';
import { createAgent, evaluate, loadAgent, warmStart } from '../agents/agent.js';
import type { Env } from '../core/env.js';
import { recordEpisode } from '../core/episode.js';
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
  readJson,
  truncateJsonlSync,
  writeJsonAtomic,
} from './store.js';
import type { EpisodeIndexLine, EpisodeLine, EvalLine, MetricsLine, PlannedRun, RunRecord, RunSpec, RunStatus } from './types.js';
import { createGameTrainer } from './game-run.js';
import type { RunTrainer, TrainerHooks } from './trainer.js';
import { EVAL_SEED_OFFSET, RECORD_SEED_OFFSET } from './trainer.js';
import { RUN_FORMAT } from './types.js';
import { applyWrappers } from './wrappers.js';

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
  readonly error?: { message: string; stack?: string };
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
  lastEval: number | null;
  /** Steps of the latest evaluation and recording (-1: none yet). */
  lastEvalStep: number;
  lastRecordStep: number;
  recentReturns: number[];
}

const SCHEDULER_FILE = 'scheduler.json';

/** JSON writes a schedule that never fires again (Infinity: `every: 0`) as null; read it back as Infinity. */
function readScheduler(saved: SchedulerState): SchedulerState {
  const never = (v: number | null) => (v === null ? Infinity : v);
  return { ...saved, nextEval: never(saved.nextEval), nextRecord: never(saved.nextRecord), nextLog: never(saved.nextLog) };
}
const COMPLETE_MARK = 'complete';

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
      return recordEpisode(recordEnv, {
        seed: RECORD_SEED_OFFSET + spec.seed * 1000 + index,
        act: (obs) => agent.act(obs, { deterministic: spec.record.deterministic }),
        overlays: agent.diagnostics ? (obs) => agent.diagnostics!(obs) : undefined,
        agent: { algorithm: spec.algorithm, experiment: spec.experiment, variant: spec.variant, runSeed: spec.seed, deterministic: spec.record.deterministic },
        trainingStep: step,
        wrappers: spec.env.wrappers,
      });
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

/** Where a complete checkpoint lives (a crash mid-swap leaves `.new` or `.old` complete), or null. */
export function findCheckpoint(runDir: string): string | null {
  for (const name of [CHECKPOINT_DIR, `${CHECKPOINT_DIR}.new`, `${CHECKPOINT_DIR}.old`]) {
    const dir = join(runDir, name);
    if (existsSync(join(dir, COMPLETE_MARK))) return dir;
  }
  return null;
}

/** Saves agent and scheduler state as `checkpoint/`, replacing the old one only once the new one is complete. */
async function saveCheckpoint(runDir: string, agent: Pick<RunTrainer, 'save'>, scheduler: SchedulerState): Promise<void> {
  const final = join(runDir, CHECKPOINT_DIR);
  const fresh = `${final}.new`;
  const old = `${final}.old`;
  await rm(fresh, { recursive: true, force: true });
  await agent.save(fresh);
  await writeFile(join(fresh, SCHEDULER_FILE), JSON.stringify(scheduler, null, 2) + '\n');
  await writeFile(join(fresh, COMPLETE_MARK), `${scheduler.step}\n`);
  await rm(old, { recursive: true, force: true });
  if (existsSync(final)) await rename(final, old);
  await rename(fresh, final);
  await rm(old, { recursive: true, force: true });
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

function episodeFileName(step: number, index: number): string {
  return `step-${String(step).padStart(10, '0')}-${index}.json`;
}

/**
 * Runs `planned` to the end (or until `control.shouldStop`), resuming from its
 * checkpoint when `resume` is set and one exists. Never throws for a failure
 * inside the run: it is recorded in run.json and returned as status 'failed'.
 */
export async function executeRun(planned: PlannedRun, options: { resume?: boolean; control?: RunControl } = {}): Promise<RunOutcome> {
  const { spec, dir } = planned;
  const control = options.control ?? {};
  await mkdir(dir, { recursive: true });
  const runFile = join(dir, RUN_FILE);
  const previous = existsSync(runFile) ? await readJson<RunRecord>(runFile) : null;
  if (previous && options.resume) {
    if (JSON.stringify(previous.spec) !== JSON.stringify(spec)) {
      throw new Error(`${dir}: the config changed since this run started (its run.json spec differs); resume with the original config, or start it over`);
    }
    if (previous.status === 'finished') return { status: 'finished', step: previous.step, seconds: previous.seconds, resumedFrom: null };
  }
  const checkpoint = options.resume ? findCheckpoint(dir) : null;
  let scheduler: SchedulerState = checkpoint
    ? readScheduler(await readJson<SchedulerState>(join(checkpoint, SCHEDULER_FILE)))
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
      };
  if (checkpoint && checkpoint !== join(dir, CHECKPOINT_DIR)) {
    // A crash during the swap: make the complete copy the checkpoint again.
    rmSync(join(dir, CHECKPOINT_DIR), { recursive: true, force: true });
    renameSync(checkpoint, join(dir, CHECKPOINT_DIR));
  }
  rollBack(dir, checkpoint ? scheduler.step : null);
  if (!checkpoint) rmSync(join(dir, CHECKPOINT_DIR), { recursive: true, force: true });

  const resumedFrom = checkpoint ? scheduler.step : null;
  const startedAt = new Date().toISOString();
  let record: RunRecord = {
    ...provenance(spec),
    status: 'running',
    createdAt: previous?.createdAt ?? startedAt,
    startedAt,
    step: scheduler.step,
    seconds: scheduler.seconds,
    checkpointStep: checkpoint ? scheduler.step : null,
    attempts: (options.resume ? (previous?.attempts ?? 0) : 0) + 1,
  };
  await writeJsonAtomic(runFile, record);

  await mkdir(join(dir, EPISODES_DIR), { recursive: true });
  const metrics = new JsonlWriter(join(dir, METRICS_FILE));
  const evals = new JsonlWriter(join(dir, EVAL_FILE));
  const episodeIndex = new JsonlWriter(join(dir, EPISODES_DIR, EPISODE_INDEX_FILE));
  let trainer: RunTrainer | null = null;
  const attemptStart = performance.now();
  const baseSeconds = scheduler.seconds;
  const secondsNow = (): number => baseSeconds + (performance.now() - attemptStart) / 1000;
  try {
    const checkpointDir = checkpoint ? join(dir, CHECKPOINT_DIR) : null;
    trainer = spec.game ? await createGameTrainer(spec, checkpointDir) : await createAgentTrainer(spec, checkpointDir);
    const t = trainer;

    const runEvaluation = (step: number): void => {
      const r = t.evaluate();
      evals.append({ step, time: secondsNow(), ...r } satisfies EvalLine);
      scheduler.lastEval = r.mean;
      scheduler.lastEvalStep = step;
    };
    const runRecording = (step: number): void => {
      for (let i = 0; i < spec.record.episodes; i++) {
        const episode = t.record(step, i);
        const file = episodeFileName(step, i);
        const path = join(dir, EPISODES_DIR, file);
        // Whole file then rename, so the viewer never reads half an episode.
        writeFileSync(`${path}.tmp`, JSON.stringify(episode));
        renameSync(`${path}.tmp`, path);
        episodeIndex.append({ file, step, index: i, return: episode.return, length: episode.length } satisfies EpisodeIndexLine);
      }
      scheduler.lastRecordStep = step;
    };
    let lastFpsStep = scheduler.step;
    let lastFpsTime = performance.now();
    const writeUpdateLine = (step: number): void => {
      const now = performance.now();
      const fps = now > lastFpsTime ? (step - lastFpsStep) / ((now - lastFpsTime) / 1000) : 0;
      lastFpsStep = step;
      lastFpsTime = now;
      const averaged: Record<string, number> = {};
      for (const [k, sum] of Object.entries(scheduler.updateSums)) averaged[k] = sum / scheduler.updateCounts[k]!;
      metrics.append({ type: 'update', step, time: secondsNow(), fps: Math.round(fps), metrics: averaged } satisfies MetricsLine);
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
        metrics.append({ type: 'episode', step, time: secondsNow(), ...rest } satisfies MetricsLine);
        scheduler.recentReturns.push(rest.return);
        if (scheduler.recentReturns.length > 10) scheduler.recentReturns.shift();
      },
      onUpdate: (u) => {
        for (const [k, v] of Object.entries(u.metrics)) {
          if (!Number.isFinite(v)) continue;
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

    if (!checkpoint) catchUp(0);
    for (const end of segmentEnds(spec)) {
      if (t.stepCount >= end) continue;
      await t.learn(end, hooks);
      if (stopped) break;
      const step = t.stepCount;
      catchUp(step);
      // Every run ends with an evaluation and a recording of its final policy.
      if (end === spec.totalSteps) {
        if (scheduler.lastEvalStep !== step) runEvaluation(step);
        if (scheduler.lastRecordStep !== step) runRecording(step);
      }
      scheduler.seconds = secondsNow();
      await saveCheckpoint(dir, t, { ...scheduler, step });
      record = { ...record, step, seconds: scheduler.seconds, checkpointStep: step };
      await writeJsonAtomic(runFile, record);
      report(step, true);
    }
    const status: RunStatus = stopped ? 'interrupted' : 'finished';
    record = { ...record, status, step: stopped ? t.stepCount : record.step, seconds: secondsNow(), endedAt: new Date().toISOString() };
    await writeJsonAtomic(runFile, record);
    return { status, step: record.step, seconds: record.seconds, resumedFrom };
  } catch (e) {
    const err = e as Error;
    const error = { message: err.message ?? String(e), ...(err.stack ? { stack: err.stack } : {}) };
    record = { ...record, status: 'failed', seconds: secondsNow(), endedAt: new Date().toISOString(), error };
    await writeJsonAtomic(runFile, record);
    return { status: 'failed', step: record.step, seconds: record.seconds, resumedFrom: null, error };
  } finally {
    metrics.close();
    evals.close();
    episodeIndex.close();
    trainer?.dispose();
  }
}
