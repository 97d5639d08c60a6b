// Processes for the run-queue tests: `arena` commands and `arena worker`s of
// the built CLI, each in its own temporary directory (they share no files),
// killed when the test file ends; and reading what a run wrote, without its
// wall-clock fields, to compare it with a reference run's.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseJsonl } from '../../../experiments/store.js';
import type { RunRecord } from '../../../experiments/types.js';

const repo = join(import.meta.dirname, '..', '..', '..');
export const cli = join(repo, 'dist', 'bin', 'arena.js');
/** The env of slow runs (SlowCliffWalking-v1), whose steps take ARENA_TEST_STEP_DELAY_MS of wall time in processes that set it. */
export const SLOW_ENV = join(import.meta.dirname, '..', 'fixtures', 'slow-env.mjs');

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  /** Resolves when the output matches `pattern` (checked on every piece of output, so a caller can act at once); rejects if the process exits first. */
  when(pattern: RegExp): Promise<RegExpMatchArray>;
}

/** Starts processes of the built CLI; every one still alive when the test file ends is killed. */
export function cliProcesses(tempDir: () => string) {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  /** Starts `arena <args>` in `cwd`, with its temp dir there too. */
  function arena(args: string[], cwd: string, env: Record<string, string> = {}): Proc {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, TMPDIR: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const watchers: { pattern: RegExp; resolve(m: RegExpMatchArray): void }[] = [];
    const onData = (d: Buffer): void => {
      output += d.toString();
      for (const w of [...watchers]) {
        const m = output.match(w.pattern);
        if (m) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const when = (pattern: RegExp): Promise<RegExpMatchArray> => {
      const m = output.match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`arena ${args[0]} exited (${code}) before its output matched ${pattern}:\n${output}`)));
      });
    };
    return { child, output: () => output, exited, when };
  }

  /**
   * An `arena worker` whose SlowCliffWalking steps take `delayMs` (default 1), with BullMQ's lock of
   * `lockMs` (default 4000) and a check for stalled runs every `stalledMs` (default 500): a killed
   * worker's run moves on after about their sum.
   */
  function worker(url: string, options: { extra?: string[]; delayMs?: number; lockMs?: number; stalledMs?: number } = {}): Proc {
    const timing = ['--lock-duration', String(options.lockMs ?? 4000), '--stalled-interval', String(options.stalledMs ?? 500)];
    return arena(['worker', '--queue', url, ...timing, '--import', SLOW_ENV, ...(options.extra ?? [])], tempDir(), { ARENA_TEST_STEP_DELAY_MS: String(options.delayMs ?? 1) });
  }

  return { arena, worker };
}

export async function stopWorkers(...workers: Proc[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function readRecord(runDir: string): RunRecord | null {
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

/** A JSONL file of a run without its wall-clock fields. */
export function numbers(runDir: string, file: string): Record<string, unknown>[] {
  return parseJsonl<Record<string, unknown>>(readFileSync(join(runDir, file), 'utf8')).lines.map(({ time: _t, fps: _f, ...rest }) => rest);
}

/** A run's numbers without wall-clock fields, its recorded episodes and its checkpoint (weights, optimizer state), byte for byte. */
export function runContents(runDir: string): Record<string, unknown> {
  const bytes = (dir: string, skip: string[] = []) =>
    Object.fromEntries(
      readdirSync(join(runDir, dir))
        .filter((n) => !skip.includes(n))
        .sort()
        .map((n) => [n, readFileSync(join(runDir, dir, n)).toString('base64')]),
    );
  return {
    metrics: numbers(runDir, 'metrics.jsonl'),
    eval: numbers(runDir, 'eval.jsonl'),
    episodes: bytes('episodes'),
    // scheduler.json holds the training seconds, the one field that differs between any two runs (and the
    // checkpoint's manifest, `complete`, its checksum): compared without them.
    checkpoint: bytes('checkpoint', ['scheduler.json', 'complete']),
    manifest: withoutScheduler(JSON.parse(readFileSync(join(runDir, 'checkpoint', 'complete'), 'utf8')) as { files: Record<string, unknown> }),
  };
}

function withoutScheduler(manifest: { files: Record<string, unknown> }): unknown {
  const { 'scheduler.json': _s, ...files } = manifest.files;
  return { ...manifest, files };
}
