// The multi-agent API: registry, the wrappers makeGame applies, the turn-based
// bookkeeping, and the conversions between the parallel and turn-based APIs.
import { afterEach, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { EnvUsageError } from '../../core/env.js';
import type { MaskedObservation, ParallelEnv, TurnBasedEnv } from '../../core/multi-agent.js';
import {
  actionMaskOf,
  gameRegistration,
  isParallel,
  isTurnBased,
  legalActions,
  listGames,
  makeGame,
  makeParallelGame,
  makeTurnBasedGame,
  parallelToTurnBased,
  randomLegalAction,
  registerGame,
  turnBasedToParallel,
  UnknownGameError,
  unregisterGame,
} from '../../core/multi-agent.js';
import { Rng } from '../../core/rng.js';
import { PongGame } from '../../envs/games/index.js';

const temporary: string[] = [];
afterEach(() => {
  for (const id of temporary.splice(0)) unregisterGame(id);
});

type Board = TurnBasedEnv<MaskedObservation<Uint8Array>, number>;

describe('game registry', () => {
  it('lists the five games with their kind, limit and kwargs', () => {
    const games = Object.fromEntries(listGames().map((g) => [g.id, g]));
    expect(Object.keys(games)).toEqual(expect.arrayContaining(['ConnectFour-v0', 'CooperativeNavigation-v0', 'Pong-v0', 'RobotSoccer-v0', 'TicTacToe-v0']));
    expect(games['TicTacToe-v0']).toMatchObject({ kind: 'turn-based', kwargs: { illegalMove: 'error' } });
    expect(games['CooperativeNavigation-v0']).toMatchObject({ kind: 'parallel', maxEpisodeSteps: 25, kwargs: { n: 3, localRatio: null, continuousActions: false } });
    expect(games['RobotSoccer-v0']).toMatchObject({ kind: 'parallel', maxEpisodeSteps: 600 });
  });

  it('unknown ids fail naming the other versions of the name or the closest registered ids, as unknown env ids do', () => {
    expect(() => makeGame('TicTacToe-v1')).toThrow(UnknownGameError);
    expect(() => makeGame('TicTacToe-v1')).toThrow(/^game "TicTacToe-v1" is not registered; available versions: TicTacToe-v0$/);
    expect(() => makeGame('tictactoe-v0')).toThrow(/did you mean TicTacToe-v0\?/);
    expect(() => gameRegistration('ConectFour-v0')).toThrow(/did you mean ConnectFour-v0\?/);
    expect(() => makeGame('Zzzzzzzzzzzz-v3')).toThrow(/registered games: .*TicTacToe-v0/);
  });

  it('kwargs are validated: unknown keys name the closest allowed one, bad values say what is wrong', () => {
    expect(() => makeGame('Pong-v0', { pointToWin: 3 })).toThrow(/Pong-v0: unknown keyword argument "pointToWin" \(did you mean pointsToWin\?\); allowed: mode, pointsToWin/);
    expect(() => makeGame('Pong-v0', { mode: 'friendly' })).toThrow(/mode must be 'competitive' or 'cooperative'/);
    expect(() => makeGame('CooperativeNavigation-v0', { n: 0 })).toThrow(/n must be an integer in \[1, 64\]/);
    expect(() => makeGame('CooperativeNavigation-v0', { localRatio: 2 })).toThrow(/localRatio must be null or a number in \[0, 1\]/);
    expect(() => makeGame('RobotSoccer-v0', { goalsToWin: 0 })).toThrow(/goalsToWin must be a positive integer/);
    expect(makeGame('Pong-v0', { pointsToWin: 2 }).spec).toMatchObject({ id: 'Pong-v0', kind: 'parallel', maxEpisodeSteps: 2000, kwargs: { mode: 'competitive', pointsToWin: 2 } });
  });

  it('registerGame checks ids, duplicates and kinds; the typed makers check the kind', () => {
    expect(() => registerGame('bad id', () => new PongGame(), { kind: 'parallel' })).toThrow(/malformed game id/);
    expect(() => registerGame('Pong-v0', () => new PongGame(), { kind: 'parallel' })).toThrow(/already registered/);
    expect(() => registerGame('X-v0', () => new PongGame(), { kind: 'both' as never })).toThrow(/kind must be 'parallel' or 'turn-based'/);
    registerGame('WrongKind-v0', (kwargs, spec) => new PongGame({}, { ...spec, kind: 'parallel' }), { kind: 'turn-based' });
    temporary.push('WrongKind-v0');
    expect(() => makeGame('WrongKind-v0')).toThrow(/registered as turn-based but its factory built a parallel game/);
    expect(() => makeParallelGame('TicTacToe-v0')).toThrow(/turn-based game; use makeTurnBasedGame, or turnBasedToParallel/);
    expect(() => makeTurnBasedGame('Pong-v0')).toThrow(/parallel game; use makeParallelGame, or parallelToTurnBased/);
    expect(isTurnBased(makeGame('ConnectFour-v0'))).toBe(true);
    expect(isParallel(makeGame('RobotSoccer-v0'))).toBe(true);
  });
});

describe('parallel API', () => {
  it('a step needs exactly one action per live agent, each in its action space', () => {
    const g = makeParallelGame<Float32Array, number>('Pong-v0');
    expect(() => g.step({ paddle_0: 0, paddle_1: 0 })).toThrow(/step\(\) called before reset\(\)/);
    g.reset({ seed: 0 });
    expect(() => g.step({ paddle_0: 0 })).toThrow(/Pong-v0: step\(\) needs exactly one action per live agent \(paddle_0, paddle_1\): no action for live agent paddle_1/);
    expect(() => g.step({ paddle_0: 0, paddle_1: 0, paddle_2: 0 })).toThrow(/"paddle_2" is not an agent of this game \(did you mean paddle_0\?\)/);
    expect(() => g.step({ paddle_0: 0, paddle_1: 3 })).toThrow(/action 3 for paddle_1 is not in its action space Discrete\(3\)/);
    expect(() => g.step([0, 0] as never)).toThrow(/step\(\) takes an object with one action per live agent/);
    // the raw game checks the keys too
    const raw = new PongGame();
    raw.reset({ seed: 0 });
    expect(() => raw.step({ paddle_0: 0 })).toThrow(EnvUsageError);
  });

  it('agents that are done leave agents; acting for them is an error', () => {
    const g = makeParallelGame<Float32Array, number>('Pong-v0', { pointsToWin: 1 });
    g.reset({ seed: 0, options: { ball: [0.98, 0, 1, 0] } });
    const r = g.step({ paddle_0: 0, paddle_1: 0 });
    expect(Object.keys(r.obs)).toEqual(['paddle_0', 'paddle_1']); // results cover the agents that acted
    expect(g.agents).toEqual([]);
    expect(() => g.step({ paddle_0: 0, paddle_1: 0 })).toThrow(/after every agent was done/);
    const raw = new PongGame({ pointsToWin: 1 });
    raw.reset({ seed: 0, options: { ball: [0.98, 0, 1, 0] } });
    raw.step({ paddle_0: 0, paddle_1: 0 });
    expect(() => raw.step({ paddle_0: 0, paddle_1: 0 })).toThrow(/no live agents/);
  });

  it('the time limit truncates every live agent, lives outside the game, and can be changed or removed', () => {
    const g = makeParallelGame<Float32Array, number>('Pong-v0', { maxEpisodeSteps: 3, mode: 'cooperative' });
    expect(g.spec.maxEpisodeSteps).toBe(3);
    g.reset({ seed: 0 });
    g.step({ paddle_0: 0, paddle_1: 0 });
    g.step({ paddle_0: 0, paddle_1: 0 });
    const r = g.step({ paddle_0: 0, paddle_1: 0 });
    expect(r.truncations).toEqual({ paddle_0: true, paddle_1: true });
    expect(r.terminations).toEqual({ paddle_0: false, paddle_1: false });
    expect(g.agents).toEqual([]);
    expect(g.unwrapped.agents).toEqual(['paddle_0', 'paddle_1']); // the game itself knows nothing of the limit
    g.reset({ seed: 0 });
    expect(g.agents).toEqual(['paddle_0', 'paddle_1']);
    expect(makeGame('Pong-v0', { maxEpisodeSteps: null }).spec.maxEpisodeSteps).toBeUndefined();
    expect(() => makeGame('Pong-v0', { maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be a positive integer/);
  });

  it('state() and stateSpace are forwarded through the wrappers; renderHeader too', () => {
    const g = makeParallelGame('RobotSoccer-v0');
    g.reset({ seed: 0 });
    expect(g.stateSpace).toMatchObject({ type: 'box', shape: [20] });
    expect(g.state?.()).toHaveLength(20);
    expect(g.renderHeader?.()).toMatchObject({ halfLength: 2, goalHalfWidth: 0.4 });
  });
});

describe('turn-based API', () => {
  it('last() gives the mover its observation, cumulative reward and flags; done agents leave with step(null)', () => {
    const g = makeTurnBasedGame('TicTacToe-v0') as Board;
    expect(() => g.last()).toThrow(/last\(\) called before reset\(\)/);
    g.reset({ seed: 0 });
    const first = g.last();
    expect(first).toMatchObject({ reward: 0, termination: false, truncation: false, info: {} });
    expect(legalActions(first.obs)).toHaveLength(9);
    for (const m of [0, 3, 1, 4]) g.step(m);
    g.step(2); // player_0 wins
    expect(g.agents).toEqual(['player_0', 'player_1']); // both stay until stepped with null
    expect(g.agentSelection).toBe('player_0');
    expect(() => g.step(5)).toThrow(/player_0 is done \(terminated\); the only valid step for it is step\(null\)/);
    g.step(null);
    expect(g.agents).toEqual(['player_1']);
    expect(g.rewards).toEqual({ player_1: 0 });
    expect(g.last()).toMatchObject({ reward: -1, termination: true });
    g.step(undefined);
    expect(g.agents).toEqual([]);
    expect(() => g.step(null)).toThrow(/game ended and every agent left/);
  });

  it('cumulative rewards restart when an agent moves', () => {
    const g = makeTurnBasedGame('TicTacToe-v0', { illegalMove: 'penalty' }) as Board;
    g.reset();
    g.step(0);
    expect(g.cumulativeRewards).toEqual({ player_0: 0, player_1: 0 });
    g.step(0); // illegal: player_1 loses
    expect(g.cumulativeRewards).toEqual({ player_0: 0, player_1: -1 });
    expect(g.agentSelection).toBe('player_0');
  });

  it('the time limit counts moves and takes over the end of the game', () => {
    const g = makeTurnBasedGame('ConnectFour-v0', { maxEpisodeSteps: 3 }) as Board;
    g.reset();
    g.step(0);
    g.step(1);
    expect(g.truncations).toEqual({ player_0: false, player_1: false });
    g.step(2);
    expect(g.truncations).toEqual({ player_0: true, player_1: true });
    expect(g.terminations).toEqual({ player_0: false, player_1: false });
    expect(g.last()).toMatchObject({ truncation: true, reward: 0 });
    expect(() => g.step(3)).toThrow(/only valid step for it is step\(null\)/);
    g.step(null);
    g.step(null);
    expect(g.agents).toEqual([]);
    g.reset();
    expect(g.agents).toEqual(['player_0', 'player_1']);
    expect(g.truncations).toEqual({ player_0: false, player_1: false });
  });
});

describe('action-mask helpers', () => {
  it('legalActions and randomLegalAction read masks or observations carrying them', () => {
    const mask = new Uint8Array([0, 1, 0, 1]);
    expect(legalActions(mask)).toEqual([1, 3]);
    expect(actionMaskOf({ observation: new Uint8Array(2), actionMask: mask })).toBe(mask);
    expect(actionMaskOf(new Float32Array(3))).toBeNull();
    const rng = new Rng(0);
    const seen = new Set(Array.from({ length: 50 }, () => randomLegalAction({ observation: 0, actionMask: mask }, rng)));
    expect([...seen].sort()).toEqual([1, 3]);
    expect(() => randomLegalAction(new Uint8Array(3), rng)).toThrow(/no legal action/);
  });
});

describe('conversions', () => {
  it('parallelToTurnBased: agents take turns, the last one runs the parallel step', () => {
    const par = makeParallelGame<Float32Array, number>('Pong-v0');
    const g = parallelToTurnBased(par);
    expect(g.spec.kind).toBe('turn-based');
    g.reset({ seed: 0, options: { ball: [-0.98, 0.5, -1, 0] } });
    expect(g.agentSelection).toBe('paddle_0');
    g.step(1);
    expect(g.agentSelection).toBe('paddle_1');
    expect((g.renderState() as { ball: { x: number } }).ball.x).toBe(-0.98); // nothing moved yet
    g.step(0);
    expect(g.rewards).toEqual({ paddle_0: -1, paddle_1: 1 }); // the parallel step ran: paddle_1 scored
    expect(g.agentSelection).toBe('paddle_0');
    expect(g.last().reward).toBe(-1);
    expect(g.observe('paddle_0')[0]).toBeCloseTo(0.075, 6); // paddle_0 moved up
    expect(() => g.step(null)).toThrow(/paddle_0 is live; step\(null\) is only for done agents/);
  });

  it('turnBasedToParallel: one move per step, by the agent named in infos.activeAgent', () => {
    const g = turnBasedToParallel(makeTurnBasedGame('TicTacToe-v0') as Board);
    expect(g.spec.kind).toBe('parallel');
    const { obs, infos } = g.reset();
    expect(infos.player_0).toEqual({ activeAgent: 'player_0' });
    expect(legalActions(obs.player_1)).toEqual([]); // not player_1's turn
    let r = g.step({ player_0: 4, player_1: null as never }); // the waiting agent's action is ignored
    expect(r.infos.player_1).toMatchObject({ activeAgent: 'player_1' });
    expect(() => g.step({ player_1: 0 })).toThrow(/no action for live agent player_0/);
    for (const [a, b] of [
      [0, 1],
      [8, 2],
    ] as const) {
      g.step({ player_0: 0, player_1: a });
      g.step({ player_0: b, player_1: 0 });
    }
    r = g.step({ player_0: 0, player_1: 6 }); // O: 0, 8, 6 ... X has 4, 1, 2; O then completes nothing yet
    expect(g.agents).toEqual(['player_0', 'player_1']);
    r = g.step({ player_0: 7, player_1: 0 }); // X: 4, 1, 7 wins the middle column
    expect(r.rewards).toEqual({ player_0: 1, player_1: -1 });
    expect(r.terminations).toEqual({ player_0: true, player_1: true });
    expect(g.agents).toEqual([]);
  });

  it('converting back returns the original game', () => {
    const par = makeParallelGame('Pong-v0');
    expect(turnBasedToParallel(parallelToTurnBased(par))).toBe(par);
    const tb = makeTurnBasedGame('ConnectFour-v0');
    expect(parallelToTurnBased(turnBasedToParallel(tb))).toBe(tb);
  });

  it('parallel agents that finish together are removed one step(null) at a time in the turn-based view', () => {
    const g = parallelToTurnBased(makeParallelGame<Float32Array, number>('Pong-v0', { pointsToWin: 1 }));
    g.reset({ seed: 0, options: { ball: [0.98, 0, 1, 0] } });
    g.step(0);
    g.step(0);
    expect(g.terminations).toEqual({ paddle_0: true, paddle_1: true });
    expect(g.last()).toMatchObject({ reward: 1, termination: true });
    g.step(null);
    expect(g.last()).toMatchObject({ reward: -1, termination: true });
    g.step(null);
    expect(g.agents).toEqual([]);
  });
});
