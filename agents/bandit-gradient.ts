// The gradient bandit (Sutton & Barto 2.8): learn a preference H(a) per arm,
// pull arms with the softmax of the preferences, and move the preferences by
// stochastic gradient ascent on the expected reward. The baseline (the average
// reward so far, this pull's included) leaves the gradient unbiased and cuts
// its variance; without it, the method suffers whenever rewards are far from 0
// (the book's figure 2.5, means around +4).
//
//   pi(a) = exp(H(a)) / sum_b exp(H(b));   arm ~ pi
//   baseline: n += 1;  rbar += (r - rbar) / n          (rbar stays 0 without a baseline)
//   H(arm) += alpha * (r - rbar) * (1 - pi(arm));  H(b) -= alpha * (r - rbar) * pi(b) for b != arm
//
// Evaluation pulls the arm of highest preference. The loop, regret and saving
// are shared: agents/lib/bandit.ts.
import { argmax, softmaxAction, softmaxProbs } from './lib/exploration.js';
import type { BanditPolicy } from './lib/bandit.js';
import { registerBanditAgent } from './lib/bandit.js';
import type { Resolved } from './lib/hparams.js';
import { bool, num } from './lib/hparams.js';

export const hyperparameters = {
  alpha: num(0.1, 'step size of the preference update', { min: 0, exclusiveMin: true }),
  baseline: bool(true, 'subtract the average reward so far from each reward (the baseline) in the update'),
};

export function gradientBanditPolicy(hp: Resolved<typeof hyperparameters>, arms: number): BanditPolicy {
  const preferences = new Float64Array(arms);
  // [pulls, average reward]: the baseline's state, saved with the preferences.
  const baseline = new Float64Array(2);
  const pi = new Float64Array(arms);
  return {
    tables: { preferences, baseline },
    select: (rng) => softmaxAction(preferences, 1, rng),
    update: (arm, reward) => {
      if (hp.baseline) {
        baseline[0]! += 1;
        baseline[1]! += (reward - baseline[1]!) / baseline[0]!;
      }
      softmaxProbs(preferences, 1, pi);
      const advantage = reward - baseline[1]!;
      for (let a = 0; a < arms; a++) preferences[a]! += hp.alpha * advantage * ((a === arm ? 1 : 0) - pi[a]!);
    },
    greedy: () => argmax(preferences),
    values: () => preferences,
    probs: (_step, out) => softmaxProbs(preferences, 1, out),
  };
}

registerBanditAgent('bandit-gradient', 'gradient bandit (Sutton & Barto 2.8): softmax over learned preferences, with or without the average-reward baseline', hyperparameters, gradientBanditPolicy);
