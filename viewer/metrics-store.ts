// metrics.jsonl files parsed once and kept, for the run page's training
// charts. A run of a million training episodes writes a metrics.jsonl of over
// 100 MB: reading and parsing it on every request (and on every live update)
// would take seconds each time. Each file is parsed into columns (typed
// arrays of step, time, return and length for the episode lines; the update
// lines as rows), keyed by its real path, and kept while its inode, size and
// mtime stay the same. The runner only appends to metrics.jsonl (resuming
// rewrites it atomically, as a new inode), so when a file has grown only the
// new bytes are read and parsed, once the bytes at its start and just before
// where parsing stopped are found unchanged (a file rewritten in place, same
// inode and longer, is read afresh). Lines go one at a time straight into the
// columns: no array of a million objects is ever held. Episode lines, nearly
// all of them, are read straight from the bytes (episode-line-scanner.ts:
// about 3 times faster than JSON.parse); anything it does not take goes to
// JSON.parse. Downsampled answers are kept per `maxPoints` until the file
// changes.
//
// The checks and messages are those of the other JSONL endpoints (data.ts),
// but forgiving, as the curves are: a line that is not valid JSON, or is not
// an episode or update line with a numeric step (and return), is left out and
// named (file and line) in the answer's `problems`, so one bad line does not
// hide the rest of a run's training; a last line without its newline is a
// writer mid-line and waits.
import { open, stat } from 'node:fs/promises';
import type { EpisodePoint, MetricsResponse, UpdatePoint } from './api-types.js';
import { EpisodeLineScanner } from './episode-line-scanner.js';

/** Bytes read at a time. */
const CHUNK = 1 << 20;
/** Files kept parsed. */
const MAX_FILES = 16;
/** Problems kept per file (the first ones), and named in an answer. */
const MAX_PROBLEMS = 1000;
const MAX_PROBLEMS_ANSWERED = 20;
/** Bytes compared at the start of a file and before where parsing stopped, to tell an append from a rewrite in place. */
const FINGERPRINT = 256;

interface UpdateRow {
  readonly step: number;
  /** NaN when the line has no numeric time or fps. */
  readonly time: number;
  readonly fps: number;
  /** The line's numeric metrics. */
  readonly metrics: Readonly<Record<string, number>>;
}

interface Problem {
  readonly line: number;
  readonly message: string;
}

interface Parsed {
  ino: number;
  size: number;
  mtimeMs: number;
  /** Bytes of complete lines parsed so far. */
  consumed: number;
  /** The file's first bytes and the bytes just before `consumed`, as parsed. */
  head: Buffer;
  tail: Buffer;
  /** Complete lines so far (blank ones included: they count in line numbers). */
  lines: number;
  episodes: number;
  step: Float64Array;
  time: Float64Array;
  ret: Float64Array;
  length: Float64Array;
  readonly updates: UpdateRow[];
  readonly keys: Set<string>;
  /** Lines that are not valid JSON, and lines that are JSON but not metrics lines. */
  readonly badJson: Problem[];
  readonly badShape: Problem[];
  badJsonCount: number;
  badShapeCount: number;
  readonly answers: Map<number, MetricsResponse>;
}

function empty(): Parsed {
  const capacity = 1024;
  return {
    ino: -1,
    size: -1,
    mtimeMs: -1,
    consumed: 0,
    head: Buffer.alloc(0),
    tail: Buffer.alloc(0),
    lines: 0,
    episodes: 0,
    step: new Float64Array(capacity),
    time: new Float64Array(capacity),
    ret: new Float64Array(capacity),
    length: new Float64Array(capacity),
    updates: [],
    keys: new Set(),
    badJson: [],
    badShape: [],
    badJsonCount: 0,
    badShapeCount: 0,
    answers: new Map(),
  };
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Makes room in the columns for `capacity` episodes. */
function grow(p: Parsed, capacity = p.step.length * 2): void {
  for (const k of ['step', 'time', 'ret', 'length'] as const) {
    const next = new Float64Array(capacity);
    next.set(p[k]);
    p[k] = next;
  }
}

// ---------------------------------------------------------------- parsing

const NEWLINE = 0x0a;

/** Parses one complete line (without its newline) the slow way, JSON.parse, into `p`. */
function parseLine(p: Parsed, line: string): void {
  const n = ++p.lines;
  if (line.charCodeAt(0) !== 123 /* { */ && line.trim() === '') return;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    // As store.ts's parseJsonl describes a bad line.
    if (p.badJsonCount++ < MAX_PROBLEMS) p.badJson.push({ line: n, message: `not valid JSON (${(e as Error).message}): ${line.length > 80 ? `${line.slice(0, 80)}...` : line}` });
    return;
  }
  const o = v as Record<string, unknown>;
  let problem: string | null = null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) problem = 'expected a JSON object';
  else if (o.type === 'episode') {
    if (num(o.step) && num(o.return)) addEpisode(p, o.step, o.time, o.return, o.length);
    else problem = 'an episode line needs numeric step and return';
  } else if (o.type === 'update') {
    if (num(o.step)) {
      const metrics: Record<string, number> = {};
      if (typeof o.metrics === 'object' && o.metrics !== null) {
        for (const [k, m] of Object.entries(o.metrics)) {
          if (!num(m)) continue;
          metrics[k] = m;
          p.keys.add(k);
        }
      }
      p.updates.push({ step: o.step, time: num(o.time) ? o.time : Number.NaN, fps: num(o.fps) ? o.fps : Number.NaN, metrics });
    } else problem = 'an update line needs a numeric step';
  } else problem = `unknown line type ${JSON.stringify(o.type)}`;
  if (problem !== null && p.badShapeCount++ < MAX_PROBLEMS) p.badShape.push({ line: n, message: problem });
}

/** Adds an episode line; a time that is not a finite number is NaN, a length 0. */
function addEpisode(p: Parsed, step: number, time: unknown, ret: number, length: unknown): void {
  if (p.episodes === p.step.length) grow(p);
  const i = p.episodes++;
  p.step[i] = step;
  p.time[i] = num(time) ? time : Number.NaN;
  p.ret[i] = ret;
  p.length[i] = num(length) ? length : 0;
}

const scanner = new EpisodeLineScanner();

/** Parses the complete lines of `buf` up to `end` (buf[end - 1] is a newline) into `p`: episode lines the fast way, the rest with JSON.parse. */
function parseLines(p: Parsed, buf: Buffer, end: number): void {
  let start = 0;
  while (start < end) {
    const stop = scanner.read(buf, start);
    if (stop >= 0) {
      p.lines++;
      addEpisode(p, scanner.step, scanner.time, scanner.ret, scanner.length);
      start = stop + 1;
    } else {
      const newline = buf.indexOf(NEWLINE, start);
      // A newline byte never occurs inside a multi-byte UTF-8 character, so a line decodes on its own as it would within the whole text.
      parseLine(p, buf.toString('utf8', start, newline));
      start = newline + 1;
    }
  }
}

/** Reads `real` from byte `from` to `to`, parsing the complete lines; returns the bytes consumed. */
async function readFrom(p: Parsed, real: string, from: number, to: number): Promise<number> {
  // About 100 bytes a line: size the columns once for a whole file rather than doubling them all the way up (fresh memory is slow
  // to come by), and at least double them for a few new lines, so a file that keeps growing is not copied every time.
  const expected = p.episodes + Math.ceil((to - from) / 100);
  if (p.step.length < expected) grow(p, Math.max(expected, p.step.length * 2));
  const handle = await open(real, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.min(CHUNK, to - from));
    // Bytes at the start of `buf` left from the previous read: the start of a line not yet complete.
    let carry = 0;
    let position = from;
    while (position < to) {
      if (carry === buf.length) {
        // One line longer than the buffer: make room.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const want = Math.min(buf.length - carry, to - position);
      const { bytesRead } = await handle.read(buf, carry, want, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = carry + bytesRead;
      const last = buf.lastIndexOf(10, filled - 1);
      if (last < 0) {
        carry = filled;
        continue;
      }
      parseLines(p, buf, last + 1);
      carry = filled - (last + 1);
      buf.copy(buf, 0, last + 1, filled);
    }
    return position - carry - from;
  } finally {
    await handle.close();
  }
}

/** Bytes `from` to `to` of the file at `real` (fewer when it is shorter). */
async function bytesAt(real: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(real, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, to - from));
    const { bytesRead } = await handle.read(buf, 0, buf.length, from);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Whether the bytes `p` parsed at the start of the file and before where it stopped are still there (an append keeps them). */
async function unchanged(p: Parsed, real: string): Promise<boolean> {
  const [head, tail] = await Promise.all([bytesAt(real, 0, p.head.length), bytesAt(real, p.consumed - p.tail.length, p.consumed)]);
  return head.equals(p.head) && tail.equals(p.tail);
}

const files = new Map<string, { parsed: Parsed; refreshing: Promise<Parsed | null> | null }>();

/** Brings `e.parsed` up to date with the file at `real`; null when the file does not exist. */
async function refresh(e: { parsed: Parsed }, real: string): Promise<Parsed | null> {
  let s;
  try {
    s = await stat(real);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      e.parsed = empty();
      return null;
    }
    throw err;
  }
  const p = e.parsed;
  if (s.ino === p.ino && s.size === p.size && s.mtimeMs === p.mtimeMs) return p;
  // Grown by an append: parse the new bytes. Anything else (a new file, a shorter one, one rewritten at the same size or longer
  // through the same inode): from the start.
  const appended = s.ino === p.ino && s.size > p.size && p.size >= 0 && (await unchanged(p, real));
  const target = appended ? p : empty();
  try {
    target.consumed += await readFrom(target, real, target.consumed, s.size);
    [target.head, target.tail] = await Promise.all([bytesAt(real, 0, Math.min(FINGERPRINT, target.consumed)), bytesAt(real, Math.max(0, target.consumed - FINGERPRINT), target.consumed)]);
  } catch (err) {
    // Half-parsed: start again next time.
    e.parsed = empty();
    throw err;
  }
  target.ino = s.ino;
  target.size = s.size;
  target.mtimeMs = s.mtimeMs;
  target.answers.clear();
  e.parsed = target;
  return target;
}

/** The parsed file at `real` (a real path inside the root), up to date; null when it does not exist. */
async function parsed(real: string): Promise<Parsed | null> {
  let e = files.get(real);
  if (e) {
    // Most recently used last.
    files.delete(real);
    files.set(real, e);
  } else {
    e = { parsed: empty(), refreshing: null };
    files.set(real, e);
    if (files.size > MAX_FILES) files.delete(files.keys().next().value!);
  }
  // One refresh at a time per file: later requests wait for it, then check again (cheap when nothing changed).
  while (e.refreshing) await e.refreshing.catch(() => null);
  const mine = refresh(e, real);
  e.refreshing = mine;
  try {
    return await mine;
  } finally {
    if (e.refreshing === mine) e.refreshing = null;
  }
}

/**
 * Parses the metrics.jsonl at `real` into the cache ahead of any request (the
 * background indexer, metrics-indexer.ts), or brings it up to date; a file
 * already up to date costs a stat. I/O errors are left for a request to report.
 */
export async function warmMetrics(real: string): Promise<void> {
  await parsed(real).catch(() => null);
}

/** How many files the cache keeps parsed. */
export const METRICS_FILES_KEPT = MAX_FILES;

/** The files kept parsed, least recently used first, with their complete lines and episodes so far (tests, diagnostics). */
export function cachedMetricsFiles(): { path: string; lines: number; episodes: number }[] {
  return [...files].map(([path, e]) => ({ path, lines: e.parsed.lines, episodes: e.parsed.episodes }));
}

/** Forgets every parsed file (tests). */
export function clearMetricsCache(): void {
  files.clear();
}

/**
 * GET .../metrics for the metrics.jsonl at `real`, shown as `file`:
 * training episodes and update lines, each downsampled to at most
 * `maxPoints` by cutting the lines, in file order, into consecutive buckets
 * of ceil(n / maxPoints) (viewer/README.md, "Downsampling"); lines that could
 * not be read are left out and the first of them named in `problems`.
 */
export async function metricsOf(real: string | null, file: string, maxPoints: number): Promise<MetricsResponse> {
  const p = real === null ? null : await parsed(real);
  if (p === null) return downsample(empty(), maxPoints, []);
  let answer = p.answers.get(maxPoints);
  if (!answer) {
    const bad = [...p.badJson, ...p.badShape].sort((a, b) => a.line - b.line);
    const skipped = p.badJsonCount + p.badShapeCount;
    const problems = bad.slice(0, MAX_PROBLEMS_ANSWERED).map((b) => `${file} line ${b.line}: ${b.message}`);
    if (skipped > problems.length) problems.push(`${file}: ${skipped - problems.length} more lines skipped`);
    answer = downsample(p, maxPoints, problems);
    if (p.answers.size >= 8) p.answers.delete(p.answers.keys().next().value!);
    p.answers.set(maxPoints, answer);
  }
  return answer;
}

function downsample(p: Parsed, maxPoints: number, problems: string[]): MetricsResponse {
  const n = p.episodes;
  const eSize = Math.max(1, Math.ceil(n / maxPoints));
  const episodes: EpisodePoint[] = [];
  for (let start = 0; start < n; start += eSize) {
    const stop = Math.min(n, start + eSize);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let length = 0;
    for (let i = start; i < stop; i++) {
      const r = p.ret[i]!;
      sum += r;
      if (r < min) min = r;
      if (r > max) max = r;
      length += p.length[i]!;
    }
    const last = stop - 1;
    const time = p.time[last]!;
    episodes.push({ step: p.step[last]!, time: Number.isNaN(time) ? 0 : time, return: sum / (stop - start), min, max, length: length / (stop - start), count: stop - start });
  }
  const u = p.updates;
  const uSize = Math.max(1, Math.ceil(u.length / maxPoints));
  const keys = [...p.keys].sort();
  const updates: UpdatePoint[] = [];
  for (let start = 0; start < u.length; start += uSize) {
    const bucket = u.slice(start, start + uSize);
    const last = bucket[bucket.length - 1]!;
    const metrics: Record<string, number> = {};
    for (const k of keys) {
      let sum = 0;
      let count = 0;
      for (const row of bucket) {
        const v = row.metrics[k];
        if (v !== undefined) {
          sum += v;
          count++;
        }
      }
      if (count > 0) metrics[k] = sum / count;
    }
    let fps = 0;
    let fpsCount = 0;
    for (const row of bucket) {
      if (!Number.isNaN(row.fps)) {
        fps += row.fps;
        fpsCount++;
      }
    }
    updates.push({ step: last.step, time: Number.isNaN(last.time) ? 0 : last.time, fps: fpsCount > 0 ? fps / fpsCount : 0, metrics, count: bucket.length });
  }
  return {
    maxPoints,
    episodes: { total: n, bucketSize: eSize, points: episodes },
    updates: { total: u.length, bucketSize: uSize, keys, points: updates },
    problems,
  };
}
