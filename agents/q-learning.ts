// Tabular Q-learning (Watkins 1989; Sutton & Barto section 6.5): off-policy TD
// control. The agent explores with epsilon-greedy, softmax, UCB or Thompson sampling, but its
// target is the greedy value of the next state, so Q approaches the optimal
// action values whatever the exploration (on CliffWalking it learns the
// shortest path along the cliff edge, and falls off it while exploring).
//
//   Q(s, a) <- Q(s, a) + alpha * (r + gamma * max_a' Q(s', a') - Q(s, a))
//
// with the target r alone when s' is terminal; a time limit (truncation) is
// not terminal, so the target bootstraps there. The loop (acting, episodes,
// hooks, saving) is shared with SARSA and Expected SARSA: agents/lib/tabular-td.ts.
import type { TdStep } from './lib/tabular-td.js';
import { registerTabularTdAgent, tabularTdHyperparameters } from './lib/tabular-td.js';

// Hyperparameters: learningRate, gamma, exploration (epsilon-greedy with a
// constant, linear or exponential epsilon schedule; softmax; UCB; Thompson), initialQ;
// `arena agents q-learning` prints them with defaults and ranges.
export const hyperparameters = tabularTdHyperparameters('exploration policy while learning');

/** r + gamma * max_a' Q(s', a'), or r when s' is terminal. */
export function qLearningTarget(step: TdStep, gamma: number): number {
  if (step.terminated) return step.reward;
  let best = -Infinity;
  for (const q of step.nextQ) best = Math.max(best, q);
  return step.reward + gamma * best;
}

registerTabularTdAgent('q-learning', 'tabular Q-learning (off-policy TD control, Sutton & Barto 6.5) on Discrete observations', hyperparameters, {
  usesNextAction: false,
  target: qLearningTarget,
});
