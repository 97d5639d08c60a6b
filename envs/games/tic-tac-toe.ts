/**
 * TicTacToe-v0: two players take turns marking the cells of a 3x3 grid; three
 * marks in a row, column or diagonal win. Turn-based (core/multi-agent.ts),
 * with PettingZoo's tictactoe conventions except the cell numbering (row-major
 * here, column-major there). The rules engine is board.ts.
 *
 * Agents: player_0 (X, moves first), player_1 (O).
 *
 * Observation: Dict { observation, actionMask }
 *   | key         | space                     | meaning                                      |
 *   |-------------|---------------------------|----------------------------------------------|
 *   | observation | Box(0, 1, (3, 3, 2), uint8) | [row][col][0]: own mark, [row][col][1]: opponent's |
 *   | actionMask  | MultiBinary(9)            | 1 for each empty cell on this agent's turn, else all 0 |
 *
 * Action: Discrete(9): the cell, row * 3 + col
 *     0 | 1 | 2
 *     3 | 4 | 5
 *     6 | 7 | 8
 *
 * Rewards: +1 to the winner and -1 to the loser on the winning move; 0 for a
 *   draw and every other move. Read them with last() (cumulative since the
 *   agent's own last move), so the loser sees its -1 on its final last().
 *
 * Start: the empty board, player_0 to move. No randomness.
 *
 * End: terminated for both agents on a win, a draw (full board) or, with
 *   illegalMove: 'penalty', an illegal move (the offender gets -1, the other 0).
 *   Each done agent is then stepped with null to leave.
 *
 * State (for centralized critics): Box(0, 2, (9,), uint8), the cells with
 *   0 empty, 1 X, 2 O.
 *
 * kwargs:
 *   illegalMove  'error' (default: an IllegalMoveError, nothing changes) | 'penalty'
 *
 * Also here: `ticTacToeMinimax`, a perfect player, and `ticTacToeWinLines`.
 */
import type { GameSpec } from '../../core/multi-agent.js';
import { actionMaskOf } from '../../core/multi-agent.js';
import type { Rng } from '../../core/rng.js';
import type { BoardKwargs } from './board.js';
import { BoardGame } from './board.js';

export const TIC_TAC_TOE = { rows: 3, cols: 3, connect: 3, gravity: false } as const;

/** A tic-tac-toe game (unwrapped; `makeGame('TicTacToe-v0')` adds the checks). */
export function ticTacToe(kwargs: BoardKwargs = {}, spec: GameSpec = { id: 'TicTacToe-v0', kind: 'turn-based', kwargs: { ...kwargs } }): BoardGame {
  return new BoardGame(TIC_TAC_TOE, kwargs, spec);
}

/** The eight winning lines (rows, columns, diagonals) as cell indices. */
export const ticTacToeWinLines: readonly (readonly [number, number, number])[] = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
];

// Minimax over positions seen from the side to move: cells 0 empty, 1 mine,
// 2 the opponent's, encoded in base 3. A win scores 1 + the number of empty
// cells left (so faster wins and slower losses are preferred), a draw 0.
const memo = new Map<number, number>();
const POW3 = Array.from({ length: 9 }, (_, i) => 3 ** i);

function encode(cells: ArrayLike<number>): number {
  let key = 0;
  for (let i = 0; i < 9; i++) key += cells[i]! * POW3[i]!;
  return key;
}

function wins(cells: ArrayLike<number>, mark: number): boolean {
  return ticTacToeWinLines.some(([a, b, c]) => cells[a] === mark && cells[b] === mark && cells[c] === mark);
}

/** The value of the position for the side to move (mark 1), with best play from both sides. */
function negamax(cells: number[]): number {
  const key = encode(cells);
  const known = memo.get(key);
  if (known !== undefined) return known;
  let best = -Infinity;
  let empty = 0;
  for (let i = 0; i < 9; i++) if (cells[i] === 0) empty += 1;
  if (empty === 0) best = 0;
  for (let i = 0; i < 9; i++) {
    if (cells[i] !== 0) continue;
    cells[i] = 1;
    const score = wins(cells, 1) ? empty : empty === 1 ? 0 : -negamax(cells.map((v) => (v === 0 ? 0 : 3 - v)));
    cells[i] = 0;
    if (score > best) best = score;
  }
  memo.set(key, best);
  return best;
}

/**
 * The board from the side to move's view (1 mine, 2 the opponent's), from:
 * an observation `{ observation, actionMask }` or its 18-value planes (the
 * observer is assumed to be the side to move), or 9 cells with 0 empty, 1 X
 * (player_0), 2 O (player_1), where the side to move follows from the counts.
 */
function relativeCells(input: unknown): number[] {
  const planes = actionMaskOf(input) ? (input as { observation: ArrayLike<number> }).observation : (input as ArrayLike<number>);
  if (planes && typeof planes === 'object' && planes.length === 18) {
    return Array.from({ length: 9 }, (_, i) => (planes[2 * i] === 1 ? 1 : planes[2 * i + 1] === 1 ? 2 : 0));
  }
  if (planes && typeof planes === 'object' && planes.length === 9) {
    const cells = Array.from(planes as ArrayLike<number>);
    if (!cells.every((v) => v === 0 || v === 1 || v === 2)) throw new TypeError(`ticTacToeMinimax: board cells must be 0, 1 or 2, got [${cells.join(', ')}]`);
    const xs = cells.filter((v) => v === 1).length;
    const os = cells.filter((v) => v === 2).length;
    if (xs !== os && xs !== os + 1) throw new TypeError(`ticTacToeMinimax: impossible board (${xs} X and ${os} O)`);
    const toMove = xs === os ? 1 : 2;
    return cells.map((v) => (v === 0 ? 0 : v === toMove ? 1 : 2));
  }
  throw new TypeError('ticTacToeMinimax: expected an observation { observation, actionMask }, its 18 planes, or 9 board cells');
}

/**
 * A perfect tic-tac-toe player: the best move for the side to move (it never
 * loses). Ties between equally good moves go to the lowest cell, or to a random
 * one when `rng` is given.
 */
export function ticTacToeMinimax(input: unknown, rng?: Rng): number {
  const cells = relativeCells(input);
  if (wins(cells, 1) || wins(cells, 2)) throw new TypeError('ticTacToeMinimax: the game is already won');
  const empty = cells.filter((v) => v === 0).length;
  if (empty === 0) throw new TypeError('ticTacToeMinimax: the board is full');
  let best = -Infinity;
  let moves: number[] = [];
  for (let i = 0; i < 9; i++) {
    if (cells[i] !== 0) continue;
    cells[i] = 1;
    const score = wins(cells, 1) ? empty : empty === 1 ? 0 : -negamax(cells.map((v) => (v === 0 ? 0 : 3 - v)));
    cells[i] = 0;
    if (score > best) {
      best = score;
      moves = [i];
    } else if (score === best) moves.push(i);
  }
  return rng ? moves[rng.integers(0, moves.length)]! : moves[0]!;
}
