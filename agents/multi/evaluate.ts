// Evaluation against fixed opponents: two policies play a series of games on
// one game object, taking turns on each side (both colors of a board game,
// both teams of soccer), and the result is counted from A's side.
//
// Game k puts A on side k mod nSides and B on every other side. A game's
// winner is the side with the highest team return (the mean return of its
// agents: the goals or points difference of soccer and pong, +1/-1 of a board
// game); equal returns are a draw. The first game resets with a seed drawn
// from `seed`, later ones continue the game's stream; A and B draw from
// generators of their own, also derived from `seed`, so a match is a pure
// function of its inputs.
import type { AgentId, Game } from '../../core/multi-agent.js';
import { Rng } from '../../core/rng.js';
import type { Policy } from './learner.js';
import { checkSides, defaultSides } from './learner.js';
import type { Controller, EpisodeSummary } from './runner.js';
import { MatchRunner } from './runner.js';
import { policyController } from './self-play.js';

export interface Tally {
  wins: number;
  draws: number;
  losses: number;
}

export interface SideResult extends Tally {
  /** The side A played. */
  readonly side: number;
  readonly agents: readonly AgentId[];
  games: number;
}

export interface MatchResult extends Tally {
  readonly games: number;
  /** A's results by the side it played. */
  readonly bySide: SideResult[];
  /** Mean team return of A, and of B (the best of B's sides each game). */
  readonly meanReturnA: number;
  readonly meanReturnB: number;
  readonly meanLength: number;
  /** A's team return and the length of each game, in the order played. */
  readonly returnsA: readonly number[];
  readonly lengths: readonly number[];
}

export interface MatchOptions {
  /** Games to play (default 100). */
  readonly games?: number;
  readonly seed?: number;
  /** The split of agents into sides (default: defaultSides). */
  readonly sides?: readonly (readonly AgentId[])[];
}

/** Plays `games` games of A against B on `game`, alternating sides; counts wins, draws and losses from A's view. */
export function evaluateMatch(policyA: Policy, policyB: Policy, game: Game, options: MatchOptions = {}): MatchResult {
  const games = options.games ?? 100;
  if (!Number.isInteger(games) || games < 1) throw new RangeError(`evaluateMatch: games must be a positive integer, got ${games}`);
  const sides = checkSides('evaluateMatch', game.possibleAgents, options.sides ?? defaultSides(game.possibleAgents));
  if (sides.length < 2) throw new RangeError(`evaluateMatch: ${game.spec.id} has one side (a cooperative game); a match needs two or more`);
  const root = new Rng(options.seed ?? 0);
  const firstSeed = root.nextSeed();
  const a: Controller = policyController('A', policyA, new Rng(root.nextSeed()));
  const b: Controller = policyController('B', policyB, new Rng(root.nextSeed()));
  const bySide: SideResult[] = sides.map((agents, side) => ({ side, agents, games: 0, wins: 0, draws: 0, losses: 0 }));
  const total: Tally = { wins: 0, draws: 0, losses: 0 };
  let started = 0;
  let sumB = 0;
  const returnsA: number[] = [];
  const lengths: number[] = [];
  const runner: MatchRunner = new MatchRunner([game], sides, {
    matchup: () => {
      const sideA = started % sides.length;
      started += 1;
      return sides.map((_, s) => (s === sideA ? a : b));
    },
    decide: () => {
      throw new Error('evaluateMatch: no side is played by a learner');
    },
    record: () => {},
    episodeEnd: (e: EpisodeSummary) => {
      const sideA = e.controllers.indexOf('A');
      const mine = e.teamReturns[sideA]!;
      const theirs = Math.max(...e.teamReturns.filter((_, s) => s !== sideA));
      const outcome: keyof Tally = mine > theirs ? 'wins' : mine < theirs ? 'losses' : 'draws';
      total[outcome] += 1;
      bySide[sideA]![outcome] += 1;
      bySide[sideA]!.games += 1;
      returnsA.push(mine);
      sumB += theirs;
      lengths.push(e.length);
      runner.restart = started < games;
    },
  });
  runner.restart = games > 1;
  runner.start([firstSeed]);
  while (runner.active > 0) runner.step();
  const mean = (xs: readonly number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  return { games, ...total, bySide, meanReturnA: mean(returnsA), meanReturnB: sumB / games, meanLength: mean(lengths), returnsA, lengths };
}

export interface TeamResult {
  readonly episodes: number;
  /** The team return (mean over the agents) and length of each episode. */
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
}

/**
 * Plays `episodes` episodes of a cooperative game with `policy` acting for every
 * agent; the first resets with a seed drawn from `seed`, later ones continue
 * the game's stream, and the policy draws from a generator derived from `seed`.
 */
export function evaluateTeam(policy: Policy, game: Game, options: { readonly episodes?: number; readonly seed?: number } = {}): TeamResult {
  const episodes = options.episodes ?? 100;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluateTeam: episodes must be a positive integer, got ${episodes}`);
  const root = new Rng(options.seed ?? 0);
  const firstSeed = root.nextSeed();
  const team: Controller = policyController('team', policy, new Rng(root.nextSeed()));
  const returns: number[] = [];
  const lengths: number[] = [];
  const runner: MatchRunner = new MatchRunner([game], [[...game.possibleAgents]], {
    matchup: () => [team],
    decide: () => {
      throw new Error('evaluateTeam: no side is played by a learner');
    },
    record: () => {},
    episodeEnd: (e: EpisodeSummary) => {
      returns.push(e.teamReturns[0]!);
      lengths.push(e.length);
      runner.restart = returns.length < episodes;
    },
  });
  runner.restart = episodes > 1;
  runner.start([firstSeed]);
  while (runner.active > 0) runner.step();
  return { episodes, returns, lengths };
}

/** A policy that plays a uniformly random legal move (from the action mask) or, without a mask, a random action of `nActions`. */
export function randomPolicy(nActions?: number): Policy {
  return (obs, { rng }) => {
    const mask = (obs as { actionMask?: unknown } | null)?.actionMask;
    if (mask instanceof Uint8Array) {
      const legal: number[] = [];
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) legal.push(i);
      if (legal.length === 0) throw new RangeError('randomPolicy: the mask has no legal move');
      return legal[rng.integers(0, legal.length)]!;
    }
    if (nActions === undefined) throw new TypeError('randomPolicy: the observation has no action mask; pass the number of actions');
    return rng.integers(0, nActions);
  };
}
