// A league of named policies (checkpoints, fixed players): a round robin of
// matches (evaluateMatch, both sides), a win/draw/loss table per pair, and an
// Elo-style rating.
//
// Ratings are a Bradley-Terry fit (maximum likelihood over all games at once,
// so the order of the games does not matter, unlike iterated Elo updates):
// P(i beats j) = g_i / (g_i + g_j), a draw counting as half a win for each.
// The fit is Hunter's MM iteration (2004, "MM algorithms for generalized
// Bradley-Terry models"): g_i <- W_i / sum_j n_ij / (g_i + g_j), with W_i the
// points of i and n_ij the games between i and j, renormalized each round.
// Ratings are on the Elo scale, R_i = 400 log10 g_i, shifted to average 1500,
// so that P(i beats j) = 1 / (1 + 10^((R_j - R_i) / 400)) as in Elo's table.
// A player that never scores has no finite maximum-likelihood rating; `prior`
// adds that many virtual draws to every pair that played (default 1), which
// keeps every rating finite and pulls lopsided pairs in a little.
import type { Game } from '../../core/multi-agent.js';
import type { Tally } from './evaluate.js';
import { evaluateMatch } from './evaluate.js';
import type { Policy } from './learner.js';

export interface Entrant {
  readonly name: string;
  readonly policy: Policy;
}

/** The games between a and b, counted from a's view. */
export interface PairResult extends Tally {
  readonly a: string;
  readonly b: string;
  readonly games: number;
}

export interface Rating {
  readonly name: string;
  readonly elo: number;
  /** Points (wins + draws / 2) and games played, without the prior. */
  readonly points: number;
  readonly games: number;
}

export interface League {
  readonly entrants: readonly string[];
  readonly pairs: readonly PairResult[];
  /** Best first. */
  readonly ratings: readonly Rating[];
}

export interface RatingOptions {
  /** Virtual draws added to every pair that played (default 1; 0 for the plain maximum-likelihood fit). */
  readonly prior?: number;
  readonly maxIterations?: number;
  /** Stop once no log-strength moves by more than this (default 1e-12). */
  readonly tolerance?: number;
}

/**
 * Every pair of entrants plays `gamesPerPair` games (sides alternating) on a
 * fresh game from `makeGame`; pair k (in the order (0,1), (0,2), ..., (1,2),
 * ...) uses seed `seed + k`, so the table is deterministic for a seed.
 */
export function roundRobin(
  entrants: readonly Entrant[],
  makeGame: () => Game,
  options: { gamesPerPair?: number; seed?: number } & RatingOptions = {},
): League {
  const names = entrants.map((e) => e.name);
  if (new Set(names).size !== names.length) throw new RangeError(`roundRobin: entrant names must be unique, got ${names.join(', ')}`);
  if (entrants.length < 2) throw new RangeError('roundRobin: needs at least two entrants');
  const pairs: PairResult[] = [];
  let k = 0;
  for (let i = 0; i < entrants.length; i++) {
    for (let j = i + 1; j < entrants.length; j++) {
      const game = makeGame();
      const r = evaluateMatch(entrants[i]!.policy, entrants[j]!.policy, game, { games: options.gamesPerPair ?? 100, seed: (options.seed ?? 0) + k });
      game.close();
      pairs.push({ a: names[i]!, b: names[j]!, games: r.games, wins: r.wins, draws: r.draws, losses: r.losses });
      k += 1;
    }
  }
  return { entrants: names, pairs, ratings: bradleyTerryElo(names, pairs, options) };
}

/** The Bradley-Terry fit of a results table, on the Elo scale (mean 1500), best first. */
export function bradleyTerryElo(names: readonly string[], pairs: readonly PairResult[], options: RatingOptions = {}): Rating[] {
  const prior = options.prior ?? 1;
  const maxIterations = options.maxIterations ?? 100_000;
  const tolerance = options.tolerance ?? 1e-12;
  const n = names.length;
  const index = new Map(names.map((name, i) => [name, i]));
  // games[i][j] and points[i][j] (i's points against j), with the prior's virtual draws.
  const games = Array.from({ length: n }, () => new Float64Array(n));
  const points = Array.from({ length: n }, () => new Float64Array(n));
  const rawPoints = new Float64Array(n);
  const rawGames = new Float64Array(n);
  for (const p of pairs) {
    const i = index.get(p.a);
    const j = index.get(p.b);
    if (i === undefined || j === undefined) throw new RangeError(`bradleyTerryElo: the pair ${p.a} - ${p.b} names an unknown entrant`);
    if (p.wins + p.draws + p.losses !== p.games) throw new RangeError(`bradleyTerryElo: ${p.a} - ${p.b}: wins + draws + losses != games`);
    const virtual = p.games > 0 ? prior : 0;
    games[i]![j] += p.games + virtual;
    games[j]![i] += p.games + virtual;
    points[i]![j] += p.wins + p.draws / 2 + virtual / 2;
    points[j]![i] += p.losses + p.draws / 2 + virtual / 2;
    rawPoints[i] += p.wins + p.draws / 2;
    rawPoints[j] += p.losses + p.draws / 2;
    rawGames[i] += p.games;
    rawGames[j] += p.games;
  }
  const wins = names.map((_, i) => points[i]!.reduce((a, b) => a + b, 0));
  let g: Float64Array = new Float64Array(n).fill(1);
  for (let iter = 0; iter < maxIterations; iter++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let denom = 0;
      for (let j = 0; j < n; j++) if (j !== i && games[i]![j]! > 0) denom += games[i]![j]! / (g[i]! + g[j]!);
      next[i] = denom > 0 ? wins[i]! / denom : g[i]!;
    }
    // Renormalize to geometric mean 1 (only ratios are identified).
    let logMean = 0;
    let positive = 0;
    for (let i = 0; i < n; i++) {
      if (next[i]! <= 0) continue;
      logMean += Math.log(next[i]!);
      positive += 1;
    }
    const scale = Math.exp(logMean / Math.max(1, positive));
    let change = 0;
    for (let i = 0; i < n; i++) {
      next[i] = next[i]! / scale;
      if (next[i]! > 0 && g[i]! > 0) change = Math.max(change, Math.abs(Math.log(next[i]!) - Math.log(g[i]!)));
      else if (next[i] !== g[i]) change = Infinity;
    }
    g = next;
    if (change < tolerance) break;
  }
  const raw = Array.from(g, (x) => 400 * Math.log10(x));
  const finite = raw.filter(Number.isFinite);
  const shift = finite.length > 0 ? 1500 - finite.reduce((a, b) => a + b, 0) / finite.length : 1500;
  return names
    .map((name, i) => ({ name, elo: raw[i]! + shift, points: rawPoints[i]!, games: rawGames[i]! }))
    .sort((x, y) => y.elo - x.elo || x.name.localeCompare(y.name));
}

/** The league as text: a W-D-L cross table (row's view) and the ratings. */
export function formatLeague(league: League): string {
  const names = league.entrants;
  const cell = (a: string, b: string): string => {
    if (a === b) return '-';
    const direct = league.pairs.find((p) => p.a === a && p.b === b);
    if (direct) return `${direct.wins}-${direct.draws}-${direct.losses}`;
    const reverse = league.pairs.find((p) => p.a === b && p.b === a);
    return reverse ? `${reverse.losses}-${reverse.draws}-${reverse.wins}` : '';
  };
  const rows = [['W-D-L (row vs column)', ...names], ...names.map((a) => [a, ...names.map((b) => cell(a, b))])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  const ratings = league.ratings.map((r, k) => `${String(k + 1).padStart(2)}. ${r.name.padEnd(Math.max(...names.map((x) => x.length)))}  ${r.elo.toFixed(0).padStart(5)}  (${r.points} / ${r.games} points)`);
  return [...rows.map(line), '', 'Elo (Bradley-Terry fit, mean 1500):', ...ratings].join('\n');
}
