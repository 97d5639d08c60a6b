// Matches against fixed opponents and the league: counts on rigged games,
// the Bradley-Terry Elo fit on a hand-made table, determinism for a seed.
import { describe, expect, it } from 'vitest';
import { makeGame } from '../../../core/multi-agent.js';
import type { Rng } from '../../../core/rng.js';
import { ticTacToeMinimax } from '../../../envs/games/index.js';
import { evaluateMatch, randomPolicy } from '../../../agents/multi/evaluate.js';
import type { Policy } from '../../../agents/multi/learner.js';
import { bradleyTerryElo, formatLeague, roundRobin } from '../../../agents/multi/league.js';
import { ensureGames, HighCard } from './helpers.js';

ensureGames();
const always = (a: number): Policy => () => a;
const minimax: Policy = (obs, { rng }) => ticTacToeMinimax(obs, rng as Rng);

describe('evaluateMatch', () => {
  it('counts wins, draws and losses from A\'s view, alternating sides', () => {
    const r = evaluateMatch(always(2), always(1), new HighCard(), { games: 10, seed: 0 });
    expect([r.games, r.wins, r.draws, r.losses]).toEqual([10, 10, 0, 0]);
    expect(r.bySide.map((s) => [s.agents, s.games, s.wins])).toEqual([[['left'], 5, 5], [['right'], 5, 5]]);
    expect(r.meanReturnA).toBe(1);
    expect(r.meanReturnB).toBe(-1);
    const draw = evaluateMatch(always(1), always(1), new HighCard(), { games: 4 });
    expect([draw.wins, draw.draws, draw.losses]).toEqual([0, 4, 0]);
  });

  it('on a rigged game where the left side always wins, A wins exactly the games it plays left', () => {
    const r = evaluateMatch(always(0), always(2), new HighCard(true), { games: 7, seed: 3 });
    expect([r.wins, r.draws, r.losses]).toEqual([4, 0, 3]);
    expect(r.bySide.map((s) => [s.games, s.wins, s.draws, s.losses])).toEqual([[4, 4, 0, 0], [3, 0, 0, 3]]);
  });

  it('seeds only the first reset and is deterministic for a seed', () => {
    const g = new HighCard();
    evaluateMatch(always(0), always(0), g, { games: 3, seed: 5 });
    expect(g.resets.length).toBe(3);
    expect(g.resets[0]).toEqual(expect.any(Number));
    expect(g.resets.slice(1)).toEqual([undefined, undefined]);
    const play = () => evaluateMatch(randomPolicy(), randomPolicy(), makeGame('TicTacToe-v0'), { games: 50, seed: 11 });
    expect(play()).toEqual(play());
  });

  it('tic-tac-toe: minimax never loses to random and always draws itself; sides are the two players', () => {
    const vsRandom = evaluateMatch(minimax, randomPolicy(), makeGame('TicTacToe-v0'), { games: 40, seed: 1 });
    expect(vsRandom.losses).toBe(0);
    expect(vsRandom.wins).toBeGreaterThan(30);
    expect(vsRandom.bySide.map((s) => s.agents)).toEqual([['player_0'], ['player_1']]);
    const self = evaluateMatch(minimax, minimax, makeGame('TicTacToe-v0'), { games: 10, seed: 2 });
    expect(self.draws).toBe(10);
  });

  it('refuses a cooperative game (one side)', () => {
    expect(() => evaluateMatch(always(0), always(0), makeGame('CooperativeNavigation-v0'), { games: 1 })).toThrow(/one side/);
  });
});

describe('league', () => {
  it('fits Bradley-Terry strengths 4 : 2 : 1 from a table in exact proportion (Elo 400 log10 of the ratios, mean 1500)', () => {
    const pairs = [
      { a: 'A', b: 'B', games: 30, wins: 20, draws: 0, losses: 10 }, // 4 / (4 + 2) = 2/3
      { a: 'A', b: 'C', games: 30, wins: 24, draws: 0, losses: 6 }, // 4 / (4 + 1) = 4/5
      { a: 'C', b: 'B', games: 30, wins: 8, draws: 4, losses: 18 }, // C scores 8 + 2 = 10 of 30 = 1 / (1 + 2)
    ];
    const ratings = bradleyTerryElo(['A', 'B', 'C'], pairs, { prior: 0 });
    const step = 400 * Math.log10(2);
    expect(ratings.map((r) => r.name)).toEqual(['A', 'B', 'C']);
    expect(ratings[0]!.elo).toBeCloseTo(1500 + step, 6);
    expect(ratings[1]!.elo).toBeCloseTo(1500, 6);
    expect(ratings[2]!.elo).toBeCloseTo(1500 - step, 6);
    expect(ratings.map((r) => [r.points, r.games])).toEqual([[44, 60], [30, 60], [16, 60]]);
  });

  it('keeps ratings finite with the prior when a player never scores, and rates all-draws equal', () => {
    const shutout = bradleyTerryElo(['X', 'Y'], [{ a: 'X', b: 'Y', games: 10, wins: 10, draws: 0, losses: 0 }]);
    // One virtual draw: X scores 10.5 of 11, odds 21.
    expect(shutout[0]!.elo - shutout[1]!.elo).toBeCloseTo(400 * Math.log10(21), 6);
    const even = bradleyTerryElo(['X', 'Y', 'Z'], [
      { a: 'X', b: 'Y', games: 4, wins: 0, draws: 4, losses: 0 },
      { a: 'Y', b: 'Z', games: 4, wins: 2, draws: 0, losses: 2 },
    ]);
    for (const r of even) expect(r.elo).toBeCloseTo(1500, 9);
  });

  it('plays a round robin deterministically and prints the table', () => {
    const entrants = [
      { name: 'two', policy: always(2) },
      { name: 'one', policy: always(1) },
      { name: 'zero', policy: always(0) },
    ];
    const league = roundRobin(entrants, () => new HighCard(), { gamesPerPair: 6, seed: 1 });
    expect(league.pairs.map((p) => [p.a, p.b, p.wins, p.draws, p.losses])).toEqual([
      ['two', 'one', 6, 0, 0],
      ['two', 'zero', 6, 0, 0],
      ['one', 'zero', 6, 0, 0],
    ]);
    expect(league.ratings.map((r) => r.name)).toEqual(['two', 'one', 'zero']);
    expect(roundRobin(entrants, () => new HighCard(), { gamesPerPair: 6, seed: 1 })).toEqual(league);
    const text = formatLeague(league);
    expect(text).toContain('6-0-0');
    expect(text).toContain('0-0-6');
    expect(text).toMatch(/1\. two/);
  });
});
