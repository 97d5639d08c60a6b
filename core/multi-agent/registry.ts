// The game registry: `registerGame`, `makeGame` (the game wrapped in an
// action check, the time limit and order enforcing), `listGames`.
import type { Rng } from '../rng.js';
import { checkOptions } from '../registry.js';
import { NamedRegistry, resolveKwargs } from '../named-registry.js';
import type { AgentId, GameKind, GameSpec, ParallelEnv, TurnBasedEnv, Game } from './api.js';
import { isTurnBased, isParallel } from './api.js';
import { checkLimit, parallelActionChecking, turnBasedActionChecking, parallelTimeLimit, turnBasedTimeLimit, parallelOrderEnforcing, turnBasedOrderEnforcing } from './wrappers.js';

export type GameFactory = (kwargs: Record<string, unknown>, spec: GameSpec) => Game;

/** A fixed player for one agent's decision: what a game ships as a named opponent (a scripted team, a perfect player). */
export type GamePolicy = (obs: unknown, input: { readonly agent: AgentId; readonly rng: Rng }) => unknown;

/**
 * A potential over one agent's observation for reward shaping (Ng et al. 1999:
 * F = gamma * phi(next) - phi(obs) keeps the optimal policies), e.g. how far the
 * ball has moved toward the opponents' goal.
 */
export type ObservationPotential = (obs: unknown) => number;

export interface GameRegisterOptions {
  readonly kind: GameKind;
  /** Steps (parallel) or moves (turn-based) at which `makeGame` truncates. */
  readonly maxEpisodeSteps?: number;
  /** Default keyword arguments; their keys are the only kwargs `makeGame` accepts. */
  readonly kwargs?: Record<string, unknown>;
  /** One-line description. */
  readonly description?: string;
  readonly nondeterministic?: boolean;
  /**
   * Named fixed opponents that come with the game, made for the game's kwargs
   * (e.g. a scripted soccer team that moves in the game's action space).
   * Experiments train and evaluate against them by name, next to 'random'.
   */
  readonly opponents?: Readonly<Record<string, (kwargs: Readonly<Record<string, unknown>>) => GamePolicy>>;
  /** Named potentials for reward shaping (see ObservationPotential). */
  readonly potentials?: Readonly<Record<string, ObservationPotential>>;
}

export interface GameRegistration extends GameRegisterOptions {
  readonly id: string;
  readonly factory: GameFactory;
}

export interface MakeGameOptions {
  /** Overrides the registered limit; `null` removes it. */
  maxEpisodeSteps?: number | null;
  /** Skips the per-step action-space check. */
  disableActionCheck?: boolean;
  [kwarg: string]: unknown;
}

export class UnknownGameError extends Error {
  override name = 'UnknownGameError';
}

const games = new NamedRegistry<GameRegistration>({ kind: 'game', registrar: 'registerGame', versioned: true, unknownError: UnknownGameError });

export function registerGame(id: string, factory: GameFactory, options: GameRegisterOptions): void {
  if (options?.kind !== 'parallel' && options?.kind !== 'turn-based') {
    throw new TypeError(`registerGame: ${id}: kind must be 'parallel' or 'turn-based', got ${JSON.stringify(options?.kind)}`);
  }
  if (options.maxEpisodeSteps !== undefined) checkLimit(options.maxEpisodeSteps, `registerGame: ${id}`);
  games.add(id, { id, factory, ...options });
}

/** Removes an id (for tests that register temporary games). */
export function unregisterGame(id: string): boolean {
  return games.remove(id);
}

export function listGames(): GameRegistration[] {
  return games.list();
}

/** The registration for `id`, or an error naming the available versions or the closest ids. */
export function gameRegistration(id: string): GameRegistration {
  return games.get(id);
}

/**
 * Builds the registered game `id` with kwargs, wrapped in an action check, the
 * time limit (registered, overridden by `maxEpisodeSteps`, or none with null)
 * and order enforcing. The result is a ParallelEnv or a TurnBasedEnv according
 * to the registration (`spec.kind`; see isParallel / isTurnBased).
 */
export function makeGame(id: string, options: MakeGameOptions = {}): Game {
  checkOptions(`makeGame(${JSON.stringify(id)})`, options);
  const { maxEpisodeSteps, disableActionCheck, ...given } = options;
  const reg = gameRegistration(id);
  const kwargs = resolveKwargs(reg, given);
  if (maxEpisodeSteps !== undefined && maxEpisodeSteps !== null) checkLimit(maxEpisodeSteps, id);
  const limit = maxEpisodeSteps === null ? undefined : (maxEpisodeSteps ?? reg.maxEpisodeSteps);
  const spec: GameSpec = {
    id: reg.id,
    kind: reg.kind,
    kwargs,
    ...(limit !== undefined ? { maxEpisodeSteps: limit } : {}),
    ...(reg.nondeterministic ? { nondeterministic: true } : {}),
  };
  const game = reg.factory(kwargs, spec);
  if (game.spec?.kind !== reg.kind) {
    throw new TypeError(`makeGame: ${id} is registered as ${reg.kind} but its factory built a ${String(game.spec?.kind)} game`);
  }
  if (isParallel(game)) {
    let env: ParallelEnv = game;
    if (!disableActionCheck) env = parallelActionChecking(env);
    if (limit !== undefined) env = parallelTimeLimit(env, limit);
    return parallelOrderEnforcing(env);
  }
  let env: TurnBasedEnv = game as TurnBasedEnv;
  if (!disableActionCheck) env = turnBasedActionChecking(env);
  if (limit !== undefined) env = turnBasedTimeLimit(env, limit);
  return turnBasedOrderEnforcing(env);
}

/** makeGame for a game registered as parallel (a turn-based one fails, naming turnBasedToParallel). */
export function makeParallelGame<O = unknown, A = unknown>(id: string, options: MakeGameOptions = {}): ParallelEnv<O, A> {
  const game = makeGame(id, options);
  if (!isParallel(game)) throw new TypeError(`${id} is a turn-based game; use makeTurnBasedGame, or turnBasedToParallel(makeGame(id)) for a parallel view`);
  return game as ParallelEnv<O, A>;
}

/** makeGame for a game registered as turn-based (a parallel one fails, naming parallelToTurnBased). */
export function makeTurnBasedGame<O = unknown, A = unknown>(id: string, options: MakeGameOptions = {}): TurnBasedEnv<O, A> {
  const game = makeGame(id, options);
  if (!isTurnBased(game)) throw new TypeError(`${id} is a parallel game; use makeParallelGame, or parallelToTurnBased(makeGame(id)) for a turn-based view`);
  return game as TurnBasedEnv<O, A>;
}
