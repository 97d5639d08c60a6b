// FlattenObservation: turns any observation (Dict, Tuple, Discrete as one-hot,
// multi-dimensional Box) into one flat float32 vector, and the space into the
// matching 1-D Box, for learners that take a plain vector. Gymnasium 1.x
// semantics: spaces.flatten / flattenSpace, Dict entries in the space's key
// order.
import type { Env, ResetArgs, ResetResult, StepResult } from '../env.js';
import { forward } from '../env.js';
import type { SpaceValue } from '../spaces.js';
import { describeSpace, flatDim, flatten, flattenSpace } from '../spaces.js';

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
  return forward<Float32Array, A, unknown, A>(env, {
    observationSpace,
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      const out = r as unknown as ResetResult<Float32Array>;
      out.obs = flatten(inner, r.obs as SpaceValue);
      return out;
    },
    step(action: A) {
      const r = env.step(action);
      const out = r as unknown as StepResult<Float32Array>;
      out.obs = flatten(inner, r.obs as SpaceValue);
      return out;
    },
  });
}
