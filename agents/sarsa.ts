// Tabular SARSA (Rummery & Niranjan 1994; Sutton & Barto section 6.4):
// on-policy TD control. Its target uses the action a' the exploration policy
// actually picks at s', so Q estimates the values of the exploring policy
// itself: on CliffWalking with epsilon = 0.1 it learns the safe path away from
// the edge, because random steps near the cliff are costly under that policy.
//
//   Q(s, a) <- Q(s, a) + alpha * (r + gamma * Q(s', a') - Q(s, a))
//
// with the target r alone when s' is terminal. On a truncation (time limit)
// s' is not terminal: the loop still draws a' at s' (it is never taken) and
// bootstraps from Q(s', a'). The loop is shared: agents/lib/tabular-td.ts.
import type { TdStep } from './lib/tabular-td.js';
import { registerTabularTdAgent, tabularTdHyperparameters } from './lib/tabular-td.js';

// Hyperparameters: learningRate, gamma, exploration (epsilon-greedy with a
// constant, linear or exponential epsilon schedule; softmax; UCB; Thompson), initialQ;
// `arena agents sarsa` prints them with defaults and ranges.
export const hyperparameters = tabularTdHyperparameters('exploration policy, which SARSA also evaluates');

/** r + gamma * Q(s', a') with a' the exploration policy's next action, or r when s' is terminal. */
export function sarsaTarget(step: TdStep, gamma: number): number {
  if (step.terminated) return step.reward;
  return step.reward + gamma * step.nextQ[step.nextAction]!;
}

registerTabularTdAgent('sarsa', 'tabular SARSA (on-policy TD control, Sutton & Barto 6.4) on Discrete observations', hyperparameters, {
  usesNextAction: true,
  target: sarsaTarget,
});
