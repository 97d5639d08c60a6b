// Conversions between the two multi-agent APIs (PettingZoo's
// parallel_to_aec and aec_to_parallel); converting back returns the original.
import type { Info, RenderState, ResetArgs } from '../env.js';
import { EnvUsageError } from '../env.js';
import type { Space, SpaceValue } from '../spaces.js';
import type { AgentId, PerAgent, GameSpec, ParallelResetResult, ParallelStepResult, ParallelEnv, LastResult, TurnBasedEnv, Game } from './api.js';
import { isTurnBased, isParallel } from './api.js';
import { assertParallelActions, TurnLedger } from './game-helpers.js';

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
