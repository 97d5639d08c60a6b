// `arena serve` under load, on loopback: requests per second and p50/p99
// latency for batches of 1 and 64 observations as JSON, and the batch of 64
// as a binary body (application/octet-stream: float32 values, CarRacing's
// uint8 pixels), for a CartPole PPO policy (the ppo-cartpole recipe's nets,
// briefly trained) and a CarRacing PPO CNN policy (the Nature CNN on 96x96x3
// frames, briefly trained). The server is the real CLI in a child process;
// the client keeps `--concurrency` requests in flight for `--requests`
// requests or `--seconds` seconds, whichever ends first. The 6th request of
// every 100 is malformed (a value short): it must get a 400 and every other
// request a 200 with one action per observation. Latencies are of the
// well-formed requests. Beside them, the model alone on the same batch
// (onnxruntime-node in this process, one thread, median of a few runs) and
// the served p50's ratio to it: what HTTP, JSON and the checks add.
//
//   npm run bench:serve [-- --requests 2000 --seconds 10 --concurrency 4 --only cartpole|carracing]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../agents/index.js';
import ort from 'onnxruntime-node';
import { createAgent } from '../agents/agent.js';
import { exportOnnx } from '../agents/export/onnx.js';
import { recipe } from '../agents/recipes/index.js';
import { make } from '../core/registry.js';
import { Rng } from '../core/rng.js';
import type { BoxSpace } from '../core/spaces.js';
import { makeVec } from '../core/vector.js';
import '../envs/index.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    only: { type: 'string' },
  },
});
const bounded = (name: string, v: string, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`bench:serve: --${name} must be an integer in [1, ${max}], got ${v}`);
  return n;
};
const REQUESTS = bounded('requests', values.requests, 100_000);
const SECONDS = bounded('seconds', values.seconds, 300);
const CONCURRENCY = bounded('concurrency', values.concurrency, 64);
const BAD_EVERY = 100;
const cli = new URL('../bin/arena.js', import.meta.url).pathname;

interface Model {
  readonly name: string;
  readonly env: string;
  /** One observation: random but plausible values. */
  observation(rng: Rng): number[] | number[][][];
  train(dir: string): Promise<void>;
}

const MODELS: Model[] = [
  {
    name: 'cartpole',
    env: 'CartPole-v1',
    observation: (rng) => [rng.uniform(-2, 2), rng.normal(), rng.uniform(-0.2, 0.2), rng.normal()],
    async train(dir) {
      const r = recipe('ppo-cartpole');
      const env = make('CartPole-v1');
      const agent = await createAgent('ppo', r.hyperparameters, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 1 });
      await agent.learn({ vecEnv: makeVec('CartPole-v1', r.nEnvs ?? 8), totalSteps: 4096 });
      await agent.save(dir);
      agent.dispose();
    },
  },
  {
    name: 'carracing',
    env: 'CarRacing-v3',
    observation: (rng) => Array.from({ length: 96 }, () => Array.from({ length: 96 }, () => [rng.integers(0, 256), rng.integers(0, 256), rng.integers(0, 256)])),
    async train(dir) {
      const env = make('CarRacing-v3');
      const agent = await createAgent('ppo', { policy: 'cnn', nSteps: 16, batchSize: 32, nEpochs: 1 }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 1 });
      await agent.learn({ vecEnv: makeVec('CarRacing-v3', 2), totalSteps: 32 });
      await agent.save(dir);
      agent.dispose();
    },
  },
];

/** Starts `arena serve --save dir --port 0`; resolves with its URL and a stopper. */
function serve(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cli, 'serve', '--save', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)act/.exec(out);
      if (m) resolve({ url: m[1]!, stop });
    });
    child.on('exit', (code) => reject(new Error(`arena serve exited (${code}): ${out}`)));
  });
}

/** The median time of the exported model on `batch` observations, in ms. */
async function modelMs(dir: string, model: Model, batch: number): Promise<number> {
  const exported = await exportOnnx(dir, { version: 'bench' });
  const session = await ort.InferenceSession.create(exported.model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const rng = new Rng(batch);
  const data = Float32Array.from(Array.from({ length: batch }, () => model.observation(rng)).flat(3) as number[]);
  const obs = new ort.Tensor('float32', data, [batch, ...(exported.observationSpace as BoxSpace).shape]);
  const times: number[] = [];
  for (let i = 0; i < (batch === 1 ? 50 : 10); i++) {
    const t0 = performance.now();
    await session.run({ obs });
    times.push(performance.now() - t0);
  }
  await session.release();
  return percentile(times.sort((a, b) => a - b), 0.5);
}

interface Result {
  good: number;
  bad: number;
  wrong: string[];
  seconds: number;
  latencies: number[];
  /** Requests sent again after their connection closed under them. */
  resent: number;
}

/** Sends requests of `batch` observations (every BAD_EVERY-th malformed) with CONCURRENCY in flight, as JSON or as a binary batch. */
async function load(url: string, model: Model, batch: number, binary: boolean): Promise<Result> {
  const rng = new Rng(batch);
  // A few distinct bodies, made before timing (building CarRacing JSON is the client's cost, not the server's).
  const batchOf = () => (batch === 1 ? model.observation(rng) : Array.from({ length: batch }, () => model.observation(rng)));
  const encode = (obs: unknown): string | Buffer => {
    if (!binary) return JSON.stringify({ obs });
    const values = (batch === 1 ? [obs] : (obs as unknown[])).flat(3) as number[];
    return model.name === 'carracing' ? Buffer.from(Uint8Array.from(values)) : Buffer.from(Float32Array.from(values).buffer);
  };
  const bodies = Array.from({ length: 4 }, () => encode(batchOf()));
  const short = model.observation(rng);
  (short as unknown[]).pop();
  // Malformed: an observation one value short (JSON), a body one value short (binary).
  const badBody = binary ? (bodies[0] as Buffer).subarray(0, (bodies[0] as Buffer).byteLength - (model.name === 'carracing' ? 3 * 96 : 4)) : JSON.stringify({ obs: batch === 1 ? short : [short, ...Array.from({ length: batch - 1 }, () => model.observation(rng))] });
  const headers = { 'content-type': binary ? 'application/octet-stream' : 'application/json' };
  const result: Result = { good: 0, bad: 0, wrong: [], seconds: 0, latencies: [], resent: 0 };
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < REQUESTS && performance.now() < deadline) {
      const i = next++;
      // The 6th of every 100, so that short cases (CarRacing batches of 64) have one too.
      const malformed = i % BAD_EVERY === 5;
      const t0 = performance.now();
      const send = () => fetch(`${url}act`, { method: 'POST', headers, body: malformed ? badBody : bodies[i % bodies.length]! });
      let r: Response;
      try {
        r = await send();
      } catch (e) {
        // A kept-alive connection the server closed just as this request went out (its idle timeout; timers run late on a
        // loaded machine): fetch does not resend a POST itself. Sent again once, and counted.
        const code = ((e as Error).cause as { code?: string } | undefined)?.code;
        if (code !== 'EPIPE' && code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw e;
        result.resent += 1;
        r = await send();
      }
      const json = (await r.json()) as { action?: unknown; error?: string };
      const ms = performance.now() - t0;
      if (malformed) {
        result.bad += 1;
        if (r.status !== 400) result.wrong.push(`malformed request ${i}: status ${r.status}`);
      } else {
        result.good += 1;
        result.latencies.push(ms);
        // A binary body is always a batch (of one, too).
        const ok = r.status === 200 && (batch === 1 && !binary ? json.action !== undefined : Array.isArray(json.action) && json.action.length === batch);
        if (!ok) result.wrong.push(`request ${i}: status ${r.status} ${JSON.stringify(json).slice(0, 120)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const root = mkdtempSync(join(tmpdir(), 'arena-bench-serve-'));
try {
  console.log(`bench:serve: ${REQUESTS} requests or ${SECONDS} s per case, ${CONCURRENCY} in flight, 1 malformed in ${BAD_EVERY}; server: arena serve (child process), client: fetch`);
  console.log('model      body    batch  requests  seconds   req/s    obs/s  p50 ms  p99 ms  malformed -> 400  wrong  model ms  p50/model');
  let failures = 0;
  for (const model of MODELS) {
    if (values.only !== undefined && values.only !== model.name) continue;
    const dir = join(root, model.name);
    await model.train(dir);
    const server = await serve(dir);
    try {
      for (const [batch, binary] of [
        [1, false],
        [64, false],
        [64, true],
      ] as const) {
        const r = await load(server.url, model, batch, binary);
        const sorted = [...r.latencies].sort((a, b) => a - b);
        const total = r.good + r.bad;
        const alone = await modelMs(dir, model, batch);
        const p50 = percentile(sorted, 0.5);
        console.log(
          `${model.name.padEnd(10)} ${(binary ? 'binary' : 'json').padEnd(6)} ${String(batch).padStart(6)} ${String(total).padStart(9)} ${r.seconds.toFixed(2).padStart(8)} ${(total / r.seconds).toFixed(1).padStart(7)} ${((r.good * batch) / r.seconds).toFixed(0).padStart(8)} ${p50.toFixed(2).padStart(7)} ${percentile(sorted, 0.99).toFixed(2).padStart(7)} ${String(r.bad - r.wrong.filter((w) => w.startsWith('malformed')).length).padStart(6)}/${String(r.bad).padEnd(10)} ${String(r.wrong.length).padStart(5)} ${alone.toFixed(2).padStart(9)} ${(p50 / alone).toFixed(1).padStart(10)}`,
        );
        for (const w of r.wrong.slice(0, 5)) console.log(`  wrong: ${w}`);
        if (r.resent > 0) console.log(`  ${r.resent} requests sent again: their kept-alive connection closed as they went out`);
        failures += r.wrong.length;
      }
    } finally {
      await server.stop();
    }
  }
  if (failures > 0) {
    console.log(`bench:serve: ${failures} requests were answered wrongly`);
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
