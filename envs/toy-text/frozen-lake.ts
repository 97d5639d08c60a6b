/**
 * FrozenLake-v1: walk from the start tile to the goal across a frozen lake
 * without falling into a hole; on slippery ice the agent may slide sideways.
 * Gymnasium 1.x's dynamics, with the full transition table exposed for
 * planning agents (see core/tabular.ts).
 *
 * The map is a grid of letters: S start, F frozen, H hole, G goal. The 4x4 map:
 *
 *   S F F F
 *   F H F H
 *   F F F H
 *   H F F G
 *
 * Observation: Discrete(rows * cols): the agent's cell as row * cols + col.
 *
 * Action: Discrete(4)
 *   | action | move  |
 *   |--------|-------|
 *   | 0      | left  |
 *   | 1      | down  |
 *   | 2      | right |
 *   | 3      | up    |
 *   A move into the edge of the map leaves the agent where it is.
 *
 * Slippery ice (`isSlippery`, the default): the agent moves in the chosen
 *   direction with probability `successRate` (default 1/3) and in each of the
 *   two perpendicular directions with probability (1 - successRate) / 2. The
 *   three outcomes are listed in P[s][a] in the order a - 1, a, a + 1 (mod 4),
 *   e.g. up, left, down for action left, one entry each even when two of them
 *   end in the same cell.
 *
 * Reward: `rewardSchedule` [goal, hole, frozen], default [1, 0, 0], by the
 *   letter of the cell entered (the start tile counts as frozen).
 *
 * Start state: a start tile S (uniformly among them when a custom map has
 *   several), so state 0 on the built-in maps.
 *
 * Episode end: terminated on entering a hole or the goal; truncated by the
 *   registry's time limit (100 steps for FrozenLake-v1, 200 for
 *   FrozenLake8x8-v1). Holes and goals are absorbing in P (probability 1 of
 *   staying, reward 0, terminated), as in Gymnasium.
 *
 * Info: `{ prob }`, the probability of the outcome that happened (1 at reset).
 *
 * kwargs:
 *   desc            custom map, an array of equal-length strings of S F H G
 *                   (wins over mapName)
 *   mapName         '4x4' (default) or '8x8'
 *   isSlippery      default true
 *   successRate     probability of moving as chosen on slippery ice, in [0, 1]
 *   rewardSchedule  [goal, hole, frozen], default [1, 0, 0]
 *   randomMap       { size?, p?, seed }: a map from generateRandomMap with
 *                   size (default 8) and frozen probability p (default 0.8),
 *                   seeded so that the same kwargs give the same map
 */
import type { EnvSpec, RenderState } from '../../core/env.js';
import { Rng } from '../../core/rng.js';
import type { TabularMDP, Transition } from '../../core/tabular.js';
import { freezeTable, TabularEnv } from '../../core/tabular.js';

const LEFT = 0;
const DOWN = 1;
const RIGHT = 2;
const UP = 3;
const N_ACTIONS = 4;

export const MAPS: Readonly<Record<string, readonly string[]>> = {
  '4x4': ['SFFF', 'FHFH', 'FFFH', 'HFFG'],
  '8x8': ['SFFFFFFF', 'FFFFFFFF', 'FFFHFFFF', 'FFFFFHFF', 'FFFHFFFF', 'FHHFFFHF', 'FHFFHFHF', 'FFFHFFFG'],
};

const TILES = 'SFHG';

/**
 * Random maps are redrawn until one has a path from S to G; a low `p` on a big
 * map can make that very unlikely, so give up with an error instead of looping
 * for ever.
 */
const MAX_RANDOM_MAP_TRIES = 100_000;

export interface RandomMapOptions {
  /** Side of the square map (default 8). */
  size?: number;
  /** Probability that a tile is frozen rather than a hole (default 0.8). */
  p?: number;
  /** Seed of the generator that draws the map (required, so the map is reproducible from the kwargs). */
  seed: number;
}

export interface FrozenLakeKwargs {
  desc?: readonly string[] | null;
  mapName?: string;
  isSlippery?: boolean;
  successRate?: number;
  rewardSchedule?: readonly number[];
  randomMap?: RandomMapOptions | null;
}

// ---------------------------------------------------------------- maps

/** Whether a goal tile can be reached from the top-left cell without crossing a hole (4-neighbour moves). */
function hasPathToGoal(rows: readonly string[]): boolean {
  const size = rows.length;
  const seen = new Set<number>([0]);
  const frontier = [0];
  while (frontier.length > 0) {
    const cell = frontier.pop()!;
    const r = Math.floor(cell / size);
    const c = cell % size;
    for (const [dr, dc] of [
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ] as const) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nr >= size || nc < 0 || nc >= size) continue;
      const letter = rows[nr]![nc];
      if (letter === 'G') return true;
      const next = nr * size + nc;
      if (letter !== 'H' && !seen.has(next)) {
        seen.add(next);
        frontier.push(next);
      }
    }
  }
  return false;
}

/**
 * A random size x size map with S in the top-left corner, G in the bottom-right
 * one, and every other tile frozen with probability `p` (else a hole), redrawn
 * until the goal can be reached from the start (Gymnasium's generate_random_map,
 * drawing from our Rng).
 */
export function generateRandomMap(size: number, p: number, rng: Rng): string[] {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`generateRandomMap: size must be an integer >= 2, got ${size}`);
  if (typeof p !== 'number' || !(p > 0 && p <= 1)) {
    throw new RangeError(`generateRandomMap: p (the probability of a frozen tile) must be in (0, 1], got ${String(p)}`);
  }
  for (let attempt = 0; attempt < MAX_RANDOM_MAP_TRIES; attempt++) {
    const rows: string[] = [];
    for (let r = 0; r < size; r++) {
      let row = '';
      for (let c = 0; c < size; c++) row += rng.random() < p ? 'F' : 'H';
      rows.push(row);
    }
    rows[0] = 'S' + rows[0]!.slice(1);
    rows[size - 1] = rows[size - 1]!.slice(0, -1) + 'G';
    if (hasPathToGoal(rows)) return rows;
  }
  throw new RangeError(
    `generateRandomMap: no ${size}x${size} map with a path from S to G in ${MAX_RANDOM_MAP_TRIES} tries at p = ${p}; raise p`,
  );
}

/** Checks a custom map and returns a copy; errors say which row and column is wrong. */
function checkDesc(id: string, desc: unknown): string[] {
  if (!Array.isArray(desc) || desc.length === 0) {
    throw new TypeError(`${id}: desc must be a non-empty array of strings such as ["SFFF", "FHFH", "FFFH", "HFFG"], got ${JSON.stringify(desc)}`);
  }
  const rows = desc as unknown[];
  rows.forEach((row, r) => {
    if (typeof row !== 'string' || row.length === 0) {
      throw new TypeError(`${id}: desc row ${r} must be a non-empty string of S, F, H, G, got ${JSON.stringify(row)}`);
    }
  });
  const strings = rows as string[];
  const cols = strings[0]!.length;
  strings.forEach((row, r) => {
    if (row.length !== cols) {
      throw new RangeError(`${id}: desc row ${r} has ${row.length} columns but row 0 has ${cols}; every row must have the same length`);
    }
    for (let c = 0; c < cols; c++) {
      if (!TILES.includes(row[c]!)) {
        throw new RangeError(`${id}: desc row ${r}, column ${c} is ${JSON.stringify(row[c])}; tiles are S (start), F (frozen), H (hole), G (goal)`);
      }
    }
  });
  if (!strings.some((row) => row.includes('S'))) throw new RangeError(`${id}: desc has no start tile S`);
  if (!strings.some((row) => row.includes('G'))) throw new RangeError(`${id}: desc has no goal tile G`);
  return [...strings];
}

/** The map the kwargs ask for: desc, else randomMap, else the named map. */
function resolveMap(id: string, kwargs: FrozenLakeKwargs): string[] {
  const { desc, randomMap } = kwargs;
  const hasDesc = desc !== undefined && desc !== null;
  const hasRandom = randomMap !== undefined && randomMap !== null;
  if (hasDesc && hasRandom) throw new TypeError(`${id}: give either desc or randomMap, not both`);
  if (hasDesc) return checkDesc(id, desc);
  if (hasRandom) {
    if (typeof randomMap !== 'object' || !Number.isInteger(randomMap.seed)) {
      throw new TypeError(`${id}: randomMap must be { size?, p?, seed } with an integer seed, got ${JSON.stringify(randomMap)}`);
    }
    return generateRandomMap(randomMap.size ?? 8, randomMap.p ?? 0.8, new Rng(randomMap.seed));
  }
  const mapName = kwargs.mapName ?? '4x4';
  const named = Object.hasOwn(MAPS, mapName) ? MAPS[mapName] : undefined;
  if (!named) {
    throw new RangeError(
      `${id}: unknown mapName ${JSON.stringify(mapName)}; use ${Object.keys(MAPS)
        .map((k) => JSON.stringify(k))
        .join(' or ')}, or pass desc or randomMap`,
    );
  }
  return [...named];
}

// ---------------------------------------------------------------- model

export interface FrozenLakeModelOptions {
  isSlippery: boolean;
  successRate: number;
  /** [goal, hole, frozen] */
  rewardSchedule: readonly [number, number, number];
}

/**
 * The transition table of a (checked) map, built the way Gymnasium builds it so
 * that every probability is the same double: the chosen direction gets
 * `successRate` itself and each side direction `(1 - successRate) / 2`.
 */
export function frozenLakeModel(desc: readonly string[], opts: FrozenLakeModelOptions): TabularMDP {
  const rows = desc.length;
  const cols = desc[0]!.length;
  const nS = rows * cols;
  const [goalReward, holeReward, frozenReward] = opts.rewardSchedule;
  const failRate = (1.0 - opts.successRate) / 2.0;
  const letterAt = (s: number): string => desc[Math.floor(s / cols)]![s % cols]!;

  // Where a move in `direction` from state s lands, and what entering that cell gives.
  const move = (s: number, direction: number, prob: number): Transition => {
    let r = Math.floor(s / cols);
    let c = s % cols;
    if (direction === LEFT) c = Math.max(c - 1, 0);
    else if (direction === DOWN) r = Math.min(r + 1, rows - 1);
    else if (direction === RIGHT) c = Math.min(c + 1, cols - 1);
    else r = Math.max(r - 1, 0);
    const next = r * cols + c;
    const letter = letterAt(next);
    const reward = letter === 'G' ? goalReward : letter === 'H' ? holeReward : frozenReward;
    return [prob, next, reward, letter === 'G' || letter === 'H'];
  };

  const P: Transition[][][] = [];
  for (let s = 0; s < nS; s++) {
    const row: Transition[][] = [];
    const letter = letterAt(s);
    for (let a = 0; a < N_ACTIONS; a++) {
      if (letter === 'G' || letter === 'H') {
        // Terminal cells are absorbing; an agent never acts from them, but planners sweep over them.
        row.push([[1.0, s, 0, true]]);
      } else if (opts.isSlippery) {
        row.push([(a + 3) % 4, a, (a + 1) % 4].map((b) => move(s, b, b === a ? opts.successRate : failRate)));
      } else {
        row.push([move(s, a, 1.0)]);
      }
    }
    P.push(row);
  }

  // Uniform over the start tiles, normalized by division as Gymnasium does.
  const initialStateDistrib = new Float64Array(nS);
  let starts = 0;
  for (let s = 0; s < nS; s++) {
    if (letterAt(s) === 'S') {
      initialStateDistrib[s] = 1;
      starts += 1;
    }
  }
  for (let s = 0; s < nS; s++) initialStateDistrib[s]! /= starts;

  return { nS, nA: N_ACTIONS, P: freezeTable(P), initialStateDistrib };
}

function checkOptions(id: string, kwargs: FrozenLakeKwargs): FrozenLakeModelOptions {
  const isSlippery = kwargs.isSlippery ?? true;
  if (typeof isSlippery !== 'boolean') throw new TypeError(`${id}: isSlippery must be true or false, got ${JSON.stringify(isSlippery)}`);
  const successRate = kwargs.successRate ?? 1.0 / 3.0;
  if (typeof successRate !== 'number' || !(successRate >= 0 && successRate <= 1)) {
    throw new RangeError(`${id}: successRate must be a probability in [0, 1], got ${JSON.stringify(successRate)}`);
  }
  const schedule = kwargs.rewardSchedule ?? [1, 0, 0];
  if (!Array.isArray(schedule) || schedule.length !== 3 || !schedule.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`${id}: rewardSchedule must be three finite numbers [goal, hole, frozen], got ${JSON.stringify(schedule)}`);
  }
  return { isSlippery, successRate, rewardSchedule: [schedule[0]!, schedule[1]!, schedule[2]!] };
}

// ---------------------------------------------------------------- env

export class FrozenLakeEnv extends TabularEnv {
  /** The map, one string per row. */
  readonly desc: readonly string[];
  readonly rows: number;
  readonly cols: number;

  constructor(kwargs: FrozenLakeKwargs = {}, spec: EnvSpec = { id: 'FrozenLake-v1', kwargs: { ...kwargs } }) {
    const options = checkOptions(spec.id, kwargs);
    const desc = Object.freeze(resolveMap(spec.id, kwargs));
    super(spec, frozenLakeModel(desc, options));
    this.desc = desc;
    this.rows = desc.length;
    this.cols = desc[0]!.length;
  }

  renderState(): RenderState {
    return { rows: this.rows, cols: this.cols, desc: [...this.desc], position: this.state, lastAction: this.lastAction };
  }
}
