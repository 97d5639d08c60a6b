// A worker thread of the experiment pool: runs one planned run per task.
// Progress goes back over the task's MessagePort; the stop request arrives as
// a flag in shared memory, which the run polls after every env step (a worker
// busy in a training loop never gets to read messages).
import type { MessagePort } from 'node:worker_threads';
import '../envs/index.js';
import '../agents/index.js';
import { executeRun } from './run.js';
import type { RunOutcome } from './run.js';
import type { PlannedRun } from './types.js';

export interface WorkerTask {
  readonly planned: PlannedRun;
  readonly resume: boolean;
  /** Int32Array view: non-zero asks every run to stop. */
  readonly stop: SharedArrayBuffer;
  readonly port: MessagePort;
  /** Modules that register extra envs or agents (absolute file URLs), imported before the run. */
  readonly imports: readonly string[];
}

export default async function runTask(task: WorkerTask): Promise<RunOutcome> {
  for (const url of task.imports) await import(url);
  const flag = new Int32Array(task.stop);
  try {
    return await executeRun(task.planned, {
      resume: task.resume,
      control: {
        shouldStop: () => Atomics.load(flag, 0) !== 0,
        onProgress: (progress) => task.port.postMessage(progress),
      },
    });
  } finally {
    task.port.close();
  }
}
