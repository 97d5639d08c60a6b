// Tabular n-step SARSA (Sutton & Barto 7.2): the target sums n rewards and
// then bootstraps from Q n steps later, between one-step SARSA (n = 1) and
// Monte Carlo (n >= the episode length). Updates lag n - 1 steps behind the
// action they are about; at an episode end the last n - 1 are made at once.
//
//   G = r(tau+1) + gamma r(tau+2) + ... + gamma^(h-tau-1) r(h) [+ gamma^(h-tau) Q(s_h, a_h)]
//       with h = min(tau + n, T); the bracket unless h = T and s_T is terminal
//   Q(s_tau, a_tau) += alpha * (G - Q(s_tau, a_tau))
//
// On truncation (a time limit), and when a learn call stops inside an
// episode, the pending updates bootstrap from Q(s_T, a_T), a_T being the
// exploration policy's next action. The loop is shared: agents/lib/tabular-td.ts.
import type { LearnerFactory } from './lib/tabular-td.js';
import { registerTabularAgent, tabularTdHyperparameters } from './lib/tabular-td.js';
import { int } from './lib/hparams.js';

export const hyperparameters = {
  ...tabularTdHyperparameters('exploration policy, which n-step SARSA also evaluates'),
  n: int(4, 'steps of reward in each target before it bootstraps (1: one-step SARSA)', { min: 1 }),
};

export const nStepSarsaLearner: LearnerFactory = (hp, ctx) => {
  const { Q, nA, alpha, gamma } = ctx;
  const n = hp['n'] as number;
  // Ring buffers over the last n + 1 steps: S_t, A_t at t % m, R_t at t % m.
  const m = n + 1;
  const S = new Int32Array(m);
  const A = new Int32Array(m);
  const R = new Float64Array(m);
  let t = 0; // transitions seen in this episode
  let next = 0; // the first time step not updated yet
  let lastTerminated = false;

  /** Updates Q(S_tau, A_tau) toward the rewards up to h and, unless h ends at a terminal state, Q(S_h, A_h). */
  const update = (tau: number, h: number, bootstrap: boolean): number => {
    let G = 0;
    let discount = 1;
    for (let k = tau + 1; k <= h; k++) {
      G += discount * R[k % m]!;
      discount *= gamma;
    }
    if (bootstrap) G += discount * Q[S[h % m]! * nA + A[h % m]!]!;
    const i = S[tau % m]! * nA + A[tau % m]!;
    const error = G - Q[i]!;
    Q[i]! += alpha * error;
    return Math.abs(error);
  };

  return {
    usesNextAction: true,
    observe(tr) {
      if (t === 0) {
        S[0] = tr.s;
        A[0] = tr.a;
      }
      t += 1;
      R[t % m] = tr.reward;
      S[t % m] = tr.s2;
      A[t % m] = tr.a2;
      lastTerminated = tr.terminated;
      // tau = t - n: its n rewards are in, and s_t, a_t are known (the episode goes on, or is cut and bootstraps).
      if (t - n >= 0 && !tr.terminated && !tr.truncated) return update(next++, t, true);
      return 0;
    },
    endEpisode() {
      // Every pending tau: rewards up to T = t, bootstrapping from (s_T, a_T) unless s_T is terminal.
      let errors = 0;
      while (next < t) errors += update(next++, t, !lastTerminated);
      t = 0;
      next = 0;
      lastTerminated = false;
      return errors;
    },
  };
};

registerTabularAgent('n-step-sarsa', 'tabular n-step SARSA (Sutton & Barto 7.2): n rewards, then bootstrap', hyperparameters, nStepSarsaLearner);
