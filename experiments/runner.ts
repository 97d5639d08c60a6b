// Runs an experiment: plans its (variant, seed) runs, checks the run store,
// and executes the runs on an executor (a pool of worker threads by default),
// reporting progress and collecting outcomes. One run failing, or its worker
// dying, marks that run failed and the others go on.
//
// The executor is a small interface (execute one run, stop, close) so that a
// queue-backed executor spreading runs over machines can replace the local
// pool without touching agents or envs (docs/design.md, "Beyond one machine").
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { ensureDir } from '../core/files.js';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RunOutcome, RunProgress } from './run.js';
import { executeRun, failedRunRecord } from './run.js';
import { EXPERIMENT_FILE, RUN_FILE, readJson, writeJsonAtomic } from './store.js';
import { planRuns } from './config.js';
import type { ExperimentConfig, PlannedRun, RunRecord } from './types.js';
import { EXPERIMENT_FORMAT } from './types.js';
import type { WorkerTask } from './worker.js';

export interface RunEvents {
  onProgress?(progress: RunProgress): void;
}

/** Where runs execute. */
export interface Executor {
  execute(planned: PlannedRun, resume: boolean, events: RunEvents): Promise<RunOutcome>;
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
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: concurrency,
      // One run per thread: runs are long, CPU-bound and hold a neural-net backend each.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }

  async execute(planned: PlannedRun, resume: boolean, events: RunEvents): Promise<RunOutcome> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (p: RunProgress) => events.onProgress?.(p));
    const task: WorkerTask = { planned, resume, stop: this.stopFlag, port: port2, imports: this.imports };
    try {
      return (await this.pool.run(task, { transferList: [port2] })) as RunOutcome;
    } catch (e) {
      // The worker itself died (a crash, out of memory, process.exit): the run could not record it.
      return markDead(planned, e as Error);
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
  private stopped = false;

  async execute(planned: PlannedRun, resume: boolean, events: RunEvents): Promise<RunOutcome> {
    return executeRun(planned, {
      resume,
      control: { shouldStop: () => this.stopped, ...(events.onProgress ? { onProgress: (p: RunProgress) => events.onProgress!(p) } : {}) },
    });
  }

  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {}
}

/** Records in run.json that the run's worker died, keeping what the run wrote. */
async function markDead(planned: PlannedRun, error: Error): Promise<RunOutcome> {
  const file = join(planned.dir, RUN_FILE);
  const message = `the worker running it died: ${error.message}`;
  let step = 0;
  let seconds = 0;
  const recorded = { message, ...(error.stack ? { stack: error.stack } : {}) };
  if (existsSync(file)) {
    const record = await readJson<RunRecord>(file);
    step = record.step;
    seconds = record.seconds;
    await writeJsonAtomic(file, { ...record, status: 'failed', endedAt: new Date().toISOString(), error: recorded });
  } else {
    // It died before the run wrote anything (e.g. while loading modules): record the failure all the same.
    await ensureDir(planned.dir);
    await writeJsonAtomic(file, failedRunRecord(planned.spec, recorded));
  }
  return { status: 'failed', step, seconds, resumedFrom: null, error: { message } };
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
}

/** Already written runs of this plan, for the "use --resume or --overwrite" check. */
export function existingRuns(plan: readonly PlannedRun[]): PlannedRun[] {
  return plan.filter((r) => existsSync(join(r.dir, RUN_FILE)));
}

export class ExistingRunsError extends Error {
  override name = 'ExistingRunsError';
}

/** Runs every planned run of `config` on the executor. */
export async function runExperiment(config: ExperimentConfig, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const dir = join(options.runsDir, config.name);
  const plan = planRuns(config, options.runsDir);
  // Stopped before it began: nothing is written, deleted or started.
  if (options.signal?.aborted) return { dir, runs: plan.map((run) => ({ run, outcome: null })), interrupted: true };
  const existing = existingRuns(plan);
  if (existing.length > 0 && !options.resume && !options.overwrite) {
    throw new ExistingRunsError(
      `${dir} already holds ${existing.length} run(s) of this experiment; continue them with --resume, or start over with --overwrite (which deletes them)`,
    );
  }
  if (options.overwrite) for (const r of plan) await rm(r.dir, { recursive: true, force: true });
  const experimentFile = join(dir, EXPERIMENT_FILE);
  if (options.resume && existsSync(experimentFile)) {
    const stored = await readJson<{ config: ExperimentConfig }>(experimentFile);
    if (JSON.stringify(stored.config) !== JSON.stringify(config)) {
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
  const skipped: PlannedRun[] = [];
  const todo: PlannedRun[] = [];
  for (const r of plan) {
    if (options.resume && existsSync(join(r.dir, RUN_FILE))) {
      const record = await readJson<RunRecord>(join(r.dir, RUN_FILE));
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
  const stop = (): void => {
    interrupted = true;
    executor.stop();
  };
  options.onStart?.({ stop });
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  reporter?.start(todo, skipped, executor.concurrency);
  const outcomes = new Map<PlannedRun, RunOutcome>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!interrupted && next < todo.length) {
      const run = todo[next++]!;
      reporter?.runStarted(run);
      const outcome = await executor.execute(run, options.resume ?? false, { onProgress: (p) => reporter?.runProgress(run, p) });
      outcomes.set(run, outcome);
      reporter?.runEnded(run, outcome);
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
  };
}

/** One worker per core by default. */
export function defaultWorkers(): number {
  return Math.max(1, cpus().length);
}
