// Registers the classic-control envs with Gymnasium 1.x's ids, limits and thresholds.
import { KernelEnv } from '../../core/kernel.js';
import { register } from '../../core/registry.js';
import { cartPoleKernel } from './cartpole.js';
import type { CartPoleKwargs } from './cartpole.js';

export function registerClassic(): void {
  register('CartPole-v1', (kwargs, spec) => new KernelEnv(cartPoleKernel(kwargs as CartPoleKwargs), spec), {
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    kwargs: { suttonBartoReward: false },
    description: 'balance a pole on a moving cart',
    kernel: (kwargs) => cartPoleKernel(kwargs as CartPoleKwargs),
  });
}
