// The PPO-clip objective (Schulman et al. 2017) on one minibatch, shared by agents/ppo.ts and
// agents/multi/shared-ppo.ts, and the target-KL early stop of their epochs:
//   r = exp(log pi(a|s) - log pi_old(a|s))
//   policy loss = -mean(min(r A, clip(r, 1 - c, 1 + c) A))
//   value loss  = mean((V - R)^2), or with value clipping c_vf > 0 (PPO2's form)
//                 mean(max((V - R)^2, (V_old + clip(V - V_old, -c_vf, c_vf) - R)^2))
//   loss = policy loss + vfCoef value loss - entCoef entropy
// and two diagnostics off the gradient path: the approximate KL mean((r - 1) - log r) (Schulman's k3
// estimator, as SB3 and CleanRL) and the clip fraction mean(|r - 1| > c); and the means of an
// update's per-minibatch statistics, as both agents report them.
import { tf } from './backend.js';
import { meanOfRows } from './rollout.js';

export interface PpoBatch {
  /** log pi(a|s) under the current policy, per row. */
  readonly logp: tf.Tensor1D;
  /** log pi_old(a|s) stored at collection, per row. */
  readonly oldLogp: tf.Tensor1D;
  readonly advantages: tf.Tensor1D;
  /** V(s) under the current critic, per row. */
  readonly value: tf.Tensor1D;
  /** V_old(s) stored at collection (needed only with value clipping). */
  readonly oldValues?: tf.Tensor1D;
  readonly returns: tf.Tensor1D;
}

export interface PpoTerms {
  readonly policyLoss: tf.Scalar;
  readonly valueLoss: tf.Scalar;
  readonly approxKl: tf.Scalar;
  readonly clipFraction: tf.Scalar;
}

/** The loss terms and diagnostics of one minibatch; clipRangeVf 0 turns value clipping off. */
export function ppoTerms(b: PpoBatch, clipRange: number, clipRangeVf = 0): PpoTerms {
  const logRatio = tf.sub(b.logp, b.oldLogp);
  const ratio = tf.exp(logRatio);
  const surrogate = tf.minimum(tf.mul(b.advantages, ratio), tf.mul(b.advantages, tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange)));
  const policyLoss = tf.neg(tf.mean(surrogate)) as tf.Scalar;
  let valueLoss: tf.Scalar;
  if (clipRangeVf > 0) {
    if (!b.oldValues) throw new Error('ppoTerms: value clipping (clipRangeVf > 0) needs the rollout values (oldValues)');
    const clipped = tf.add(b.oldValues, tf.clipByValue(tf.sub(b.value, b.oldValues), -clipRangeVf, clipRangeVf));
    valueLoss = tf.mean(tf.maximum(tf.square(tf.sub(b.value, b.returns)), tf.square(tf.sub(clipped, b.returns)))) as tf.Scalar;
  } else {
    valueLoss = tf.mean(tf.square(tf.sub(b.value, b.returns))) as tf.Scalar;
  }
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar;
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipRange), 'float32')) as tf.Scalar;
  return { policyLoss, valueLoss, approxKl, clipFraction };
}

/** policy loss + vfCoef value loss - entCoef entropy: the scalar the optimizer minimizes. */
export function ppoLoss(terms: PpoTerms, entropy: tf.Scalar, vfCoef: number, entCoef: number): tf.Scalar {
  return tf.add(terms.policyLoss, tf.sub(tf.mul(vfCoef, terms.valueLoss), tf.mul(entCoef, entropy))) as tf.Scalar;
}

/**
 * Whether the epochs of an update stop after one whose last minibatch's approximate KL exceeds targetKl
 * (targetKl 0: never, and the KL, read from the device, is then not asked for).
 */
export function stopsEarly(targetKl: number, lastApproxKl: () => number): boolean {
  return targetKl > 0 && lastApproxKl() > targetKl;
}

/** The per-minibatch statistics of an update's epochs: [policy loss, value loss, entropy, approx KL, clip fraction, ...], as rows (ONNX path) or kept tensors (tfjs path). */
export interface MinibatchStats {
  readonly onnx: boolean;
  readonly rows: Float32Array[];
  readonly tensors: tf.Tensor1D[];
}

/** The last minibatch's approximate KL (for stopsEarly). */
export function lastApproxKl(stats: MinibatchStats): number {
  return stats.onnx ? stats.rows[stats.rows.length - 1]![3]! : stats.tensors[stats.tensors.length - 1]!.dataSync()[3]!;
}

/** The mean of each statistic over the minibatches (the tfjs path's tensors are disposed), and the five named ones. */
export function meanStats(stats: MinibatchStats): { mean: ArrayLike<number>; metrics: { policyLoss: number; valueLoss: number; entropy: number; approxKl: number; clipFraction: number } } {
  let mean: ArrayLike<number>;
  if (stats.onnx) {
    // No tf here: an agent on ONNX Runtime alone never loads TensorFlow.js.
    mean = meanOfRows(stats.rows);
  } else {
    mean = tf.tidy(() => tf.mean(tf.stack(stats.tensors), 0).dataSync());
    tf.dispose(stats.tensors);
  }
  return { mean, metrics: { policyLoss: mean[0]!, valueLoss: mean[1]!, entropy: mean[2]!, approxKl: mean[3]!, clipFraction: mean[4]! } };
}
