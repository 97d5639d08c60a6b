// The engine of the two-player "k in a row" board games (tic-tac-toe, Connect
// Four): a rows x cols grid, players placing marks in turn, either in any empty
// cell or (with gravity) in the lowest empty cell of a column. The rules live
// here once; tic-tac-toe.ts and connect-four.ts give the geometry and the header.
//
// Turn-based API (core/multi-agent.ts), PettingZoo's conventions for its
// classic board games:
// - agents player_0 (moves first, mark 1) and player_1 (mark 2);
// - observation `{ observation, actionMask }`: `observation` is Box(0, 1,
//   (rows, cols, 2), uint8), row-major with row 0 at the top; channel 0 holds
//   the observing agent's marks, channel 1 the opponent's, so one policy plays
//   both sides; `actionMask` is MultiBinary(nActions), the legal moves when it
//   is this agent's turn and all zeros otherwise;
// - rewards +1 to the winner and -1 to the loser when the game ends, 0 for a
//   draw and for every other move;
// - an illegal move (occupied cell, full column) throws an IllegalMoveError and
//   changes nothing (`illegalMove: 'error'`, the default), or with
//   `illegalMove: 'penalty'` ends the game: the offender gets -1 and the other
//   player 0, as PettingZoo's TerminateIllegalWrapper does;
// - no randomness: the start is always the empty board (a seed is accepted and
//   has no effect).
import type { Info, RenderState, ResetArgs } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, IllegalMoveMode, LastResult, MaskedObservation, PerAgent, TurnBasedEnv } from '../../core/multi-agent.js';
import { AgentTally, assertResetOptions, IllegalMoveError, maskedSpace, TurnLedger } from '../../core/multi-agent.js';
import type { BoxSpace, DictSpace, DiscreteSpace } from '../../core/spaces.js';
import { box, describeValue, discrete } from '../../core/spaces.js';

export const BOARD_AGENTS: readonly AgentId[] = ['player_0', 'player_1'];
const ILLEGAL_MOVE_REWARD = -1;

export interface BoardGeometry {
  readonly rows: number;
  readonly cols: number;
  /** Marks in a row (horizontally, vertically or diagonally) that win. */
  readonly connect: number;
  /** Marks fall to the lowest empty cell of the chosen column (actions are columns), else actions are cells. */
  readonly gravity: boolean;
}

export interface BoardKwargs {
  illegalMove?: IllegalMoveMode;
}

export type BoardObservation = MaskedObservation<Uint8Array>;

/** Row and column steps of the four line directions: horizontal, vertical, diagonal, anti-diagonal. */
const DIRECTIONS: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 0],
  [1, 1],
  [1, -1],
];

/** The cell a move fills on `board` (row-major, 0 empty), or -1 when the move is illegal. */
export function landingCell(board: Uint8Array, geometry: BoardGeometry, action: number): number {
  const { rows, cols, gravity } = geometry;
  if (!gravity) return board[action] === 0 ? action : -1;
  for (let r = rows - 1; r >= 0; r--) if (board[r * cols + action] === 0) return r * cols + action;
  return -1;
}

/**
 * The cells of a line of at least `connect` marks `mark` through `cell` on
 * `board`, counting `cell` as holding `mark` whatever it holds (so a move can
 * be tried before it is made), or null.
 */
export function lineThrough(board: Uint8Array, geometry: BoardGeometry, cell: number, mark: number): number[] | null {
  const { rows, cols, connect } = geometry;
  const r0 = Math.floor(cell / cols);
  const c0 = cell % cols;
  for (const [dr, dc] of DIRECTIONS) {
    const line = [cell];
    for (const sign of [1, -1]) {
      let r = r0 + sign * dr;
      let c = c0 + sign * dc;
      while (r >= 0 && r < rows && c >= 0 && c < cols && board[r * cols + c] === mark) {
        line.push(r * cols + c);
        r += sign * dr;
        c += sign * dc;
      }
    }
    if (line.length >= connect) return line.sort((a, b) => a - b);
  }
  return null;
}

export class BoardGame implements TurnBasedEnv<BoardObservation, number> {
  readonly possibleAgents = BOARD_AGENTS;
  readonly stateSpace: BoxSpace;
  private readonly obsSpace: DictSpace;
  private readonly actSpace: DiscreteSpace;
  private readonly illegalMove: IllegalMoveMode;
  /** 0 empty, 1 player_0, 2 player_1; row-major, row 0 at the top. */
  private readonly board: Uint8Array;
  private readonly ledger = new TurnLedger();
  private readonly tally = new AgentTally(BOARD_AGENTS);
  private started = false;
  private over = false;
  private moves = 0;
  private winner: AgentId | null = null;
  private winningLine: number[] | null = null;
  private illegalBy: AgentId | null = null;

  constructor(
    readonly geometry: BoardGeometry,
    kwargs: BoardKwargs,
    readonly spec: GameSpec,
  ) {
    const { rows, cols } = geometry;
    const illegalMove = kwargs.illegalMove ?? 'error';
    if (illegalMove !== 'error' && illegalMove !== 'penalty') {
      throw new TypeError(`${spec.id}: illegalMove must be 'error' or 'penalty', got ${JSON.stringify(illegalMove)}`);
    }
    this.illegalMove = illegalMove;
    this.board = new Uint8Array(rows * cols);
    this.actSpace = discrete(geometry.gravity ? cols : rows * cols);
    this.obsSpace = maskedSpace(box(0, 1, [rows, cols, 2], 'uint8'), this.actSpace.n);
    this.stateSpace = box(0, 2, [rows * cols], 'uint8');
  }

  get unwrapped(): TurnBasedEnv {
    return this as TurnBasedEnv;
  }
  get agents(): readonly AgentId[] {
    return this.ledger.agents;
  }
  get agentSelection(): AgentId {
    return this.ledger.agentSelection;
  }
  get rewards(): Readonly<PerAgent<number>> {
    return this.ledger.rewards;
  }
  get cumulativeRewards(): Readonly<PerAgent<number>> {
    return this.ledger.cumulativeRewards;
  }
  get terminations(): Readonly<PerAgent<boolean>> {
    return this.ledger.terminations;
  }
  get truncations(): Readonly<PerAgent<boolean>> {
    return this.ledger.truncations;
  }
  get infos(): Readonly<PerAgent<Info>> {
    return this.ledger.infos;
  }

  observationSpace(agent: AgentId): DictSpace {
    this.agentIndex(agent);
    return this.obsSpace;
  }

  actionSpace(agent: AgentId): DiscreteSpace {
    this.agentIndex(agent);
    return this.actSpace;
  }

  private agentIndex(agent: AgentId): number {
    const i = BOARD_AGENTS.indexOf(agent);
    if (i < 0) throw new EnvUsageError(`${this.spec.id}: unknown agent ${JSON.stringify(agent)}; the agents are ${BOARD_AGENTS.join(', ')}`);
    return i;
  }

  reset(args: ResetArgs = {}): void {
    if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new TypeError(`reset: seed must be an integer, got ${args.seed}`);
    assertResetOptions(this.spec.id, args.options, []);
    this.board.fill(0);
    this.ledger.reset(BOARD_AGENTS, BOARD_AGENTS[0]!);
    this.tally.reset();
    this.started = true;
    this.over = false;
    this.moves = 0;
    this.winner = null;
    this.winningLine = null;
    this.illegalBy = null;
  }

  /** The legal moves of the player to move (empty once the game is over). */
  legalMask(): Uint8Array {
    const mask = new Uint8Array(this.actSpace.n);
    if (!this.over) for (let a = 0; a < mask.length; a++) mask[a] = landingCell(this.board, this.geometry, a) >= 0 ? 1 : 0;
    return mask;
  }

  observe(agent: AgentId): BoardObservation {
    this.assertStarted('observe()');
    const me = this.agentIndex(agent) + 1;
    const planes = new Uint8Array(this.board.length * 2);
    for (let i = 0; i < this.board.length; i++) {
      const v = this.board[i]!;
      if (v === me) planes[2 * i] = 1;
      else if (v !== 0) planes[2 * i + 1] = 1;
    }
    const actionMask = agent === this.ledger.agentSelection && !this.over ? this.legalMask() : new Uint8Array(this.actSpace.n);
    return { observation: planes, actionMask };
  }

  last(): LastResult<BoardObservation> {
    this.assertStarted('last()');
    return this.ledger.last(this.observe(this.ledger.agentSelection));
  }

  step(action: number | null | undefined): void {
    this.assertStarted('step()');
    const agent = this.ledger.agentSelection;
    if (this.ledger.agents.length === 0) throw new EnvUsageError(`${this.spec.id}: the game is over and every agent left; call reset()`);
    if (this.ledger.isDone(agent)) {
      this.ledger.removeSelected(this.spec.id, action);
      return;
    }
    if (action === null || action === undefined) {
      throw new EnvUsageError(`${this.spec.id}: it is ${agent}'s turn; step(null) is only for agents that are done`);
    }
    if (!Number.isInteger(action) || action < 0 || action >= this.actSpace.n) {
      throw new EnvUsageError(`${this.spec.id}: action ${describeValue(action)} for ${agent} is not in the action space Discrete(${this.actSpace.n})`);
    }
    const me = this.agentIndex(agent);
    const opponent = BOARD_AGENTS[1 - me]!;
    const cell = landingCell(this.board, this.geometry, action);
    if (cell < 0 && this.illegalMove === 'error') {
      const legal = [...this.legalMask()].flatMap((v, a) => (v ? [a] : []));
      throw new IllegalMoveError(
        `${this.spec.id}: ${agent} played ${action}, which is illegal (${this.geometry.gravity ? 'that column is full' : 'that cell is taken'}); legal moves: [${legal.join(', ')}]. With illegalMove: 'penalty' an illegal move loses the game instead`,
      );
    }
    this.ledger.beginMove(agent);
    this.tally.act(agent, action);
    if (cell < 0) {
      this.illegalBy = agent;
      this.over = true;
      this.ledger.addRewards({ [agent]: ILLEGAL_MOVE_REWARD });
      this.ledger.infos[agent] = { illegalMove: true };
      this.ledger.end('terminated');
    } else {
      this.board[cell] = me + 1;
      this.moves += 1;
      const line = lineThrough(this.board, this.geometry, cell, this.board[cell]!);
      if (line) {
        this.winner = agent;
        this.winningLine = line;
        this.over = true;
        this.ledger.addRewards({ [agent]: 1, [opponent]: -1 });
        this.ledger.end('terminated');
      } else if (this.moves === this.board.length) {
        this.over = true;
        this.ledger.end('terminated');
      }
    }
    this.tally.reward(this.ledger.rewards);
    this.ledger.select(opponent);
  }

  private assertStarted(what: string): void {
    if (!this.started) throw new EnvUsageError(`${this.spec.id}: ${what} called before reset(); call reset() to start a game`);
  }

  state(): Uint8Array {
    return this.board.slice();
  }

  renderHeader(): Record<string, unknown> {
    const { rows, cols, connect, gravity } = this.geometry;
    return { rows, cols, connect, gravity, marks: { player_0: 1, player_1: 2 } };
  }

  renderState(): RenderState {
    return {
      rows: this.geometry.rows,
      cols: this.geometry.cols,
      board: Array.from(this.board),
      toMove: this.started && !this.over ? this.ledger.agentSelection : null,
      moves: this.moves,
      winner: this.winner,
      winningLine: this.winningLine,
      illegalMoveBy: this.illegalBy,
      agents: this.tally.toJSON((a) => ({ mark: BOARD_AGENTS.indexOf(a) + 1 })),
    };
  }

  close(): void {}
}
