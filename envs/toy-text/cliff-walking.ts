/**
 * CliffWalking-v1: walk along a 4x12 grid from the bottom-left corner to the
 * bottom-right one without stepping off the cliff between them (Sutton & Barto,
 * Reinforcement Learning: An Introduction, Example 6.6), with Gymnasium 1.x's
 * dynamics and the full transition table exposed for planning agents (see
 * core/tabular.ts).
 *
 *   row 0   . . . . . . . . . . . .
 *   row 1   . . . . . . . . . . . .
 *   row 2   . . . . . . . . . . . .
 *   row 3   S C C C C C C C C C C G      S = 36, C = cliff (37..46), G = 47
 *
 * Observation: Discrete(48): the agent's cell as row * 12 + col. The agent is
 *   never observed on the cliff or (since the episode ends there) on the goal,
 *   but P has rows for all 48 cells, as in Gymnasium.
 *
 * Action: Discrete(4) (Gymnasium's CliffWalking order, not FrozenLake's)
 *   | action | move  |
 *   |--------|-------|
 *   | 0      | up    |
 *   | 1      | right |
 *   | 2      | down  |
 *   | 3      | left  |
 *   A move into the edge of the grid leaves the agent where it is.
 *
 * Slippery (`isSlippery`, default false; CliffWalkingSlippery-v1 sets it): the
 *   agent moves in directions a - 1, a, a + 1 (mod 4) with probability 1/3
 *   each, listed in that order in P[s][a].
 *
 * Reward: -1 per step; -100 for a step that enters the cliff.
 *
 * Start state: 36 (row 3, column 0).
 *
 * Episode end: terminated on entering the goal (47). Entering the cliff does
 *   NOT end the episode in v1: the agent is sent back to the start (reward
 *   -100, terminated false). No time limit is registered, as in Gymnasium.
 *
 * Info: `{ prob }`, the probability of the outcome that happened (1 at reset).
 *
 * kwargs:
 *   isSlippery  default false
 */
import type { EnvSpec, RenderState } from '../../core/env.js';
import type { TabularMDP, Transition } from '../../core/tabular.js';
import { freezeTable, TabularEnv } from '../../core/tabular.js';

const ROWS = 4;
const COLS = 12;
const N_STATES = ROWS * COLS;
const N_ACTIONS = 4;
const START = 3 * COLS; // bottom-left corner
const GOAL = N_STATES - 1; // bottom-right corner
/** The cliff: the bottom row between start and goal. */
const CLIFF: readonly number[] = Array.from({ length: COLS - 2 }, (_, i) => START + 1 + i);
const STEP_REWARD = -1;
const CLIFF_REWARD = -100;

/** Row and column change of each action: up, right, down, left. */
const MOVES: readonly (readonly [number, number])[] = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];

export interface CliffWalkingKwargs {
  isSlippery?: boolean;
}

/** The transition table of the 4x12 cliff, in Gymnasium's outcome order. */
export function cliffWalkingModel(isSlippery: boolean): TabularMDP {
  // Gymnasium gives each outcome 1 / (number of outcomes): exactly 1 or 1/3.
  const directions = (a: number): number[] => (isSlippery ? [(a + 3) % 4, a, (a + 1) % 4] : [a]);
  const P: Transition[][][] = [];
  for (let s = 0; s < N_STATES; s++) {
    const row: Transition[][] = [];
    for (let a = 0; a < N_ACTIONS; a++) {
      const dirs = directions(a);
      const prob = 1 / dirs.length;
      row.push(
        dirs.map((d): Transition => {
          const r = Math.min(Math.max(Math.floor(s / COLS) + MOVES[d]![0], 0), ROWS - 1);
          const c = Math.min(Math.max((s % COLS) + MOVES[d]![1], 0), COLS - 1);
          const next = r * COLS + c;
          if (CLIFF.includes(next)) return [prob, START, CLIFF_REWARD, false];
          return [prob, next, STEP_REWARD, next === GOAL];
        }),
      );
    }
    P.push(row);
  }
  const initialStateDistrib = new Float64Array(N_STATES);
  initialStateDistrib[START] = 1;
  return { nS: N_STATES, nA: N_ACTIONS, P: freezeTable(P), initialStateDistrib };
}

function slipperyOf(id: string, kwargs: CliffWalkingKwargs): boolean {
  const isSlippery = kwargs.isSlippery ?? false;
  if (typeof isSlippery !== 'boolean') throw new TypeError(`${id}: isSlippery must be true or false, got ${JSON.stringify(isSlippery)}`);
  return isSlippery;
}

export class CliffWalkingEnv extends TabularEnv {
  constructor(kwargs: CliffWalkingKwargs = {}, spec: EnvSpec = { id: 'CliffWalking-v1', kwargs: { ...kwargs } }) {
    super(spec, cliffWalkingModel(slipperyOf(spec.id, kwargs)));
  }

  renderState(): RenderState {
    return { rows: ROWS, cols: COLS, cliff: [...CLIFF], start: START, goal: GOAL, position: this.state, lastAction: this.lastAction };
  }
}
