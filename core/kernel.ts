// Kernels: the one copy of a simple env's dynamics. A kernel is a set of pure,
// allocation-free functions over a flat Float64Array of states (each env copy
// owns `stateDim` slots starting at an offset). The scalar env (`KernelEnv`)
// runs one copy; the batched vector env (core/vector.ts) runs N copies in one
// loop over flat typed arrays. Both call the same functions, so they give the
// same numbers, and physical constants appear once, in the env's file.
import type { Env, EnvSpec, Info, RenderState, ResetArgs, ResetResult, StepResult } from './env.js';
import { EnvUsageError } from './env.js';
import type { BoxSpace, DiscreteSpace } from './spaces.js';
import type { Rng } from './rng.js';
import { reseed } from './rng.js';

export interface Kernel {
  readonly stateDim: number;
  readonly observationSpace: BoxSpace;
  /** Every kernel env takes one number per step: a discrete index or a 1-D Box action's value. */
  readonly actionSpace: DiscreteSpace | BoxSpace;
  /** Draws a start state into s[o .. o + stateDim) (reset `options` other than `state` are passed on). */
  reset(s: Float64Array, o: number, rng: Rng, options?: Readonly<Record<string, unknown>>): void;
  /** Advances the state at `o` by one step under `action` and returns the reward. */
  step(s: Float64Array, o: number, action: number): number;
  /** Whether the state at `o` is terminal (checked right after `step`). */
  terminated(s: Float64Array, o: number): boolean;
  /** Writes the observation of the state at `o` into out[oo .. oo + obsDim). */
  observe(s: Float64Array, o: number, out: Float32Array, oo: number): void;
  renderState(s: Float64Array, o: number): RenderState;
}

export function obsDimOf(kernel: Kernel): number {
  return kernel.observationSpace.low.length;
}

/**
 * Copies `options.state` (the env's full internal state, e.g. from a recorded
 * trajectory) into s[o ..]; returns false when no state was given.
 */
export function loadStateOption(kernel: Kernel, id: string, s: Float64Array, o: number, options?: Readonly<Record<string, unknown>>): boolean {
  const state = options?.state;
  if (state === undefined) return false;
  const values = state as ArrayLike<number>;
  if (typeof values !== 'object' || values === null || values.length !== kernel.stateDim) {
    throw new EnvUsageError(`${id}: reset options.state must be an array of ${kernel.stateDim} numbers, got ${JSON.stringify(state)}`);
  }
  for (let i = 0; i < kernel.stateDim; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new EnvUsageError(`${id}: reset options.state[${i}] must be a finite number, got ${v}`);
    s[o + i] = v;
  }
  return true;
}

/** A scalar env over a kernel. Actions: a number for Discrete, a length-1 array for Box. */
export class KernelEnv implements Env<Float32Array, number | ArrayLike<number>> {
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace | BoxSpace;
  private readonly s: Float64Array;
  private rng: Rng | null = null;
  private readonly continuous: boolean;

  constructor(
    readonly kernel: Kernel,
    readonly spec: EnvSpec,
  ) {
    this.observationSpace = kernel.observationSpace;
    this.actionSpace = kernel.actionSpace;
    this.s = new Float64Array(kernel.stateDim);
    this.continuous = kernel.actionSpace.type === 'box';
  }

  get unwrapped(): Env {
    return this as Env;
  }

  /** The internal state (a copy), e.g. CartPole's [x, x_dot, theta, theta_dot]. */
  get state(): number[] {
    return Array.from(this.s);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.rng = reseed(this.rng, args.seed);
    if (!loadStateOption(this.kernel, this.spec.id, this.s, 0, args.options)) this.kernel.reset(this.s, 0, this.rng, args.options);
    return { obs: this.observe(), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult<Float32Array> {
    const a = this.continuous ? (action as ArrayLike<number>)[0]! : (action as number);
    const reward = this.kernel.step(this.s, 0, a);
    const terminated = this.kernel.terminated(this.s, 0);
    const info: Info = {};
    return { obs: this.observe(), reward, terminated, truncated: false, info };
  }

  renderState(): RenderState {
    return this.kernel.renderState(this.s, 0);
  }

  close(): void {}

  private observe(): Float32Array {
    const out = new Float32Array(this.observationSpace.low.length);
    this.kernel.observe(this.s, 0, out, 0);
    return out;
  }
}
