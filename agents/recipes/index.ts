// Training recipes: env, agent, budget and hyperparameters that are known to
// learn, starting from rl-baselines3-zoo's tuned values where they exist
// (../shared/anchors/README.md), adapted where noted. The learning benchmark
// (bench/learn.ts) runs them over seeds; `arena train --recipe <id>` runs one.
import type { Env } from '../../core/env.js';
import { discretizeObservation } from '../../core/wrappers/discretize-observation.js';
import { A2C_RECIPES } from './a2c.js';
import { DDPG_RECIPES } from './ddpg.js';
import { DQN_RECIPES } from './dqn.js';
import { PPO_RECIPES } from './ppo.js';
import { REINFORCE_RECIPES } from './reinforce.js';
import { SAC_RECIPES } from './sac.js';
import { TD3_RECIPES } from './td3.js';

export interface Recipe {
  /** Short unique name, e.g. 'ppo-cartpole'. */
  readonly id: string;
  readonly env: string;
  readonly envKwargs?: Record<string, unknown>;
  /** Wraps the training and evaluation env (e.g. discretization for tabular agents). */
  readonly wrapEnv?: (env: Env) => Env;
  readonly agent: string;
  readonly hyperparameters: Record<string, unknown>;
  readonly totalSteps: number;
  /** Train on a vector env of this many copies (agents that want one). */
  readonly nEnvs?: number;
  /** The env's solved threshold (Gymnasium's reward threshold, or the target). */
  readonly threshold: number;
  /** The target for the final evaluation, when it differs from the threshold. */
  readonly target?: number;
  readonly evalEvery: number;
  readonly evalEpisodes?: number;
}

export const RECIPES: Recipe[] = [
  {
    // Tabular Q-learning on a 20 x 20 grid over MountainCar's bounded observations;
    // Q starts at 0, above every true value (each step costs -1), which explores.
    id: 'q-learning-mountaincar',
    env: 'MountainCar-v0',
    wrapEnv: (env) => discretizeObservation(env, { bins: [20, 20] }),
    agent: 'q-learning',
    hyperparameters: { learningRate: 0.05, gamma: 0.99, epsilon: 0 },
    totalSteps: 5_000_000,
    threshold: -110,
    target: -130,
    evalEvery: 250_000,
  },
  {
    id: 'q-learning-cliffwalking',
    env: 'CliffWalking-v1',
    // CliffWalking has no time limit; a greedy policy that loops must still end.
    envKwargs: { maxEpisodeSteps: 200 },
    agent: 'q-learning',
    hyperparameters: { learningRate: 0.2, gamma: 0.99, epsilon: 0.1 },
    totalSteps: 100_000,
    threshold: -13,
    evalEvery: 10_000,
    evalEpisodes: 1,
  },
  {
    id: 'sarsa-cliffwalking',
    env: 'CliffWalking-v1',
    envKwargs: { maxEpisodeSteps: 200 },
    agent: 'sarsa',
    hyperparameters: { learningRate: 0.2, gamma: 0.99, epsilon: 0.1 },
    totalSteps: 100_000,
    threshold: -17,
    evalEvery: 10_000,
    evalEpisodes: 1,
  },
  ...PPO_RECIPES,
  ...A2C_RECIPES,
  ...DQN_RECIPES,
  ...REINFORCE_RECIPES,
  ...DDPG_RECIPES,
  ...TD3_RECIPES,
  ...SAC_RECIPES,
];

/** The recipe called `id`, or an error listing them. */
export function recipe(id: string): Recipe {
  const found = RECIPES.find((r) => r.id === id);
  if (!found) throw new TypeError(`unknown recipe ${JSON.stringify(id)}; recipes: ${RECIPES.map((r) => r.id).join(', ')}`);
  return found;
}
