// NormalizeReward: divides each reward by the running standard deviation of a
// discounted return, so that value targets stay of order one whatever the
// env's reward scale (the "reward scaling" of PPO implementations; Engstrom
// et al., 2020). The mean is not subtracted: shifting rewards would change
// which policies are optimal when episodes can end early.
//
// Gymnasium 1.x rule, followed exactly: after every step the accumulator
// becomes G = G * gamma * (1 - terminated) + reward (so on a terminating step
// it restarts from that step's reward, and that value carries into the next
// episode); truncation and reset() leave it alone; the running statistics are
// updated with G (unless `updateRunningMean` is off) and the step returns
// reward / sqrt(var(G) + epsilon).
import type { Env } from '../env.js';
import { forward } from '../env.js';
import { RunningMeanStd } from '../running-stats.js';
import { checkEpsilon, updateSwitch } from './normalize-controls.js';

export interface NormalizeRewardOptions {
  /** Discount of the return whose spread scales the rewards, in [0, 1] (default 0.99). */
  gamma?: number;
  /** Added to the variance under the square root (default 1e-8). */
  epsilon?: number;
  /** Whether rewards update the statistics at first (default true). */
  update?: boolean;
}

export interface NormalizeRewardControls {
  /** Whether new rewards update the statistics; set false for evaluation. */
  updateRunningMean: boolean;
  /** Running statistics of the discounted return (getState/setState for checkpoints). */
  readonly returnRms: RunningMeanStd;
  /** The current discounted-return accumulator G. */
  readonly discountedReturn: number;
}

export function normalizeReward<O, A>(env: Env<O, A>, options: NormalizeRewardOptions = {}): Env<O, A> & NormalizeRewardControls {
  const where = `normalizeReward(${env.spec.id})`;
  const gamma = options.gamma ?? 0.99;
  const epsilon = options.epsilon ?? 1e-8;
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${where}: gamma must be in [0, 1], got ${gamma}`);
  checkEpsilon(where, epsilon);
  const update = updateSwitch(where, options.update);
  const rms = new RunningMeanStd(1);
  const sample = new Float64Array(1);
  let discounted = 0;

  const wrapped = forward<O, A>(env, {
    step(action: A) {
      const r = env.step(action);
      discounted = discounted * gamma * (r.terminated ? 0 : 1) + r.reward;
      if (update.on()) {
        sample[0] = discounted;
        rms.update(sample, 1);
      }
      r.reward = r.reward / Math.sqrt(rms.var[0]! + epsilon);
      return r;
    },
  });
  return Object.defineProperties(wrapped, {
    updateRunningMean: update.property,
    returnRms: { value: rms, enumerable: true },
    discountedReturn: { get: () => discounted, enumerable: true },
  }) as Env<O, A> & NormalizeRewardControls;
}
