// The env registry: ids like `CartPole-v1` map to factories plus the spec data
// (episode limit, reward threshold, default kwargs). `make` builds an env the
// way Gymnasium's make does: the raw env, an action check, the time limit, and
// order enforcing outermost so that stepping past any episode end is caught.
import type { Env, EnvSpec } from './env.js';
import { actionChecking, orderEnforcing } from './env.js';
import type { Kernel } from './kernel.js';
import { timeLimit } from './wrappers/time-limit.js';
import { editDistance } from './text.js';
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

const ID_PATTERN = /^(?:[A-Za-z0-9_.:-]+\/)?[A-Za-z0-9_.:-]+?(?:-v\d+)?$/;
const registry = new Map<string, EnvRegistration>();

export class UnknownEnvError extends Error {
  override name = 'UnknownEnvError';
}

export function register(id: string, factory: EnvFactory, options: RegisterOptions = {}): void {
  if (!ID_PATTERN.test(id)) throw new TypeError(`register: malformed env id ${JSON.stringify(id)} (expected e.g. "[namespace/]Name-v0")`);
  if (registry.has(id)) throw new Error(`register: ${id} is already registered`);
  registry.set(id, { id, factory, ...options });
}

/** Removes an id (for tests that register temporary envs). */
export function unregister(id: string): boolean {
  return registry.delete(id);
}

export function listEnvs(): EnvRegistration[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function baseName(id: string): string {
  return id.replace(/-v\d+$/, '');
}

/** The registration for `id`, or an error naming the available versions or the closest ids. */
export function envRegistration(id: string): EnvRegistration {
  const found = registry.get(id);
  if (found) return found;
  const ids = [...registry.keys()];
  const sameName = ids.filter((k) => baseName(k) === baseName(id));
  if (sameName.length > 0) {
    throw new UnknownEnvError(`env ${JSON.stringify(id)} is not registered; available versions: ${sameName.join(', ')}`);
  }
  const lower = id.toLowerCase();
  const close = ids
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(3, Math.floor(k.length / 3)) || k.toLowerCase().includes(baseName(lower)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 5)
    .map(({ k }) => k);
  const hint = close.length > 0 ? `did you mean ${close.join(', ')}?` : `registered envs: ${ids.sort().join(', ')}`;
  throw new UnknownEnvError(`env ${JSON.stringify(id)} is not registered; ${hint}`);
}

/** Default kwargs merged with the given ones; unknown keys throw with the allowed list. */
export function resolveKwargs(reg: EnvRegistration, given: Record<string, unknown>): Record<string, unknown> {
  const defaults = reg.kwargs ?? {};
  const allowed = Object.keys(defaults);
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `${reg.id}: unknown keyword argument ${JSON.stringify(key)}; ${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it takes none'}`,
      );
    }
  }
  return { ...defaults, ...given };
}

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
