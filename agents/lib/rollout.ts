// On-policy rollouts for PPO and A2C: the vector env a learn call trains on,
// the collection loop (one forward pass per vector step, reward
// normalization, episode hooks), the rollout buffer and the minibatches
// gathered from it, and the rollout statistics they log.
import type { Env } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import type { RunningMeanStd } from '../../core/running-stats.js';
import { describeSpace, spacesEqual } from '../../core/spaces.js';
import type { VectorEnv } from '../../core/vector.js';
import { SyncVectorEnv } from '../../core/vector.js';
import type { AgentContext, LearnHooks } from '../agent.js';
import type { ActorCritic } from './actor-critic.js';
import type { Counters } from './actor-critic-agent.js';
import type { RolloutView } from './advantages.js';
import { standardize } from './advantages.js';
import { tf } from './backend.js';

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
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;

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
    for (let j = 0; j < size; j++) {
      const k = buf.rows[from + j]!;
      this.obs.set(buf.obs.subarray(k * din, (k + 1) * din), j * din);
      for (let d = 0; d < da; d++) this.actions[j * da + d] = buf.actions[k * da + d]!;
      this.logProbs[j] = buf.logProbs[k]!;
      this.values[j] = buf.values[k]!;
      this.advantages[j] = buf.advantages[k]!;
      this.returns[j] = buf.returns[k]!;
    }
    if (normalize) standardize(this.advantages, size);
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

/** The mean of each column over equal-length rows (per-minibatch statistics), in float64. */
export function meanOfRows(rows: readonly Float32Array[]): Float64Array {
  const mean = new Float64Array(rows[0]?.length ?? 0);
  for (const r of rows) for (let i = 0; i < mean.length; i++) mean[i]! += r[i]! / rows.length;
  return mean;
}
