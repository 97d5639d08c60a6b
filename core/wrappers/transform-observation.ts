// TransformObservation: applies `fn` to every observation, from reset and from
// step, for one-off preprocessing that does not deserve its own wrapper; and
// mapObservations, the same without the argument checks, on which every
// observation wrapper (grayscale, resize, flatten, normalize, discretize) is
// built. Pass
// the new `observationSpace` when `fn` changes the observations' shape or
// range; without it the env's space is kept (Gymnasium 1.x's rule too), and
// it is then up to `fn` to stay inside it. `fn` should return a fresh value:
// learners keep references to observations.
import type { Env, ResetArgs, ResetResult, StepResult } from '../env.js';
import { forward } from '../env.js';
import type { Space } from '../spaces.js';
import { spaceFromJSON, spaceToJSON } from '../spaces.js';

export function transformObservation<O, O2, A>(env: Env<O, A>, fn: (obs: O) => O2, observationSpace?: Space): Env<O2, A> {
  const where = `transformObservation(${env.spec.id})`;
  if (typeof fn !== 'function') throw new TypeError(`${where}: fn must be a function, got ${typeof fn}`);
  if (observationSpace !== undefined) {
    try {
      spaceFromJSON(spaceToJSON(observationSpace));
    } catch (e) {
      throw new TypeError(`${where}: observationSpace is not a valid space: ${(e as Error).message}`);
    }
  }
  return mapObservations(env, fn, observationSpace);
}

/**
 * `env` with every observation, from reset and from step, replaced by
 * `fn(obs)`, and `observationSpace` (when given) as its space. The inner
 * result objects are reused; only their observation changes.
 */
export function mapObservations<O, O2, A>(env: Env<O, A>, fn: (obs: O) => O2, observationSpace?: Space): Env<O2, A> {
  return forward<O2, A, O, A>(env, {
    ...(observationSpace !== undefined ? { observationSpace } : {}),
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      const out = r as unknown as ResetResult<O2>;
      out.obs = fn(r.obs);
      return out;
    },
    step(action: A) {
      const r = env.step(action);
      const out = r as unknown as StepResult<O2>;
      out.obs = fn(r.obs);
      return out;
    },
  });
}
