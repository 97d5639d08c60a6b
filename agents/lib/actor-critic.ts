// The actor-critic policy PPO and A2C train: a policy MLP (logits, or
// Gaussian means with a state-independent log std) and a value MLP, or one
// conv trunk under two linear heads for image observations (agents/lib/cnn.ts);
// observation encoding and normalization, acting with one forward pass and
// one read-back per batch, action sampling from the seeded Rng, saving,
// loading and warm starts. On backend 'onnx' an OnnxActorCritic
// (compute/actor-critic-model.ts) attached with useOnnx runs the forward
// passes and the updates on a flat copy of the same weights; the tfjs
// variables then hold them for saving and warm starts, synced both ways there.
import type { Rng } from '../../core/rng.js';
import { RunningMeanStd } from '../../core/running-stats.js';
import type { RunningMeanStdState } from '../../core/running-stats.js';
import type { BoxSpace, DiscreteSpace } from '../../core/spaces.js';
import { describeSpace } from '../../core/spaces.js';
import type { Action, AgentContext, AgentManifest, Diagnostics } from '../agent.js';
import { tf } from './backend.js';
import { bool, num } from './hparams.js';
import type { Cnn } from './cnn.js';
import { cnn, loadCnn, loadCnnWeightsInto, NATURE_CNN, saveCnn, wantsCnn } from './cnn.js';
import { categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, softmaxRow } from './distributions.js';
import { pickCategorical, pickGaussian } from './sampling.js';
import type { Mlp } from './nets.js';
import { applyForGradients, getWeights, loadMlp, loadWeightsInto, mlp, saveMlp, setWeights } from './nets.js';
import type { ActorCriticNetSpec, OnnxActorCritic } from './compute/actor-critic-model.js';

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
  /** The ONNX Runtime model that acts and trains in place of the tfjs nets (backend 'onnx'), or null. */
  private onnxModel: OnnxActorCritic | null = null;

  private constructor(
    /** The conv trunk under both heads (cnn policy), or null: the heads then read the encoded observation. */
    readonly trunk: Cnn | null,
    readonly actor: Mlp,
    readonly critic: Mlp,
    readonly logStd: tf.Variable | null,
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

  static create(algorithm: string, context: AgentContext, opts: PolicyOptions, rng: Rng): ActorCritic {
    ActorCritic.checkSpaces(algorithm, context);
    const o = context.observationSpace as BoxSpace | DiscreteSpace;
    const a = context.actionSpace as BoxSpace | DiscreteSpace;
    const out = a.type === 'discrete' ? a.n : a.low.length;
    const init = { activation: opts.activation, init: opts.orthoInit === false ? 'pytorch' : 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    const trunk = usesCnn(algorithm, context, opts)
      ? cnn(o.type === 'box' ? o.shape : [], rng, {
          filters: opts.cnnFilters ?? NATURE_CNN.filters,
          kernels: opts.cnnKernels ?? NATURE_CNN.kernels,
          strides: opts.cnnStrides ?? NATURE_CNN.strides,
          dense: opts.cnnDense ?? NATURE_CNN.dense,
        })
      : null;
    // On a trunk, the heads are single linear layers on its features (CleanRL's ppo_atari).
    const input = trunk ? trunk.outputSize : o.type === 'box' ? o.low.length : o.n;
    const hidden = trunk ? [] : opts.hidden;
    const actor = mlp([input, ...hidden, out], rng, { ...init, outputGain: 0.01 });
    const critic = mlp([input, ...hidden, 1], rng, { ...init, outputGain: 1 });
    const logStd = a.type === 'box' ? newVariable(tf.fill([out], opts.logStdInit)) : null;
    const obsRms = opts.normalizeObs && o.type === 'box' ? new RunningMeanStd(input) : null;
    return new ActorCritic(trunk, actor, critic, logStd, obsRms, context, opts.clipObs);
  }

  static async load(algorithm: string, context: AgentContext, opts: PolicyOptions, dir: string, state: PolicyState): Promise<ActorCritic> {
    ActorCritic.checkSpaces(algorithm, context);
    const withCnn = usesCnn(algorithm, context, opts);
    if (withCnn !== (state.cnn ?? false)) {
      throw new Error(`${algorithm}: the saved agent in ${dir} has ${state.cnn ? 'a cnn' : 'an mlp'} policy, these hyperparameters ask for ${withCnn ? 'a cnn' : 'an mlp'}`);
    }
    const trunk = withCnn ? await loadCnn(dir, 'cnn') : null;
    const actor = await loadMlp(dir, 'actor');
    const critic = await loadMlp(dir, 'critic');
    const logStd = state.logStd ? newVariable(tf.tensor1d(state.logStd)) : null;
    const obsRms = state.obsRms ? RunningMeanStd.fromState(state.obsRms) : null;
    if (opts.normalizeObs && context.observationSpace.type === 'box' && !obsRms) throw new Error(`${algorithm}: normalizeObs is on but the saved agent has no observation statistics`);
    return new ActorCritic(trunk, actor, critic, logStd, obsRms, context, opts.clipObs);
  }

  /** Writes the nets into `dir`; returns the JSON part (log std, observation statistics). */
  async save(dir: string): Promise<PolicyState> {
    this.pullFromOnnx();
    if (this.trunk) await saveCnn(this.trunk, dir, 'cnn');
    await saveMlp(this.actor, dir, 'actor');
    await saveMlp(this.critic, dir, 'critic');
    return { logStd: this.logStd ? Array.from(this.logStd.dataSync()) : null, obsRms: this.obsRms?.getState() ?? null, ...(this.trunk ? { cnn: true } : {}) };
  }

  /**
   * Transfer: takes the actor, critic, log std and observation statistics of
   * the PPO or A2C agent saved in `dir` (same layer sizes and spaces).
   */
  async warmStart(dir: string, from: AgentManifest, who: string): Promise<void> {
    if (from.algorithm !== 'ppo' && from.algorithm !== 'a2c') throw new Error(`${who}: ${dir} holds a ${JSON.stringify(from.algorithm)} agent; an actor-critic warm starts from ppo or a2c`);
    const savedCnn = (from.state as { policy?: PolicyState }).policy?.cnn ?? false;
    if (savedCnn !== (this.trunk !== null)) throw new Error(`${who}: ${dir} holds ${savedCnn ? 'a cnn' : 'an mlp'} policy, this agent has ${this.trunk ? 'a cnn' : 'an mlp'} policy`);
    if (this.trunk) await loadCnnWeightsInto(this.trunk, dir, 'cnn', who);
    await loadWeightsInto(this.actor, dir, 'actor', who);
    await loadWeightsInto(this.critic, dir, 'critic', who);
    const saved = (from.state as { policy?: PolicyState }).policy;
    if (this.logStd && saved?.logStd) {
      if (saved.logStd.length !== this.logStd.size) throw new Error(`${who}: ${dir} has ${saved.logStd.length} action log stds, this agent ${this.logStd.size}`);
      this.logStd.assign(tf.tensor1d(saved.logStd));
      this.readStd();
    }
    // Weights learned on normalized observations need the statistics they were normalized with.
    if (this.obsRms && saved?.obsRms) this.obsRms.setState(saved.obsRms);
    this.onnxModel?.setParams(this.flatParams());
    this.readStd();
  }

  /** The nets as compute/actor-critic-model.ts describes them. */
  netSpec(): ActorCriticNetSpec {
    const t = this.trunk;
    return {
      actorSizes: this.actor.sizes,
      criticSizes: this.critic.sizes,
      activation: this.actor.activation,
      discrete: this.discrete,
      ...(t ? { trunk: { inputShape: [...t.inputShape], options: { filters: t.filters, kernels: t.kernels, strides: t.strides, dense: t.dense }, shapes: t.variables.map((v) => v.shape) } } : {}),
    };
  }

  /** All trainable values as one flat vector in `variables` order (the ONNX model's parameter layout). */
  flatParams(): Float32Array {
    return getWeights(this).data;
  }

  /** Hands acting and training to `model`, which starts from these weights. */
  useOnnx(model: OnnxActorCritic): void {
    model.setParams(this.flatParams());
    this.onnxModel = model;
    this.readStd();
  }

  get onnx(): OnnxActorCritic | null {
    return this.onnxModel;
  }

  /** Copies the ONNX model's weights into the tfjs variables (before they are saved). */
  private pullFromOnnx(): void {
    if (this.onnxModel) setWeights(this, this.onnxModel.params);
  }

  /** Every trainable variable: conv trunk, actor, critic, log std. */
  get variables(): tf.Variable[] {
    return [...(this.trunk?.variables ?? []), ...this.actor.variables, ...this.critic.variables, ...(this.logStd ? [this.logStd] : [])];
  }

  /** Reads the log std back (call after each update, before acting). */
  readStd(): void {
    if (!this.logStd) return;
    const v = this.onnxModel?.logStd() ?? this.logStd.dataSync();
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
    const out = tf.tidy(() => {
      const raw = tf.tensor2d(x.subarray(0, rows * this.inputDim), [rows, this.inputDim]);
      const input = this.trunk ? this.trunk.apply(raw) : raw;
      return tf.concat([this.actor.apply(input), this.critic.apply(input)], 1);
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** V of `rows` encoded inputs into `out`. */
  values(x: Float32Array, rows: number, out: Float32Array): void {
    if (this.onnxModel) return this.onnxModel.values(x, rows, out);
    const v = tf.tidy(() => {
      const raw = tf.tensor2d(x.subarray(0, rows * this.inputDim), [rows, this.inputDim]);
      return this.critic.apply(this.trunk ? this.trunk.apply(raw) : raw);
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

  /** Log-probabilities of `actions`, the mean entropy and V, for a loss (call inside a tidy or an optimizer step). */
  evaluate(raw: tf.Tensor2D, actions: tf.Tensor): { logp: tf.Tensor1D; entropy: tf.Scalar; value: tf.Tensor1D } {
    const x = this.trunk ? this.trunk.applyForGradients(raw) : raw;
    const head = applyForGradients(this.actor, x);
    const value = tf.reshape(applyForGradients(this.critic, x), [-1]) as tf.Tensor1D;
    if (this.logStd) {
      const logStd = this.logStd as tf.Tensor1D;
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
    this.trunk?.dispose();
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
  }
}

