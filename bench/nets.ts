// Network benchmark: ms per training step (relu MLP, MSE loss, Adam) and per
// batched forward pass (acting at batch 1, 8 and 256), one thread, for
// Arena's two compute paths side by side: tfjs-wasm (nets.ts's custom-gradient
// dense path and Optimizer) and ONNX Runtime (agents/lib/compute: forward,
// generated backward and Adam as one graph). When /usr/bin/python3 (or
// ARENA_TORCH_PYTHON) can import torch, the same run times PyTorch doing the
// same step with bench/nets_torch.py and prints ratios; the machines are
// shared, so only ratios measured side by side mean much. Last, DQN's own
// training round with rl-baselines3-zoo's CartPole hyperparameters (256 env
// steps, then 128 gradient steps of a 256-256 net on batches of 64) on both
// backends, their trials interleaved so that the machine's load falls on both.
//
//   npm run bench:nets
//   ARENA_BENCH_SECONDS=1 npm run bench:nets    # longer trials
//   ARENA_BENCH_FILTER=dqn npm run bench:nets   # only cases whose name matches (4-64-64-2, ..., dqn-zoo-round)
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../envs/index.js';
import '../agents/index.js';
import { createAgent } from '../agents/agent.js';
import { make } from '../core/registry.js';
import { Rng } from '../core/rng.js';
import { initBackend, tf } from '../agents/lib/backend.js';
import { Graph } from '../agents/lib/compute/graph.js';
import { mlpForward } from '../agents/lib/compute/layers.js';
import { toOnnx } from '../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../agents/lib/compute/session.js';
import { ParamLayout, Trainer } from '../agents/lib/compute/trainer.js';
import { applyForGradients, getWeights, mlp, mlpShapes, Optimizer } from '../agents/lib/nets.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

interface Case {
  name: string;
  sizes: number[];
  batch: number;
}

const CASES: Case[] = [
  { name: '4-64-64-2', sizes: [4, 64, 64, 2], batch: 64 },
  { name: '2-256-256-3', sizes: [2, 256, 256, 3], batch: 128 },
  { name: '3-400-300-1', sizes: [3, 400, 300, 1], batch: 256 },
];
const ACT_BATCHES = [1, 8, 256];
const SECONDS = Number(process.env.ARENA_BENCH_SECONDS ?? 0.5);
const LEARNING_RATE = 1e-4;
const FILTER = process.env.ARENA_BENCH_FILTER ? new RegExp(process.env.ARENA_BENCH_FILTER) : null;
const selected = (name: string): boolean => !FILTER || FILTER.test(name);

/** Median ms per call over three trials of about `seconds` each, after a warm-up. */
function medianMs(fn: () => void, seconds: number): number {
  for (let i = 0; i < 20; i++) fn();
  const trials: number[] = [];
  for (let t = 0; t < 3; t++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      n += 1;
      elapsed = performance.now() - start;
    } while (elapsed < seconds * 1000);
    trials.push(elapsed / n);
  }
  return trials.sort((a, b) => a - b)[1]!;
}

interface Timings {
  train: number;
  act: Record<number, number>;
}

function uniform(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(0, 1));
}

function timeWasm(c: Case, init: Float32Array): Timings {
  const net = mlp(c.sizes, new Rng(0), { activation: 'relu' });
  // The same starting weights as the ONNX side.
  let o = 0;
  for (const v of net.variables) {
    tf.tidy(() => v.assign(tf.tensor(init.subarray(o, o + v.size), v.shape)));
    o += v.size;
  }
  const optimizer = new Optimizer(net.variables, LEARNING_RATE);
  const rng = new Rng(1);
  const x = uniform(c.batch * c.sizes[0]!, rng);
  const y = uniform(c.batch * c.sizes.at(-1)!, rng);
  const train = medianMs(() => {
    const xt = tf.tensor2d(x, [c.batch, c.sizes[0]!]);
    const yt = tf.tensor2d(y, [c.batch, c.sizes.at(-1)!]);
    optimizer.step(() => tf.mean(tf.square(tf.sub(applyForGradients(net, xt), yt))) as tf.Scalar);
    tf.dispose([xt, yt]);
  }, SECONDS);
  const act: Record<number, number> = {};
  for (const b of ACT_BATCHES) {
    const xa = uniform(b * c.sizes[0]!, rng);
    act[b] = medianMs(() => {
      const q = tf.tidy(() => net.apply(tf.tensor2d(xa, [b, c.sizes[0]!])));
      q.dataSync();
      q.dispose();
    }, SECONDS / 2);
  }
  optimizer.dispose();
  net.dispose();
  return { train, act };
}

async function timeOnnx(c: Case, init: Float32Array): Promise<Timings> {
  const layout = new ParamLayout(mlpShapes(c.sizes));
  const out = c.sizes.at(-1)!;
  const trainer = await Trainer.create(
    {
      layout,
      build(g, params) {
        const x = g.input('x', [c.batch, c.sizes[0]!]);
        const y = g.input('y', [c.batch, out]);
        return { loss: g.mean(g.square(g.sub(mlpForward(g, params, x, 'relu'), y))) };
      },
    },
    init,
    LEARNING_RATE,
  );
  const rng = new Rng(1);
  const x = uniform(c.batch * c.sizes[0]!, rng);
  const y = uniform(c.batch * out, rng);
  const train = medianMs(() => {
    trainer.step({ x: new Tensor('float32', x, [c.batch, c.sizes[0]!]), y: new Tensor('float32', y, [c.batch, out]) });
  }, SECONDS);
  const act: Record<number, number> = {};
  for (const b of ACT_BATCHES) {
    const g = new Graph('float32');
    const params = layout.inputs(g, 'p');
    g.output('q', mlpForward(g, params, g.input('x', [b, c.sizes[0]!]), 'relu'));
    const session = await Session.create(toOnnx(g, 'act'));
    const xa = uniform(b * c.sizes[0]!, rng);
    const q = new Tensor('float32', new Float32Array(b * out), [b, out]);
    act[b] = medianMs(() => {
      session.run({ ...trainer.paramFeeds, x: new Tensor('float32', xa, [b, c.sizes[0]!]) }, { q });
    }, SECONDS / 2);
    session.dispose();
  }
  trainer.dispose();
  return { train, act };
}

/**
 * Debian's torch calls the system's libblas.so.3; where that is the reference
 * (netlib) BLAS rather than OpenBLAS, its matrix products are several times
 * slower than a usual PyTorch's, and ratios against it flatter Arena.
 */
function blasNote(libraries: string[]): string {
  const reference = libraries.some((l) => /\/blas\/libblas\.so/.test(l)) && !libraries.some((l) => /openblas|mkl|blis/i.test(l));
  return `PyTorch's BLAS: ${libraries.join(', ') || 'none found'}${reference ? ' -- the reference (netlib) BLAS: PyTorch is slower here than with OpenBLAS (apt-get install libopenblas0), so these ratios flatter Arena; compare with the anchors\' table too' : ''}`;
}

function timeTorch(): { results: Map<string, Timings>; note: string } | { missing: string } {
  const python = process.env.ARENA_TORCH_PYTHON ?? '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return { missing: `${python} cannot import torch (Debian: apt-get install -y python3-torch; see ../shared/anchors/README.md)` };
  }
  process.stdout.write(`timing PyTorch with ${python}...\n`);
  const input = JSON.stringify({ seconds: SECONDS, cases: CASES.filter((c) => selected(c.name)).map((c) => ({ ...c, actBatches: ACT_BATCHES })) });
  const out = execFileSync(python, [resolve(repoRoot, 'bench', 'nets_torch.py')], { input, encoding: 'utf8', maxBuffer: 1 << 20 });
  const results = new Map<string, Timings>();
  const [first, ...lines] = out.trim().split('\n');
  const note = blasNote((JSON.parse(first!) as { blas: string[] }).blas);
  for (const line of lines) {
    const r = JSON.parse(line) as { name: string; train_ms: number; act_ms: Record<string, number> };
    results.set(r.name, { train: r.train_ms, act: Object.fromEntries(Object.entries(r.act_ms).map(([k, v]) => [Number(k), v])) });
  }
  return { results, note };
}

/** rl-baselines3-zoo's DQN CartPole-v1 hyperparameters (the anchors' side-by-side with Stable-Baselines3). */
const DQN_ZOO = {
  learningRate: 2.3e-3,
  batchSize: 64,
  bufferSize: 100_000,
  learningStarts: 1000,
  gamma: 0.99,
  targetUpdateInterval: 10,
  trainFreq: 256,
  gradientSteps: 128,
  explorationFraction: 0.16,
  explorationFinalEps: 0.04,
  hidden: [256, 256],
};
const DQN_ZOO_STEPS = 50_000;

/** ms per DQN training round (trainFreq env steps and their gradient steps) on each backend, trials interleaved. */
async function timeDqnRounds(backends: readonly string[], trials = 3, roundsPerTrial = 3): Promise<Record<string, number>> {
  const runners: Record<string, () => Promise<void>> = {};
  for (const backend of backends) {
    const env = make('CartPole-v1');
    const agent = await createAgent('dqn', DQN_ZOO, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 1, backend });
    let steps = 1024; // past learningStarts, with one round of updates done
    await agent.learn({ env, totalSteps: steps, scheduleSteps: DQN_ZOO_STEPS });
    runners[backend] = async () => {
      steps += DQN_ZOO.trainFreq;
      await agent.learn({ env, totalSteps: steps, scheduleSteps: DQN_ZOO_STEPS });
    };
  }
  const times: Record<string, number[]> = Object.fromEntries(backends.map((b) => [b, []]));
  for (let t = 0; t < trials; t++) {
    for (const backend of backends) {
      const start = performance.now();
      for (let r = 0; r < roundsPerTrial; r++) await runners[backend]!();
      times[backend]!.push((performance.now() - start) / roundsPerTrial);
    }
  }
  return Object.fromEntries(backends.map((b) => [b, times[b]!.sort((x, y) => x - y)[trials >> 1]!]));
}

const fmt = (ms: number): string => (ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
const ratio = (a: number, b: number | undefined): string => (b === undefined ? '' : ` (${(a / b).toFixed(2)}x)`);

function printTable(rows: string[][]): void {
  const header = ['case (ms per call, one thread)', 'PyTorch', 'tfjs-wasm (x PyTorch)', 'onnx (x PyTorch)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const cases = CASES.filter((c) => selected(c.name));
  const torch = cases.length > 0 ? timeTorch() : { missing: 'no network case selected' };
  const rows: string[][] = [];
  for (const c of cases) {
    const net = mlp(c.sizes, new Rng(0), { activation: 'relu' });
    const init = getWeights(net).data;
    net.dispose();
    process.stdout.write(`timing ${c.name}, batch ${c.batch}...\n`);
    const wasm = timeWasm(c, init);
    const onnx = await timeOnnx(c, init);
    const ref = 'results' in torch ? torch.results.get(c.name) : undefined;
    rows.push([`${c.name} train, batch ${c.batch}`, ref ? fmt(ref.train) : '-', fmt(wasm.train) + ratio(wasm.train, ref?.train), fmt(onnx.train) + ratio(onnx.train, ref?.train)]);
    for (const b of ACT_BATCHES) {
      rows.push([`${c.name} act, batch ${b}`, ref ? fmt(ref.act[b]!) : '-', fmt(wasm.act[b]!) + ratio(wasm.act[b]!, ref?.act[b]), fmt(onnx.act[b]!) + ratio(onnx.act[b]!, ref?.act[b])]);
    }
  }
  if (cases.length > 0) {
    process.stdout.write('missing' in torch ? `PyTorch not timed: ${torch.missing}; Arena's numbers only.\n` : `${torch.note}\n`);
    printTable(rows);
  }
  if (!selected('dqn-zoo-round')) return;
  process.stdout.write('\ntiming DQN CartPole training rounds (zoo hyperparameters) on wasm and onnx, interleaved...\n');
  const dqn = await timeDqnRounds(['wasm', 'onnx']);
  const rounds = (DQN_ZOO_STEPS - DQN_ZOO.learningStarts) / DQN_ZOO.trainFreq;
  process.stdout.write(
    `DQN round (${DQN_ZOO.trainFreq} env steps + ${DQN_ZOO.gradientSteps} Adam steps, 4-256-256-2, batch ${DQN_ZOO.batchSize}): ` +
      `wasm ${fmt(dqn.wasm!)} ms, onnx ${fmt(dqn.onnx!)} ms (${(dqn.onnx! / dqn.wasm!).toFixed(2)}x wasm); ` +
      `${rounds.toFixed(0)} rounds make a ${DQN_ZOO_STEPS / 1000}k-step run: about ${((rounds * dqn.wasm!) / 1000).toFixed(0)} s and ${((rounds * dqn.onnx!) / 1000).toFixed(0)} s of training\n`,
  );
}

await main();
