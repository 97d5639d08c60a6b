// The policy-gradient losses' pieces as graph ops (the graph counterparts of
// agents/lib/distributions.ts and agents/lib/ppo-loss.ts): log-probabilities
// and entropies of a categorical over logits and of a diagonal Gaussian with
// a state-independent log std, PPO's clipped surrogate and (optionally
// clipped) value loss, and the diagnostics PPO logs. Means over the rows of a
// minibatch are weighted sums with a per-row weight `w` (1/size on the rows in
// use, 0 on padding), so one graph of fixed shape serves minibatches of any
// size up to its capacity. Built from graph.ts's ops, whose gradients grad.ts
// generates; test/agents/compute/policy-ops.test.ts checks them against finite
// differences and the tfjs functions.
import { HALF_LOG_2PI } from '../distributions.js';
import type { Graph, Sym } from './graph.js';

/** sum over rows of x [B] * w [B]: the mean over the rows in use. */
export function weightedMean(g: Graph, x: Sym, w: Sym): Sym {
  return g.sum(g.mul(x, w));
}

/** log pi(a|s) [B] for int64 actions [B] under logits [B, n]. */
export function categoricalLogProb(g: Graph, logits: Sym, actions: Sym): Sym {
  return g.gatherActions(g.logSoftmax(logits, 1), actions);
}

/** Entropy of each row's categorical over logits [B, n]: -sum_i p_i log p_i, [B]. */
export function categoricalEntropy(g: Graph, logits: Sym): Sym {
  const logp = g.logSoftmax(logits, 1);
  return g.neg(g.sum(g.mul(g.exp(logp), logp), [1]));
}

/** Log-density [B] of actions [B, d] under N(mean [B, d], exp(logStd [d])^2), summed over d. */
export function gaussianLogProb(g: Graph, mean: Sym, logStd: Sym, actions: Sym): Sym {
  const z = g.div(g.sub(actions, mean), g.exp(logStd));
  const perDim = g.sub(g.neg(g.add(g.mul(g.square(z), 0.5), logStd)), HALF_LOG_2PI);
  return g.sum(perDim, [1]);
}

/** Entropy of the diagonal Gaussian (the same for every row), a scalar: sum over d of logStd + 0.5 log(2 pi e). */
export function gaussianEntropy(g: Graph, logStd: Sym): Sym {
  return g.sum(g.add(logStd, 0.5 + HALF_LOG_2PI));
}

export interface PpoGraphBatch {
  /** log pi(a|s) under the current policy [B]. */
  logp: Sym;
  /** log pi_old(a|s) stored at collection [B]. */
  oldLogp: Sym;
  advantages: Sym;
  /** V(s) under the current critic [B]. */
  value: Sym;
  /** V_old(s) stored at collection [B] (used with value clipping). */
  oldValues: Sym;
  returns: Sym;
  /** Row weights [B]: 1/size on the rows in use, 0 on padding. */
  w: Sym;
}

/**
 * PPO's loss terms and diagnostics (ppo-loss.ts's ppoTerms): the clipped
 * surrogate -mean(min(r A, clip(r, 1 - c, 1 + c) A)) with r = exp(logp - oldLogp),
 * the value loss mean((V - R)^2) or, when `clipRangeVf` > 0, PPO2's
 * mean(max((V - R)^2, (V_old + clip(V - V_old, +-c_vf) - R)^2)), the
 * approximate KL mean((r - 1) - log r) and the clip fraction mean(|r - 1| > c).
 * `clipRange` may be a graph input (an annealed clip range).
 */
export function ppoGraphTerms(g: Graph, b: PpoGraphBatch, clipRange: Sym, clipRangeVf: number): { policyLoss: Sym; valueLoss: Sym; approxKl: Sym; clipFraction: Sym } {
  const logRatio = g.sub(b.logp, b.oldLogp);
  const ratio = g.exp(logRatio);
  const clipped = g.clip(ratio, g.sub(1, clipRange), g.add(clipRange, 1));
  const surrogate = g.min(g.mul(b.advantages, ratio), g.mul(b.advantages, clipped));
  const policyLoss = g.neg(weightedMean(g, surrogate, b.w));
  const err = g.square(g.sub(b.value, b.returns));
  let valueLoss: Sym;
  if (clipRangeVf > 0) {
    const vClipped = g.add(b.oldValues, g.clip(g.sub(b.value, b.oldValues), -clipRangeVf, clipRangeVf));
    valueLoss = weightedMean(g, g.max(err, g.square(g.sub(vClipped, b.returns))), b.w);
  } else {
    valueLoss = weightedMean(g, err, b.w);
  }
  const approxKl = weightedMean(g, g.sub(g.sub(ratio, 1), logRatio), b.w);
  const clipFraction = weightedMean(g, g.cast(g.greater(g.abs(g.sub(ratio, 1)), clipRange), g.float), b.w);
  return { policyLoss, valueLoss, approxKl, clipFraction };
}
