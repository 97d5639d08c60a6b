// Tabular Q-learning (Watkins 1989; Sutton & Barto section 6.5): off-policy TD
// control. The agent explores with epsilon-greedy, softmax or UCB, but its
// target is the greedy value of the next state, so Q approaches the optimal
// action values whatever the exploration (on CliffWalking it learns the
// shortest path along the cliff edge, and falls off it while exploring).
//
//   Q(s, a) <- Q(s, a) + alpha * (r + gamma * max_a' Q(s', a') - Q(s, a))
//
// with the target r alone when s' is terminal; a time limit (truncation) is
// not terminal, so the target bootstraps there. The loop (acting, episodes,
// hooks, saving) is shared with SARSA and Expected SARSA: agents/lib/tabular-td.ts.
import { EXPLORATION_KINDS } from './lib/exploration.js';
import { choice, int, num } from './lib/hparams.js';
import type { TdStep } from './lib/tabular-td.js';
import { EPSILON_SCHEDULES, registerTabularTdAgent } from './lib/tabular-td.js';

export const hyperparameters = {
  learningRate: num(0.1, 'step size alpha of the TD update', { min: 0, max: 1, exclusiveMin: true }),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  exploration: choice('epsilon-greedy', EXPLORATION_KINDS, 'exploration policy while learning'),
  epsilonSchedule: choice('constant', EPSILON_SCHEDULES, 'how epsilon moves from epsilon to epsilonEnd over epsilonDecaySteps steps'),
  epsilon: num(0.1, 'epsilon-greedy: probability of a random action (the start value when it decays)', { min: 0, max: 1 }),
  epsilonEnd: num(0.01, 'epsilon after epsilonDecaySteps steps (linear or exponential schedule)', { min: 0, max: 1 }),
  epsilonDecaySteps: int(100_000, 'env steps over which epsilon decays to epsilonEnd', { min: 1 }),
  temperature: num(1, 'softmax: Boltzmann temperature (higher is more uniform)', { min: 0, exclusiveMin: true }),
  ucbC: num(1, 'ucb: weight c of the bonus c * sqrt(ln N(s) / N(s, a))', { min: 0 }),
  initialQ: num(0, 'initial value of every Q(s, a) (above the true values: optimistic, which explores)'),
};

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
