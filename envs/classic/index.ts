// Registers the classic-control envs with Gymnasium 1.x's ids, limits and thresholds.
import { KernelEnv } from '../../core/kernel.js';
import { register } from '../../core/registry.js';
import { acrobotKernel } from './acrobot.js';
import { cartPoleKernel } from './cartpole.js';
import type { CartPoleKwargs } from './cartpole.js';
import { mountainCarContinuousKernel } from './mountain-car-continuous.js';
import type { MountainCarContinuousKwargs } from './mountain-car-continuous.js';
import { mountainCarKernel } from './mountain-car.js';
import type { MountainCarKwargs } from './mountain-car.js';
import { pendulumKernel } from './pendulum.js';
import type { PendulumKwargs } from './pendulum.js';

export function registerClassic(): void {
  register('CartPole-v1', (kwargs, spec) => new KernelEnv(cartPoleKernel(kwargs as CartPoleKwargs), spec), {
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    kwargs: { suttonBartoReward: false },
    description: 'balance a pole on a moving cart',
    kernel: (kwargs) => cartPoleKernel(kwargs as CartPoleKwargs),
  });
  register('MountainCar-v0', (kwargs, spec) => new KernelEnv(mountainCarKernel(kwargs as MountainCarKwargs), spec), {
    maxEpisodeSteps: 200,
    rewardThreshold: -110,
    kwargs: { goalVelocity: 0 },
    description: 'rock an underpowered car out of a valley (discrete throttle)',
    kernel: (kwargs) => mountainCarKernel(kwargs as MountainCarKwargs),
  });
  register(
    'MountainCarContinuous-v0',
    (kwargs, spec) => new KernelEnv(mountainCarContinuousKernel(kwargs as MountainCarContinuousKwargs), spec),
    {
      maxEpisodeSteps: 999,
      rewardThreshold: 90,
      kwargs: { goalVelocity: 0 },
      description: 'rock an underpowered car out of a valley (continuous throttle)',
      kernel: (kwargs) => mountainCarContinuousKernel(kwargs as MountainCarContinuousKwargs),
    },
  );
  register('Pendulum-v1', (kwargs, spec) => new KernelEnv(pendulumKernel(kwargs as PendulumKwargs), spec), {
    maxEpisodeSteps: 200,
    kwargs: { g: 10.0 },
    description: 'swing a pendulum up and hold it upright',
    kernel: (kwargs) => pendulumKernel(kwargs as PendulumKwargs),
  });
  register('Acrobot-v1', (_kwargs, spec) => new KernelEnv(acrobotKernel(), spec), {
    maxEpisodeSteps: 500,
    rewardThreshold: -100,
    kwargs: {},
    description: 'swing the tip of a two-link arm above a line',
    kernel: () => acrobotKernel(),
  });
}
