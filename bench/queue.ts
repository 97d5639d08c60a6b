// The run queue (BullMQ on a private redis-server), measured side by side:
//
// (a) the same 4 runs through the local pool (1 and 2 worker threads), through
//     the queue on 1 and 2 `arena worker` processes, and as two separate plain
//     processes (the machine's ceiling, as bench:workers measures it), in total
//     env steps per second and as ratios to the 1-thread pool;
// (b) the coordinator's capacity: many simulated workers (one process, one
//     BullMQ worker with that many slots) send trivial runs of realistic metric
//     lines as fast as they can, and the coordinator writes them into its run
//     store; printed as metric lines and runs absorbed per second. From (a)'s
//     lines per env step and steps per second per core, the arithmetic of how
//     many worker machines one coordinator keeps up with.
//
// Part (a) alternates its setups round by round (best of --rounds), so machine
// noise hits them all.
//
//   npm run bench:queue [-- --rounds 1 --steps 20000 --algorithm ppo --simulated 50 --trivial-runs 300]
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Job } from 'bullmq';
import { Worker } from 'bullmq';
import '../envs/index.js';
import '../agents/index.js';
import { parseExperimentConfig } from '../experiments/config.js';
import { scalingExperiment, twoProcesses } from './scaling-experiment.js';
import type { QueueConnection } from '../experiments/queue/connection.js';
import { connect, parseQueueUrl } from '../experiments/queue/connection.js';
import { QueueExecutor } from '../experiments/queue/coordinator.js';
import { startRedis } from '../experiments/queue/local-server.js';
import type { QueueJob } from '../experiments/queue/protocol.js';
import { METRICS_FILE } from '../experiments/store.js';
import { QUEUE_NAME, keys } from '../experiments/queue/protocol.js';
import { RunTail } from '../experiments/queue/tail.js';
import type { Executor } from '../experiments/run-experiment.js';
import { WorkerPoolExecutor, runExperiment } from '../experiments/run-experiment.js';
import type { ExperimentConfig } from '../experiments/types.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    steps: { type: 'string', default: '20000' },
    algorithm: { type: 'string', default: 'ppo' },
    simulated: { type: 'string', default: '50' },
    'trivial-runs': { type: 'string', default: '300' },
    'lines-per-run': { type: 'string', default: '1000' },
    // Internal: be the simulated workers, on this queue.
    'simulate-on': { type: 'string' },
    // Internal: run these seeds on one worker thread and print the steps done (the two-process ceiling).
    'child-seeds': { type: 'string' },
  },
});
const steps = Number(values.steps);
const script = fileURLToPath(import.meta.url);
const cli = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'bin', 'arena.js');

const experiment = scalingExperiment('queue-bench', values.algorithm!, steps, 'bench/queue.ts');

interface Measured {
  steps: number;
  seconds: number;
  lines: number;
  checkpointBytes: number;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) total += entry.isDirectory() ? dirBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size;
  return total;
}

/** Runs the config on the executor into a fresh directory; counts steps, metric lines and checkpoint bytes. */
async function measure(config: ExperimentConfig, executor: Executor): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'arena-bench-queue-'));
  try {
    const start = performance.now();
    const outcome = await runExperiment(config, { runsDir: dir, executor });
    const seconds = (performance.now() - start) / 1000;
    const failed = outcome.runs.filter((r) => r.outcome?.status !== 'finished');
    if (failed.length > 0) throw new Error(`${failed.length} run(s) did not finish: ${failed.map((r) => r.outcome?.error?.message).join('; ')}`);
    let lines = 0;
    let checkpointBytes = 0;
    for (const r of outcome.runs) {
      lines += readFileSync(join(r.run.dir, METRICS_FILE), 'utf8').split('\n').length - 1;
      checkpointBytes += dirBytes(join(r.run.dir, 'checkpoint'));
    }
    return { steps: outcome.runs.reduce((a, r) => a + (r.outcome?.step ?? 0), 0), seconds, lines, checkpointBytes: checkpointBytes / outcome.runs.length };
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['child-seeds'] !== undefined) {
  const m = await measure(experiment(values['child-seeds']), new WorkerPoolExecutor(1));
  process.stdout.write(`${JSON.stringify({ steps: m.steps })}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------- simulated workers

/** A trivial run as a worker would send it: a start, metric lines in batches, run.json, the end. */
async function simulateRun(redis: Awaited<ReturnType<typeof connect>>, job: QueueJob, lines: number): Promise<void> {
  const token = `sim-${job.runId.slice(0, 8)}-${Date.now()}`;
  const tail = new RunTail(redis, job.runId, tmpdir(), token, null);
  await tail.send({ k: 'start', tok: token, host: hostname(), checkpoint: null });
  const batch = 50;
  for (let i = 0; i < lines; i += batch) {
    const text = Array.from({ length: Math.min(batch, lines - i) }, (_, j) => {
      const e = i + j;
      return JSON.stringify({ type: 'episode', step: (e + 1) * 20, time: e * 0.01, episode: e, return: 20 + (e % 7), length: 20, truncated: false });
    }).join('\n');
    await tail.send({ k: 'lines', tok: token, f: METRICS_FILE, i, t: `${text}\n` });
  }
  const now = new Date().toISOString();
  const record = { format: 'arena.run/1', spec: job.spec, package: { name: 'arena-rl', version: job.arena }, git: null, hostname: hostname(), node: process.version, status: 'finished', createdAt: now, startedAt: now, endedAt: now, step: job.spec.totalSteps, seconds: 0, checkpointStep: null, attempts: 1 };
  await tail.send({ k: 'record', tok: token, t: `${JSON.stringify(record, null, 2)}\n` });
  await tail.send({ k: 'end', tok: token, outcome: JSON.stringify({ status: 'finished', step: job.spec.totalSteps, seconds: 0, resumedFrom: null }) });
}

if (values['simulate-on'] !== undefined) {
  const connection = parseQueueUrl(values['simulate-on']);
  const redis = await connect(connection, 'bench-simulated-workers');
  const lines = Number(values['lines-per-run']);
  const worker = new Worker(QUEUE_NAME, async (job: Job) => simulateRun(redis, job.data as QueueJob, lines), { connection: connection.options, concurrency: Number(values.simulated) });
  await worker.waitUntilReady();
  await redis.set(keys.worker('simulated'), JSON.stringify({ host: hostname(), pid: process.pid, arena: 'sim', concurrency: Number(values.simulated), running: [] }));
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await worker.close();
  redis.disconnect();
  process.exit(0);
}

// ---------------------------------------------------------------- the benchmark

function spawnProcess(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const check = (d: Buffer): void => {
      out += d.toString();
      if (/^ready$|^worker .* run\(s\) at once/m.test(out)) resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, ready, exited };
}

async function stop(...procs: { child: ChildProcess; exited: Promise<number | null> }[]): Promise<void> {
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
}

async function throughQueue(connection: QueueConnection, url: string, workerProcesses: number): Promise<Measured> {
  const workers = Array.from({ length: workerProcesses }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'arena-bench-worker-'));
    return { dir, ...spawnProcess([cli, 'worker', '--queue', url, '--concurrency', '1', '--work-dir', dir]) };
  });
  try {
    await Promise.all(workers.map((w) => w.ready));
    return await measure(experiment('4'), await QueueExecutor.open({ connection, log: () => {} }));
  } finally {
    await stop(...workers);
    for (const w of workers) rmSync(w.dir, { recursive: true, force: true });
  }
}

const redisDir = mkdtempSync(join(tmpdir(), 'arena-bench-redis-'));
const server = await startRedis(redisDir, 'bench-password');
try {
  const url = server.url(0);
  const connection = parseQueueUrl(url);
  console.log(`(a) 4 runs of ${values.algorithm} on CartPole-v1, ${steps} steps each, on ${cpus().length} cores (redis-server ${server.port} on this machine)`);
  const rate = (m: Measured) => m.steps / m.seconds;
  const best: Record<string, number> = {};
  let queue1: Measured | null = null;
  const keep = (name: string, stepsPerSecond: number) => (best[name] = Math.max(best[name] ?? 0, stepsPerSecond));
  for (let round = 0; round < Number(values.rounds); round++) {
    keep('local pool, 1 thread', rate(await measure(experiment('4'), new WorkerPoolExecutor(1))));
    keep('local pool, 2 threads', rate(await measure(experiment('4'), new WorkerPoolExecutor(2))));
    queue1 = await throughQueue(connection, url, 1);
    keep('queue, 1 worker process', rate(queue1));
    keep('queue, 2 worker processes', rate(await throughQueue(connection, url, 2)));
    keep('2 separate processes (ceiling)', await twoProcesses(script, values.algorithm!, steps));
  }
  const base = best['local pool, 1 thread']!;
  for (const [name, stepsPerSecond] of Object.entries(best)) console.log(`  ${name.padEnd(34)} ${String(Math.round(stepsPerSecond)).padStart(7)} steps/s  ${(stepsPerSecond / base).toFixed(2)}x`);
  console.log(
    `  queue / local pool: ${(best['queue, 1 worker process']! / base).toFixed(2)}x at 1, ${(best['queue, 2 worker processes']! / best['local pool, 2 threads']!).toFixed(2)}x at 2 (best of ${values.rounds} round(s))`,
  );

  // (b) the coordinator's capacity.
  const runs = Number(values['trivial-runs']);
  const linesPerRun = Number(values['lines-per-run']);
  const simulated = spawnProcess([script, '--simulate-on', url, '--simulated', values.simulated!, '--lines-per-run', String(linesPerRun)]);
  await simulated.ready;
  const trivial = parseExperimentConfig(
    `name: capacity\nenv: CliffWalking-v1\ntotalSteps: 1000\nseeds: ${runs}\nvariants:\n  - algorithm: q-learning\n`,
    'bench/queue.ts',
  );
  const capacityDir = mkdtempSync(join(tmpdir(), 'arena-bench-capacity-'));
  const executor = await QueueExecutor.open({ connection, log: () => {} });
  const start = performance.now();
  const outcome = await runExperiment(trivial, { runsDir: capacityDir, executor });
  const seconds = (performance.now() - start) / 1000;
  await executor.close();
  await stop(simulated);
  let written = 0;
  for (const r of outcome.runs) written += readFileSync(join(r.run.dir, METRICS_FILE), 'utf8').split('\n').length - 1;
  rmSync(capacityDir, { recursive: true, force: true });
  if (written !== runs * linesPerRun) throw new Error(`the coordinator wrote ${written} metric lines, expected ${runs * linesPerRun}`);
  const linesPerSecond = written / seconds;
  const runsPerSecond = runs / seconds;
  console.log(`\n(b) coordinator capacity: ${values.simulated} simulated worker slots, ${runs} trivial runs of ${linesPerRun} metric lines each`);
  console.log(`  ${written} lines in ${seconds.toFixed(1)} s: ${Math.round(linesPerSecond)} metric lines/s, ${runsPerSecond.toFixed(1)} runs/s (coordinator, redis-server and the simulators share this machine)`);

  // The arithmetic, from (a)'s typical run.
  const linesPerStep = queue1!.lines / queue1!.steps;
  const stepsPerCore = base;
  const linesPerCoreSecond = linesPerStep * stepsPerCore;
  const coresPerMachine = 8;
  console.log(`\nper worker core, ${values.algorithm} on CartPole-v1: ${Math.round(stepsPerCore)} steps/s x ${linesPerStep.toFixed(4)} metric lines/step = ${linesPerCoreSecond.toFixed(1)} lines/s; checkpoints of ${(queue1!.checkpointBytes / 1024).toFixed(0)} KiB every ${steps / 2} steps`);
  console.log(
    `one coordinator absorbs the lines of ${Math.floor(linesPerSecond / linesPerCoreSecond)} such worker cores (${Math.floor(linesPerSecond / linesPerCoreSecond / coresPerMachine)} machines of ${coresPerMachine} cores);` +
      ` at ${runsPerSecond.toFixed(1)} runs/s it would start and end runs of ${((coresPerMachine * 100) / runsPerSecond).toFixed(0)} s on 100 such machines`,
  );
} finally {
  await server.stop();
  rmSync(redisDir, { recursive: true, force: true });
}
