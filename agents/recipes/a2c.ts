// A2C training recipes for the learning benchmark (the shape of agents/recipes/index.ts's Recipe).
import type { AgentRecipe } from './ppo.js';

export const A2C_RECIPES: readonly AgentRecipe[] = [
  {
    // rl-baselines3-zoo's A2C CartPole-v1: 8 envs, 500k steps, ent_coef 0, the
    // rest SB3's defaults (n_steps 5, lr 7e-4, gamma 0.99, gae_lambda 1,
    // vf_coef 0.5, max_grad_norm 0.5, RMSprop alpha 0.99 eps 1e-5), which are
    // this agent's defaults too. Seeds 1, 2: eval 500 and 500 at 500k; first
    // periodic eval >= 475 at 20k and 10k steps, 500 throughout from 130k and
    // 140k (with dips to 60-200 before that, as A2C does).
    id: 'a2c-cartpole',
    agent: 'a2c',
    env: 'CartPole-v1',
    totalSteps: 500_000,
    nEnvs: 8,
    hyperparameters: { entCoef: 0 },
    threshold: 475,
    evalEvery: 10_000,
  },
];
