// The off-policy loop that DDPG, TD3 and SAC share (Stable-Baselines3's
// OffPolicyAlgorithm, one env): collect a transition with the policy's action
// in [-1, 1]^d (uniform while the step count is below learningStarts), mapped
// affinely onto the action Box and clipped there; store it in the replay ring
// (agents/lib/replay.ts; on a time-limit truncation s' is the real final
// observation and terminated = 0, so the target bootstraps from it); every
// trainFreq steps past learningStarts, gradientSteps updates of the agent's
// ContinuousModel on uniform minibatches. Deterministic policies (DDPG, TD3)
// explore with noise (agents/lib/noise.ts, in units of half the action range,
// reset at each episode start); SAC samples from its stochastic policy.
//
// Each learn() call starts a fresh episode (seeded from the agent's generator).
// save() writes the model's nets and optimizers, the generator, the noise
// state, the counters and (saveReplay) the replay buffer, so that training
// resumed with loadAgent gives the same numbers as never stopping.
import type { Env } from '../../core/env.js';
import type { Rng, RngState } from '../../core/rng.js';
import type { BoxSpace } from '../../core/spaces.js';
import { describeSpace, spacesEqual } from '../../core/spaces.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from '../agent.js';
import { readBinary, writeBinary, writeManifest } from '../agent.js';
import type { ContinuousModel } from './continuous-model.js';
import { bool, choice, HyperparameterError, int, num, replayMemory } from './hparams.js';
import type { ActionNoise, NoiseKind, NoiseState } from './noise.js';
import { makeNoise } from './noise.js';
import type { ReplayBatch } from './replay.js';
import { ReplayBuffer } from './replay.js';

/**
 * The loop's entries of DDPG's, TD3's and SAC's hyperparameter tables, in the
 * order the tables list them (after learningRate). SAC spreads them and then
 * rewords tau and gradientSteps (its targets are the critics alone, its steps
 * train the actor too); a key set again keeps its place in the table.
 */
export const LOOP_HYPERPARAMETERS = {
  bufferSize: int(1_000_000, 'replay capacity in transitions', { min: 1, memory: replayMemory }),
  learningStarts: int(100, 'env steps of uniformly random actions before training starts', { min: 0 }),
  batchSize: int(256, 'transitions per gradient step', { min: 1 }),
  tau: num(0.005, 'Polyak coefficient of the target nets (1: copy)', { min: 0, max: 1, exclusiveMin: true }),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  trainFreq: int(1, 'env steps between training phases', { min: 1 }),
  gradientSteps: int(1, 'critic gradient steps per training phase', { min: 1 }),
} as const;

/** The last entry of the three tables. */
export const SAVE_REPLAY_HYPERPARAMETER = {
  saveReplay: bool(true, 'save the replay buffer with the agent (needed to resume training exactly)'),
} as const;

/**
 * The exploration noise entries of the deterministic policies (DDPG, TD3),
 * in their tables' order; DDPG words noiseStd its own way after spreading them.
 */
export const NOISE_HYPERPARAMETERS = {
  noise: choice('gaussian', ['gaussian', 'ornstein-uhlenbeck'] as const, 'exploration noise added to mu(s)'),
  noiseStd: num(0.1, 'exploration noise scale sigma, in units of half the action range', { min: 0 }),
  ouTheta: num(0.15, 'Ornstein-Uhlenbeck mean reversion theta (SB3 default)', { min: 0, exclusiveMin: true }),
  ouDt: num(0.01, 'Ornstein-Uhlenbeck time step dt (SB3 default)', { min: 0, exclusiveMin: true }),
} as const;

/** NOISE_HYPERPARAMETERS' values. */
export interface NoiseSettings {
  noise: NoiseKind;
  noiseStd: number;
  ouTheta: number;
  ouDt: number;
}

/** Refuses an Ornstein-Uhlenbeck noise whose recurrence would not be stable, naming the agent. */
export function checkNoise(algorithm: string, hp: NoiseSettings): void {
  if (hp.noise === 'ornstein-uhlenbeck' && !(hp.ouTheta * hp.ouDt < 2)) {
    throw new HyperparameterError(algorithm, [`ouTheta * ouDt must be < 2 for a stable Ornstein-Uhlenbeck recurrence, got ${hp.ouTheta} * ${hp.ouDt}`]);
  }
}

/** The exploration noise `hp` asks for, on `actionDim` action dimensions. */
export function explorationNoise(hp: NoiseSettings, actionDim: number): ActionNoise {
  return makeNoise(hp.noise, actionDim, hp.noiseStd, { theta: hp.ouTheta, dt: hp.ouDt });
}

/** The loop's hyperparameters (LOOP_HYPERPARAMETERS' and saveReplay's values). */
export interface LoopSettings {
  bufferSize: number;
  learningStarts: number;
  batchSize: number;
  trainFreq: number;
  gradientSteps: number;
  saveReplay: boolean;
}

export interface Counters {
  steps: number;
  episodes: number;
  /** Gradient steps so far. */
  updates: number;
}

/** What agent.json's `state` holds: the loop's part; the model's (optimizer steps, ...) is spread beside it. */
export interface LoopState {
  counters: Counters;
  rng: RngState;
  /** Absent for agents without exploration noise (SAC). */
  noise?: NoiseState;
  /** Whether replay.bin holds the replay buffer. */
  replay: boolean;
}

/** The observation and action Boxes, or an error naming the agent. */
export function checkSpaces(algorithm: string, context: AgentContext): { obs: BoxSpace; act: BoxSpace } {
  const o = context.observationSpace;
  const a = context.actionSpace;
  if (o.type !== 'box') throw new TypeError(`${algorithm}: needs a Box observation space, got ${describeSpace(o)} (wrap the env with flattenObservation)`);
  if (a.type !== 'box' || a.dtype !== 'float32') throw new TypeError(`${algorithm}: needs a float32 Box action space, got ${describeSpace(a)}`);
  for (let d = 0; d < a.low.length; d++) {
    if (!Number.isFinite(a.low[d]!) || !Number.isFinite(a.high[d]!)) {
      throw new TypeError(`${algorithm}: needs finite action bounds (the policy's tanh output is scaled onto them), got ${describeSpace(a)}`);
    }
  }
  return { obs: o, act: a };
}

/** The loop's saved state from agent.json, or an error naming what is missing. */
export function loopState(algorithm: string, manifest: AgentManifest, needsNoise: boolean): LoopState & Record<string, unknown> {
  const s = manifest.state as unknown as LoopState & Record<string, unknown>;
  if (!s?.counters || !s.rng || (needsNoise && !s.noise)) throw new Error(`${algorithm}: agent.json has no complete state (counters, rng${needsNoise ? ', noise' : ''})`);
  return s;
}

/** The replay buffer saved with the agent, or null when it was saved without one. */
export async function loadReplay(dir: string, s: LoopState, capacity: number, obsDim: number, actionDim: number): Promise<ReplayBuffer | null> {
  return s.replay ? ReplayBuffer.fromBytes(await readBinary(dir, 'replay.bin'), { capacity, obsDim, actionDim }) : null;
}

export class ContinuousAgent implements Agent {
  private readonly counters: Counters;
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
    readonly algorithm: string,
    readonly hyperparameters: LoopSettings & Record<string, unknown>,
    readonly context: AgentContext,
    private readonly model: ContinuousModel,
    /** Exploration noise of a deterministic policy; null: the model's act(s, rng) samples. */
    private readonly noise: ActionNoise | null,
    private readonly rng: Rng,
    saved?: { state: LoopState; replay: ReplayBuffer | null },
  ) {
    const hp = hyperparameters;
    const { obs, act } = checkSpaces(algorithm, context);
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
    this.replay = saved?.replay ?? new ReplayBuffer(hp.bufferSize, this.obsDim, this.actionDim);
    this.batch = this.replay.batch(hp.batchSize);
    this.counters = saved ? { ...saved.state.counters } : { steps: 0, episodes: 0, updates: 0 };
    if (saved?.state.noise && this.noise) this.noise.setState(saved.state.noise);
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  async learn({ env, vecEnv, totalSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const trainEnv = this.checkEnv(env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`${this.algorithm}.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const c = this.counters;
    if (c.steps < totalSteps) {
      this.s.set(trainEnv.reset({ seed: this.rng.nextSeed() }).obs as ArrayLike<number>);
      this.noise?.reset();
      let episodeReturn = 0;
      let episodeLength = 0;
      let first = true;
      while (c.steps < totalSteps) {
        // 1. collect one transition
        this.model.beforeCollect?.(this.rng, first || c.steps % hp.trainFreq === 0);
        first = false;
        if (c.steps < hp.learningStarts) {
          for (let d = 0; d < this.actionDim; d++) this.a[d] = this.rng.uniform(-1, 1);
        } else if (this.noise) {
          const mu = this.model.act(this.s, null);
          this.noise.sample(this.rng, this.noiseOut);
          for (let d = 0; d < this.actionDim; d++) this.a[d] = Math.min(1, Math.max(-1, mu[d]! + this.noiseOut[d]!));
        } else {
          this.a.set(this.model.act(this.s, this.rng));
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
          this.noise?.reset();
        } else {
          this.s.set(r.obs as ArrayLike<number>);
        }
        // 2. update
        if (c.steps > hp.learningStarts && c.steps % hp.trainFreq === 0) {
          let metrics: Record<string, number> = {};
          for (let g = 0; g < hp.gradientSteps; g++) {
            c.updates += 1;
            metrics = this.model.update(this.replay.sample(this.rng, this.batch), this.rng, c.updates);
          }
          hooks.onUpdate?.({ step: c.steps, metrics: { ...metrics, updates: c.updates } });
        }
        if (hooks.shouldStop?.({ step: c.steps })) break;
      }
    }
    return { steps: c.steps, episodes: c.episodes, seconds: (performance.now() - start) / 1000 };
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
    if (a?.length !== this.obsDim) throw new TypeError(`${this.algorithm}: expected an observation of ${this.obsDim} numbers, got ${String(obs)}`);
    const s = new Float32Array(this.obsDim);
    s.set(a);
    return s;
  }

  private checkEnv(env: Env | undefined, vecEnv: unknown): Env {
    if (vecEnv) throw new TypeError(`${this.algorithm}.learn: learns from a single env; pass { env } (vector envs are not supported)`);
    if (!env) throw new TypeError(`${this.algorithm}.learn: needs an env`);
    if (!spacesEqual(env.observationSpace, this.context.observationSpace) || !spacesEqual(env.actionSpace, this.context.actionSpace)) {
      throw new TypeError(
        `${this.algorithm}.learn: the env's spaces (${describeSpace(env.observationSpace)}, ${describeSpace(env.actionSpace)}) differ from the agent's (${describeSpace(this.context.observationSpace)}, ${describeSpace(this.context.actionSpace)})`,
      );
    }
    return env;
  }

  /** The policy's action (deterministic policies always give mu(s), as SB3's predict; SAC samples unless `deterministic`). */
  act(obs: unknown, options: { deterministic?: boolean } = {}): Action {
    const s = this.readObs(obs);
    return this.toEnvAction(this.model.act(s, this.noise || options.deterministic ? null : this.rng), new Float32Array(this.actionDim));
  }

  diagnostics(obs: unknown): Diagnostics {
    return { value: this.model.value(this.readObs(obs)) };
  }

  /** Transfer: the nets from an agent of the same algorithm saved in `dir`; replay, noise and optimizers stay. */
  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    const who = `warmStart(${this.algorithm} <- ${from.algorithm})`;
    if (from.algorithm !== this.algorithm) throw new Error(`${who}: ${dir} holds a ${JSON.stringify(from.algorithm)} agent, not ${this.algorithm}`);
    await this.model.warmStart(dir, who);
  }

  async save(dir: string): Promise<void> {
    const modelState = await this.model.save(dir);
    if (this.hyperparameters.saveReplay) await writeBinary(dir, 'replay.bin', this.replay.toBytes());
    const state: LoopState = {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      ...(this.noise ? { noise: this.noise.getState() } : {}),
      replay: this.hyperparameters.saveReplay,
    };
    await writeManifest(dir, this, { ...modelState, ...state } as unknown as Record<string, unknown>);
  }

  dispose(): void {
    this.model.dispose();
  }
}
