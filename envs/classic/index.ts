// Registers the classic-control envs with Gymnasium 1.x's ids, limits and thresholds.
import { KernelEnv } from '../../core/kernel.js';
import type { Kernel } from '../../core/kernel.js';
import { register } from '../../core/registry.js';
import type { RegisterOptions } from '../../core/registry.js';
import { acrobotKernel } from './acrobot.js';
import { cartPoleKernel } from './cartpole.js';
import type { CartPoleKwargs } from './cartpole.js';
import { mountainCarContinuousKernel } from './mountain-car-continuous.js';
import type { MountainCarContinuousKwargs } from './mountain-car-continuous.js';
import { mountainCarKernel } from './mountain-car.js';
import type { MountainCarKwargs } from './mountain-car.js';
import { pendulumKernel } from './pendulum.js';
import type { PendulumKwargs } from './pendulum.js';

/** Registers a kernel env: `make` runs its kernel in a KernelEnv, and vector envs batch the same kernel. */
function registerKernel<K>(id: string, kernel: (kwargs: K) => Kernel, options: Omit<RegisterOptions, 'kernel'>): void {
  const build = (kwargs: Record<string, unknown>): Kernel => kernel(kwargs as K);
  register(id, (kwargs, spec) => new KernelEnv(build(kwargs), spec), { ...options, kernel: build });
}

export function registerClassic(): void {
  registerKernel<CartPoleKwargs>('CartPole-v1', cartPoleKernel, {
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    kwargs: { suttonBartoReward: false },
    description: 'balance a pole on a moving cart',
  });
  registerKernel<MountainCarKwargs>('MountainCar-v0', mountainCarKernel, {
    maxEpisodeSteps: 200,
    rewardThreshold: -110,
    kwargs: { goalVelocity: 0 },
    description: 'rock an underpowered car out of a valley (discrete throttle)',
  });
  registerKernel<MountainCarContinuousKwargs>('MountainCarContinuous-v0', mountainCarContinuousKernel, {
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
    kwargs: { goalVelocity: 0 },
    description: 'rock an underpowered car out of a valley (continuous throttle)',
  });
  registerKernel<PendulumKwargs>('Pendulum-v1', pendulumKernel, {
    maxEpisodeSteps: 200,
    kwargs: { g: 10.0 },
    description: 'swing a pendulum up and hold it upright',
  });
  registerKernel('Acrobot-v1', () => acrobotKernel(), {
    maxEpisodeSteps: 500,
    rewardThreshold: -100,
    kwargs: {},
    description: 'swing the tip of a two-link arm above a line',
  });
}
