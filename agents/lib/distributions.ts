// Action distributions for policy-gradient agents: a categorical over logits
// and a diagonal Gaussian with state-independent log standard deviations.
// Log-probabilities and entropies are tfjs ops (inside the loss, for
// gradients); sampling happens in plain JS on values already read back with
// one dataSync per batch, drawing from the agent's seeded Rng.
import type { Rng } from '../../core/rng.js';
import { tf } from './backend.js';

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log pi(a|s) for integer actions `actions` [batch] under logits [batch, n]. */
export function categoricalLogProb(logits: tf.Tensor2D, actions: tf.Tensor1D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  const n = logits.shape[1];
  return tf.sum(tf.mul(logp, tf.oneHot(tf.cast(actions, 'int32'), n)), 1) as tf.Tensor1D;
}

/** Entropy of each row's categorical [batch]. */
export function categoricalEntropy(logits: tf.Tensor2D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
}

/** Log-density of `actions` [batch, d] under N(mean [batch, d], exp(logStd [d])^2), summed over d. */
export function gaussianLogProb(mean: tf.Tensor2D, logStd: tf.Tensor1D, actions: tf.Tensor2D): tf.Tensor1D {
  const z = tf.div(tf.sub(actions, mean), tf.exp(logStd));
  const perDim = tf.sub(tf.neg(tf.add(tf.mul(0.5, tf.square(z)), logStd)), HALF_LOG_2PI);
  return tf.sum(perDim, 1) as tf.Tensor1D;
}

/** Entropy of the diagonal Gaussian (the same for every row): sum over d of logStd + 0.5 log(2 pi e). */
export function gaussianEntropy(logStd: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.add(logStd, 0.5 + HALF_LOG_2PI));
}

/** Softmax of one row of logits (length n, at `offset`) into `out`. */
export function softmaxRow(logits: ArrayLike<number>, offset: number, n: number, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[offset + i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i]! /= sum;
  return out;
}

/** Draws an action from one row of logits. */
export function sampleCategorical(logits: ArrayLike<number>, offset: number, n: number, rng: Rng, scratch = new Float64Array(n)): number {
  return rng.choice(softmaxRow(logits, offset, n, scratch).subarray(0, n));
}

/** The most probable action of one row of logits (lowest index on ties). */
export function argmaxRow(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}
