// UCB1 for the k-armed bandit (Auer, Cesa-Bianchi & Fischer 2002; Sutton &
// Barto 2.7): pull every arm once, then the arm whose estimate plus an
// uncertainty bonus is largest; the bonus shrinks as an arm is pulled and
// grows slowly (logarithmically) while it is not.
//
//   arm = argmax_a Q(a) + c * sqrt(ln t / N(a))   (t: pulls so far; ties at random)
//   N(arm) += 1;  Q(arm) += step * (r - Q(arm)),  step = 1 / N(arm) or alpha
//
// UCB1 proper is c = sqrt(2) with rewards in [0, 1]; Sutton & Barto's testbed
// uses c = 2. The loop, regret and saving are shared: agents/lib/bandit.ts.
import { argmax, ucbAction, ucbProbs } from './lib/exploration.js';
import type { BanditPolicy } from './lib/bandit.js';
import { estimateHyperparameters, registerBanditAgent, ValueEstimates } from './lib/bandit.js';
import type { Resolved } from './lib/hparams.js';
import { num } from './lib/hparams.js';

export const hyperparameters = {
  c: num(2, 'weight of the exploration bonus c * sqrt(ln t / N(a)); 0 is greedy after one pull of each arm', { min: 0 }),
  ...estimateHyperparameters(),
};

export function ucbPolicy(hp: Resolved<typeof hyperparameters>, arms: number): BanditPolicy {
  const values = new ValueEstimates(arms, hp);
  return {
    tables: { q: values.q, n: values.n },
    select: (rng) => ucbAction(values.q, values.n, hp.c, rng),
    update: (arm, reward) => values.update(arm, reward),
    greedy: () => argmax(values.q),
    values: () => values.q,
    probs: (_step, out) => ucbProbs(values.q, values.n, hp.c, out),
  };
}

registerBanditAgent('bandit-ucb', 'UCB1 for k-armed bandits (Auer et al. 2002; Sutton & Barto 2.7): estimate plus c * sqrt(ln t / N(a))', hyperparameters, ucbPolicy);
