// The match runner: plays copies of a game in lockstep with a controller on
// each side (the learner, a snapshot of it, or a fixed policy), and turns what
// happens into per-agent transitions for the learner. Learners, evaluation
// matches and the league all play through it, so the bookkeeping of the two
// game APIs lives here once.
//
// One `step()` moves every copy that is in an episode by one game step: the
// decisions due now (a turn-based game: the selected agent's; a parallel game:
// every live agent's) are gathered over all copies and handed out in batches,
// one batch for the learner and one per opponent, so a network acts for all of
// its agents in one forward pass.
//
// Transitions follow each (copy, agent) stream of learner decisions: a
// transition opens when the learner decides for the agent and closes at the
// agent's next decision or at the end of its episode, with the rewards it
// collected in between (turn-based: what `last()` reports when the agent is
// next selected, PettingZoo's cumulative reward; parallel: the step's reward,
// or its side's mean reward with `teamReward`), the observation it closes on
// and the flags: terminated (no bootstrap) or truncated (bootstrap from the
// closing observation). A turn-based agent's transition so spans the
// opponent's reply: the opponent is part of the agent's environment.
import type { AgentId, Game, ParallelEnv, PerAgent, TurnBasedEnv } from '../../core/multi-agent.js';
import { actionMaskOf, isParallel } from '../../core/multi-agent.js';
import type { RewardShaping } from './learner.js';

/** A decision due now: which copy and agent, and what the agent observes. */
export interface Decision {
  readonly copy: number;
  readonly agent: AgentId;
  /** Index of the agent in the game's possibleAgents. */
  readonly agentIndex: number;
  /** copy * nAgents + agentIndex: the agent's transition stream. */
  readonly stream: number;
  readonly obs: unknown;
  /** Legal moves (a masked observation's actionMask), or null when every action is legal. */
  readonly mask: Uint8Array | null;
}

/** A closed learner transition: the decision tagged `tag`, what followed, and where it ended. */
export interface Transition {
  readonly tag: number;
  readonly stream: number;
  readonly agent: AgentId;
  readonly agentIndex: number;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** The observation at the agent's next decision, or its final one. */
  readonly nextObs: unknown;
  readonly nextMask: Uint8Array | null;
}

/** Actions for a batch of decisions, in order. */
export type BatchActor = (decisions: readonly Decision[]) => ArrayLike<unknown>;

/** Who plays a side: `act` null is the learner itself (its decisions become transitions). */
export interface Controller {
  readonly name: string;
  readonly act: BatchActor | null;
}

export const LEARNER: Controller = { name: 'learner', act: null };

export interface EpisodeSummary {
  readonly copy: number;
  readonly returns: PerAgent<number>;
  /** Per side, the mean return of its agents. */
  readonly teamReturns: number[];
  readonly length: number;
  readonly truncated: boolean;
  readonly controllers: string[];
}

export interface RunnerHost {
  /** The controllers of each side for the episode starting in `copy`. */
  matchup(copy: number): readonly Controller[];
  /** The learner's actions for its decisions; writes one tag per decision into `tags` (given back in its transition). */
  decide(decisions: readonly Decision[], tags: Int32Array): ArrayLike<unknown>;
  record(t: Transition): void;
  episodeEnd(e: EpisodeSummary): void;
}

interface Pending {
  tag: number;
  reward: number;
  obs: unknown;
}

interface Copy {
  readonly index: number;
  readonly game: Game;
  controllers: readonly Controller[];
  inEpisode: boolean;
  /** Parallel: the latest observation of each live agent. */
  obs: PerAgent<unknown>;
  /** Turn-based: the selected agent's decision. */
  current: Decision | null;
  /** Open learner transitions, per agent index. */
  readonly pending: (Pending | null)[];
  readonly returns: Float64Array;
  length: number;
  truncated: boolean;
}

export interface RunnerOptions {
  /** Parallel games: a learner transition's reward is its side's mean reward of the step. */
  readonly teamReward?: boolean;
  readonly rewardShaping?: RewardShaping;
}

export class MatchRunner {
  readonly agents: readonly AgentId[];
  /** Start a new episode in a copy when its episode ends (else the copy idles until `resume`). */
  restart = true;
  private readonly sideOf: Int32Array;
  private readonly copies: Copy[];
  private readonly parallel: boolean;
  private readonly agentIndex = new Map<AgentId, number>();

  constructor(
    games: readonly Game[],
    readonly sides: readonly (readonly AgentId[])[],
    private readonly host: RunnerHost,
    private readonly options: RunnerOptions = {},
  ) {
    if (games.length === 0) throw new RangeError('MatchRunner: needs at least one game');
    this.parallel = isParallel(games[0]!);
    this.agents = [...games[0]!.possibleAgents];
    this.agents.forEach((a, i) => this.agentIndex.set(a, i));
    this.sideOf = new Int32Array(this.agents.length).fill(-1);
    sides.forEach((side, s) => side.forEach((a) => (this.sideOf[this.agentIndex.get(a)!] = s)));
    this.copies = games.map((game, index) => ({
      index,
      game,
      controllers: [],
      inEpisode: false,
      obs: {},
      current: null,
      pending: new Array<Pending | null>(this.agents.length).fill(null),
      returns: new Float64Array(this.agents.length),
      length: 0,
      truncated: false,
    }));
  }

  get numCopies(): number {
    return this.copies.length;
  }

  /** Copies in an episode. */
  get active(): number {
    return this.copies.filter((c) => c.inEpisode).length;
  }

  /** Starts an episode in every copy, the first reset of copy i seeded with seeds[i]. */
  start(seeds: readonly (number | undefined)[]): void {
    for (const c of this.copies) this.begin(c, seeds[c.index]);
  }

  /** Starts an episode (unseeded reset: each game continues its stream) in every idle copy. */
  resume(): void {
    for (const c of this.copies) if (!c.inEpisode) this.begin(c, undefined);
  }

  /** The decisions due now in every copy in an episode. */
  decisions(): Decision[] {
    const out: Decision[] = [];
    for (const c of this.copies) {
      if (!c.inEpisode) continue;
      if (this.parallel) {
        for (const a of (c.game as ParallelEnv).agents) out.push(this.decision(c, a, c.obs[a]));
      } else {
        out.push(c.current!);
      }
    }
    return out;
  }

  /** Plays one game step in every copy in an episode; returns the number of game steps taken. */
  step(): number {
    const due = this.decisions();
    if (due.length === 0) return 0;
    // Hand the decisions out in batches: one for the learner, one per opponent.
    const batches = new Map<Controller, number[]>();
    for (let k = 0; k < due.length; k++) {
      const d = due[k]!;
      const controller = this.copies[d.copy]!.controllers[this.sideOf[d.agentIndex]!]!;
      if (!batches.has(controller)) batches.set(controller, []);
      batches.get(controller)!.push(k);
    }
    const actions = new Array<unknown>(due.length);
    for (const [controller, ks] of batches) {
      const list = ks.map((k) => due[k]!);
      let acts: ArrayLike<unknown>;
      if (controller.act === null) {
        const tags = new Int32Array(list.length);
        acts = this.host.decide(list, tags);
        ks.forEach((k, j) => {
          const d = due[k]!;
          this.copies[d.copy]!.pending[d.agentIndex] = { tag: tags[j]!, reward: 0, obs: d.obs };
        });
      } else {
        acts = controller.act(list);
      }
      if (acts.length !== list.length) throw new RangeError(`MatchRunner: ${controller.name} returned ${acts.length} actions for ${list.length} decisions`);
      ks.forEach((k, j) => (actions[k] = acts[j]));
    }
    // Apply them, copy by copy (the decisions of a copy are contiguous).
    let steps = 0;
    for (let k = 0; k < due.length; ) {
      const c = this.copies[due[k]!.copy]!;
      let end = k;
      while (end < due.length && due[end]!.copy === c.index) end++;
      if (this.parallel) this.stepParallel(c, due, actions, k, end);
      else this.stepTurnBased(c, actions[k]);
      steps += 1;
      k = end;
    }
    return steps;
  }

  private decision(c: Copy, agent: AgentId, obs: unknown): Decision {
    const agentIndex = this.agentIndex.get(agent)!;
    return { copy: c.index, agent, agentIndex, stream: c.index * this.agents.length + agentIndex, obs, mask: actionMaskOf(obs) };
  }

  private begin(c: Copy, seed: number | undefined): void {
    const controllers = this.host.matchup(c.index);
    if (controllers.length !== this.sides.length) throw new RangeError(`MatchRunner: matchup gave ${controllers.length} controllers for ${this.sides.length} sides`);
    c.controllers = controllers;
    c.inEpisode = true;
    c.pending.fill(null);
    c.returns.fill(0);
    c.length = 0;
    c.truncated = false;
    const args = seed === undefined ? {} : { seed };
    if (this.parallel) {
      c.obs = { ...(c.game as ParallelEnv).reset(args).obs };
    } else {
      (c.game as TurnBasedEnv).reset(args);
      this.advance(c);
    }
  }

  private finish(c: Copy): void {
    c.inEpisode = false;
    c.current = null;
    const returns: PerAgent<number> = {};
    this.agents.forEach((a, i) => (returns[a] = c.returns[i]!));
    const teamReturns = this.sides.map((side) => side.reduce((sum, a) => sum + c.returns[this.agentIndex.get(a)!]!, 0) / side.length);
    this.host.episodeEnd({ copy: c.index, returns, teamReturns, length: c.length, truncated: c.truncated, controllers: c.controllers.map((x) => x.name) });
    if (this.restart) this.begin(c, undefined);
  }

  private close(c: Copy, i: number, nextObs: unknown, terminated: boolean, truncated: boolean): void {
    const p = c.pending[i]!;
    c.pending[i] = null;
    const agent = this.agents[i]!;
    let reward = p.reward;
    if (this.options.rewardShaping) reward += this.options.rewardShaping({ agent, obs: p.obs, nextObs, done: terminated || truncated });
    this.host.record({
      tag: p.tag,
      stream: c.index * this.agents.length + i,
      agent,
      agentIndex: i,
      reward,
      terminated,
      truncated: truncated && !terminated,
      nextObs,
      nextMask: actionMaskOf(nextObs),
    });
  }

  // ---------------------------------------------------------------- turn-based

  /** Runs a turn-based copy up to its next live decision: reads last() for each selected agent, removes done ones. */
  private advance(c: Copy): void {
    const g = c.game as TurnBasedEnv;
    for (;;) {
      if (g.agents.length === 0) {
        this.finish(c);
        return;
      }
      const agent = g.agentSelection;
      const i = this.agentIndex.get(agent)!;
      const last = g.last();
      c.returns[i] += last.reward;
      const done = last.termination || last.truncation;
      if (done && last.truncation && !last.termination) c.truncated = true;
      if (c.pending[i]) {
        c.pending[i]!.reward += last.reward;
        this.close(c, i, last.obs, last.termination, last.truncation);
      }
      if (done) {
        g.step(null);
        continue;
      }
      c.current = this.decision(c, agent, last.obs);
      return;
    }
  }

  private stepTurnBased(c: Copy, action: unknown): void {
    (c.game as TurnBasedEnv).step(action);
    c.length += 1;
    this.advance(c);
  }

  // ---------------------------------------------------------------- parallel

  private stepParallel(c: Copy, due: readonly Decision[], actions: readonly unknown[], from: number, to: number): void {
    const g = c.game as ParallelEnv;
    const joint: PerAgent<unknown> = {};
    for (let k = from; k < to; k++) joint[due[k]!.agent] = actions[k];
    const r = g.step(joint);
    c.length += 1;
    let sideRewards: Float64Array | null = null;
    if (this.options.teamReward) {
      sideRewards = new Float64Array(this.sides.length * 2); // sum, count per side
      for (let k = from; k < to; k++) {
        const s = this.sideOf[due[k]!.agentIndex]!;
        sideRewards[2 * s] += r.rewards[due[k]!.agent] ?? 0;
        sideRewards[2 * s + 1] += 1;
      }
    }
    for (let k = from; k < to; k++) {
      const { agent, agentIndex: i } = due[k]!;
      const reward = r.rewards[agent] ?? 0;
      c.returns[i] += reward;
      const terminated = r.terminations[agent] === true;
      const truncated = r.truncations[agent] === true;
      if (truncated && !terminated) c.truncated = true;
      c.obs[agent] = r.obs[agent];
      const p = c.pending[i];
      if (p) {
        const s = this.sideOf[i]!;
        p.reward += sideRewards ? sideRewards[2 * s]! / sideRewards[2 * s + 1]! : reward;
        this.close(c, i, r.obs[agent], terminated, truncated);
      }
    }
    if (g.agents.length === 0) this.finish(c);
  }
}
