// The actor-critic nets of PPO and A2C on ONNX Runtime (two MLPs, or two
// linear heads on cnn.ts's conv trunk, layers.ts's cnnForward): a forward graph for
// acting at any batch size (policy head and value in one run; optionally one
// for the policy head under given weights, for frozen snapshots) and one graph
// per update for the loss -- PPO's clipped objective or A2C's -- with the
// generated backward pass, global grad-norm clipping and Adam or RMSprop
// (trainer.ts). The parameters are one flat vector in the order of
// ActorCritic.variables (conv trunk, [actor W0, b0, ...], [critic W0, b0, ...], log std):
// on backend 'onnx' they are the only copy of the nets, and actor-critic.ts
// saves slices of them as the tfjs variables' files. The
// update graph has a fixed row capacity: a smaller minibatch is padded with
// rows of weight 0 (padded-batch.ts), so one graph serves every size.
import type { CnnOptions } from '../cnn.js';
import type { Activation } from '../nets.js';
import { ILLEGAL } from '../masks.js';
import { mlpShapes } from '../nets.js';
import { Graph } from './graph.js';
import type { Sym } from './graph.js';
import { cnnForward, mlpForward } from './layers.js';
import { PaddedBatch } from './padded-batch.js';
import type { Column } from './padded-batch.js';
import { categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, ppoGraphTerms, weightedMean } from './policy-ops.js';
import type { RmsPropOptions } from './rmsprop.js';
import type { GpuProvider } from './providers.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';
import { ParamLayout, Trainer } from './trainer.js';

export interface ActorCriticNetSpec {
  /** Layer sizes of the policy MLP (its output: logits or Gaussian means) and of the value MLP (output 1). */
  actorSizes: readonly number[];
  criticSizes: readonly number[];
  activation: Activation;
  /** Categorical over logits (true) or a Gaussian with a state-independent log std (false, the last parameter). */
  discrete: boolean;
  /** The conv trunk under both heads (the cnn policy): its image [H, W, C], layers and weight shapes; the heads then read its features. */
  trunk?: { inputShape: [number, number, number]; options: CnnOptions; shapes: number[][] };
  /** Discrete only: each row comes with an action mask (a `masks` column of 0/1), illegal logits set to ILLEGAL in the loss (shared-PPO). */
  masked?: boolean;
  /** A GPU execution provider for the sessions (backend 'cuda' or 'webgpu'), else the CPU. */
  provider?: GpuProvider;
  /** Also a graph for the policy head alone under weights given per call (shared-PPO's pool snapshots: `policy`). */
  snapshots?: boolean;
}

/** The loss of one update: PPO's clipped objective, or A2C's policy gradient; both with vfCoef value loss and entCoef entropy bonus. */
export type ActorCriticLoss =
  | {
      kind: 'ppo';
      vfCoef: number;
      entCoef: number;
      clipRangeVf: number;
      /** Kickstarting (shared-PPO): adds kick * -mean(log pi(teacher action)), `kick` fed per step; its mean is a sixth statistic. */
      imitation?: boolean;
    }
  | { kind: 'a2c'; vfCoef: number; entCoef: number };

export type ActorCriticOptimizer = { kind: 'adam'; epsilon: number; maxGradNorm: number } | ({ kind: 'rmsprop' } & RmsPropOptions);

/** A minibatch's rows as contiguous arrays (agents/lib/rollout.ts's Minibatch), the first `size` rows in use. */
export interface MinibatchRows {
  readonly obs: Float32Array;
  /** Action indices (discrete) or samples, actionDim per row. */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Action masks, nOut per row (a masked spec only). */
  readonly masks?: Float32Array;
  /** The teacher's actions, stored as `actions` (a loss with imitation only). */
  readonly teacher?: Float32Array;
}

/** Names of the statistics each loss returns per update, in order. */
export const STAT_NAMES = { ppo: ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction'], a2c: ['policyLoss', 'valueLoss', 'entropy'] } as const;

export class OnnxActorCritic {
  /** The parameters in ActorCritic.variables' order; acting reads them, each update writes them. */
  readonly params: Float32Array;
  readonly layout: ParamLayout;
  readonly inputDim: number;
  readonly nOut: number;
  /** How many of the parameters the policy head reads (the trunk's and the actor's: a prefix of params). */
  readonly policySize: number;
  private readonly policyLayout: ParamLayout;
  private readonly paramFeeds: Record<string, Tensor>;
  private trainer: Trainer | null = null;
  private capacity = 0;
  private rows: PaddedBatch | null = null;
  private readonly clip = new Float32Array(1);
  private readonly clipFeed = { clip: new Tensor('float32', this.clip, []) };
  private readonly kick = new Float32Array(1);
  private readonly kickFeed = { kick: new Tensor('float32', this.kick, []) };
  private optimizerState: { t: number; data: Float32Array };
  private lr: number;
  private disposed = false;

  private constructor(
    readonly spec: ActorCriticNetSpec,
    readonly loss: ActorCriticLoss,
    readonly optimizer: ActorCriticOptimizer,
    private readonly actSession: Session,
    private readonly valueSession: Session,
    private readonly policySession: Session | null,
    params: Float32Array,
    learningRate: number,
  ) {
    this.layout = layoutOf(spec);
    this.policyLayout = new ParamLayout(this.layout.shapes.slice(0, policyTensors(spec)));
    this.policySize = this.policyLayout.size;
    if (params.length !== this.layout.size) throw new RangeError(`OnnxActorCritic: ${params.length} parameters given, the nets have ${this.layout.size}`);
    this.params = params.slice();
    this.paramFeeds = this.layout.views(this.params, 'p');
    this.inputDim = inputDimOf(spec);
    this.nOut = spec.actorSizes[spec.actorSizes.length - 1]!;
    this.optimizerState = { t: 0, data: new Float32Array((optimizer.kind === 'adam' ? 2 : 1) * this.layout.size) };
    this.lr = learningRate;
  }

  /** The acting graphs; the update graph is built at the first update (its capacity comes from the minibatch size). */
  static async create(spec: ActorCriticNetSpec, loss: ActorCriticLoss, optimizer: ActorCriticOptimizer, params: Float32Array, learningRate: number): Promise<OnnxActorCritic> {
    const layout = layoutOf(spec);
    const din = inputDimOf(spec);
    const act = new Graph('float32');
    const nets = split(spec, layout.inputs(act, 'p'));
    const h = features(act, spec, nets.trunk, act.input('x', [-1, din]));
    act.output('out', act.concat([mlpForward(act, nets.actor, h, spec.activation), mlpForward(act, nets.critic, h, spec.activation)], 1));
    const value = new Graph('float32');
    const pv = split(spec, layout.inputs(value, 'p'));
    value.output('v', mlpForward(value, pv.critic, features(value, spec, pv.trunk, value.input('x', [-1, din])), spec.activation));
    let policy: Session | null = null;
    if (spec.snapshots) {
      const g = new Graph('float32');
      const p = new ParamLayout(layout.shapes.slice(0, policyTensors(spec))).inputs(g, 'p');
      const nt = spec.trunk?.shapes.length ?? 0;
      g.output('head', mlpForward(g, p.slice(nt), features(g, spec, p.slice(0, nt), g.input('x', [-1, din])), spec.activation));
      policy = await Session.create(toOnnx(g, 'policy'), spec.provider);
    }
    return new OnnxActorCritic(spec, loss, optimizer, await Session.create(toOnnx(act, 'act'), spec.provider), await Session.create(toOnnx(value, 'value'), spec.provider), policy, params, learningRate);
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(lr: number) {
    this.lr = lr;
    if (this.trainer) this.trainer.learningRate = lr;
  }

  /** Policy outputs and value of `rows` encoded inputs: rows x (nOut + 1) numbers, the value last (ActorCritic.forward's layout). */
  forward(x: Float32Array, rows: number): Float32Array {
    const out = new Float32Array(rows * (this.nOut + 1));
    this.actSession.run({ ...this.paramFeeds, x: new Tensor('float32', x.subarray(0, rows * this.inputDim), [rows, this.inputDim]) }, { out: new Tensor('float32', out, [rows, this.nOut + 1]) });
    return out;
  }

  /**
   * The policy head's outputs (logits or Gaussian means), rows x nOut, of
   * `rows` encoded inputs under `policyParams` (policySize values laid out as
   * the start of params: a snapshot of the policy). Needs a spec with `snapshots`.
   */
  policy(x: Float32Array, rows: number, policyParams: Float32Array): Float32Array {
    if (!this.policySession) throw new Error('OnnxActorCritic.policy: the model was built without `snapshots` in its spec');
    const out = new Float32Array(rows * this.nOut);
    this.policySession.run({ ...this.policyLayout.views(policyParams, 'p'), x: new Tensor('float32', x.subarray(0, rows * this.inputDim), [rows, this.inputDim]) }, { head: new Tensor('float32', out, [rows, this.nOut]) });
    return out;
  }

  /** V of `rows` encoded inputs into `out`. */
  values(x: Float32Array, rows: number, out: Float32Array): void {
    this.valueSession.run({ ...this.paramFeeds, x: new Tensor('float32', x.subarray(0, rows * this.inputDim), [rows, this.inputDim]) }, { v: new Tensor('float32', out.subarray(0, rows), [rows, 1]) });
  }

  /** The log std (the last nOut parameters) of a Gaussian policy, null for a categorical one. */
  logStd(): Float32Array | null {
    return this.spec.discrete ? null : this.params.subarray(this.layout.size - this.nOut);
  }

  setParams(data: Float32Array): void {
    if (data.length !== this.layout.size) throw new RangeError(`OnnxActorCritic.setParams: got ${data.length} values, the nets have ${this.layout.size}`);
    this.params.set(data);
    this.trainer?.setParams(data);
  }

  getOptimizerState(): { t: number; data: Float32Array } {
    if (!this.trainer) return { t: this.optimizerState.t, data: this.optimizerState.data.slice() };
    return this.trainer.getState();
  }

  setOptimizerState(state: { t: number; data: Float32Array }): void {
    if (state.data.length !== this.optimizerState.data.length) {
      throw new RangeError(`OnnxActorCritic: optimizer state of ${state.data.length} values, ${this.optimizer.kind} on these nets has ${this.optimizerState.data.length}`);
    }
    if (this.trainer) this.trainer.setState(state);
    else this.optimizerState = { t: state.t, data: state.data.slice() };
  }

  /**
   * One gradient step on the first `size` rows of `batch` (advantages as the
   * loss takes them: normalized already when asked). `clipRange` is PPO's
   * (unused by A2C). Returns the loss, the pre-clip gradient norm and the
   * statistics named by STAT_NAMES[loss.kind], computed before the step.
   */
  step(batch: MinibatchRows, size: number, clipRange = 0, kickstart = 0): { loss: number; gradNorm: number; stats: Float32Array } {
    if (this.disposed) throw new Error('OnnxActorCritic.step: disposed');
    if (size < 1) throw new RangeError(`OnnxActorCritic.step: needs at least one row, got ${size}`);
    const trainer = this.trainer;
    if (!trainer || size > this.capacity) throw new Error(`OnnxActorCritic.step: ${size} rows, the update graph holds ${this.capacity}: await prepare(${size}) first`);
    const rows = this.rows!;
    const extra = (name: 'masks' | 'teacher', needed: boolean): Record<string, Float32Array> => {
      if (!needed) return {};
      if (!batch[name]) throw new Error(`OnnxActorCritic.step: this update graph needs the rows' ${name}`);
      return { [name]: batch[name] };
    };
    const imitation = this.loss.kind === 'ppo' && this.loss.imitation === true;
    rows.fill({ obs: batch.obs, actions: batch.actions, oldLogp: batch.logProbs, oldValues: batch.values, advantages: batch.advantages, returns: batch.returns, ...extra('masks', this.spec.masked === true), ...extra('teacher', imitation) }, size);
    this.clip[0] = clipRange;
    this.kick[0] = kickstart;
    const out = trainer.step(this.loss.kind === 'ppo' ? { ...rows.feeds, ...this.clipFeed, ...(imitation ? this.kickFeed : {}) } : rows.feeds);
    this.params.set(trainer.params);
    return { loss: out.loss, gradNorm: out.gradNorm, stats: (out.outputs.stats!.data as Float32Array).slice() };
  }

  /**
   * Builds the update graph for minibatches of up to `capacity` rows (call
   * before step; a no-op when it is large enough), carrying the parameters
   * and the optimizer state over from a smaller one.
   */
  async prepare(capacity: number): Promise<void> {
    if (this.trainer && capacity <= this.capacity) return;
    const state = this.getOptimizerState();
    this.trainer?.dispose();
    this.trainer = null;
    const { spec, loss, optimizer } = this;
    const columns = columnsOf(spec, loss);
    const trainer = await Trainer.create(
      {
        layout: this.layout,
        build: (g, params) => buildLoss(g, spec, loss, params, PaddedBatch.inputs(g, capacity, columns)),
        ...(optimizer.kind === 'adam' ? { adam: { epsilon: optimizer.epsilon, maxGradNorm: optimizer.maxGradNorm } } : { rmsprop: optimizer }),
        ...(spec.provider ? { provider: spec.provider } : {}),
      },
      this.params,
      this.lr,
    );
    trainer.setState(state);
    this.trainer = trainer;
    this.capacity = capacity;
    this.rows = new PaddedBatch(capacity, columns);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.trainer?.dispose();
    this.actSession.dispose();
    this.valueSession.dispose();
    this.policySession?.dispose();
  }
}

function layoutOf(spec: ActorCriticNetSpec): ParamLayout {
  const out = spec.actorSizes[spec.actorSizes.length - 1]!;
  return new ParamLayout([...(spec.trunk?.shapes ?? []), ...mlpShapes(spec.actorSizes), ...mlpShapes(spec.criticSizes), ...(spec.discrete ? [] : [[out]])]);
}

/** How many of the layout's tensors the policy head reads: the trunk's and the actor's, its first ones. */
function policyTensors(spec: ActorCriticNetSpec): number {
  return (spec.trunk?.shapes.length ?? 0) + 2 * (spec.actorSizes.length - 1);
}

/** Numbers per encoded observation: the image's H W C under a trunk, else the MLPs' input size. */
function inputDimOf(spec: ActorCriticNetSpec): number {
  return spec.trunk ? spec.trunk.inputShape.reduce((a, b) => a * b, 1) : spec.actorSizes[0]!;
}

/** The parameter symbols of each net. */
function split(spec: ActorCriticNetSpec, params: readonly Sym[]): { trunk: Sym[]; actor: Sym[]; critic: Sym[]; logStd: Sym | null } {
  const nt = spec.trunk?.shapes.length ?? 0;
  const na = 2 * (spec.actorSizes.length - 1);
  const nc = 2 * (spec.criticSizes.length - 1);
  return { trunk: params.slice(0, nt), actor: params.slice(nt, nt + na), critic: params.slice(nt + na, nt + na + nc), logStd: spec.discrete ? null : params[nt + na + nc]! };
}

/** What the heads read: the trunk's features of the observations, or the observations themselves. */
function features(g: Graph, spec: ActorCriticNetSpec, trunk: readonly Sym[], x: Sym): Sym {
  return spec.trunk ? cnnForward(g, trunk, x, spec.trunk.inputShape, spec.trunk.options) : x;
}

/** The update graph's inputs per row: what each loss reads. */
function columnsOf(spec: ActorCriticNetSpec, loss: ActorCriticLoss): Column[] {
  const nOut = spec.actorSizes[spec.actorSizes.length - 1]!;
  const columns: Column[] = [
    { name: 'obs', width: inputDimOf(spec) },
    spec.discrete ? { name: 'actions', width: 0, int: true } : { name: 'actions', width: nOut },
    { name: 'advantages', width: 0 },
    { name: 'returns', width: 0 },
  ];
  if (loss.kind === 'ppo') columns.push({ name: 'oldLogp', width: 0 });
  if (loss.kind === 'ppo' && loss.clipRangeVf > 0) columns.push({ name: 'oldValues', width: 0 });
  if (spec.masked) columns.push({ name: 'masks', width: nOut });
  if (loss.kind === 'ppo' && loss.imitation) columns.push(spec.discrete ? { name: 'teacher', width: 0, int: true } : { name: 'teacher', width: nOut });
  return columns;
}

/** The update's loss (as ppo.ts / a2c.ts compute it on tfjs) over the weighted rows of `x` (columnsOf's inputs), and its statistics. */
function buildLoss(g: Graph, spec: ActorCriticNetSpec, loss: ActorCriticLoss, params: Sym[], x: Record<string, Sym> & { w: Sym }): { loss: Sym; outputs: Record<string, Sym> } {
  const nets = split(spec, params);
  const { obs, actions, advantages, returns, w } = x as Record<string, Sym>;
  const capacity = obs.shape[0]!;
  const h = features(g, spec, nets.trunk, obs);
  const raw = mlpForward(g, nets.actor, h, spec.activation);
  // Masked logits: + (mask - 1) * -ILLEGAL leaves legal ones as they are and puts illegal ones at about ILLEGAL,
  // where softmax gives them exactly 0, as tfjs's maskLogits does.
  const head = spec.masked ? g.add(raw, g.mul(g.sub(x.masks!, 1), -ILLEGAL)) : raw;
  const value = g.reshape(mlpForward(g, nets.critic, h, spec.activation), [capacity]);
  const logProb = (a: Sym) => (nets.logStd ? gaussianLogProb(g, head, nets.logStd, a) : categoricalLogProb(g, head, a));
  const logp = logProb(actions);
  const entropy = nets.logStd ? gaussianEntropy(g, nets.logStd) : weightedMean(g, categoricalEntropy(g, head), w);
  const one = (s: Sym) => g.reshape(s, [1]);
  if (loss.kind === 'ppo') {
    const t = ppoGraphTerms(g, { logp, oldLogp: x.oldLogp!, advantages, value, oldValues: x.oldValues ?? value, returns, w }, g.input('clip', []), loss.clipRangeVf);
    let total = g.add(t.policyLoss, g.sub(g.mul(t.valueLoss, loss.vfCoef), g.mul(entropy, loss.entCoef)));
    const stats = [t.policyLoss, t.valueLoss, entropy, t.approxKl, t.clipFraction];
    if (loss.imitation) {
      const imitation = g.neg(weightedMean(g, logProb(x.teacher!), w));
      total = g.add(total, g.mul(imitation, g.input('kick', [])));
      stats.push(imitation);
    }
    return { loss: total, outputs: { stats: g.concat(stats.map(one), 0) } };
  }
  // A2C: -mean(A log pi) + vfCoef mean((V - R)^2) - entCoef H.
  const policyLoss = g.neg(weightedMean(g, g.mul(advantages, logp), w));
  const valueLoss = weightedMean(g, g.square(g.sub(value, returns)), w);
  const total = g.add(policyLoss, g.sub(g.mul(valueLoss, loss.vfCoef), g.mul(entropy, loss.entCoef)));
  return { loss: total, outputs: { stats: g.concat([policyLoss, valueLoss, entropy].map(one), 0) } };
}
