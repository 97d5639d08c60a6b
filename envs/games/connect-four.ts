/**
 * ConnectFour-v0: two players take turns dropping discs into a 6-row, 7-column
 * upright grid; a disc falls to the lowest empty cell of its column; four in a
 * row horizontally, vertically or diagonally win. Turn-based
 * (core/multi-agent.ts), with PettingZoo's connect_four conventions. The rules
 * engine is board.ts.
 *
 * Agents: player_0 (moves first, disc 1), player_1 (disc 2).
 *
 * Observation: Dict { observation, actionMask }
 *   | key         | space                       | meaning                                            |
 *   |-------------|-----------------------------|----------------------------------------------------|
 *   | observation | Box(0, 1, (6, 7, 2), uint8) | [row][col][0]: own disc, [row][col][1]: opponent's; row 0 is the top |
 *   | actionMask  | MultiBinary(7)              | 1 for each column with room on this agent's turn, else all 0 |
 *
 * Action: Discrete(7): the column (0 is the leftmost).
 *
 * Rewards: +1 to the winner and -1 to the loser on the winning move; 0 for a
 *   draw and every other move (read them with last()).
 *
 * Start: the empty board, player_0 to move. No randomness.
 *
 * End: terminated for both agents on a win, a full board (draw) or, with
 *   illegalMove: 'penalty', a move into a full column (the offender gets -1,
 *   the other 0). Each done agent is then stepped with null to leave.
 *
 * State (for centralized critics): Box(0, 2, (42,), uint8), the cells row-major
 *   from the top, 0 empty, 1 player_0, 2 player_1.
 *
 * kwargs:
 *   illegalMove  'error' (default: an IllegalMoveError, nothing changes) | 'penalty'
 *
 * Also here: `connectFourLookahead`, a one-move-lookahead player to train and
 * evaluate against.
 */
import type { GameSpec } from '../../core/multi-agent.js';
import { legalActions } from '../../core/multi-agent.js';
import type { Rng } from '../../core/rng.js';
import type { BoardKwargs, BoardObservation } from './board.js';
import { BoardGame, landingCell, lineThrough } from './board.js';

export const CONNECT_FOUR = { rows: 6, cols: 7, connect: 4, gravity: true } as const;

/** A Connect Four game (unwrapped; `makeGame('ConnectFour-v0')` adds the checks). */
export function connectFour(kwargs: BoardKwargs = {}, spec: GameSpec = { id: 'ConnectFour-v0', kind: 'turn-based', kwargs: { ...kwargs } }): BoardGame {
  return new BoardGame(CONNECT_FOUR, kwargs, spec);
}

const { rows: ROWS, cols: COLS } = CONNECT_FOUR;

/**
 * A one-move-lookahead Connect Four player for the agent whose observation
 * this is: it wins when a move wins at once, else blocks a column where the
 * opponent would win at once, else plays a random legal column (from `rng`;
 * the leftmost without one). It sees no further: a double threat beats it.
 */
export function connectFourLookahead(obs: BoardObservation, rng?: Rng): number {
  const { observation: planes, actionMask: mask } = obs;
  if (!(planes instanceof Uint8Array) || planes.length !== ROWS * COLS * 2 || !(mask instanceof Uint8Array) || mask.length !== COLS) {
    throw new TypeError(`connectFourLookahead: expected a ConnectFour-v0 observation ({ observation: ${ROWS}x${COLS}x2 uint8, actionMask: ${COLS} uint8 })`);
  }
  const cells = new Uint8Array(ROWS * COLS);
  for (let i = 0; i < ROWS * COLS; i++) cells[i] = planes[2 * i] ? 1 : planes[2 * i + 1] ? 2 : 0;
  const legal = legalActions(mask);
  if (legal.length === 0) throw new TypeError('connectFourLookahead: no legal move (it is not this agent\'s turn, or the game is over)');
  const pick = (cols: number[]) => (rng ? cols[rng.integers(0, cols.length)]! : cols[0]!);
  for (const mark of [1, 2]) {
    const hits = legal.filter((c) => lineThrough(cells, CONNECT_FOUR, landingCell(cells, CONNECT_FOUR, c), mark) !== null);
    if (hits.length > 0) return pick(hits);
  }
  return pick(legal);
}
