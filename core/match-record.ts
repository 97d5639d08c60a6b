// Episode records of multi-agent games: the same `arena.episode/1` format as a
// single-agent episode (core/episode.ts), grown by optional fields, so the
// viewer, the run store and `arena compare` read both.
//
// A frame is one step of a parallel game (every live agent acts at once) or
// one move of a turn-based game (the agent to move acts). Besides the game's
// render state (which already carries each agent's position, last action and
// return), a frame lists the actions taken there (`actions`, by agent; for a
// turn-based game also `actor`), the rewards they earned (`rewards`, every
// agent that got one) and, when recorded, each acting agent's overlays
// (`agentOverlays`: Q-values or action probabilities, critic value). The record
// says who the agents are, how they split into sides and who played each side
// (`controllers`: 'learner', 'random', 'scripted', ...), and the episode's
// return per agent (`returns`) and per side (`teamReturns`, the mean over the
// side's agents). Its `return` is the team return of `recordedSide` (the
// learner's side), so episode lists sort by what the learner earned.
import type { FrameOverlays } from './episode.js';
import { EPISODE_RECORD_FORMAT, plainOverlays } from './episode.js';
import type { ActionJSON, AgentId, Game, ParallelEnv, PerAgent, TurnBasedEnv } from './multi-agent.js';
import { actionToJSON, isTurnBased } from './multi-agent.js';
import type { RenderState } from './env.js';

export interface MatchFrame {
  readonly state: RenderState;
  /** Turn-based games: the agent that moved at this frame. */
  readonly actor?: AgentId;
  /** Actions taken at this frame, by agent (absent on the last frame). */
  readonly actions?: Readonly<PerAgent<ActionJSON>>;
  /** Rewards those actions earned, by agent. */
  readonly rewards?: Readonly<PerAgent<number>>;
  /** Return so far of the recorded side (the record's `return` at the end). */
  readonly return?: number;
  readonly agentOverlays?: Readonly<PerAgent<FrameOverlays>>;
}

export interface MatchRecord {
  readonly format: typeof EPISODE_RECORD_FORMAT;
  readonly env: { readonly id: string; readonly kwargs: Readonly<Record<string, unknown>>; readonly kind: 'parallel' | 'turn-based' };
  readonly seed: number;
  readonly agent?: { readonly algorithm: string; readonly experiment?: string; readonly variant?: string; readonly runSeed?: number; readonly deterministic: boolean };
  readonly trainingStep?: number;
  readonly header: Readonly<Record<string, unknown>>;
  readonly frames: readonly MatchFrame[];
  readonly agents: readonly AgentId[];
  readonly sides: readonly (readonly AgentId[])[];
  /** Who played each side. */
  readonly controllers: readonly string[];
  /** The side whose team return is `return`. */
  readonly recordedSide: number;
  readonly returns: Readonly<PerAgent<number>>;
  readonly teamReturns: readonly number[];
  readonly return: number;
  /** Game steps (parallel) or moves (turn-based). */
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

export interface MatchRecordOptions {
  readonly seed: number;
  /** The split of the agents into sides (a side is a team; one side for a cooperative game). */
  readonly sides: readonly (readonly AgentId[])[];
  /** Who plays each side, for the record (e.g. ['learner', 'random']). */
  readonly controllers: readonly string[];
  /** The side whose team return becomes the record's `return` (default 0). */
  readonly recordedSide?: number;
  /** Chooses one agent's action. */
  readonly act: (agent: AgentId, obs: unknown) => unknown;
  /** Every live agent's action at once (a parallel game; batched acting). Falls back to `act` per agent. */
  readonly actAll?: (obs: Readonly<PerAgent<unknown>>) => PerAgent<unknown>;
  /** An agent's overlays for its observation, when it has any (only the agents in `overlaysFor`). */
  readonly overlays?: (agent: AgentId, obs: unknown) => FrameOverlays | undefined;
  /** Agents whose overlays are recorded (default: every agent). */
  readonly overlaysFor?: readonly AgentId[];
  readonly agent?: MatchRecord['agent'];
  readonly trainingStep?: number;
  /** Stops an episode that has not ended after this many steps or moves (default 10000). */
  readonly maxSteps?: number;
}

/** Plays one episode of `game` from `reset({ seed })` and returns its record. */
export function recordMatch(game: Game, options: MatchRecordOptions): MatchRecord {
  const recordedSide = options.recordedSide ?? 0;
  if (options.controllers.length !== options.sides.length) {
    throw new RangeError(`recordMatch: ${options.sides.length} sides but ${options.controllers.length} controllers`);
  }
  if (!Number.isInteger(recordedSide) || recordedSide < 0 || recordedSide >= options.sides.length) {
    throw new RangeError(`recordMatch: recordedSide must be a side index in 0..${options.sides.length - 1}, got ${recordedSide}`);
  }
  const book = new Bookkeeping(game.possibleAgents, options);
  const played = isTurnBased(game) ? playTurns(game, options, book) : playParallel(game, options, book);
  const unwrapped = game.unwrapped as Game & { renderHeader?(): Record<string, unknown> };
  return {
    format: EPISODE_RECORD_FORMAT,
    env: { id: game.spec.id, kwargs: { ...game.spec.kwargs }, kind: game.spec.kind },
    seed: options.seed,
    ...(options.agent ? { agent: options.agent } : {}),
    ...(options.trainingStep !== undefined ? { trainingStep: options.trainingStep } : {}),
    header: typeof unwrapped.renderHeader === 'function' ? unwrapped.renderHeader() : {},
    frames: played.frames,
    agents: [...game.possibleAgents],
    sides: options.sides.map((s) => [...s]),
    controllers: [...options.controllers],
    recordedSide,
    returns: book.returns,
    teamReturns: options.sides.map((side) => book.teamReturn(side)),
    return: book.recordedReturn(),
    length: played.length,
    terminated: played.terminated,
    truncated: played.truncated,
  };
}

/** What both game loops keep: every agent's return so far, and which overlays to record. */
class Bookkeeping {
  readonly returns: PerAgent<number>;
  private readonly wantsOverlays: ReadonlySet<AgentId>;
  private readonly recorded: readonly AgentId[];

  constructor(
    agents: readonly AgentId[],
    private readonly options: MatchRecordOptions,
  ) {
    this.returns = Object.fromEntries(agents.map((a) => [a, 0]));
    this.wantsOverlays = new Set(options.overlaysFor ?? agents);
    this.recorded = options.sides[options.recordedSide ?? 0]!;
  }

  add(rewards: Readonly<PerAgent<number>>): void {
    for (const [a, v] of Object.entries(rewards)) this.returns[a] = (this.returns[a] ?? 0) + v;
  }

  /** The mean return of a side's agents. */
  teamReturn(side: readonly AgentId[]): number {
    return side.reduce((s, a) => s + this.returns[a]!, 0) / side.length;
  }

  recordedReturn(): number {
    return this.teamReturn(this.recorded);
  }

  /** The acting agents' overlays (those wanted), or undefined when there are none. */
  overlays(agents: readonly AgentId[], obs: (agent: AgentId) => unknown): PerAgent<FrameOverlays> | undefined {
    if (!this.options.overlays) return undefined;
    const out: PerAgent<FrameOverlays> = {};
    for (const a of agents) {
      if (!this.wantsOverlays.has(a)) continue;
      const o = this.options.overlays(a, obs(a));
      if (o) out[a] = plainOverlays(o);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
}

interface Played {
  readonly frames: MatchFrame[];
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

function playParallel(env: ParallelEnv, o: MatchRecordOptions, book: Bookkeeping): Played {
  const frames: MatchFrame[] = [];
  const maxSteps = o.maxSteps ?? 10_000;
  let { obs } = env.reset({ seed: o.seed });
  let length = 0;
  let terminated = false;
  while (env.agents.length > 0 && length < maxSteps) {
    const live = [...env.agents];
    const state = env.renderState();
    const agentOverlays = book.overlays(live, (a) => obs[a]);
    const chosen: PerAgent<unknown> = o.actAll ? o.actAll(Object.fromEntries(live.map((a) => [a, obs[a]]))) : Object.fromEntries(live.map((a) => [a, o.act(a, obs[a])]));
    const r = env.step(chosen);
    book.add(r.rewards);
    length += 1;
    frames.push({
      state,
      actions: Object.fromEntries(live.map((a) => [a, actionToJSON(chosen[a])])),
      rewards: { ...r.rewards },
      return: book.recordedReturn(),
      ...(agentOverlays ? { agentOverlays } : {}),
    });
    obs = r.obs;
    terminated = live.some((a) => r.terminations[a]);
  }
  frames.push({ state: env.renderState() });
  // Ended by the time limit (truncations) or by maxSteps: truncated unless some agent terminated.
  return { frames, length, terminated, truncated: !terminated };
}

function playTurns(env: TurnBasedEnv, o: MatchRecordOptions, book: Bookkeeping): Played {
  const frames: MatchFrame[] = [];
  const maxSteps = o.maxSteps ?? 10_000;
  env.reset({ seed: o.seed });
  let length = 0;
  let terminated = false;
  let truncated = false;
  while (env.agents.length > 0 && length < maxSteps) {
    const actor = env.agentSelection;
    if (env.terminations[actor] || env.truncations[actor]) {
      // Done agents leave one null step at a time.
      terminated ||= env.terminations[actor] === true;
      truncated ||= env.truncations[actor] === true;
      env.step(null);
      continue;
    }
    const state = env.renderState();
    const obs = env.observe(actor);
    const agentOverlays = book.overlays([actor], () => obs);
    const action = o.act(actor, obs);
    env.step(action);
    book.add(env.rewards);
    length += 1;
    frames.push({
      state,
      actor,
      actions: { [actor]: actionToJSON(action) },
      rewards: { ...env.rewards },
      return: book.recordedReturn(),
      ...(agentOverlays ? { agentOverlays } : {}),
    });
  }
  frames.push({ state: env.renderState() });
  return { frames, length, terminated, truncated: truncated || !terminated };
}
