// The run queue end to end, with real processes: a private redis-server, a
// coordinator (`arena run --queue`) and `arena worker`s, each in its own
// temporary directory (they share no files; the test reads the coordinator's
// run store). Results must equal the in-process executor's; killed workers and
// coordinators, failing runs, refused jobs and wrong passwords are exercised.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { parseExperimentConfig } from '../../experiments/config.js';
import { InProcessExecutor, runExperiment } from '../../experiments/run-experiment.js';
import { connect, parseQueueUrl } from '../../experiments/queue/connection.js';
import { QueueExecutor } from '../../experiments/queue/coordinator.js';
import type { QueueJob } from '../../experiments/queue/protocol.js';
import { BLOB_CHUNK, JOB_FORMAT, MAX_PENDING_EVENTS, getBlob, keys, putBlob, sha256 } from '../../experiments/queue/protocol.js';
import { RunTail } from '../../experiments/queue/tail.js';
import { runEvents } from '../../experiments/tensorboard-run.js';
import { readEventFile } from '../../experiments/tensorboard.js';
import { fakeSpec } from './helpers/runs.js';
import { SLOW_ENV, cli, cliProcesses, readRecord, runContents, stopWorkers, waitFor } from './helpers/queue.js';
import { envRegistration, register } from '../../core/registry.js';
// @ts-expect-error: a plain JavaScript fixture without types
import { registerSlowEnv } from './fixtures/slow-env.mjs';

registerSlowEnv({ envRegistration, register });
import type { RedisServer } from '../../experiments/queue/local-server.js';
import { startRedis } from '../../experiments/queue/local-server.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const repo = join(import.meta.dirname, '..', '..');
const tempDir = tempDirs('queue');
const PASSWORD = 'queue-test-secret-7f3a';
/**
 * A short BullMQ lock, so that a killed worker's run moves on within seconds
 * (not shorter: on a loaded machine a live worker must still renew its lock in time).
 */
const LOCK_MS = 4000;

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis(tempDir(), PASSWORD);
});
afterAll(async () => {
  await redis?.stop();
});

const processes = cliProcesses(tempDir);
const arena = processes.arena;
const worker = (url: string, extra: string[] = []) => processes.worker(url, { extra, lockMs: LOCK_MS });

/** Runs `config` with the in-process executor (in this process) as the reference; returns the experiment directory. */
async function reference(name: string, config: string): Promise<string> {
  const runsDir = join(tempDir(), 'runs');
  const outcome = await runExperiment(parseExperimentConfig(config, 'reference.yaml'), { runsDir, executor: new InProcessExecutor() });
  expect(outcome.runs.map((r) => r.outcome?.status)).toEqual(outcome.runs.map(() => 'finished'));
  return join(runsDir, name);
}

function coordinatorDir(config: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.yaml'), config);
  return dir;
}

const TWO_SEEDS = `
name: same-numbers
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 20000
seeds: [0, 1]
eval: { every: 5000, episodes: 3 }
record: { every: 10000, episodes: 1 }
checkpointEvery: 5000
logEvery: 1000
variants:
  - algorithm: q-learning
    hyperparameters: { learningRate: 0.2, epsilon: 0.1 }
`;

/** About 2.5 s on a worker however fast the machine (1 ms per step there), with a checkpoint every 400 steps to be killed between. */
const SLOW = (name: string, seeds: string) => `
name: ${name}
env: { id: SlowCliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 2000
seeds: ${seeds}
eval: { every: 1000, episodes: 1 }
record: { every: 1000, episodes: 1 }
checkpointEvery: 400
logEvery: 200
variants:
  - algorithm: q-learning
    hyperparameters: { learningRate: 0.2, epsilon: 0.1 }
`;

describe('arena run --queue with arena worker processes', () => {
  it('gives exactly the numbers, episodes and weights of the in-process executor, and queue status sees the workers', async () => {
    const url = redis.url(1);
    const ref = await reference('same-numbers', TWO_SEEDS);
    const workers = [worker(url), worker(url)];
    const dir = coordinatorDir(TWO_SEEDS);
    const coordinator = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
    expect(await coordinator.exited).toBe(0);
    const runs = join(dir, 'runs', 'same-numbers', 'q-learning');
    for (const seed of ['seed-0', 'seed-1']) {
      expect(readRecord(join(runs, seed))!.status).toBe('finished');
      expect(runContents(join(runs, seed))).toEqual(runContents(join(ref, 'q-learning', seed)));
    }
    // Both workers took a run (each runs one at a time), so the runs really went through two processes.
    for (const w of workers) expect(w.output()).toMatch(/end {4}same-numbers\/q-learning\/seed-\d: finished at step 20000/);

    const status = spawnSync(process.execPath, [cli, 'queue', 'status', '--queue', url], { encoding: 'utf8' });
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/^workers: 2 \(2 run slots\)$/m);
    expect(status.stdout).toMatch(/^runs: 0 waiting, 0 active, 2 done, 0 failed$/m);
    expect(status.stdout).toContain(`redis://:***@127.0.0.1:${redis.port}/1`);
    await stopWorkers(...workers);
    // The password appears nowhere: not in any output, not in the run store.
    for (const text of [coordinator.output(), status.stdout, ...workers.map((w) => w.output()), readFileSync(join(runs, 'seed-0', 'run.json'), 'utf8')]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(coordinator.output()).toContain(`queue redis://:***@127.0.0.1:${redis.port}/1`);
  }, 120_000);

  it("writes the TensorBoard log of a run with logging: [tensorboard] into the coordinator's run store", async () => {
    const url = redis.url(11);
    const config = TWO_SEEDS.replace('name: same-numbers', 'name: tb-queue\nlogging: [tensorboard]').replace('seeds: [0, 1]', 'seeds: [0]').replace('totalSteps: 20000', 'totalSteps: 5000');
    const w = worker(url);
    const dir = coordinatorDir(config);
    const coordinator = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
    expect(await coordinator.exited).toBe(0);
    await stopWorkers(w);
    const run = join(dir, 'runs', 'tb-queue', 'q-learning', 'seed-0');
    const names = readdirSync(join(run, 'tb'));
    expect(names).toHaveLength(1);
    const events = readEventFile(join(run, 'tb', names[0]!));
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    // What the coordinator's own files say, values as float32; the file holds every evaluation of the run.
    const expected = runEvents(run, readRecord(run)!).map((e) => ({ ...e, values: e.values!.map((v) => ('scalar' in v ? { ...v, scalar: Math.fround(v.scalar) } : v)) }));
    expect(events.slice(1)).toEqual(expected);
    expect(events.filter((e) => e.values?.some((v) => v.tag === 'eval/return_mean')).map((e) => e.step)).toEqual([0, 5000]);
  }, 120_000);

  it("gives a small DQN's exact weights, optimizer state and numbers through the queue", async () => {
    const url = redis.url(9);
    const config = `
name: dqn-weights
env: CartPole-v1
totalSteps: 1500
seeds: [2]
eval: { every: 500, episodes: 2 }
record: { every: 0, episodes: 1 }
checkpointEvery: 500
logEvery: 250
backend: wasm
variants:
  - algorithm: dqn
    hyperparameters: { learningStarts: 200, bufferSize: 1000, batchSize: 32, targetUpdateInterval: 100, hidden: [16] }
`;
    const w = worker(url);
    const dir = coordinatorDir(config);
    const coordinator = arena(['run', 'config.yaml', '--queue', url], dir);
    expect(await coordinator.exited).toBe(0);
    const ref = await reference('dqn-weights', config);
    const run = join(dir, 'runs', 'dqn-weights', 'dqn', 'seed-2');
    const contents = runContents(run);
    expect(Object.keys(contents.checkpoint as object).length).toBeGreaterThan(2);
    expect(contents).toEqual(runContents(join(ref, 'dqn', 'seed-2')));
    await stopWorkers(w);
  }, 120_000);

  it('moves a run whose worker is SIGKILLed to another worker, which continues from the last checkpoint to the same numbers', async () => {
    const url = redis.url(2);
    const config = SLOW('killed-worker', '[5]');
    const dir = coordinatorDir(config);
    const first = worker(url);
    const coordinator = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
    const runDir = join(dir, 'runs', 'killed-worker', 'q-learning', 'seed-5');
    // Killed once the coordinator holds a checkpoint, well before the end.
    await waitFor('a checkpoint in the run store', () => (readRecord(runDir)?.checkpointStep ?? 0) >= 400);
    const killedAt = readRecord(runDir)!.checkpointStep!;
    first.child.kill('SIGKILL');
    await first.exited;
    expect(killedAt).toBeLessThan(2000);
    const second = worker(url);
    const ref = await reference('killed-worker', config);
    expect(await coordinator.exited).toBe(0);
    const record = readRecord(runDir)!;
    expect(record.status).toBe('finished');
    expect(first.output()).toMatch(/start {2}killed-worker\/q-learning\/seed-5 \(attempt 1/);
    expect(first.output()).not.toMatch(/end {4}killed-worker/);
    expect(record.attempts).toBe(2);
    expect(second.output()).toMatch(/start {2}killed-worker\/q-learning\/seed-5 from step [1-9]\d*00 /);
    expect(coordinator.output()).toMatch(/q-learning\/seed-5: resumed on .* from step \d+/);
    expect(runContents(runDir)).toEqual(runContents(join(ref, 'q-learning', 'seed-5')));
    await stopWorkers(second);
  }, 180_000);

  it('reattaches with --resume after the coordinator is SIGKILLed: nothing lost, nothing run twice', async () => {
    const url = redis.url(3);
    const config = SLOW('killed-coordinator', '[0, 1]');
    const dir = coordinatorDir(config);
    const w = worker(url, ['--concurrency', '2']);
    const first = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
    const runs = join(dir, 'runs', 'killed-coordinator', 'q-learning');
    await waitFor('a checkpoint in the run store', () => (readRecord(join(runs, 'seed-0'))?.checkpointStep ?? 0) >= 400);
    first.child.kill('SIGKILL');
    await first.exited;
    // The worker goes on meanwhile; its output waits in Redis.
    const client = await connect(parseQueueUrl(url), 'test-streams');
    try {
      const waiting = async () => (await Promise.all((await client.keys('arena:run:*:events')).map((k) => client.xlen(k)))).reduce((a, n) => a + n, 0);
      const started = Date.now();
      while ((await waiting()) === 0) {
        if (Date.now() - started > 30_000) throw new Error('the worker sent nothing while the coordinator was away');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      client.disconnect();
    }
    const second = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV, '--resume'], dir);
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/reattached to q-learning\/seed-0/);
    const ref = await reference('killed-coordinator', config);
    for (const seed of ['seed-0', 'seed-1']) {
      const record = readRecord(join(runs, seed))!;
      expect(record.status).toBe('finished');
      expect(record.attempts).toBe(1);
      expect(runContents(join(runs, seed))).toEqual(runContents(join(ref, 'q-learning', seed)));
    }
    // Each run started once on the worker.
    expect(w.output().match(/start {2}killed-coordinator\/q-learning\/seed-0 /g)).toHaveLength(1);
    expect(w.output().match(/start {2}killed-coordinator\/q-learning\/seed-1 /g)).toHaveLength(1);
    await stopWorkers(w);
  }, 180_000);
});

describe('large pieces', () => {
  it('carries episode files and checkpoints larger than a chunk byte for byte, and refuses a blob whose checksum is wrong', async () => {
    const connection = parseQueueUrl(redis.url(8));
    // A worker's local copy of a run, written by hand: a 2.5 MiB episode and a 3 MiB checkpoint.
    const local = tempDir();
    mkdirSync(join(local, 'episodes'));
    mkdirSync(join(local, 'checkpoint', 'agent'), { recursive: true });
    writeFileSync(join(local, 'episodes', 'step-0000000000-0.json'), randomBytes(2.5 * BLOB_CHUNK));
    writeFileSync(join(local, 'episodes', 'index.jsonl'), '{"file":"step-0000000000-0.json","step":0,"index":0,"return":1,"length":2}\n');
    writeFileSync(join(local, 'metrics.jsonl'), [10, 50, 100, 120].map((step) => JSON.stringify({ type: 'episode', step })).join('\n') + '\n');
    writeFileSync(join(local, 'checkpoint', 'agent', 'weights.f32'), randomBytes(3 * BLOB_CHUNK + 17));
    writeFileSync(join(local, 'checkpoint', 'complete'), '100\n');
    const spec = fakeSpec({ experiment: 'big', variant: 'v', seed: 0 });
    writeFileSync(join(local, 'run.json'), JSON.stringify({ spec, status: 'finished', checkpointStep: 100 }));

    const client = await connect(connection, 'test-worker');
    const worker = new Worker(
      'arena-runs',
      async (job) => {
        const data = job.data as QueueJob;
        const tail = new RunTail(client, data.runId, local, 'attempt-1', null);
        await tail.send({ k: 'start', tok: 'attempt-1', host: 'test', checkpoint: null });
        await tail.poll(true);
        await tail.send({ k: 'end', tok: 'attempt-1', outcome: JSON.stringify({ status: 'finished', step: 120, seconds: 1, resumedFrom: null }) });
      },
      { connection: connection.options },
    );
    const executor = await QueueExecutor.open({ connection, log: () => {} });
    try {
      const dir = join(tempDir(), 'big', 'v', 'seed-0');
      const outcome = await executor.execute({ spec, dir }, false, {});
      expect(outcome.status).toBe('finished');
      for (const file of ['episodes/step-0000000000-0.json', 'episodes/index.jsonl', 'metrics.jsonl', 'checkpoint/agent/weights.f32', 'checkpoint/complete']) {
        expect(readFileSync(join(dir, file)).equals(readFileSync(join(local, file))), file).toBe(true);
      }
      expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(local, 'run.json'), 'utf8')));
      // Everything of the run is gone from Redis once written.
      expect(await client.keys('arena:*')).toEqual([]);

      const data = randomBytes(BLOB_CHUNK + 5);
      await putBlob(client, 'checked', data);
      expect((await getBlob(client, { blob: 'checked', size: data.length, sha256: sha256(data) }))!.equals(data)).toBe(true);
      await expect(getBlob(client, { blob: 'checked', size: data.length, sha256: sha256(Buffer.from('other')) })).rejects.toThrow(/^checkpoint blob checked: 1048581 bytes with checksum/);
      expect(await getBlob(client, { blob: 'gone', size: 0, sha256: sha256(Buffer.alloc(0)) })).toBeNull();
    } finally {
      await executor.close();
      await worker.close();
      client.disconnect();
    }
  }, 60_000);
});

describe('back-pressure', () => {
  it('a worker pauses sending while MAX_PENDING_EVENTS entries of a run wait, and does not wait for a run nobody wants', async () => {
    const client = await connect(parseQueueUrl(redis.url(10)), 'test-tail');
    try {
      const runId = 'cd'.repeat(16);
      const local = tempDir();
      writeFileSync(join(local, 'metrics.jsonl'), '{"type":"episode","step":5}\n');
      for (let i = 0; i < MAX_PENDING_EVENTS; i++) await client.xadd(keys.events(runId), '*', 'k', 'backlog');
      const tail = new RunTail(client, runId, local, 'attempt-1', null);
      expect(await tail.poll()).toBe(false);
      expect(await client.xlen(keys.events(runId))).toBe(MAX_PENDING_EVENTS);
      // The last poll of a run waits for the coordinator, unless the coordinator gave the run up (no meta key).
      expect(await tail.poll(true)).toBe(false);
      // The coordinator caught up: the line goes.
      await client.del(keys.events(runId));
      expect(await tail.poll()).toBe(true);
      const sent = await client.xrange(keys.events(runId), '-', '+');
      expect(sent.map(([, fields]) => fields.slice(0, 2))).toEqual([['k', 'lines']]);
    } finally {
      client.disconnect();
    }
  });
});

describe('stopping and restarting', () => {
  it('a worker stopped with SIGTERM hands its run back to the queue, and the run survives a Redis restart with persistence', async () => {
    const redisDir = tempDir();
    const persistent = await startRedis(redisDir, PASSWORD, ['--appendonly', 'yes']);
    let restarted: RedisServer | null = null;
    try {
      const url = persistent.url(0);
      const config = SLOW('handed-back', '[2]');
      const dir = coordinatorDir(config);
      const first = worker(url);
      const coordinator = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
      const runDir = join(dir, 'runs', 'handed-back', 'q-learning', 'seed-2');
      await waitFor('a checkpoint in the run store', () => (readRecord(runDir)?.checkpointStep ?? 0) >= 400);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/back to the queue: handed-back\/q-learning\/seed-2 at step \d+/);
      // Redis goes away and comes back on the same port from its append-only file; the coordinator waits meanwhile.
      await persistent.stop();
      await new Promise((r) => setTimeout(r, 250));
      restarted = await startRedis(redisDir, PASSWORD, ['--appendonly', 'yes'], persistent.port);
      const second = worker(url);
      expect(await coordinator.exited).toBe(0);
      const record = readRecord(runDir)!;
      expect(record.status).toBe('finished');
      expect(record.attempts).toBe(2);
      expect(second.output()).toMatch(/start {2}handed-back\/q-learning\/seed-2 from step [1-9]\d*00 /);
      expect(runContents(runDir)).toEqual(runContents(join(await reference('handed-back', config), 'q-learning', 'seed-2')));
      await stopWorkers(second);
    } finally {
      await persistent.stop();
      await restarted?.stop();
    }
  }, 180_000);

  it('a Redis restart without persistence fails the run in flight with a clear error; --resume requeues it to the same numbers', async () => {
    const redisDir = tempDir();
    const volatile = await startRedis(redisDir, PASSWORD);
    let restarted: RedisServer | null = null;
    try {
      const url = volatile.url(0);
      const config = SLOW('lost-queue', '[4]');
      const dir = coordinatorDir(config);
      const w = worker(url);
      const first = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
      const runDir = join(dir, 'runs', 'lost-queue', 'q-learning', 'seed-4');
      await waitFor('a checkpoint in the run store', () => (readRecord(runDir)?.checkpointStep ?? 0) >= 400);
      await volatile.stop();
      restarted = await startRedis(redisDir, PASSWORD, [], volatile.port);
      expect(await first.exited, first.output() + w.output()).toBe(1);
      const failed = readRecord(runDir)!;
      expect(failed.status).toBe('failed');
      expect(failed.error!.message).toMatch(/^its job [0-9a-f]+ was removed from the queue \(Redis restarted without persistence\?\); --resume requeues it$/);
      // The worker notices that nobody wants the run any more and stops it.
      await waitFor('the worker to stop the run', () => /end {4}lost-queue\/q-learning\/seed-4: interrupted/.test(w.output()));

      const second = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV, '--resume'], dir);
      expect(await second.exited).toBe(0);
      const record = readRecord(runDir)!;
      expect(record.status).toBe('finished');
      expect(runContents(runDir)).toEqual(runContents(join(await reference('lost-queue', config), 'q-learning', 'seed-4')));
      await stopWorkers(w);
    } finally {
      await volatile.stop();
      await restarted?.stop();
    }
  }, 180_000);

  it('Ctrl-C on the coordinator stops the running run and unqueues the rest; --resume finishes them with the same numbers', async () => {
    const url = redis.url(7);
    const config = SLOW('stopped', '[0, 1]');
    const dir = coordinatorDir(config);
    const w = worker(url);
    const first = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV], dir);
    const runs = join(dir, 'runs', 'stopped', 'q-learning');
    await waitFor('a checkpoint in the run store', () => (readRecord(join(runs, 'seed-0'))?.checkpointStep ?? 0) >= 400);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(1);
    expect(first.output()).toMatch(/stopping: runs end at their next step/);
    expect(readRecord(join(runs, 'seed-0'))!.status).toBe('interrupted');
    expect(existsSync(join(runs, 'seed-1', 'run.json'))).toBe(false);
    const status = spawnSync(process.execPath, [cli, 'queue', 'status', '--queue', url], { encoding: 'utf8' });
    expect(status.stdout).toMatch(/^runs: 0 waiting, 0 active, 1 done, 0 failed$/m);

    const second = arena(['run', 'config.yaml', '--queue', url, '--import', SLOW_ENV, '--resume'], dir);
    expect(await second.exited).toBe(0);
    const ref = await reference('stopped', config);
    for (const seed of ['seed-0', 'seed-1']) {
      expect(readRecord(join(runs, seed))!.status).toBe('finished');
      expect(runContents(join(runs, seed))).toEqual(runContents(join(ref, 'q-learning', seed)));
    }
    expect(readRecord(join(runs, 'seed-0'))!.attempts).toBe(2);
    await stopWorkers(w);
  }, 180_000);
});

describe('runs the queue refuses or fails', () => {
  const FAULTY = `import { registerAgent } from ${JSON.stringify(join(repo, 'dist', 'index.js'))};
registerAgent({
  name: 'test-throws', description: 'fails (tests)', hyperparameters: {},
  create: (_hp, context) => ({
    algorithm: 'test-throws', hyperparameters: {}, context, stepCount: 0,
    async learn() { throw new Error('simulated failure in learn'); },
    act: () => 0, save: async () => {}, dispose: () => {},
  }),
  load: () => { throw new Error('never saved'); },
});
`;
  const CONFIG = `
name: faulty
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 3000
seeds: 1
variants:
  - algorithm: test-throws
`;

  it('marks a throwing run failed with its error and stack after the given number of attempts', async () => {
    const url = redis.url(4);
    const dir = coordinatorDir(CONFIG);
    writeFileSync(join(dir, 'faulty-agents.mjs'), FAULTY);
    const w = worker(url, ['--import', join(dir, 'faulty-agents.mjs')]);
    const coordinator = arena(['run', 'config.yaml', '--queue', url, '--import', 'faulty-agents.mjs', '--attempts', '2'], dir);
    expect(await coordinator.exited).toBe(1);
    const record = readRecord(join(dir, 'runs', 'faulty', 'test-throws', 'seed-0'))!;
    expect(record.status).toBe('failed');
    expect(record.error!.message).toBe('simulated failure in learn');
    expect(record.error!.stack).toMatch(/faulty-agents\.mjs/);
    expect(record.attempts).toBe(2);
    expect(w.output().match(/start {2}faulty\/test-throws\/seed-0 /g)).toHaveLength(2);
    expect(coordinator.output()).toMatch(/failed: runs\/faulty\/test-throws\/seed-0: simulated failure in learn/);
    await stopWorkers(w);
  }, 120_000);

  it('refuses a job whose algorithm needs an --import the worker lacks, naming the module', async () => {
    const url = redis.url(5);
    const dir = coordinatorDir(CONFIG);
    writeFileSync(join(dir, 'faulty-agents.mjs'), FAULTY);
    const w = worker(url);
    const coordinator = arena(['run', 'config.yaml', '--queue', url, '--import', 'faulty-agents.mjs'], dir);
    expect(await coordinator.exited).toBe(1);
    const record = readRecord(join(dir, 'runs', 'faulty', 'test-throws', 'seed-0'))!;
    expect(record.status).toBe('failed');
    expect(record.error!.message).toMatch(
      /^run faulty\/test-throws\/seed-0 needs algorithm "test-throws", which this worker \(.*\) does not have; the coordinator imported faulty-agents\.mjs: start the worker with the same --import modules$/,
    );
    expect(w.output()).toMatch(/refused: run faulty\/test-throws\/seed-0 needs algorithm "test-throws"/);
    // Refused once, not retried.
    expect(w.output().match(/refused:/g)).toHaveLength(1);
    await stopWorkers(w);
  }, 120_000);

  it('refuses a job enqueued by another Arena version', async () => {
    const url = redis.url(6);
    const w = worker(url);
    const queue = new Queue('arena-runs', { connection: { host: '127.0.0.1', port: redis.port, password: PASSWORD, db: 6 } });
    try {
      const spec = JSON.parse(readFileSync(join(await reference('same-numbers', TWO_SEEDS.replace('totalSteps: 20000', 'totalSteps: 100').replace('seeds: [0, 1]', 'seeds: [0]')), 'q-learning', 'seed-0', 'run.json'), 'utf8')).spec;
      const job = await queue.add('run', { format: JOB_FORMAT, arena: '0.0.0-other', runId: 'ab'.repeat(16), spec, imports: [], record: null, checkpoint: null });
      await waitFor('the job to fail', () => w.output().includes('refused:'));
      let state = await job.getState();
      for (let i = 0; i < 100 && state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = await job.getState();
      }
      expect(state).toBe('failed');
      const failed = (await queue.getJob(job.id!))!;
      expect(failed.failedReason).toMatch(/^run same-numbers\/q-learning\/seed-0 was enqueued by Arena 0\.0\.0-other, but this worker \(.*\) runs Arena \d+\.\d+\.\d+; start workers of the coordinator's version$/);
      expect(failed.attemptsMade).toBe(1);
    } finally {
      await queue.close();
      await stopWorkers(w);
    }
  }, 60_000);

  it('reports a wrong password clearly, with the password redacted', async () => {
    const dir = tempDir();
    const wrong = 'not-the-password-91c';
    writeFileSync(join(dir, 'config.yaml'), TWO_SEEDS);
    // The three commands at once (each waits mostly for its own start-up).
    const results = await Promise.all(
      [
        ['queue', 'status', '--queue', redis.url(0, wrong)],
        ['worker', '--queue', redis.url(0, wrong)],
        ['run', 'config.yaml', '--queue', redis.url(0, wrong)],
      ].map(
        (args) =>
          new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            execFile(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
              resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
            );
          }),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^arena: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/0 refused the credentials \\(wrong password or user\\): WRONGPASS`));
      expect(r.stdout + r.stderr).not.toContain(wrong);
    }
    expect(existsSync(join(dir, 'runs', 'same-numbers', 'q-learning', 'seed-0', 'run.json'))).toBe(false);
  }, 60_000);
});
