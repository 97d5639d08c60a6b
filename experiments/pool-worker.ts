// A worker thread of the experiment pool: runs one planned run per task.
// Progress goes back over the task's MessagePort; the stop request arrives as
// a flag in shared memory, which the run polls after every env step (a worker
// busy in a training loop never gets to read messages).
import type { MessagePort } from 'node:worker_threads';
import '../envs/index.js';
import '../agents/index.js';
import { executeRun } from './execute-run.js';
import type { RunOutcome } from './execute-run.js';
import type { PlannedRun } from './types.js';

export interface WorkerTask {
  readonly planned: PlannedRun;
  readonly resume: boolean;
  /** Int32Array view: non-zero asks every run to stop. */
  readonly stop: SharedArrayBuffer;
  readonly port: MessagePort;
  /** Modules that register extra envs or agents (absolute file URLs), imported before the run. */
  readonly imports: readonly string[];
  /** Stop after the checkpoint at or past this step (execute-run.ts, "Pausing"). */
  readonly pauseAt?: number;
}

/** The run's outcome, or what executeRun threw (kept apart from a worker dying, which rejects the task). */
export type WorkerResult = { readonly outcome: RunOutcome } | { readonly thrown: { readonly message: string; readonly stack?: string } };

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  const flag = new Int32Array(task.stop);
  try {
    for (const url of task.imports) await import(url);
    const outcome = await executeRun(task.planned, {
      resume: task.resume,
      ...(task.pauseAt !== undefined ? { pauseAt: task.pauseAt } : {}),
      control: {
        shouldStop: () => Atomics.load(flag, 0) !== 0,
        onProgress: (progress) => task.port.postMessage(progress),
      },
    });
    return { outcome };
  } catch (e) {
    const err = e as Error;
    return { thrown: { message: err?.message ?? String(e), ...(err?.stack ? { stack: err.stack } : {}) } };
  } finally {
    task.port.close();
  }
}
