// DDPG: Deep Deterministic Policy Gradient (Lillicrap et al. 2016,
// "Continuous control with deep reinforcement learning"), as Stable-Baselines3
// does it (TD3's code with one critic, no target-policy smoothing and a policy
// delay of 1) and CleanRL's ddpg_continuous_action.py.
//
// An actor mu(s) = tanh(MLP(s)) in [-1, 1]^d (the action Box rescaled), a
// critic Q(s, a) = MLP([s, a]) on the concatenated state and rescaled action,
// and target copies mu', Q' that trail them by Polyak averaging. Each env step:
//   1. collect: a = clip(mu(s) + noise, -1, 1), or uniform in [-1, 1] while the
//      step count is below learningStarts; the env gets a mapped affinely onto
//      [low, high] and clipped there, so it is always inside the bounds. Store
//      (s, a, r, s', terminated, truncated) in the replay ring (agents/lib/replay.ts).
//      On a truncated step (time limit) s' is the real final observation and
//      terminated = 0: the target bootstraps from it.
//      The noise (Gaussian, or Ornstein-Uhlenbeck reset at each episode start;
//      agents/lib/noise.ts) has scale noiseStd in units of half the action range.
//   2. targets, once past learningStarts and every trainFreq steps, gradientSteps
//      times on a uniform replay minibatch: y = r + gamma (1 - terminated) Q'(s', mu'(s')).
//   3. update: Adam on the critic's mean (Q(s, a) - y)^2; every policyDelay-th
//      critic step, Adam on the actor's -mean Q(s, mu(s)), then both targets
//      move: theta' <- tau theta + (1 - tau) theta'.
//   4. log: returns through onEpisodeEnd, losses through onUpdate.
//
// Nets: relu MLPs, orthogonal init (hidden gain sqrt 2), the actor's output
// layer at gain 0.01 so that mu starts near 0 (Lillicrap et al. draw it in
// +-3e-3 for the same reason), the critic's at 1. Like SB3's predict, act()
// returns mu(s) whether or not `deterministic` is set: the policy is
// deterministic, and exploration noise belongs to data collection.
//
// Each learn() call starts a fresh episode (seeded from the agent's generator)
// and resets the noise. learn() takes a single env; vector envs are not used.
// save() writes the four nets, both optimizers' moments, the generator, the
// noise state, the counters and (saveReplay) the replay buffer, so that
// training resumed with loadAgent gives the same numbers as never stopping.
import type { Env } from '../core/env.js';
import { Rng } from '../core/rng.js';
import type { RngState } from '../core/rng.js';
import type { BoxSpace } from '../core/spaces.js';
import { describeSpace, spacesEqual } from '../core/spaces.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from './agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from './agent.js';
import { initBackend, tf } from './lib/backend.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, HyperparameterError, int, layerMemory, list, num, replayMemory } from './lib/hparams.js';
import type { Mlp } from './lib/nets.js';
import { applyForGradients, copyWeights, loadMlp, loadWeightsInto, mlp, Optimizer, saveMlp } from './lib/nets.js';
import type { ActionNoise, NoiseState } from './lib/noise.js';
import { makeNoise } from './lib/noise.js';
import type { ReplayBatch } from './lib/replay.js';
import { ReplayBuffer } from './lib/replay.js';

export const DDPG_HYPERPARAMETERS = {
  learningRate: num(1e-3, 'Adam step size of the actor and of the critic (SB3)', { min: 0, exclusiveMin: true }),
  bufferSize: int(1_000_000, 'replay capacity in transitions', { min: 1, memory: replayMemory }),
  learningStarts: int(100, 'env steps of uniformly random actions before training starts', { min: 0 }),
  batchSize: int(256, 'transitions per gradient step', { min: 1 }),
  tau: num(0.005, 'Polyak coefficient of the target nets (1: copy)', { min: 0, max: 1, exclusiveMin: true }),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  trainFreq: int(1, 'env steps between training phases', { min: 1 }),
  gradientSteps: int(1, 'critic gradient steps per training phase', { min: 1 }),
  policyDelay: int(1, 'critic steps per actor and target update (DDPG: 1; TD3 uses 2)', { min: 1 }),
  noise: choice('gaussian', ['gaussian', 'ornstein-uhlenbeck'] as const, 'exploration noise added to mu(s)'),
  noiseStd: num(0.1, 'noise scale sigma, in units of half the action range', { min: 0 }),
  ouTheta: num(0.15, 'Ornstein-Uhlenbeck mean reversion theta (SB3 default)', { min: 0, exclusiveMin: true }),
  ouDt: num(0.01, 'Ornstein-Uhlenbeck time step dt (SB3 default)', { min: 0, exclusiveMin: true }),
  hidden: list([400, 300], 'hidden layer sizes of the actor and of the critic (relu; SB3 DDPG)', { memory: layerMemory(4) }),
  saveReplay: bool(true, 'save the replay buffer with the agent (needed to resume training exactly)'),
} as const;

export type DdpgHyperparameters = Resolved<typeof DDPG_HYPERPARAMETERS>;

/** TD targets y = r + gamma (1 - terminated) Q'(s', mu'(s')): no bootstrap from a terminal state, full bootstrap otherwise (truncation included). */
export function tdTargets(rewards: tf.Tensor1D, terminated: tf.Tensor1D, nextQ: tf.Tensor1D, gamma: number): tf.Tensor1D {
  return tf.tidy(() => tf.add(rewards, tf.mul(tf.mul(tf.sub(1, terminated), gamma), nextQ)));
}

interface Counters {
  steps: number;
  episodes: number;
  /** Critic gradient steps so far (the actor updates on every policyDelay-th). */
  updates: number;
}

interface Nets {
  actor: Mlp;
  critic: Mlp;
  actorTarget: Mlp;
  criticTarget: Mlp;
}

interface SavedState {
  counters: Counters;
  rng: RngState;
  noise: NoiseState;
  optimizerSteps: { actor: number; critic: number };
  /** Whether replay.bin holds the replay buffer. */
  replay: boolean;
}

const NET_NAMES = ['actor', 'critic', 'actorTarget', 'criticTarget'] as const;

function checkSpaces(context: AgentContext): { obs: BoxSpace; act: BoxSpace } {
  const o = context.observationSpace;
  const a = context.actionSpace;
  if (o.type !== 'box') throw new TypeError(`ddpg: needs a Box observation space, got ${describeSpace(o)} (wrap the env with flattenObservation)`);
  if (a.type !== 'box' || a.dtype !== 'float32') throw new TypeError(`ddpg: needs a float32 Box action space, got ${describeSpace(a)}`);
  for (let d = 0; d < a.low.length; d++) {
    if (!Number.isFinite(a.low[d]!) || !Number.isFinite(a.high[d]!)) {
      throw new TypeError(`ddpg: needs finite action bounds (the actor's tanh output is scaled onto them), got ${describeSpace(a)}`);
    }
  }
  return { obs: o, act: a };
}

function checkHyperparameters(hp: DdpgHyperparameters): void {
  if (hp.noise === 'ornstein-uhlenbeck' && !(hp.ouTheta * hp.ouDt < 2)) {
    throw new HyperparameterError('ddpg', [`ouTheta * ouDt must be < 2 for a stable Ornstein-Uhlenbeck recurrence, got ${hp.ouTheta} * ${hp.ouDt}`]);
  }
}

class Ddpg implements Agent {
  readonly algorithm = 'ddpg';
  private readonly counters: Counters;
  private readonly actorOptimizer: Optimizer;
  private readonly criticOptimizer: Optimizer;
  private readonly noise: ActionNoise;
  private readonly replay: ReplayBuffer;
  private readonly batch: ReplayBatch;
  private readonly obsDim: number;
  private readonly actionDim: number;
  /** Center and half-width of each action dimension: env action = center + half * a. */
  private readonly center: Float64Array;
  private readonly half: Float64Array;
  private readonly low: Float32Array;
  private readonly high: Float32Array;
  // Scratch rows reused every step.
  private readonly s: Float32Array;
  private readonly a: Float32Array;
  private readonly envAction: Float32Array;
  private readonly noiseOut: Float64Array;

  constructor(
    readonly hyperparameters: DdpgHyperparameters,
    readonly context: AgentContext,
    private readonly nets: Nets,
    private readonly rng: Rng,
    saved?: { state: SavedState; optimizers: { actor: Float32Array; critic: Float32Array }; replay: ReplayBuffer | null },
  ) {
    const hp = hyperparameters;
    const { obs, act } = checkSpaces(context);
    this.obsDim = obs.low.length;
    this.actionDim = act.low.length;
    this.low = act.low;
    this.high = act.high;
    this.center = new Float64Array(this.actionDim);
    this.half = new Float64Array(this.actionDim);
    for (let d = 0; d < this.actionDim; d++) {
      this.center[d] = (act.low[d]! + act.high[d]!) / 2;
      this.half[d] = (act.high[d]! - act.low[d]!) / 2;
    }
    this.s = new Float32Array(this.obsDim);
    this.a = new Float32Array(this.actionDim);
    this.envAction = new Float32Array(this.actionDim);
    this.noiseOut = new Float64Array(this.actionDim);
    this.actorOptimizer = new Optimizer(nets.actor.variables, hp.learningRate);
    this.criticOptimizer = new Optimizer(nets.critic.variables, hp.learningRate);
    this.noise = makeNoise(hp.noise, this.actionDim, hp.noiseStd, { theta: hp.ouTheta, dt: hp.ouDt });
    this.replay = saved?.replay ?? new ReplayBuffer(hp.bufferSize, this.obsDim, this.actionDim);
    this.batch = this.replay.batch(hp.batchSize);
    this.counters = saved ? { ...saved.state.counters } : { steps: 0, episodes: 0, updates: 0 };
    if (saved) {
      this.actorOptimizer.setState({ t: saved.state.optimizerSteps.actor, data: saved.optimizers.actor });
      this.criticOptimizer.setState({ t: saved.state.optimizerSteps.critic, data: saved.optimizers.critic });
      this.noise.setState(saved.state.noise);
    }
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  async learn({ env, vecEnv, totalSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const trainEnv = this.checkEnv(env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`ddpg.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const c = this.counters;
    if (c.steps < totalSteps) {
      this.s.set(trainEnv.reset({ seed: this.rng.nextSeed() }).obs as ArrayLike<number>);
      this.noise.reset();
      let episodeReturn = 0;
      let episodeLength = 0;
      while (c.steps < totalSteps) {
        // 1. collect one transition
        if (c.steps < hp.learningStarts) {
          for (let d = 0; d < this.actionDim; d++) this.a[d] = this.rng.uniform(-1, 1);
        } else {
          const mu = this.policy(this.s);
          this.noise.sample(this.rng, this.noiseOut);
          for (let d = 0; d < this.actionDim; d++) this.a[d] = Math.min(1, Math.max(-1, mu[d]! + this.noiseOut[d]!));
        }
        const r = trainEnv.step(this.toEnvAction(this.a, this.envAction));
        c.steps += 1;
        episodeReturn += r.reward;
        episodeLength += 1;
        this.replay.add(this.s, this.a, r.reward, r.obs as ArrayLike<number>, r.terminated, r.truncated);
        if (r.terminated || r.truncated) {
          c.episodes += 1;
          hooks.onEpisodeEnd?.({ step: c.steps, episode: c.episodes, return: episodeReturn, length: episodeLength, truncated: !r.terminated });
          episodeReturn = 0;
          episodeLength = 0;
          this.s.set(trainEnv.reset().obs as ArrayLike<number>);
          this.noise.reset();
        } else {
          this.s.set(r.obs as ArrayLike<number>);
        }
        // 2-3. targets and updates
        if (c.steps > hp.learningStarts && c.steps % hp.trainFreq === 0) {
          const metrics = this.train();
          // 4. log
          hooks.onUpdate?.({ step: c.steps, metrics });
        }
        if (hooks.shouldStop?.({ step: c.steps })) break;
      }
    }
    return { steps: c.steps, episodes: c.episodes, seconds: (performance.now() - start) / 1000 };
  }

  /** gradientSteps critic steps on replay minibatches, with the actor and targets every policyDelay-th. */
  private train(): Record<string, number> {
    const hp = this.hyperparameters;
    const { actor, critic, actorTarget, criticTarget } = this.nets;
    let criticLoss = 0;
    let actorLoss = Number.NaN;
    for (let g = 0; g < hp.gradientSteps; g++) {
      const b = this.replay.sample(this.rng, this.batch);
      const n = b.size;
      const obs = tf.tensor2d(b.obs, [n, this.obsDim]);
      const actions = tf.tensor2d(b.actions, [n, this.actionDim]);
      const nextObs = tf.tensor2d(b.nextObs, [n, this.obsDim]);
      const rewards = tf.tensor1d(b.rewards);
      const terminated = tf.tensor1d(b.terminated);
      const y = tf.tidy(() => tdTargets(rewards, terminated, q(criticTarget, nextObs, mu(actorTarget, nextObs)), hp.gamma));
      criticLoss = this.criticOptimizer.step(() => tf.mean(tf.square(tf.sub(q(critic, obs, actions, true), y))) as tf.Scalar).loss;
      this.counters.updates += 1;
      if (this.counters.updates % hp.policyDelay === 0) {
        actorLoss = this.actorOptimizer.step(() => tf.neg(tf.mean(q(critic, obs, mu(actor, obs, true), true))) as tf.Scalar).loss;
        copyWeights(actorTarget, actor, hp.tau);
        copyWeights(criticTarget, critic, hp.tau);
      }
      tf.dispose([obs, actions, nextObs, rewards, terminated, y]);
    }
    return { criticLoss, actorLoss, updates: this.counters.updates };
  }

  /** mu(s) in [-1, 1]^d for one observation (one read-back). */
  private policy(s: Float32Array): Float32Array {
    const out = tf.tidy(() => mu(this.nets.actor, tf.tensor2d(s, [1, this.obsDim])));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** Maps a in [-1, 1]^d onto the action Box, clipped to the bounds (rounding at the edges). */
  private toEnvAction(a: ArrayLike<number>, out: Float32Array): Float32Array {
    for (let d = 0; d < this.actionDim; d++) {
      const v = this.center[d]! + this.half[d]! * a[d]!;
      out[d] = v < this.low[d]! ? this.low[d]! : v > this.high[d]! ? this.high[d]! : v;
    }
    return out;
  }

  private readObs(obs: unknown): Float32Array {
    const a = obs as ArrayLike<number> | undefined;
    if (a?.length !== this.obsDim) throw new TypeError(`ddpg: expected an observation of ${this.obsDim} numbers, got ${String(obs)}`);
    const s = new Float32Array(this.obsDim);
    s.set(a);
    return s;
  }

  private checkEnv(env: Env | undefined, vecEnv: unknown): Env {
    if (vecEnv) throw new TypeError('ddpg.learn: learns from a single env; pass { env } (vector envs are not supported)');
    if (!env) throw new TypeError('ddpg.learn: needs an env');
    if (!spacesEqual(env.observationSpace, this.context.observationSpace) || !spacesEqual(env.actionSpace, this.context.actionSpace)) {
      throw new TypeError(
        `ddpg.learn: the env's spaces (${describeSpace(env.observationSpace)}, ${describeSpace(env.actionSpace)}) differ from the agent's (${describeSpace(this.context.observationSpace)}, ${describeSpace(this.context.actionSpace)})`,
      );
    }
    return env;
  }

  act(obs: unknown): Action {
    return this.toEnvAction(this.policy(this.readObs(obs)), new Float32Array(this.actionDim));
  }

  diagnostics(obs: unknown): Diagnostics {
    const s = this.readObs(obs);
    const out = tf.tidy(() => {
      const x = tf.tensor2d(s, [1, this.obsDim]);
      return q(this.nets.critic, x, mu(this.nets.actor, x));
    });
    const value = out.dataSync()[0]!;
    out.dispose();
    return { value };
  }

  /** Transfer: actor and critic (and their targets) from the DDPG agent saved in `dir`; replay, noise and optimizers stay. */
  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    const who = `warmStart(ddpg <- ${from.algorithm})`;
    if (from.algorithm !== 'ddpg') throw new Error(`${who}: ${dir} holds a ${JSON.stringify(from.algorithm)} agent, not ddpg`);
    await loadWeightsInto(this.nets.actor, dir, 'actor', who);
    await loadWeightsInto(this.nets.critic, dir, 'critic', who);
    copyWeights(this.nets.actorTarget, this.nets.actor);
    copyWeights(this.nets.criticTarget, this.nets.critic);
  }

  async save(dir: string): Promise<void> {
    for (const name of NET_NAMES) await saveMlp(this.nets[name], dir, name);
    const actorOpt = this.actorOptimizer.getState();
    const criticOpt = this.criticOptimizer.getState();
    await writeBinary(dir, 'actor-optimizer.bin', actorOpt.data);
    await writeBinary(dir, 'critic-optimizer.bin', criticOpt.data);
    if (this.hyperparameters.saveReplay) await writeBinary(dir, 'replay.bin', this.replay.toBytes());
    const state: SavedState = {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      noise: this.noise.getState(),
      optimizerSteps: { actor: actorOpt.t, critic: criticOpt.t },
      replay: this.hyperparameters.saveReplay,
    };
    await writeManifest(dir, this, state as unknown as Record<string, unknown>);
  }

  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    for (const name of NET_NAMES) this.nets[name].dispose();
  }
}

/** mu(s) = tanh(actor(s)), in [-1, 1]^d; `forGradients` when the loss differentiates through it. */
function mu(actor: Mlp, obs: tf.Tensor2D, forGradients = false): tf.Tensor2D {
  return tf.tanh(forGradients ? applyForGradients(actor, obs) : actor.apply(obs));
}

/** Q(s, a) as a vector [batch]. */
function q(critic: Mlp, obs: tf.Tensor2D, actions: tf.Tensor2D, forGradients = false): tf.Tensor1D {
  const x = tf.concat([obs, actions], 1);
  return tf.reshape(forGradients ? applyForGradients(critic, x) : critic.apply(x), [-1]) as tf.Tensor1D;
}

function createNets(hp: DdpgHyperparameters, obsDim: number, actionDim: number, rng: Rng): Nets {
  const init = { activation: 'relu', init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
  const actor = mlp([obsDim, ...hp.hidden, actionDim], rng, { ...init, outputGain: 0.01 });
  const critic = mlp([obsDim + actionDim, ...hp.hidden, 1], rng, { ...init, outputGain: 1 });
  const actorTarget = mlp(actor.sizes, rng, init);
  const criticTarget = mlp(critic.sizes, rng, init);
  copyWeights(actorTarget, actor);
  copyWeights(criticTarget, critic);
  return { actor, critic, actorTarget, criticTarget };
}

function savedState(manifest: AgentManifest): SavedState {
  const s = manifest.state as unknown as SavedState;
  if (!s?.counters || !s.rng || !s.noise || !s.optimizerSteps) throw new Error('ddpg: agent.json has no complete state (counters, rng, noise, optimizerSteps)');
  return s;
}

registerAgent({
  name: 'ddpg',
  warmStartsFrom: ['ddpg'],
  description:
    'DDPG (Lillicrap et al. 2016): deterministic tanh actor, Q(s, a) critic, Polyak-averaged target nets, replay, Gaussian or Ornstein-Uhlenbeck exploration; Box actions',
  hyperparameters: DDPG_HYPERPARAMETERS,
  async create(hp, context) {
    checkHyperparameters(hp);
    const { obs, act } = checkSpaces(context);
    await initBackend(context.backend ?? 'auto');
    const rng = new Rng(context.seed);
    return new Ddpg(hp, context, createNets(hp, obs.low.length, act.low.length, rng), rng);
  },
  async load(hp, context, manifest, dir) {
    checkHyperparameters(hp);
    await initBackend(context.backend ?? 'auto');
    const s = savedState(manifest);
    const [actor, critic, actorTarget, criticTarget] = await Promise.all(NET_NAMES.map((name) => loadMlp(dir, name)));
    const floats = async (name: string) => new Float32Array(await readBinary(dir, name));
    const { obs, act } = checkSpaces(context);
    const replay = s.replay ? ReplayBuffer.fromBytes(await readBinary(dir, 'replay.bin'), { capacity: hp.bufferSize, obsDim: obs.low.length, actionDim: act.low.length }) : null;
    return new Ddpg(hp, context, { actor: actor!, critic: critic!, actorTarget: actorTarget!, criticTarget: criticTarget! }, Rng.fromState(s.rng), {
      state: s,
      optimizers: { actor: await floats('actor-optimizer.bin'), critic: await floats('critic-optimizer.bin') },
      replay,
    });
  },
});
