// TransformReward: applies `fn` to every reward (clipping, scaling, shaping
// with a constant), as Gymnasium 1.x's TransformReward does. A non-finite
// result is reported at once, naming the env, instead of poisoning a learner's
// targets several updates later.
import type { Env } from '../env.js';
import { EnvUsageError, forward } from '../env.js';

export function transformReward<O, A>(env: Env<O, A>, fn: (reward: number) => number): Env<O, A> {
  const where = `transformReward(${env.spec.id})`;
  if (typeof fn !== 'function') throw new TypeError(`${where}: fn must be a function, got ${typeof fn}`);
  return forward<O, A>(env, {
    step(action: A) {
      const r = env.step(action);
      const reward = fn(r.reward);
      if (typeof reward !== 'number' || !Number.isFinite(reward)) {
        throw new EnvUsageError(`${where}: fn turned reward ${r.reward} into ${String(reward)}; it must return a finite number`);
      }
      r.reward = reward;
      return r;
    },
  });
}
