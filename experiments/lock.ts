// The advisory lock on an experiment directory: one writer at a time.
//
// `arena run` (fresh, --resume, --overwrite) takes it in runExperiment before it
// writes or deletes anything, whatever executor runs the runs, and releases it
// when it ends (also on process exit: Ctrl-C twice, SIGTERM). The lock is a
// small JSON file `<experiment>/arena.lock` holding the holder's pid, host name
// and start time, created with O_EXCL so that two processes cannot both take it.
// A lock whose pid is dead on this host (the holder was SIGKILLed or the
// machine rebooted) is stale and taken over, and so is one whose pid now
// belongs to another process (Linux: its start time in /proc differs from the
// one the lock recorded); a lock held from another host is never broken
// automatically, since its pid cannot be checked from here.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'arena.lock';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly startedAt: string;
  /** What the holder is doing, e.g. "arena run cartpole.yaml --resume". */
  readonly command: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat), where the system has it: tells a reused pid apart. */
  readonly processStart?: string;
}

export class ExperimentLockedError extends Error {
  override name = 'ExperimentLockedError';
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder | null,
    detail: string,
  ) {
    super(detail);
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (the process's start time since boot), or undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that took `holder` still runs on this host (EPERM: it exists but belongs to another user). */
function holderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStart(holder.pid);
  return holder.processStart === undefined || now === undefined || now === holder.processStart;
}

function describe(holder: LockHolder): string {
  return `pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt} (${holder.command})`;
}

/** A held lock; `release` is idempotent and removes the file only while it is still ours. */
export interface ExperimentLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Set when a stale lock was taken over: who held it. */
  readonly tookOverFrom: LockHolder | null;
  release(): void;
}

/**
 * Takes the lock on experiment directory `dir` (which must exist), or throws
 * ExperimentLockedError naming the holder and the lock file.
 */
export function acquireExperimentLock(dir: string, command: string): ExperimentLock {
  const path = join(dir, LOCK_FILE);
  const start = processStart(process.pid);
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command, ...(start !== undefined ? { processStart: start } : {}) };
  const text = JSON.stringify(holder, null, 2) + '\n';
  let tookOverFrom: LockHolder | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const current = readHolder(path);
      if (current === null) {
        throw new ExperimentLockedError(
          path,
          null,
          `${dir} is locked by another arena process, but its lock file ${path} is unreadable; if no arena run is writing this experiment, delete that file and retry`,
        );
      }
      if (current.host !== hostname()) {
        throw new ExperimentLockedError(
          path,
          current,
          `${dir} is locked by ${describe(current)}; lock file ${path}. Wait for it to end; if that process is gone (it ran on another host, so this one cannot check), delete the lock file`,
        );
      }
      if (holderAlive(current)) {
        throw new ExperimentLockedError(
          path,
          current,
          `${dir} is locked by ${describe(current)}, which is still running; lock file ${path}. Wait for it to end, or stop it (Ctrl-C / kill ${current.pid}) and continue with --resume`,
        );
      }
      // Stale: move it aside atomically (one taker wins), then check that what moved is the stale lock we read.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // someone else took it over first
        throw err;
      }
      const moved = readHolder(aside);
      if (moved === null || moved.pid !== current.pid || moved.startedAt !== current.startedAt) {
        // We moved a fresh lock another process had just taken: put it back.
        try {
          linkSync(aside, path);
        } catch {
          // the path was taken again meanwhile; that holder wins
        }
        unlinkSync(aside);
        continue;
      }
      unlinkSync(aside);
      tookOverFrom = current;
      continue;
    }
    try {
      if (writeSync(fd, text) !== Buffer.byteLength(text)) throw Object.assign(new Error(`${path}: short write (disk full?)`), { code: 'ENOSPC' });
    } catch (e) {
      closeSync(fd);
      unlinkSync(path);
      throw e;
    }
    closeSync(fd);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.off('exit', release);
      const now = readHolder(path);
      if (now && now.pid === holder.pid && now.startedAt === holder.startedAt && now.host === holder.host) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    };
    process.on('exit', release);
    return { path, holder, tookOverFrom, release };
  }
  throw new ExperimentLockedError(path, readHolder(path), `${dir}: could not take the lock ${path}: other processes keep taking it`);
}
