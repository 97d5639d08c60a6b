// Training recipes for the learning benchmark (bench/learn.ts): env, agent,
// budget and hyperparameters, starting from rl-baselines3-zoo's tuned values
// where they exist (../shared/anchors/README.md), adapted where noted.
import type { Env } from '../core/env.js';

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

export const RECIPES: Recipe[] = [];
