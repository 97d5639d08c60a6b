// GAE(lambda) over transition streams (Schulman et al. 2016), for rollouts in
// which each agent of each game copy contributes its own chain of decisions:
// the rows of a rollout are in the order they were decided, and a row names
// the row of the same stream's next decision (`nextRow`, -1 when the stream
// has none in this rollout). For a row k:
//
//   next value  0 when terminated; V(nextRow) when the stream continues in the
//               rollout; else bootstrap[k], the value of the observation the
//               transition closed on (a truncated episode, or the rollout's end)
//   delta_k     r_k + gamma * next value - V_k
//   A_k         delta_k + gamma * lambda * A_nextRow (only when nextRow >= 0 and not terminated)
//   R_k         A_k + V_k, the value target
//
// Since a next row always comes later, one backward pass over the rows
// computes everything (lib/advantages.ts's gaeAdvantage, the step the
// vector-env rollouts use). Outputs go into caller-owned arrays.
import { gaeAdvantage } from '../lib/advantages.js';

export interface StreamRollout {
  /** Rows to use: 0 .. size - 1. */
  readonly size: number;
  readonly rewards: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly terminated: ArrayLike<number>;
  /** Index of the stream's next row, or -1. */
  readonly nextRow: ArrayLike<number>;
  /** V of the closing observation, read when nextRow is -1 and the row is not terminated. */
  readonly bootstrap: ArrayLike<number>;
}

export function streamGae(r: StreamRollout, gamma: number, lambda: number, advantages: Float32Array | Float64Array, returns: Float32Array | Float64Array): void {
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`streamGae: gamma must be in [0, 1], got ${gamma}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`streamGae: lambda must be in [0, 1], got ${lambda}`);
  if (advantages.length < r.size || returns.length < r.size) throw new RangeError(`streamGae: outputs must hold ${r.size} rows`);
  for (let k = r.size - 1; k >= 0; k--) {
    const next = r.nextRow[k]!;
    if (next >= 0 && next <= k) throw new RangeError(`streamGae: row ${k} names next row ${next}, which does not come after it`);
    const v = r.values[k]!;
    const last = next < 0;
    const a = gaeAdvantage(r.rewards[k]!, v, !!r.terminated[k], last ? r.bootstrap[k]! : r.values[next]!, last ? null : advantages[next]!, gamma, lambda);
    advantages[k] = a;
    returns[k] = a + v;
  }
}
