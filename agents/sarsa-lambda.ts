// Tabular SARSA(lambda) (Rummery & Niranjan 1994; Sutton & Barto 12.7, its
// tabular form in the first edition's figure 7.11): SARSA whose TD error
// updates every recently visited pair at once, in proportion to its
// eligibility trace, so one reward reaches back along the whole path.
// lambda = 0 is one-step SARSA; lambda = 1 approaches Monte Carlo.
//
//   delta = r + gamma * Q(s', a') - Q(s, a)     (r - Q(s, a) when s' is terminal)
//   e(s, a) += 1 (accumulating) or = 1 (replacing)
//   Q += alpha * delta * e;   e *= gamma * lambda
//   traces cleared at every episode end
//
// On truncation (a time limit) delta bootstraps from Q(s', a'). The loop,
// exploration and saving are shared: agents/lib/tabular-td.ts; traces:
// agents/lib/traces.ts.
import type { LearnerFactory } from './lib/tabular-td.js';
import { registerTabularAgent, tabularTdHyperparameters } from './lib/tabular-td.js';
import { choice, num } from './lib/hparams.js';
import { EligibilityTraces, TRACE_KINDS } from './lib/traces.js';
import type { TraceKind } from './lib/traces.js';

/** lambda and the kind of trace, for SARSA(lambda) and Q(lambda). */
export function traceHyperparameters(lambdaDescription: string) {
  return {
    lambda: num(0.9, lambdaDescription, { min: 0, max: 1 }),
    traces: choice('accumulating', TRACE_KINDS, 'a visit adds 1 to its trace (accumulating) or sets it to 1 (replacing)'),
  };
}

export const hyperparameters = {
  ...tabularTdHyperparameters('exploration policy, which SARSA(lambda) also evaluates'),
  ...traceHyperparameters('trace decay lambda: 0 is one-step SARSA, 1 approaches Monte Carlo'),
};

/** The trace learner of SARSA(lambda) and, with `watkins`, of Watkins's Q(lambda) (agents/q-lambda.ts). */
export function traceLearner(watkins: boolean): LearnerFactory {
  return (hp, ctx) => {
    const { Q, nA, alpha, gamma } = ctx;
    const lambda = hp['lambda'] as number;
    const traces = new EligibilityTraces(Q.length, hp['traces'] as TraceKind);
    return {
      usesNextAction: true,
      observe(t) {
        const i = t.s * nA + t.a;
        let bootstrap = 0;
        let greedyNext = false;
        if (!t.terminated) {
          const row = t.s2 * nA;
          let best = Q[row]!;
          for (let b = 1; b < nA; b++) best = Math.max(best, Q[row + b]!);
          // Watkins: the target is the greedy value, and traces survive only while a' is greedy (ties count), judged before the update.
          greedyNext = Q[row + t.a2]! === best;
          bootstrap = gamma * (watkins ? best : Q[row + t.a2]!);
        }
        const delta = t.reward + bootstrap - Q[i]!;
        traces.visit(i);
        traces.apply(Q, alpha * delta);
        if (t.terminated || t.truncated || (watkins && !greedyNext)) traces.clear();
        else traces.decay(gamma * lambda);
        return Math.abs(delta);
      },
      endEpisode() {
        traces.clear();
        return 0;
      },
    };
  };
}

registerTabularAgent('sarsa-lambda', 'tabular SARSA(lambda) with accumulating or replacing eligibility traces (Sutton & Barto 12.7)', hyperparameters, traceLearner(false));
