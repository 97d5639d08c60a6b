// Training recipes for DDPG (the shape of agents/recipes/index.ts's Recipe: env,
// agent, budget, hyperparameters, target), from rl-baselines3-zoo's tuned
// values (ddpg.yml), written in this agent's hyperparameter names.

/**
 * Pendulum-v1, zoo: 20k steps, 10k of them random before learning, Gaussian
 * noise 0.1, 400-300 nets. SB3 evaluates at about -152; measured here -150.7
 * and -150.3 (seeds 0, 1), -200 first reached at 13k steps.
 */
export const DDPG_PENDULUM = {
  id: 'ddpg-pendulum',
  env: 'Pendulum-v1',
  agent: 'ddpg',
  totalSteps: 20_000,
  threshold: -200,
  evalEvery: 1_000,
  hyperparameters: {
    learningRate: 1e-3,
    bufferSize: 200_000,
    learningStarts: 10_000,
    batchSize: 256,
    gamma: 0.98,
    tau: 0.005,
    trainFreq: 1,
    gradientSteps: 1,
    noise: 'gaussian',
    noiseStd: 0.1,
    hidden: [400, 300],
  },
};

/**
 * MountainCarContinuous-v0 with zoo's exploration (Ornstein-Uhlenbeck noise
 * 0.5: the temporally correlated push that finds the hilltop) and SB3's other
 * defaults, but 64-64 nets and 60k steps instead of zoo's 400-300 and 300k
 * (zoo reports 93.5; 300k updates of 400-300 nets take hours on the wasm
 * backend). Measured here: 93.6 and 93.3 at 60k (seeds 0, 1), the threshold
 * first reached at 10k and 25k steps.
 */
export const DDPG_MOUNTAIN_CAR_CONTINUOUS = {
  id: 'ddpg-mountaincar-continuous',
  env: 'MountainCarContinuous-v0',
  agent: 'ddpg',
  totalSteps: 60_000,
  threshold: 90,
  evalEvery: 5_000,
  hyperparameters: {
    learningRate: 1e-3,
    bufferSize: 1_000_000,
    learningStarts: 100,
    batchSize: 256,
    gamma: 0.99,
    tau: 0.005,
    noise: 'ornstein-uhlenbeck',
    noiseStd: 0.5,
    hidden: [64, 64],
  },
};

export const DDPG_RECIPES = [DDPG_PENDULUM, DDPG_MOUNTAIN_CAR_CONTINUOUS];
