// Advantage estimates and returns over a rollout of a vector env: GAE(lambda)
// (Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized
// Advantage Estimation") and n-step bootstrapped returns (A2C; Mnih et al. 2016).
//
// Layout: every per-transition array is flat, [nSteps x nEnvs] row-major, so
// the transition of env i at step t sits at index t * nEnvs + i. Row t holds
// what the learner saw and did at step t: `values[k]` = V(obs_t), then the
// env's answer to that step: `rewards[k]`, `terminated[k]`, `truncated[k]`,
// `autoreset[k]`. `lastValues[i]` = V(obs_nSteps), the value of each env's
// observation after the last step.
//
// Scheme (next-step autoreset, Gymnasium 1.x's default, which these functions
// assume):
// - The value of what follows row t is `values[k + nEnvs]` (or `lastValues[i]`
//   on the last row).
// - Terminated: no bootstrap. delta = r - V(obs_t), and nothing flows back
//   across the episode boundary.
// - Truncated (a time limit): bootstrap from the real final observation. With
//   next-step autoreset the observation returned by the ending step IS the
//   final observation, so the next row's value (or `lastValues`) is exactly
//   V(final obs): delta = r + gamma * V(final obs) - V(obs_t), and nothing
//   flows back across the boundary. This is what Stable-Baselines3 gets by
//   folding gamma * V(terminal_observation) into the reward, without its extra
//   forward pass.
// - Autoreset rows (`autoreset[k]` = 1): the env ignored the action and only
//   reset, so the row is not a transition. Its advantage and return are 0 and
//   the loss must skip it (`validRows` lists the rows to train on).
// A step that is both terminated and truncated counts as terminated.
//
// Outputs are written into caller-owned arrays (no allocation); the sums run
// in float64 whatever the output type.

/** A rollout's per-transition data, each [nSteps x nEnvs] row-major. */
export interface RolloutView {
  readonly nSteps: number;
  readonly nEnvs: number;
  readonly rewards: ArrayLike<number>;
  /** V(obs_t) as computed when acting. */
  readonly values: ArrayLike<number>;
  readonly terminated: ArrayLike<number>;
  readonly truncated: ArrayLike<number>;
  /** 1 where the step was an autoreset (not a transition). */
  readonly autoreset: ArrayLike<number>;
}

type Out = Float32Array | Float64Array;

function check(caller: string, r: RolloutView, lastValues: ArrayLike<number>, gamma: number, outs: Out[]): void {
  const { nSteps, nEnvs } = r;
  if (!Number.isInteger(nSteps) || nSteps < 1 || !Number.isInteger(nEnvs) || nEnvs < 1) {
    throw new RangeError(`${caller}: nSteps and nEnvs must be positive integers, got ${nSteps} and ${nEnvs}`);
  }
  const n = nSteps * nEnvs;
  for (const [name, a] of [
    ['rewards', r.rewards],
    ['values', r.values],
    ['terminated', r.terminated],
    ['truncated', r.truncated],
    ['autoreset', r.autoreset],
  ] as const) {
    if (a.length < n) throw new RangeError(`${caller}: ${name} has ${a.length} entries, the rollout needs nSteps x nEnvs = ${n}`);
  }
  if (lastValues.length < nEnvs) throw new RangeError(`${caller}: lastValues has ${lastValues.length} entries, expected nEnvs = ${nEnvs}`);
  for (const o of outs) if (o.length < n) throw new RangeError(`${caller}: an output array has ${o.length} entries, expected ${n}`);
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${caller}: gamma must be in [0, 1], got ${gamma}`);
}

/**
 * One transition's GAE(lambda) advantage, reward r from a state of value v:
 * r - v when terminated (no bootstrap); r + gamma * nextValue - v when the
 * chain is cut there (a truncation, or no later decision; `nextAdvantage`
 * null); plus gamma * lambda * nextAdvantage when it continues.
 */
export function gaeAdvantage(r: number, v: number, terminated: boolean, nextValue: number, nextAdvantage: number | null, gamma: number, lambda: number): number {
  if (terminated) return r - v;
  if (nextAdvantage === null) return r + gamma * nextValue - v;
  return r + gamma * nextValue - v + gamma * lambda * nextAdvantage;
}

/**
 * GAE(lambda): writes A_t into `advantages` and the value targets
 * R_t = A_t + V(obs_t) into `returns` (both 0 on autoreset rows).
 * With lambda = 1, `returns` are the n-step returns of `nStepReturns`; with
 * lambda = 0, A_t is the one-step TD error.
 */
export function computeGae(
  rollout: RolloutView,
  lastValues: ArrayLike<number>,
  gamma: number,
  lambda: number,
  advantages: Out,
  returns: Out,
): void {
  check('computeGae', rollout, lastValues, gamma, [advantages, returns]);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`computeGae: lambda must be in [0, 1], got ${lambda}`);
  const { nSteps, nEnvs, rewards, values, terminated, truncated, autoreset } = rollout;
  for (let i = 0; i < nEnvs; i++) {
    let nextAdvantage = 0; // A of the following row of env i (0 past an episode end)
    for (let t = nSteps - 1; t >= 0; t--) {
      const k = t * nEnvs + i;
      if (autoreset[k]) {
        advantages[k] = 0;
        returns[k] = 0;
        nextAdvantage = 0;
        continue;
      }
      const v = values[k]!;
      const nextValue = t + 1 < nSteps ? values[k + nEnvs]! : lastValues[i]!;
      const a = gaeAdvantage(rewards[k]!, v, !!terminated[k], nextValue, truncated[k] ? null : nextAdvantage, gamma, lambda);
      advantages[k] = a;
      returns[k] = a + v;
      nextAdvantage = a;
    }
  }
}

/**
 * n-step bootstrapped returns: R_t = r_t + gamma * R_{t+1} inside an episode,
 * R_t = r_t on termination, r_t + gamma * V(final obs) on truncation, and
 * r_t + gamma * V(obs_nSteps) on the rollout's last row (0 on autoreset rows).
 * Each row so looks ahead up to the end of the rollout, as in A2C.
 */
export function nStepReturns(rollout: RolloutView, lastValues: ArrayLike<number>, gamma: number, returns: Out): void {
  check('nStepReturns', rollout, lastValues, gamma, [returns]);
  const { nSteps, nEnvs, rewards, values, terminated, truncated, autoreset } = rollout;
  for (let i = 0; i < nEnvs; i++) {
    let next = lastValues[i]!; // the return (or bootstrap value) that follows row t
    for (let t = nSteps - 1; t >= 0; t--) {
      const k = t * nEnvs + i;
      if (autoreset[k]) {
        returns[k] = 0;
        next = 0;
        continue;
      }
      // On truncation the following row's V(obs) is V(final obs), not its return.
      if (truncated[k] && !terminated[k]) next = t + 1 < nSteps ? values[k + nEnvs]! : lastValues[i]!;
      const r = terminated[k] ? rewards[k]! : rewards[k]! + gamma * next;
      returns[k] = r;
      next = r;
    }
  }
}

/** Writes the indices of the rows that are real transitions (autoreset = 0) into `out`; returns how many. */
export function validRows(autoreset: ArrayLike<number>, count: number, out: Int32Array | Uint32Array): number {
  if (out.length < count) throw new RangeError(`validRows: out has ${out.length} entries, expected at least ${count}`);
  let n = 0;
  for (let k = 0; k < count; k++) if (!autoreset[k]) out[n++] = k;
  return n;
}

/** The first n advantages to mean 0 and std 1 in place (torch's unbiased std, + 1e-8), as PPO normalizes a minibatch's; n < 2 is left alone. */
export function standardize(a: Float32Array, n: number): void {
  if (n < 2) return;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += a[j]!;
  const mean = sum / n;
  let ss = 0;
  for (let j = 0; j < n; j++) ss += (a[j]! - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  for (let j = 0; j < n; j++) a[j] = (a[j]! - mean) / (std + 1e-8);
}
