// Multi-agent learners (registered on first import), self-play, evaluation
// against fixed opponents and the league. The games come through core's
// interfaces (core/multi-agent.ts): nothing here imports envs/, so fixed
// opponents that live with the games (ticTacToeMinimax, scriptedSoccerPolicy)
// are passed in as Policy functions.
//
//   const game = makeGame('TicTacToe-v0');
//   const learner = await createLearner('iql', { snapshotEvery: 5000 }, { game, seed: 0 });
//   await learner.learn({ game: [game, makeGame('TicTacToe-v0')], totalSteps: 2e6,
//                         opponents: { random: randomPolicy() }, hooks: { onEpisodeEnd: (e) => ... } });
//   evaluateMatch(learner.policy(), (obs, { rng }) => ticTacToeMinimax(obs, rng), makeGame('TicTacToe-v0'), { games: 1000, seed: 1 });
//   await learner.save('runs/ttt');   // loadLearner('runs/ttt') resumes exactly
//
// Learners: 'iql' (a Q-table per agent), 'shared-dqn' and 'shared-ppo' (one
// network for all agents, the agent index one-hot in the input). Files:
//   learner.ts     the API: create/load/save, hooks, policies, sides, registry
//   runner.ts      plays game copies in lockstep, turns them into transitions
//   self-play.ts   opponent pool, matchups, the self-play hyperparameters
//   masks.ts       masked argmax / softmax / logits / TD maxima
//   encoding.ts    network input rows and table keys
//   advantages.ts  GAE over each agent's chain of decisions
//   replay.ts      replay buffer with next-state action masks
//   evaluate.ts    evaluateMatch: W/D/L against fixed opponents, both sides
//   league.ts      round robin and the Bradley-Terry Elo fit
import './iql.js';
import './shared-dqn.js';
import './shared-ppo.js';

export * from './learner.js';
export { ObservationEncoder, observationPart, sharedSpaces, tableKeyer } from './encoding.js';
export type { TableKey } from './encoding.js';
export * from '../lib/masks.js';
export { MatchRunner, LEARNER } from './runner.js';
export type { BatchActor, Controller, Decision, EpisodeSummary, RunnerHost, RunnerOptions, Transition } from './runner.js';
export { drawMatchup, Matchmaker, OpponentPool, policyController, recencyWeights, SELF_PLAY_HYPERPARAMETERS } from './self-play.js';
export type { MatchupDraw, OpponentChoice, SelfPlaySettings, Snapshot } from './self-play.js';
export { evaluateMatch, evaluateTeam, randomPolicy } from './evaluate.js';
export type { MatchOptions, MatchResult, SideResult, Tally, TeamResult } from './evaluate.js';
export { bradleyTerryElo, formatLeague, roundRobin } from './league.js';
export type { Entrant, League, PairResult, Rating, RatingOptions } from './league.js';
export { IQL_HYPERPARAMETERS } from './iql.js';
export { SHARED_DQN_HYPERPARAMETERS } from './shared-dqn.js';
export { tdTargetsMasked } from './shared-q.js';
export { SHARED_PPO_HYPERPARAMETERS } from './shared-ppo.js';
export { streamGae } from './advantages.js';
export type { StreamRollout } from './advantages.js';
export { MaskedReplay } from './replay.js';
export type { MaskedBatch } from './replay.js';
