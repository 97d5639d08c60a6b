// `arena worker`: takes runs from the queue and executes them on this machine.
// A job is checked first (its format, the Arena version that enqueued it, and
// that the algorithm, env and wrappers it names are registered here; else it
// is refused with an error saying what is missing). The run then executes in a
// worker thread (as in the local pool, so this thread stays free to renew
// BullMQ's lock) into a private copy of its directory, resuming from the
// checkpoint stored in Redis, and a RunTail streams what it writes back to the
// coordinator. A run that fails throws, so BullMQ retries it up to the job's
// attempts; when this worker shuts down, its runs stop at their next step and
// go back to the queue for another worker. A job with `pauseAt` (a tuning
// study's rung) ends at the checkpoint at or past that step: its job is done,
// and the coordinator enqueues the run again, from that checkpoint, if the
// study promotes it.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type { Job } from 'bullmq';
import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Piscina } from 'piscina';
import { agentDefinition } from '../../agents/agent.js';
import { learnerDefinition } from '../../agents/multi/learner.js';
import { gameRegistration } from '../../core/multi-agent.js';
import { envRegistration } from '../../core/registry.js';
import type { RunOutcome, RunProgress } from '../execute-run.js';
import { packageInfo } from '../execute-run.js';
import { CHECKPOINT_DIR, RUN_FILE } from '../store.js';
import type { WorkerResult, WorkerTask } from '../pool-worker.js';
import { listWrappers } from '../config-wrappers.js';
import type { QueueConnection } from './connection.js';
import { connect, scrub } from './connection.js';
import type { CheckpointRef, QueueJob, WorkerBeat } from './protocol.js';
import { QUEUE_NAME, getBlob, keys, unpackDir, validateJob } from './protocol.js';
import { RunTail } from './tail.js';

export interface QueueWorkerOptions {
  readonly connection: QueueConnection;
  /** Runs executed at once (one worker thread each). */
  readonly concurrency: number;
  /** Modules that register extra envs or agents: file URLs, already imported in this thread. */
  readonly imports: readonly string[];
  /** Where runs write their local copies (one subdirectory per run, removed when it ends). */
  readonly workDir: string;
  /** BullMQ's lock duration: a run whose worker stops renewing its lock this long is given to another worker. */
  readonly lockDuration?: number;
  /** How often BullMQ looks for such stalled runs. */
  readonly stalledInterval?: number;
  /** How often the local copy is polled for new output, ms. */
  readonly pollInterval?: number;
  readonly log?: (line: string) => void;
}

export interface QueueWorkerHandle {
  readonly id: string;
  /** Stops taking runs, stops the running ones at their next step (they go back to the queue) and disconnects. */
  close(): Promise<void>;
}

const HEARTBEAT_MS = 5000;

/** What a job refused by this worker says: the version or the registrations it lacks. */
export function refusal(job: QueueJob, version: string): string | null {
  const label = `${job.spec.experiment}/${job.spec.variant}/seed-${job.spec.seed}`;
  if (job.arena !== version) {
    return `run ${label} was enqueued by Arena ${job.arena}, but this worker (${hostname()}) runs Arena ${version}; start workers of the coordinator's version`;
  }
  const missing: string[] = [];
  const check = (what: string, lookup: () => unknown): void => {
    try {
      lookup();
    } catch {
      missing.push(what);
    }
  };
  if (job.spec.game) {
    check(`game ${JSON.stringify(job.spec.env.id)}`, () => gameRegistration(job.spec.env.id));
    check(`learner ${JSON.stringify(job.spec.algorithm)}`, () => learnerDefinition(job.spec.algorithm));
  } else {
    check(`env ${JSON.stringify(job.spec.env.id)}`, () => envRegistration(job.spec.env.id));
    check(`algorithm ${JSON.stringify(job.spec.algorithm)}`, () => agentDefinition(job.spec.algorithm));
  }
  const wrappers = new Set(listWrappers().map((w) => w.name));
  for (const w of job.spec.env.wrappers) if (!wrappers.has(w.name)) missing.push(`wrapper ${JSON.stringify(w.name)}`);
  if (job.spec.warmStart !== undefined) missing.push('a warm start (the queue does not carry warm-start directories)');
  if (missing.length === 0) return null;
  const hint = job.imports.length > 0 ? `; the coordinator imported ${job.imports.join(', ')}: start the worker with the same --import modules` : '';
  return `run ${label} needs ${missing.join(', ')}, which this worker (${hostname()}) does not have${hint}`;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const { connection } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const version = packageInfo().version;
  const redis: Redis = await connect(connection, `arena-worker-${id}`);
  const pool = new Piscina({
    filename: new URL('../pool-worker.js', import.meta.url).href,
    minThreads: options.concurrency,
    maxThreads: options.concurrency,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  await mkdir(options.workDir, { recursive: true });
  /** Stop flags of the runs executing now, by job id. */
  const running = new Map<string, { flag: Int32Array; label: string }>();
  let closing = false;

  const heartbeat = async (): Promise<void> => {
    const state: WorkerBeat = { host: hostname(), pid: process.pid, arena: version, concurrency: options.concurrency, running: [...running.values()].map((r) => r.label) };
    await redis.set(keys.worker(id), JSON.stringify(state), 'PX', HEARTBEAT_MS * 3);
  };
  await heartbeat();
  const beat = setInterval(() => void heartbeat().catch((e: Error) => log(`heartbeat: ${scrub(e.message, connection.secret)}`)), HEARTBEAT_MS);

  const processor = async (bullJob: Job, bullToken?: string): Promise<RunOutcome> => {
    let job: QueueJob;
    try {
      job = validateJob(bullJob.data);
    } catch (e) {
      throw new UnrecoverableError(`job ${bullJob.id}: ${(e as Error).message}`);
    }
    const refused = refusal(job, version);
    if (refused) {
      log(`refused: ${refused}`);
      throw new UnrecoverableError(refused);
    }
    const label = `${job.spec.experiment}/${job.spec.variant}/seed-${job.spec.seed}`;
    const dir = join(options.workDir, job.runId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // Where the run stands: what an earlier attempt stored in Redis, else what the coordinator sent.
    const [storedCheckpoint, storedRecord] = await Promise.all([redis.get(keys.checkpoint(job.runId)), redis.get(keys.record(job.runId))]);
    const checkpoint: CheckpointRef | null = storedCheckpoint ? (JSON.parse(storedCheckpoint) as CheckpointRef) : job.checkpoint;
    const record = storedRecord ?? job.record;
    if (checkpoint) {
      const packed = await getBlob(redis, checkpoint);
      if (!packed) throw new Error(`run ${label}: its checkpoint at step ${checkpoint.step} is missing from Redis (blob ${checkpoint.blob})`);
      await unpackDir(packed, join(dir, CHECKPOINT_DIR));
    }
    if (record) await writeFile(join(dir, RUN_FILE), record);

    const token = randomUUID();
    const tail = new RunTail(redis, job.runId, dir, token, checkpoint);
    await tail.send({ k: 'start', tok: token, host: hostname(), checkpoint });
    log(`start  ${label}${checkpoint ? ` from step ${checkpoint.step}` : ''} (attempt ${bullJob.attemptsMade + 1}, job ${bullJob.id})`);

    const flag = new Int32Array(new SharedArrayBuffer(4));
    running.set(String(bullJob.id), { flag, label });
    let stopAsked = false;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (p: RunProgress) => void bullJob.updateProgress({ ...p }).catch(() => {}));
    let polling: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      polling = polling
        .then(async () => {
          await tail.poll();
          // Stopped by the coordinator, or given up by it (a run whose job vanished, e.g. Redis restarted empty).
          if ((await redis.exists(keys.stop(job.runId))) === 1 || !(await tail.wanted())) {
            stopAsked = true;
            Atomics.store(flag, 0, 1);
          }
        })
        .catch((e: Error) => log(`${label}: ${scrub(e.message, connection.secret)}`));
    }, options.pollInterval ?? 200);
    let outcome: RunOutcome;
    try {
      const task: WorkerTask = {
        planned: { spec: job.spec, dir },
        resume: checkpoint !== null || record !== null,
        stop: flag.buffer as SharedArrayBuffer,
        port: port2,
        imports: options.imports,
        ...(job.pauseAt !== undefined ? { pauseAt: job.pauseAt } : {}),
      };
      let result: WorkerResult;
      try {
        result = (await pool.run(task, { transferList: [port2] })) as WorkerResult;
      } catch (e) {
        throw new Error(`run ${label}: the worker thread running it died: ${(e as Error).message}`);
      }
      if ('thrown' in result) {
        // executeRun could not record it (e.g. a damaged checkpoint): the job fails with its error, retried as any failure.
        throw Object.assign(new Error(result.thrown.message), result.thrown.stack ? { stack: result.thrown.stack } : {});
      }
      outcome = result.outcome;
      clearInterval(timer);
      await polling;
      await tail.poll(true);
    } finally {
      clearInterval(timer);
      port1.close();
      running.delete(String(bullJob.id));
    }
    try {
      // Interrupted unasked while this worker runs on: paused at its rung (job.pauseAt), so the job is done (its
      // checkpoint went to the coordinator with the last poll). Stopped by a shutdown, even one that met the pause,
      // the run goes back to the queue: resumed elsewhere, a run already paused there ends at once (run.ts).
      const paused = outcome.status === 'interrupted' && job.pauseAt !== undefined && !stopAsked && !closing;
      if (outcome.status === 'interrupted' && !stopAsked && !paused) {
        // This worker is shutting down: the run goes back to the queue and resumes from its checkpoint elsewhere.
        log(`back to the queue: ${label} at step ${outcome.step}`);
        await bullJob.moveToWait(bullToken);
        throw new WaitingError();
      }
      await tail.send({ k: 'end', tok: token, outcome: JSON.stringify(outcome) });
      log(`end    ${label}: ${paused ? 'paused' : outcome.status} at step ${outcome.step}${outcome.error ? `: ${outcome.error.message}` : ''}`);
      if (outcome.status === 'failed') {
        const error = new Error(outcome.error?.message ?? 'the run failed');
        if (outcome.error?.stack) error.stack = outcome.error.stack;
        throw error;
      }
      return outcome;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: connection.options,
    concurrency: options.concurrency,
    lockDuration: options.lockDuration ?? 30_000,
    stalledInterval: options.stalledInterval ?? 30_000,
    // A run whose workers keep dying (out of memory, killed) is failed after this many stalls.
    maxStalledCount: 3,
    name: id,
  });
  worker.on('error', (e) => log(`queue: ${scrub(e.message, connection.secret)}`));
  worker.on('failed', (job, e) => {
    if (job && !(e instanceof WaitingError)) log(`failed ${job.id}: ${scrub(e.message.split('\n')[0] ?? '', connection.secret)}`);
  });
  await worker.waitUntilReady();
  log(`worker ${id}: ${options.concurrency} run(s) at once from ${connection.display} (Arena ${version})`);

  return {
    id,
    async close() {
      if (closing) return;
      closing = true;
      for (const r of running.values()) Atomics.store(r.flag, 0, 1);
      await worker.close();
      clearInterval(beat);
      await redis.del(keys.worker(id));
      await pool.destroy();
      redis.disconnect();
    },
  };
}
