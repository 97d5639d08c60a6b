// On-policy Monte Carlo control with an epsilon-soft policy (Sutton & Barto
// 5.3-5.4): play a whole episode with the exploration policy, then move each
// Q(s, a) toward the return that followed it. First-visit MC uses only the
// first time a pair occurs in the episode; every-visit MC uses every
// occurrence. Nothing bootstraps, so the estimates are unbiased returns of the
// exploring policy, at the price of variance and of waiting for the episode end.
//
//   after the episode: G = 0; for t = T-1 down to 0: G = gamma G + r(t+1)
//     first-visit: skip t unless it is the first occurrence of (s_t, a_t)
//     N(s_t, a_t) += 1;  Q(s_t, a_t) += step * (G - Q(s_t, a_t)),
//     step = 1 / N(s_t, a_t) (sample average) or learningRate
//
// A truncated episode (time limit) starts G at the exploring policy's expected
// value at the state it stopped in, sum_a pi(a | s_T) Q(s_T, a), instead of 0:
// s_T is not terminal. An episode that a learn call stops inside is dropped
// (it has no return). The loop is shared: agents/lib/tabular-td.ts.
import type { LearnerFactory } from './lib/tabular-td.js';
import { registerTabularAgent, tabularTdHyperparameters } from './lib/tabular-td.js';
import { bool, choice } from './lib/hparams.js';

export const hyperparameters = {
  ...tabularTdHyperparameters('exploration policy (epsilon-soft), which Monte Carlo control evaluates and improves'),
  visits: choice('first', ['first', 'every'] as const, 'which occurrences of (s, a) in an episode update it: the first only, or every one'),
  sampleAverage: bool(true, 'step 1 / N(s, a), the average of the returns seen (Sutton & Barto 5.4); false: the constant learningRate'),
};

export const monteCarloLearner: LearnerFactory = (hp, ctx) => {
  const { Q, nA, alpha, gamma } = ctx;
  const firstVisit = hp['visits'] === 'first';
  const sampleAverage = hp['sampleAverage'] as boolean;
  /** N(s, a): returns averaged into Q(s, a) so far. */
  const returnCounts = new Float64Array(Q.length);
  /** The earliest time of each pair in the episode (-1: not seen), reset after each episode. */
  const firstTime = new Int32Array(Q.length).fill(-1);
  const pairs: number[] = [];
  const rewards: number[] = [];
  let lastState = 0;
  let lastTerminated = false;

  const forget = (): void => {
    for (const i of pairs) firstTime[i] = -1;
    pairs.length = 0;
    rewards.length = 0;
  };

  return {
    usesNextAction: false,
    tables: { returnCounts },
    observe(t) {
      const i = t.s * nA + t.a;
      if (firstTime[i] === -1) firstTime[i] = pairs.length;
      pairs.push(i);
      rewards.push(t.reward);
      lastState = t.s2;
      lastTerminated = t.terminated;
      return 0;
    },
    endEpisode(cut) {
      if (cut) {
        forget();
        return 0;
      }
      let G = 0;
      if (!lastTerminated) {
        const pi = ctx.probs(lastState);
        for (let b = 0; b < nA; b++) G += pi[b]! * Q[lastState * nA + b]!;
      }
      let errors = 0;
      for (let k = pairs.length - 1; k >= 0; k--) {
        G = gamma * G + rewards[k]!;
        const i = pairs[k]!;
        if (firstVisit && firstTime[i] !== k) continue;
        returnCounts[i]! += 1;
        const error = G - Q[i]!;
        Q[i]! += (sampleAverage ? 1 / returnCounts[i]! : alpha) * error;
        errors += Math.abs(error);
      }
      forget();
      return errors;
    },
  };
};

registerTabularAgent('monte-carlo', 'on-policy first-visit or every-visit Monte Carlo control with an epsilon-soft policy (Sutton & Barto 5.4)', hyperparameters, monteCarloLearner);
