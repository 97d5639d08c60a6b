// The env registry: ids like `CartPole-v1` map to factories plus the spec data
// (episode limit, reward threshold, default kwargs). `make` builds an env the
// way Gymnasium's make does: the raw env, an action check, the time limit, and
// order enforcing outermost so that stepping past any episode end is caught.
import type { Env, EnvSpec } from './env.js';
import { actionChecking, orderEnforcing } from './env.js';
import type { Kernel } from './kernel.js';
import { timeLimit } from './wrappers/time-limit.js';
import { NamedRegistry, resolveKwargs } from './named-registry.js';
import { describeValue } from './spaces.js';

export type EnvFactory = (kwargs: Record<string, unknown>, spec: EnvSpec) => Env;

export interface RegisterOptions {
  /** Episode length at which `make` truncates (TimeLimit). */
  maxEpisodeSteps?: number;
  /** Average return that counts as solving the task. */
  rewardThreshold?: number;
  /** Default keyword arguments; their keys are the only kwargs `make` accepts. */
  kwargs?: Record<string, unknown>;
  nondeterministic?: boolean;
  /** One-line description for `arena envs`. */
  description?: string;
  /** The env's kernel, when it has one: enables the batched vector env. */
  kernel?: (kwargs: Record<string, unknown>) => Kernel;
}

export interface EnvRegistration extends RegisterOptions {
  readonly id: string;
  readonly factory: EnvFactory;
}

export interface MakeOptions {
  /** Overrides the registered episode limit; `null` disables the time limit. */
  maxEpisodeSteps?: number | null;
  /** Skips the per-step action check (for trusted callers on hot paths). */
  disableActionCheck?: boolean;
  [kwarg: string]: unknown;
}

export class UnknownEnvError extends Error {
  override name = 'UnknownEnvError';
}

const registry = new NamedRegistry<EnvRegistration>({ kind: 'env', registrar: 'register', versioned: true, unknownError: UnknownEnvError });

export function register(id: string, factory: EnvFactory, options: RegisterOptions = {}): void {
  registry.add(id, { id, factory, ...options });
}

/** Removes an id (for tests that register temporary envs). */
export function unregister(id: string): boolean {
  return registry.remove(id);
}

export function listEnvs(): EnvRegistration[] {
  return registry.list();
}

/** The registration for `id`, or an error naming the available versions or the closest ids. */
export function envRegistration(id: string): EnvRegistration {
  return registry.get(id);
}

export { resolveKwargs };

/** Throws unless `options` is a plain object of keyword arguments (null, a number or a list is a caller's mistake). */
export function checkOptions(caller: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object of keyword arguments (e.g. { maxEpisodeSteps: 100 }), got ${describeValue(options)}`);
  }
}

/** The spec of an env made from `reg` with these kwargs and episode-limit override. */
export function specOf(reg: EnvRegistration, kwargs: Record<string, unknown>, maxEpisodeSteps: number | null | undefined): EnvSpec {
  if (maxEpisodeSteps !== undefined && maxEpisodeSteps !== null && (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1)) {
    throw new RangeError(`${reg.id}: maxEpisodeSteps must be a positive integer or null, got ${String(maxEpisodeSteps)}`);
  }
  const limit = maxEpisodeSteps === null ? undefined : (maxEpisodeSteps ?? reg.maxEpisodeSteps);
  return {
    id: reg.id,
    kwargs,
    ...(limit !== undefined ? { maxEpisodeSteps: limit } : {}),
    ...(reg.rewardThreshold !== undefined ? { rewardThreshold: reg.rewardThreshold } : {}),
    ...(reg.nondeterministic ? { nondeterministic: true } : {}),
  };
}

/**
 * Builds the registered env `id` with kwargs, wrapped in an action check, the
 * time limit (registered, overridden by `maxEpisodeSteps`, or none with null)
 * and order enforcing.
 */
export function make<O = unknown, A = unknown>(id: string, options: MakeOptions = {}): Env<O, A> {
  checkOptions(`make(${JSON.stringify(id)})`, options);
  const { maxEpisodeSteps, disableActionCheck, ...given } = options;
  const reg = envRegistration(id);
  const kwargs = resolveKwargs(reg, given);
  const spec = specOf(reg, kwargs, maxEpisodeSteps);
  let env = reg.factory(kwargs, spec);
  if (!disableActionCheck) env = actionChecking(env);
  if (spec.maxEpisodeSteps !== undefined) env = timeLimit(env, spec.maxEpisodeSteps);
  return orderEnforcing(env) as Env<O, A>;
}
