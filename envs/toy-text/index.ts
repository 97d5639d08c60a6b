// Registers the toy-text envs with Gymnasium 1.x's ids, limits and thresholds.
// CliffWalking has no time limit in Gymnasium, so none is registered here.
import type { EnvFactory } from '../../core/registry.js';
import { register } from '../../core/registry.js';
import { CliffWalkingEnv } from './cliff-walking.js';
import type { CliffWalkingKwargs } from './cliff-walking.js';
import { FrozenLakeEnv } from './frozen-lake.js';
import type { FrozenLakeKwargs } from './frozen-lake.js';

/** FrozenLake's kwargs and their defaults (the registry accepts exactly these keys). */
const frozenLakeDefaults = (mapName: string): Record<string, unknown> => ({
  desc: null,
  mapName,
  isSlippery: true,
  successRate: 1.0 / 3.0,
  rewardSchedule: [1, 0, 0],
  randomMap: null,
});

const frozenLake: EnvFactory = (kwargs, spec) => new FrozenLakeEnv(kwargs as FrozenLakeKwargs, spec);
const cliffWalking: EnvFactory = (kwargs, spec) => new CliffWalkingEnv(kwargs as CliffWalkingKwargs, spec);

export function registerToyText(): void {
  register('FrozenLake-v1', frozenLake, {
    maxEpisodeSteps: 100,
    rewardThreshold: 0.7, // the optimum is about 0.74
    kwargs: frozenLakeDefaults('4x4'),
    description: 'cross a slippery 4x4 frozen lake to the goal without falling into a hole',
  });
  register('FrozenLake8x8-v1', frozenLake, {
    maxEpisodeSteps: 200,
    rewardThreshold: 0.85, // the optimum is about 0.91
    kwargs: frozenLakeDefaults('8x8'),
    description: 'cross a slippery 8x8 frozen lake to the goal without falling into a hole',
  });
  register('CliffWalking-v1', cliffWalking, {
    kwargs: { isSlippery: false },
    description: 'walk a 4x12 grid to the goal without stepping off the cliff (-100 and back to the start)',
  });
  register('CliffWalkingSlippery-v1', cliffWalking, {
    kwargs: { isSlippery: true },
    description: 'cliff walking where each move may slip sideways (1/3 each way)',
  });
}
