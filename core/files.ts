// Writing files users keep: every directory creation that takes a user path
// goes through ensureDir, and every file replaced as a whole (run records,
// saved agents' weights and manifests, recorded episodes) through
// writeFileAtomic / writeFileAtomicSync (openFileAtomic for one written in
// pieces as they are made, such as a video). ensureDir creates one level at a
// time instead of Node's recursive mkdir, which on Node 20 never returns under
// /proc (and other pseudo file systems that refuse mkdir with ENOENT), and it
// says which path could not be created and why. The atomic writes go to a
// temp file beside the target and rename it over the target, so a reader sees
// the old file or the new one, never part of one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'the file system there does not allow creating directories',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * Creates directory `path` and any missing parents; throws an error naming the
 * path and the reason, carrying the errno `code` and the `path` of the level
 * that failed (as Node's own errors do) for callers that act on the cause.
 */
export async function ensureDir(path: string): Promise<void> {
  const target = resolve(path);
  const fail = (reason: string, code?: string, level?: string): Error =>
    Object.assign(new Error(`cannot create directory ${path}: ${reason}`), code ? { code, path: level } : {});
  // The levels to create, from the deepest existing ancestor down.
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    const info = await stat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? null : e));
    if (info instanceof Error) throw fail(`${p}: ${REASONS[info.code ?? ''] ?? info.message}`, info.code, p);
    if (info !== null) {
      if (!info.isDirectory()) throw fail(`${p} is a file, not a directory`);
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      // Made meanwhile by someone else (two runs of one experiment start together): fine if it is a directory.
      if (code === 'EEXIST' && (await stat(level).catch(() => null))?.isDirectory()) continue;
      throw fail(`mkdir ${level}: ${REASONS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`, code, level);
    }
  }
}

let tempCount = 0;

/**
 * A temp file's name beside `path`, unique to this call: two writes of one
 * file in flight at once in one process (the queue coordinator's) must not
 * share a temp file, or one rename finds it gone.
 */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCount}.tmp`);
}

const bytesOf = (data: string | ArrayBufferView): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** Replaces `path` with `data` atomically; a failed write leaves neither a temp file nor a changed `path`. */
export async function writeFileAtomic(path: string, data: string | ArrayBufferView): Promise<void> {
  const tmp = tempPath(path);
  try {
    await writeFile(tmp, bytesOf(data));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** A file being written in pieces under a temp name; `commit` renames it over the target, `abort` removes it. */
export interface AtomicFile {
  /** Writes `bytes` at byte `position` (pieces may come out of order, and overwrite earlier ones). */
  write(bytes: Uint8Array, position: number): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** writeFileAtomic for data that arrives over time: until `commit`, `path` is untouched; a failed commit leaves no temp file. */
export async function openFileAtomic(path: string): Promise<AtomicFile> {
  const tmp = tempPath(path);
  const handle = await open(tmp, 'w');
  let isOpen = true;
  const close = async (): Promise<void> => {
    if (!isOpen) return;
    isOpen = false;
    await handle.close();
  };
  return {
    async write(bytes, position) {
      // A write may take less than asked (a full disk mid-way): go on until all is written or it throws.
      for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
    },
    async commit() {
      try {
        await close();
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    async abort() {
      await close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

/**
 * writeFileAtomic, synchronous and durable: the data reaches the disk (fsync)
 * before the rename, for records that must survive a crash right after, and
 * for exit paths where awaiting is not possible.
 */
export function writeFileAtomicSync(path: string, data: string | ArrayBufferView): void {
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = bytesOf(data);
      // writeSync may write less than asked (a full disk mid-way): go on until all is written or it throws.
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
