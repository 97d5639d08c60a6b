// Network benchmark: CPU ms per training step (relu MLP, MSE loss, Adam) and
// per batched forward pass (acting at batch 1, 8 and 256), one thread, for
// Arena's two compute paths side by side: tfjs-wasm (nets.ts's custom-gradient
// dense path and Optimizer) and ONNX Runtime (agents/lib/compute: forward,
// generated backward and Adam as one graph). When /usr/bin/python3 (or
// ARENA_TORCH_PYTHON) can import torch, the same run times PyTorch doing the
// same step with bench/nets_torch.py and prints ratios. The machines are
// shared, so only ratios measured side by side mean much: the three paths'
// trials are interleaved (PyTorch, tfjs-wasm, onnx, three times over; the
// median of each), so that load falls on all three alike, and each trial
// counts the process's CPU time (one thread does the work on every side), not
// wall time. Last, DQN's own training round with rl-baselines3-zoo's CartPole
// hyperparameters (256 env steps, then 128 gradient steps of a 256-256 net on
// batches of 64) on both backends, their trials interleaved so that the
// machine's load falls on both. Before it, the agents' updates on onnx (their
// own model classes, on a fixed random batch) against PyTorch doing the same
// as Stable-Baselines3's train() does, in ms per gradient step: dqn-update
// (DQN's gradient step), ddpg-update (DDPG's whole update: critic and actor
// steps and the Polyak updates, 3-400-300-1 at batch 256: ddpg-pendulum's),
// td3-update (td3-pendulum's spec: twin 400-300 critics, batch 256, target
// smoothing noise, policy delay 2; one delay cycle timed and divided by its 2
// steps) and sac-update (sac-pendulum's: 256-256 nets, twin critics, batch
// 256, entropy coefficient 'auto'). The case cnn-4x48x48 times the Nature-DQN
// conv trunk (agents/lib/cnn.ts: 32-64-64 filters, kernels 8-4-3, strides
// 4-2-1, dense 512) with a linear head of 3 on 48x48 frames of 4 channels
// (CarRacing's size), MSE loss and Adam, the same three ways (onnx through
// compute/layers.ts's cnnForward).
//
//   npm run bench:nets
//   ARENA_BENCH_SECONDS=1 npm run bench:nets      # longer trials
//   ARENA_BENCH_FILTER=update npm run bench:nets  # only cases whose name matches (4-64-64-2, ..., dqn-update, ddpg-update, td3-update, sac-update, dqn-zoo-round)
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../envs/index.js';
import '../agents/index.js';
import { createAgent } from '../agents/agent.js';
import { make } from '../core/registry.js';
import { Rng } from '../core/rng.js';
import { flatDim } from '../core/spaces.js';
import { initBackend, tf } from '../agents/lib/backend.js';
import { Graph } from '../agents/lib/compute/graph.js';
import type { Sym } from '../agents/lib/compute/graph.js';
import { cnnForward, mlpForward } from '../agents/lib/compute/layers.js';
import { toOnnx } from '../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../agents/lib/compute/session.js';
import { concatFloat32, ParamLayout, Trainer } from '../agents/lib/compute/trainer.js';
import { actorSizesOf, criticSizesOf, OnnxDeterministicModel } from '../agents/lib/compute/actor-critic.js';
import type { DeterministicSpec } from '../agents/lib/compute/actor-critic.js';
import { OnnxSacModel } from '../agents/lib/compute/sac-model.js';
import type { SacSpec } from '../agents/lib/compute/sac-model.js';
import { resolveHyperparameters } from '../agents/lib/hparams.js';
import type { ReplayBatch } from '../agents/lib/replay.js';
import { SAC_PENDULUM } from '../agents/recipes/sac.js';
import { TD3_PENDULUM } from '../agents/recipes/td3.js';
import { SAC_HYPERPARAMETERS, sacSpec } from '../agents/sac.js';
import { TD3_HYPERPARAMETERS, td3Spec } from '../agents/td3.js';
import { OnnxQModel } from '../agents/lib/compute/q-model.js';
import { applyForGradients, getWeights, mlp, mlpInit, Optimizer } from '../agents/lib/nets.js';
import type { CnnOptions } from '../agents/lib/cnn.js';
import { cnn, NATURE_CNN } from '../agents/lib/cnn.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

interface Case {
  name: string;
  /** The MLP's layer sizes; for a conv case, [H W C, dense, outputs]. */
  sizes: number[];
  batch: number;
  /** A conv trunk under a linear head (sizes' last entry outputs). */
  cnn?: CnnOptions & { inputShape: [number, number, number] };
  /** An update case's hyperparameters, from the agent's model spec (bench/nets_torch.py reads them). */
  hp?: Record<string, number>;
}

const CASES: Case[] = [
  { name: '4-64-64-2', sizes: [4, 64, 64, 2], batch: 64 },
  { name: '2-256-256-3', sizes: [2, 256, 256, 3], batch: 128 },
  { name: '3-400-300-1', sizes: [3, 400, 300, 1], batch: 256 },
  { name: 'cnn-4x48x48', sizes: [48 * 48 * 4, 512, 3], batch: 64, cnn: { ...NATURE_CNN, inputShape: [48, 48, 4] } },
];
const ACT_BATCHES = [1, 8, 256];
/** Acting batches of the conv case (its graph has a static batch size). */
const ACT_BATCHES_CNN = [1, 8];
const actBatches = (c: Case): number[] => (c.cnn ? ACT_BATCHES_CNN : ACT_BATCHES);
const SECONDS = Number(process.env.ARENA_BENCH_SECONDS ?? 0.5);
const LEARNING_RATE = 1e-4;
const FILTER = process.env.ARENA_BENCH_FILTER ? new RegExp(process.env.ARENA_BENCH_FILTER) : null;
const selected = (name: string): boolean => !FILTER || FILTER.test(name);
const UPDATE_CASES = ['dqn-update', 'ddpg-update', 'td3-update', 'sac-update'];

/**
 * CPU ms per call (process.cpuUsage: this process's user and system time; one
 * thread does the work) over one trial of about `seconds` of wall time. CPU
 * time is what an idle core's wall time would be, whatever else the machine
 * runs; nets_torch.py measures its trials the same way.
 */
function trialMs(fn: () => void, seconds: number): number {
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  do {
    fn();
    n += 1;
  } while (performance.now() - start < seconds * 1000);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / n;
}

/** The operations timed per case: a training step, and acting at each batch size. */
type MlpOp = { op: 'train' } | { op: 'act'; rows: number };
/** The agents' updates timed against PyTorch doing them as Stable-Baselines3 does. */
type UpdateOp = 'dqn' | 'ddpg' | 'td3' | 'sac';
/** What PyTorch's child times: an MLP op, or an agent's update. */
type Op = MlpOp | { op: UpdateOp };

/** One path's functions for a case, by op name. */
type Runner = (o: MlpOp) => () => void;

function uniform(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(0, 1));
}

/** `rows` inputs of the case: pixels in [0, 255) for a conv case, else [0, 1). */
function inputs(c: Case, rows: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: rows * c.sizes[0]! }, () => rng.uniform(0, c.cnn ? 255 : 1));
}

/** The case's network on tfjs: an MLP, or a conv trunk under a linear head; `forGradients` the custom-gradient path for losses. */
function tfjsNet(c: Case): { variables: tf.Variable[]; apply(x: tf.Tensor2D, forGradients: boolean): tf.Tensor2D; dispose(): void } {
  if (!c.cnn) {
    const net = mlp(c.sizes, new Rng(0), { activation: 'relu' });
    return { variables: net.variables, apply: (x, grad) => (grad ? applyForGradients(net, x) : net.apply(x)), dispose: () => net.dispose() };
  }
  const trunk = cnn(c.cnn.inputShape, new Rng(0), c.cnn);
  const head = mlp(c.sizes.slice(1), new Rng(0), { activation: 'relu' });
  return {
    variables: [...trunk.variables, ...head.variables],
    apply: (x, grad) => (grad ? applyForGradients(head, trunk.applyForGradients(x)) : head.apply(trunk.apply(x))),
    dispose() {
      trunk.dispose();
      head.dispose();
    },
  };
}

function wasmRunner(c: Case, init: Float32Array): { run: Runner; dispose(): void } {
  const net = tfjsNet(c);
  // The same starting weights as the ONNX side.
  let o = 0;
  for (const v of net.variables) {
    tf.tidy(() => v.assign(tf.tensor(init.subarray(o, o + v.size), v.shape)));
    o += v.size;
  }
  const optimizer = new Optimizer(net.variables, LEARNING_RATE);
  const rng = new Rng(1);
  const x = inputs(c, c.batch, rng);
  const y = uniform(c.batch * c.sizes.at(-1)!, rng);
  const acts = new Map(actBatches(c).map((b) => [b, inputs(c, b, rng)]));
  return {
    run: (op) =>
      op.op === 'train'
        ? () => {
            const xt = tf.tensor2d(x, [c.batch, c.sizes[0]!]);
            const yt = tf.tensor2d(y, [c.batch, c.sizes.at(-1)!]);
            optimizer.step(() => tf.mean(tf.square(tf.sub(net.apply(xt, true), yt))) as tf.Scalar);
            tf.dispose([xt, yt]);
          }
        : () => {
            const q = tf.tidy(() => net.apply(tf.tensor2d(acts.get(op.rows)!, [op.rows, c.sizes[0]!]), false));
            q.dataSync();
            q.dispose();
          },
    dispose() {
      optimizer.dispose();
      net.dispose();
    },
  };
}

async function onnxRunner(c: Case, shapes: number[][], init: Float32Array): Promise<{ run: Runner; dispose(): void }> {
  const layout = new ParamLayout(shapes);
  const out = c.sizes.at(-1)!;
  const conv = c.cnn;
  // The conv trunk's 2 per convolution + 2 dense parameters come first (tfjsNet's order).
  const trunkParams = conv ? 2 * conv.filters.length + 2 : 0;
  const forward = (g: Graph, params: Sym[], x: Sym) =>
    conv ? mlpForward(g, params.slice(trunkParams), cnnForward(g, params.slice(0, trunkParams), x, conv.inputShape, conv), 'relu') : mlpForward(g, params, x, 'relu');
  const trainer = await Trainer.create(
    {
      layout,
      build(g, params) {
        const x = g.input('x', [c.batch, c.sizes[0]!]);
        const y = g.input('y', [c.batch, out]);
        return { loss: g.mean(g.square(g.sub(forward(g, params, x), y))) };
      },
    },
    init,
    LEARNING_RATE,
  );
  // One acting graph for every batch size, as the agents build theirs (a conv trunk's takes its pixel-major layout).
  const act = new Graph('float32');
  act.output('q', forward(act, layout.inputs(act, 'p'), act.input('x', [-1, c.sizes[0]!])));
  const acting = await Session.create(toOnnx(act, 'act'));
  const rng = new Rng(1);
  const x = inputs(c, c.batch, rng);
  const y = uniform(c.batch * out, rng);
  const acts = new Map(actBatches(c).map((b) => [b, { x: inputs(c, b, rng), q: new Tensor('float32', new Float32Array(b * out), [b, out]) }]));
  return {
    run: (op) =>
      op.op === 'train'
        ? () => {
            trainer.step({ x: new Tensor('float32', x, [c.batch, c.sizes[0]!]), y: new Tensor('float32', y, [c.batch, out]) });
          }
        : () => {
            const a = acts.get(op.rows)!;
            acting.run({ ...trainer.paramFeeds, x: new Tensor('float32', a.x, [op.rows, c.sizes[0]!]) }, { q: a.q });
          },
    dispose() {
      trainer.dispose();
      acting.dispose();
    },
  };
}

/**
 * Debian's torch calls the system's libblas.so.3; where that is the reference
 * (netlib) BLAS rather than OpenBLAS, its matrix products are several times
 * slower than a usual PyTorch's, and ratios against it flatter Arena.
 */
function blasNote(libraries: string[]): string {
  const reference = libraries.some((l) => /\/blas\/libblas\.so/.test(l)) && !libraries.some((l) => /openblas|mkl|blis/i.test(l));
  return `PyTorch's BLAS: ${libraries.join(', ') || 'none found'}${reference ? ' -- the reference (netlib) BLAS: PyTorch is slower here than with OpenBLAS (apt-get install libopenblas0), so these ratios flatter Arena' : ''}`;
}

/** bench/nets_torch.py as a child answering one trial per request. */
class TorchTrials {
  private readonly lines: AsyncIterator<string>;

  private constructor(private readonly child: ReturnType<typeof spawn>) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static async start(): Promise<{ torch: TorchTrials; note: string } | { missing: string }> {
    const python = process.env.ARENA_TORCH_PYTHON ?? '/usr/bin/python3';
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    } catch {
      return { missing: `${python} cannot import torch (Debian: apt-get install -y python3-torch; see ../shared/anchors/README.md)` };
    }
    // One thread for the BLAS too: torch.set_num_threads does not reach an OpenBLAS built with pthreads.
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const child = spawn(python, [resolve(repoRoot, 'bench', 'nets_torch.py')], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const torch = new TorchTrials(child);
    const first = await torch.next();
    process.stdout.write(`timing PyTorch with ${python}, interleaved with Arena's trials\n`);
    return { torch, note: blasNote((JSON.parse(first) as { blas: string[] }).blas) };
  }

  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error('bench/nets_torch.py ended early (see its error above)');
    return r.value;
  }

  async trial(c: Case, o: Op, seconds: number): Promise<number> {
    this.child.stdin!.write(`${JSON.stringify({ ...c, ...o, seconds })}\n`);
    return (JSON.parse(await this.next()) as { ms: number }).ms;
  }

  stop(): void {
    this.child.stdin!.end();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

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

/** DQN's gradient step on the ONNX path (OnnxQModel, as the agent runs it) for the zoo's CartPole net, on a fixed random batch. */
async function onnxDqnUpdate(c: Case): Promise<UpdateRunner> {
  const nActions = c.sizes.at(-1)!;
  const flat = flatMlp(c.sizes, new Rng(0));
  const model = await OnnxQModel.create(
    {
      parts: [{ name: 'q', sizes: c.sizes, activateLast: false }],
      dueling: false,
      activation: 'relu',
      inputDim: c.sizes[0]!,
      nActions,
      batchSize: c.batch,
      gamma: DQN_ZOO.gamma,
      loss: 'huber',
      doubleQ: false,
      maxGradNorm: 10,
      learningRate: DQN_ZOO.learningRate,
      prioritizedReplay: false,
    },
    flat,
  );
  const rng = new Rng(2);
  const batch = {
    obs: uniform(c.batch * c.sizes[0]!, rng),
    nextObs: uniform(c.batch * c.sizes[0]!, rng),
    actions: Float32Array.from({ length: c.batch }, () => rng.integers(0, nActions)),
    rewards: uniform(c.batch, rng),
    discounts: Float32Array.from({ length: c.batch }, () => (rng.random() < 0.1 ? 0 : DQN_ZOO.gamma)),
  };
  return { fn: () => model.update(batch), steps: 1, dispose: () => model.dispose() };
}

/** A fixed random replay batch of `rows` transitions for a continuous-action update: actions in [-1, 1], 1% of them terminal. */
function continuousBatch(rows: number, obsDim: number, actionDim: number, rng: Rng): ReplayBatch {
  return {
    size: rows,
    obs: uniform(rows * obsDim, rng),
    actions: Float32Array.from({ length: rows * actionDim }, () => rng.uniform(-1, 1)),
    rewards: uniform(rows, rng),
    nextObs: uniform(rows * obsDim, rng),
    terminated: Float32Array.from({ length: rows }, () => (rng.random() < 0.01 ? 1 : 0)),
    truncated: new Float32Array(rows),
    horizons: new Float32Array(rows).fill(1),
    indices: new Int32Array(rows),
  };
}

/** An MLP's initial weights (nets.ts's default init), flat. */
const flatMlp = (sizes: readonly number[], rng: Rng): Float32Array => concatFloat32(mlpInit([...sizes], rng, { activation: 'relu' }));

/** An agent model's update timed `steps` gradient steps at a time, on a fixed batch. */
interface UpdateRunner {
  fn: () => void;
  /** Gradient steps per call of fn. */
  steps: number;
  dispose(): void;
}

/** DDPG's update on the ONNX path (OnnxDeterministicModel, as the agent runs it: critic step, actor step, Polyak updates) at the ddpg-pendulum recipe's sizes, on a fixed random batch. */
async function onnxDdpgUpdate(c: Case): Promise<UpdateRunner> {
  const [obsDim, actionDim] = [c.sizes[0]!, c.sizes.at(-1)!];
  const hidden = c.sizes.slice(1, -1);
  const rng = new Rng(0);
  const actor = flatMlp([obsDim, ...hidden, actionDim], rng);
  const critic = flatMlp([obsDim + actionDim, ...hidden, 1], rng);
  const model = await OnnxDeterministicModel.create(
    { algorithm: 'ddpg', obsDim, actionDim, hidden, batchSize: c.batch, gamma: 0.98, tau: 0.005, learningRate: 1e-3, policyDelay: 1, critics: 1, targetNoise: 0, targetNoiseClip: 0 },
    { actor, critic, actorTarget: actor.slice(), criticTarget: critic.slice() },
  );
  const data = new Rng(2);
  const batch = continuousBatch(c.batch, obsDim, actionDim, data);
  let updates = 0;
  return { fn: () => model.update(batch, data, updates++), steps: 1, dispose: () => model.dispose() };
}

/** Pendulum-v1's observation and action sizes. */
function pendulumDims(): { obsDim: number; actionDim: number } {
  const env = make('Pendulum-v1');
  return { obsDim: flatDim(env.observationSpace), actionDim: flatDim(env.actionSpace) };
}

/** The td3-pendulum recipe's model spec, as the agent builds it (SB3's TD3 defaults: policy delay 2, target noise 0.2 clipped at 0.5). */
function td3PendulumSpec(): DeterministicSpec {
  const { obsDim, actionDim } = pendulumDims();
  return td3Spec(resolveHyperparameters('td3', TD3_HYPERPARAMETERS, TD3_PENDULUM.hyperparameters), obsDim, actionDim, undefined);
}

/** The sac-pendulum recipe's hyperparameters and model spec, as the agent builds it (256-256, batch 256, alpha 'auto' from 1). */
function sacPendulum(): { spec: SacSpec; entCoefInit: number } {
  const { obsDim, actionDim } = pendulumDims();
  const hp = resolveHyperparameters('sac', SAC_HYPERPARAMETERS, SAC_PENDULUM.hyperparameters);
  return { spec: sacSpec(hp, obsDim, actionDim, undefined), entCoefInit: hp.entCoefInit };
}

/**
 * TD3's update on the ONNX path (OnnxDeterministicModel with twin critics, as
 * the agent runs it) at td3-pendulum's spec, one policy-delay cycle per call:
 * policyDelay critic steps (each with its clipped smoothing noise drawn on the
 * host), one actor step and the Polyak updates of both targets.
 */
async function onnxTd3Update(spec: DeterministicSpec): Promise<UpdateRunner> {
  const rng = new Rng(0);
  const actor = flatMlp(actorSizesOf(spec), rng);
  const critic = concatFloat32([flatMlp(criticSizesOf(spec), rng), flatMlp(criticSizesOf(spec), rng)]);
  const model = await OnnxDeterministicModel.create(spec, { actor, critic, actorTarget: actor.slice(), criticTarget: critic.slice() });
  const data = new Rng(2);
  const batch = continuousBatch(spec.batchSize, spec.obsDim, spec.actionDim, data);
  let updates = 0;
  return {
    fn: () => {
      for (let i = 0; i < spec.policyDelay; i++) model.update(batch, data, updates++);
    },
    steps: spec.policyDelay,
    dispose: () => model.dispose(),
  };
}

/**
 * SAC's update on the ONNX path (OnnxSacModel, as the agent runs it) at
 * sac-pendulum's spec: the critic step (next actions sampled from the actor,
 * min of the target critics minus alpha log pi), the actor step on alpha
 * log pi - min(Q1, Q2)(s, pi(s)), the entropy coefficient's Adam step on that
 * sample's mean log pi, and the target critics' Polyak update.
 */
async function onnxSacUpdate(spec: SacSpec, entCoefInit: number): Promise<UpdateRunner> {
  const rng = new Rng(0);
  const actor = flatMlp(OnnxSacModel.actorSizes(spec), rng);
  const critic = concatFloat32([flatMlp(OnnxSacModel.criticSizes(spec), rng), flatMlp(OnnxSacModel.criticSizes(spec), rng)]);
  const model = await OnnxSacModel.create(spec, { actor, critic, criticTarget: critic.slice() }, { logAlpha: Math.log(entCoefInit), m: 0, v: 0, t: 0 });
  const data = new Rng(2);
  const batch = continuousBatch(spec.batchSize, spec.obsDim, spec.actionDim, data);
  let updates = 0;
  return { fn: () => model.update(batch, data, updates++), steps: 1, dispose: () => model.dispose() };
}

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
  const header = ['case (CPU ms per call, one thread)', 'PyTorch', 'tfjs-wasm (x PyTorch)', 'onnx (x PyTorch)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const cases = CASES.filter((c) => selected(c.name));
  const started = cases.length > 0 || UPDATE_CASES.some(selected) ? await TorchTrials.start() : { missing: 'no network case selected' };
  const torch = 'torch' in started ? started.torch : null;
  const rows: string[][] = [];
  for (const c of cases) {
    const ops: MlpOp[] = [{ op: 'train' }, ...actBatches(c).map((rows) => ({ op: 'act' as const, rows }))];
    const net = tfjsNet(c);
    const init = getWeights(net).data;
    const shapes = net.variables.map((v) => v.shape);
    net.dispose();
    process.stdout.write(`timing ${c.name}, batch ${c.batch}...\n`);
    const wasm = wasmRunner(c, init);
    const onnx = await onnxRunner(c, shapes, init);
    for (const o of ops) {
      const fns = { wasm: wasm.run(o), onnx: onnx.run(o) };
      for (const fn of Object.values(fns)) for (let i = 0; i < 20; i++) fn();
      const trials: Record<'torch' | 'wasm' | 'onnx', number[]> = { torch: [], wasm: [], onnx: [] };
      for (let t = 0; t < 3; t++) {
        if (torch) trials.torch.push(await torch.trial(c, o, SECONDS));
        trials.wasm.push(trialMs(fns.wasm, SECONDS));
        trials.onnx.push(trialMs(fns.onnx, SECONDS));
      }
      const ref = torch ? median(trials.torch) : undefined;
      const w = median(trials.wasm);
      const x = median(trials.onnx);
      const label = o.op === 'train' ? `${c.name} train, batch ${c.batch}` : `${c.name} act, batch ${o.rows}`;
      rows.push([label, ref === undefined ? '-' : fmt(ref), fmt(w) + ratio(w, ref), fmt(x) + ratio(x, ref)]);
    }
    wasm.dispose();
    onnx.dispose();
  }
  // One update of an agent's model on a fixed batch, against PyTorch doing the same as Stable-Baselines3; ms per gradient step.
  const timeUpdate = async (c: Case, op: UpdateOp, label: string, wasmNote: string, build: () => Promise<UpdateRunner>) => {
    process.stdout.write(`timing ${label}...\n`);
    const onnx = await build();
    for (let i = 0; i < 20; i++) onnx.fn();
    const trials: Record<'torch' | 'onnx', number[]> = { torch: [], onnx: [] };
    // Five trials each, the two sides taking turns at going first, so that an effect of the order falls on both.
    for (let t = 0; t < 5; t++) {
      const sides = [async () => torch && trials.torch.push((await torch.trial(c, { op }, SECONDS)) / onnx.steps), async () => trials.onnx.push(trialMs(onnx.fn, SECONDS) / onnx.steps)];
      for (const side of t % 2 === 0 ? sides : sides.reverse()) await side();
    }
    const ref = torch ? median(trials.torch) : undefined;
    const x = median(trials.onnx);
    rows.push([label, ref === undefined ? '-' : fmt(ref), wasmNote, fmt(x) + ratio(x, ref)]);
    onnx.dispose();
  };
  if (selected('dqn-update')) {
    const c: Case = { name: 'dqn-update', sizes: [4, ...DQN_ZOO.hidden, 2], batch: DQN_ZOO.batchSize };
    await timeUpdate(c, 'dqn', `DQN update ${c.sizes.join('-')}, batch ${c.batch}`, '(see the DQN round)', () => onnxDqnUpdate(c));
  }
  if (selected('ddpg-update')) {
    const c: Case = { name: 'ddpg-update', sizes: [3, 400, 300, 1], batch: 256 };
    await timeUpdate(c, 'ddpg', `DDPG update ${c.sizes.join('-')}, batch ${c.batch}`, '(bench:continuous)', () => onnxDdpgUpdate(c));
  }
  if (selected('td3-update')) {
    const spec = td3PendulumSpec();
    const { gamma, tau, learningRate, policyDelay, targetNoise, targetNoiseClip } = spec;
    const c: Case = { name: 'td3-update', sizes: actorSizesOf(spec), batch: spec.batchSize, hp: { gamma, tau, learningRate, policyDelay, targetNoise, targetNoiseClip } };
    const label = `TD3 update ${c.sizes.join('-')}, batch ${c.batch}, per step of a ${policyDelay}-step delay cycle`;
    await timeUpdate(c, 'td3', label, '(bench:continuous)', () => onnxTd3Update(spec));
  }
  if (selected('sac-update')) {
    const { spec, entCoefInit } = sacPendulum();
    if (spec.entCoef !== 'auto' || spec.targetUpdateInterval !== 1) throw new Error("bench:nets: sac-update times sac-pendulum with entCoef 'auto' and a target update every step, as nets_torch.py's SAC does");
    const { gamma, tau, learningRate, targetEntropy } = spec;
    const c: Case = { name: 'sac-update', sizes: [spec.obsDim, ...spec.hidden, spec.actionDim], batch: spec.batchSize, hp: { gamma, tau, learningRate, targetEntropy, entCoefInit } };
    await timeUpdate(c, 'sac', `SAC update ${c.sizes.join('-')}, batch ${c.batch}`, '(bench:continuous)', () => onnxSacUpdate(spec, entCoefInit));
  }
  torch?.stop();
  if (rows.length > 0) {
    process.stdout.write('missing' in started ? `PyTorch not timed: ${started.missing}; Arena's numbers only.\n` : `${started.note}\n`);
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
