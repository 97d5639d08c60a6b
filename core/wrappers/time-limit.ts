// TimeLimit: truncates an episode after `maxEpisodeSteps` steps. It sets
// `truncated`, never `terminated`: the state is not terminal, and learners
// must still bootstrap from it.
import type { Env, ResetArgs } from '../env.js';
import { forward } from '../env.js';

export function timeLimit<O, A>(env: Env<O, A>, maxEpisodeSteps: number): Env<O, A> {
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new RangeError(`timeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
  }
  let elapsed = 0;
  const spec = { ...env.spec, maxEpisodeSteps };
  return forward<O, A>(env, {
    spec,
    reset(args?: ResetArgs) {
      elapsed = 0;
      return env.reset(args);
    },
    step(action: A) {
      const r = env.step(action);
      elapsed += 1;
      if (elapsed >= maxEpisodeSteps) r.truncated = true;
      return r;
    },
  });
}
