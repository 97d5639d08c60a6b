// Training recipes for TD3 (the shape of agents/recipes/index.ts's Recipe),
// from rl-baselines3-zoo's tuned values (td3.yml), in this agent's names.

/**
 * Pendulum-v1, zoo: 20k steps, 10k of them random before learning, Gaussian
 * noise 0.1, 400-300 nets, gamma 0.98 (SB3's TD3 defaults otherwise: policy
 * delay 2, target noise 0.2 clipped at 0.5). Zoo reports about -150.
 */
export const TD3_PENDULUM = {
  id: 'td3-pendulum',
  env: 'Pendulum-v1',
  agent: 'td3',
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

export const TD3_RECIPES = [TD3_PENDULUM];
