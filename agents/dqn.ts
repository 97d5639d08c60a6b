// DQN: deep Q-learning with experience replay and a target network (Mnih et
// al. 2015, "Human-level control through deep reinforcement learning"), as
// Stable-Baselines3's DQN and CleanRL's dqn.py do it, whose rl-baselines3-zoo
// hyperparameters the recipes in agents/recipes/dqn.ts use. Options: the
// double-DQN target (van Hasselt et al. 2016) and dueling heads (Wang et al.
// 2016). Discrete actions; Box observations, or Discrete ones as one-hot inputs.
// Image observations (uint8 Box [H, W, C], e.g. CarRacing's pixels with
// discrete actions) go through the convolutional trunk PPO's cnn policy uses
// (lib/cnn.ts, Nature-DQN style) with the Q-network's layers on its features,
// as SB3's DQN CnnPolicy, on either compute path.
//
// The loop, per vector step (a single env is a vector env of one):
//   collect  epsilon-greedy actions (uniformly random before learningStarts),
//            one forward pass and one read-back for all envs; store the
//            transitions (s' of a truncated episode is its real last observation)
//   target   each time the step count passes a multiple of targetUpdateInterval:
//            target <- tau * online + (1 - tau) * target
//   update   each time it passes a multiple of trainFreq, once past learningStarts:
//            gradientSteps Adam steps on minibatches drawn from the replay buffer,
//            loss Huber(Q(s, a) - y) with y = r + gamma * (1 - terminated) * Q_target(s', a*),
//            a* = argmax Q_target(s', .) (or argmax Q_online(s', .) for double DQN):
//            truncated transitions bootstrap, terminated ones do not
//            (n-step: r is the discounted sum of up to n rewards and gamma is
//            gamma^m for a transition of m steps, lib/n-step.ts; prioritized:
//            the minibatch is drawn by priority, lib/prioritized.ts, each row's
//            loss is scaled by its importance-sampling weight, and the rows'
//            |Q(s, a) - y| become their new priorities)
//   log      onEpisodeEnd for each finished episode, onUpdate after each training round
//
// Epsilon falls linearly from explorationInitialEps to explorationFinalEps over
// the first explorationFraction of the training budget (SB3, CleanRL),
// and the learning rate optionally to 0 over all of it: both are functions of
// the step count and totalSteps alone, so a loaded agent resumes exactly.
// The nets start as PyTorch's nn.Linear does (SB3, CleanRL): with the
// orthogonal init our PPO uses, zoo-style CartPole runs ended at greedy means
// of 102 and 170 where the PyTorch init gave 500 and 500 (same seeds).
// Steps count every env of every vector step (autoreset steps of a next-step
// vector env included, as CleanRL and our PPO count them); a single env is
// stepped with same-step autoreset, so there every step is a transition.
// Prioritized replay's beta rises linearly from priorityBeta0 to 1 over the
// whole budget (Schaul et al. 2016), a function of the step count too.
// The networks and their update run on tfjs (TfjsQModel below) or, with
// backend 'onnx', on ONNX Runtime with each gradient step one graph
// (lib/compute/q-model.ts); both draw the same initial weights and write the
// same checkpoint files.
import type { Env } from '../core/env.js';
import { Rng } from '../core/rng.js';
import type { RngState } from '../core/rng.js';
import type { BoxSpace, DiscreteSpace, Space } from '../core/spaces.js';
import { describeSpace, spacesEqual } from '../core/spaces.js';
import type { VectorEnv } from '../core/vector.js';
import { SyncVectorEnv } from '../core/vector.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from './agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from './agent.js';
import { gpuProvider, initBackend, tf, usesOnnx } from './lib/backend.js';
import { OnnxQModel, readQNet } from './lib/compute/q-model.js';
import type { QBatch, QModelSpec, QPart, QTrunk } from './lib/compute/q-model.js';
import type { Cnn } from './lib/cnn.js';
import { cnnFromData, cnnInit, cnnOptionsOf, cnnPolicyHyperparameters, loadCnn, loadCnnWeightsInto, saveCnn, wantsCnn } from './lib/cnn.js';
import { argmaxRow } from './lib/distributions.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, HyperparameterError, int, layerMemory, list, num, replayMemory } from './lib/hparams.js';
import type { Activation, Mlp } from './lib/nets.js';
import { copyWeights, loadMlp, mlpFromData, mlpInit, mlpShapes, Optimizer, saveMlp, setWeights } from './lib/nets.js';
import type { ReplayBatch } from './lib/replay.js';
import { ReplayBuffer } from './lib/replay.js';
import { NStepCollector } from './lib/n-step.js';
import { PrioritizedSampler } from './lib/prioritized.js';
import { linearSchedule } from './lib/schedules.js';

// Defaults are Stable-Baselines3's, except bufferSize (SB3: 1e6; ours is
// allocated up front).
export const DQN_HYPERPARAMETERS = {
  learningRate: num(1e-4, 'Adam step size (the start value when annealed)', { min: 0, exclusiveMin: true }),
  lrSchedule: choice('constant', ['constant', 'linear'] as const, "'linear' anneals the learning rate to 0 over the learn call (SB3 lin_<lr>)"),
  bufferSize: int(100_000, 'replay buffer capacity in transitions (allocated up front)', { min: 1, memory: replayMemory }),
  learningStarts: int(100, 'env steps of uniformly random actions before the first update', { min: 0 }),
  batchSize: int(32, 'transitions per minibatch', { min: 1 }),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  tau: num(1, 'target update coefficient: 1 copies the online net, < 1 is Polyak averaging', { min: 0, max: 1, exclusiveMin: true }),
  targetUpdateInterval: int(10_000, 'env steps between target network updates', { min: 1 }),
  trainFreq: int(4, 'env steps between training rounds', { min: 1 }),
  gradientSteps: int(1, 'gradient steps per training round (-1: as many as env steps in the round)', { min: -1 }),
  explorationFraction: num(0.1, 'fraction of the training budget (scheduleSteps, else totalSteps) over which epsilon falls', { min: 0, max: 1, exclusiveMin: true }),
  explorationInitialEps: num(1, 'epsilon at the start', { min: 0, max: 1 }),
  explorationFinalEps: num(0.05, 'epsilon after the fall', { min: 0, max: 1 }),
  maxGradNorm: num(10, 'clip of the global gradient norm (0: no clipping)', { min: 0 }),
  loss: choice('huber', ['huber', 'mse'] as const, "'huber' (smooth L1, SB3 and the Nature paper) or 'mse' (CleanRL)"),
  hidden: list([64, 64], 'hidden layer sizes of the Q-network (of the shared trunk when dueling)', { memory: layerMemory(2) }),
  activation: choice('relu', ['relu', 'tanh'] as const, 'hidden-layer activation'),
  init: choice('pytorch', ['pytorch', 'orthogonal'] as const, "weights: 'pytorch' (nn.Linear's default, uniform in +-1/sqrt(fan in), as SB3 and CleanRL) or 'orthogonal' (gain sqrt 2)"),
  doubleQ: bool(false, 'double DQN: the online net picks the next action, the target net values it'),
  dueling: bool(false, 'dueling heads: Q = V + A - mean(A) on a shared trunk'),
  ...cnnPolicyHyperparameters("a conv trunk under the Q-network's hidden layers", 'the hidden layers'),
  saveReplayBuffer: bool(true, 'save the replay buffer with the agent (needed for an exact resume)'),
  nStep: int(1, 'n-step returns: each transition sums up to n discounted rewards and bootstraps with gamma^n (1: plain DQN)', { min: 1, max: 1000 }),
  prioritizedReplay: bool(false, 'proportional prioritized replay (Schaul et al. 2016): draw transitions by |TD error|, correct with importance-sampling weights'),
  priorityAlpha: num(0.6, 'prioritized replay: priorities are (|TD error| + priorityEpsilon)^alpha (0: uniform)', { min: 0, max: 1 }),
  priorityBeta0: num(0.4, 'prioritized replay: importance-sampling exponent at the start, raised linearly to 1 over the training budget', { min: 0, max: 1 }),
  priorityEpsilon: num(1e-6, 'prioritized replay: added to |TD error| so that no transition has priority 0', { min: 0, exclusiveMin: true }),
} as const;

export type DqnHyperparameters = Resolved<typeof DQN_HYPERPARAMETERS>;

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

interface Counters {
  steps: number;
  episodes: number;
  /** Gradient steps taken. */
  updates: number;
}

/** What agent.json's `state` holds. */
interface DqnState {
  counters: Counters;
  rng: RngState;
  optimizerStep: number;
  epsilon: number;
  replayFile: string | null;
  /** Prioritized replay's priorities (absent in agents saved before it existed). */
  priorityFile?: string | null;
  /** Whether the nets sit on conv trunks saved as online-cnn and target-cnn (absent in agents saved before: false). */
  cnn?: boolean;
}

/** DQN's networks and their update on one compute path: TfjsQModel (below) or OnnxQModel (lib/compute/q-model.ts). */
interface QModel {
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

class Dqn implements Agent {
  readonly algorithm = 'dqn';
  private readonly counters: Counters;
  private readonly nActions: number;
  private readonly actionStart: number;
  /** Observations: raw numbers per observation (1 for Discrete) and network inputs (n for a one-hot Discrete). */
  private readonly obsDim: number;
  private readonly inputDim: number;
  /** Epsilon of the last collected step, used by act() when not deterministic. */
  private epsilon: number;
  private readonly one: Float32Array;
  /** Prioritized replay's importance-sampling exponent at the last collected step. */
  private beta: number;
  /** gamma^m at [m] for m = 0..nStep, in float32 as the update reads them, and a minibatch's discounts and weights. */
  private readonly discountOf: Float32Array;
  private readonly discounts: Float32Array;
  private readonly weights: Float32Array | undefined;

  constructor(
    readonly hyperparameters: DqnHyperparameters,
    readonly context: AgentContext,
    private readonly model: QModel,
    private readonly replay: ReplayBuffer,
    private readonly rng: Rng,
    /** Prioritized replay's priorities over the replay buffer's slots, or null for uniform replay. */
    private readonly sampler: PrioritizedSampler | null,
    saved?: { counters: Counters; epsilon: number },
  ) {
    const hp = hyperparameters;
    const actions = context.actionSpace as DiscreteSpace;
    this.nActions = actions.n;
    this.actionStart = actions.start;
    this.obsDim = obsDimOf(context.observationSpace);
    this.inputDim = inputDimOf(context.observationSpace);
    this.one = new Float32Array(this.obsDim);
    this.counters = saved ? { ...saved.counters } : { steps: 0, episodes: 0, updates: 0 };
    this.epsilon = saved?.epsilon ?? hp.explorationInitialEps;
    this.beta = hp.priorityBeta0;
    this.discountOf = Float32Array.from({ length: hp.nStep + 1 }, (_, m) => hp.gamma ** m);
    this.discounts = new Float32Array(hp.batchSize);
    this.weights = sampler ? new Float32Array(hp.batchSize) : undefined;
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  async learn({ env, vecEnv, totalSteps, scheduleSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const vec = this.trainingEnv(env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`dqn.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const c = this.counters;
    if (c.steps < totalSteps) {
      const n = vec.numEnvs;
      const obs = new Float32Array(n * this.obsDim);
      obs.set(vec.reset({ seed: this.rng.nextSeed() }).obs);
      const actions = new Float32Array(n); // action indices, as stored
      const envActions = this.actionStart === 0 ? actions : new Float32Array(n);
      const batch = this.replay.batch(hp.batchSize);
      const epsilonAt = linearSchedule(hp.explorationInitialEps, hp.explorationFinalEps, hp.explorationFraction);
      const betaAt = linearSchedule(hp.priorityBeta0, 1);
      const sampler = this.sampler;
      const collector = new NStepCollector(this.replay, n, hp.nStep, hp.gamma, sampler ? (slot) => sampler.added(slot) : undefined);
      const gradientSteps = hp.gradientSteps === -1 ? hp.trainFreq : hp.gradientSteps;
      while (c.steps < totalSteps) {
        // 1. collect
        const progress = Math.min(1, c.steps / (scheduleSteps ?? totalSteps));
        this.epsilon = epsilonAt(progress);
        this.beta = betaAt(progress);
        if (hp.lrSchedule === 'linear') this.model.learningRate = hp.learningRate * (1 - progress);
        this.chooseActions(obs, n, c.steps < hp.learningStarts ? 1 : this.epsilon, actions);
        if (envActions !== actions) for (let i = 0; i < n; i++) envActions[i] = actions[i]! + this.actionStart;
        const r = vec.step(envActions);
        collector.addVector(obs, actions, r);
        obs.set(r.obs);
        const before = c.steps;
        c.steps += n;
        for (let i = 0; i < n; i++) {
          if (!r.terminations[i] && !r.truncations[i]) continue;
          c.episodes += 1;
          const truncated = !r.terminations[i];
          hooks.onEpisodeEnd?.({ step: c.steps, episode: c.episodes, return: r.episodeReturns[i]!, length: r.episodeLengths[i]!, truncated });
        }
        // 2. target network (before the update, as SB3 orders them)
        if (passes(before, c.steps, hp.targetUpdateInterval) > 0) this.model.syncTarget(hp.tau);
        // 3. update, 4. log
        if (c.steps > hp.learningStarts) {
          for (let round = passes(before, c.steps, hp.trainFreq); round > 0; round--) {
            const metrics = this.train(batch, gradientSteps, hooks.onUpdate !== undefined);
            hooks.onUpdate?.({ step: c.steps, metrics });
          }
        }
        if (hooks.shouldStop?.({ step: c.steps })) break;
      }
      // The episodes in progress are abandoned (the next learn call resets the envs): n-step windows end here.
      collector.flush(obs);
    }
    return { steps: c.steps, episodes: c.episodes, seconds: (performance.now() - start) / 1000 };
  }

  /** `gradientSteps` Adam steps on fresh minibatches; returns the round's mean loss and gradient norm, and the mean Q(s, a) of its last batch. */
  private train(batch: ReplayBatch, gradientSteps: number, wantStats: boolean): Record<string, number> {
    let loss = 0;
    let gradNorm = 0;
    let meanQ: number | undefined;
    for (let g = 0; g < gradientSteps; g++) {
      if (this.sampler) {
        this.sampler.sample(this.rng, this.beta, batch.indices, this.weights!);
        this.replay.gather(batch);
      } else {
        this.replay.sample(this.rng, batch);
      }
      for (let j = 0; j < batch.size; j++) this.discounts[j] = batch.terminated[j] ? 0 : this.discountOf[batch.horizons[j]!]!;
      const r = this.model.update(
        { obs: this.encode(batch.obs, batch.size), nextObs: this.encode(batch.nextObs, batch.size), actions: batch.actions, rewards: batch.rewards, discounts: this.discounts, weights: this.weights },
        wantStats && g + 1 === gradientSteps,
      );
      if (this.sampler) this.sampler.update(batch.indices, r.tdErrors!);
      loss += r.loss;
      gradNorm += r.gradNorm;
      meanQ = r.meanQ;
      this.counters.updates += 1;
    }
    const metrics: Record<string, number> = { loss: loss / gradientSteps, gradNorm: gradNorm / gradientSteps, epsilon: this.epsilon, updates: this.counters.updates };
    if (wantStats && meanQ !== undefined) metrics.meanQ = meanQ;
    if (this.sampler) metrics.beta = this.beta;
    return metrics;
  }

  /** `rows` raw observations as network inputs: the observations themselves, or one-hot rows for a Discrete observation space. */
  private encode(raw: Float32Array, rows: number): Float32Array {
    if (this.inputDim === this.obsDim) return raw.subarray(0, rows * this.obsDim);
    // A fresh array: the cpu backend keeps the array a tensor was made from.
    const x = new Float32Array(rows * this.inputDim);
    const start = (this.context.observationSpace as DiscreteSpace).start;
    for (let j = 0; j < rows; j++) x[j * this.inputDim + raw[j]! - start] = 1;
    return x;
  }

  /** Q-values of `rows` raw observations: one forward pass, one read-back. */
  private qValues(raw: Float32Array, rows: number): Float32Array {
    return this.model.qValues(this.encode(raw, rows), rows);
  }

  /** Epsilon-greedy action indices for `rows` observations; the forward pass is skipped when every env explores. */
  private chooseActions(raw: Float32Array, rows: number, epsilon: number, out: Float32Array): void {
    let greedy = 0;
    for (let i = 0; i < rows; i++) {
      if (this.rng.random() < epsilon) {
        out[i] = this.rng.integers(0, this.nActions);
      } else {
        out[i] = -1;
        greedy += 1;
      }
    }
    if (greedy === 0) return;
    const q = this.qValues(raw, rows);
    for (let i = 0; i < rows; i++) if (out[i]! < 0) out[i] = argmaxRow(q, i * this.nActions, this.nActions);
  }

  private trainingEnv(env: Env | undefined, vecEnv: VectorEnv | undefined): VectorEnv {
    if (env && vecEnv) throw new TypeError('dqn.learn: pass env or vecEnv, not both');
    const vec = vecEnv ?? (env ? new SyncVectorEnv([env], 'same-step') : undefined);
    if (!vec) throw new TypeError('dqn.learn: needs an env or a vecEnv');
    if (!spacesEqual(vec.singleObservationSpace, this.context.observationSpace) || !spacesEqual(vec.singleActionSpace, this.context.actionSpace)) {
      throw new TypeError(
        `dqn.learn: the env's spaces (${describeSpace(vec.singleObservationSpace)}, ${describeSpace(vec.singleActionSpace)}) differ from the agent's (${describeSpace(this.context.observationSpace)}, ${describeSpace(this.context.actionSpace)})`,
      );
    }
    return vec;
  }

  /** Copies one observation as given to act() into the `one` scratch row. */
  private readOne(obs: unknown): Float32Array {
    if (this.inputDim !== this.obsDim) {
      if (typeof obs !== 'number' || !Number.isInteger(obs)) throw new TypeError(`dqn.act: expected an integer observation, got ${String(obs)}`);
      this.one[0] = obs;
    } else {
      const a = obs as ArrayLike<number> | undefined;
      if (a?.length !== this.obsDim) throw new TypeError(`dqn.act: expected an observation of ${this.obsDim} numbers, got ${String(obs)}`);
      for (let k = 0; k < this.obsDim; k++) this.one[k] = a[k]!;
    }
    return this.one;
  }

  /** The greedy action, or (not deterministic) epsilon-greedy with the current epsilon, drawing from the agent's generator. */
  act(obs: unknown, options: { deterministic?: boolean } = {}): Action {
    const x = this.readOne(obs);
    if (!options.deterministic && this.rng.random() < this.epsilon) return this.rng.integers(0, this.nActions) + this.actionStart;
    return argmaxRow(this.qValues(x, 1), 0, this.nActions) + this.actionStart;
  }

  diagnostics(obs: unknown): Diagnostics {
    return { qValues: Array.from(this.qValues(this.readOne(obs), 1)) };
  }

  async save(dir: string): Promise<void> {
    await this.model.saveNets(dir);
    const opt = this.model.optimizerState();
    await writeBinary(dir, 'optimizer.bin', opt.data);
    const replayFile = this.hyperparameters.saveReplayBuffer ? 'replay.bin' : null;
    if (replayFile) await writeBinary(dir, replayFile, this.replay.toBytes());
    const priorityFile = replayFile && this.sampler ? 'priorities.bin' : null;
    if (priorityFile) await writeBinary(dir, priorityFile, this.sampler!.toBytes());
    const state: DqnState = { counters: { ...this.counters }, rng: this.rng.getState(), optimizerStep: opt.t, epsilon: this.epsilon, replayFile, priorityFile, cnn: this.model.cnn };
    await writeManifest(dir, this, state as unknown as Record<string, unknown>);
  }

  /** Transfer: the online and target nets become the saved DQN's online net (same sizes and dueling choice); optimizer, replay and counters stay. */
  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    if (from.algorithm !== 'dqn') throw new Error(`warmStart: ${dir} holds a ${JSON.stringify(from.algorithm)} agent, not dqn`);
    if (Boolean(from.hyperparameters.dueling) !== this.hyperparameters.dueling) {
      throw new Error(`warmStart: ${dir} holds a ${from.hyperparameters.dueling ? 'dueling' : 'plain'} Q-network, this agent has a ${this.hyperparameters.dueling ? 'dueling' : 'plain'} one`);
    }
    const fromCnn = Boolean((from.state as Partial<DqnState> | undefined)?.cnn);
    if (fromCnn !== this.model.cnn) throw new Error(`warmStart: ${dir} holds a Q-network ${fromCnn ? 'with' : 'without'} a conv trunk, this agent's is ${this.model.cnn ? 'with' : 'without'} one`);
    await this.model.loadNet(dir, 'online', 'online', 'warmStart');
    this.model.syncTarget(1);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Passes of `from` -> `to` over multiples of `every`: how many periodic events fall in (from, to]. */
function passes(from: number, to: number, every: number): number {
  return Math.floor(to / every) - Math.floor(from / every);
}

function obsDimOf(space: Space): number {
  return space.type === 'box' ? space.low.length : 1;
}

function inputDimOf(space: Space): number {
  return space.type === 'box' ? space.low.length : space.type === 'discrete' ? space.n : 0;
}

// ---------------------------------------------------------------- the Q-network

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
  return DENSE[activation](x, w, b);
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

const DENSE: Record<Activation, (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D> = {
  relu: denseWith('relu'),
  tanh: denseWith('tanh'),
  linear: denseWith('linear'),
};

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
function qParts(inputDim: number, nActions: number, hp: DqnHyperparameters): QPart[] {
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
function qInit(parts: readonly QPart[], hp: DqnHyperparameters, rng: Rng): Float32Array[] {
  return parts.map((p) => {
    if (hp.init === 'orthogonal') return flat(mlpInit(p.sizes, rng, { init: 'orthogonal', hiddenGain: Math.SQRT2, outputGain: p.activateLast ? Math.SQRT2 : 1 }));
    mlpInit(p.sizes, rng, { init: 'glorot' });
    const data = new Float32Array(mlpShapes(p.sizes).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0));
    let o = 0;
    for (let l = 0; l + 1 < p.sizes.length; l++) {
      const bound = 1 / Math.sqrt(p.sizes[l]!);
      const count = p.sizes[l]! * p.sizes[l + 1]! + p.sizes[l + 1]!; // W then b, the order of Mlp.variables
      for (let k = 0; k < count; k++) data[o++] = rng.uniform(-bound, bound);
    }
    return data;
  });
}

function flat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
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
    private readonly hp: DqnHyperparameters,
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
interface QInit {
  convs: Float32Array | null;
  parts: readonly Float32Array[];
}

/** Builds the Q-model on the context's backend: ONNX Runtime for 'onnx', else tfjs on the backend initBackend picks. */
async function createModel(hp: DqnHyperparameters, context: AgentContext, withCnn: boolean, online: QInit | { dir: string }, target: QInit | { dir: string }): Promise<QModel> {
  const nActions = (context.actionSpace as DiscreteSpace).n;
  const inputDim = inputDimOf(context.observationSpace);
  const parts = qParts(withCnn ? hp.cnnDense : inputDim, nActions, hp);
  const trunk = withCnn ? trunkOf(hp, context) : undefined;
  if (usesOnnx(context.backend)) {
    // A GPU backend runs the conv nets (the cnn policy) on its provider; the small MLPs stay on the CPU.
    const provider = trunk ? gpuProvider(context.backend) : undefined;
    const spec: QModelSpec = { ...hp, parts, inputDim, nActions, ...(trunk ? { trunk } : {}), ...(provider ? { provider } : {}) };
    const model = await OnnxQModel.create(spec, 'dir' in online ? await readQNet(online.dir, 'online', parts, 'dqn', trunk) : flat([...(online.convs ? [online.convs] : []), ...online.parts]));
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
function trunkOf(hp: DqnHyperparameters, context: AgentContext): QTrunk {
  return { inputShape: (context.observationSpace as BoxSpace).shape as [number, number, number], options: cnnOptionsOf(hp) };
}

function newSampler(hp: DqnHyperparameters): PrioritizedSampler | null {
  return hp.prioritizedReplay ? new PrioritizedSampler(hp.bufferSize, hp.priorityAlpha, hp.priorityEpsilon) : null;
}

function checkSetup(hp: DqnHyperparameters, context: AgentContext): void {
  if (context.actionSpace.type !== 'discrete') throw new TypeError(`dqn: needs a Discrete action space, got ${describeSpace(context.actionSpace)}`);
  const o = context.observationSpace;
  if (o.type !== 'box' && o.type !== 'discrete') throw new TypeError(`dqn: needs a Box or Discrete observation space, got ${describeSpace(o)} (wrap the env with flattenObservation)`);
  const problems: string[] = [];
  if (hp.gradientSteps === 0) problems.push('gradientSteps must be a positive integer or -1 (one per env step), got 0');
  if (hp.dueling && hp.hidden.length === 0) problems.push('dueling needs at least one hidden layer (the shared trunk), got hidden []');
  if (problems.length > 0) throw new HyperparameterError('dqn', problems);
}

registerAgent({
  name: 'dqn',
  description: 'DQN (Mnih et al. 2015) with replay, a target network, Huber loss; double-DQN and dueling options; Discrete actions',
  hyperparameters: DQN_HYPERPARAMETERS,
  envKind: 'either',
  warmStartsFrom: ['dqn'],
  backends: { tfjs: true },
  async create(hp, context) {
    checkSetup(hp, context);
    const rng = new Rng(context.seed);
    const withCnn = wantsCnn('dqn', context.observationSpace, hp.policy);
    const parts = qParts(withCnn ? hp.cnnDense : inputDimOf(context.observationSpace), (context.actionSpace as DiscreteSpace).n, hp);
    const draw = (): QInit => ({ convs: withCnn ? cnnInit((context.observationSpace as BoxSpace).shape, rng, cnnOptionsOf(hp)) : null, parts: qInit(parts, hp, rng) });
    // Both nets are drawn (the target is then overwritten by the online net's weights), as always: a seed keeps its stream.
    const online = draw();
    const target = draw();
    const model = await createModel(hp, context, withCnn, online, target);
    return new Dqn(hp, context, model, new ReplayBuffer(hp.bufferSize, obsDimOf(context.observationSpace)), rng, newSampler(hp));
  },
  async load(hp, context, manifest, dir) {
    checkSetup(hp, context);
    const s = manifest.state as unknown as DqnState;
    if (!s?.counters || !s.rng || typeof s.optimizerStep !== 'number') throw new Error(`dqn: ${dir}/agent.json has no complete state (counters, rng, optimizerStep)`);
    const model = await createModel(hp, context, s.cnn ?? false, { dir }, { dir });
    model.setOptimizerState({ t: s.optimizerStep, data: new Float32Array(await readBinary(dir, 'optimizer.bin')) });
    const obsDim = obsDimOf(context.observationSpace);
    const replay = s.replayFile
      ? ReplayBuffer.fromBytes(await readBinary(dir, s.replayFile), { capacity: hp.bufferSize, obsDim, actionDim: 1 })
      : new ReplayBuffer(hp.bufferSize, obsDim);
    let sampler = newSampler(hp);
    if (sampler && s.replayFile) {
      if (!s.priorityFile) throw new Error(`dqn: ${dir}/agent.json has prioritizedReplay and a replay buffer but no priorities file`);
      sampler = PrioritizedSampler.fromBytes(await readBinary(dir, s.priorityFile), hp.bufferSize, hp.priorityAlpha, hp.priorityEpsilon);
      if (sampler.size !== replay.size) throw new Error(`dqn: ${dir}/${s.priorityFile} holds priorities for ${sampler.size} transitions, ${s.replayFile} holds ${replay.size}`);
    }
    return new Dqn(hp, context, model, replay, Rng.fromState(s.rng), sampler, { counters: s.counters, epsilon: s.epsilon });
  },
});
