// Epsilon-greedy action-value methods for the k-armed bandit (Sutton & Barto
// 2.2-2.6): estimate each arm's value from its rewards, pull the best estimate,
// and with probability epsilon a uniformly random arm instead. Registered
// twice: `bandit-epsilon-greedy` (epsilon 0.1, sample averages) and
// `bandit-optimistic` (optimistic initial values, section 2.6: Q1 = 5, greedy,
// constant step 0.1, so every arm disappoints until each has been tried).
//
//   arm = random arm with probability epsilon, else argmax_a Q(a) (ties at random)
//   N(arm) += 1;  Q(arm) += step * (r - Q(arm)),  step = 1 / N(arm) or alpha
//
// epsilon may decay with the pull count (linear or exponential schedule). The
// loop, regret and saving are shared: agents/lib/bandit.ts.
import { argmax, epsilonGreedyAction, epsilonGreedyProbs } from './lib/exploration.js';
import type { BanditPolicy } from './lib/bandit.js';
import { estimateHyperparameters, registerBanditAgent, ValueEstimates } from './lib/bandit.js';
import type { Resolved } from './lib/hparams.js';
import { epsilonHyperparameters, epsilonSchedule } from './lib/tabular-td.js';

export const hyperparameters = {
  ...epsilonHyperparameters({ epsilonDecaySteps: 1000 }),
  ...estimateHyperparameters(),
};

/** Optimistic initial values: greedy on estimates that start at 5 and move by a constant 0.1. */
export const optimisticHyperparameters = {
  ...epsilonHyperparameters({ epsilon: 0, epsilonDecaySteps: 1000 }),
  ...estimateHyperparameters({ estimate: 'constant', initialValue: 5 }),
};

export function epsilonGreedyPolicy(hp: Resolved<typeof hyperparameters>, arms: number, algorithm: string): BanditPolicy {
  const values = new ValueEstimates(arms, hp);
  const epsilonAt = epsilonSchedule(algorithm, hp);
  return {
    tables: { q: values.q, n: values.n },
    select: (rng, step) => epsilonGreedyAction(values.q, epsilonAt(step), rng),
    update: (arm, reward) => values.update(arm, reward),
    greedy: () => argmax(values.q),
    values: () => values.q,
    probs: (step, out) => epsilonGreedyProbs(values.q, epsilonAt(step), out),
  };
}

registerBanditAgent('bandit-epsilon-greedy', 'epsilon-greedy action values for k-armed bandits (Sutton & Barto 2.2-2.5): sample averages or a constant step size', hyperparameters, epsilonGreedyPolicy);
registerBanditAgent('bandit-optimistic', 'greedy action values with optimistic initial values (Sutton & Barto 2.6): Q1 = 5, constant step 0.1', optimisticHyperparameters, epsilonGreedyPolicy);
