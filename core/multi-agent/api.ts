// The two multi-agent APIs, with PettingZoo's as the reference semantics.
//
// Parallel (PettingZoo's ParallelEnv): every live agent acts at once;
// `step(actions)` takes one action per live agent and returns plain objects
// keyed by agent id (observations, rewards, terminations, truncations, infos)
// for the agents that acted. An agent whose termination or truncation is true
// leaves `agents` and does not come back within the episode.
//
// Turn-based (PettingZoo's AEC API, for board games): one agent moves at a
// time. `agentSelection` is whose turn it is; `last()` gives that agent's
// observation, the reward it has collected since it last moved (the cumulative
// reward), and its flags; `step(action)` plays the move. When the game ends
// every agent is marked done and stays in `agents` until it is selected and
// stepped with `null`, so that each one sees its final reward through `last()`.
// Legal moves travel in the observation: `{ observation, actionMask }` (masks.ts).
import type { Info, RenderState, ResetArgs } from '../env.js';
import { EnvUsageError } from '../env.js';
import type { Space, SpaceValue } from '../spaces.js';

export type AgentId = string;
export type PerAgent<T> = Record<AgentId, T>;
export type GameKind = 'parallel' | 'turn-based';

export interface GameSpec {
  /** Registered id, e.g. `TicTacToe-v0`. */
  readonly id: string;
  readonly kind: GameKind;
  /** Steps (parallel) or moves (turn-based) after which the time limit truncates, if any. */
  readonly maxEpisodeSteps?: number;
  /** Keyword arguments the game was made with. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** True when the same seed and actions need not give the same trajectory. */
  readonly nondeterministic?: boolean;
}


export interface ParallelResetResult<O> {
  obs: PerAgent<O>;
  infos: PerAgent<Info>;
}

/** Keyed by the agents that acted (the live agents before the step). */
export interface ParallelStepResult<O> {
  obs: PerAgent<O>;
  rewards: PerAgent<number>;
  terminations: PerAgent<boolean>;
  truncations: PerAgent<boolean>;
  infos: PerAgent<Info>;
}

export interface ParallelEnv<O = unknown, A = unknown> {
  readonly spec: GameSpec;
  /** Every agent that may take part, in a fixed order. */
  readonly possibleAgents: readonly AgentId[];
  /** The live agents: those that act in the next step. */
  readonly agents: readonly AgentId[];
  /** The innermost game, below every wrapper. */
  readonly unwrapped: ParallelEnv;
  observationSpace(agent: AgentId): Space;
  actionSpace(agent: AgentId): Space;
  /** Space of `state()`, when the game has a global state for centralized critics. */
  readonly stateSpace?: Space;
  state?(): SpaceValue;
  reset(args?: ResetArgs): ParallelResetResult<O>;
  step(actions: Readonly<PerAgent<A>>): ParallelStepResult<O>;
  /** Plain JSON describing the scene, with per-agent entries under `agents`. */
  renderState(): RenderState;
  /** Static scene data (field size, radii), drawn once. */
  renderHeader?(): Record<string, unknown>;
  close(): void;
}


export interface LastResult<O> {
  obs: O;
  /** Reward collected since this agent last moved (PettingZoo's cumulative reward). */
  reward: number;
  termination: boolean;
  truncation: boolean;
  info: Info;
}

export interface TurnBasedEnv<O = unknown, A = unknown> {
  readonly spec: GameSpec;
  readonly possibleAgents: readonly AgentId[];
  /** Agents still in the game, done ones included until they are stepped with null. */
  readonly agents: readonly AgentId[];
  /** The agent whose turn it is (or, after the game ended, the next done agent to remove). */
  readonly agentSelection: AgentId;
  /** Rewards of the last step, per agent in `agents`. */
  readonly rewards: Readonly<PerAgent<number>>;
  /** Rewards collected since each agent last moved; `last()` reports the selected agent's. */
  readonly cumulativeRewards: Readonly<PerAgent<number>>;
  readonly terminations: Readonly<PerAgent<boolean>>;
  readonly truncations: Readonly<PerAgent<boolean>>;
  readonly infos: Readonly<PerAgent<Info>>;
  readonly unwrapped: TurnBasedEnv;
  observationSpace(agent: AgentId): Space;
  actionSpace(agent: AgentId): Space;
  readonly stateSpace?: Space;
  state?(): SpaceValue;
  reset(args?: ResetArgs): void;
  observe(agent: AgentId): O;
  last(): LastResult<O>;
  /** The selected agent's move; `null` (or undefined) for a done agent, which removes it. */
  step(action: A | null | undefined): void;
  renderState(): RenderState;
  renderHeader?(): Record<string, unknown>;
  close(): void;
}

export type Game = ParallelEnv | TurnBasedEnv;

export function isTurnBased(game: Game): game is TurnBasedEnv {
  return game.spec.kind === 'turn-based';
}

export function isParallel(game: Game): game is ParallelEnv {
  return game.spec.kind === 'parallel';
}

/** A move the rules forbid (an occupied cell, a full column), rejected in illegalMove: 'error' mode. */
export class IllegalMoveError extends EnvUsageError {
  override name = 'IllegalMoveError';
}

/** How a game answers an illegal move: throw (default), or end the game with the offender losing. */
export type IllegalMoveMode = 'error' | 'penalty';
