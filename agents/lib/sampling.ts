// Action sampling for the actor-critic learners (PPO, A2C, shared-PPO): one
// row of a forward pass's output (logits, or Gaussian means) to an action
// drawn from the seeded Rng, or the mode when deterministic, and its
// log-probability. Pure functions on values already read back; nothing here
// allocates.
import type { Rng } from '../../core/rng.js';
import { HALF_LOG_2PI } from './distributions.js';
import { maskedArgmax, maskedSoftmax } from './masks.js';

/**
 * An action index from the categorical over logits[offset .. offset + n)
 * restricted to the legal actions (mask null: all): sampled, or the most
 * probable when deterministic. `probs` receives the (masked) probabilities, so
 * log pi(a) is Math.log(probs[a]).
 */
export function pickCategorical(logits: ArrayLike<number>, offset: number, n: number, mask: ArrayLike<number> | null, rng: Rng, deterministic: boolean, probs: Float64Array): number {
  maskedSoftmax(logits, offset, n, mask, probs);
  return deterministic ? maskedArgmax(logits, offset, n, mask) : rng.choice(probs.subarray(0, n));
}

/**
 * A sample of the diagonal Gaussian N(means[offset + d], exp(logStd[d])^2),
 * or its mean when deterministic: the sample (rounded to float32, as stored
 * for the loss) goes to stored[storedOffset + d], the same clipped to
 * [low, high] to env[envOffset + d]. Returns its log-density.
 */
export function pickGaussian(
  means: ArrayLike<number>,
  offset: number,
  logStd: ArrayLike<number>,
  rng: Rng,
  deterministic: boolean,
  low: ArrayLike<number>,
  high: ArrayLike<number>,
  stored: Float32Array | null,
  storedOffset: number,
  env: Float32Array,
  envOffset: number,
): number {
  let logp = 0;
  for (let d = 0; d < logStd.length; d++) {
    const ls = logStd[d]!;
    const z = deterministic ? 0 : rng.normal();
    const a = Math.fround(means[offset + d]! + Math.exp(ls) * z);
    if (stored) stored[storedOffset + d] = a;
    env[envOffset + d] = a < low[d]! ? low[d]! : a > high[d]! ? high[d]! : a;
    logp += -0.5 * z * z - ls - HALF_LOG_2PI;
  }
  return logp;
}
