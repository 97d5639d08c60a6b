// DQN's Q-model: the contract between the agent (agents/dqn.ts) and its
// networks on one compute path (QModel), the Q-network on tfjs (QNet: an
// optional conv trunk, then one MLP or a dueling trunk with value and
// advantage heads) with its update (TfjsQModel: TD targets, Huber or squared
// loss, prioritized replay's weighted loss, Adam), the initial weights both
// compute paths start from, and createModel, which builds the model on the
// context's backend: ONNX Runtime (compute/q-model.ts, each gradient step one
// graph run) or tfjs. Both read and write the same checkpoint files
// (online-<part>, target-<part>, and <prefix>-cnn for a trunk).
import type { Rng } from '../../core/rng.js';
import type { BoxSpace, DiscreteSpace, Space } from '../../core/spaces.js';
import type { AgentContext } from '../agent.js';
import { gpuProvider, initBackend, tf, usesOnnx } from './backend.js';
import type { Cnn, CnnPolicyOptions } from './cnn.js';
import { cnnFromData, cnnOptionsOf, loadCnn, loadCnnWeightsInto, saveCnn } from './cnn.js';
import { OnnxQModel, readQNet } from './compute/q-model.js';
import type { QBatch, QModelSpec, QPart, QTrunk } from './compute/q-model.js';
import { concatFloat32 } from './compute/trainer.js';
import type { Activation, Mlp } from './nets.js';
import { copyWeights, loadMlp, mlpFromData, mlpInit, mlpWeightCount, Optimizer, saveMlp, setWeights } from './nets.js';

/** The hyperparameters the Q-model reads (DQN's table, agents/dqn.ts). */
export interface QModelSettings
  extends Pick<QModelSpec, 'dueling' | 'activation' | 'batchSize' | 'gamma' | 'loss' | 'doubleQ' | 'maxGradNorm' | 'learningRate' | 'prioritizedReplay'>,
    Omit<CnnPolicyOptions, 'policy'> {
  readonly hidden: readonly number[];
  readonly init: 'pytorch' | 'orthogonal';
}

/**
 * TD targets y = r + gamma * (1 - terminated) * Q_target(s', a*), where a* is
 * argmax Q_target(s', .), or argmax Q_online(s', .) when `qNextOnline` is
 * given (double DQN). Only termination cuts the return: a truncated transition
 * bootstraps from its s'. Call inside tf.tidy.
 */
export function tdTargets(qNextTarget: tf.Tensor2D, qNextOnline: tf.Tensor2D | null, rewards: tf.Tensor1D, terminated: tf.Tensor1D, gamma: number): tf.Tensor1D {
  return bootstrapTargets(qNextTarget, qNextOnline, rewards, tf.mul(tf.sub(1, terminated), gamma));
}

/**
 * y = r + discount * Q_target(s', a*) with a per-row discount: gamma^m for a
 * transition of m steps, 0 for a terminated one (tdTargets is the 1-step case).
 * Call inside tf.tidy.
 */
export function bootstrapTargets(qNextTarget: tf.Tensor2D, qNextOnline: tf.Tensor2D | null, rewards: tf.Tensor1D, discounts: tf.Tensor1D): tf.Tensor1D {
  const next = qNextOnline
    ? tf.sum(tf.mul(qNextTarget, tf.oneHot(tf.argMax(qNextOnline, 1), qNextTarget.shape[1])), 1)
    : tf.max(qNextTarget, 1);
  return tf.add(rewards, tf.mul(discounts, next));
}

/** Elementwise Huber loss with delta 1 of the errors `d`, written out to keep the op count low. */
function huberElements(d: tf.Tensor1D): tf.Tensor1D {
  const err = tf.abs(d);
  const quadratic = tf.minimum(err, 1);
  return tf.add(tf.mul(0.5, tf.square(quadratic)), tf.sub(err, quadratic));
}

/** Mean Huber loss with delta 1 (PyTorch's smooth_l1_loss, as SB3's DQN). */
export function huberLoss(predictions: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  return tf.mean(huberElements(tf.sub(predictions, targets)));
}

/** The mean of weights * loss(d) per row, Huber or squared: prioritized replay's importance-sampling-weighted loss. */
export function weightedLoss(d: tf.Tensor1D, weights: tf.Tensor1D, loss: 'huber' | 'mse'): tf.Scalar {
  return tf.mean(tf.mul(weights, loss === 'huber' ? huberElements(d) : tf.square(d)));
}

/** DQN's networks and their update on one compute path: TfjsQModel (below) or OnnxQModel (lib/compute/q-model.ts). */
export interface QModel {
  learningRate: number;
  /** Whether the nets have conv trunks (the cnn policy). */
  readonly cnn: boolean;
  /** Q-values [rows, actions] of `rows` encoded inputs. */
  qValues(x: Float32Array, rows: number): Float32Array;
  /** One Adam step on a minibatch; meanQ is the batch's mean Q(s, a); with batch.weights, tdErrors are the rows' |Q(s, a) - y|. */
  update(batch: QBatch, wantMeanQ: boolean): { loss: number; gradNorm: number; meanQ?: number; tdErrors?: Float32Array };
  /** target <- tau * online + (1 - tau) * target. */
  syncTarget(tau: number): void;
  optimizerState(): { t: number; data: Float32Array };
  setOptimizerState(state: { t: number; data: Float32Array }): void;
  /** Writes the online and target nets as online-<part> and target-<part> files (nets.ts's format). */
  saveNets(dir: string): Promise<void>;
  /** Sets the online or target net from the `prefix`-<part> files in `dir`; `who` names the caller in errors. */
  loadNet(dir: string, prefix: string, which: 'online' | 'target', who: string): Promise<void>;
  dispose(): void;
}

/** Network inputs per observation: its numbers, or n for a one-hot Discrete. */
export function inputDimOf(space: Space): number {
  return space.type === 'box' ? space.low.length : space.type === 'discrete' ? space.n : 0;
}

/**
 * One dense layer act(x W + b) with a hand-written gradient. The gradient tfjs
 * derives for matMul multiplies by transposed operands, which the wasm backend
 * computes in a plain loop, about 5x slower than its XNNPACK path on a 64 x 256
 * by 256 x 256 product; transposing first keeps every product on the fast path,
 * and the forward pass is one fused op. That halves the time of an update of a
 * 256-256 net. nets.ts's applyForGradients is the unfused form PPO and DDPG
 * use; this one also fuses the bias and activation into the forward product.
 */
function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  // Made on first use, so that importing this module does not load TensorFlow.js (backend.ts).
  return (DENSE[activation] ??= denseWith(activation))(x, w, b);
}

const denseWith = (activation: Activation) =>
  tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: activation === 'tanh' ? 'linear' : activation });
    const out = activation === 'tanh' ? tf.tanh(y) : y;
    save([x, w, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor2D, [xs, ws, ys]: tf.Tensor[]) => {
        // d act / d pre-activation, from the output: relu' = step(y), tanh' = 1 - y^2.
        const dz = activation === 'relu' ? tf.mul(dy, tf.step(ys!)) : activation === 'tanh' ? tf.mul(dy, tf.sub(1, tf.square(ys!))) : dy;
        return [tf.matMul(dz, tf.transpose(ws!)), tf.matMul(tf.transpose(xs!), dz), tf.sum(dz, 0)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

const DENSE: Partial<Record<Activation, (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D>> = {};

/** The same function as `net.apply(x)` (with the activation after the last layer too when `activateLast`), through `dense`. */
export function forward(net: Mlp, x: tf.Tensor2D, activateLast: boolean): tf.Tensor2D {
  const v = net.variables;
  const layers = v.length / 2;
  let h = x;
  for (let l = 0; l < layers; l++) h = dense(h, v[2 * l] as tf.Tensor2D, v[2 * l + 1] as tf.Tensor1D, l + 1 < layers || activateLast ? net.activation : 'linear');
  return h;
}

/**
 * The Q-network's parts: one MLP [input, ...hidden, actions], or, dueling, a
 * trunk MLP [input, ...hidden] (activated) feeding a value head [h, 1] and an
 * advantage head [h, actions], combined as Q = V + A - mean(A) (Wang et al.
 * 2016, eq. 9). Each part is saved as `<online|target>-<name>`.
 */
export function qParts(inputDim: number, nActions: number, hp: QModelSettings): QPart[] {
  if (!hp.dueling) return [{ name: 'q', sizes: [inputDim, ...hp.hidden, nActions], activateLast: false }];
  const h = hp.hidden[hp.hidden.length - 1]!;
  return [
    { name: 'trunk', sizes: [inputDim, ...hp.hidden], activateLast: true },
    { name: 'value', sizes: [h, 1], activateLast: false },
    { name: 'advantage', sizes: [h, nActions], activateLast: false },
  ];
}

/**
 * Initial weights of the parts, drawn from `rng`, flat per part: PyTorch's
 * default init of nn.Linear (weights and biases uniform in +-1/sqrt(fan in)),
 * which the Q-networks of SB3 and CleanRL start from, or orthogonal (gain
 * sqrt 2 for hidden layers and the dueling trunk's last, 1 for outputs). The
 * 'pytorch' init draws a Glorot init first and then overwrites it, as it
 * always has, so a seed keeps its numbers.
 */
export function qInit(parts: readonly QPart[], hp: QModelSettings, rng: Rng): Float32Array[] {
  return parts.map((p) => {
    if (hp.init === 'orthogonal') return concatFloat32(mlpInit(p.sizes, rng, { init: 'orthogonal', hiddenGain: Math.SQRT2, outputGain: p.activateLast ? Math.SQRT2 : 1 }));
    mlpInit(p.sizes, rng, { init: 'glorot' });
    const data = new Float32Array(mlpWeightCount(p.sizes));
    let o = 0;
    for (let l = 0; l + 1 < p.sizes.length; l++) {
      const bound = 1 / Math.sqrt(p.sizes[l]!);
      const count = p.sizes[l]! * p.sizes[l + 1]! + p.sizes[l + 1]!; // W then b, the order of Mlp.variables
      for (let k = 0; k < count; k++) data[o++] = rng.uniform(-bound, bound);
    }
    return data;
  });
}

/** The Q-network on tfjs: an optional conv trunk (saved as `<prefix>-cnn`), then the parts' MLPs, applied through `forward`. */
class QNet {
  constructor(
    readonly parts: Mlp[],
    private readonly dueling: boolean,
    readonly convs: Cnn | null,
  ) {}

  static fromData(parts: readonly QPart[], activation: Activation, init: QInit, dueling: boolean, trunk: QTrunk | undefined): QNet {
    return new QNet(
      parts.map((p, i) => mlpFromData(p.sizes, activation, init.parts[i]!)),
      dueling,
      trunk && init.convs ? cnnFromData(trunk.inputShape, trunk.options, init.convs) : null,
    );
  }

  static async load(dir: string, prefix: string, parts: readonly QPart[], dueling: boolean, withCnn: boolean): Promise<QNet> {
    const loaded: Mlp[] = [];
    for (const p of parts) loaded.push(await loadMlp(dir, `${prefix}-${p.name}`));
    return new QNet(loaded, dueling, withCnn ? await loadCnn(dir, `${prefix}-cnn`) : null);
  }

  get variables(): tf.Variable[] {
    return [...(this.convs?.variables ?? []), ...this.parts.flatMap((p) => p.variables)];
  }

  /** Q-values [rows, actions]; `forGradients` runs the conv trunk with the gradients the wasm backend has (lib/cnn.ts). Call inside tf.tidy. */
  apply(input: tf.Tensor2D, forGradients = false): tf.Tensor2D {
    const x = this.convs ? (forGradients ? this.convs.applyForGradients(input) : this.convs.apply(input)) : input;
    if (!this.dueling) return forward(this.parts[0]!, x, false);
    const [trunk, value, advantage] = this.parts as [Mlp, Mlp, Mlp];
    const h = forward(trunk, x, true);
    const a = forward(advantage, h, false);
    return tf.add(forward(value, h, false), tf.sub(a, tf.mean(a, 1, true)));
  }

  copyFrom(source: QNet, tau: number): void {
    if (this.convs) copyWeights(this.convs, source.convs!, tau);
    this.parts.forEach((p, i) => copyWeights(p, source.parts[i]!, tau));
  }

  async save(dir: string, prefix: string, parts: readonly QPart[]): Promise<void> {
    if (this.convs) await saveCnn(this.convs, dir, `${prefix}-cnn`);
    for (let i = 0; i < parts.length; i++) await saveMlp(this.parts[i]!, dir, `${prefix}-${parts[i]!.name}`);
  }

  dispose(): void {
    this.convs?.dispose();
    for (const p of this.parts) p.dispose();
  }
}

/** DQN's networks and update on tfjs: online and target QNets and nets.ts's Optimizer. */
class TfjsQModel implements QModel {
  private readonly optimizer: Optimizer;
  /** One-hot rows of a minibatch's actions, rebuilt for each gradient step. */
  private readonly actionMask: Float32Array;

  constructor(
    private readonly hp: QModelSettings,
    private readonly parts: readonly QPart[],
    private readonly inputDim: number,
    private readonly nActions: number,
    private readonly online: QNet,
    private readonly target: QNet,
  ) {
    this.optimizer = new Optimizer(online.variables, hp.learningRate, hp.maxGradNorm > 0 ? { maxGradNorm: hp.maxGradNorm } : {});
    this.actionMask = new Float32Array(hp.batchSize * nActions);
  }

  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  set learningRate(lr: number) {
    this.optimizer.learningRate = lr;
  }

  private input(x: Float32Array, rows: number): tf.Tensor2D {
    return tf.tensor2d(x.subarray(0, rows * this.inputDim), [rows, this.inputDim]);
  }

  qValues(x: Float32Array, rows: number): Float32Array {
    const q = tf.tidy(() => this.online.apply(this.input(x, rows)));
    const values = q.dataSync() as Float32Array;
    q.dispose();
    return values;
  }

  update(b: QBatch, wantMeanQ: boolean): { loss: number; gradNorm: number; meanQ?: number; tdErrors?: Float32Array } {
    const hp = this.hp;
    const rows = hp.batchSize;
    const mask = this.actionMask.fill(0);
    for (let j = 0; j < rows; j++) mask[j * this.nActions + b.actions[j]!] = 1;
    const t = {
      obs: this.input(b.obs, rows),
      nextObs: this.input(b.nextObs, rows),
      actionMask: tf.tensor2d(mask, [rows, this.nActions]),
      rewards: tf.tensor1d(b.rewards),
      discounts: tf.tensor1d(b.discounts),
      weights: b.weights ? tf.tensor1d(b.weights) : null,
    };
    const y = tf.tidy(() => bootstrapTargets(this.target.apply(t.nextObs), hp.doubleQ ? this.online.apply(t.nextObs) : null, t.rewards, t.discounts));
    let meanQ: tf.Scalar | null = null;
    let tdErrors: tf.Tensor1D | null = null;
    const r = this.optimizer.step(() => {
      const q = tf.sum(tf.mul(this.online.apply(t.obs, true), t.actionMask), 1) as tf.Tensor1D;
      if (wantMeanQ) meanQ = tf.keep(tf.mean(q) as tf.Scalar);
      if (t.weights) {
        const d = tf.sub(q, y) as tf.Tensor1D;
        tdErrors = tf.keep(tf.abs(d));
        return weightedLoss(d, t.weights, hp.loss);
      }
      return hp.loss === 'huber' ? huberLoss(q, y) : (tf.mean(tf.square(tf.sub(q, y))) as tf.Scalar);
    });
    tf.dispose([y, t.obs, t.nextObs, t.actionMask, t.rewards, t.discounts, ...(t.weights ? [t.weights] : [])]);
    const out: { loss: number; gradNorm: number; meanQ?: number; tdErrors?: Float32Array } = r;
    if (meanQ) {
      out.meanQ = (meanQ as tf.Scalar).dataSync()[0]!;
      (meanQ as tf.Scalar).dispose();
    }
    if (tdErrors) {
      out.tdErrors = (tdErrors as tf.Tensor1D).dataSync() as Float32Array;
      (tdErrors as tf.Tensor1D).dispose();
    }
    return out;
  }

  syncTarget(tau: number): void {
    this.target.copyFrom(this.online, tau);
  }

  optimizerState(): { t: number; data: Float32Array } {
    return this.optimizer.getState();
  }

  setOptimizerState(state: { t: number; data: Float32Array }): void {
    this.optimizer.setState(state);
  }

  async saveNets(dir: string): Promise<void> {
    await this.online.save(dir, 'online', this.parts);
    await this.target.save(dir, 'target', this.parts);
  }

  get cnn(): boolean {
    return this.online.convs !== null;
  }

  async loadNet(dir: string, prefix: string, which: 'online' | 'target', who: string): Promise<void> {
    const data = await readQNet(dir, prefix, this.parts, who);
    const net = which === 'online' ? this.online : this.target;
    if (net.convs) await loadCnnWeightsInto(net.convs, dir, `${prefix}-cnn`, who);
    let o = 0;
    for (const p of net.parts) {
      const n = p.variables.reduce((a, v) => a + v.size, 0);
      setWeights(p, data.subarray(o, o + n));
      o += n;
    }
  }

  dispose(): void {
    this.optimizer.dispose();
    this.online.dispose();
    this.target.dispose();
  }
}

/** A net's initial weights: the conv trunk's (cnn policy) and the parts', flat. */
export interface QInit {
  convs: Float32Array | null;
  parts: readonly Float32Array[];
}

/** Builds the Q-model on the context's backend: ONNX Runtime for 'onnx', else tfjs on the backend initBackend picks. */
export async function createModel(hp: QModelSettings, context: AgentContext, withCnn: boolean, online: QInit | { dir: string }, target: QInit | { dir: string }): Promise<QModel> {
  const nActions = (context.actionSpace as DiscreteSpace).n;
  const inputDim = inputDimOf(context.observationSpace);
  const parts = qParts(withCnn ? hp.cnnDense : inputDim, nActions, hp);
  const trunk = withCnn ? trunkOf(hp, context) : undefined;
  if (usesOnnx(context.backend)) {
    // A GPU backend runs the conv nets (the cnn policy) on its provider; the small MLPs stay on the CPU.
    const provider = trunk ? gpuProvider(context.backend) : undefined;
    const spec: QModelSpec = { ...hp, parts, inputDim, nActions, ...(trunk ? { trunk } : {}), ...(provider ? { provider } : {}) };
    const model = await OnnxQModel.create(spec, 'dir' in online ? await readQNet(online.dir, 'online', parts, 'dqn', trunk) : concatFloat32([...(online.convs ? [online.convs] : []), ...online.parts]));
    if ('dir' in target) await model.loadNet(target.dir, 'target', 'target', 'dqn');
    return model;
  }
  await initBackend(context.backend ?? 'auto');
  const net = async (from: QInit | { dir: string }, prefix: string) =>
    'dir' in from ? QNet.load(from.dir, prefix, parts, hp.dueling, withCnn) : QNet.fromData(parts, hp.activation, from, hp.dueling, trunk);
  const model = new TfjsQModel(hp, parts, inputDim, nActions, await net(online, 'online'), await net(target, 'target'));
  if (!('dir' in target)) model.syncTarget(1);
  return model;
}

/** The conv trunk of the cnn policy on the context's image space. */
function trunkOf(hp: QModelSettings, context: AgentContext): QTrunk {
  return { inputShape: (context.observationSpace as BoxSpace).shape as [number, number, number], options: cnnOptionsOf(hp) };
}
