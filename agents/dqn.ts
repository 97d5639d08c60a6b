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
// The networks and their update run on tfjs or, with backend 'onnx', on ONNX
// Runtime with each gradient step one graph (lib/q-network.ts's QModel, and
// lib/compute/q-model.ts); both draw the same initial weights and write the
// same checkpoint files. This file is the agent: hyperparameters, the loop,
// acting, checkpoint state and registration.
import type { Env } from '../core/env.js';
import { Rng } from '../core/rng.js';
import type { RngState } from '../core/rng.js';
import type { BoxSpace, DiscreteSpace, Space } from '../core/spaces.js';
import { describeSpace, spacesEqual } from '../core/spaces.js';
import type { VectorEnv } from '../core/vector.js';
import { SyncVectorEnv } from '../core/vector.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from './agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from './agent.js';
import { cnnInit, cnnOptionsOf, cnnPolicyHyperparameters, wantsCnn } from './lib/cnn.js';
import { argmaxRow } from './lib/distributions.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, HyperparameterError, int, layerMemory, list, num, replayMemory } from './lib/hparams.js';
import type { QInit, QModel } from './lib/q-network.js';
import { createModel, inputDimOf, qInit, qParts } from './lib/q-network.js';
import type { ReplayBatch } from './lib/replay.js';
import { ReplayBuffer } from './lib/replay.js';
import { NStepCollector } from './lib/n-step.js';
import { PrioritizedSampler } from './lib/prioritized.js';
import { linearSchedule } from './lib/schedules.js';

// The tfjs loss pieces and forward pass, exported here as they always were.
export { bootstrapTargets, forward, huberLoss, tdTargets, weightedLoss } from './lib/q-network.js';

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
