// `arena run --queue`: an Executor that puts each run on the BullMQ queue and
// writes what its worker streams back into the run store, exactly as the local
// executor writes it (same files, same lines, same checkpoints), so compare,
// view and live curves do not know the difference. The coordinator is the only
// writer of the run store; workers share no filesystem with it.
//
// Reattaching: a run's queue id is a hash of this host, its directory and its
// spec, so `--resume` finds the job of a run that is still queued or running
// (or that ended while the coordinator was away) and replays the part of its
// stream it had not applied yet. Stream entries are trimmed only once applied,
// and applying is idempotent (lines carry their index in the file, file pieces
// their offset), so a coordinator killed at any point loses nothing and writes
// nothing twice.
//
// Pausing (a tuning study's rungs): a job may carry `pauseAt`; its worker ends
// the run at the checkpoint at or past that step and the job completes. The
// run store then holds that checkpoint, and a promotion is an ordinary resume:
// the run is enqueued again from it, to the next rung or to the end, on
// whichever worker takes it.
import { appendFileSync, closeSync, existsSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Job } from 'bullmq';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunOutcome, RunProgress } from '../execute-run.js';
import { packageInfo, rollBack, settledOutcome } from '../execute-run.js';
import { COMPLETE_MARK, checkpointStep, installCheckpoint, openCheckpoint } from '../checkpoint.js';
import type { Executor, RunEvents, RunLimits } from '../run-experiment.js';
import { recordFailure } from '../run-experiment.js';
import { CHECKPOINT_DIR, EPISODES_DIR, RUN_FILE, readRunRecord, writeJsonAtomic } from '../store.js';
import { rebuildRunLog } from '../tensorboard-run.js';
import type { PlannedRun } from '../types.js';
import { runDefinition } from '../types.js';
import type { QueueConnection } from './connection.js';
import { connect, scrub } from './connection.js';
import type { CheckpointRef, LineCounts, QueueJob, RunEvent, WorkerBeat } from './protocol.js';
import { JOB_FORMAT, LINE_FILES, NO_LINES, QUEUE_NAME, countLines, getBlob, keys, listWorkers, packDir, parseEvent, putBlob, runIdOf, sha256, unpackDir } from './protocol.js';

export interface QueueExecutorOptions {
  readonly connection: QueueConnection;
  /** The --import modules as the user gave them (named in a worker's refusal). */
  readonly imports?: readonly string[];
  /** Attempts per run before it is marked failed (BullMQ's `attempts`). */
  readonly attempts?: number;
  readonly log?: (line: string) => void;
}

/** How often the state of every job is checked (besides the events that announce changes). */
const STATE_CHECK_MS = 2000;
/** One read takes at most this many entries of at most this many runs (bounding the reply: entries are at most 1 MiB). */
const ENTRIES_PER_READ = 64;
const STREAMS_PER_READ = 100;

interface ActiveRun {
  readonly planned: PlannedRun;
  readonly runId: string;
  readonly events: RunEvents;
  readonly limits: RunLimits;
  /** Stream position applied so far. */
  lastId: string;
  counts: LineCounts;
  /** The attempt whose events are applied; events of other attempts are ignored. */
  token: string | null;
  /** Set when the worker sent a failed end: the job may be retried, or be failed for good. */
  failedOutcome: RunOutcome | null;
  /** The blob of the checkpoint the coordinator enqueued it with, deleted when the run ends. */
  initialBlob: string | null;
  done: boolean;
  resolve(outcome: RunOutcome): void;
}

/** Runs planned runs through the queue; see the file comment. */
export class QueueExecutor implements Executor {
  /** Every run is put on the queue at once; the workers' slots decide how many execute. */
  readonly concurrency = Infinity;
  readonly pauses = true;
  private readonly active = new Map<string, ActiveRun>();
  private stopped = false;
  private closed = false;
  private readonly pumping: Promise<void>;
  private readonly checking: NodeJS.Timeout;

  private constructor(
    private readonly options: QueueExecutorOptions,
    private readonly redis: Redis,
    private readonly reader: Redis,
    private readonly queue: Queue,
    private readonly queueEvents: QueueEvents,
  ) {
    this.queueEvents.on('progress', ({ jobId, data }) => {
      const run = this.active.get(jobId);
      if (run && typeof data === 'object' && data !== null) run.events.onProgress?.(data as unknown as RunProgress);
    });
    this.queueEvents.on('failed', ({ jobId }) => void this.checkJob(jobId));
    this.pumping = this.pump();
    this.checking = setInterval(() => {
      for (const id of this.active.keys()) void this.checkJob(id);
    }, STATE_CHECK_MS);
  }

  /** Connects (checking the URL and the password first) and starts reading. */
  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const redis = await connect(options.connection, 'arena-coordinator');
    const reader = await connect(options.connection, 'arena-coordinator-reader');
    const queue = new Queue(QUEUE_NAME, { connection: options.connection.options });
    const queueEvents = new QueueEvents(QUEUE_NAME, { connection: options.connection.options });
    const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    const quiet = (e: Error) => log(`queue: ${scrub(e.message, options.connection.secret)}`);
    queue.on('error', quiet);
    queueEvents.on('error', quiet);
    await Promise.all([queue.waitUntilReady(), queueEvents.waitUntilReady()]);
    return new QueueExecutor(options, redis, reader, queue, queueEvents);
  }

  /** The workers alive now (for a hint when there are none). */
  async workers(): Promise<WorkerBeat[]> {
    return listWorkers(this.redis);
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(scrub(line, this.options.connection.secret));
  }

  async execute(planned: PlannedRun, resume: boolean, events: RunEvents, limits: RunLimits = {}): Promise<RunOutcome> {
    if (this.stopped) return { status: 'interrupted', step: 0, seconds: 0, resumedFrom: null };
    const runId = runIdOf(hostname(), resolve(planned.dir), planned.spec);
    // Finished, or paused at or past pauseAt: the run store holds the outcome and no worker is needed (unless output of
    // its job is still to be applied: the run's meta key goes when the coordinator ends it).
    if (resume && existsSync(join(planned.dir, RUN_FILE)) && (await this.redis.exists(keys.meta(runId))) === 0) {
      const previous = await readRunRecord(planned.dir);
      const settled = runDefinition(previous.spec) === runDefinition(planned.spec) ? settledOutcome(previous, limits.pauseAt) : null;
      if (settled) return settled;
    }
    if (planned.spec.warmStart !== undefined) {
      return recordFailure(planned, 'runs with a warm start cannot go through the queue (workers do not see the warm-start directory); run this experiment without --queue');
    }
    const outcome = new Promise<RunOutcome>((resolveOutcome) => {
      const run: ActiveRun = { planned, runId, events, limits, lastId: '0-0', counts: { ...NO_LINES }, token: null, failedOutcome: null, initialBlob: null, done: false, resolve: resolveOutcome };
      void this.attach(run, resume).catch(async (e: Error) => this.finish(run, await recordFailure(planned, scrub(e.message, this.options.connection.secret))));
    });
    return outcome;
  }

  /** Finds the run's job (reattaching) or enqueues it, then lets the pump apply its stream. */
  private async attach(run: ActiveRun, resume: boolean): Promise<void> {
    const { runId, planned } = run;
    const existing = await this.queue.getJob(runId);
    const state = existing ? await existing.getState() : null;
    const known = (await this.redis.exists(keys.meta(runId))) === 1;
    const ended = state === 'completed' || state === 'failed';
    if (existing && !resume && !ended) {
      throw new Error(`this run is still on the queue (job ${runId}, ${state}) from an earlier arena run; reattach to it with --resume`);
    }
    if (existing && known && resume && state !== 'unknown') {
      const queued = (existing.data as Partial<QueueJob>).pauseAt;
      if (queued !== run.limits.pauseAt) {
        throw new Error(`this run is on the queue (job ${runId}, ${state}) to ${queued === undefined ? 'its end' : `pause at step ${queued}`}, but is now asked to ${run.limits.pauseAt === undefined ? 'run to its end' : `pause at step ${run.limits.pauseAt}`}: was the study or its config changed? Remove the job (or wait for it to end) and resume again`);
      }
      await mkdir(join(planned.dir, EPISODES_DIR), { recursive: true });
      run.counts = await countLines(planned.dir);
      this.log(`reattached to ${label(planned)} (${state})`);
    } else {
      if (existing) await existing.remove();
      await this.enqueue(run, resume);
    }
    this.active.set(runId, run);
  }

  private async enqueue(run: ActiveRun, resume: boolean): Promise<void> {
    const { runId, planned } = run;
    await this.redis.del(keys.events(runId), keys.checkpoint(runId), keys.record(runId), keys.stop(runId));
    const runFile = join(planned.dir, RUN_FILE);
    const record = resume && existsSync(runFile) ? await readFile(runFile, 'utf8') : null;
    let checkpoint: CheckpointRef | null = null;
    // The newest checkpoint that verifies (a damaged one is set aside, as executeRun does), sent whole with its manifest.
    const opened = resume ? await openCheckpoint<{ step: number }>(planned.dir) : null;
    if (opened) {
      for (const w of opened.warnings) this.log(`${label(planned)}: ${w}`);
      const step = opened.scheduler.step;
      rollBack(planned.dir, step);
      const packed = await packDir(opened.dir, COMPLETE_MARK);
      checkpoint = { step, blob: `${runId}-${step}-coordinator`, size: packed.length, sha256: sha256(packed), counts: await countLines(planned.dir) };
      await putBlob(this.redis, checkpoint.blob, packed);
      run.initialBlob = checkpoint.blob;
    }
    const { pauseAt } = run.limits;
    const job: QueueJob = { format: JOB_FORMAT, arena: packageInfo().version, runId, spec: planned.spec, imports: this.options.imports ?? [], record, checkpoint, ...(pauseAt !== undefined ? { pauseAt } : {}) };
    await this.redis.set(keys.meta(runId), JSON.stringify({ dir: resolve(planned.dir), host: hostname(), run: label(planned), enqueuedAt: new Date().toISOString() }));
    await this.queue.add('run', job, {
      jobId: runId,
      attempts: this.options.attempts ?? 3,
      backoff: { type: 'exponential', delay: 1000 },
      // Ended jobs stay a week for `arena queue status`; the coordinator deletes its own keys once applied.
      removeOnComplete: { age: 7 * 86400 },
      removeOnFail: { age: 7 * 86400 },
    });
  }

  /** Reads the streams of every active run and applies their events in order. */
  private async pump(): Promise<void> {
    let first = 0;
    while (!this.closed) {
      // At most STREAMS_PER_READ streams per read, taking turns, so that no run waits behind the others.
      const all = [...this.active.values()].filter((r) => !r.done);
      first = all.length > STREAMS_PER_READ ? first % all.length : 0;
      const runs = [...all.slice(first), ...all.slice(0, first)].slice(0, STREAMS_PER_READ);
      first += runs.length;
      if (runs.length === 0) {
        await sleep(50);
        continue;
      }
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await this.reader.xreadBuffer('COUNT', ENTRIES_PER_READ, 'BLOCK', 200, 'STREAMS', ...runs.map((r) => keys.events(r.runId)), ...runs.map((r) => r.lastId))) as typeof reply;
      } catch (e) {
        if (this.closed) return;
        this.log(`reading the queue: ${(e as Error).message}`);
        await sleep(500);
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        const run = runs.find((r) => keys.events(r.runId) === key.toString());
        if (!run || run.done) continue;
        try {
          for (const [id, fields] of entries) {
            if (run.done) break;
            await this.apply(run, parseEvent(fields));
            run.lastId = id.toString();
          }
          // Applied entries go; the rest stay for a coordinator that restarts.
          await this.redis.xtrim(keys.events(run.runId), 'MINID', nextId(run.lastId));
        } catch (e) {
          // The run store cannot take what the worker sends (e.g. a full disk): stop the run and record why.
          await this.redis.set(keys.stop(run.runId), '1').catch(() => {});
          const outcome = await recordFailure(run.planned, `writing what the worker sent: ${(e as Error).message}`);
          await this.finish(run, outcome);
        }
      }
    }
  }

  private async apply(run: ActiveRun, e: RunEvent): Promise<void> {
    const dir = run.planned.dir;
    if (e.k === 'start') {
      run.token = e.tok;
      run.failedOutcome = null;
      const step = e.checkpoint?.step ?? null;
      if (e.checkpoint && checkpointStep(join(dir, CHECKPOINT_DIR)) !== step) await this.writeCheckpoint(dir, e.checkpoint);
      rollBack(dir, step);
      // A fresh start: no checkpoint of an earlier attempt may stay (nor its fallback).
      if (step === null) for (const name of [CHECKPOINT_DIR, `${CHECKPOINT_DIR}.old`, `${CHECKPOINT_DIR}.new`]) await rm(join(dir, name), { recursive: true, force: true });
      await mkdir(join(dir, EPISODES_DIR), { recursive: true });
      run.counts = await countLines(dir);
      const expected = e.checkpoint?.counts ?? NO_LINES;
      for (const f of LINE_FILES) {
        if (run.counts[f] !== expected[f]) throw new Error(`${join(dir, f)} holds ${run.counts[f]} lines up to step ${step ?? 0}, the checkpoint says ${expected[f]}`);
      }
      if (step !== null) this.log(`${label(run.planned)}: resumed on ${e.host} from step ${step}`);
      return;
    }
    if (run.token === null) run.token = e.tok;
    else if (e.tok !== run.token) return;
    switch (e.k) {
      case 'lines': {
        const lines = e.t.split('\n').slice(0, -1);
        const have = run.counts[e.f];
        if (e.i > have) throw new Error(`${e.f}: lines from ${e.i} on arrived, but only ${have} are written`);
        const fresh = lines.slice(have - e.i);
        if (fresh.length > 0) {
          // Whole lines in one write (the run store's rule for JSONL files).
          appendFileSync(join(dir, e.f), `${fresh.join('\n')}\n`);
          run.counts[e.f] = have + fresh.length;
        }
        return;
      }
      case 'file': {
        const path = join(dir, ...e.p.split('/'));
        // A piece replayed after a restart, of a file already complete: nothing to do.
        if (e.o > 0 && !existsSync(`${path}.tmp`) && existsSync(path)) return;
        const fd = openSync(`${path}.tmp`, e.o === 0 ? 'w' : 'r+');
        try {
          writeSync(fd, e.d, 0, e.d.length, e.o);
        } finally {
          closeSync(fd);
        }
        // Whole file then rename, as the local run does: the viewer never reads half an episode.
        if (e.o + e.d.length >= e.n) renameSync(`${path}.tmp`, path);
        return;
      }
      case 'ckpt':
        await this.writeCheckpoint(dir, e.ref);
        return;
      case 'record':
        await writeJsonAtomic(join(dir, RUN_FILE), JSON.parse(e.t));
        return;
      case 'end': {
        const outcome = JSON.parse(e.outcome) as RunOutcome;
        if (outcome.status === 'failed') {
          run.failedOutcome = outcome;
          await this.checkJob(run.runId);
        } else if (outcome.status === 'interrupted' && !this.stopped) {
          // Not asked for: the worker saw the run's keys vanish (Redis restarted empty); say so if the job is gone too.
          await this.checkJob(run.runId);
          await this.finish(run, outcome);
        } else {
          await this.finish(run, outcome);
        }
        return;
      }
    }
  }

  /** Writes a checkpoint from Redis into the run as the local run saves one (checkpoint.ts: written aside, then swapped in). */
  private async writeCheckpoint(dir: string, ref: CheckpointRef): Promise<void> {
    const packed = await getBlob(this.redis, ref);
    if (!packed) return; // replaced by a newer checkpoint, whose event follows
    await installCheckpoint(dir, (fresh) => unpackDir(packed, fresh));
  }

  /** Ends a run whose job failed for good (after its attempts, or refused by a worker). */
  private async checkJob(runId: string): Promise<void> {
    const run = this.active.get(runId);
    if (!run || run.done) return;
    let job: Job | undefined;
    let state: string;
    try {
      job = await this.queue.getJob(runId);
      state = job ? await job.getState() : 'unknown';
    } catch {
      return;
    }
    if (state === 'unknown') {
      await this.finish(run, await recordFailure(run.planned, `its job ${runId} was removed from the queue (Redis restarted without persistence?); --resume requeues it`));
      return;
    }
    if (state !== 'failed' || !job) return;
    // Let the pump apply what the last attempt sent (its run.json says failed, with the stack) before ending.
    if ((await this.redis.xlen(keys.events(runId))) > 0 && !(await this.streamApplied(run))) return;
    const reason = job.failedReason || 'failed';
    if (run.failedOutcome) {
      await this.finish(run, run.failedOutcome);
      return;
    }
    const outcome = await recordFailure(run.planned, reason);
    await this.finish(run, outcome);
  }

  /** Whether every entry on the run's stream has been applied. */
  private async streamApplied(run: ActiveRun): Promise<boolean> {
    const last = (await this.redis.xrevrange(keys.events(run.runId), '+', '-', 'COUNT', 1))[0];
    return last === undefined || compareIds(last[0], run.lastId) <= 0;
  }

  private async finish(run: ActiveRun, outcome: RunOutcome): Promise<void> {
    if (run.done) return;
    run.done = true;
    this.active.delete(run.runId);
    try {
      const ref = await this.redis.get(keys.checkpoint(run.runId));
      const blobs = [ref ? (JSON.parse(ref) as CheckpointRef).blob : null, run.initialBlob].filter((b) => b !== null).map((b) => keys.blob(b));
      await this.redis.del(keys.events(run.runId), keys.checkpoint(run.runId), keys.record(run.runId), keys.meta(run.runId), keys.stop(run.runId), ...blobs);
    } catch (e) {
      this.log(`cleaning up ${label(run.planned)}: ${(e as Error).message}`);
    }
    // The worker's TensorBoard log stays on its machine: with `logging: [tensorboard]`, the run's is written here from its files.
    const { dir, spec } = run.planned;
    if (spec.logging?.includes('tensorboard') && existsSync(join(dir, RUN_FILE))) {
      try {
        await rebuildRunLog(dir, await readRunRecord(dir));
      } catch (e) {
        this.log(`${label(run.planned)}: its TensorBoard log could not be written (arena export-tb writes it later): ${(e as Error).message}`);
      }
    }
    run.resolve(outcome);
  }

  stop(): void {
    this.stopped = true;
    for (const run of this.active.values()) {
      void (async () => {
        const job = await this.queue.getJob(run.runId);
        const state = job ? await job.getState() : 'unknown';
        if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
          await job.remove();
          await this.finish(run, { status: 'interrupted', step: 0, seconds: 0, resumedFrom: null });
        } else {
          await this.redis.set(keys.stop(run.runId), '1');
        }
      })().catch((e: Error) => this.log(`stopping ${label(run.planned)}: ${e.message}`));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.checking);
    this.reader.disconnect();
    await this.pumping;
    await this.queueEvents.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}

function label(planned: PlannedRun): string {
  return `${planned.spec.variant}/seed-${planned.spec.seed}`;
}

/** The stream id right after `id` (XTRIM MINID keeps ids >= its argument). */
function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
