// FrameSkip: each action is repeated for k env steps and the agent sees only
// the last observation, with the k rewards summed; the repeat stops early at
// the step that ends the episode (terminated or truncated), whose flags and
// info are returned. Pixel learners use it to decide less often (CarRacing at
// 50 frames per second changes little between frames) and to see a longer
// horizon for the same discount.
//
// Differs from Gymnasium's MaxAndSkipObservation on purpose: no max-pooling
// over the last two frames (that removes Atari's sprite flicker, which
// Arena's envs do not have), so the observation is the last frame unchanged.
// A time limit inside this wrapper counts env steps, so a 1000-step limit
// with k = 4 ends episodes after 250 agent steps.
import type { Env, ResetArgs, StepResult } from '../env.js';
import { forward } from '../env.js';

export function frameSkip<O, A>(env: Env<O, A>, k: number): Env<O, A> {
  const where = `frameSkip(${env.spec.id})`;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${where}: k must be a positive integer, got ${k}`);
  return forward<O, A>(env, {
    reset: (args?: ResetArgs) => env.reset(args),
    step(action: A): StepResult<O> {
      let reward = 0;
      for (let i = 0; ; i++) {
        const r = env.step(action);
        reward += r.reward;
        if (i + 1 === k || r.terminated || r.truncated) {
          r.reward = reward;
          return r;
        }
      }
    },
  });
}
