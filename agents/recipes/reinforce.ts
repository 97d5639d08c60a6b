// Training recipes for REINFORCE (the shape of agents/recipes/index.ts's Recipe: env,
// agent, budget, hyperparameters, target). rl-baselines3-zoo has no REINFORCE;
// these are the agent's defaults (Adam 1e-3, a learned baseline, one episode
// per update, standardized advantages, 64-64 tanh nets), measured here.

/**
 * CartPole-v1 within the budget of 500k steps. Measured here: 500 over
 * 100 deterministic episodes at 500k (seeds 0, 1), 475 first reached at 10-20k.
 */
export const REINFORCE_CARTPOLE = {
  id: 'reinforce-cartpole',
  env: 'CartPole-v1',
  agent: 'reinforce',
  totalSteps: 500_000,
  threshold: 475,
  evalEvery: 10_000,
  hyperparameters: {
    learningRate: 1e-3,
    gamma: 0.99,
    episodesPerUpdate: 1,
    baseline: true,
    valueLearningRate: 1e-3,
    valueSteps: 5,
    normalizeReturns: true,
    hidden: [64, 64],
  },
};

export const REINFORCE_RECIPES = [REINFORCE_CARTPOLE];
