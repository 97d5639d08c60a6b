// Network benchmark: ms per training step (relu MLP, MSE loss, Adam) and per
// batched forward pass (acting at batch 1, 8 and 256), one thread, for
// Arena's two compute paths side by side: tfjs-wasm (nets.ts's custom-gradient
// dense path and Optimizer) and ONNX Runtime (agents/lib/compute: forward,
// generated backward and Adam as one graph). When /usr/bin/python3 (or
// ARENA_TORCH_PYTHON) can import torch, the same run times PyTorch doing the
// same step with bench/nets_torch.py and prints ratios; the machines are
// shared, so only ratios measured side by side mean much.
//
//   npm run bench:nets
//   ARENA_BENCH_SECONDS=1 npm run bench:nets    # longer trials
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  const input = JSON.stringify({ seconds: SECONDS, cases: CASES.map((c) => ({ ...c, actBatches: ACT_BATCHES })) });
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

const fmt = (ms: number): string => (ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
const ratio = (a: number, b: number | undefined): string => (b === undefined ? '' : ` (${(a / b).toFixed(2)}x)`);

async function main(): Promise<void> {
  await initBackend('wasm');
  const torch = timeTorch();
  const rows: string[][] = [];
  for (const c of CASES) {
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
  process.stdout.write('missing' in torch ? `PyTorch not timed: ${torch.missing}; Arena's numbers only.\n` : `${torch.note}\n`);
  const header = ['case (ms per call, one thread)', 'PyTorch', 'tfjs-wasm (x PyTorch)', 'onnx (x PyTorch)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
}

await main();
