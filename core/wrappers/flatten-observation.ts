// FlattenObservation: turns any observation (Dict, Tuple, Discrete as one-hot,
// multi-dimensional Box) into one flat float32 vector, and the space into the
// matching 1-D Box, for learners that take a plain vector. Gymnasium 1.x
// semantics: spaces.flatten / flattenSpace, Dict entries in the space's key
// order.
import type { Env } from '../env.js';
import type { SpaceValue } from '../spaces.js';
import { describeSpace, flatDim, flatten, flattenSpace } from '../spaces.js';
import { mapObservations } from './transform-observation.js';

export function flattenObservation<A>(env: Env<unknown, A>): Env<Float32Array, A> {
  const where = `flattenObservation(${env.spec.id})`;
  const inner = env.observationSpace;
  let observationSpace;
  try {
    observationSpace = flattenSpace(inner);
  } catch (e) {
    throw new TypeError(`${where}: cannot flatten the observation space ${describeSpace(inner)}: ${(e as Error).message}`);
  }
  if (flatDim(inner) === 0) throw new RangeError(`${where}: the observation space ${describeSpace(inner)} flattens to zero values`);
  return mapObservations<unknown, Float32Array, A>(env, (obs) => flatten(inner, obs as SpaceValue), observationSpace);
}
