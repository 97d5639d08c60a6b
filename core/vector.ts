// Vector envs: N copies of an env stepped together, with observations, rewards
// and flags in flat typed arrays, and Gymnasium 1.x autoreset semantics.
//
// - `SyncVectorEnv` steps N ordinary envs one after another (any env whose
//   observations are a Box or a Discrete).
// - `KernelVectorEnv` steps N copies of a kernel env (core/kernel.ts) in one
//   loop over flat arrays: the batched fast path. It calls the same transition
//   functions as the scalar env, applies the same time limit, and seeds env i
//   with `seed + i` like Gymnasium, so it gives the same numbers as a
//   SyncVectorEnv over `make(id)`.
//
// Autoreset (Gymnasium 1.x):
// - 'next-step' (default): the step on which env i ends returns its final
//   observation in `obs`; on the following step env i ignores its action, is
//   reset, and returns the reset observation with reward 0 and both flags false
//   (`autoreset[i]` = 1 marks this step, whose "transition" a learner must skip).
// - 'same-step': env i is reset on the step it ends; `obs` holds the reset
//   observation and `finalObs` the observation the episode ended on.
//
// The result buffers are reused: they are valid until the next call to `step`
// or `reset`. Copy what you keep.
import type { Env, EnvSpec, Info, ResetArgs } from './env.js';
import { EnvUsageError } from './env.js';
import type { Kernel } from './kernel.js';
import { loadStateOption, obsDimOf } from './kernel.js';
import type { MakeOptions } from './registry.js';
import { envRegistration, make, resolveKwargs, specOf } from './registry.js';
import type { BoxSpace, DiscreteSpace, Space } from './spaces.js';
import { describeSpace, describeValue } from './spaces.js';
import { Rng } from './rng.js';

export type AutoresetMode = 'next-step' | 'same-step';

export interface VectorResetResult {
  /** numEnvs x obsDim observations, row-major. */
  readonly obs: Float32Array;
  readonly infos: readonly Info[];
}

export interface VectorStepResult {
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminations: Uint8Array;
  readonly truncations: Uint8Array;
  /** 1 where this step was an autoreset (next-step mode): not a real transition. */
  readonly autoreset: Uint8Array;
  /**
   * Rows where an episode ended this step hold its last observation. In
   * next-step mode this is the same array as `obs`; in same-step mode a separate
   * buffer (rows of envs that did not end are stale).
   */
  readonly finalObs: Float32Array;
  /** Return and length of the episode that ended this step (valid where it ended). */
  readonly episodeReturns: Float64Array;
  readonly episodeLengths: Int32Array;
  readonly infos: readonly Info[];
}

export interface VectorEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  readonly singleObservationSpace: BoxSpace | DiscreteSpace;
  readonly singleActionSpace: Space;
  /** Numbers per env in `obs`: the Box size, or 1 (the index) for a Discrete. */
  readonly obsDim: number;
  /** Numbers per env in the flat `actions` passed to `step`: the Box size, or 1. */
  readonly actionDim: number;
  readonly autoresetMode: AutoresetMode;
  reset(args?: ResetArgs): VectorResetResult;
  /** `actions` holds numEnvs x actionDim numbers, row-major. */
  step(actions: ArrayLike<number>): VectorStepResult;
  close(): void;
}

function dimOf(space: Space, what: string, id: string): number {
  if (space.type === 'box') return space.low.length;
  if (space.type === 'discrete') return 1;
  throw new TypeError(`${id}: vector envs need a Box or Discrete ${what} space, got ${describeSpace(space)} (wrap it with flattenObservation first)`);
}

function checkNumEnvs(numEnvs: number): void {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`vector env: numEnvs must be a positive integer, got ${numEnvs}`);
}

function checkActions(actions: ArrayLike<number>, expected: number, id: string): void {
  if (actions?.length !== expected) {
    throw new EnvUsageError(`${id}: step() needs ${expected} action values (numEnvs x actionDim), got ${actions?.length ?? describeValue(actions)}`);
  }
}

/** Shared result buffers. */
class Buffers {
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminations: Uint8Array;
  readonly truncations: Uint8Array;
  readonly autoreset: Uint8Array;
  readonly episodeReturns: Float64Array;
  readonly episodeLengths: Int32Array;
  /** Running return and length of the current episode of each env. */
  readonly runReturn: Float64Array;
  readonly runLength: Int32Array;
  /** Envs whose episode ended on the previous step (next-step mode). */
  readonly pendingReset: Uint8Array;
  /** Per-env info of the last step (kernel envs have none: they stay empty). */
  readonly infos: Info[];

  constructor(n: number, obsDim: number, mode: AutoresetMode) {
    this.obs = new Float32Array(n * obsDim);
    this.finalObs = mode === 'next-step' ? this.obs : new Float32Array(n * obsDim);
    this.rewards = new Float64Array(n);
    this.terminations = new Uint8Array(n);
    this.truncations = new Uint8Array(n);
    this.autoreset = new Uint8Array(n);
    this.episodeReturns = new Float64Array(n);
    this.episodeLengths = new Int32Array(n);
    this.runReturn = new Float64Array(n);
    this.runLength = new Int32Array(n);
    this.pendingReset = new Uint8Array(n);
    this.infos = Array.from({ length: n }, () => ({}));
  }

  clear(): void {
    this.rewards.fill(0);
    this.terminations.fill(0);
    this.truncations.fill(0);
    this.autoreset.fill(0);
    this.runReturn.fill(0);
    this.runLength.fill(0);
    this.pendingReset.fill(0);
  }

  /** Books the reward of env i and, if its episode ended, its return and length. */
  account(i: number, reward: number, ended: boolean): void {
    this.runReturn[i]! += reward;
    this.runLength[i]! += 1;
    if (ended) {
      this.episodeReturns[i] = this.runReturn[i]!;
      this.episodeLengths[i] = this.runLength[i]!;
      this.runReturn[i] = 0;
      this.runLength[i] = 0;
    }
  }
}

function childSeed(seed: number | undefined, i: number): number | undefined {
  return seed === undefined ? undefined : seed + i;
}

/** N ordinary envs stepped in turn. */
export class SyncVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  readonly singleObservationSpace: BoxSpace | DiscreteSpace;
  readonly singleActionSpace: Space;
  readonly obsDim: number;
  readonly actionDim: number;
  private readonly buf: Buffers;
  private readonly infos: Info[];
  private started = false;

  constructor(
    readonly envs: readonly Env[],
    readonly autoresetMode: AutoresetMode = 'next-step',
  ) {
    checkNumEnvs(envs.length);
    this.numEnvs = envs.length;
    const first = envs[0]!;
    this.spec = first.spec;
    const id = this.spec.id;
    this.obsDim = dimOf(first.observationSpace, 'observation', id);
    this.actionDim = dimOf(first.actionSpace, 'action', id);
    this.singleObservationSpace = first.observationSpace as BoxSpace | DiscreteSpace;
    this.singleActionSpace = first.actionSpace;
    this.buf = new Buffers(this.numEnvs, this.obsDim, autoresetMode);
    this.infos = this.buf.infos;
  }

  reset(args: ResetArgs = {}): VectorResetResult {
    this.buf.clear();
    for (let i = 0; i < this.numEnvs; i++) {
      const seed = childSeed(args.seed, i);
      const r = this.envs[i]!.reset({ ...(seed !== undefined ? { seed } : {}), ...(args.options ? { options: args.options } : {}) });
      this.write(i, r.obs, this.buf.obs);
      this.infos[i] = r.info;
    }
    this.started = true;
    return { obs: this.buf.obs, infos: this.infos };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.started) throw new EnvUsageError(`${this.spec.id}: vector step() called before reset()`);
    checkActions(actions, this.numEnvs * this.actionDim, this.spec.id);
    const b = this.buf;
    const continuous = this.singleActionSpace.type === 'box';
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      b.autoreset[i] = 0;
      if (b.pendingReset[i]) {
        const r = env.reset();
        this.write(i, r.obs, b.obs);
        this.infos[i] = r.info;
        b.rewards[i] = 0;
        b.terminations[i] = 0;
        b.truncations[i] = 0;
        b.autoreset[i] = 1;
        b.pendingReset[i] = 0;
        continue;
      }
      const action = continuous
        ? Float32Array.from({ length: this.actionDim }, (_, k) => actions[i * this.actionDim + k]!)
        : actions[i]!;
      const r = env.step(action);
      const ended = r.terminated || r.truncated;
      b.rewards[i] = r.reward;
      b.terminations[i] = r.terminated ? 1 : 0;
      b.truncations[i] = r.truncated ? 1 : 0;
      b.account(i, r.reward, ended);
      this.infos[i] = r.info;
      if (ended && this.autoresetMode === 'same-step') {
        this.write(i, r.obs, b.finalObs);
        const reset = env.reset();
        this.write(i, reset.obs, b.obs);
        this.infos[i] = { ...reset.info, finalInfo: r.info };
      } else {
        this.write(i, r.obs, b.obs);
        if (ended) b.pendingReset[i] = 1;
      }
    }
    return b;
  }

  close(): void {
    for (const env of this.envs) env.close();
  }

  private write(i: number, obs: unknown, target: Float32Array): void {
    const o = i * this.obsDim;
    if (typeof obs === 'number') {
      target[o] = obs;
      return;
    }
    const a = obs as ArrayLike<number>;
    for (let k = 0; k < this.obsDim; k++) target[o + k] = a[k]!;
  }
}

/** N copies of a kernel env stepped in one loop over flat arrays. */
export class KernelVectorEnv implements VectorEnv {
  readonly singleObservationSpace: BoxSpace;
  readonly singleActionSpace: BoxSpace | DiscreteSpace;
  readonly obsDim: number;
  readonly actionDim = 1;
  /** numEnvs x stateDim internal states. */
  readonly states: Float64Array;
  private readonly rngs: Rng[];
  private readonly buf: Buffers;
  private readonly maxSteps: number;
  private started = false;

  constructor(
    readonly kernel: Kernel,
    readonly numEnvs: number,
    readonly spec: EnvSpec,
    readonly autoresetMode: AutoresetMode = 'next-step',
    private readonly checkActionValues = true,
  ) {
    checkNumEnvs(numEnvs);
    this.singleObservationSpace = kernel.observationSpace;
    this.singleActionSpace = kernel.actionSpace;
    this.obsDim = obsDimOf(kernel);
    this.states = new Float64Array(numEnvs * kernel.stateDim);
    this.rngs = [];
    this.buf = new Buffers(numEnvs, this.obsDim, autoresetMode);
    this.maxSteps = spec.maxEpisodeSteps ?? Infinity;
  }

  reset(args: ResetArgs = {}): VectorResetResult {
    const { kernel, states, buf } = this;
    const d = kernel.stateDim;
    buf.clear();
    for (let i = 0; i < this.numEnvs; i++) {
      const seed = childSeed(args.seed, i);
      if (seed !== undefined || this.rngs[i] === undefined) this.rngs[i] = seed !== undefined ? new Rng(seed) : new Rng();
      if (!loadStateOption(kernel, this.spec.id, states, i * d, args.options)) kernel.reset(states, i * d, this.rngs[i]!, args.options);
      kernel.observe(states, i * d, buf.obs, i * this.obsDim);
    }
    this.started = true;
    return { obs: buf.obs, infos: buf.infos };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.started) throw new EnvUsageError(`${this.spec.id}: vector step() called before reset()`);
    const { kernel, states, buf, numEnvs, obsDim, maxSteps } = this;
    checkActions(actions, numEnvs, this.spec.id);
    if (this.checkActionValues) this.validate(actions);
    const d = kernel.stateDim;
    const sameStep = this.autoresetMode === 'same-step';
    const { obs, rewards, terminations, truncations, autoreset, pendingReset, runLength } = buf;
    for (let i = 0; i < numEnvs; i++) {
      const so = i * d;
      const oo = i * obsDim;
      if (pendingReset[i]) {
        kernel.reset(states, so, this.rngs[i]!);
        kernel.observe(states, so, obs, oo);
        rewards[i] = 0;
        terminations[i] = 0;
        truncations[i] = 0;
        autoreset[i] = 1;
        pendingReset[i] = 0;
        continue;
      }
      autoreset[i] = 0;
      const reward = kernel.step(states, so, actions[i]!);
      const terminated = kernel.terminated(states, so);
      const truncated = runLength[i]! + 1 >= maxSteps;
      const ended = terminated || truncated;
      rewards[i] = reward;
      terminations[i] = terminated ? 1 : 0;
      truncations[i] = truncated ? 1 : 0;
      buf.account(i, reward, ended);
      if (ended && sameStep) {
        kernel.observe(states, so, buf.finalObs, oo);
        kernel.reset(states, so, this.rngs[i]!);
      } else if (ended) {
        pendingReset[i] = 1;
      }
      kernel.observe(states, so, obs, oo);
    }
    return buf;
  }

  close(): void {}

  private validate(actions: ArrayLike<number>): void {
    const space = this.singleActionSpace;
    for (let i = 0; i < this.numEnvs; i++) {
      const a = actions[i]!;
      const ok =
        space.type === 'discrete'
          ? Number.isInteger(a) && a >= space.start && a < space.start + space.n
          : a >= space.low[0]! && a <= space.high[0]!;
      if (!ok) {
        throw new EnvUsageError(`${this.spec.id}: action ${describeValue(a)} of env ${i} is not in the action space ${describeSpace(space)}`);
      }
    }
  }
}

export interface MakeVecOptions extends MakeOptions {
  /** 'batched' needs a kernel env; 'auto' (default) uses it when there is one. */
  vectorizationMode?: 'auto' | 'sync' | 'batched';
  autoresetMode?: AutoresetMode;
}

/** N copies of the registered env `id`, batched when the env has a kernel. */
export function makeVec(id: string, numEnvs: number, options: MakeVecOptions = {}): VectorEnv {
  const { vectorizationMode = 'auto', autoresetMode = 'next-step', ...makeOptions } = options;
  checkNumEnvs(numEnvs);
  if (autoresetMode !== 'next-step' && autoresetMode !== 'same-step') {
    throw new RangeError(`makeVec(${id}): autoresetMode must be 'next-step' or 'same-step', got ${JSON.stringify(autoresetMode)}`);
  }
  const reg = envRegistration(id);
  const batched = vectorizationMode === 'batched' || (vectorizationMode === 'auto' && reg.kernel !== undefined);
  if (batched) {
    if (!reg.kernel) throw new TypeError(`makeVec(${id}): vectorizationMode 'batched' needs an env with a kernel; use 'sync'`);
    const { maxEpisodeSteps, disableActionCheck, ...given } = makeOptions;
    const kwargs = resolveKwargs(reg, given);
    return new KernelVectorEnv(reg.kernel(kwargs), numEnvs, specOf(reg, kwargs, maxEpisodeSteps), autoresetMode, !disableActionCheck);
  }
  if (vectorizationMode !== 'sync' && vectorizationMode !== 'auto') {
    throw new RangeError(`makeVec(${id}): vectorizationMode must be 'auto', 'sync' or 'batched', got ${JSON.stringify(vectorizationMode)}`);
  }
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, () => make(id, makeOptions)),
    autoresetMode,
  );
}
