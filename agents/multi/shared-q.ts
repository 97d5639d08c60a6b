// Shared DQN's Q-networks and their update on one compute path (SharedQNets):
// TensorFlow.js (tfjs Mlp nets, masked TD targets, nets.ts's Adam) or ONNX
// Runtime (compute/q-model.ts built with the legal moves of s', each gradient
// step one graph run). Both compute the same update (shared-dqn.ts's header),
// draw the same initial weights from the learner's generator, and read and
// write the same files (`online`, `target`, `pool-<id>` nets, optimizer.bin),
// so checkpoints move between them. A snapshot is a frozen copy of the online
// net for the self-play pool.
import type { Rng } from '../../core/rng.js';
import { initBackend, tf, usesOnnx } from '../lib/backend.js';
import { OnnxQModel } from '../lib/compute/q-model.js';
import type { QModelSpec } from '../lib/compute/q-model.js';
import type { Activation, Mlp } from '../lib/nets.js';
import { copyWeights, mlpFromData, mlpInit, mlpWeightCount, Optimizer, saveMlp } from '../lib/nets.js';
import { readLearnerNet } from './learner.js';
import type { PoolNets } from './pool-nets.js';
import { OnnxPoolNets, TfjsPoolNets } from './pool-nets.js';
import { forward, huberLoss } from '../lib/q-network.js';
import { maskedRowMax, maskLogits } from '../lib/masks.js';
import type { MaskedBatch } from './replay.js';

/** What the nets read of shared-dqn's hyperparameters. */
export interface SharedQSettings {
  readonly learningRate: number;
  readonly batchSize: number;
  readonly gamma: number;
  readonly maxGradNorm: number;
  readonly loss: 'huber' | 'mse';
  readonly activation: Activation;
  readonly doubleQ: boolean;
}

/** The online and target nets, their update and the pool's snapshots, on one compute path; S is a snapshot. */
export interface SharedQNets<S> extends PoolNets<S> {
  /** Q-values [rows, actions] of `rows` encoded rows under the online net, or under `snapshot`. */
  qValues(x: Float32Array, rows: number, snapshot?: S): Float32Array;
  /** One Adam step on Huber (or squared) Q(s, a) - y over the minibatch; the loss and the pre-clip gradient norm. */
  update(batch: MaskedBatch): { loss: number; gradNorm: number };
  /** target <- tau * online + (1 - tau) * target. */
  syncTarget(tau: number): void;
  /** Writes the online and target nets as `online` and `target` (nets.ts's files). */
  saveNets(dir: string): Promise<void>;
}

/**
 * The initial weights, flat: nn.Linear's default (uniform in +-1/sqrt(fan in),
 * weights and biases), as the single-agent DQN starts from; the target net
 * starts as a copy. Draws from `rng` as the learner always has (a Glorot draw
 * for each net before the fan-in draw replaces the online one and the copy the
 * target's), so a seed keeps giving the runs it gave.
 */
export function initialWeights(sizes: readonly number[], activation: Activation, rng: Rng): Float32Array {
  const glorot = { activation, init: 'glorot' } as const;
  mlpInit(sizes, rng, glorot);
  const data = new Float32Array(mlpWeightCount(sizes));
  let o = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const bound = 1 / Math.sqrt(sizes[l]!);
    const count = sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
    for (let k = 0; k < count; k++) data[o++] = rng.uniform(-bound, bound);
  }
  mlpInit(sizes, rng, glorot);
  return data;
}

/**
 * Builds the nets on `backend` ('onnx' or a GPU name: ONNX Runtime, its MLPs
 * on the CPU; else tfjs on the backend initBackend picks) from initial
 * weights, or from the `online` and `target` nets saved in `from.dir`.
 */
export async function createSharedQ(hp: SharedQSettings, backend: string | undefined, sizes: readonly number[], from: Float32Array | { dir: string }): Promise<SharedQNets<unknown>> {
  if (usesOnnx(backend)) {
    const nActions = sizes[sizes.length - 1]!;
    const spec: QModelSpec = {
      parts: [{ name: 'q', sizes: [...sizes], activateLast: false }],
      dueling: false,
      activation: hp.activation,
      inputDim: sizes[0]!,
      nActions,
      batchSize: hp.batchSize,
      gamma: hp.gamma,
      loss: hp.loss,
      doubleQ: hp.doubleQ,
      maxGradNorm: hp.maxGradNorm,
      learningRate: hp.learningRate,
      prioritizedReplay: false,
      nextMasks: true,
    };
    const model = await OnnxQModel.create(spec, from instanceof Float32Array ? from : await readLearnerNet(from.dir, 'online', sizes, 'shared-dqn'));
    if (!(from instanceof Float32Array)) model.targetParams.set(await readLearnerNet(from.dir, 'target', sizes, 'shared-dqn'));
    return new OnnxSharedQ(hp, sizes, model);
  }
  await initBackend(backend ?? 'auto');
  if (from instanceof Float32Array) return new TfjsSharedQ(hp, mlpFromData(sizes, hp.activation, from), mlpFromData(sizes, hp.activation, from));
  const net = async (name: string) => mlpFromData(sizes, hp.activation, await readLearnerNet(from.dir, name, sizes, 'shared-dqn'));
  return new TfjsSharedQ(hp, await net('online'), await net('target'));
}

class TfjsSharedQ extends TfjsPoolNets implements SharedQNets<Mlp> {
  constructor(
    private readonly hp: SharedQSettings,
    private readonly online: Mlp,
    private readonly target: Mlp,
  ) {
    super(online, new Optimizer(online.variables, hp.learningRate, hp.maxGradNorm > 0 ? { maxGradNorm: hp.maxGradNorm } : {}), 'shared-dqn');
  }

  qValues(x: Float32Array, rows: number, snapshot?: Mlp): Float32Array {
    const d = this.online.sizes[0]!;
    const q = tf.tidy(() => forward(snapshot ?? this.online, tf.tensor2d(x.subarray(0, rows * d), [rows, d]), false));
    const values = q.dataSync() as Float32Array;
    q.dispose();
    return values;
  }

  update(batch: MaskedBatch): { loss: number; gradNorm: number } {
    const hp = this.hp;
    const rows = batch.size;
    const d = this.online.sizes[0]!;
    const nA = this.online.sizes[this.online.sizes.length - 1]!;
    const t = tf.tidy(() => ({
      obs: tf.keep(tf.tensor2d(batch.obs, [rows, d])),
      actions: tf.keep(tf.oneHot(tf.tensor1d(batch.actions, 'int32'), nA).toFloat() as tf.Tensor2D),
      y: tf.keep(
        tdTargetsMasked(
          forward(this.target, tf.tensor2d(batch.nextObs, [rows, d]), false),
          hp.doubleQ ? forward(this.online, tf.tensor2d(batch.nextObs, [rows, d]), false) : null,
          tf.tensor2d(batch.nextMasks, [rows, nA]),
          tf.tensor1d(batch.rewards),
          tf.tensor1d(batch.terminated),
          hp.gamma,
        ),
      ),
    }));
    const r = this.optimizer.step(() => {
      const q = tf.sum(tf.mul(forward(this.online, t.obs, false), t.actions), 1) as tf.Tensor1D;
      return hp.loss === 'huber' ? huberLoss(q, t.y) : (tf.mean(tf.square(tf.sub(q, t.y))) as tf.Scalar);
    });
    tf.dispose([t.obs, t.actions, t.y]);
    return r;
  }

  syncTarget(tau: number): void {
    copyWeights(this.target, this.online, tau);
  }

  async saveNets(dir: string): Promise<void> {
    await saveMlp(this.online, dir, 'online');
    await saveMlp(this.target, dir, 'target');
  }

  dispose(): void {
    this.optimizer.dispose();
    this.online.dispose();
    this.target.dispose();
  }
}

class OnnxSharedQ extends OnnxPoolNets implements SharedQNets<Float32Array> {
  /** gamma, or 0 after a termination, per row: what Q_target(s', a*) is multiplied by. */
  private readonly discounts: Float32Array;

  constructor(
    private readonly hp: SharedQSettings,
    sizes: readonly number[],
    private readonly model: OnnxQModel,
  ) {
    super(sizes, hp.activation, 'shared-dqn');
    this.discounts = new Float32Array(hp.batchSize);
  }

  get learningRate(): number {
    return this.model.learningRate;
  }

  set learningRate(lr: number) {
    this.model.learningRate = lr;
  }

  qValues(x: Float32Array, rows: number, snapshot?: Float32Array): Float32Array {
    return this.model.qValues(x, rows, snapshot);
  }

  update(batch: MaskedBatch): { loss: number; gradNorm: number } {
    // (1 - terminated) * gamma in float32, as the tfjs path's targets compute it.
    for (let j = 0; j < batch.size; j++) this.discounts[j] = batch.terminated[j] ? 0 : this.hp.gamma;
    const r = this.model.update({ obs: batch.obs, nextObs: batch.nextObs, actions: batch.actions, rewards: batch.rewards, discounts: this.discounts, nextMasks: batch.nextMasks });
    return { loss: r.loss, gradNorm: r.gradNorm };
  }

  syncTarget(tau: number): void {
    this.model.syncTarget(tau);
  }

  snapshot(): Float32Array {
    return this.model.params.slice();
  }

  optimizerState(): { t: number; data: Float32Array } {
    return this.model.optimizerState();
  }

  setOptimizerState(state: { t: number; data: Float32Array }): void {
    this.model.setOptimizerState(state);
  }

  async saveNets(dir: string): Promise<void> {
    await this.saveSnapshot(this.model.params, dir, 'online');
    await this.saveSnapshot(this.model.targetParams, dir, 'target');
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Masked TD targets y = r + gamma * (1 - terminated) * Q_target(s', a*), with
 * a* the legal argmax of Q_target(s', .), or of Q_online(s', .) when given
 * (double DQN); rows whose mask has no legal move get next value 0. Masks are
 * [rows, actions] of 0/1. Call inside tf.tidy.
 */
export function tdTargetsMasked(qNextTarget: tf.Tensor2D, qNextOnline: tf.Tensor2D | null, nextMasks: tf.Tensor2D, rewards: tf.Tensor1D, terminated: tf.Tensor1D, gamma: number): tf.Tensor1D {
  let next: tf.Tensor1D;
  if (qNextOnline) {
    const best = tf.argMax(maskLogits(qNextOnline, nextMasks), 1);
    const any = tf.cast(tf.greater(tf.sum(nextMasks, 1), 0), 'float32');
    next = tf.mul(tf.sum(tf.mul(qNextTarget, tf.oneHot(best, qNextTarget.shape[1])), 1), any) as tf.Tensor1D;
  } else {
    next = maskedRowMax(qNextTarget, nextMasks);
  }
  return tf.add(rewards, tf.mul(tf.mul(tf.sub(1, terminated), gamma), next)) as tf.Tensor1D;
}
