// The run store: plain files a person can read (docs/design.md, "Run store").
//
// - JSON documents (run.json, experiment.json) are replaced atomically: written
//   to a temp file in the same directory, then renamed over the old one.
// - JSONL files only grow by whole lines: each line goes out in one write(2) on
//   a descriptor opened with O_APPEND, and readers ignore a last line that has
//   no newline yet, so a reader never sees half a line.
// - On resume, JSONL files are cut back to the checkpoint's step by rewriting
//   them atomically.
// - A write the file system refuses (full disk, quota, read-only, permissions)
//   surfaces as an error naming the path, with a hint (storageFailure), and
//   leaves no temp file behind.
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ensureDir, writeFileAtomic, writeFileAtomicSync } from '../core/files.js';
import { dirname, join, resolve } from 'node:path';
import type { RunRecord } from './types.js';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const EVAL_FILE = 'eval.jsonl';
export const EPISODES_DIR = 'episodes';
export const EPISODE_INDEX_FILE = 'index.jsonl';
export const CHECKPOINT_DIR = 'checkpoint';
export const EXPERIMENT_FILE = 'experiment.json';

// ---------------------------------------------------------------- storage errors

/** Error codes of a file system that refuses a write, with what they mean and what to do. */
const STORAGE_CODES: Readonly<Record<string, { what: string; hint: string }>> = {
  ENOSPC: { what: 'no space left on the device', hint: 'free some space (or use another --runs-dir), then continue with --resume' },
  EDQUOT: { what: 'disk quota exceeded', hint: 'free some space within your quota (or use another --runs-dir), then continue with --resume' },
  EROFS: { what: 'read-only file system', hint: 'write the runs to a writable place with --runs-dir' },
  EACCES: { what: 'permission denied', hint: 'write the runs to a directory you may write to (--runs-dir), or fix its permissions' },
  EPERM: { what: 'operation not permitted', hint: 'write the runs to a directory you may write to (--runs-dir), or fix its permissions' },
};

/** Whether errno `code` is a file system refusing writes (full, over quota, read-only, no permission): every run there would fail the same way. */
export function isStorageCode(code: string | undefined): boolean {
  return code !== undefined && code in STORAGE_CODES;
}

/** An error from a file system refusing a write: its code, the path, and a message naming both with a hint. */
export interface StorageFailure {
  readonly code: string;
  readonly path: string | null;
  readonly message: string;
}

/** Recognises a refused write in `e` (its errno code), or returns null for any other error. */
export function storageFailure(e: unknown): StorageFailure | null {
  const err = e as NodeJS.ErrnoException | null;
  const known = err && typeof err.code === 'string' ? STORAGE_CODES[err.code] : undefined;
  if (!err || !known) return null;
  const path = typeof err.path === 'string' ? err.path : null;
  return {
    code: err.code!,
    path,
    message: `${path ? `cannot write ${path}` : 'a write failed'}: ${known.what} (${err.code}); ${known.hint}`,
  };
}

/**
 * Creates directory `path` and its parents (core/files.ts ensureDir: one level
 * at a time, so a read-only, full or pseudo file system reports the real cause
 * and the level that failed), with the store's hint for a refused write.
 */
export async function makeDirs(path: string): Promise<void> {
  try {
    await ensureDir(path);
  } catch (e) {
    const failure = storageFailure(e);
    if (!failure) throw e;
    const level = failure.path ?? path;
    const cause = failure.message.slice(failure.message.indexOf(': ') + 2);
    throw Object.assign(new Error(`cannot create ${path}${resolve(level) !== resolve(path) ? ` (at ${level})` : ''}: ${cause}`), { code: failure.code, path: level });
  }
}

/** Removes what an interrupted write leaves in a run directory: `*.tmp` files (also in episodes/) and a half-written `checkpoint.new`. */
export function removeTempFiles(runDir: string): void {
  for (const dir of [runDir, join(runDir, EPISODES_DIR)]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
  }
  rmSync(join(runDir, `${CHECKPOINT_DIR}.new`), { recursive: true, force: true });
}

// ---------------------------------------------------------------- documents

/** Writes `value` as pretty JSON to `path` atomically; a failed write leaves neither a temp file nor a changed `path`. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await makeDirs(dirname(path));
  try {
    await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
  } catch (e) {
    throw withPath(e, path);
  }
}

/** Synchronous twin of writeJsonAtomic (durable: fsync before the rename), for exit paths where awaiting is not possible. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  writeFileAtomicSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** Errors of writes through a descriptor carry no path: give them the file's. */
export function withPath(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && typeof err.path !== 'string') err.path = path;
  return e;
}

/** One write(2) of `text` (or bytes); a short write (the disk filled up mid-line) is cut back off the file and thrown as ENOSPC. */
export function writeFully(fd: number, path: string, text: string | Uint8Array): void {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let written: number;
  try {
    written = writeSync(fd, bytes);
  } catch (e) {
    throw withPath(e, path);
  }
  if (written === bytes.length) return;
  ftruncateSync(fd, fstatSync(fd).size - written);
  throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}' (${written} of ${bytes.length} bytes)`), { code: 'ENOSPC', path });
}

/** Reads a JSON file, with the path in the error when it is missing or malformed. */
export async function readJson<T>(path: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const record = await readJson<RunRecord>(join(dir, RUN_FILE));
  if (record.format !== 'arena.run/1') throw new Error(`${join(dir, RUN_FILE)}: format ${JSON.stringify(record.format)}, expected arena.run/1`);
  return record;
}

/** An append-only JSONL file: every `append` is one whole line in one write. */
export class JsonlWriter {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(value: unknown): void {
    if (this.fd === null) throw new Error(`JsonlWriter: ${this.path} is closed`);
    writeFully(this.fd, this.path, JSON.stringify(value) + '\n');
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export interface JsonlContents<T> {
  readonly lines: T[];
  /** Lines that are not valid JSON, with their 1-based line numbers (a torn last line is not counted). */
  readonly bad: { line: number; text: string; error: string }[];
}

/** Parses JSONL text; a last line without a newline is still being written and is left out. */
export function parseJsonl<T>(text: string): JsonlContents<T> {
  const lines: T[] = [];
  const bad: { line: number; text: string; error: string }[] = [];
  const end = text.lastIndexOf('\n');
  if (end < 0) return { lines, bad };
  const parts = text.slice(0, end).split('\n');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.trim() === '') continue;
    try {
      lines.push(JSON.parse(part) as T);
    } catch (e) {
      bad.push({ line: i + 1, text: part.length > 80 ? `${part.slice(0, 80)}...` : part, error: (e as Error).message });
    }
  }
  return { lines, bad };
}

/** Reads a JSONL file (missing file: no lines). */
export async function readJsonl<T>(path: string): Promise<JsonlContents<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], bad: [] };
    throw e;
  }
  return parseJsonl<T>(text);
}

/** Keeps only the lines for which `keep` is true, rewriting the file atomically (used when resuming). */
export function truncateJsonlSync<T>(path: string, keep: (line: T) => boolean): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const { lines } = parseJsonl<T>(text);
  const kept = lines.filter(keep);
  writeFileAtomicSync(path, kept.length > 0 ? kept.map((l) => JSON.stringify(l)).join('\n') + '\n' : '');
}
