// `arena worker` and `arena queue status`: thin shells over experiments/queue/.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { connect, parseQueueUrl, scrub } from '../experiments/queue/connection.js';
import { QUEUE_NAME, listWorkers } from '../experiments/queue/protocol.js';
import type { QueueJob } from '../experiments/queue/protocol.js';
import { startQueueWorker } from '../experiments/queue/worker.js';
import type { RunProgress } from '../experiments/execute-run.js';
import { importModules } from './session.js';

export interface WorkerCommandOptions {
  queue: string;
  concurrency: number;
  import: string[];
  workDir?: string;
  lockDuration?: number;
  stalledInterval?: number;
}

/** `arena worker`: runs jobs until SIGINT/SIGTERM, then hands its runs back to the queue. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const connection = parseQueueUrl(options.queue);
  const imports = await importModules(options.import);
  const workDir = options.workDir ?? join(tmpdir(), `arena-worker-${process.pid}`);
  const handle = await startQueueWorker({
    connection,
    concurrency: options.concurrency,
    imports,
    workDir,
    ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval !== undefined ? { stalledInterval: options.stalledInterval } : {}),
  });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (): void => {
      signals += 1;
      if (signals > 1) process.exit(130);
      process.stderr.write('stopping: runs end at their next step and go back to the queue (again to quit at once)\n');
      void handle
        .close()
        .then(() => (options.workDir === undefined ? rm(workDir, { recursive: true, force: true }) : undefined))
        .then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `arena queue status`: the workers alive now and the runs by state. */
export async function queueStatusCommand(url: string, out: (line: string) => void): Promise<void> {
  const connection = parseQueueUrl(url);
  const redis = await connect(connection, 'arena-status');
  const queue = new Queue(QUEUE_NAME, { connection: connection.options });
  queue.on('error', () => {});
  try {
    const beats = await listWorkers(redis);
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    out(`queue ${connection.display}`);
    const slots = beats.reduce((a, b) => a + b.concurrency, 0);
    out(`workers: ${beats.length} (${slots} run slots)`);
    for (const b of beats) out(`  ${b.host} pid ${b.pid}, Arena ${b.arena}, ${b.running.length}/${b.concurrency} busy${b.running.length ? `: ${b.running.join(', ')}` : ''}`);
    out(`runs: ${(counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0)} waiting, ${counts.active ?? 0} active, ${counts.completed ?? 0} done, ${counts.failed ?? 0} failed`);
    for (const job of await queue.getJobs(['active'], 0, 49)) {
      const data = job.data as QueueJob;
      const p = job.progress as Partial<RunProgress> | number;
      const at = typeof p === 'object' && p.step !== undefined ? `step ${p.step}/${p.totalSteps}` : 'starting';
      out(`  active  ${data.spec.experiment}/${data.spec.variant}/seed-${data.spec.seed}  ${at}`);
    }
    for (const job of await queue.getJobs(['failed'], 0, 9)) {
      const data = job.data as QueueJob;
      out(`  failed  ${data.spec.experiment}/${data.spec.variant}/seed-${data.spec.seed}: ${scrub(job.failedReason.split('\n')[0] ?? '', connection.secret)}`);
    }
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
