// Shared PPO's nets -- an actor, a critic and, for Box actions, a
// state-independent log std -- and their minibatch update on one compute path
// (SharedPpoNets): TensorFlow.js (tfjs Mlp variables, the loss from
// distributions.ts and ppo-loss.ts, nets.ts's Adam) or ONNX Runtime
// (compute/actor-critic-model.ts with action masks and the kickstarting term,
// the nets held only in its flat parameters, so that TensorFlow.js is never
// loaded). Both start from the same initial weights, drawn from the learner's
// generator, compute the same update (shared-ppo.ts's header) and read and
// write the same files (the `actor` and `critic` nets, `pool-<id>` actors,
// optimizer.bin; the log std goes in learner.json), so checkpoints move
// between them. A snapshot is a frozen copy of the actor for the self-play
// pool: a tfjs Mlp, or the actor's flat weights fed to ONNX Runtime's policy graph.
import type { Rng } from '../../core/rng.js';
import { newVariable } from '../lib/actor-critic.js';
import { initBackend, tf, usesOnnx } from '../lib/backend.js';
import type { ActorCriticLoss, ActorCriticNetSpec, MinibatchRows } from '../lib/compute/actor-critic-model.js';
import { OnnxActorCritic } from '../lib/compute/actor-critic-model.js';
import { concatFloat32 } from '../lib/compute/trainer.js';
import { categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb } from '../lib/distributions.js';
import { maskLogits } from '../lib/masks.js';
import type { Activation, Mlp } from '../lib/nets.js';
import { applyForGradients, mlpFromData, mlpInit, mlpWeightCount, Optimizer, saveMlp, saveMlpData } from '../lib/nets.js';
import type { MinibatchStats } from '../lib/ppo-loss.js';
import { ppoLoss, ppoTerms } from '../lib/ppo-loss.js';
import { readLearnerNet } from './learner.js';
import type { PoolNets } from './pool-nets.js';
import { OnnxPoolNets, TfjsPoolNets } from './pool-nets.js';

/** What the nets read of shared-ppo's hyperparameters. */
export interface SharedPpoSettings {
  readonly learningRate: number;
  readonly maxGradNorm: number;
  readonly vfCoef: number;
  readonly entCoef: number;
  /** Above 0: the update has the kickstarting term. */
  readonly kickstartCoef: number;
  readonly activation: Activation;
}

/** The nets' layer sizes (the actor's output: logits or Gaussian means; the critic's: 1) and the kind of policy. */
export interface SharedPpoShape {
  readonly actorSizes: readonly number[];
  readonly criticSizes: readonly number[];
  /** Categorical over masked logits, else a Gaussian with a log std. */
  readonly discrete: boolean;
}

/** The actor, the critic, their update and the pool's snapshots, on one compute path; S is a snapshot. */
export interface SharedPpoNets<S> extends PoolNets<S> {
  /** Whether it runs on ONNX Runtime (its minibatch statistics are then rows, not tensors). */
  readonly onnx: boolean;
  /** Parameters of actor, critic and log std together (Adam's state holds two numbers per parameter). */
  readonly size: number;
  /**
   * Actor and critic on `rows` encoded rows: rows x (nOut + 1) numbers, the
   * value last; without `withValue` the tfjs path gives the actor's outputs
   * alone (rows x nOut): callers take the row width as out.length / rows.
   */
  forward(x: Float32Array, rows: number, withValue: boolean): Float32Array;
  /** A snapshot's actor outputs on `rows` encoded rows: rows x nOut. */
  snapshotForward(snapshot: S, x: Float32Array, rows: number): Float32Array;
  /** The critic's V of `rows` encoded rows, into `out`. */
  values(x: Float32Array, rows: number, out: Float32Array): void;
  /** The log std of a Gaussian policy, null for a categorical one. */
  logStd(): ArrayLike<number> | null;
  /** Readies the update for minibatches of up to `rows` rows. */
  prepare(rows: number): Promise<void>;
  /**
   * One Adam step on the PPO loss (plus `kickstart` times the cross-entropy
   * to the rows' teacher actions when given) over the first `size` rows of
   * `batch`; its statistics go to `stats`.
   */
  step(batch: MinibatchRows, size: number, clipRange: number, kickstart: number, stats: MinibatchStats): void;
  /** Writes the actor and the critic as `actor` and `critic` (nets.ts's files). */
  saveNets(dir: string): Promise<void>;
}

/**
 * The initial weights, flat in the order actor, critic, log std: orthogonal
 * (gain sqrt 2 in the hidden layers, 0.01 on the policy head, 1 on the value
 * head; biases 0) as CleanRL's PPO, the actor drawn from `rng` first, and the
 * log std at `logStdInit` (Box actions).
 */
export function initialWeights(shape: SharedPpoShape, activation: Activation, logStdInit: number, rng: Rng): Float32Array {
  const init = { activation, init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
  const actor = mlpInit(shape.actorSizes, rng, { ...init, outputGain: 0.01 });
  const critic = mlpInit(shape.criticSizes, rng, { ...init, outputGain: 1 });
  const logStd = shape.discrete ? [] : [new Float32Array(shape.actorSizes[shape.actorSizes.length - 1]!).fill(logStdInit)];
  return concatFloat32([...actor, ...critic, ...logStd]);
}

/**
 * Builds the nets on `backend` ('onnx' or a GPU name: ONNX Runtime, the MLPs
 * on the CPU; else tfjs on the backend initBackend picks) from initial
 * weights, or from the `actor` and `critic` nets saved in `from.dir` and the
 * log std saved with them.
 */
export async function createSharedPpo(hp: SharedPpoSettings, backend: string | undefined, shape: SharedPpoShape, from: Float32Array | { dir: string; logStd: readonly number[] | null }): Promise<SharedPpoNets<unknown>> {
  const nOut = shape.actorSizes[shape.actorSizes.length - 1]!;
  let params: Float32Array;
  if (from instanceof Float32Array) {
    params = from;
  } else {
    const logStd = from.logStd;
    if (shape.discrete !== (logStd === null) || (logStd !== null && (!Array.isArray(logStd) || logStd.length !== nOut || !logStd.every(Number.isFinite)))) {
      throw new Error(`shared-ppo: ${from.dir}/learner.json's logStd is ${JSON.stringify(logStd)}, this learner's ${shape.discrete ? 'categorical policy has none' : `Gaussian policy needs ${nOut} finite numbers`}`);
    }
    const actor = await readLearnerNet(from.dir, 'actor', shape.actorSizes, 'shared-ppo');
    const critic = await readLearnerNet(from.dir, 'critic', shape.criticSizes, 'shared-ppo');
    params = concatFloat32([actor, critic, Float32Array.from(logStd ?? [])]);
  }
  const na = mlpWeightCount(shape.actorSizes);
  const nc = mlpWeightCount(shape.criticSizes);
  if (params.length !== na + nc + (shape.discrete ? 0 : nOut)) throw new RangeError(`createSharedPpo: ${params.length} weights given, the nets have ${na + nc + (shape.discrete ? 0 : nOut)}`);
  if (usesOnnx(backend)) {
    const spec: ActorCriticNetSpec = { actorSizes: shape.actorSizes, criticSizes: shape.criticSizes, activation: hp.activation, discrete: shape.discrete, snapshots: true, ...(shape.discrete ? { masked: true } : {}) };
    const loss: ActorCriticLoss = { kind: 'ppo', vfCoef: hp.vfCoef, entCoef: hp.entCoef, clipRangeVf: 0, ...(hp.kickstartCoef > 0 ? { imitation: true } : {}) };
    return new OnnxSharedPpo(shape, hp.activation, await OnnxActorCritic.create(spec, loss, { kind: 'adam', epsilon: 1e-5, maxGradNorm: hp.maxGradNorm }, params, hp.learningRate));
  }
  await initBackend(backend ?? 'auto');
  const actor = mlpFromData(shape.actorSizes, hp.activation, params.subarray(0, na));
  const critic = mlpFromData(shape.criticSizes, hp.activation, params.subarray(na, na + nc));
  const logStd = shape.discrete ? null : newVariable(tf.tensor1d(params.subarray(na + nc)));
  return new TfjsSharedPpo(hp, actor, critic, logStd);
}

class TfjsSharedPpo extends TfjsPoolNets implements SharedPpoNets<Mlp> {
  readonly onnx = false;
  readonly size: number;

  constructor(
    private readonly hp: SharedPpoSettings,
    private readonly actor: Mlp,
    private readonly critic: Mlp,
    private readonly logStdVar: tf.Variable | null,
  ) {
    const variables = [...actor.variables, ...critic.variables, ...(logStdVar ? [logStdVar] : [])];
    super(actor, new Optimizer(variables, hp.learningRate, { maxGradNorm: hp.maxGradNorm, epsilon: 1e-5 }), 'shared-ppo');
    this.size = variables.reduce((a, v) => a + v.size, 0);
  }

  forward(x: Float32Array, rows: number, withValue: boolean): Float32Array {
    return this.run(this.actor, x, rows, withValue);
  }

  snapshotForward(snapshot: Mlp, x: Float32Array, rows: number): Float32Array {
    return this.run(snapshot, x, rows, false);
  }

  /** `actor`'s outputs, with the critic's value after them when asked, in one read-back. */
  private run(actor: Mlp, x: Float32Array, rows: number, withValue: boolean): Float32Array {
    const d = actor.sizes[0]!;
    const out = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(0, rows * d), [rows, d]);
      return withValue ? tf.concat([actor.apply(input), this.critic.apply(input)], 1) : actor.apply(input);
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  values(x: Float32Array, rows: number, out: Float32Array): void {
    const d = this.critic.sizes[0]!;
    const v = tf.tidy(() => this.critic.apply(tf.tensor2d(x.subarray(0, rows * d), [rows, d])));
    out.set(v.dataSync());
    v.dispose();
  }

  logStd(): ArrayLike<number> | null {
    return this.logStdVar ? this.logStdVar.dataSync() : null;
  }

  async prepare(): Promise<void> {}

  step(batch: MinibatchRows, m: number, clip: number, kickstart: number, stats: MinibatchStats): void {
    const hp = this.hp;
    const d = this.actor.sizes[0]!;
    const nOut = this.actor.sizes[this.actor.sizes.length - 1]!;
    const discrete = this.logStdVar === null;
    const actionDim = discrete ? 1 : nOut;
    const actions = (a: Float32Array) => (discrete ? tf.tensor1d(Int32Array.from(a.subarray(0, m)), 'int32') : tf.tensor2d(a.subarray(0, m * actionDim), [m, actionDim]));
    const t = {
      x: tf.tensor2d(batch.obs.subarray(0, m * d), [m, d]),
      masks: discrete ? tf.tensor2d(batch.masks!.subarray(0, m * nOut), [m, nOut]) : null,
      actions: actions(batch.actions),
      teacher: batch.teacher ? actions(batch.teacher) : null,
      oldLogp: tf.tensor1d(batch.logProbs.subarray(0, m)),
      adv: tf.tensor1d(batch.advantages.subarray(0, m)),
      ret: tf.tensor1d(batch.returns.subarray(0, m)),
    };
    this.optimizer.step(() => {
      const head = applyForGradients(this.actor, t.x);
      const value = tf.reshape(applyForGradients(this.critic, t.x), [-1]) as tf.Tensor1D;
      let logp: tf.Tensor1D;
      let entropy: tf.Scalar;
      // Cross-entropy to the teacher's actions (kickstarting), 0 when off.
      let imitation: tf.Scalar = tf.scalar(0);
      if (discrete) {
        const logits = maskLogits(head, t.masks!);
        logp = categoricalLogProb(logits, t.actions as tf.Tensor1D);
        entropy = tf.mean(categoricalEntropy(logits)) as tf.Scalar;
        if (t.teacher) imitation = tf.neg(tf.mean(categoricalLogProb(logits, t.teacher as tf.Tensor1D))) as tf.Scalar;
      } else {
        logp = gaussianLogProb(head, this.logStdVar as tf.Tensor1D, t.actions as tf.Tensor2D);
        entropy = gaussianEntropy(this.logStdVar as tf.Tensor1D);
        if (t.teacher) imitation = tf.neg(tf.mean(gaussianLogProb(head, this.logStdVar as tf.Tensor1D, t.teacher as tf.Tensor2D))) as tf.Scalar;
      }
      const terms = ppoTerms({ logp, oldLogp: t.oldLogp, advantages: t.adv, value, returns: t.ret }, clip);
      stats.tensors.push(tf.keep(tf.stack([terms.policyLoss, terms.valueLoss, entropy, terms.approxKl, terms.clipFraction, imitation]) as tf.Tensor1D));
      const loss = ppoLoss(terms, entropy, hp.vfCoef, hp.entCoef);
      return (t.teacher ? tf.add(loss, tf.mul(kickstart, imitation)) : loss) as tf.Scalar;
    });
    tf.dispose([t.x, t.actions, t.oldLogp, t.adv, t.ret, ...(t.masks ? [t.masks] : []), ...(t.teacher ? [t.teacher] : [])]);
  }

  async saveNets(dir: string): Promise<void> {
    await saveMlp(this.actor, dir, 'actor');
    await saveMlp(this.critic, dir, 'critic');
  }

  dispose(): void {
    this.optimizer.dispose();
    this.actor.dispose();
    this.critic.dispose();
    this.logStdVar?.dispose();
  }
}

class OnnxSharedPpo extends OnnxPoolNets implements SharedPpoNets<Float32Array> {
  readonly onnx = true;

  constructor(
    private readonly shape: SharedPpoShape,
    private readonly activation: Activation,
    private readonly model: OnnxActorCritic,
  ) {
    super(shape.actorSizes, activation, 'shared-ppo');
  }

  get size(): number {
    return this.model.layout.size;
  }

  get learningRate(): number {
    return this.model.learningRate;
  }

  set learningRate(lr: number) {
    this.model.learningRate = lr;
  }

  /** Always with the value: the acting graph computes both. */
  forward(x: Float32Array, rows: number): Float32Array {
    return this.model.forward(x, rows);
  }

  snapshotForward(snapshot: Float32Array, x: Float32Array, rows: number): Float32Array {
    return this.model.policy(x, rows, snapshot);
  }

  values(x: Float32Array, rows: number, out: Float32Array): void {
    this.model.values(x, rows, out);
  }

  logStd(): ArrayLike<number> | null {
    return this.model.logStd();
  }

  prepare(rows: number): Promise<void> {
    return this.model.prepare(rows);
  }

  step(batch: MinibatchRows, size: number, clipRange: number, kickstart: number, stats: MinibatchStats): void {
    // With kickstarting over (weight 0), the graph's teacher column reads the rows' own actions.
    stats.rows.push(this.model.step({ ...batch, teacher: batch.teacher ?? batch.actions }, size, clipRange, kickstart).stats);
  }

  snapshot(): Float32Array {
    return this.model.params.slice(0, this.model.policySize);
  }

  optimizerState(): { t: number; data: Float32Array } {
    return this.model.getOptimizerState();
  }

  setOptimizerState(state: { t: number; data: Float32Array }): void {
    this.model.setOptimizerState(state);
  }

  async saveNets(dir: string): Promise<void> {
    const p = this.model.params;
    const na = mlpWeightCount(this.shape.actorSizes);
    await saveMlpData({ sizes: this.shape.actorSizes, activation: this.activation, data: p.subarray(0, na) }, dir, 'actor');
    await saveMlpData({ sizes: this.shape.criticSizes, activation: this.activation, data: p.subarray(na, na + mlpWeightCount(this.shape.criticSizes)) }, dir, 'critic');
  }

  dispose(): void {
    this.model.dispose();
  }
}
