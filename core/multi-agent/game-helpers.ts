// Helpers the games share: the checks of a parallel step's actions and of
// reset options, action JSON for recordings, `AgentTally` (the per-agent
// render data) and `TurnLedger` (the AEC bookkeeping of a turn-based game).
import type { Info } from '../env.js';
import { EnvUsageError } from '../env.js';
import { describeValue } from '../spaces.js';
import { closestMatch } from '../text.js';
import type { AgentId, PerAgent, LastResult, TurnBasedEnv } from './api.js';

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
