// Creating the directories users name (a runs directory, an agent's save
// directory, a figure's output directory): every directory creation that
// takes a user path goes through ensureDir. It creates one level at a time
// instead of Node's recursive mkdir, which on Node 20 never returns under
// /proc (and other pseudo file systems that refuse mkdir with ENOENT), and it
// says which path could not be created and why.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

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
