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
import { EXPLORATION_KINDS } from './lib/exploration.js';
import { choice, int, num } from './lib/hparams.js';
import type { TdStep } from './lib/tabular-td.js';
import { EPSILON_SCHEDULES, registerTabularTdAgent } from './lib/tabular-td.js';

export const hyperparameters = {
  learningRate: num(0.1, 'step size alpha of the TD update', { min: 0, max: 1, exclusiveMin: true }),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  exploration: choice('epsilon-greedy', EXPLORATION_KINDS, 'exploration policy, which SARSA also evaluates'),
  epsilonSchedule: choice('constant', EPSILON_SCHEDULES, 'how epsilon moves from epsilon to epsilonEnd over epsilonDecaySteps steps'),
  epsilon: num(0.1, 'epsilon-greedy: probability of a random action (the start value when it decays)', { min: 0, max: 1 }),
  epsilonEnd: num(0.01, 'epsilon after epsilonDecaySteps steps (linear or exponential schedule)', { min: 0, max: 1 }),
  epsilonDecaySteps: int(100_000, 'env steps over which epsilon decays to epsilonEnd', { min: 1 }),
  temperature: num(1, 'softmax: Boltzmann temperature (higher is more uniform)', { min: 0, exclusiveMin: true }),
  ucbC: num(1, 'ucb: weight c of the bonus c * sqrt(ln N(s) / N(s, a))', { min: 0 }),
  initialQ: num(0, 'initial value of every Q(s, a) (above the true values: optimistic, which explores)'),
};

/** r + gamma * Q(s', a') with a' the exploration policy's next action, or r when s' is terminal. */
export function sarsaTarget(step: TdStep, gamma: number): number {
  if (step.terminated) return step.reward;
  return step.reward + gamma * step.nextQ[step.nextAction]!;
}

registerTabularTdAgent('sarsa', 'tabular SARSA (on-policy TD control, Sutton & Barto 6.4) on Discrete observations', hyperparameters, {
  usesNextAction: true,
  target: sarsaTarget,
});
