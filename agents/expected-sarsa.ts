// Tabular Expected SARSA (van Seijen et al. 2009; Sutton & Barto section 6.6):
// like SARSA, but the target averages Q(s', .) over the exploration policy's
// probabilities instead of using the one action it happens to draw, which
// removes that draw's variance from the update. With a greedy policy it is
// Q-learning; with the exploring policy it learns that policy's values.
//
//   Q(s, a) <- Q(s, a) + alpha * (r + gamma * sum_a' pi(a' | s') Q(s', a') - Q(s, a))
//
// with the target r alone when s' is terminal; on truncation it bootstraps.
// The loop is shared: agents/lib/tabular-td.ts.
import type { TdStep } from './lib/tabular-td.js';
import { registerTabularTdAgent, tabularTdHyperparameters } from './lib/tabular-td.js';

// Hyperparameters: learningRate, gamma, exploration (epsilon-greedy with a
// constant, linear or exponential epsilon schedule; softmax; UCB; Thompson), initialQ;
// `arena agents expected-sarsa` prints them with defaults and ranges.
export const hyperparameters = tabularTdHyperparameters('exploration policy, whose expectation the target takes');

/** r + gamma * sum_a' pi(a' | s') Q(s', a'), or r when s' is terminal. */
export function expectedSarsaTarget(step: TdStep, gamma: number): number {
  if (step.terminated) return step.reward;
  const pi = step.nextProbs();
  let expected = 0;
  for (let a = 0; a < pi.length; a++) expected += pi[a]! * step.nextQ[a]!;
  return step.reward + gamma * expected;
}

registerTabularTdAgent('expected-sarsa', 'tabular Expected SARSA (Sutton & Barto 6.6) on Discrete observations', hyperparameters, {
  usesNextAction: false,
  target: expectedSarsaTarget,
});
