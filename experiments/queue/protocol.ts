// What travels through Redis between the coordinator (`arena run --queue`) and
// the workers (`arena worker`): the job payload and its validation, the names
// of the keys, the events a worker streams back, and the chunked blobs that
// carry checkpoints. Nothing in a job is code: a spec is plain data whose
// algorithm, env and wrappers are looked up in the worker's registries.
//
// Per run (id = a hash of the coordinator's host, run directory and spec):
//   <prefix>:run:<id>:events   a Redis stream, appended by the worker, read and
//                              trimmed by the coordinator (see RunEvent)
//   <prefix>:run:<id>:ckpt     the latest checkpoint (a CheckpointRef as JSON)
//   <prefix>:run:<id>:record   the latest run.json text
//   <prefix>:run:<id>:meta     who enqueued it, for `arena queue status`
//   <prefix>:run:<id>:stop     set when the coordinator asks the run to stop
//   <prefix>:blob:<id>         a checkpoint: a list of chunks of BLOB_CHUNK bytes
//   <prefix>:worker:<id>       a worker's heartbeat (expires when it dies)
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import { EPISODES_DIR, EPISODE_INDEX_FILE, EVAL_FILE, METRICS_FILE } from '../store.js';
import type { RunSpec } from '../types.js';
import { runDefinition } from '../types.js';
import { formatPath, schemaIssues } from '../config-wrappers.js';

/** The BullMQ queue every coordinator and worker uses (one per Redis database). */
export const QUEUE_NAME = 'arena-runs';
/** Prefix of Arena's own keys (BullMQ's keys start with `bull:`). */
export const KEY_PREFIX = 'arena';
/**
 * The job format; bumped whenever a job carries something an older worker
 * would silently ignore (2: `pauseAt`, which an older worker would run past).
 * A worker refuses a job of any other format with an error that says so.
 */
export const JOB_FORMAT = 'arena.queue-job/2';

/** Checkpoints and episode files travel in pieces of at most this many bytes. */
export const BLOB_CHUNK = 1024 * 1024;
/** A checkpoint (agent state with its replay buffer) larger than this fails the run with a clear error. */
export const MAX_BLOB_BYTES = 512 * 1024 * 1024;
/** One stream entry of JSONL lines holds at most this many bytes of text. */
export const LINES_CHUNK = 256 * 1024;
/**
 * A worker stops sending (and lets its local copy grow) while a run's stream
 * holds this many entries the coordinator has not applied yet: Redis memory
 * stays bounded when the coordinator is slow or down.
 */
export const MAX_PENDING_EVENTS = 256;

/** The JSONL files a run appends to, in the order a worker sends their new lines. */
export const LINE_FILES = [join(EPISODES_DIR, EPISODE_INDEX_FILE), METRICS_FILE, EVAL_FILE] as const;
export type LineFile = (typeof LINE_FILES)[number];
/** How many lines each JSONL file holds (at a checkpoint: the lines up to its step). */
export type LineCounts = Record<LineFile, number>;
export const NO_LINES: LineCounts = Object.fromEntries(LINE_FILES.map((f) => [f, 0])) as LineCounts;

export const keys = {
  events: (runId: string) => `${KEY_PREFIX}:run:${runId}:events`,
  checkpoint: (runId: string) => `${KEY_PREFIX}:run:${runId}:ckpt`,
  record: (runId: string) => `${KEY_PREFIX}:run:${runId}:record`,
  meta: (runId: string) => `${KEY_PREFIX}:run:${runId}:meta`,
  stop: (runId: string) => `${KEY_PREFIX}:run:${runId}:stop`,
  blob: (blobId: string) => `${KEY_PREFIX}:blob:${blobId}`,
  worker: (workerId: string) => `${KEY_PREFIX}:worker:${workerId}`,
  workers: `${KEY_PREFIX}:worker:*`,
};

/** What a worker's heartbeat says (it expires when the worker dies). */
export interface WorkerBeat {
  readonly host: string;
  readonly pid: number;
  readonly arena: string;
  readonly concurrency: number;
  /** The runs it executes now (experiment/variant/seed-n). */
  readonly running: readonly string[];
}

/** The workers alive now, by their heartbeats. */
export async function listWorkers(redis: Redis): Promise<WorkerBeat[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.workers, 'COUNT', 200);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  const values = await Promise.all(found.sort().map((k) => redis.get(k)));
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerBeat);
}

/** A checkpoint stored in Redis: where its blob is, and what it holds. */
export interface CheckpointRef {
  readonly step: number;
  readonly blob: string;
  readonly size: number;
  readonly sha256: string;
  /** Lines of each JSONL file up to this checkpoint's step (where a run resumed from it appends). */
  readonly counts: LineCounts;
}

/** The data of one BullMQ job: one (variant, seed) run. */
export interface QueueJob {
  readonly format: typeof JOB_FORMAT;
  /** The Arena version that enqueued it; a worker of another version refuses the job. */
  readonly arena: string;
  readonly runId: string;
  readonly spec: RunSpec;
  /** The --import modules the coordinator used (as given), named when a worker lacks what they register. */
  readonly imports: readonly string[];
  /** The run's run.json in the run store when it was enqueued (a resumed run), or null. */
  readonly record: string | null;
  /** The checkpoint it starts from (a resumed run), or null. */
  readonly checkpoint: CheckpointRef | null;
  /** Stop after the checkpoint at or past this step (a tuning study's rung: execute-run.ts, "Pausing"); absent: run to the end. */
  readonly pauseAt?: number;
}

/**
 * Events on a run's stream; `tok` names the attempt (a worker's try at the
 * run), and the coordinator ignores events of any attempt but the latest
 * started one. Line and file events are idempotent (an index or an offset), so
 * a coordinator that restarts replays what it had not trimmed yet.
 */
export type RunEvent =
  | { k: 'start'; tok: string; host: string; checkpoint: CheckpointRef | null }
  | { k: 'lines'; tok: string; f: LineFile; i: number; t: string }
  | { k: 'file'; tok: string; p: string; o: number; n: number; d: Buffer }
  | { k: 'ckpt'; tok: string; ref: CheckpointRef }
  | { k: 'record'; tok: string; t: string }
  | { k: 'end'; tok: string; outcome: string };

/** Stream fields of an event (flat field/value pairs; file data stays binary). */
export function eventFields(e: RunEvent): (string | Buffer)[] {
  switch (e.k) {
    case 'start':
      return ['k', e.k, 'tok', e.tok, 'host', e.host, 'ref', JSON.stringify(e.checkpoint)];
    case 'lines':
      return ['k', e.k, 'tok', e.tok, 'f', e.f, 'i', String(e.i), 't', e.t];
    case 'file':
      return ['k', e.k, 'tok', e.tok, 'p', e.p, 'o', String(e.o), 'n', String(e.n), 'd', e.d];
    case 'ckpt':
      return ['k', e.k, 'tok', e.tok, 'ref', JSON.stringify(e.ref)];
    case 'record':
      return ['k', e.k, 'tok', e.tok, 't', e.t];
    case 'end':
      return ['k', e.k, 'tok', e.tok, 'o', e.outcome];
  }
}

/** Parses stream fields read as Buffers back into an event; throws on anything malformed. */
export function parseEvent(fields: Buffer[]): RunEvent {
  const m = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i]!.toString(), fields[i + 1]!);
  const s = (name: string): string => {
    const v = m.get(name);
    if (v === undefined) throw new Error(`queue event without field ${name}`);
    return v.toString();
  };
  const k = s('k');
  const tok = s('tok');
  switch (k) {
    case 'start':
      return { k, tok, host: s('host'), checkpoint: JSON.parse(s('ref')) as CheckpointRef | null };
    case 'lines': {
      const f = s('f');
      if (!(LINE_FILES as readonly string[]).includes(f)) throw new Error(`queue event for unknown file ${f}`);
      return { k, tok, f: f as LineFile, i: Number(s('i')), t: s('t') };
    }
    case 'file': {
      const p = s('p');
      if (!safeEpisodePath(p)) throw new Error(`queue event for a file outside the run's episodes: ${p}`);
      return { k, tok, p, o: Number(s('o')), n: Number(s('n')), d: m.get('d') ?? Buffer.alloc(0) };
    }
    case 'ckpt':
      return { k, tok, ref: JSON.parse(s('ref')) as CheckpointRef };
    case 'record':
      return { k, tok, t: s('t') };
    case 'end':
      return { k, tok, outcome: s('o') };
    default:
      throw new Error(`unknown queue event kind ${k}`);
  }
}

/** Episode files a worker may send: `episodes/<name>.json`, nothing else (no `..`, no subfolders). */
export function safeEpisodePath(p: string): boolean {
  return /^episodes\/[A-Za-z0-9._-]+\.json$/.test(p) && !p.includes('..');
}

// ---------------------------------------------------------------- the job

const nonNegInt = z.number().int().min(0);
const RUN_SPEC = z.object({
  experiment: z.string().min(1),
  variant: z.string().min(1),
  seed: z.number().int(),
  algorithm: z.string().min(1),
  hyperparameters: z.record(z.string(), z.unknown()),
  env: z.object({ id: z.string().min(1), kwargs: z.record(z.string(), z.unknown()), wrappers: z.array(z.object({ name: z.string(), args: z.record(z.string(), z.unknown()) })) }),
  envs: nonNegInt,
  totalSteps: z.number().int().min(1),
  eval: z.object({ every: nonNegInt, episodes: z.number().int().min(1) }),
  record: z.object({ every: nonNegInt, episodes: nonNegInt, deterministic: z.boolean() }),
  checkpointEvery: nonNegInt,
  logEvery: z.number().int().min(1),
  warmStart: z.string().optional(),
  game: z
    .object({
      opponents: z.array(z.string()),
      evalOpponent: z.string().optional(),
      shaping: z.object({ potential: z.string(), scale: z.number() }).optional(),
      teacher: z.string().optional(),
    })
    .optional(),
  backend: z.string(),
  threshold: z.number().optional(),
});
const COUNTS = z.object(Object.fromEntries(LINE_FILES.map((f) => [f, nonNegInt])) as Record<LineFile, typeof nonNegInt>);
const CHECKPOINT_REF = z.object({ step: nonNegInt, blob: z.string().min(1), size: nonNegInt, sha256: z.string().regex(/^[0-9a-f]{64}$/), counts: COUNTS });
const QUEUE_JOB = z.object({
  format: z.literal(JOB_FORMAT),
  arena: z.string(),
  runId: z.string().regex(/^[0-9a-f]{8,64}$/),
  spec: RUN_SPEC,
  imports: z.array(z.string()),
  record: z.string().nullable(),
  checkpoint: CHECKPOINT_REF.nullable(),
  pauseAt: z.number().int().min(1).optional(),
});

/** Checks a job's data; the error names every problem with its path. */
export function validateJob(data: unknown): QueueJob {
  const format = (data as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== JOB_FORMAT && format.startsWith('arena.queue-job/')) {
    throw new Error(`job format ${format}, but this worker reads ${JOB_FORMAT}: the coordinator and the workers run different Arena versions; start workers of the coordinator's version`);
  }
  const issues = schemaIssues(QUEUE_JOB, data);
  if (issues.length > 0) throw new Error(`malformed job: ${issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ')}`);
  return data as QueueJob;
}

/** The id of a run in the queue: the same run of the same run store always gets the same id (whatever its `logging`: types.ts runDefinition). */
export function runIdOf(host: string, dir: string, spec: RunSpec): string {
  return createHash('sha256').update(`${host}\n${dir}\n${runDefinition(spec)}`).digest('hex').slice(0, 32);
}

// ---------------------------------------------------------------- blobs

/**
 * Packs the files under `dir` into one buffer: a 4-byte header length, a JSON
 * list of [relative path, size], then the bytes in that order. `last` (e.g.
 * the checkpoint's `complete` mark) is placed last, so an unpacked copy is
 * marked complete only once everything else is written.
 */
export async function packDir(dir: string, last?: string): Promise<Buffer> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(dir);
  if (last !== undefined && files.includes(last)) files.push(...files.splice(files.indexOf(last), 1));
  const contents = await Promise.all(files.map((f) => readFile(join(dir, f))));
  const header = Buffer.from(JSON.stringify(files.map((f, i) => [f, contents[i]!.length])));
  const size = Buffer.alloc(4);
  size.writeUInt32BE(header.length);
  return Buffer.concat([size, header, ...contents]);
}

/** Writes a packDir buffer out under `dir`, refusing paths that would leave it. */
export async function unpackDir(packed: Buffer, dir: string): Promise<void> {
  const headerLength = packed.readUInt32BE(0);
  const entries = JSON.parse(packed.subarray(4, 4 + headerLength).toString()) as [string, number][];
  let offset = 4 + headerLength;
  for (const [path, size] of entries) {
    if (path.split('/').some((part) => part === '..' || part === '') || path.startsWith('/')) throw new Error(`packed file with an unsafe path: ${path}`);
    const target = join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, packed.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== packed.length) throw new Error(`packed directory of ${packed.length} bytes holds ${offset}`);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Stores `data` as a list of chunks under a new blob key; returns the key's id. */
export async function putBlob(redis: Redis, blobId: string, data: Buffer): Promise<void> {
  if (data.length > MAX_BLOB_BYTES) {
    throw new Error(`a checkpoint of ${(data.length / 2 ** 20).toFixed(0)} MiB is larger than the queue carries (${MAX_BLOB_BYTES / 2 ** 20} MiB); lower the replay buffer size or run it locally`);
  }
  const key = keys.blob(blobId);
  const multi = redis.multi().del(key);
  for (let o = 0; o < data.length; o += BLOB_CHUNK) multi.rpush(key, data.subarray(o, Math.min(data.length, o + BLOB_CHUNK)));
  if (data.length === 0) multi.rpush(key, Buffer.alloc(0));
  await multi.exec();
}

/** Reads a blob back and checks it against its checksum; null when it is gone (a newer one replaced it). */
export async function getBlob(redis: Redis, ref: Pick<CheckpointRef, 'blob' | 'size' | 'sha256'>): Promise<Buffer | null> {
  const key = keys.blob(ref.blob);
  const n = await redis.llen(key);
  if (n === 0) return null;
  const parts: Buffer[] = [];
  // A few chunks per round trip keeps each reply (and the memory it needs at once) small.
  for (let i = 0; i < n; i += 8) parts.push(...(await redis.lrangeBuffer(key, i, Math.min(n, i + 8) - 1)));
  const data = Buffer.concat(parts);
  if (data.length !== ref.size || sha256(data) !== ref.sha256) throw new Error(`checkpoint blob ${ref.blob}: ${data.length} bytes with checksum ${sha256(data).slice(0, 12)}..., expected ${ref.size} bytes, ${ref.sha256.slice(0, 12)}...`);
  return data;
}

/** Counts the complete lines of each JSONL file of a run directory. */
export async function countLines(runDir: string): Promise<LineCounts> {
  const counts = { ...NO_LINES };
  for (const f of LINE_FILES) {
    try {
      const text = await readFile(join(runDir, f));
      let n = 0;
      for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) n++;
      counts[f] = n;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return counts;
}
