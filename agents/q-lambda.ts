// Watkins's Q(lambda) (Watkins 1989; Sutton & Barto 12.10, the first
// edition's figure 7.14): Q-learning with eligibility traces. The target is
// the greedy value of s', so the traces may carry a TD error back only along
// greedy actions: after an exploratory action (a' not among the maxima of
// Q(s', .)) every trace is cut to 0.
//
//   delta = r + gamma * max_b Q(s', b) - Q(s, a)     (r - Q(s, a) when s' is terminal)
//   e(s, a) += 1 (accumulating) or = 1 (replacing)
//   Q += alpha * delta * e
//   e *= gamma * lambda if a' is greedy at s', else e = 0; cleared at episode ends
//
// The loop, exploration and saving are shared: agents/lib/tabular-td.ts; the
// trace update with SARSA(lambda): agents/sarsa-lambda.ts.
import { registerTabularAgent, tabularTdHyperparameters } from './lib/tabular-td.js';
import { traceHyperparameters, traceLearner } from './sarsa-lambda.js';

export const hyperparameters = {
  ...tabularTdHyperparameters('exploration policy while learning (traces are cut after its non-greedy actions)'),
  ...traceHyperparameters('trace decay lambda: 0 is one-step Q-learning'),
};

registerTabularAgent('q-lambda', "Watkins's Q(lambda): Q-learning with eligibility traces, cut after exploratory actions (Sutton & Barto 12.10)", hyperparameters, traceLearner(true));
