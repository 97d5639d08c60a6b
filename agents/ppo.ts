// PPO-clip: Proximal Policy Optimization (Schulman et al. 2017), following
// CleanRL's ppo.py / ppo_continuous_action.py and Stable-Baselines3's PPO
// (whose rl-baselines3-zoo hyperparameters the recipes in agents/recipes use).
//
// Each iteration: collect nSteps steps from every copy of a vector env with the
// current policy; compute GAE(lambda) advantages and value targets
// (agents/lib/advantages.ts: truncated episodes bootstrap from V(final obs),
// terminated ones do not, autoreset rows are skipped); then nEpochs passes of
// shuffled minibatches, each one Adam step (eps 1e-5, global grad-norm clip) on
//   L = -mean(min(r A, clip(r, 1 - c, 1 + c) A)) + vfCoef * mean((V - R)^2) - entCoef * H
// with r = pi(a|s) / pi_old(a|s) and A normalized per minibatch.
//
// Details (the "37 implementation details" of Huang et al. 2022, as CleanRL
// and SB3 do them): separate actor and critic MLPs (tanh, 64-64) with
// orthogonal init, gains sqrt(2) for hidden layers, 0.01 for the policy head
// and 1 for the value head; one combined loss and one optimizer step per
// minibatch; a state-independent log std for continuous actions, whose sampled
// (unclipped) action is stored for the log-probabilities while the env gets it
// clipped to the Box bounds; optional observation normalization (running
// mean/std, clipped, saved with the agent) and reward normalization (scaled by
// the running std of the discounted return, as SB3's VecNormalize); optional
// linear annealing of the learning rate and the clip range to 0 over the learn
// call (SB3's lin_<x>; the value at each rollout's start, as CleanRL's
// anneal_lr); optional value clipping in PPO2's form,
// max((V - R)^2, (V_old + clip(V - V_old, +-c_vf) - R)^2); and an optional
// early stop of the epochs once the approximate KL (CleanRL's (r - 1) - log r)
// of the last minibatch exceeds targetKl. The value loss has no factor 1/2, as
// in SB3 (CleanRL halves it): vfCoef values carry over from SB3 recipes. The loss
// and the target-KL stop are agents/lib/ppo-loss.ts, shared with multi/shared-ppo.ts.
//
// Pixel observations (a uint8 Box image [H, W, C]) get a convolutional trunk
// (agents/lib/cnn.ts, Nature-DQN style, scaling pixels by 1/255 itself)
// shared by the policy and value heads, each one linear layer on its
// features, as CleanRL's ppo_atari.py and SB3's CnnPolicy (whose value loss
// then also trains the shared trunk, weighted by vfCoef). `policy: 'auto'`
// picks it for such spaces and the MLPs otherwise.
//
// The defaults are CleanRL ppo.py's (for its 4 envs: minibatches of 128),
// except value clipping, off as in SB3. agents/recipes/ppo.ts holds tuned
// recipes with what they reached. The actor-critic pieces below the agent
// (policy nets, rollout buffer, collection loop) are shared with A2C.
//
// Steps are counted per env per vector step, autoreset steps included (as
// CleanRL does with Gymnasium 1.x). A rollout is never cut short, so learn()
// stops at the first multiple of nSteps x nEnvs at or past totalSteps (as SB3).
import type { Env } from '../core/env.js';
import { Rng } from '../core/rng.js';
import type { RngState } from '../core/rng.js';
import { RunningMeanStd } from '../core/running-stats.js';
import type { RunningMeanStdState } from '../core/running-stats.js';
import type { BoxSpace, DiscreteSpace, Space } from '../core/spaces.js';
import { describeSpace, spacesEqual } from '../core/spaces.js';
import type { VectorEnv } from '../core/vector.js';
import { SyncVectorEnv } from '../core/vector.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnHooks, LearnOptions, LearnResult } from './agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from './agent.js';
import type { RolloutView } from './lib/advantages.js';
import { computeGae, validRows } from './lib/advantages.js';
import { initBackend, tf } from './lib/backend.js';
import { argmaxRow, categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, softmaxRow } from './lib/distributions.js';
import type { ParamSpec, Resolved } from './lib/hparams.js';
import { bool, choice, int, layerMemory, list, num } from './lib/hparams.js';
import type { Cnn } from './lib/cnn.js';
import { cnn, loadCnn, loadCnnWeightsInto, saveCnn } from './lib/cnn.js';
import type { Mlp } from './lib/nets.js';
import { applyForGradients, loadMlp, loadWeightsInto, mlp, Optimizer, saveMlp } from './lib/nets.js';
import { ppoLoss, ppoTerms, stopsEarly } from './lib/ppo-loss.js';
import { linearSchedule } from './lib/schedules.js';

export const PPO_HYPERPARAMETERS = {
  nSteps: int(128, 'steps per env in each rollout (a rollout holds nSteps x nEnvs transitions)', { min: 1 }),
  batchSize: int(128, 'minibatch size of each gradient step (SB3 batch_size)', { min: 1 }),
  nEpochs: int(4, 'passes over each rollout', { min: 1 }),
  learningRate: num(2.5e-4, 'Adam step size (the start value when annealed)', { min: 0, exclusiveMin: true }),
  lrSchedule: choice('linear', ['constant', 'linear'] as const, "'linear' anneals the learning rate to 0 over the learn call (CleanRL anneal_lr)"),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  gaeLambda: num(0.95, 'GAE lambda (1: Monte Carlo up to the rollout end, 0: one-step TD)', { min: 0, max: 1 }),
  clipRange: num(0.2, 'PPO clip epsilon on the probability ratio', { min: 0, exclusiveMin: true }),
  clipSchedule: choice('constant', ['constant', 'linear'] as const, "'linear' anneals the clip range to 0 over the learn call (SB3 lin_0.2)"),
  clipRangeVf: num(0, 'clip of the value change around the rollout value, PPO2 style (0: no value clipping)', { min: 0 }),
  normalizeAdvantage: bool(true, 'normalize advantages to mean 0, std 1 in each minibatch'),
  entCoef: num(0.01, 'entropy bonus coefficient', { min: 0 }),
  vfCoef: num(0.5, 'value loss coefficient (the loss is mean squared error, without 1/2)', { min: 0 }),
  maxGradNorm: num(0.5, 'clip of the global gradient norm', { min: 0, exclusiveMin: true }),
  targetKl: num(0, 'stop the epochs of an update once the approximate KL exceeds this (0: never)', { min: 0 }),
  hidden: list([64, 64], 'hidden layer sizes of the actor and of the critic (mlp policy)', { memory: layerMemory(2) }),
  activation: choice('tanh', ['tanh', 'relu'] as const, 'hidden-layer activation (mlp policy)'),
  policy: choice('auto', ['auto', 'mlp', 'cnn'] as const, "'cnn': a conv trunk shared by linear policy and value heads, for uint8 image observations [H, W, C]; 'auto': cnn for those, else mlp"),
  cnnFilters: list([32, 64, 64], 'output channels of each convolution (cnn policy; Nature DQN)'),
  cnnKernels: list([8, 4, 3], 'square kernel size of each convolution (cnn policy)'),
  cnnStrides: list([4, 2, 1], 'stride of each convolution (cnn policy)'),
  cnnDense: int(512, 'units of the dense relu layer after the convolutions (cnn policy)', { min: 1 }),
  logStdInit: num(0, 'initial log standard deviation of the Gaussian policy (continuous actions)'),
  normalizeObs: bool(false, 'normalize observations by a running mean and std (saved with the agent)'),
  clipObs: num(10, 'clip of normalized observations', { min: 0, exclusiveMin: true }),
  normalizeReward: bool(false, 'scale rewards by the running std of the discounted return (SB3 VecNormalize)'),
  clipReward: num(10, 'clip of normalized rewards', { min: 0, exclusiveMin: true }),
} as const;

export type PpoHyperparameters = Resolved<typeof PPO_HYPERPARAMETERS>;

// ================================================================ the agent shell PPO and A2C share

/** What an actor-critic agent's optimizer offers: a step on a loss, a settable learning rate, exact state (nets.ts's Adam, A2C's RMSprop). */
export interface StepOptimizer {
  learningRate: number;
  step(loss: () => tf.Scalar): { loss: number; gradNorm: number };
  getState(): { t: number; data: Float32Array };
  setState(state: { t: number; data: Float32Array }): void;
  dispose(): void;
}

/** The state a loaded actor-critic agent starts from (the policy itself is loaded apart). */
export interface SavedActorCritic {
  counters: Counters;
  optimizer: { t: number; data: Float32Array };
  retRms: RunningMeanStdState | null;
}

/**
 * What PPO and A2C have in common around their learn loops: the policy, the
 * optimizer, the step counters and the return normalizer; acting, diagnostics,
 * warm starts, saving (agent.json's state is an ActorCriticState, the
 * optimizer's moments in optimizer.bin).
 */
export abstract class ActorCriticAgent<H extends { readonly normalizeReward: boolean }> implements Agent {
  abstract readonly algorithm: string;
  protected readonly counters: Counters;
  protected readonly retRms: RunningMeanStd | null;

  constructor(
    readonly hyperparameters: H,
    readonly context: AgentContext,
    protected readonly policy: ActorCritic,
    protected readonly rng: Rng,
    protected readonly optimizer: StepOptimizer,
    saved?: SavedActorCritic,
  ) {
    this.counters = saved ? { ...saved.counters } : { steps: 0, episodes: 0, updates: 0 };
    if (saved) optimizer.setState(saved.optimizer);
    this.retRms = hyperparameters.normalizeReward ? (saved?.retRms ? RunningMeanStd.fromState(saved.retRms) : new RunningMeanStd(1)) : null;
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  abstract learn(options: LearnOptions): Promise<LearnResult>;

  act(obs: unknown, options: { deterministic?: boolean } = {}): Action {
    return this.policy.act(obs, options.deterministic ?? false, this.rng);
  }

  diagnostics(obs: unknown): Diagnostics {
    return this.policy.diagnostics(obs);
  }

  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    await this.policy.warmStart(dir, from, `warmStart(${this.algorithm} <- ${from.algorithm})`);
  }

  async save(dir: string): Promise<void> {
    const policy = await this.policy.save(dir);
    const opt = this.optimizer.getState();
    await writeBinary(dir, 'optimizer.bin', opt.data);
    await writeManifest(dir, this, {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      optimizerStep: opt.t,
      retRms: this.retRms?.getState() ?? null,
      policy,
    } satisfies ActorCriticState);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.policy.dispose();
  }
}

/** Registers an actor-critic agent (vector envs, 8 copies by default): `build` makes it from a new or a loaded policy. */
export function registerActorCriticAgent<S extends ParamSpec>(spec: {
  readonly name: string;
  readonly description: string;
  readonly hyperparameters: S;
  readonly build: (hp: Resolved<S>, context: AgentContext, policy: ActorCritic, rng: Rng, saved?: SavedActorCritic) => Agent;
}): void {
  const { name, build } = spec;
  // Both agents' hyperparameters include the policy's options (hidden, activation, normalizeObs, ...).
  const opts = (hp: Resolved<S>) => hp as unknown as PolicyOptions;
  registerAgent({
    name,
    description: spec.description,
    hyperparameters: spec.hyperparameters,
    envKind: 'vector',
    defaultEnvs: 8,
    // PolicyNets.warmStart: an actor-critic takes another's nets.
    warmStartsFrom: ['ppo', 'a2c'],
    async create(hp, context) {
      await initBackend(context.backend ?? 'auto');
      const rng = new Rng(context.seed);
      return build(hp, context, ActorCritic.create(name, context, opts(hp), rng), rng);
    },
    async load(hp, context, manifest, dir) {
      await initBackend(context.backend ?? 'auto');
      const s = loadedState(manifest);
      const policy = await ActorCritic.load(name, context, opts(hp), dir, s.policy);
      return build(hp, context, policy, Rng.fromState(s.rng), {
        counters: s.counters,
        optimizer: { t: s.optimizerStep, data: new Float32Array(await readBinary(dir, 'optimizer.bin')) },
        retRms: s.retRms,
      });
    },
  });
}

class Ppo extends ActorCriticAgent<PpoHyperparameters> {
  readonly algorithm = 'ppo';

  constructor(hyperparameters: PpoHyperparameters, context: AgentContext, policy: ActorCritic, rng: Rng, saved?: SavedActorCritic) {
    const optimizer = new Optimizer(policy.variables, hyperparameters.learningRate, { maxGradNorm: hyperparameters.maxGradNorm, epsilon: 1e-5 });
    super(hyperparameters, context, policy, rng, optimizer, saved);
  }

  async learn({ env, vecEnv, totalSteps, scheduleSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const vec = trainingVectorEnv('ppo', this.context, env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`ppo.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const buf = new RolloutBuffer(hp.nSteps, vec.numEnvs, this.policy);
    const lastValues = new Float32Array(vec.numEnvs);
    if (this.counters.steps < totalSteps) {
      const session = startSession(vec, this.policy, this.rng);
      while (this.counters.steps < totalSteps) {
        // Training progress in [0, 1) at the rollout's start, for the annealed learning rate and clip range (as CleanRL).
        const progress = Math.min(1, this.counters.steps / (scheduleSteps ?? totalSteps));
        // 1. collect a rollout with the current policy
        const stopped = collectRollout(this.policy, buf, session, this.rng, this.counters, hooks, this.retRms, hp);
        if (stopped) break;
        // 2. targets: GAE advantages and returns, bootstrapped from V(obs after the rollout)
        this.policy.values(session.x, vec.numEnvs, lastValues);
        computeGae(buf, lastValues, hp.gamma, hp.gaeLambda, buf.advantages, buf.returns);
        // 3. update
        const metrics = this.update(buf, progress);
        this.counters.updates += 1;
        // 4. log
        hooks.onUpdate?.({ step: this.counters.steps, metrics });
      }
    }
    return { steps: this.counters.steps, episodes: this.counters.episodes, seconds: (performance.now() - start) / 1000 };
  }

  /** nEpochs passes of shuffled minibatches over the rollout's real transitions. */
  private update(buf: RolloutBuffer, progress: number): Record<string, number> {
    const hp = this.hyperparameters;
    const policy = this.policy;
    const lr = hp.lrSchedule === 'linear' ? linearSchedule(hp.learningRate, 0)(progress) : hp.learningRate;
    const clip = hp.clipSchedule === 'linear' ? linearSchedule(hp.clipRange, 0)(progress) : hp.clipRange;
    this.optimizer.learningRate = lr;
    const n = validRows(buf.autoreset, buf.size, buf.rows);
    const mb = new Minibatch(Math.min(hp.batchSize, n), policy);
    const stats: tf.Tensor1D[] = []; // per minibatch: policy loss, value loss, entropy, approx KL, clip fraction
    let loss = 0;
    let gradNorm = 0;
    let epochs = 0;
    for (let epoch = 0; epoch < hp.nEpochs; epoch++) {
      shuffle(buf.rows, n, this.rng);
      for (let from = 0; from < n; from += hp.batchSize) {
        const size = mb.gather(buf, from, Math.min(from + hp.batchSize, n), hp.normalizeAdvantage);
        const t = mb.tensors(size);
        const r = this.optimizer.step(() => {
          const { logp, entropy, value } = policy.evaluate(t.obs, t.actions);
          const terms = ppoTerms(
            { logp, oldLogp: t.logProbs, advantages: t.advantages, value, oldValues: t.values, returns: t.returns },
            clip,
            hp.clipRangeVf,
          );
          // Diagnostics (off the loss's gradient path), kept past the step's tidy.
          stats.push(tf.keep(tf.stack([terms.policyLoss, terms.valueLoss, entropy, terms.approxKl, terms.clipFraction]) as tf.Tensor1D));
          return ppoLoss(terms, entropy, hp.vfCoef, hp.entCoef);
        });
        tf.dispose(Object.values(t));
        loss = r.loss;
        gradNorm = r.gradNorm;
      }
      epochs += 1;
      if (stopsEarly(hp.targetKl, () => stats[stats.length - 1]!.dataSync()[3]!)) break;
    }
    policy.readStd();
    if (stats.length === 0) return { learningRate: lr, clipRange: clip, epochs: 0 }; // a rollout of autoreset rows only
    const mean = tf.tidy(() => tf.mean(tf.stack(stats), 0).dataSync());
    tf.dispose(stats);
    return {
      policyLoss: mean[0]!,
      valueLoss: mean[1]!,
      entropy: mean[2]!,
      approxKl: mean[3]!,
      clipFraction: mean[4]!,
      loss,
      gradNorm,
      explainedVariance: explainedVariance(buf, n),
      learningRate: lr,
      clipRange: clip,
      epochs,
      ...(policy.logStd ? { std: Math.exp(policy.logStdValues()[0]!) } : {}),
    };
  }
}

registerActorCriticAgent({
  name: 'ppo',
  description: 'PPO-clip (Schulman et al. 2017) with GAE, separate actor and critic MLPs (or a shared CNN trunk for image observations); discrete or Box actions; needs a vector env (a single env is wrapped)',
  hyperparameters: PPO_HYPERPARAMETERS,
  build: (hp, context, policy, rng, saved) => new Ppo(hp, context, policy, rng, saved),
});

// ================================================================ actor-critic pieces shared with A2C

/** What an actor-critic agent saves in agent.json's `state` (binary parts sit next to it). */
export interface ActorCriticState {
  counters: Counters;
  rng: RngState;
  optimizerStep: number;
  retRms: RunningMeanStdState | null;
  policy: PolicyState;
}

/** Reads an actor-critic agent's saved state, checking the fields it needs. */
export function loadedState(manifest: AgentManifest): ActorCriticState {
  const s = manifest.state as unknown as ActorCriticState;
  if (!s?.counters || !s.rng || typeof s.optimizerStep !== 'number' || !s.policy) {
    throw new Error(`${manifest.algorithm}: agent.json has no complete state (counters, rng, optimizerStep, policy)`);
  }
  return s;
}

/** The agent's step, episode and update counts. */
export interface Counters {
  steps: number;
  episodes: number;
  updates: number;
}

export interface PolicyOptions {
  readonly hidden: readonly number[];
  readonly activation: 'tanh' | 'relu';
  readonly logStdInit: number;
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

/** A uint8 Box of shape [H, W, C]: what the cnn policy takes. */
function isImageSpace(space: Space): space is BoxSpace {
  return space.type === 'box' && space.dtype === 'uint8' && space.shape.length === 3;
}

/** Whether `opts` ask for the conv trunk on this observation space; 'cnn' on a space that is not an image throws. */
function usesCnn(algorithm: string, context: AgentContext, opts: PolicyOptions): boolean {
  const kind = opts.policy ?? 'mlp';
  const image = isImageSpace(context.observationSpace);
  if (kind === 'cnn' && !image) {
    throw new TypeError(`${algorithm}: policy 'cnn' needs an image observation space, a uint8 Box [H, W, C], got ${describeSpace(context.observationSpace)}`);
  }
  const use = kind === 'cnn' || (kind === 'auto' && image);
  // The trunk scales pixels by 1/255; per-pixel running statistics would be a second, conflicting scaling.
  if (use && opts.normalizeObs) throw new TypeError(`${algorithm}: normalizeObs is for vector observations; the cnn policy scales pixels by 1/255 itself`);
  return use;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

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
  /** exp(logStd), refreshed by `readStd` (once per rollout: it changes only in updates). */
  private readonly std: Float64Array;
  private readonly logStdCache: Float64Array;

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
    this.std = new Float64Array(this.actionDim);
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
    const init = { activation: opts.activation, init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    const trunk = usesCnn(algorithm, context, opts)
      ? cnn(o.type === 'box' ? o.shape : [], rng, {
          filters: opts.cnnFilters ?? [32, 64, 64],
          kernels: opts.cnnKernels ?? [8, 4, 3],
          strides: opts.cnnStrides ?? [4, 2, 1],
          dense: opts.cnnDense ?? 512,
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
  }

  /** Every trainable variable: conv trunk, actor, critic, log std. */
  get variables(): tf.Variable[] {
    return [...(this.trunk?.variables ?? []), ...this.actor.variables, ...this.critic.variables, ...(this.logStd ? [this.logStd] : [])];
  }

  /** Reads the log std back (call after each update, before acting). */
  readStd(): void {
    if (!this.logStd) return;
    const v = this.logStd.dataSync();
    for (let d = 0; d < this.actionDim; d++) {
      this.logStdCache[d] = v[d]!;
      this.std[d] = Math.exp(v[d]!);
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
      const n = this.nOut;
      const probs = softmaxRow(out, o, n, this.scratch);
      const a = deterministic ? argmaxRow(out, o, n) : rng.choice(probs);
      stored[storedOffset] = a;
      envAction[envOffset] = a + this.actSpace.start;
      return Math.log(probs[a]!);
    }
    const { low, high } = this.actSpace;
    let logp = 0;
    for (let d = 0; d < this.actionDim; d++) {
      const z = deterministic ? 0 : rng.normal();
      const a = Math.fround(out[o + d]! + this.std[d]! * z);
      stored[storedOffset + d] = a;
      envAction[envOffset + d] = a < low[d]! ? low[d]! : a > high[d]! ? high[d]! : a;
      logp += -0.5 * z * z - this.logStdCache[d]! - HALF_LOG_2PI;
    }
    return logp;
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
    this.trunk?.dispose();
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
  }
}

/** One rollout's transitions, [nSteps x nEnvs] row-major (see agents/lib/advantages.ts), plus the targets. */
export class RolloutBuffer implements RolloutView {
  readonly size: number;
  /** Encoded observations, size x inputDim. */
  readonly obs: Float32Array;
  /** Stored actions (index, or unclipped sample), size x actionDim. */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly autoreset: Uint8Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Indices of the rows to train on (see validRows), shuffled in place. */
  readonly rows: Int32Array;

  constructor(
    readonly nSteps: number,
    readonly nEnvs: number,
    policy: ActorCritic,
  ) {
    const n = (this.size = nSteps * nEnvs);
    this.obs = new Float32Array(n * policy.inputDim);
    this.actions = new Float32Array(n * policy.actionDim);
    this.logProbs = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.autoreset = new Uint8Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
    this.rows = new Int32Array(n);
  }
}

/** Gathers rows of a RolloutBuffer into contiguous arrays and tensors for one gradient step. */
export class Minibatch {
  private readonly obs: Float32Array;
  private readonly actions: Float32Array;
  private readonly logProbs: Float32Array;
  private readonly values: Float32Array;
  private readonly advantages: Float32Array;
  private readonly returns: Float32Array;

  constructor(
    capacity: number,
    private readonly policy: ActorCritic,
  ) {
    this.obs = new Float32Array(capacity * policy.inputDim);
    this.actions = new Float32Array(capacity * policy.actionDim);
    this.logProbs = new Float32Array(capacity);
    this.values = new Float32Array(capacity);
    this.advantages = new Float32Array(capacity);
    this.returns = new Float32Array(capacity);
  }

  /** Copies rows buf.rows[from..to) and normalizes their advantages (torch's unbiased std, + 1e-8) if asked; returns the count. */
  gather(buf: RolloutBuffer, from: number, to: number, normalize: boolean): number {
    const din = this.policy.inputDim;
    const da = this.policy.actionDim;
    const size = to - from;
    let sum = 0;
    for (let j = 0; j < size; j++) {
      const k = buf.rows[from + j]!;
      this.obs.set(buf.obs.subarray(k * din, (k + 1) * din), j * din);
      for (let d = 0; d < da; d++) this.actions[j * da + d] = buf.actions[k * da + d]!;
      this.logProbs[j] = buf.logProbs[k]!;
      this.values[j] = buf.values[k]!;
      this.advantages[j] = buf.advantages[k]!;
      this.returns[j] = buf.returns[k]!;
      sum += buf.advantages[k]!;
    }
    if (normalize && size > 1) {
      const mean = sum / size;
      let ss = 0;
      for (let j = 0; j < size; j++) ss += (this.advantages[j]! - mean) ** 2;
      const std = Math.sqrt(ss / (size - 1));
      for (let j = 0; j < size; j++) this.advantages[j] = (this.advantages[j]! - mean) / (std + 1e-8);
    }
    return size;
  }

  /** The first `size` gathered rows as tensors (dispose them after the step). */
  tensors(size: number) {
    const p = this.policy;
    return {
      obs: tf.tensor2d(this.obs.subarray(0, size * p.inputDim), [size, p.inputDim]),
      actions: p.discrete ? tf.tensor1d(this.actions.subarray(0, size), 'int32') : tf.tensor2d(this.actions.subarray(0, size * p.actionDim), [size, p.actionDim]),
      logProbs: tf.tensor1d(this.logProbs.subarray(0, size)),
      values: tf.tensor1d(this.values.subarray(0, size)),
      advantages: tf.tensor1d(this.advantages.subarray(0, size)),
      returns: tf.tensor1d(this.returns.subarray(0, size)),
    };
  }
}

/** Fisher-Yates shuffle of the first n entries. */
export function shuffle(a: Int32Array, n: number, rng: Rng): void {
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integers(0, i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** 1 - Var(R - V) / Var(R) over the rollout's real transitions (SB3's explained_variance; NaN when Var(R) = 0). */
export function explainedVariance(buf: RolloutBuffer, n: number): number {
  let mr = 0;
  let md = 0;
  for (let j = 0; j < n; j++) {
    const k = buf.rows[j]!;
    mr += buf.returns[k]!;
    md += buf.returns[k]! - buf.values[k]!;
  }
  mr /= n;
  md /= n;
  let vr = 0;
  let vd = 0;
  for (let j = 0; j < n; j++) {
    const k = buf.rows[j]!;
    vr += (buf.returns[k]! - mr) ** 2;
    vd += (buf.returns[k]! - buf.values[k]! - md) ** 2;
  }
  return vr === 0 ? Number.NaN : 1 - vd / vr;
}

/**
 * The vector env to train on: `vecEnv` (next-step autoreset), or a one-env
 * SyncVectorEnv around `env`. Its spaces must be the agent's.
 */
export function trainingVectorEnv(algorithm: string, context: AgentContext, env: Env | undefined, vecEnv: VectorEnv | undefined): VectorEnv {
  if (env && vecEnv) throw new TypeError(`${algorithm}.learn: pass env or vecEnv, not both`);
  const vec = vecEnv ?? (env ? new SyncVectorEnv([env], 'next-step') : undefined);
  if (!vec) throw new TypeError(`${algorithm}.learn: needs an env or a vecEnv`);
  if (vec.autoresetMode !== 'next-step') {
    throw new TypeError(`${algorithm}.learn: needs a vector env with autoresetMode 'next-step' (the advantage scheme reads V(final obs) from the row after an episode end), got '${vec.autoresetMode}'`);
  }
  if (!spacesEqual(vec.singleObservationSpace, context.observationSpace) || !spacesEqual(vec.singleActionSpace, context.actionSpace)) {
    throw new TypeError(
      `${algorithm}.learn: the env's spaces (${describeSpace(vec.singleObservationSpace)}, ${describeSpace(vec.singleActionSpace)}) differ from the agent's (${describeSpace(context.observationSpace)}, ${describeSpace(context.actionSpace)})`,
    );
  }
  return vec;
}

/** A learn call's env state: the vector env, its current encoded observations, the running discounted returns. */
export interface Session {
  readonly vec: VectorEnv;
  /** Encoded current observations, numEnvs x inputDim. */
  readonly x: Float32Array;
  /** The actions sent to the env, numEnvs x actionDim. */
  readonly envActions: Float32Array;
  /** Discounted return of each env's episode so far (reward normalization). */
  readonly discounted: Float64Array;
  readonly scratch: Float64Array;
}

/** Resets the vector env with a seed drawn from the agent's generator (each learn call starts fresh episodes). */
export function startSession(vec: VectorEnv, policy: ActorCritic, rng: Rng): Session {
  const n = vec.numEnvs;
  const { obs } = vec.reset({ seed: rng.nextSeed() });
  const x = new Float32Array(n * policy.inputDim);
  policy.encode(obs, n, x, true);
  return { vec, x, envActions: new Float32Array(n * vec.actionDim), discounted: new Float64Array(n), scratch: new Float64Array(n) };
}

/**
 * Fills `buf` with nSteps vector steps of the current policy: one forward pass
 * and one read-back per vector step. Rewards are normalized when `retRms` is
 * given. Returns true when `hooks.shouldStop` asked to stop (the rollout is
 * then incomplete and must not be trained on).
 */
export function collectRollout(
  policy: ActorCritic,
  buf: RolloutBuffer,
  session: Session,
  rng: Rng,
  counters: Counters,
  hooks: LearnHooks,
  retRms: RunningMeanStd | null,
  hp: { readonly gamma: number; readonly clipReward: number },
): boolean {
  const { vec, x, envActions, discounted, scratch } = session;
  const n = vec.numEnvs;
  const da = policy.actionDim;
  policy.readStd();
  for (let t = 0; t < buf.nSteps; t++) {
    const base = t * n;
    buf.obs.set(x, base * policy.inputDim);
    const out = policy.forward(x, n);
    for (let i = 0; i < n; i++) {
      buf.logProbs[base + i] = policy.pick(out, i, rng, false, envActions, i * da, buf.actions, (base + i) * da);
      buf.values[base + i] = out[i * (policy.nOut + 1) + policy.nOut]!;
    }
    const r = vec.step(envActions);
    counters.steps += n;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const k = base + i;
      buf.rewards[k] = r.rewards[i]!;
      buf.terminated[k] = r.terminations[i]!;
      buf.truncated[k] = r.truncations[i]!;
      buf.autoreset[k] = r.autoreset[i]!;
      if (retRms && !r.autoreset[i]) scratch[m++] = discounted[i] = discounted[i]! * hp.gamma + r.rewards[i]!;
    }
    if (retRms && m > 0) {
      retRms.update(scratch.subarray(0, m), m);
      const scale = 1 / Math.sqrt(retRms.var[0]! + 1e-8);
      for (let i = 0; i < n; i++) {
        const z = buf.rewards[base + i]! * scale;
        buf.rewards[base + i] = z < -hp.clipReward ? -hp.clipReward : z > hp.clipReward ? hp.clipReward : z;
      }
    }
    for (let i = 0; i < n; i++) {
      if (!r.terminations[i] && !r.truncations[i]) continue;
      discounted[i] = 0;
      counters.episodes += 1;
      hooks.onEpisodeEnd?.({
        step: counters.steps,
        episode: counters.episodes,
        return: r.episodeReturns[i]!,
        length: r.episodeLengths[i]!,
        truncated: !r.terminations[i],
      });
    }
    policy.encode(r.obs, n, x, true);
    if (hooks.shouldStop?.({ step: counters.steps })) return true;
  }
  return false;
}
