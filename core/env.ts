// The Env contract (Gymnasium 1.x semantics) and the small pieces every env and
// wrapper shares. `terminated` means the MDP reached a terminal state;
// `truncated` means something outside the MDP (usually a time limit) cut the
// episode. Learners bootstrap on truncation and not on termination, so the two
// flags stay separate everywhere.
import type { Space } from './spaces.js';
import { contains, describeSpace, describeValue } from './spaces.js';

export type Info = Record<string, unknown>;

/** JSON-serializable numeric description of the scene, the only input the viewer draws from. */
export type RenderState = Record<string, unknown>;

export interface EnvSpec {
  /** Registered id, e.g. `CartPole-v1`. */
  readonly id: string;
  /** Episode length at which TimeLimit truncates, if any. */
  readonly maxEpisodeSteps?: number;
  /** Average return over 100 episodes that counts as solving the task. */
  readonly rewardThreshold?: number;
  /** Keyword arguments the env was made with. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** True when the same seed and actions need not give the same trajectory. */
  readonly nondeterministic?: boolean;
}

export interface ResetArgs {
  /** Reseeds the env's generator; without it the generator continues (or is seeded from entropy on first use). */
  readonly seed?: number;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface ResetResult<O> {
  obs: O;
  info: Info;
}

export interface StepResult<O> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface Env<O = unknown, A = unknown> {
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** The innermost env, below every wrapper (where env-specific extras such as a transition table live). */
  readonly unwrapped: Env;
  reset(args?: ResetArgs): ResetResult<O>;
  step(action: A): StepResult<O>;
  renderState(): RenderState;
  close(): void;
}

/** An error in how an env is used (order of calls, actions, options), with the env id in the message. */
export class EnvUsageError extends Error {
  override name = 'EnvUsageError';
}

/**
 * Builds a wrapper: an env that forwards everything to `inner` except what
 * `overrides` replaces. Wrappers are plain functions built on this, so there is
 * no class chain to inherit from.
 */
export function forward<O, A, IO = O, IA = A>(
  inner: Env<IO, IA>,
  overrides: Partial<Omit<Env<O, A>, 'unwrapped'>>,
): Env<O, A> {
  const env = {
    get spec() {
      return inner.spec;
    },
    get observationSpace() {
      return inner.observationSpace;
    },
    get actionSpace() {
      return inner.actionSpace;
    },
    get unwrapped() {
      return inner.unwrapped;
    },
    reset: (args?: ResetArgs) => inner.reset(args) as unknown as ResetResult<O>,
    step: (action: A) => inner.step(action as unknown as IA) as unknown as StepResult<O>,
    renderState: () => inner.renderState(),
    close: () => inner.close(),
  };
  for (const key of Object.keys(overrides) as (keyof typeof overrides)[]) {
    const desc = Object.getOwnPropertyDescriptor(overrides, key)!;
    Object.defineProperty(env, key, { ...desc, enumerable: true, configurable: true });
  }
  return env as Env<O, A>;
}

/**
 * Gymnasium's OrderEnforcing, made strict: stepping before the first reset or
 * after an episode ended (terminated or truncated) or after close() without a
 * reset throws.
 */
export function orderEnforcing<O, A>(env: Env<O, A>): Env<O, A> {
  let phase: 'new' | 'running' | 'ended' | 'closed' = 'new';
  return forward<O, A>(env, {
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      phase = 'running';
      return r;
    },
    step(action: A) {
      if (phase !== 'running') {
        throw phase === 'closed'
          ? new EnvUsageError(`${env.spec.id}: step() called after close(); call reset() first if the env is to be used again`)
          : new EnvUsageError(
              phase === 'new'
                ? `${env.spec.id}: step() called before reset(); call reset() to start an episode`
                : `${env.spec.id}: step() called after the episode ended (terminated or truncated); call reset() to start a new one`,
            );
      }
      const r = env.step(action);
      if (r.terminated || r.truncated) phase = 'ended';
      return r;
    },
    close() {
      phase = 'closed';
      env.close();
    },
  });
}

/** Throws a clear error when `action` is not in `env`'s action space. */
export function assertAction(env: { spec: EnvSpec; actionSpace: Space }, action: unknown): void {
  if (!contains(env.actionSpace, action)) {
    throw new EnvUsageError(`${env.spec.id}: action ${describeValue(action)} is not in the action space ${describeSpace(env.actionSpace)}`);
  }
}

/** Checks every action against the action space before it reaches the env. */
export function actionChecking<O, A>(env: Env<O, A>): Env<O, A> {
  return forward<O, A>(env, {
    step(action: A) {
      assertAction(env, action);
      return env.step(action);
    },
  });
}
