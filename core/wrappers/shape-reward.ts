// Reward shaping from whole transitions: `shapeReward` hands a function the
// observation an action was taken in, the action, the next observation, the
// env's reward and the flags, and uses what it returns as the reward (a
// guardrail penalty for leaving a lane, "-10 on failure" for a pole that
// falls). `potentialShaping` is the shaping that provably keeps the optimal
// policies (Ng, Harada & Russell 1999): r + scale * (gamma * phi(s') - phi(s)),
// with phi of a terminal state taken as 0; a truncation (time limit) is not
// terminal, so phi(s') counts there.
//
// The observation a step started from is copied when it is a typed array, so
// an env that reuses its observation buffer cannot change it under the
// shaping function. A non-finite shaped reward is an error naming the env.
import type { Env, Info } from '../env.js';
import { EnvUsageError, forward } from '../env.js';

/** One transition, as a shaping function sees it (read-only). */
export interface ShapingTransition<O, A> {
  readonly obs: O;
  readonly action: A;
  readonly nextObs: O;
  /** The env's own reward for this step. */
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: Readonly<Info>;
}

function keep<O>(obs: O): O {
  return ArrayBuffer.isView(obs) && !(obs instanceof DataView) ? ((obs as unknown as Float32Array).slice() as unknown as O) : obs;
}

/** The reward of every step becomes `fn(transition)`. */
export function shapeReward<O, A>(env: Env<O, A>, fn: (t: ShapingTransition<O, A>) => number): Env<O, A> {
  const where = `shapeReward(${env.spec.id})`;
  if (typeof fn !== 'function') throw new TypeError(`${where}: fn must be a function, got ${typeof fn}`);
  let last: O | undefined;
  let started = false;
  return forward<O, A>(env, {
    reset(args) {
      const r = env.reset(args);
      last = keep(r.obs);
      started = true;
      return r;
    },
    step(action: A) {
      if (!started) throw new EnvUsageError(`${where}: step() before reset(): the shaping needs the observation the step starts from`);
      const r = env.step(action);
      const reward = fn({ obs: last as O, action, nextObs: r.obs, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info });
      if (typeof reward !== 'number' || !Number.isFinite(reward)) {
        throw new EnvUsageError(`${where}: the shaping function turned reward ${r.reward} into ${String(reward)}; it must return a finite number`);
      }
      r.reward = reward;
      last = keep(r.obs);
      return r;
    },
  });
}

export interface PotentialShapingOptions {
  /** The discount of the learner, so the shaping terms telescope (default 0.99). */
  readonly gamma?: number;
  /** Multiplies the shaping term (default 1). */
  readonly scale?: number;
}

/** r + scale * (gamma * phi(s') - phi(s)), phi(s') = 0 when s' is terminal (Ng et al. 1999). */
export function potentialShaping<O, A>(env: Env<O, A>, phi: (obs: O) => number, options: PotentialShapingOptions = {}): Env<O, A> {
  const where = `potentialShaping(${env.spec.id})`;
  const gamma = options.gamma ?? 0.99;
  const scale = options.scale ?? 1;
  if (typeof phi !== 'function') throw new TypeError(`${where}: phi must be a function, got ${typeof phi}`);
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${where}: gamma must be a number in [0, 1], got ${String(gamma)}`);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new RangeError(`${where}: scale must be a finite number, got ${String(scale)}`);
  return shapeReward(env, (t) => t.reward + scale * ((t.terminated ? 0 : gamma * phi(t.nextObs)) - phi(t.obs)));
}
