// Runs an experiment: plans its (variant, seed) runs, checks the run store,
// and executes the runs on an executor (a pool of worker threads by default),
// reporting progress and collecting outcomes. One run failing, or its worker
// dying, marks that run failed and the others go on.
//
// The executor is a small interface (execute one run, stop, close) so that a
// queue-backed executor spreading runs over machines can replace the local
// pool without touching agents or envs (docs/design.md, "Beyond one machine").
//
// runExperiment holds the experiment directory's lock (lock.ts) from before its
// first write or deletion to its end, whatever the executor, so no two
// processes write one experiment. A run failing because the file system
// refuses writes (full disk, quota, read-only) stops the others: they would
// fail the same way.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RunOutcome, RunProgress } from './execute-run.js';
import { executeRun, failedRunRecord } from './execute-run.js';
import { EXPERIMENT_FILE, RUN_FILE, isStorageCode, makeDirs, readJson, readRunRecord, storageFailure, writeJsonAtomic } from './store.js';
import { planRuns } from './config.js';
import { acquireExperimentLock } from './lock.js';
import type { ExperimentConfig, PlannedRun, RunRecord } from './types.js';
import { EXPERIMENT_FORMAT, runDefinition } from './types.js';
import type { WorkerResult, WorkerTask } from './pool-worker.js';

export interface RunEvents {
  onProgress?(progress: RunProgress): void;
}

/** How far to take a run this time: to its end, or (pauseAt) to the checkpoint at or past a step (execute-run.ts, "Pausing"). */
export interface RunLimits {
  readonly pauseAt?: number;
}

/** Where runs execute. */
export interface Executor {
  execute(planned: PlannedRun, resume: boolean, events: RunEvents, limits?: RunLimits): Promise<RunOutcome>;
  /** Whether it honours RunLimits.pauseAt (a tuning study with a pruner needs it). */
  readonly pauses?: boolean;
  /** Asks every executing run to stop at its next env step (they end 'interrupted'). */
  stop(): void;
  close(): Promise<void>;
  /** How many runs execute at once. */
  readonly concurrency: number;
}

/** Worker threads per core at most, unless forced: each holds its own heap and backend, so more only add memory and switching. */
export const WORKERS_PER_CORE = 4;

/** The most workers a pool starts without being forced: WORKERS_PER_CORE per core. */
export function maxWorkers(): number {
  return WORKERS_PER_CORE * Math.max(1, cpus().length);
}

/**
 * Runs in worker threads of a piscina pool, one run per thread at a time.
 * Threads start as runs are handed out (none at construction), so a pool
 * never has more threads than runs executing at once.
 */
export class WorkerPoolExecutor implements Executor {
  readonly pauses = true;
  private readonly pool: Piscina;
  private readonly stopFlag = new SharedArrayBuffer(4);

  constructor(
    readonly concurrency: number,
    private readonly imports: readonly string[] = [],
    options: { readonly force?: boolean } = {},
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`workers must be a positive integer, got ${concurrency}`);
    const most = maxWorkers();
    if (concurrency > most && !options.force) {
      throw new RangeError(
        `workers: ${concurrency} is more than ${most} (${WORKERS_PER_CORE} per core on this machine's ${cpus().length} cores); each worker holds its own heap and neural-net backend, so more only slow the runs down and use up memory. Pass --force-workers (force: true) to start them anyway`,
      );
    }
    this.pool = new Piscina({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: concurrency,
      // One run per thread: runs are long, CPU-bound and hold a neural-net backend each.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }

  async execute(planned: PlannedRun, resume: boolean, events: RunEvents, limits: RunLimits = {}): Promise<RunOutcome> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (p: RunProgress) => events.onProgress?.(p));
    const task: WorkerTask = { planned, resume, stop: this.stopFlag, port: port2, imports: this.imports, ...(limits.pauseAt !== undefined ? { pauseAt: limits.pauseAt } : {}) };
    try {
      const result = (await this.pool.run(task, { transferList: [port2] })) as WorkerResult;
      if ('thrown' in result) return recordFailure(planned, result.thrown.message, result.thrown.stack);
      return result.outcome;
    } catch (e) {
      // The worker itself died (a crash, out of memory, process.exit): the run could not record it.
      const err = e as Error;
      return recordFailure(planned, `the worker running it died: ${err.message}`, err.stack);
    } finally {
      port1.close();
    }
  }

  stop(): void {
    Atomics.store(new Int32Array(this.stopFlag), 0, 1);
  }

  /** Threads started so far (and not yet retired after idling). */
  get threads(): number {
    return this.pool.threads.length;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Runs in this thread, one at a time (for debugging and tests; `--workers 0`). */
export class InProcessExecutor implements Executor {
  readonly concurrency = 1;
  readonly pauses = true;
  private stopped = false;

  async execute(planned: PlannedRun, resume: boolean, events: RunEvents, limits: RunLimits = {}): Promise<RunOutcome> {
    try {
      return await executeRun(planned, {
        resume,
        ...(limits.pauseAt !== undefined ? { pauseAt: limits.pauseAt } : {}),
        control: { shouldStop: () => this.stopped, ...(events.onProgress ? { onProgress: (p: RunProgress) => events.onProgress!(p) } : {}) },
      });
    } catch (e) {
      const err = e as Error;
      return recordFailure(planned, err.message, err.stack);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {}
}

/**
 * Records in run.json a failure the run could not record itself (its worker
 * died, or executeRun threw before it could, or the queue gave it up),
 * keeping what the run wrote. An
 * unreadable run.json is left as it is, and the outcome says so.
 */
export async function recordFailure(planned: PlannedRun, message: string, stack?: string): Promise<RunOutcome> {
  const file = join(planned.dir, RUN_FILE);
  const recorded = { message, ...(stack ? { stack } : {}) };
  try {
    if (existsSync(file)) {
      let record: RunRecord;
      try {
        record = await readRunRecord(planned.dir);
      } catch (e) {
        return { status: 'failed', step: 0, seconds: 0, resumedFrom: null, error: { message: `${message} (run.json left as it was: ${(e as Error).message})` } };
      }
      await writeJsonAtomic(file, { ...record, status: 'failed', endedAt: new Date().toISOString(), error: recorded });
      return { status: 'failed', step: record.step, seconds: record.seconds, resumedFrom: null, error: { message } };
    }
    // It failed before the run wrote anything (e.g. while loading modules): record the failure all the same.
    await makeDirs(planned.dir);
    await writeJsonAtomic(file, failedRunRecord(planned.spec, recorded));
  } catch (e) {
    const failure = storageFailure(e);
    return { status: 'failed', step: 0, seconds: 0, resumedFrom: null, error: { message: `${message} (not recorded in run.json: ${(e as Error).message})`, ...(failure ? { code: failure.code } : {}) } };
  }
  return { status: 'failed', step: 0, seconds: 0, resumedFrom: null, error: { message } };
}

/** What a reporter hears about; see experiments/progress.ts. */
export interface Reporter {
  start(plan: readonly PlannedRun[], skipped: readonly PlannedRun[], concurrency: number): void;
  runStarted(run: PlannedRun): void;
  runProgress(run: PlannedRun, progress: RunProgress): void;
  runEnded(run: PlannedRun, outcome: RunOutcome): void;
  /** A line to show (e.g. "stopping..."), without breaking a live display. */
  message(text: string): void;
  end(): void;
}

export interface RunExperimentOptions {
  readonly runsDir: string;
  readonly executor: Executor;
  readonly resume?: boolean;
  /** Deletes the experiment's existing runs first (without it, existing runs are an error unless resuming). */
  readonly overwrite?: boolean;
  readonly reporter?: Reporter;
  /** Path of the config file, recorded in experiment.json. */
  readonly source?: string;
  /** Lets the caller stop the experiment (Ctrl-C): set when the returned handle's stop is called. */
  readonly onStart?: (handle: { stop(): void }) => void;
  /** What the experiment lock names as its holder's command (default "arena run"). */
  readonly command?: string;
  /**
   * Stops the experiment when aborted, also before any run started (a
   * SIGTERM while the experiment is still being set up): runs not started
   * are not started, running ones end interrupted at their next step.
   */
  readonly signal?: AbortSignal;
}

export interface ExperimentOutcome {
  readonly dir: string;
  readonly runs: { readonly run: PlannedRun; readonly outcome: RunOutcome | null }[];
  readonly interrupted: boolean;
  /** Set when a run failed because the file system refused a write: the other runs were stopped (they end interrupted). */
  readonly storageFailure?: { readonly run: PlannedRun; readonly message: string; readonly code: string };
}

/** Already written runs of this plan, for the "use --resume or --overwrite" check. */
export function existingRuns(plan: readonly PlannedRun[]): PlannedRun[] {
  return plan.filter((r) => existsSync(join(r.dir, RUN_FILE)));
}

export class ExistingRunsError extends Error {
  override name = 'ExistingRunsError';
}

/** Runs every planned run of `config` on the executor, holding the experiment directory's lock throughout. */
export async function runExperiment(config: ExperimentConfig, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const dir = join(options.runsDir, config.name);
  const plan = planRuns(config, options.runsDir);
  // Stopped before it began: nothing is written, deleted or started.
  if (options.signal?.aborted) return { dir, runs: plan.map((run) => ({ run, outcome: null })), interrupted: true };
  await makeDirs(dir);
  const lock = acquireExperimentLock(dir, options.command ?? 'arena run');
  const stale = lock.tookOverFrom;
  if (stale) {
    options.reporter?.message(`took over the lock of pid ${stale.pid}, which is no longer running (${stale.command}, started ${stale.startedAt}); its runs are resumed or refused as usual`);
  }
  try {
    return await runLocked(config, options, dir, plan);
  } finally {
    lock.release();
  }
}

async function runLocked(config: ExperimentConfig, options: RunExperimentOptions, dir: string, plan: PlannedRun[]): Promise<ExperimentOutcome> {
  const existing = existingRuns(plan);
  if (existing.length > 0 && !options.resume && !options.overwrite) {
    throw new ExistingRunsError(
      `${dir} already holds ${existing.length} run(s) of this experiment; continue them with --resume, or start over with --overwrite (which deletes them)`,
    );
  }
  if (options.overwrite) for (const r of plan) await rm(r.dir, { recursive: true, force: true });
  const experimentFile = join(dir, EXPERIMENT_FILE);
  if (options.resume && existsSync(experimentFile)) {
    let stored: { config: ExperimentConfig };
    try {
      stored = await readJson<{ config: ExperimentConfig }>(experimentFile);
    } catch (e) {
      throw new Error(`${(e as Error).message}; if the config is the one these runs started with, delete ${experimentFile} (it is written again from the config) and resume`);
    }
    if (runDefinition(stored.config) !== runDefinition(config)) {
      throw new Error(`${experimentFile}: the config differs from the one these runs started with; resume with the original config, or use --overwrite to start over`);
    }
  }
  await writeJsonAtomic(experimentFile, {
    format: EXPERIMENT_FORMAT,
    name: config.name,
    ...(options.source ? { source: options.source } : {}),
    updatedAt: new Date().toISOString(),
    // The runs are the config's variants x seeds (planRuns); listing them too would cost a record per run.
    config,
  });

  // Finished runs are skipped on resume; the rest run (a resumed run continues from its checkpoint).
  // A run whose run.json cannot be read is left alone, with what to do, and the others go on.
  const skipped: PlannedRun[] = [];
  const todo: PlannedRun[] = [];
  const outcomes = new Map<PlannedRun, RunOutcome>();
  const unreadable: string[] = [];
  for (const r of plan) {
    if (options.resume && existsSync(join(r.dir, RUN_FILE))) {
      let record: RunRecord;
      try {
        record = await readRunRecord(r.dir);
      } catch (e) {
        const file = join(r.dir, RUN_FILE);
        const message = `${(e as Error).message}; this run was not resumed (the others were): move ${file} away to resume it from its checkpoint, or delete ${r.dir} to start it over`;
        outcomes.set(r, { status: 'failed', step: 0, seconds: 0, resumedFrom: null, error: { message } });
        unreadable.push(message);
        continue;
      }
      if (record.status === 'finished') {
        skipped.push(r);
        continue;
      }
    }
    todo.push(r);
  }

  const reporter = options.reporter;
  const executor = options.executor;
  let interrupted = false;
  let storage: ExperimentOutcome['storageFailure'];
  const stop = (): void => {
    interrupted = true;
    executor.stop();
  };
  options.onStart?.({ stop });
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  reporter?.start(todo, skipped, executor.concurrency);
  for (const m of unreadable) reporter?.message(`skipped: ${m}`);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!interrupted && storage === undefined && next < todo.length) {
      const run = todo[next++]!;
      reporter?.runStarted(run);
      const outcome = await executor.execute(run, options.resume ?? false, { onProgress: (p) => reporter?.runProgress(run, p) });
      outcomes.set(run, outcome);
      reporter?.runEnded(run, outcome);
      const code = outcome.error?.code;
      if (outcome.status === 'failed' && code !== undefined && isStorageCode(code) && storage === undefined) {
        storage = { run, message: outcome.error!.message, code };
        reporter?.message(`stopping the other runs: ${outcome.error!.message}`);
        executor.stop();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(executor.concurrency, Math.max(1, todo.length)) }, lane));
  } finally {
    options.signal?.removeEventListener('abort', stop);
    reporter?.end();
  }
  return {
    dir,
    runs: plan.map((run) => ({ run, outcome: outcomes.get(run) ?? null })),
    interrupted,
    ...(storage ? { storageFailure: storage } : {}),
  };
}

/** One worker per core by default. */
export function defaultWorkers(): number {
  return Math.max(1, cpus().length);
}
