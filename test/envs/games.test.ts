// The rules of the multi-agent games: scoring, kickoffs, rewards, win lines,
// draws, illegal moves, and the scripted and perfect players.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { EnvUsageError } from '../../core/env.js';
import type { MaskedObservation, ParallelEnv, TurnBasedEnv } from '../../core/multi-agent.js';
import { IllegalMoveError, legalActions, makeParallelGame, makeTurnBasedGame, randomLegalAction } from '../../core/multi-agent.js';
import { Rng } from '../../core/rng.js';
import { sample } from '../../core/spaces.js';
import { connectFourLookahead, scriptedSoccerPolicy, SOCCER_AGENTS, ticTacToeMinimax, ticTacToeWinLines } from '../../envs/games/index.js';

type Board = TurnBasedEnv<MaskedObservation<Uint8Array>, number>;
const board = (id: string, kwargs: Record<string, unknown> = {}): Board => makeTurnBasedGame(id, kwargs);

/** Plays moves alternately from the start (player_0 first). */
function play(game: Board, moves: readonly number[]): void {
  game.reset({ seed: 0 });
  for (const m of moves) game.step(m);
}

/** After a finished game: each agent's final last() reward as it is removed, in removal order. */
function finalRewards(game: Board): Record<string, number> {
  const out: Record<string, number> = {};
  while (game.agents.length > 0) {
    const l = game.last();
    expect(l.termination).toBe(true);
    out[game.agentSelection] = l.reward;
    game.step(null);
  }
  return out;
}

// ---------------------------------------------------------------- tic-tac-toe

describe('TicTacToe-v0', () => {
  it('starts empty with player_0 to move; masks only for the mover; planes relative to the observer', () => {
    const g = board('TicTacToe-v0');
    g.reset({ seed: 1 });
    expect(g.agents).toEqual(['player_0', 'player_1']);
    expect(g.agentSelection).toBe('player_0');
    expect(Array.from(g.observe('player_0').actionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(g.observe('player_1').actionMask)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    g.step(4);
    expect(g.agentSelection).toBe('player_1');
    const mine = g.observe('player_0').observation;
    const theirs = g.observe('player_1').observation;
    expect([mine[8], mine[9]]).toEqual([1, 0]); // cell 4, channel 0 = own mark
    expect([theirs[8], theirs[9]]).toEqual([0, 1]);
    expect(legalActions(g.observe('player_1'))).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
    expect(g.rewards).toEqual({ player_0: 0, player_1: 0 });
  });

  it.each(ticTacToeWinLines.map((line) => [line.join('-'), line] as const))('player_0 wins on line %s', (_, line) => {
    const others = [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((c) => !line.includes(c as never));
    const g = board('TicTacToe-v0');
    play(g, [line[0], others[0]!, line[1], others[1]!, line[2]]);
    expect(g.rewards).toEqual({ player_0: 1, player_1: -1 });
    expect(g.terminations).toEqual({ player_0: true, player_1: true });
    expect(g.renderState()).toMatchObject({ winner: 'player_0', winningLine: [...line].sort((a, b) => a - b), toMove: null });
    expect(finalRewards(g)).toEqual({ player_0: 1, player_1: -1 });
    expect(() => g.step(0)).toThrow(/game ended and every agent left; call reset\(\)/);
  });

  it('player_1 wins too, and sees its +1 through last()', () => {
    const g = board('TicTacToe-v0');
    play(g, [0, 3, 1, 4, 8, 5]);
    expect(g.renderState()).toMatchObject({ winner: 'player_1', winningLine: [3, 4, 5] });
    expect(finalRewards(g)).toEqual({ player_0: -1, player_1: 1 });
  });

  it('a full board without a line is a draw', () => {
    const g = board('TicTacToe-v0');
    play(g, [0, 1, 2, 4, 3, 5, 7, 6, 8]);
    expect(g.terminations).toEqual({ player_0: true, player_1: true });
    expect(g.renderState()).toMatchObject({ winner: null, moves: 9 });
    expect(finalRewards(g)).toEqual({ player_0: 0, player_1: 0 });
  });

  it("illegalMove: 'error' (default) rejects a taken cell with a clear error and changes nothing", () => {
    const g = board('TicTacToe-v0');
    play(g, [4]);
    const before = JSON.stringify(g.renderState());
    expect(() => g.step(4)).toThrow(IllegalMoveError);
    expect(() => g.step(4)).toThrow(/player_1 played 4, which is illegal \(that cell is taken\); legal moves: \[0, 1, 2, 3, 5, 6, 7, 8\]/);
    expect(JSON.stringify(g.renderState())).toBe(before);
    expect(g.agentSelection).toBe('player_1');
    g.step(0); // the game goes on
    expect(g.agentSelection).toBe('player_0');
  });

  it("illegalMove: 'penalty' ends the game: the offender gets -1, the other 0", () => {
    const g = board('TicTacToe-v0', { illegalMove: 'penalty' });
    play(g, [4, 4]);
    expect(g.rewards).toEqual({ player_0: 0, player_1: -1 });
    expect(g.terminations).toEqual({ player_0: true, player_1: true });
    expect(g.infos.player_1).toEqual({ illegalMove: true });
    expect(g.renderState()).toMatchObject({ illegalMoveBy: 'player_1', winner: null });
    expect(finalRewards(g)).toEqual({ player_0: 0, player_1: -1 });
  });

  it('actions outside the action space, null for the mover, and bad kwargs are errors in every mode', () => {
    const g = board('TicTacToe-v0', { illegalMove: 'penalty' });
    g.reset();
    expect(() => g.step(9)).toThrow(/action 9 for player_0 is not in its action space Discrete\(9\)/);
    expect(() => g.step(1.5)).toThrow(EnvUsageError);
    expect(() => g.step(null)).toThrow(/it is player_0's turn and player_0 is live; step\(null\) is only for done agents/);
    expect(() => board('TicTacToe-v0', { illegalMove: 'pass' })).toThrow(/illegalMove must be 'error' or 'penalty', got "pass"/);
  });

  it('renderState is small plain JSON with per-agent last actions and rewards', () => {
    const g = board('TicTacToe-v0');
    play(g, [0, 3, 1, 4, 2]);
    const rs = g.renderState();
    expect(JSON.parse(JSON.stringify(rs))).toEqual(rs);
    expect(rs).toMatchObject({
      rows: 3,
      cols: 3,
      board: [1, 1, 1, 2, 2, 0, 0, 0, 0],
      agents: { player_0: { mark: 1, lastAction: 2, reward: 1, return: 1 }, player_1: { mark: 2, lastAction: 4, reward: -1, return: -1 } },
    });
    expect(g.renderHeader?.()).toEqual({ rows: 3, cols: 3, connect: 3, gravity: false, marks: { player_0: 1, player_1: 2 } });
  });
});

describe('ticTacToeMinimax', () => {
  it('takes a win, blocks a loss, from boards or observations', () => {
    expect(ticTacToeMinimax([1, 1, 0, 2, 2, 0, 0, 0, 0])).toBe(2); // X to move wins at 2
    expect(ticTacToeMinimax([1, 1, 0, 2, 0, 0, 0, 0, 0])).toBe(2); // O to move must block at 2
    const g = board('TicTacToe-v0');
    play(g, [0, 4, 1]);
    expect(ticTacToeMinimax(g.observe('player_1'))).toBe(2);
    expect(() => ticTacToeMinimax([1, 1, 1, 2, 2, 0, 0, 0, 0])).toThrow(/already won/);
  });

  /** Plays one game; returns player_0's result (+1, 0, -1). */
  function game(players: [(obs: MaskedObservation<Uint8Array>) => number, (obs: MaskedObservation<Uint8Array>) => number]): number {
    const g = board('TicTacToe-v0');
    g.reset();
    while (!g.terminations[g.agentSelection]) {
      const mover = g.agentSelection === 'player_0' ? 0 : 1;
      g.step(players[mover](g.last().obs));
    }
    return finalRewards(g).player_0!;
  }

  it('never loses to a random player in 200 games on either side', () => {
    const rng = new Rng(7);
    const minimax = (obs: MaskedObservation<Uint8Array>) => ticTacToeMinimax(obs, rng);
    const random = (obs: MaskedObservation<Uint8Array>) => randomLegalAction(obs, rng);
    const results = { first: [0, 0, 0], second: [0, 0, 0] };
    for (let i = 0; i < 100; i++) {
      results.first[1 - game([minimax, random])]! += 1; // [wins, draws, losses] for minimax
      results.second[1 + game([random, minimax])]! += 1;
    }
    expect(results.first[2]).toBe(0);
    expect(results.second[2]).toBe(0);
    expect(results.first[0]).toBeGreaterThan(80); // and it wins most of them
  });

  it('always draws against itself (with random tie-breaks too)', () => {
    const rng = new Rng(3);
    expect(game([(o) => ticTacToeMinimax(o), (o) => ticTacToeMinimax(o)])).toBe(0);
    for (let i = 0; i < 20; i++) expect(game([(o) => ticTacToeMinimax(o, rng), (o) => ticTacToeMinimax(o, rng)])).toBe(0);
  });
});

// ---------------------------------------------------------------- connect four

describe('ConnectFour-v0', () => {
  const cell = (row: number, col: number) => row * 7 + col; // row 0 is the top

  it('discs fall to the lowest empty cell; a full column is masked out', () => {
    const g = board('ConnectFour-v0');
    play(g, [3, 3, 3, 3, 3, 3]);
    const rs = g.renderState() as { board: number[] };
    expect([0, 1, 2, 3, 4, 5].map((r) => rs.board[cell(r, 3)])).toEqual([2, 1, 2, 1, 2, 1]);
    expect(Array.from(g.observe('player_0').actionMask)).toEqual([1, 1, 1, 0, 1, 1, 1]);
    expect(() => g.step(3)).toThrow(/player_0 played 3, which is illegal \(that column is full\)/);
  });

  it.each([
    ['horizontal', [0, 6, 1, 6, 2, 6, 3], [cell(5, 0), cell(5, 1), cell(5, 2), cell(5, 3)]],
    ['vertical', [0, 1, 0, 1, 0, 1, 0], [cell(2, 0), cell(3, 0), cell(4, 0), cell(5, 0)]],
    ['diagonal /', [0, 1, 1, 2, 3, 2, 2, 3, 6, 3, 3], [cell(2, 3), cell(3, 2), cell(4, 1), cell(5, 0)]],
    ['diagonal \\', [6, 5, 5, 4, 3, 4, 4, 3, 0, 3, 3], [cell(2, 3), cell(3, 4), cell(4, 5), cell(5, 6)]],
  ] as const)('player_0 wins %s', (_, moves, line) => {
    const g = board('ConnectFour-v0');
    play(g, moves);
    expect(g.rewards).toEqual({ player_0: 1, player_1: -1 });
    expect(g.renderState()).toMatchObject({ winner: 'player_0', winningLine: [...line].sort((a, b) => a - b) });
    expect(finalRewards(g)).toEqual({ player_0: 1, player_1: -1 });
  });

  it('a full board without four in a row is a draw', () => {
    // Found by a depth-first search for a 42-move game without four in a row.
    const moves = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 1, 0, 3, 2, 5, 4, 0, 6, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6];
    const g = board('ConnectFour-v0');
    play(g, moves.slice(0, 41));
    expect(g.terminations.player_0).toBe(false);
    g.step(moves[41]!);
    expect(g.renderState()).toMatchObject({ winner: null, moves: 42 });
    expect(finalRewards(g)).toEqual({ player_0: 0, player_1: 0 });
  });

  it("illegalMove: 'penalty' makes a move into a full column lose", () => {
    const g = board('ConnectFour-v0', { illegalMove: 'penalty' });
    play(g, [0, 0, 0, 0, 0, 0, 0]);
    expect(finalRewards(g)).toEqual({ player_0: -1, player_1: 0 });
  });

  describe('connectFourLookahead', () => {
    const mover = (moves: number[]) => {
      const g = board('ConnectFour-v0');
      play(g, moves);
      return g.observe(g.agentSelection);
    };
    it('wins at once when it can, in every direction, before blocking', () => {
      expect(connectFourLookahead(mover([0, 6, 1, 6, 2, 5]))).toBe(3); // its own three along the bottom, while the opponent has none
      expect(connectFourLookahead(mover([0, 6, 1, 6, 2, 6]))).toBe(3); // both threaten: winning comes first
      expect(connectFourLookahead(mover([0, 1, 0, 1, 0, 1]))).toBe(0); // vertical
      expect(connectFourLookahead(mover([0, 1, 1, 2, 3, 2, 2, 3, 6, 3]))).toBe(3); // the / diagonal's top cell
    });
    it("blocks the opponent's immediate win, else plays a random legal column", () => {
      expect(connectFourLookahead(mover([0, 6, 1, 6, 2]))).toBe(3); // player_1 blocks the bottom row
      expect(connectFourLookahead(mover([6, 0, 4, 0, 2, 0]))).toBe(0); // player_0 blocks a column
      const seen = new Set<number>();
      const rng = new Rng(3);
      for (let i = 0; i < 200; i++) seen.add(connectFourLookahead(mover([3, 3, 3, 3, 3, 3]), rng));
      expect([...seen].sort()).toEqual([0, 1, 2, 4, 5, 6]); // every legal column, never the full one
      expect(connectFourLookahead(mover([]))).toBe(0);
    });
    it('rejects what is not a Connect Four observation on its turn', () => {
      expect(() => connectFourLookahead({ observation: new Uint8Array(18), actionMask: new Uint8Array(9) })).toThrow(/expected a ConnectFour-v0 observation/);
      const g = board('ConnectFour-v0');
      play(g, [0]);
      expect(() => connectFourLookahead(g.observe('player_0'))).toThrow(/no legal move/);
    });
    it('beats a random player nearly always and is itself beaten by a double threat', () => {
      const g = board('ConnectFour-v0');
      const rng = new Rng(5);
      let wins = 0;
      for (let game = 0; game < 100; game++) {
        g.reset({ seed: game });
        const me = game % 2 === 0 ? 'player_0' : 'player_1';
        while (g.agents.length > 0 && !g.terminations[g.agentSelection]) {
          const obs = g.observe(g.agentSelection);
          g.step(g.agentSelection === me ? connectFourLookahead(obs, rng) : randomLegalAction(obs.actionMask, rng));
        }
        if (g.rewards[me] === 1) wins++;
      }
      expect(wins).toBeGreaterThanOrEqual(90);
      // An open three on the bottom row (columns 1-3 for player_0, both ends empty): it blocks one end and loses at the other.
      const trap = board('ConnectFour-v0');
      play(trap, [1, 1, 2, 2]);
      trap.step(3);
      trap.step(connectFourLookahead(trap.observe('player_1')));
      const open = [0, 4].find((c) => trap.observe('player_0').actionMask[c] && (trap.renderState() as { board: number[] }).board[cell(5, c)] === 0)!;
      trap.step(open);
      expect(trap.rewards).toMatchObject({ player_0: 1, player_1: -1 });
    });
  });
});

// ---------------------------------------------------------------- pong

describe('Pong-v0', () => {
  const pong = (kwargs: Record<string, unknown> = {}) => makeParallelGame<Float32Array, number>('Pong-v0', kwargs);
  const still = { paddle_0: 0, paddle_1: 0 };

  it('a ball past a goal line is a point: +1 / -1, then a serve from the center toward the loser', () => {
    const g = pong();
    g.reset({ seed: 1, options: { ball: [-0.98, 0.5, -1, 0], paddles: [0, 0] } });
    const r = g.step(still);
    expect(r.rewards).toEqual({ paddle_0: -1, paddle_1: 1 });
    expect(r.terminations).toEqual({ paddle_0: false, paddle_1: false });
    expect(r.infos.paddle_0).toEqual({ point: 'paddle_1' });
    expect(g.renderState()).toMatchObject({ score: { paddle_0: 0, paddle_1: 1 }, ball: { x: 0, y: 0 } });
    const [, , bx, , bvx, bvy] = r.obs.paddle_0!;
    expect(bx).toBe(0);
    expect(bvx).toBeLessThan(0); // served toward paddle_0, who lost the point
    expect(Math.hypot(bvx!, bvy!)).toBeCloseTo(1, 5);
  });

  it('the game ends when a paddle reaches pointsToWin', () => {
    const g = pong({ pointsToWin: 1 });
    g.reset({ seed: 1, options: { ball: [0.98, -0.5, 1, 0] } });
    const r = g.step(still);
    expect(r.rewards).toEqual({ paddle_0: 1, paddle_1: -1 });
    expect(r.terminations).toEqual({ paddle_0: true, paddle_1: true });
    expect(g.agents).toEqual([]);
    expect(() => g.step(still)).toThrow(/after every agent was done/);
  });

  it('a paddle sends the ball back, at an angle set by where it hit, 5% faster', () => {
    const g = pong();
    g.reset({ seed: 1, options: { ball: [-0.85, 0, -1, 0], paddles: [0, 0] } });
    let r = g.step(still);
    const [, , x, y, vx, vy] = r.obs.paddle_0!;
    expect(x).toBeCloseTo(-0.86, 6); // reflected off the face at -0.88
    expect(y).toBe(0);
    expect(vx).toBeCloseTo(1.05, 6);
    expect(vy).toBeCloseTo(0, 6);
    expect(r.rewards).toEqual({ paddle_0: 0, paddle_1: 0 });
    expect(g.renderState()).toMatchObject({ rally: 1 });

    g.reset({ seed: 1, options: { ball: [0.85, 0.1, 1, 0], paddles: [0, 0] } });
    r = g.step(still);
    const [, , mx, , mvx, mvy] = r.obs.paddle_1!; // paddle_1 sees the table mirrored in x
    expect(mx).toBeCloseTo(-0.86, 6);
    expect(mvx).toBeGreaterThan(0);
    expect(mvy).toBeCloseTo(1.05 * Math.sin(((0.1 / 0.15) * Math.PI) / 3), 6);
  });

  it('walls bounce the ball; paddles move at 1.5 units/s and stop at the walls', () => {
    const g = pong();
    g.reset({ seed: 1, options: { ball: [0, 0.72, 0, 1], paddles: [0.59, 0] } });
    const r = g.step({ paddle_0: 1, paddle_1: 2 });
    const [own, opp, , y, , vy] = r.obs.paddle_0!;
    expect(y).toBeCloseTo(0.69, 6);
    expect(vy).toBeCloseTo(-1, 6);
    expect(own).toBeCloseTo(0.6, 6);
    expect(opp).toBeCloseTo(-0.075, 6);
  });

  it("mode 'cooperative' rewards both paddles for every hit and ends at the first miss", () => {
    const g = pong({ mode: 'cooperative' });
    g.reset({ seed: 1, options: { ball: [-0.85, 0, -1, 0] } });
    expect(g.step(still).rewards).toEqual({ paddle_0: 1, paddle_1: 1 });
    g.reset({ seed: 1, options: { ball: [-0.98, 0.5, -1, 0] } });
    const r = g.step(still);
    expect(r.rewards).toEqual({ paddle_0: 0, paddle_1: 0 });
    expect(r.terminations).toEqual({ paddle_0: true, paddle_1: true });
  });
});

// ---------------------------------------------------------------- cooperative navigation

describe('CooperativeNavigation-v0', () => {
  const nav = (kwargs: Record<string, unknown> = {}) => makeParallelGame<Float32Array, number>('CooperativeNavigation-v0', kwargs);
  const noop = { agent_0: 0, agent_1: 0, agent_2: 0 };

  it('observations are MPE\'s: own velocity, own position, landmarks and other agents relative to it', () => {
    const g = nav();
    const { obs } = g.reset({ seed: 0, options: { agents: [[0, 0], [1, 0], [0, 1]], landmarks: [[0.3, 0.4], [1, 0.75], [-0.6, 1.8]] } });
    expect(Array.from(obs.agent_1!)).toEqual(
      [0, 0, 1, 0, -0.7, 0.4, 0, 0.75, -1.6, 1.8, -1, 0, -1, 1].map((v) => Math.fround(v)),
    );
  });

  it('the team reward is minus the sum over landmarks of the distance to the nearest agent', () => {
    const g = nav();
    g.reset({ seed: 0, options: { agents: [[0, 0], [1, 0], [0, 1]], landmarks: [[0.3, 0.4], [1, 0.75], [-0.6, 1.8]] } });
    const r = g.step(noop);
    // nearest agents: (0, 0) at 0.5, (1, 0) at 0.75, (0, 1) at 1.0
    for (const a of ['agent_0', 'agent_1', 'agent_2']) expect(r.rewards[a]).toBeCloseTo(-2.25, 12);
    expect(r.infos.agent_0).toMatchObject({ collisions: 0, occupiedLandmarks: 0 });
    expect(r.infos.agent_0!.landmarkDistance as number).toBeCloseTo(2.25, 12);
  });

  it('each colliding pair costs the team 1; localRatio mixes in MPE\'s per-agent penalty', () => {
    // agents 0 and 1 rush at each other: v = 2 * 0.75 = 1.5, so they end 0.1 apart (< 0.3)
    const options = { agents: [[0, 0, 2, 0], [0.4, 0, -2, 0], [5, 5]], landmarks: [[0.15, 1], [0.25, -1], [5, 6]] };
    let g = nav();
    g.reset({ seed: 0, options });
    let r = g.step(noop);
    for (const a of ['agent_0', 'agent_1', 'agent_2']) expect(r.rewards[a]).toBeCloseTo(-3 - 1, 9);
    expect(r.infos.agent_0).toMatchObject({ collisions: 1 });
    expect(g.renderState()).toMatchObject({ collidingPairs: 1 });
    g = nav({ localRatio: 0.5 });
    g.reset({ seed: 0, options });
    r = g.step(noop);
    expect(r.rewards.agent_0).toBeCloseTo(0.5 * -3 + 0.5 * -1, 9);
    expect(r.rewards.agent_2).toBeCloseTo(0.5 * -3, 9);
  });

  it("moves with MPE's damping 0.25, dt 0.1 and force 5; never terminates; truncated after 25 steps", () => {
    const g = nav();
    g.reset({ seed: 0, options: { agents: [[0, 0], [1, 0], [0, 1]], landmarks: [[0, 0], [0, 0], [0, 0]] } });
    let r = g.step({ agent_0: 2, agent_1: 4, agent_2: 0 });
    // (the soft contact force between agents 1 apart is about 1e-306, not 0: as close as MPE's)
    [0.5, 0, 0.05, 0].forEach((v, k) => expect(r.obs.agent_0![k]).toBeCloseTo(v, 7));
    r = g.step({ agent_0: 0, agent_1: 0, agent_2: 0 });
    expect(r.obs.agent_0![0]).toBeCloseTo(0.375, 6);
    for (let t = 2; t < 24; t++) r = g.step(noop);
    expect(r.truncations.agent_0).toBe(false);
    r = g.step(noop);
    expect(r.truncations).toEqual({ agent_0: true, agent_1: true, agent_2: true });
    expect(r.terminations).toEqual({ agent_0: false, agent_1: false, agent_2: false });
    expect(g.agents).toEqual([]);
  });

  it('n sets the number of agents and landmarks; state() is every observation', () => {
    const g = nav({ n: 5, continuousActions: true });
    const { obs } = g.reset({ seed: 2 });
    expect(Object.keys(obs)).toEqual(['agent_0', 'agent_1', 'agent_2', 'agent_3', 'agent_4']);
    expect(obs.agent_0).toHaveLength(4 + 10 + 8);
    expect(g.state?.()).toHaveLength(5 * 22);
    expect(g.actionSpace('agent_0')).toMatchObject({ type: 'box', shape: [2] });
  });
});

// ---------------------------------------------------------------- robot soccer

describe('RobotSoccer-v0', () => {
  const soccer = (kwargs: Record<string, unknown> = {}) => makeParallelGame<Float32Array, Float32Array | number>('RobotSoccer-v0', kwargs);
  const idle = () => Object.fromEntries(SOCCER_AGENTS.map((a) => [a, new Float32Array([0, 0, -1])]));
  const FORMATION = { blue_0: [-0.35, 0.25], blue_1: [-1.1, -0.25], red_0: [0.35, -0.25], red_1: [1.1, 0.25] };

  function expectKickoff(g: ParallelEnv) {
    const rs = g.renderState() as { ball: { x: number; y: number }; agents: Record<string, { x: number; y: number; vx: number; vy: number }> };
    expect(rs.ball).toEqual({ x: 0, y: 0 });
    for (const [a, [fx, fy]] of Object.entries(FORMATION)) {
      expect(Math.abs(rs.agents[a]!.x - fx!)).toBeLessThanOrEqual(0.05);
      expect(Math.abs(rs.agents[a]!.y - fy!)).toBeLessThanOrEqual(0.05);
      expect([rs.agents[a]!.vx, rs.agents[a]!.vy]).toEqual([0, 0]);
    }
  }

  it('a ball over the goal line in the mouth scores: +1 for the scorers, -1 for the others, then kickoff', () => {
    const g = soccer();
    g.reset({ seed: 4, options: { ball: [1.97, 0.1, 1, 0] } });
    const r = g.step(idle());
    expect(r.rewards).toEqual({ blue_0: 1, blue_1: 1, red_0: -1, red_1: -1 });
    expect(r.infos.red_1).toEqual({ goal: 'blue', score: { blue: 1, red: 0 } });
    expect(Object.values(r.terminations)).toEqual([false, false, false, false]);
    expect(g.agents).toEqual(SOCCER_AGENTS);
    expect(g.renderState()).toMatchObject({ score: { blue: 1, red: 0 } });
    expectKickoff(g);
    expect(Array.from(r.obs.red_0!.subarray(16, 20))).toEqual([0, 0, 0, 0]);

    g.reset({ seed: 4, options: { ball: [-1.97, -0.3, -1, 0] } });
    expect(g.step(idle()).rewards).toEqual({ blue_0: -1, blue_1: -1, red_0: 1, red_1: 1 });
  });

  it('the game ends at goalsToWin', () => {
    const g = soccer({ goalsToWin: 1 });
    g.reset({ seed: 4, options: { ball: [1.97, 0, 1, 0] } });
    const r = g.step(idle());
    expect(Object.values(r.terminations)).toEqual([true, true, true, true]);
    expect(g.agents).toEqual([]);
  });

  it('outside the goal mouth the end wall sends the ball back', () => {
    const g = soccer();
    g.reset({ seed: 4, options: { ball: [1.85, 0.8, 3, 0] } });
    const r = g.step(idle());
    expect(r.rewards.blue_0).toBe(0);
    expect(r.obs.blue_0![18]).toBeLessThan(0); // ball vx
    expect(r.obs.blue_0![16]).toBeLessThanOrEqual(2 - 0.06);
  });

  it('each team sees and acts in its own frame (the field turned by 180 degrees for red)', () => {
    const g = soccer();
    const players = { blue_0: [-0.5, 0.3, 0, 0], blue_1: [-1, -0.4, 0, 0], red_0: [0.5, -0.3, 0, 0], red_1: [1, 0.4, 0, 0] };
    const { obs } = g.reset({ seed: 0, options: { players, ball: [0, 0, 0, 0] } });
    expect(Array.from(obs.red_0!)).toEqual(Array.from(obs.blue_0!));
    expect(Array.from(obs.red_1!)).toEqual(Array.from(obs.blue_1!));
    // both forwards accelerate "forward" in their own frame: toward each other on the field
    const forward = new Float32Array([1, 0, -1]);
    const r = g.step({ ...idle(), blue_0: forward, red_0: forward });
    expect(Array.from(r.obs.red_0!)).toEqual(Array.from(r.obs.blue_0!));
    const rs = g.renderState() as { agents: Record<string, { x: number }> };
    expect(rs.agents.blue_0!.x).toBeGreaterThan(-0.5);
    expect(rs.agents.red_0!.x).toBeLessThan(0.5);
  });

  it('a kick within reach sends the ball away from the kicker at 2.5 m/s', () => {
    const g = soccer();
    g.reset({ seed: 0, options: { players: { blue_0: [-0.2, 0, 0, 0] }, ball: [-0.04, 0, 0, 0] } });
    const r = g.step({ ...idle(), blue_0: new Float32Array([0, 0, 1]) });
    expect(r.obs.blue_0![18]).toBeGreaterThan(2); // after 0.1 s of rolling friction
    expect(Math.abs(r.obs.blue_0![19]!)).toBeLessThan(1e-6);
  });

  it('discrete actions: 8 directions, coast and kick', () => {
    const g = soccer({ continuousActions: false });
    g.reset({ seed: 0 });
    const r = g.step({ blue_0: 1, blue_1: 3, red_0: 0, red_1: 9 });
    expect(r.obs.blue_0![2]).toBeGreaterThan(0); // +x
    expect(r.obs.blue_1![3]).toBeGreaterThan(0); // +y
    expect(r.obs.red_0![2]).toBe(0);
  });

  it('is deterministic for a seed', () => {
    const run = () => {
      const g = soccer();
      g.reset({ seed: 9 });
      const rng = new Rng(1);
      const states: string[] = [];
      for (let t = 0; t < 100; t++) {
        g.step(Object.fromEntries(SOCCER_AGENTS.map((a) => [a, sample(g.actionSpace(a), rng) as Float32Array])));
        states.push(JSON.stringify(g.renderState()));
      }
      return states;
    };
    expect(run()).toEqual(run());
  });

  type Policy = (obs: Float32Array, rng: Rng) => Float32Array | number;
  const scripted: Policy = (obs) => scriptedSoccerPolicy(obs);
  const still: Policy = () => new Float32Array([0, 0, -1]);

  /** Plays one game; returns the final score. */
  function match(seed: number, red: Policy, blue: Policy = scripted): { blue: number; red: number } {
    const g = soccer();
    const rng = new Rng(seed);
    let { obs } = g.reset({ seed });
    const score = { blue: 0, red: 0 };
    while (g.agents.length > 0) {
      const actions: Record<string, Float32Array | number> = {};
      for (const a of g.agents) actions[a] = a.startsWith('blue') ? blue(obs[a]!, rng) : red(obs[a]!, rng);
      const r = g.step(actions);
      if (r.rewards.blue_0 === 1) score.blue += 1;
      if (r.rewards.red_0 === 1) score.red += 1;
      obs = r.obs;
    }
    return score;
  }

  it('the scripted team scores against a team that stands still, and beats a random team', () => {
    expect(match(1, still)).toEqual({ blue: 3, red: 0 });
    let wins = 0;
    for (let seed = 0; seed < 5; seed++) {
      const s = match(seed, (_, rng) => sample(soccer().actionSpace('red_0'), rng) as Float32Array);
      if (s.blue > s.red) wins += 1;
    }
    expect(wins).toBeGreaterThanOrEqual(4);
  });

  it('the scripted policy plays red too (same own-frame observations), and has a discrete form', () => {
    expect(match(2, scripted, still)).toEqual({ blue: 0, red: 3 });
    const g = soccer({ continuousActions: false });
    const { obs } = g.reset({ seed: 0 });
    const a = scriptedSoccerPolicy(obs.red_0!, { discrete: true });
    expect(Number.isInteger(a)).toBe(true);
    expect(g.step(Object.fromEntries(SOCCER_AGENTS.map((ag) => [ag, scriptedSoccerPolicy(obs[ag]!, { discrete: true })]))).obs).toBeDefined();
  });
});
