// Multi-agent games, with PettingZoo's two APIs as the reference semantics.
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
// Legal moves travel in the observation: `{ observation, actionMask }`.
//
// Also here: the game registry (`registerGame`, `makeGame`, `listGames`), the
// wrappers `makeGame` applies (action check, time limit, order enforcing), the
// conversions between the two APIs, and small helpers the games share
// (`TurnLedger` keeps the AEC bookkeeping, `AgentTally` the per-agent render data).
import type { Info, RenderState, ResetArgs } from './env.js';
import { EnvUsageError } from './env.js';
import type { Rng } from './rng.js';
import type { DictSpace, Space, SpaceValue } from './spaces.js';
import { contains, describeSpace, describeValue, dict, multiBinary } from './spaces.js';
import { closestMatch } from './text.js';
import { checkOptions } from './registry.js';
import { NamedRegistry, resolveKwargs } from './named-registry.js';

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

// ---------------------------------------------------------------- the parallel API

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

// ---------------------------------------------------------------- the turn-based API

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

// ---------------------------------------------------------------- action masks

/** An observation that carries the legal moves: `actionMask[a]` is 1 when action `a` is legal. */
export interface MaskedObservation<O = SpaceValue> {
  observation: O;
  actionMask: Uint8Array;
}

/** The Dict space of a masked observation over `nActions` discrete actions. */
export function maskedSpace(observation: Space, nActions: number): DictSpace {
  return dict({ observation, actionMask: multiBinary(nActions) });
}

/** The action mask inside an observation, or null when it has none. */
export function actionMaskOf(obs: unknown): Uint8Array | null {
  if (typeof obs !== 'object' || obs === null || ArrayBuffer.isView(obs)) return null;
  const mask = (obs as { actionMask?: unknown }).actionMask;
  return mask instanceof Uint8Array ? mask : null;
}

function maskFrom(maskOrObs: Uint8Array | unknown): Uint8Array {
  const mask = maskOrObs instanceof Uint8Array ? maskOrObs : actionMaskOf(maskOrObs);
  if (!mask) throw new TypeError(`expected an action mask or an observation with one, got ${describeValue(maskOrObs)}`);
  return mask;
}

/** The legal actions of a mask (or of an observation carrying one), in increasing order. */
export function legalActions(maskOrObs: Uint8Array | unknown): number[] {
  const mask = maskFrom(maskOrObs);
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.push(i);
  return out;
}

/** A uniformly random legal action: the random player of the board games. */
export function randomLegalAction(maskOrObs: Uint8Array | unknown, rng: Rng): number {
  const legal = legalActions(maskOrObs);
  if (legal.length === 0) throw new EnvUsageError('randomLegalAction: the mask has no legal action (is it this agent\'s turn?)');
  return legal[rng.integers(0, legal.length)]!;
}

// ---------------------------------------------------------------- shared helpers for games

/**
 * Throws one error listing everything wrong with a parallel step's actions:
 * not an object, no live agents, actions for done or unknown agents, or live
 * agents without an action.
 */
export function assertParallelActions(gameId: string, possibleAgents: readonly AgentId[], live: readonly AgentId[], actions: unknown): void {
  if (typeof actions !== 'object' || actions === null || Array.isArray(actions) || ArrayBuffer.isView(actions)) {
    throw new EnvUsageError(`${gameId}: step() takes an object with one action per live agent, got ${describeValue(actions)}`);
  }
  if (live.length === 0) {
    throw new EnvUsageError(`${gameId}: step() called with no live agents (the episode ended, or reset() was never called); call reset()`);
  }
  const problems: string[] = [];
  for (const key of Object.keys(actions)) {
    if (live.includes(key)) continue;
    if (possibleAgents.includes(key)) {
      problems.push(`${key} is done (it left agents) and cannot act again this episode`);
    } else {
      const close = closestMatch(key, possibleAgents);
      problems.push(`${JSON.stringify(key)} is not an agent of this game${close ? ` (did you mean ${close}?)` : ''}`);
    }
  }
  const given = actions as Record<string, unknown>;
  const missing = live.filter((a) => !Object.hasOwn(given, a) || given[a] === undefined);
  if (missing.length > 0) problems.push(`no action for live agent${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (problems.length > 0) {
    throw new EnvUsageError(`${gameId}: step() needs exactly one action per live agent (${live.join(', ')}): ${problems.join('; ')}`);
  }
}

/** Throws when reset options hold a key the game does not know. */
export function assertResetOptions(gameId: string, options: Readonly<Record<string, unknown>> | undefined, allowed: readonly string[]): void {
  for (const key of Object.keys(options ?? {})) {
    if (!allowed.includes(key)) {
      throw new EnvUsageError(`${gameId}: unknown reset option ${JSON.stringify(key)}; ${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it takes none'}`);
    }
  }
}

/** An action as plain JSON (typed arrays become number arrays). */
export type ActionJSON = number | number[] | null;

export function actionToJSON(action: unknown): ActionJSON {
  if (typeof action === 'number') return action;
  if (ArrayBuffer.isView(action) && !(action instanceof DataView)) return Array.from(action as unknown as ArrayLike<number>);
  if (Array.isArray(action) && action.every((v) => typeof v === 'number')) return [...(action as number[])];
  return null;
}

export interface AgentRenderInfo {
  lastAction: ActionJSON;
  /** Reward of the last step. */
  reward: number;
  /** Sum of the rewards this episode. */
  return: number;
}

/** Per-agent last action, last reward and episode return, for renderState(). */
export class AgentTally {
  private readonly entries = new Map<AgentId, AgentRenderInfo>();

  constructor(private readonly agentIds: readonly AgentId[]) {
    this.reset();
  }

  reset(): void {
    for (const a of this.agentIds) this.entries.set(a, { lastAction: null, reward: 0, return: 0 });
  }

  act(agent: AgentId, action: unknown): void {
    this.entries.get(agent)!.lastAction = actionToJSON(action);
  }

  /** Records one step's rewards; agents not listed got 0. */
  reward(rewards: Readonly<PerAgent<number>>): void {
    for (const [agent, entry] of this.entries) {
      const r = rewards[agent] ?? 0;
      entry.reward = r;
      entry.return += r;
    }
  }

  /** Plain JSON per agent, merged with the game's own per-agent data (positions, marks). */
  toJSON(extra?: (agent: AgentId) => Record<string, unknown>): PerAgent<Record<string, unknown>> {
    const out: PerAgent<Record<string, unknown>> = {};
    for (const [agent, entry] of this.entries) {
      out[agent] = { ...(extra ? extra(agent) : {}), lastAction: entry.lastAction, reward: entry.reward, return: entry.return };
    }
    return out;
  }
}

/**
 * The AEC bookkeeping a turn-based game needs, in one object the game owns:
 * live and done agents, whose turn it is, per-step and cumulative rewards, and
 * the removal of done agents one `step(null)` at a time (PettingZoo's
 * `_was_dead_step`, `_deads_step_first`, `_accumulate_rewards`).
 */
export class TurnLedger {
  agents: AgentId[] = [];
  agentSelection: AgentId = '';
  rewards: PerAgent<number> = {};
  cumulativeRewards: PerAgent<number> = {};
  terminations: PerAgent<boolean> = {};
  truncations: PerAgent<boolean> = {};
  infos: PerAgent<Info> = {};
  /** The live agent to select once every done agent has been removed. */
  private resumeWith: AgentId | null = null;

  reset(agents: readonly AgentId[], first: AgentId): void {
    this.agents = [...agents];
    this.agentSelection = first;
    this.resumeWith = null;
    this.rewards = {};
    this.cumulativeRewards = {};
    this.terminations = {};
    this.truncations = {};
    this.infos = {};
    for (const a of agents) {
      this.rewards[a] = 0;
      this.cumulativeRewards[a] = 0;
      this.terminations[a] = false;
      this.truncations[a] = false;
      this.infos[a] = {};
    }
  }

  /** A copy of another turn-based game's bookkeeping (for wrappers that take over the end of an episode). */
  static copyOf(env: TurnBasedEnv): TurnLedger {
    const ledger = new TurnLedger();
    ledger.agents = [...env.agents];
    ledger.agentSelection = env.agentSelection;
    ledger.rewards = { ...env.rewards };
    ledger.cumulativeRewards = { ...env.cumulativeRewards };
    ledger.terminations = { ...env.terminations };
    ledger.truncations = { ...env.truncations };
    ledger.infos = { ...env.infos };
    return ledger;
  }

  isDone(agent: AgentId): boolean {
    return this.terminations[agent] === true || this.truncations[agent] === true;
  }

  /** Starts `agent`'s move: it has seen its cumulative reward through last(), so that restarts; step rewards clear. */
  beginMove(agent: AgentId): void {
    for (const a of this.agents) this.rewards[a] = 0;
    this.cumulativeRewards[agent] = 0;
  }

  /** Adds rewards to this step's rewards and to the cumulative rewards. */
  addRewards(rewards: Readonly<PerAgent<number>>): void {
    for (const [a, r] of Object.entries(rewards)) {
      if (!(a in this.rewards)) continue;
      this.rewards[a] = this.rewards[a]! + r;
      this.cumulativeRewards[a] = this.cumulativeRewards[a]! + r;
    }
  }

  /** Marks agents (default: all in the game) terminated or truncated. */
  end(how: 'terminated' | 'truncated', agents: readonly AgentId[] = this.agents): void {
    for (const a of agents) {
      if (how === 'terminated') this.terminations[a] = true;
      else this.truncations[a] = true;
    }
  }

  /** Selects the next agent to step: a done agent first (to be removed), else `next`. */
  select(next: AgentId | null): void {
    const done = this.agents.find((a) => this.isDone(a));
    if (done !== undefined) {
      this.resumeWith = next;
      this.agentSelection = done;
    } else if (next !== null) {
      this.agentSelection = next;
    }
  }

  /**
   * The step of a done agent: only `null` is accepted; the agent leaves
   * `agents` and every per-agent record, and the next done agent (or the live
   * agent whose turn it is) is selected. When none remain, agentSelection keeps
   * the last id.
   */
  removeSelected(gameId: string, action: unknown): void {
    const agent = this.agentSelection;
    if (action !== null && action !== undefined) {
      throw new EnvUsageError(
        `${gameId}: ${agent} is done (${this.terminations[agent] ? 'terminated' : 'truncated'}); the only valid step for it is step(null), which removes it from agents; got ${describeValue(action)}`,
      );
    }
    this.agents = this.agents.filter((a) => a !== agent);
    delete this.rewards[agent];
    delete this.cumulativeRewards[agent];
    delete this.terminations[agent];
    delete this.truncations[agent];
    delete this.infos[agent];
    for (const a of this.agents) this.rewards[a] = 0;
    const done = this.agents.find((a) => this.isDone(a));
    if (done !== undefined) {
      this.agentSelection = done;
    } else if (this.resumeWith !== null && this.agents.includes(this.resumeWith)) {
      this.agentSelection = this.resumeWith;
      this.resumeWith = null;
    } else if (this.agents.length > 0 && !this.agents.includes(this.agentSelection)) {
      this.agentSelection = this.agents[0]!;
    }
  }

  /** last() for the selected agent, given its observation. */
  last<O>(obs: O): LastResult<O> {
    const a = this.agentSelection;
    return {
      obs,
      reward: this.cumulativeRewards[a] ?? 0,
      termination: this.terminations[a] ?? false,
      truncation: this.truncations[a] ?? false,
      info: this.infos[a] ?? {},
    };
  }
}

// ---------------------------------------------------------------- forwarding (the base of every wrapper)

const PARALLEL_GETTERS = ['spec', 'possibleAgents', 'agents', 'unwrapped'] as const;
const PARALLEL_METHODS = ['observationSpace', 'actionSpace', 'reset', 'step', 'renderState', 'close'] as const;
const TURN_GETTERS = [
  'spec',
  'possibleAgents',
  'agents',
  'agentSelection',
  'rewards',
  'cumulativeRewards',
  'terminations',
  'truncations',
  'infos',
  'unwrapped',
] as const;
const TURN_METHODS = ['observationSpace', 'actionSpace', 'reset', 'observe', 'last', 'step', 'renderState', 'close'] as const;

function forwardObject(inner: object, getters: readonly string[], methods: readonly string[], overrides: object): object {
  const source = inner as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const define = (key: string, desc: PropertyDescriptor) => Object.defineProperty(out, key, { ...desc, enumerable: true, configurable: true });
  for (const key of getters) define(key, { get: () => source[key] });
  for (const key of methods) define(key, { value: (...args: unknown[]) => (source[key] as (...a: unknown[]) => unknown).apply(inner, args) });
  // Optional members exist on the wrapper only when the inner game has them.
  if (source.stateSpace !== undefined) define('stateSpace', { get: () => source.stateSpace });
  for (const key of ['state', 'renderHeader']) {
    if (typeof source[key] === 'function') define(key, { value: (...args: unknown[]) => (source[key] as (...a: unknown[]) => unknown).apply(inner, args) });
  }
  for (const key of Object.keys(overrides)) define(key, Object.getOwnPropertyDescriptor(overrides, key)!);
  return out;
}

/** A parallel game that forwards everything to `inner` except what `overrides` replaces. */
export function forwardParallel<O, A>(inner: ParallelEnv, overrides: Partial<Omit<ParallelEnv<O, A>, 'unwrapped'>>): ParallelEnv<O, A> {
  return forwardObject(inner, PARALLEL_GETTERS, PARALLEL_METHODS, overrides) as ParallelEnv<O, A>;
}

/** A turn-based game that forwards everything to `inner` except what `overrides` replaces. */
export function forwardTurnBased<O, A>(inner: TurnBasedEnv, overrides: Partial<Omit<TurnBasedEnv<O, A>, 'unwrapped'>>): TurnBasedEnv<O, A> {
  return forwardObject(inner, TURN_GETTERS, TURN_METHODS, overrides) as TurnBasedEnv<O, A>;
}

// ---------------------------------------------------------------- wrappers: action check, time limit, order

/** Checks the action keys and that each live agent's action is in its action space. */
export function parallelActionChecking<O, A>(env: ParallelEnv<O, A>): ParallelEnv<O, A> {
  return forwardParallel<O, A>(env, {
    step(actions: Readonly<PerAgent<A>>) {
      assertParallelActions(env.spec.id, env.possibleAgents, env.agents, actions);
      for (const agent of env.agents) {
        const space = env.actionSpace(agent);
        if (!contains(space, actions[agent])) {
          throw new EnvUsageError(`${env.spec.id}: action ${describeValue(actions[agent])} for ${agent} is not in its action space ${describeSpace(space)}`);
        }
      }
      return env.step(actions);
    },
  });
}

/** Checks that the selected live agent's action is in its action space, and that done agents get null. */
export function turnBasedActionChecking<O, A>(env: TurnBasedEnv<O, A>): TurnBasedEnv<O, A> {
  return forwardTurnBased<O, A>(env, {
    step(action: A | null | undefined) {
      const agent = env.agentSelection;
      const done = env.terminations[agent] === true || env.truncations[agent] === true;
      if (!done) {
        const space = env.actionSpace(agent);
        if (action === null || action === undefined) {
          throw new EnvUsageError(`${env.spec.id}: it is ${agent}'s turn and ${agent} is live; step(null) is only for done agents`);
        }
        if (!contains(space, action)) {
          throw new EnvUsageError(`${env.spec.id}: action ${describeValue(action)} for ${agent} is not in its action space ${describeSpace(space)}`);
        }
      }
      env.step(action);
    },
  });
}

function checkLimit(maxEpisodeSteps: number, where: string): void {
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new RangeError(`${where}: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
  }
}

/**
 * Truncates every live agent after `maxEpisodeSteps` parallel steps (agents
 * that terminate on that step stay terminated, not truncated). The game itself
 * never knows about the limit.
 */
export function parallelTimeLimit<O, A>(env: ParallelEnv<O, A>, maxEpisodeSteps: number): ParallelEnv<O, A> {
  checkLimit(maxEpisodeSteps, 'parallelTimeLimit');
  let elapsed = 0;
  let cut = false;
  const spec: GameSpec = { ...env.spec, maxEpisodeSteps };
  return forwardParallel<O, A>(env, {
    spec,
    get agents() {
      return cut ? [] : env.agents;
    },
    reset(args?: ResetArgs) {
      elapsed = 0;
      cut = false;
      return env.reset(args);
    },
    step(actions: Readonly<PerAgent<A>>) {
      if (cut) assertParallelActions(spec.id, env.possibleAgents, [], actions);
      const r = env.step(actions);
      elapsed += 1;
      if (elapsed >= maxEpisodeSteps && env.agents.length > 0) {
        for (const agent of env.agents) r.truncations[agent] = true;
        cut = true;
      }
      return r;
    },
  });
}

/**
 * Truncates a turn-based game after `maxEpisodeSteps` moves (steps by live
 * agents). At the limit the wrapper takes over the end of the episode: every
 * agent still live is marked truncated, and the done agents are removed one
 * `step(null)` at a time here, without stepping the game again.
 */
export function turnBasedTimeLimit<O, A>(env: TurnBasedEnv<O, A>, maxEpisodeSteps: number): TurnBasedEnv<O, A> {
  checkLimit(maxEpisodeSteps, 'turnBasedTimeLimit');
  let moves = 0;
  let cut: TurnLedger | null = null;
  const spec: GameSpec = { ...env.spec, maxEpisodeSteps };
  const book = (): TurnBasedEnv | TurnLedger => cut ?? env;
  return forwardTurnBased<O, A>(env, {
    spec,
    get agents() {
      return book().agents;
    },
    get agentSelection() {
      return book().agentSelection;
    },
    get rewards() {
      return book().rewards;
    },
    get cumulativeRewards() {
      return book().cumulativeRewards;
    },
    get terminations() {
      return book().terminations;
    },
    get truncations() {
      return book().truncations;
    },
    get infos() {
      return book().infos;
    },
    last() {
      return cut ? cut.last(env.observe(cut.agentSelection)) : env.last();
    },
    reset(args?: ResetArgs) {
      moves = 0;
      cut = null;
      env.reset(args);
    },
    step(action: A | null | undefined) {
      if (cut) {
        cut.removeSelected(spec.id, action);
        return;
      }
      const agent = env.agentSelection;
      const live = !(env.terminations[agent] || env.truncations[agent]);
      env.step(action);
      if (live) moves += 1;
      const stillLive = env.agents.filter((a) => !(env.terminations[a] || env.truncations[a]));
      if (moves >= maxEpisodeSteps && stillLive.length > 0) {
        cut = TurnLedger.copyOf(env);
        cut.end('truncated', stillLive);
        cut.select(null);
      }
    },
  });
}

/** Stepping before the first reset, or after every agent is done, throws. */
export function parallelOrderEnforcing<O, A>(env: ParallelEnv<O, A>): ParallelEnv<O, A> {
  let started = false;
  return forwardParallel<O, A>(env, {
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      started = true;
      return r;
    },
    step(actions: Readonly<PerAgent<A>>) {
      if (!started) throw new EnvUsageError(`${env.spec.id}: step() called before reset(); call reset() to start an episode`);
      if (env.agents.length === 0) {
        throw new EnvUsageError(`${env.spec.id}: step() called after every agent was done (terminated or truncated); call reset() to start a new episode`);
      }
      return env.step(actions);
    },
  });
}

/** Observing or stepping before the first reset, or stepping after every agent left, throws. */
export function turnBasedOrderEnforcing<O, A>(env: TurnBasedEnv<O, A>): TurnBasedEnv<O, A> {
  let started = false;
  const before = (what: string) => {
    if (!started) throw new EnvUsageError(`${env.spec.id}: ${what} called before reset(); call reset() to start a game`);
  };
  return forwardTurnBased<O, A>(env, {
    reset(args?: ResetArgs) {
      env.reset(args);
      started = true;
    },
    observe(agent: AgentId) {
      before('observe()');
      return env.observe(agent);
    },
    last() {
      before('last()');
      return env.last();
    },
    step(action: A | null | undefined) {
      before('step()');
      if (env.agents.length === 0) {
        throw new EnvUsageError(`${env.spec.id}: step() called after the game ended and every agent left; call reset() to start a new game`);
      }
      env.step(action);
    },
  });
}

// ---------------------------------------------------------------- conversions between the two APIs

/** The game a conversion wrapped, so that converting back returns it unchanged. */
const convertedFrom = new WeakMap<object, Game>();

/**
 * A parallel game as a turn-based one (PettingZoo's parallel_to_aec): the live
 * agents take turns in `agents` order; their actions are buffered, and the
 * last agent's move runs one parallel step. `last()` gives each agent the
 * reward of the previous parallel step. Agents done after a step are removed
 * one `step(null)` at a time, as in any turn-based game. Converting the result
 * back with `turnBasedToParallel` returns the original game.
 */
export function parallelToTurnBased<O, A>(env: ParallelEnv<O, A>): TurnBasedEnv<O, A> {
  const original = convertedFrom.get(env);
  if (original && isTurnBased(original)) return original as TurnBasedEnv<O, A>;
  const wrapped = new ParallelAsTurnBased(env);
  convertedFrom.set(wrapped, env);
  return wrapped;
}

class ParallelAsTurnBased<O, A> implements TurnBasedEnv<O, A> {
  readonly spec: GameSpec;
  readonly stateSpace?: Space;
  readonly state?: () => SpaceValue;
  readonly renderHeader?: () => Record<string, unknown>;
  private readonly ledger = new TurnLedger();
  private observations: PerAgent<O> = {};
  private pending: PerAgent<A> = {};
  /** This cycle's movers: the live agents after the last parallel step. */
  private cycle: AgentId[] = [];

  constructor(private readonly env: ParallelEnv<O, A>) {
    this.spec = { ...env.spec, kind: 'turn-based' };
    if (typeof env.state === 'function') {
      this.stateSpace = env.stateSpace;
      this.state = () => env.state!();
    }
    if (typeof env.renderHeader === 'function') this.renderHeader = () => env.renderHeader!();
  }

  get unwrapped(): TurnBasedEnv {
    return this as TurnBasedEnv;
  }
  get possibleAgents() {
    return this.env.possibleAgents;
  }
  get agents() {
    return this.ledger.agents;
  }
  get agentSelection() {
    return this.ledger.agentSelection;
  }
  get rewards() {
    return this.ledger.rewards;
  }
  get cumulativeRewards() {
    return this.ledger.cumulativeRewards;
  }
  get terminations() {
    return this.ledger.terminations;
  }
  get truncations() {
    return this.ledger.truncations;
  }
  get infos() {
    return this.ledger.infos;
  }
  observationSpace(agent: AgentId): Space {
    return this.env.observationSpace(agent);
  }
  actionSpace(agent: AgentId): Space {
    return this.env.actionSpace(agent);
  }

  reset(args?: ResetArgs): void {
    const r = this.env.reset(args);
    this.observations = { ...r.obs };
    this.pending = {};
    this.cycle = [...this.env.agents];
    this.ledger.reset(this.cycle, this.cycle[0] ?? '');
    for (const a of this.cycle) this.ledger.infos[a] = r.infos[a] ?? {};
  }

  observe(agent: AgentId): O {
    if (!Object.hasOwn(this.observations, agent)) throw new EnvUsageError(`${this.spec.id}: no observation for ${JSON.stringify(agent)}`);
    return this.observations[agent]!;
  }

  last(): LastResult<O> {
    return this.ledger.last(this.observe(this.ledger.agentSelection));
  }

  step(action: A | null | undefined): void {
    const agent = this.ledger.agentSelection;
    if (this.ledger.isDone(agent)) {
      this.ledger.removeSelected(this.spec.id, action);
      return;
    }
    if (action === null || action === undefined) {
      throw new EnvUsageError(`${this.spec.id}: it is ${agent}'s turn and ${agent} is live; step(null) is only for done agents`);
    }
    const i = this.cycle.indexOf(agent);
    if (i < this.cycle.length - 1) {
      this.ledger.beginMove(agent);
      this.pending[agent] = action;
      this.ledger.select(this.cycle[i + 1]!);
      return;
    }
    // The last mover of the cycle: the buffered actions run one parallel step
    // (if it throws, the buffered actions and the ledger are left as they were).
    const r = this.env.step({ ...this.pending, [agent]: action });
    this.ledger.beginMove(agent);
    this.pending = {};
    Object.assign(this.observations, r.obs);
    this.ledger.addRewards(r.rewards);
    for (const a of Object.keys(r.terminations)) {
      this.ledger.terminations[a] = r.terminations[a] === true;
      this.ledger.truncations[a] = r.truncations[a] === true;
      this.ledger.infos[a] = r.infos[a] ?? {};
    }
    this.cycle = [...this.env.agents];
    this.ledger.select(this.cycle[0] ?? null);
  }

  renderState(): RenderState {
    return this.env.renderState();
  }

  close(): void {
    this.env.close();
  }
}

/**
 * A turn-based game as a parallel one, in PettingZoo's turn_based_aec_to_parallel
 * sense: each parallel step plays one move, the selected agent's. Every live
 * agent must still be given an action (null is fine), and only the mover's is
 * used; `infos[agent].activeAgent` names who moves next, and the board games'
 * masks are all zeros for everyone else. Rewards are that move's rewards;
 * agents done after it leave at once.
 *
 * What is not offered: PettingZoo's aec_to_parallel for AEC games that only
 * change state at the end of each cycle (is_parallelizable). A board game
 * changes state after every move, so a simultaneous step is not defined for it;
 * the only such games here are converted parallel games, and converting those
 * back returns the original parallel game.
 */
export function turnBasedToParallel<O, A>(env: TurnBasedEnv<O, A>): ParallelEnv<O, A> {
  const original = convertedFrom.get(env);
  if (original && isParallel(original)) return original as ParallelEnv<O, A>;
  const wrapped = new TurnBasedAsParallel(env);
  convertedFrom.set(wrapped, env);
  return wrapped;
}

class TurnBasedAsParallel<O, A> implements ParallelEnv<O, A> {
  readonly spec: GameSpec;
  readonly stateSpace?: Space;
  readonly state?: () => SpaceValue;
  readonly renderHeader?: () => Record<string, unknown>;
  private live: AgentId[] = [];

  constructor(private readonly env: TurnBasedEnv<O, A>) {
    this.spec = { ...env.spec, kind: 'parallel' };
    if (typeof env.state === 'function') {
      this.stateSpace = env.stateSpace;
      this.state = () => env.state!();
    }
    if (typeof env.renderHeader === 'function') this.renderHeader = () => env.renderHeader!();
  }

  get unwrapped(): ParallelEnv {
    return this as ParallelEnv;
  }
  get possibleAgents() {
    return this.env.possibleAgents;
  }
  get agents() {
    return this.live;
  }
  observationSpace(agent: AgentId): Space {
    return this.env.observationSpace(agent);
  }
  actionSpace(agent: AgentId): Space {
    return this.env.actionSpace(agent);
  }

  /** Removes done agents (step(null)) until a live agent is to move or none is left. */
  private removeDone(): void {
    const e = this.env;
    while (e.agents.length > 0 && (e.terminations[e.agentSelection] || e.truncations[e.agentSelection])) e.step(null);
  }

  reset(args?: ResetArgs): ParallelResetResult<O> {
    this.env.reset(args);
    this.removeDone();
    this.live = [...this.env.agents];
    const obs: PerAgent<O> = {};
    const infos: PerAgent<Info> = {};
    for (const a of this.live) {
      obs[a] = this.env.observe(a);
      infos[a] = { ...this.env.infos[a], activeAgent: this.env.agentSelection };
    }
    return { obs, infos };
  }

  step(actions: Readonly<PerAgent<A>>): ParallelStepResult<O> {
    assertParallelActions(this.spec.id, this.env.possibleAgents, this.live, actions);
    const acted = this.live;
    this.env.step(actions[this.env.agentSelection]);
    const r: ParallelStepResult<O> = { obs: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
    for (const a of acted) {
      r.obs[a] = this.env.observe(a);
      r.rewards[a] = this.env.rewards[a] ?? 0;
      r.terminations[a] = this.env.terminations[a] === true;
      r.truncations[a] = this.env.truncations[a] === true;
      r.infos[a] = { ...this.env.infos[a] };
    }
    this.removeDone();
    this.live = [...this.env.agents];
    for (const a of acted) r.infos[a]!.activeAgent = this.live.length > 0 ? this.env.agentSelection : null;
    return r;
  }

  renderState(): RenderState {
    return this.env.renderState();
  }

  close(): void {
    this.env.close();
  }
}

// ---------------------------------------------------------------- the game registry

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
