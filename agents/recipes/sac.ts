// Training recipes for SAC (the shape of agents/recipes/index.ts's Recipe),
// from rl-baselines3-zoo's tuned values (sac.yml), in this agent's names.

/** Pendulum-v1, zoo: 20k steps, learning rate 1e-3, SB3's SAC defaults otherwise (256-256 nets, batch 256, alpha auto). */
export const SAC_PENDULUM = {
  id: 'sac-pendulum',
  env: 'Pendulum-v1',
  agent: 'sac',
  totalSteps: 20_000,
  threshold: -200,
  evalEvery: 1_000,
  hyperparameters: {
    learningRate: 1e-3,
    bufferSize: 1_000_000,
    learningStarts: 100,
    batchSize: 256,
    gamma: 0.99,
    tau: 0.005,
    entCoef: 'auto',
    hidden: [256, 256],
  },
};

/**
 * MountainCarContinuous-v0, zoo's tuned values (sac.yml: 50k steps, alpha
 * fixed at 0.1, 32 gradient steps every 32 env steps, batch 512, gamma 0.9999,
 * tau 0.01, no random warm-up, 64-64 nets) with its exploration: gSDE
 * (use_sde, log_std_init -3.67, the matrix drawn at each 32-step rollout's
 * start as SB3's default sde_sample_freq -1 does). Zoo reports about 94.
 */
export const SAC_MOUNTAIN_CAR_CONTINUOUS = {
  id: 'sac-mountaincar-continuous',
  env: 'MountainCarContinuous-v0',
  agent: 'sac',
  totalSteps: 50_000,
  threshold: 90,
  evalEvery: 5_000,
  hyperparameters: {
    learningRate: 3e-4,
    bufferSize: 50_000,
    learningStarts: 0,
    batchSize: 512,
    gamma: 0.9999,
    tau: 0.01,
    trainFreq: 32,
    gradientSteps: 32,
    entCoef: 'fixed',
    entCoefInit: 0.1,
    hidden: [64, 64],
    useSde: true,
    logStdInit: -3.67,
  },
};

export const SAC_RECIPES = [SAC_PENDULUM, SAC_MOUNTAIN_CAR_CONTINUOUS];
