// The run store: plain files a person can read (docs/design.md, "Run store").
//
// - JSON documents (run.json, experiment.json) are replaced atomically: written
//   to a temp file in the same directory, then renamed over the old one.
// - JSONL files only grow by whole lines: each line goes out in one write(2) on
//   a descriptor opened with O_APPEND, and readers ignore a last line that has
//   no newline yet, so a reader never sees half a line.
// - On resume, JSONL files are cut back to the checkpoint's step by rewriting
//   them atomically.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { ensureDir } from '../core/files.js';
import { basename, dirname, join } from 'node:path';
import type { RunRecord } from './types.js';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const EVAL_FILE = 'eval.jsonl';
export const EPISODES_DIR = 'episodes';
export const EPISODE_INDEX_FILE = 'index.jsonl';
export const CHECKPOINT_DIR = 'checkpoint';
export const EXPERIMENT_FILE = 'experiment.json';

/** Writes `value` as pretty JSON to `path` atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

/** Synchronous twin of writeJsonAtomic, for exit paths where awaiting is not possible. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
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
    writeSync(this.fd, JSON.stringify(value) + '\n');
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
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    if (kept.length > 0) writeSync(fd, kept.map((l) => JSON.stringify(l)).join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
