// Arena's public API: the core contracts and machinery, the agents, and every
// built-in env and agent registered.
import './envs/index.js';
import './agents/index.js';

export * from './core/spaces.js';
export * from './core/rng.js';
export * from './core/env.js';
export * from './core/kernel.js';
export * from './core/registry.js';
export * from './core/vector.js';
export * from './core/checker.js';
export * from './core/tabular.js';
export * from './core/running-stats.js';
export * from './core/wrappers/index.js';
export * from './core/multi-agent.js';
export * from './core/multi-agent-checker.js';
export { finiteMdpEnv, finiteMdpModel, registerFiniteMdp } from './envs/toy-text/finite-mdp.js';
export type { FiniteMdpSpec } from './envs/toy-text/finite-mdp.js';
export {
  BoardGame,
  connectFour,
  CooperativeNavigationGame,
  PongGame,
  RobotSoccerGame,
  scriptedSoccerPolicy,
  SOCCER_AGENTS,
  SOCCER_FIELD,
  ticTacToe,
  ticTacToeMinimax,
  ticTacToeWinLines,
} from './envs/games/index.js';
export type { BoardKwargs, BoardObservation, CooperativeNavigationKwargs, PongKwargs, RobotSoccerKwargs, ScriptedSoccerOptions } from './envs/games/index.js';
export * from './agents/agent.js';
export {
  bradleyTerryElo,
  createLearner,
  defaultSides,
  evaluateMatch,
  evaluateTeam,
  formatLeague,
  learnerDefinition,
  listLearners,
  loadLearner,
  randomPolicy,
  roundRobin,
} from './agents/multi/index.js';
export type {
  CreateLearnerContext,
  LearnerContext,
  MatchOptions,
  MatchResult,
  MultiAgentLearner,
  MultiEpisodeEndEvent,
  MultiLearnHooks,
  MultiLearnOptions,
  Policy,
  PolicyInput,
  TeamResult,
} from './agents/multi/index.js';
export { banditStep } from './core/bandit.js';
export type { BanditInfo } from './core/bandit.js';
export { initBackend, activeBackend, BACKENDS } from './agents/lib/backend.js';
export type { BackendName } from './agents/lib/backend.js';
export { valueIteration, policyIteration, evaluatePolicy } from './agents/dynamic-programming.js';
export { RECIPES, recipe } from './agents/recipes/index.js';
export type { Recipe } from './agents/recipes/index.js';
export { CarRacingEnv, centerlineDriver } from './envs/car-racing/index.js';
export * from './core/episode.js';
export * from './core/match-record.js';
export { parseExperimentConfig, loadExperimentConfig, planRuns, ConfigError } from './experiments/config.js';
export { executeRun } from './experiments/execute-run.js';
export { runExperiment, WorkerPoolExecutor, InProcessExecutor } from './experiments/run-experiment.js';
export type { Executor } from './experiments/run-experiment.js';
export { loadRuns } from './experiments/load-runs.js';
export { compareRuns } from './experiments/compare.js';
export { formatTable } from './experiments/comparison-format.js';
export { parseStudyConfig, loadStudyConfig } from './experiments/tune/config.js';
export type { StudyConfig } from './experiments/tune/config.js';
export { runStudy } from './experiments/tune/study.js';
export { RandomSampler } from './experiments/tune/sampler.js';
export { TpeSampler } from './experiments/tune/tpe.js';
export type * from './experiments/types.js';
