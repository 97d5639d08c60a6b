// The actor-critic policy PPO and A2C train: a policy MLP (logits, or
// Gaussian means with a state-independent log std) and a value MLP, or one
// conv trunk under two linear heads for image observations (agents/lib/cnn.ts);
// observation encoding and normalization, acting with one forward pass and
// one read-back per batch, action sampling from the seeded Rng, saving,
// loading and warm starts. The nets live on one compute path: tfjs
// variables, or, on backend 'onnx', only the flat parameters of an
// OnnxActorCritic (compute/actor-critic-model.ts) that runs the forward passes
// and the updates, so that TensorFlow.js is never loaded. Both start from
// the same weights (PolicyWeights: drawn from the seeded Rng, or read from
// the saved files) and save the same files from them (nets.ts's and cnn.ts's
// formats), so checkpoints move between the paths.
import type { Rng } from '../../core/rng.js';
import { RunningMeanStd } from '../../core/running-stats.js';
import type { RunningMeanStdState } from '../../core/running-stats.js';
import type { BoxSpace, DiscreteSpace } from '../../core/spaces.js';
import { describeSpace } from '../../core/spaces.js';
import type { Action, AgentContext, AgentManifest, Diagnostics } from '../agent.js';
import { tf } from './backend.js';
import { bool, num } from './hparams.js';
import type { Cnn, CnnOptions } from './cnn.js';
import { cnnFromData, cnnInit, cnnWeightCount, cnnWeightShapes, NATURE_CNN, readCnnData, readCnnWeights, saveCnnData, wantsCnn } from './cnn.js';
import { categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, softmaxRow } from './distributions.js';
import { pickCategorical, pickGaussian } from './sampling.js';
import type { Mlp } from './nets.js';
import { applyForGradients, getWeights, mlpFromData, mlpInit, mlpWeightCount, readMlp, readMlpWeights, saveMlpData, setWeights } from './nets.js';
import type { ActorCriticNetSpec, OnnxActorCritic } from './compute/actor-critic-model.js';
import { concatFloat32 } from './compute/trainer.js';

/**
 * The last entries of A2C's and PPO's hyperparameter tables: the Gaussian
 * policy's initial log std, the init, and observation and reward
 * normalization (PolicyOptions' and the rollout's).
 */
export const POLICY_HYPERPARAMETERS = {
  logStdInit: num(0, 'initial log standard deviation of the Gaussian policy (continuous actions)'),
  orthoInit: bool(true, "orthogonal init of the mlp policy's layers (gains sqrt 2, 0.01 policy head, 1 value head); false: PyTorch's nn.Linear default (SB3's ortho_init=False)"),
  normalizeObs: bool(false, 'normalize observations by a running mean and std (saved with the agent)'),
  clipObs: num(10, 'clip of normalized observations', { min: 0, exclusiveMin: true }),
  normalizeReward: bool(false, 'scale rewards by the running std of the discounted return (SB3 VecNormalize)'),
  clipReward: num(10, 'clip of normalized rewards', { min: 0, exclusiveMin: true }),
} as const;

export interface PolicyOptions {
  readonly hidden: readonly number[];
  readonly activation: 'tanh' | 'relu';
  readonly logStdInit: number;
  /** Orthogonal init (gains sqrt 2, 0.01 for the policy head, 1 for the value head), else PyTorch's nn.Linear default (absent: orthogonal). */
  readonly orthoInit?: boolean;
  readonly normalizeObs: boolean;
  readonly clipObs: number;
  /** Network kind (absent: 'mlp', as A2C, which has no cnn option). */
  readonly policy?: 'auto' | 'mlp' | 'cnn';
  readonly cnnFilters?: readonly number[];
  readonly cnnKernels?: readonly number[];
  readonly cnnStrides?: readonly number[];
  readonly cnnDense?: number;
}

export interface PolicyState {
  logStd: number[] | null;
  obsRms: RunningMeanStdState | null;
  /** Whether the nets sit on a conv trunk saved as cnn.json (absent in agents saved before the cnn policy: false). */
  cnn?: boolean;
}

/** Whether `opts` ask for the conv trunk on this observation space (cnn.ts's wantsCnn). */
function usesCnn(algorithm: string, context: AgentContext, opts: PolicyOptions): boolean {
  const use = wantsCnn(algorithm, context.observationSpace, opts.policy ?? 'mlp');
  // The trunk scales pixels by 1/255; per-pixel running statistics would be a second, conflicting scaling.
  if (use && opts.normalizeObs) throw new TypeError(`${algorithm}: normalizeObs is for vector observations; the cnn policy scales pixels by 1/255 itself`);
  return use;
}

/** A variable holding `init`'s values; `init` itself is disposed (tf.variable keeps it alive otherwise). */
export function newVariable(init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

/** The tfjs nets of a policy on a TensorFlow.js backend. */
interface TfjsNets {
  /** The conv trunk under both heads (cnn policy), or null: the heads then read the encoded observation. */
  readonly trunk: Cnn | null;
  readonly actor: Mlp;
  readonly critic: Mlp;
  readonly logStd: tf.Variable | null;
}

/**
 * A policy's nets as plain data: what they are (the ONNX model's spec) and
 * their weights flat in the order trunk, actor, critic, log std (the tfjs
 * variables' order and the ONNX model's parameter layout), with the
 * observation statistics; what a new or a loaded policy is built from.
 */
export interface PolicyWeights {
  readonly spec: ActorCriticNetSpec;
  readonly params: Float32Array;
  readonly obsRms: RunningMeanStd | null;
}

/** Where each part of a policy's flat weights starts and ends: [trunk, actor, critic, log std] as [start, end) pairs. */
function weightRanges(spec: ActorCriticNetSpec): [number, number][] {
  const t = spec.trunk ? cnnWeightCount(spec.trunk.inputShape, spec.trunk.options) : 0;
  const a = t + mlpWeightCount(spec.actorSizes);
  const c = a + mlpWeightCount(spec.criticSizes);
  const out = spec.actorSizes[spec.actorSizes.length - 1]!;
  return [
    [0, t],
    [t, a],
    [a, c],
    [c, c + (spec.discrete ? 0 : out)],
  ];
}

/** The trunk entry of a net spec for images of `inputShape` and `options`. */
function trunkSpec(inputShape: readonly number[], options: CnnOptions): NonNullable<ActorCriticNetSpec['trunk']> {
  const o = { filters: [...options.filters], kernels: [...options.kernels], strides: [...options.strides], dense: options.dense };
  return { inputShape: [...inputShape] as [number, number, number], options: o, shapes: cnnWeightShapes(inputShape, o) };
}

/**
 * A policy MLP (logits, or Gaussian means with a state-independent log std)
 * and a value MLP over the same input: a one-hot of a Discrete observation, or
 * a Box observation, normalized when asked. Acting runs both nets in one
 * forward pass with one read-back per batch, and samples in JS from the seeded Rng.
 */
export class ActorCritic {
  /** Network input size (n for a one-hot Discrete observation). */
  readonly inputDim: number;
  /** Numbers per raw observation (1 for Discrete). */
  readonly obsDim: number;
  readonly discrete: boolean;
  /** Policy outputs per observation: logits or Gaussian means. */
  readonly nOut: number;
  /** Numbers stored per action (1 for Discrete). */
  readonly actionDim: number;
  private readonly obsSpace: BoxSpace | DiscreteSpace;
  private readonly actSpace: BoxSpace | DiscreteSpace;
  private readonly scratch: Float64Array;
  private readonly one: Float32Array;
  /** The log std, refreshed by `readStd` (once per rollout: it changes only in updates). */
  private readonly logStdCache: Float64Array;

  private constructor(
    /** What the nets are (layer sizes, activation, trunk). */
    readonly spec: ActorCriticNetSpec,
    /** The nets as tfjs variables, or null on backend 'onnx'. */
    private readonly nets: TfjsNets | null,
    /** The ONNX Runtime model holding the nets in its flat parameters (backend 'onnx'), or null. */
    private readonly onnxModel: OnnxActorCritic | null,
    readonly obsRms: RunningMeanStd | null,
    context: AgentContext,
    private readonly clipObs: number,
  ) {
    this.obsSpace = context.observationSpace as BoxSpace | DiscreteSpace;
    this.actSpace = context.actionSpace as BoxSpace | DiscreteSpace;
    this.obsDim = this.obsSpace.type === 'box' ? this.obsSpace.low.length : 1;
    this.inputDim = this.obsSpace.type === 'box' ? this.obsDim : this.obsSpace.n;
    this.discrete = this.actSpace.type === 'discrete';
    this.nOut = this.actSpace.type === 'discrete' ? this.actSpace.n : this.actSpace.low.length;
    this.actionDim = this.discrete ? 1 : this.nOut;
    this.scratch = new Float64Array(this.nOut);
    this.one = new Float32Array(this.inputDim);
    this.logStdCache = new Float64Array(this.actionDim);
    this.readStd();
  }

  /** Checks that the spaces suit an actor-critic (Box or Discrete observations; Discrete or float Box actions). */
  static checkSpaces(algorithm: string, context: AgentContext): void {
    const o = context.observationSpace;
    const a = context.actionSpace;
    if (o.type !== 'box' && o.type !== 'discrete') {
      throw new TypeError(`${algorithm}: needs a Box or Discrete observation space, got ${describeSpace(o)} (wrap the env with flattenObservation)`);
    }
    if (!((a.type === 'box' && a.dtype === 'float32') || a.type === 'discrete')) {
      throw new TypeError(`${algorithm}: needs a Discrete or float32 Box action space, got ${describeSpace(a)}`);
    }
  }

  /**
   * The initial weights for `opts` on the context's spaces, drawn from `rng`
   * (trunk, then actor, then critic): orthogonal (gains sqrt 2, 0.01 on the
   * policy head, 1 on the value head) or PyTorch's default; log std at logStdInit.
   */
  static initialWeights(algorithm: string, context: AgentContext, opts: PolicyOptions, rng: Rng): PolicyWeights {
    ActorCritic.checkSpaces(algorithm, context);
    const o = context.observationSpace as BoxSpace | DiscreteSpace;
    const a = context.actionSpace as BoxSpace | DiscreteSpace;
    const out = a.type === 'discrete' ? a.n : a.low.length;
    const init = { activation: opts.activation, init: opts.orthoInit === false ? 'pytorch' : 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    const trunkOptions: CnnOptions = {
      filters: opts.cnnFilters ?? NATURE_CNN.filters,
      kernels: opts.cnnKernels ?? NATURE_CNN.kernels,
      strides: opts.cnnStrides ?? NATURE_CNN.strides,
      dense: opts.cnnDense ?? NATURE_CNN.dense,
    };
    const trunk = usesCnn(algorithm, context, opts) ? trunkSpec((o as BoxSpace).shape, trunkOptions) : undefined;
    const trunkWeights = trunk ? [cnnInit(trunk.inputShape, rng, trunk.options)] : [];
    // On a trunk, the heads are single linear layers on its features (CleanRL's ppo_atari).
    const input = trunk ? trunk.options.dense : o.type === 'box' ? o.low.length : o.n;
    const hidden = trunk ? [] : opts.hidden;
    const actorSizes = [input, ...hidden, out];
    const criticSizes = [input, ...hidden, 1];
    const actor = mlpInit(actorSizes, rng, { ...init, outputGain: 0.01 });
    const critic = mlpInit(criticSizes, rng, { ...init, outputGain: 1 });
    const logStd = a.type === 'box' ? [new Float32Array(out).fill(opts.logStdInit)] : [];
    const spec: ActorCriticNetSpec = { actorSizes, criticSizes, activation: opts.activation, discrete: a.type === 'discrete', ...(trunk ? { trunk } : {}) };
    const obsRms = opts.normalizeObs && o.type === 'box' ? new RunningMeanStd(input) : null;
    return { spec, params: concatFloat32([...trunkWeights, ...actor, ...critic, ...logStd]), obsRms };
  }

  /** The weights of the policy saved in `dir` (its nets' files and `state`), checked against `opts` and the context's spaces. */
  static async savedWeights(algorithm: string, context: AgentContext, opts: PolicyOptions, dir: string, state: PolicyState): Promise<PolicyWeights> {
    ActorCritic.checkSpaces(algorithm, context);
    const withCnn = usesCnn(algorithm, context, opts);
    if (withCnn !== (state.cnn ?? false)) {
      throw new Error(`${algorithm}: the saved agent in ${dir} has ${state.cnn ? 'a cnn' : 'an mlp'} policy, these hyperparameters ask for ${withCnn ? 'a cnn' : 'an mlp'}`);
    }
    // The nets are what their files say (as loadMlp and loadCnn read them), checked against one another.
    const saved = withCnn ? await readCnnData(dir, 'cnn', 'loadCnn') : null;
    const image = (context.observationSpace as BoxSpace).shape;
    if (saved && saved.inputShape.join() !== image.join()) {
      throw new Error(`${algorithm}: ${dir}/cnn.json is a trunk for images [${saved.inputShape.join(', ')}], the observations are [${image.join(', ')}]`);
    }
    const trunk = saved ? trunkSpec(saved.inputShape, saved.options) : undefined;
    const actor = await readMlp(dir, 'actor');
    const critic = await readMlp(dir, 'critic');
    const discrete = context.actionSpace.type === 'discrete';
    const nOut = actor.sizes[actor.sizes.length - 1]!;
    if (state.logStd && (!Array.isArray(state.logStd) || state.logStd.length !== nOut || !state.logStd.every(Number.isFinite) || discrete)) {
      throw new Error(`${algorithm}: ${dir}/agent.json's policy.logStd is ${JSON.stringify(state.logStd)}, the saved actor has ${nOut} outputs${discrete ? ' and a categorical policy has none' : ', each needs a finite log std'}`);
    }
    if (!discrete && !state.logStd) throw new Error(`${algorithm}: ${dir}/agent.json has no policy.logStd, which a Gaussian policy needs`);
    const spec: ActorCriticNetSpec = { actorSizes: actor.sizes, criticSizes: critic.sizes, activation: actor.activation, discrete, ...(trunk ? { trunk } : {}) };
    const obsRms = state.obsRms ? RunningMeanStd.fromState(state.obsRms) : null;
    if (opts.normalizeObs && context.observationSpace.type === 'box' && !obsRms) throw new Error(`${algorithm}: normalizeObs is on but the saved agent has no observation statistics`);
    const params = concatFloat32([...(saved ? [saved.data] : []), actor.data, critic.data, Float32Array.from(state.logStd ?? [])]);
    return { spec, params, obsRms };
  }

  /** A new policy on tfjs, its weights drawn from `rng`. */
  static create(algorithm: string, context: AgentContext, opts: PolicyOptions, rng: Rng): ActorCritic {
    return ActorCritic.build(ActorCritic.initialWeights(algorithm, context, opts, rng), context, opts, null);
  }

  /**
   * The policy of `weights`: held by `model` (an ONNX Runtime model made from
   * them: backend 'onnx', no tfjs), or, when it is null, as tfjs variables.
   */
  static build(weights: PolicyWeights, context: AgentContext, opts: PolicyOptions, model: OnnxActorCritic | null): ActorCritic {
    const { spec, params } = weights;
    if (model) return new ActorCritic(spec, null, model, weights.obsRms, context, opts.clipObs);
    const [t, a, c, l] = weightRanges(spec).map(([from, to]) => params.subarray(from, to));
    const nets: TfjsNets = {
      trunk: spec.trunk ? cnnFromData(spec.trunk.inputShape, spec.trunk.options, t!) : null,
      actor: mlpFromData(spec.actorSizes, spec.activation, a!),
      critic: mlpFromData(spec.criticSizes, spec.activation, c!),
      logStd: spec.discrete ? null : newVariable(tf.tensor1d(l!)),
    };
    return new ActorCritic(spec, nets, null, weights.obsRms, context, opts.clipObs);
  }

  /** Writes the nets into `dir` (the files the tfjs nets' saveCnn and saveMlp write); returns the JSON part (log std, observation statistics). */
  async save(dir: string): Promise<PolicyState> {
    const spec = this.spec;
    const params = this.flatParams();
    const [t, a, c, l] = weightRanges(spec).map(([from, to]) => params.subarray(from, to));
    if (spec.trunk) await saveCnnData(spec.trunk.inputShape, spec.trunk.options, t!, dir, 'cnn');
    await saveMlpData({ sizes: spec.actorSizes, activation: spec.activation, data: a! }, dir, 'actor');
    await saveMlpData({ sizes: spec.criticSizes, activation: spec.activation, data: c! }, dir, 'critic');
    return { logStd: spec.discrete ? null : Array.from(l!), obsRms: this.obsRms?.getState() ?? null, ...(spec.trunk ? { cnn: true } : {}) };
  }

  /**
   * Transfer: takes the actor, critic, log std and observation statistics of
   * the PPO or A2C agent saved in `dir` (same layer sizes and spaces).
   */
  async warmStart(dir: string, from: AgentManifest, who: string): Promise<void> {
    if (from.algorithm !== 'ppo' && from.algorithm !== 'a2c') throw new Error(`${who}: ${dir} holds a ${JSON.stringify(from.algorithm)} agent; an actor-critic warm starts from ppo or a2c`);
    const spec = this.spec;
    const savedCnn = (from.state as { policy?: PolicyState }).policy?.cnn ?? false;
    if (savedCnn !== (spec.trunk !== undefined)) throw new Error(`${who}: ${dir} holds ${savedCnn ? 'a cnn' : 'an mlp'} policy, this agent has ${spec.trunk ? 'a cnn' : 'an mlp'} policy`);
    const params = this.flatParams().slice();
    const [t, a, c, l] = weightRanges(spec);
    if (spec.trunk) params.set(await readCnnWeights(dir, 'cnn', spec.trunk.inputShape, spec.trunk.options, who), t![0]);
    params.set(await readMlpWeights(dir, 'actor', spec.actorSizes, who), a![0]);
    params.set(await readMlpWeights(dir, 'critic', spec.criticSizes, who), c![0]);
    const saved = (from.state as { policy?: PolicyState }).policy;
    if (!spec.discrete && saved?.logStd) {
      const n = l![1] - l![0];
      if (saved.logStd.length !== n) throw new Error(`${who}: ${dir} has ${saved.logStd.length} action log stds, this agent ${n}`);
      params.set(saved.logStd, l![0]);
    }
    // Weights learned on normalized observations need the statistics they were normalized with.
    if (this.obsRms && saved?.obsRms) this.obsRms.setState(saved.obsRms);
    if (this.onnxModel) this.onnxModel.setParams(params);
    else setWeights({ variables: this.variables }, params);
    this.readStd();
  }

  /** All trainable values as one flat vector in the order trunk, actor, critic, log std (the ONNX model's parameter layout). */
  flatParams(): Float32Array {
    return this.onnxModel ? this.onnxModel.params : getWeights({ variables: this.variables }).data;
  }

  /** The ONNX Runtime model that acts and trains (backend 'onnx'), or null on tfjs. */
  get onnx(): OnnxActorCritic | null {
    return this.onnxModel;
  }

  /** The tfjs nets (throws on backend 'onnx', where there are none). */
  private get tfjs(): TfjsNets {
    if (!this.nets) throw new Error("ActorCritic: this policy runs on ONNX Runtime (backend 'onnx'); it has no tfjs variables");
    return this.nets;
  }

  /** Every trainable variable: conv trunk, actor, critic, log std. */
  get variables(): tf.Variable[] {
    const n = this.tfjs;
    return [...(n.trunk?.variables ?? []), ...n.actor.variables, ...n.critic.variables, ...(n.logStd ? [n.logStd] : [])];
  }

  /** Reads the log std back (call after each update, before acting). */
  readStd(): void {
    if (this.discrete) return;
    const v = this.onnxModel?.logStd() ?? this.tfjs.logStd!.dataSync();
    for (let d = 0; d < this.actionDim; d++) {
      this.logStdCache[d] = v[d]!;
    }
  }

  logStdValues(): Float64Array {
    return this.logStdCache;
  }

  /**
   * Encodes `rows` raw observations (rows x obsDim numbers) as network inputs
   * into `out` (rows x inputDim). With `update`, first merges them into the
   * observation statistics (training only).
   */
  encode(raw: ArrayLike<number>, rows: number, out: Float32Array, update: boolean): void {
    const rms = this.obsRms;
    if (this.obsSpace.type === 'discrete') {
      const n = this.obsSpace.n;
      out.fill(0, 0, rows * n);
      for (let r = 0; r < rows; r++) out[r * n + raw[r]! - this.obsSpace.start] = 1;
      return;
    }
    const d = this.obsDim;
    if (!rms) {
      for (let k = 0; k < rows * d; k++) out[k] = raw[k]!;
      return;
    }
    if (update) rms.update(raw, rows);
    const c = this.clipObs;
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < d; k++) {
        const z = (raw[r * d + k]! - rms.mean[k]!) / Math.sqrt(rms.var[k]! + 1e-8);
        out[r * d + k] = z < -c ? -c : z > c ? c : z;
      }
    }
  }

  /** Both nets on `rows` encoded inputs: rows x (nOut + 1) numbers, the value last, in one read-back. */
  forward(x: Float32Array, rows: number): Float32Array {
    if (this.onnxModel) return this.onnxModel.forward(x, rows);
    const n = this.tfjs;
    const out = tf.tidy(() => {
      const raw = tf.tensor2d(x.subarray(0, rows * this.inputDim), [rows, this.inputDim]);
      const input = n.trunk ? n.trunk.apply(raw) : raw;
      return tf.concat([n.actor.apply(input), n.critic.apply(input)], 1);
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** V of `rows` encoded inputs into `out`. */
  values(x: Float32Array, rows: number, out: Float32Array): void {
    if (this.onnxModel) return this.onnxModel.values(x, rows, out);
    const n = this.tfjs;
    const v = tf.tidy(() => {
      const raw = tf.tensor2d(x.subarray(0, rows * this.inputDim), [rows, this.inputDim]);
      return n.critic.apply(n.trunk ? n.trunk.apply(raw) : raw);
    });
    out.set(v.dataSync().subarray(0, rows));
    v.dispose();
  }

  /**
   * Picks the action of row `row` of `forward`'s output: sampled from `rng`, or
   * the mode when deterministic. Writes what the env gets (Discrete: start +
   * index; Box: clipped to the bounds) at envAction[envOffset] and what the
   * learner stores (the index, or the unclipped sample) at stored[storedOffset].
   * Returns log pi(stored action).
   */
  pick(out: Float32Array, row: number, rng: Rng, deterministic: boolean, envAction: Float32Array, envOffset: number, stored: Float32Array, storedOffset: number): number {
    const o = row * (this.nOut + 1);
    if (this.actSpace.type === 'discrete') {
      const a = pickCategorical(out, o, this.nOut, null, rng, deterministic, this.scratch);
      stored[storedOffset] = a;
      envAction[envOffset] = a + this.actSpace.start;
      return Math.log(this.scratch[a]!);
    }
    return pickGaussian(out, o, this.logStdCache, rng, deterministic, this.actSpace.low, this.actSpace.high, stored, storedOffset, envAction, envOffset);
  }

  /** Log-probabilities of `actions`, the mean entropy and V, for a loss on tfjs (call inside a tidy or an optimizer step). */
  evaluate(raw: tf.Tensor2D, actions: tf.Tensor): { logp: tf.Tensor1D; entropy: tf.Scalar; value: tf.Tensor1D } {
    const n = this.tfjs;
    const x = n.trunk ? n.trunk.applyForGradients(raw) : raw;
    const head = applyForGradients(n.actor, x);
    const value = tf.reshape(applyForGradients(n.critic, x), [-1]) as tf.Tensor1D;
    if (n.logStd) {
      const logStd = n.logStd as tf.Tensor1D;
      return { logp: gaussianLogProb(head, logStd, actions as tf.Tensor2D), entropy: gaussianEntropy(logStd), value };
    }
    return { logp: categoricalLogProb(head, actions as tf.Tensor1D), entropy: tf.mean(categoricalEntropy(head)) as tf.Scalar, value };
  }

  /** Encodes one observation (as given to act) into the `one` scratch row. */
  private encodeOne(obs: unknown): Float32Array {
    if (this.obsSpace.type === 'discrete') {
      if (typeof obs !== 'number' || !Number.isInteger(obs)) throw new TypeError(`act: expected an integer observation of ${describeSpace(this.obsSpace)}, got ${String(obs)}`);
      this.encode([obs], 1, this.one, false);
    } else {
      const a = obs as ArrayLike<number> | undefined;
      if (a?.length !== this.obsDim) throw new TypeError(`act: expected an observation of ${this.obsDim} numbers (${describeSpace(this.obsSpace)}), got ${String(obs)}`);
      this.encode(a, 1, this.one, false);
    }
    return this.one;
  }

  act(obs: unknown, deterministic: boolean, rng: Rng): Action {
    const out = this.forward(this.encodeOne(obs), 1);
    const envAction = new Float32Array(this.actionDim);
    this.pick(out, 0, rng, deterministic, envAction, 0, new Float32Array(this.actionDim), 0);
    return this.discrete ? envAction[0]! : envAction;
  }

  diagnostics(obs: unknown): Diagnostics {
    const out = this.forward(this.encodeOne(obs), 1);
    const value = out[this.nOut]!;
    return this.discrete ? { probs: Array.from(softmaxRow(out, 0, this.nOut, this.scratch)), value } : { value };
  }

  dispose(): void {
    this.onnxModel?.dispose();
    this.nets?.trunk?.dispose();
    this.nets?.actor.dispose();
    this.nets?.critic.dispose();
    this.nets?.logStd?.dispose();
  }
}

