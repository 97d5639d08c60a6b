// Action masks for learners on board games: the legal moves travel in the
// observation (`{ observation, actionMask }`, core/multi-agent.ts), and every
// choice a learner makes, whether acting greedily, exploring, sampling from a
// policy or computing a TD target, ranges over the legal moves only. A mask of
// null means every action is legal (games without masks).
//
// Values are read from a row of a flat array (`values[offset + a]`), the
// layout of a batched network output, so nothing here allocates.
import type { Rng } from '../../core/rng.js';
import { tf } from './backend.js';

/** A large negative number for illegal logits and Q-values: exp() of it is exactly 0, and 0 times it is not NaN (as -Infinity would be). */
export const ILLEGAL = -1e9;

function legal(mask: ArrayLike<number> | null, maskOffset: number, a: number): boolean {
  return mask === null || mask[maskOffset + a] !== 0;
}

/** Number of legal actions among n. */
export function countLegal(n: number, mask: ArrayLike<number> | null, maskOffset = 0): number {
  if (mask === null) return n;
  let k = 0;
  for (let a = 0; a < n; a++) if (mask[maskOffset + a] !== 0) k++;
  return k;
}

/** The legal action with the largest value (the lowest index on ties); throws when no action is legal. */
export function maskedArgmax(values: ArrayLike<number>, offset: number, n: number, mask: ArrayLike<number> | null, maskOffset = 0): number {
  let best = -1;
  for (let a = 0; a < n; a++) {
    if (!legal(mask, maskOffset, a)) continue;
    if (best < 0 || values[offset + a]! > values[offset + best]!) best = a;
  }
  if (best < 0) throw new RangeError('maskedArgmax: the action mask allows no action (is it this agent\'s turn?)');
  return best;
}

/** The largest value over legal actions, or -Infinity when none is legal. */
export function maskedMax(values: ArrayLike<number>, offset: number, n: number, mask: ArrayLike<number> | null, maskOffset = 0): number {
  let m = -Infinity;
  for (let a = 0; a < n; a++) if (legal(mask, maskOffset, a) && values[offset + a]! > m) m = values[offset + a]!;
  return m;
}

/** The greedy legal action with ties broken uniformly at random (a fresh Q-table is all ties). */
export function maskedGreedy(values: ArrayLike<number>, offset: number, n: number, mask: ArrayLike<number> | null, rng: Rng, maskOffset = 0): number {
  const m = maskedMax(values, offset, n, mask, maskOffset);
  if (m === -Infinity) throw new RangeError('maskedGreedy: the action mask allows no action');
  let ties = 0;
  for (let a = 0; a < n; a++) if (legal(mask, maskOffset, a) && values[offset + a] === m) ties++;
  let k = ties > 1 ? rng.integers(0, ties) : 0;
  for (let a = 0; a < n; a++) {
    if (legal(mask, maskOffset, a) && values[offset + a] === m && k-- === 0) return a;
  }
  throw new Error('maskedGreedy: unreachable');
}

/** A uniformly random legal action. */
export function randomLegal(n: number, mask: ArrayLike<number> | null, rng: Rng, maskOffset = 0): number {
  const k = countLegal(n, mask, maskOffset);
  if (k === 0) throw new RangeError('randomLegal: the action mask allows no action');
  let pick = rng.integers(0, k);
  for (let a = 0; a < n; a++) if (legal(mask, maskOffset, a) && pick-- === 0) return a;
  throw new Error('randomLegal: unreachable');
}

/** With probability epsilon a random legal action, else the greedy legal one (ties at random). */
export function maskedEpsilonGreedy(values: ArrayLike<number>, offset: number, n: number, mask: ArrayLike<number> | null, epsilon: number, rng: Rng): number {
  if (rng.random() < epsilon) return randomLegal(n, mask, rng);
  return maskedGreedy(values, offset, n, mask, rng);
}

/** Softmax of one row of logits over the legal actions into `out` (illegal actions get probability 0). */
export function maskedSoftmax(logits: ArrayLike<number>, offset: number, n: number, mask: ArrayLike<number> | null, out: Float64Array, maskOffset = 0): Float64Array {
  let max = -Infinity;
  for (let a = 0; a < n; a++) if (legal(mask, maskOffset, a)) max = Math.max(max, logits[offset + a]!);
  if (max === -Infinity) throw new RangeError('maskedSoftmax: the action mask allows no action');
  let sum = 0;
  for (let a = 0; a < n; a++) {
    const e = legal(mask, maskOffset, a) ? Math.exp(logits[offset + a]! - max) : 0;
    out[a] = e;
    sum += e;
  }
  for (let a = 0; a < n; a++) out[a]! /= sum;
  return out;
}

/**
 * Logits with the illegal actions set to ILLEGAL (mask [rows, n] of 0/1), so
 * that softmax, log-probabilities, entropies and maxima see only legal moves.
 * A tensor op, for losses and targets (call inside tf.tidy).
 */
export function maskLogits(logits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.where(tf.greater(mask, 0), logits, tf.fill(logits.shape, ILLEGAL)) as tf.Tensor2D;
}

/**
 * Row maxima of `values` over the legal actions, 0 for a row without any legal
 * action (a non-terminal observation taken off-turn, e.g. at a time limit).
 */
export function maskedRowMax(values: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  const any = tf.greater(tf.sum(mask, 1), 0);
  return tf.where(any, tf.max(maskLogits(values, mask), 1), tf.zerosLike(any).toFloat()) as tf.Tensor1D;
}
