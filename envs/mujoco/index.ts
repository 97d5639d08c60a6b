// Registers Gymnasium's MuJoCo v5 envs with their episode limits, reward
// thresholds and default kwargs (Gymnasium's v5 keyword arguments in camelCase).
// Importing this module loads the MuJoCo wasm module (envs/mujoco/wasm.ts).
import { register } from '../../core/registry.js';
import { HOPPER_KWARGS, HopperEnv } from './hopper.js';

export { MujocoEnv } from './base.js';
export type { SimulatorState } from './base.js';

export function registerMujoco(): void {
  register('Hopper-v5', (kwargs, spec) => new HopperEnv(spec, kwargs), {
    maxEpisodeSteps: 1000,
    rewardThreshold: 3800,
    kwargs: HOPPER_KWARGS,
    description: 'make a one-legged planar robot hop forward (MuJoCo)',
  });
}
