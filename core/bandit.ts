// What a multi-armed bandit env reports in `info` so that a learner (or a
// benchmark) can measure regret without knowing the env: the best arm and its
// mean at the time of a pull, and the mean of the arm pulled. Regret here is
// pseudo-regret (Lattimore & Szepesvari, ch. 4): the gap between the means,
// not between sampled rewards, so it is free of the reward noise.
import type { Info } from './env.js';

export interface BanditInfo {
  /** Index of an arm with the highest mean (the lowest such index on ties). */
  readonly optimalArm: number;
  /** The highest mean. */
  readonly optimalMean: number;
  /** After a step: the mean of the arm just pulled, as it was at the pull. */
  readonly armMean?: number;
}

/** The bandit fields of a step's info, or null when the env reports none (it is not a bandit). */
export function banditStep(info: Info): { regret: number; optimal: boolean } | null {
  const { optimalMean, armMean } = info as Partial<BanditInfo>;
  if (typeof optimalMean !== 'number' || typeof armMean !== 'number') return null;
  const regret = optimalMean - armMean;
  // Ties count as optimal: an arm whose mean equals the best is an optimal arm.
  return { regret, optimal: regret <= 0 };
}
