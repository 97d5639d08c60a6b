// Registers the multi-agent games (core/multi-agent.ts's registry) and exports
// their public helpers: the scripted and perfect players.
import type { GameFactory, GamePolicy } from '../../core/multi-agent.js';
import { registerGame } from '../../core/multi-agent.js';
import type { BoardKwargs, BoardObservation } from './board.js';
import { connectFour, connectFourLookahead } from './connect-four.js';
import { CooperativeNavigationGame } from './cooperative-navigation.js';
import type { CooperativeNavigationKwargs } from './cooperative-navigation.js';
import { PongGame } from './pong.js';
import type { PongKwargs } from './pong.js';
import { RobotSoccerGame, scriptedSoccerPolicy } from './robot-soccer.js';
import type { RobotSoccerKwargs } from './robot-soccer.js';
import { ticTacToe, ticTacToeMinimax } from './tic-tac-toe.js';

export { BoardGame, BOARD_AGENTS } from './board.js';
export type { BoardGeometry, BoardKwargs, BoardObservation } from './board.js';
export { ticTacToe, ticTacToeMinimax, ticTacToeWinLines, TIC_TAC_TOE } from './tic-tac-toe.js';
export { connectFour, connectFourLookahead, CONNECT_FOUR } from './connect-four.js';
export { PongGame, PONG_AGENTS } from './pong.js';
export type { PongKwargs } from './pong.js';
export { CooperativeNavigationGame } from './cooperative-navigation.js';
export type { CooperativeNavigationKwargs } from './cooperative-navigation.js';
export { RobotSoccerGame, scriptedSoccerPolicy, SOCCER_AGENTS, SOCCER_FIELD, SOCCER_TEAMS } from './robot-soccer.js';
export type { RobotSoccerKwargs, ScriptedSoccerOptions } from './robot-soccer.js';

const ticTacToeFactory: GameFactory = (kwargs, spec) => ticTacToe(kwargs as BoardKwargs, spec);
const connectFourFactory: GameFactory = (kwargs, spec) => connectFour(kwargs as BoardKwargs, spec);
const pongFactory: GameFactory = (kwargs, spec) => new PongGame(kwargs as PongKwargs, spec);
const navigationFactory: GameFactory = (kwargs, spec) => new CooperativeNavigationGame(kwargs as CooperativeNavigationKwargs, spec);
const soccerFactory: GameFactory = (kwargs, spec) => new RobotSoccerGame(kwargs as RobotSoccerKwargs, spec);

// Fixed opponents shipped with the games, by name (experiments also know 'random').
const minimax = (): GamePolicy => (obs, { rng }) => ticTacToeMinimax(obs, rng);
const lookahead = (): GamePolicy => (obs, { rng }) => connectFourLookahead(obs as BoardObservation, rng);
const scriptedSoccer =
  (kwargs: Readonly<Record<string, unknown>>): GamePolicy =>
  (obs) =>
    scriptedSoccerPolicy(obs as Float32Array, { discrete: kwargs['continuousActions'] === false });
/** Pong: keep the paddle level with the ball (a dead band of 0.02 stops it jittering). */
const pongTracker = (): GamePolicy => (obs) => {
  const o = obs as Float32Array;
  const gap = o[3]! - o[0]!;
  return gap > 0.02 ? 1 : gap < -0.02 ? 2 : 0;
};
/** Soccer shaping potential: the ball's x toward the opponents' goal (own frame), minus half the robot's distance to the ball. */
const soccerBallProgress = (obs: unknown): number => {
  const o = obs as Float32Array;
  return o[16]! - 0.5 * Math.hypot(o[20]!, o[21]!);
};

export function registerGames(): void {
  registerGame('TicTacToe-v0', ticTacToeFactory, {
    kind: 'turn-based',
    kwargs: { illegalMove: 'error' },
    description: 'tic-tac-toe on a 3x3 board: three in a row wins (+1/-1), action masks',
    opponents: { minimax },
  });
  registerGame('ConnectFour-v0', connectFourFactory, {
    kind: 'turn-based',
    kwargs: { illegalMove: 'error' },
    description: 'Connect Four on a 6x7 board: four in a row wins (+1/-1), action masks',
    opponents: { lookahead },
  });
  registerGame('Pong-v0', pongFactory, {
    kind: 'parallel',
    maxEpisodeSteps: 2000,
    kwargs: { mode: 'competitive', pointsToWin: 5 },
    description: 'two-paddle pong: +1/-1 per point, or a cooperative rally-length reward',
    opponents: { tracker: pongTracker },
  });
  registerGame('CooperativeNavigation-v0', navigationFactory, {
    kind: 'parallel',
    maxEpisodeSteps: 25, // MPE's max_cycles
    kwargs: { n: 3, localRatio: null, continuousActions: false },
    description: "MPE's simple_spread: N agents cover N landmarks, shared reward minus collisions",
  });
  registerGame('RobotSoccer-v0', soccerFactory, {
    kind: 'parallel',
    maxEpisodeSteps: 600, // 60 s
    kwargs: { continuousActions: true, goalsToWin: 3 },
    description: 'two teams of two disc robots and a ball; a goal is +1 for the scorers, -1 for the others',
    opponents: { scripted: scriptedSoccer },
    potentials: { 'ball-progress': soccerBallProgress },
  });
}
