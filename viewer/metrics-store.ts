// metrics.jsonl files parsed once and kept, for the run page's training
// charts. A run of a million training episodes writes a metrics.jsonl of over
// 100 MB: reading and parsing it on every request (and on every live update)
// would take seconds each time. Each file is parsed into columns (typed
// arrays of step, time, return and length for the episode lines; the update
// lines as rows), keyed by its real path, and kept while its inode, size and
// mtime stay the same. The runner only appends to metrics.jsonl (resuming
// rewrites it atomically, as a new inode), so when a file has grown only the
// new bytes are read and parsed. Lines go one at a time straight into the
// columns: no array of a million objects is ever held. Downsampled answers
// are kept per `maxPoints` until the file changes.
//
// The checks and messages are those of the other JSONL endpoints (data.ts):
// a line that is not valid JSON, or is not an episode or update line with a
// numeric step (and return), makes the answer a 422 naming the file and the
// line; a last line without its newline is a writer mid-line and waits.
import { isAscii } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import type { EpisodePoint, MetricsResponse, UpdatePoint } from './api-types.js';
import { HttpError } from './catalog.js';

/** Bytes read at a time. */
const CHUNK = 8 << 20;
/** Files kept parsed. */
const MAX_FILES = 16;
/** Problems kept per file (the first ones; a 422 names the first). */
const MAX_PROBLEMS = 1000;

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

function grow(p: Parsed): void {
  const capacity = p.step.length * 2;
  for (const k of ['step', 'time', 'ret', 'length'] as const) {
    const next = new Float64Array(capacity);
    next.set(p[k]);
    p[k] = next;
  }
}

/** Parses complete lines (`text` ends with a newline) into `p`. */
function parseLines(p: Parsed, text: string): void {
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos);
    const line = text.slice(pos, end);
    pos = end + 1;
    const n = ++p.lines;
    if (line.charCodeAt(0) !== 123 /* { */ && line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      // As store.ts's parseJsonl describes a bad line.
      if (p.badJsonCount++ < MAX_PROBLEMS) p.badJson.push({ line: n, message: `not valid JSON (${(e as Error).message}): ${line.length > 80 ? `${line.slice(0, 80)}...` : line}` });
      continue;
    }
    const o = v as Record<string, unknown>;
    let problem: string | null = null;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) problem = 'expected a JSON object';
    else if (o.type === 'episode') {
      if (num(o.step) && num(o.return)) {
        if (p.episodes === p.step.length) grow(p);
        const i = p.episodes++;
        p.step[i] = o.step;
        p.time[i] = num(o.time) ? o.time : Number.NaN;
        p.ret[i] = o.return;
        p.length[i] = num(o.length) ? o.length : 0;
      } else problem = 'an episode line needs numeric step and return';
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
}

/** Reads `real` from byte `from` to `to`, parsing the complete lines; returns the bytes consumed. */
async function readFrom(p: Parsed, real: string, from: number, to: number): Promise<number> {
  // About 100 bytes a line: size the columns once rather than doubling them all the way up.
  const expected = p.episodes + Math.ceil((to - from) / 100);
  while (p.step.length < expected) grow(p);
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
      const whole = buf.subarray(0, last + 1);
      // A newline byte never occurs inside a multi-byte UTF-8 character, so cutting there is safe; plain ASCII decodes faster as latin1.
      parseLines(p, whole.toString(isAscii(whole) ? 'latin1' : 'utf8'));
      carry = filled - (last + 1);
      buf.copy(buf, 0, last + 1, filled);
    }
    return position - carry - from;
  } finally {
    await handle.close();
  }
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
  // Grown in place: parse the new bytes. Anything else (a new file, a shorter one, one rewritten at the same size): from the start.
  const target = s.ino === p.ino && s.size > p.size && p.size >= 0 ? p : empty();
  try {
    target.consumed += await readFrom(target, real, target.consumed, s.size);
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

/** Forgets every parsed file (tests). */
export function clearMetricsCache(): void {
  files.clear();
}

/**
 * GET .../metrics for the metrics.jsonl at `real`, shown as `file`:
 * training episodes and update lines, each downsampled to at most
 * `maxPoints` by cutting the lines, in file order, into consecutive buckets
 * of ceil(n / maxPoints) (viewer/README.md, "Downsampling").
 */
export async function metricsOf(real: string | null, file: string, maxPoints: number): Promise<MetricsResponse> {
  const p = real === null ? null : await parsed(real);
  if (p === null) return downsample(empty(), maxPoints);
  const bad = p.badJson.length > 0 ? p.badJson : p.badShape;
  if (bad.length > 0) {
    const problems = bad.map((b) => `${file} line ${b.line}: ${b.message}`);
    throw new HttpError(422, problems[0]!, { file, line: bad[0]!.line, problems });
  }
  let answer = p.answers.get(maxPoints);
  if (!answer) {
    answer = downsample(p, maxPoints);
    if (p.answers.size >= 8) p.answers.delete(p.answers.keys().next().value!);
    p.answers.set(maxPoints, answer);
  }
  return answer;
}

function downsample(p: Parsed, maxPoints: number): MetricsResponse {
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
  };
}
