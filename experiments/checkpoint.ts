// A run's checkpoints: saving with a checksummed manifest, verifying on load,
// and falling back to the previous checkpoint when the latest is damaged.
//
// Layout in a run directory:
//   checkpoint/      the latest complete checkpoint
//   checkpoint.old/  the one before it (kept, so a damaged latest one has a fallback)
//   checkpoint.new/  being written; it becomes checkpoint/ once complete
//   checkpoint.corrupt/  the last checkpoint found damaged, kept for inspection
// A checkpoint is complete when its manifest file `complete` exists; it is
// written last. Manifest versions:
//   1: the text "<step>\n" (no checksums; still loaded)
//   2: JSON { format: 'arena.checkpoint/2', step, files: { <relative path>: { bytes, sha256 } } }
// Saving also refuses a net with non-finite weights (arena.mlp/1 parts), so a
// diverged run fails at that checkpoint instead of saving garbage.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MODEL_FORMAT } from '../agents/lib/nets.js';
import { CHECKPOINT_DIR, withPath } from './store.js';

export const COMPLETE_MARK = 'complete';
export const SCHEDULER_FILE = 'scheduler.json';
export const CHECKPOINT_FORMAT = 'arena.checkpoint/2';

export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly step: number;
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

/** A checkpoint failed verification: `file` is the damaged file. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `dir`, as paths relative to it with '/' separators, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Throws a CheckpointError when a net saved in `dir` (arena.mlp/1: `<name>.json`
 * plus float32 weights) holds NaN or Infinity, naming the file and `when`,
 * followed by `hint`.
 */
function checkFiniteWeights(dir: string, files: readonly string[], when: string, hint: string): void {
  for (const name of files) {
    if (!name.endsWith('.json')) continue;
    let json: { format?: string; weightsFile?: string };
    try {
      json = JSON.parse(readFileSync(join(dir, name), 'utf8')) as typeof json;
    } catch {
      continue; // not a net description; the agent's own loader reports bad JSON
    }
    if (json.format !== MODEL_FORMAT || typeof json.weightsFile !== 'string') continue;
    const path = join(dir, name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '', json.weightsFile);
    const buf = readFileSync(path);
    const w = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.byteLength / 4));
    let bad = 0;
    let first = -1;
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i]!)) {
        if (first < 0) first = i;
        bad += 1;
      }
    }
    if (bad > 0) {
      throw new CheckpointError(path, `non-finite weights ${when}: ${path} (net ${name.replace(/\.json$/, '')}) holds ${bad} NaN or infinite value(s), the first at index ${first}${hint}`);
    }
  }
}

/**
 * Saves `save`'s state and the scheduler's as `<runDir>/checkpoint/`, with a
 * manifest of SHA-256 checksums written last. The previous checkpoint is kept
 * as `checkpoint.old/` (the one before that is deleted).
 */
export async function saveCheckpoint(runDir: string, save: (dir: string) => Promise<void>, scheduler: { step: number }): Promise<void> {
  const fresh = join(runDir, `${CHECKPOINT_DIR}.new`);
  await rm(fresh, { recursive: true, force: true });
  try {
    await save(fresh);
    await writeFile(join(fresh, SCHEDULER_FILE), JSON.stringify(scheduler, null, 2) + '\n');
  } catch (e) {
    // Writes through a descriptor (a full disk) carry no path: name the checkpoint at least.
    throw withPath(e, fresh);
  }
  const names = listFiles(fresh);
  checkFiniteWeights(fresh, names, `at step ${scheduler.step}`, '; training diverged (try a lower learning rate or gradient clipping)');
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const name of names) files[name] = { bytes: statSync(join(fresh, name)).size, sha256: await sha256(join(fresh, name)) };
  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, step: scheduler.step, files };
  // Whole or not at all: a process killed mid-write must not leave a manifest that reads as damaged.
  await writeFile(join(fresh, `${COMPLETE_MARK}.tmp`), JSON.stringify(manifest, null, 2) + '\n');
  await rename(join(fresh, `${COMPLETE_MARK}.tmp`), join(fresh, COMPLETE_MARK));
  await swapIn(runDir);
}

/** Makes the complete checkpoint in `checkpoint.new/` the run's checkpoint, the current one `checkpoint.old/`. */
async function swapIn(runDir: string): Promise<void> {
  const final = join(runDir, CHECKPOINT_DIR);
  const old = `${final}.old`;
  if (existsSync(final)) {
    await rm(old, { recursive: true, force: true });
    await rename(final, old);
  }
  await rename(`${final}.new`, final);
}

/**
 * Installs a checkpoint that `fill` writes whole, its manifest included (one
 * made elsewhere, e.g. by a queue worker), as saveCheckpoint installs its own:
 * written aside, then swapped in, the previous one kept as `checkpoint.old/`.
 */
export async function installCheckpoint(runDir: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const fresh = join(runDir, `${CHECKPOINT_DIR}.new`);
  await rm(fresh, { recursive: true, force: true });
  await fill(fresh);
  if (!existsSync(join(fresh, COMPLETE_MARK))) throw new CheckpointError(join(fresh, COMPLETE_MARK), `${fresh}: the checkpoint to install has no manifest (${COMPLETE_MARK})`);
  await swapIn(runDir);
}

/** The step of the complete checkpoint in `dir` (either manifest version), or null when it has none or an unreadable one; not verified. */
export function checkpointStep(dir: string): number | null {
  const m = readManifest(dir);
  return m === null || 'error' in m ? null : m.step;
}

/** The step a complete checkpoint in `dir` was taken at, and its manifest (null for a version-1 checkpoint), or null when incomplete. */
function readManifest(dir: string): { step: number; manifest: CheckpointManifest | null } | { error: string } | null {
  const path = join(dir, COMPLETE_MARK);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `${path} is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof parsed === 'number' && Number.isInteger(parsed)) return { step: parsed, manifest: null };
  const m = parsed as CheckpointManifest;
  if (typeof m !== 'object' || m === null || m.format !== CHECKPOINT_FORMAT || typeof m.step !== 'number' || typeof m.files !== 'object' || m.files === null) {
    return { error: `${path}: not a checkpoint manifest (expected format ${CHECKPOINT_FORMAT} with step and files)` };
  }
  return { step: m.step, manifest: m };
}

/** Where a complete checkpoint lives (the latest by step), or null; not verified (see openCheckpoint). */
export function findCheckpoint(runDir: string): string | null {
  return candidates(runDir).find((c) => !c.error)?.dir ?? null;
}

interface Candidate {
  readonly dir: string;
  readonly step: number;
  readonly manifest: CheckpointManifest | null;
  readonly error?: string;
}

/** Complete checkpoints in a run directory, newest first (a damaged manifest counts as the newest, to be reported). */
function candidates(runDir: string): Candidate[] {
  const out: Candidate[] = [];
  for (const name of [CHECKPOINT_DIR, `${CHECKPOINT_DIR}.new`, `${CHECKPOINT_DIR}.old`]) {
    const dir = join(runDir, name);
    const m = readManifest(dir);
    if (m === null) continue;
    if ('error' in m) out.push({ dir, step: Infinity, manifest: null, error: m.error });
    else out.push({ dir, ...m });
  }
  return out.sort((a, b) => (b.step > a.step ? 1 : b.step < a.step ? -1 : 0));
}

/** Checks a checkpoint's files against its manifest, its scheduler state and its nets' weights; returns the scheduler state. */
async function verify<S>(c: Candidate): Promise<S> {
  if (c.error) throw new CheckpointError(join(c.dir, COMPLETE_MARK), c.error);
  if (c.manifest) {
    for (const [name, want] of Object.entries(c.manifest.files)) {
      const path = join(c.dir, name);
      if (!existsSync(path)) throw new CheckpointError(path, `${path} is missing from the checkpoint (its manifest lists it)`);
      const bytes = statSync(path).size;
      if (bytes !== want.bytes) throw new CheckpointError(path, `${path} is damaged: ${bytes} bytes, the checkpoint manifest says ${want.bytes}`);
      const got = await sha256(path);
      if (got !== want.sha256) throw new CheckpointError(path, `${path} is damaged: its SHA-256 is ${got}, the checkpoint manifest says ${want.sha256}`);
    }
  }
  const schedulerPath = join(c.dir, SCHEDULER_FILE);
  let scheduler: S;
  try {
    scheduler = JSON.parse(await readFile(schedulerPath, 'utf8')) as S;
  } catch (e) {
    throw new CheckpointError(schedulerPath, `${schedulerPath} is unreadable: ${(e as Error).message}`);
  }
  if (typeof scheduler !== 'object' || scheduler === null || typeof (scheduler as { step?: unknown }).step !== 'number') {
    throw new CheckpointError(schedulerPath, `${schedulerPath}: not a scheduler state (no numeric step)`);
  }
  checkFiniteWeights(c.dir, listFiles(c.dir), 'in the checkpoint', ' (a damaged file, or a run that diverged before checksums)');
  return scheduler;
}

export interface OpenedCheckpoint<S> {
  /** `<runDir>/checkpoint`, holding the verified checkpoint. */
  readonly dir: string;
  readonly scheduler: S;
  /** What was wrong with newer checkpoints that were passed over (empty when the latest one was good). */
  readonly warnings: string[];
}

/** The newest checkpoint that verifies, with the errors of the newer ones passed over; throws when none verifies. */
async function pick<S>(runDir: string): Promise<{ all: Candidate[]; chosen: Candidate; scheduler: S; problems: CheckpointError[] } | null> {
  const all = candidates(runDir);
  if (all.length === 0) return null;
  const problems: CheckpointError[] = [];
  for (const c of all) {
    try {
      return { all, chosen: c, scheduler: await verify<S>(c), problems };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      problems.push(e);
    }
  }
  const more = problems.length > 1 ? ` (and the previous checkpoint: ${problems.slice(1).map((p) => p.message).join('; ')})` : '';
  throw new CheckpointError(
    problems[0]!.file,
    `checkpoint damaged: ${problems[0]!.message}${more}; no intact checkpoint to resume from. Restore the file, or delete ${runDir} to start this run over`,
  );
}

/**
 * The newest checkpoint of a run that verifies, without changing anything
 * (for `arena eval`), or null when there is none; `warnings` name the damaged
 * newer ones. Throws a CheckpointError when none verifies.
 */
export async function findIntactCheckpoint(runDir: string): Promise<{ dir: string; step: number; warnings: string[] } | null> {
  const found = await pick<{ step: number }>(runDir);
  if (!found) return null;
  const { chosen, problems } = found;
  return { dir: chosen.dir, step: chosen.step, warnings: problems.map((p) => `${p.message}; using the previous checkpoint at step ${chosen.step}`) };
}

/**
 * Finds the newest complete checkpoint of a run that verifies, and makes it
 * `checkpoint/` (the one before it, if any, `checkpoint.old/`). A damaged newer
 * one is moved to `checkpoint.corrupt/` and reported in `warnings`. Returns
 * null when the run has no complete checkpoint; throws a CheckpointError
 * naming the damaged file when no checkpoint verifies.
 */
export async function openCheckpoint<S>(runDir: string): Promise<OpenedCheckpoint<S> | null> {
  const found = await pick<S>(runDir);
  if (!found) return null;
  const { all, chosen, scheduler, problems } = found;
  const final = join(runDir, CHECKPOINT_DIR);
  const old = `${final}.old`;
  const corrupt = `${final}.corrupt`;
  // Damaged ones: keep the first for inspection, drop the rest.
  all.slice(0, all.indexOf(chosen)).forEach((c, i) => {
    if (i === 0) {
      rmSync(corrupt, { recursive: true, force: true });
      renameSync(c.dir, corrupt);
    } else {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
  // The next older one stays as the fallback (in the layouts saveCheckpoint leaves); others go.
  let previous: Candidate | null = all[all.indexOf(chosen) + 1] ?? null;
  for (const c of all.slice(all.indexOf(chosen) + 2)) rmSync(c.dir, { recursive: true, force: true });
  if (previous && !(previous.dir === old || (previous.dir === final && chosen.dir !== old))) {
    rmSync(previous.dir, { recursive: true, force: true });
    previous = null;
  }
  if (chosen.dir !== final) {
    if (previous?.dir === final) {
      rmSync(old, { recursive: true, force: true });
      renameSync(final, old);
    } else {
      rmSync(final, { recursive: true, force: true });
    }
    renameSync(chosen.dir, final);
  }
  // Leftovers of an unfinished save.
  rmSync(`${final}.new`, { recursive: true, force: true });
  const warnings = problems.map(
    (p) => `${p.message}; resumed from the previous checkpoint at step ${chosen.step} instead (the damaged one is kept in ${corrupt})`,
  );
  return { dir: final, scheduler, warnings };
}
