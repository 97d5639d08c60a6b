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
import { EXPLORATION_KINDS } from './lib/exploration.js';
import { choice, int, num } from './lib/hparams.js';
import type { TdStep } from './lib/tabular-td.js';
import { EPSILON_SCHEDULES, registerTabularTdAgent } from './lib/tabular-td.js';

export const hyperparameters = {
  learningRate: num(0.1, 'step size alpha of the TD update', { min: 0, max: 1, exclusiveMin: true }),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  exploration: choice('epsilon-greedy', EXPLORATION_KINDS, 'exploration policy, whose expectation the target takes'),
  epsilonSchedule: choice('constant', EPSILON_SCHEDULES, 'how epsilon moves from epsilon to epsilonEnd over epsilonDecaySteps steps'),
  epsilon: num(0.1, 'epsilon-greedy: probability of a random action (the start value when it decays)', { min: 0, max: 1 }),
  epsilonEnd: num(0.01, 'epsilon after epsilonDecaySteps steps (linear or exponential schedule)', { min: 0, max: 1 }),
  epsilonDecaySteps: int(100_000, 'env steps over which epsilon decays to epsilonEnd', { min: 1 }),
  temperature: num(1, 'softmax: Boltzmann temperature (higher is more uniform)', { min: 0, exclusiveMin: true }),
  ucbC: num(1, 'ucb: weight c of the bonus c * sqrt(ln N(s) / N(s, a))', { min: 0 }),
  initialQ: num(0, 'initial value of every Q(s, a) (above the true values: optimistic, which explores)'),
};

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
