// Registers CarRacing-v3 with Gymnasium's limit and threshold, and
// CarRacingFeatures-v3, the same env with the features observation by default
// (for tools that take an env id without kwargs, such as `arena train --env`).
import { register } from '../../core/registry.js';
import { CarRacingEnv } from './car-racing.js';
import type { CarRacingKwargs } from './car-racing.js';

export { CarRacingEnv } from './car-racing.js';
export { centerlineDriver } from './driver.js';

export function registerCarRacing(): void {
  const defaults = { continuous: true, lapCompletePercent: 0.95, domainRandomize: false };
  register('CarRacing-v3', (kwargs, spec) => new CarRacingEnv(kwargs as CarRacingKwargs, spec), {
    maxEpisodeSteps: 1000,
    rewardThreshold: 900,
    kwargs: { ...defaults, observation: 'pixels' },
    description: 'race a car around a random track, seen from above (96x96 pixels)',
  });
  register('CarRacingFeatures-v3', (kwargs, spec) => new CarRacingEnv(kwargs as CarRacingKwargs, spec), {
    maxEpisodeSteps: 1000,
    rewardThreshold: 900,
    kwargs: { ...defaults, observation: 'features' },
    description: 'CarRacing-v3 with a vector of features (speeds, steering, edge distances, heading errors) instead of pixels',
  });
}
