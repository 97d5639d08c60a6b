// The 10-armed testbed (Sutton & Barto, section 2.3) with 200 runs instead of
// the book's 2000, through createAgent and Bandit-v0: the published orderings
// hold with margins measured on these runs. Every comparison is paired (run i
// of each algorithm faces task i), and asks for the mean paired difference to
// exceed 3 of its standard errors, so an ordering that these 200 tasks show
// only by chance fails. `npm run bench:bandits` runs the full 2000 x 1000.
import { describe, expect, it } from 'vitest';
import type { TestbedResult } from '../../bench/testbed.js';
import { BOOK_CASES, meanAndError, paired, runTestbed, windowMean } from '../../bench/testbed.js';

const RUNS = 200;
const STEPS = 1000;
/** "After the first steps": per-run averages over pulls 100..999. */
const FROM = 100;

function expectAbove(a: Float64Array, b: Float64Array, what: string): void {
  const d = meanAndError(paired(a, b));
  expect(d.mean, `${what}: paired difference ${d.mean.toFixed(4)} (se ${d.se.toFixed(4)})`).toBeGreaterThan(3 * d.se);
}

describe('10-armed testbed, 200 runs x 1000 pulls', () => {
  it('reproduces the book: UCB above epsilon-greedy, epsilon 0.1 near 1.35-1.4, greedy worst; Thompson below UCB in regret on Bernoulli arms', async () => {
    const results = new Map<string, TestbedResult>();
    for (const c of BOOK_CASES) results.set(c.label, await runTestbed(c, { runs: RUNS, steps: STEPS, perRunFrom: FROM }));
    const [greedy, eps001, eps01, ucb, gradient] = BOOK_CASES.map((c) => results.get(c.label)!);

    // Figure 2.4: UCB's average reward is above epsilon-greedy's after the first steps.
    expectAbove(ucb!.perRun.meanReward, eps01!.perRun.meanReward, 'UCB vs epsilon 0.1, reward');
    expectAbove(ucb!.perRun.meanReward, eps001!.perRun.meanReward, 'UCB vs epsilon 0.01, reward');
    // Figure 2.2: epsilon 0.1 above 0.01 above greedy in % optimal action, and 0.01 above greedy
    // in reward. (0.1 over 0.01 in reward is a small gap, 0.07 with se 0.033 at 100 runs: about
    // 3 se at 200 runs, too close to the bar to assert here; bench:bandits shows it at 2000.)
    expectAbove(eps001!.perRun.meanReward, greedy!.perRun.meanReward, 'epsilon 0.01 vs greedy, reward');
    expectAbove(eps01!.perRun.optimalShare, eps001!.perRun.optimalShare, 'epsilon 0.1 vs 0.01, % optimal');
    expectAbove(eps001!.perRun.optimalShare, greedy!.perRun.optimalShare, 'epsilon 0.01 vs greedy, % optimal');
    // The gradient bandit with a baseline learns: above greedy in % optimal action.
    expectAbove(gradient!.perRun.optimalShare, greedy!.perRun.optimalShare, 'gradient vs greedy, % optimal');

    // Epsilon 0.1 averages about 1.35-1.4 per pull near step 1000 in the book. Over pulls
    // 900-999 of 200 runs the standard error is about 0.045 (measured below, dominated by
    // the spread of the tasks' best means), so 3 se around the band: [1.22, 1.53].
    const late = windowMean(eps01!.averageReward, 900, 1000);
    const { mean: lateMean, se } = meanAndError(eps01!.perRun.lastReward);
    expect(lateMean).toBeCloseTo(late, 10);
    expect(se).toBeLessThan(0.06);
    expect(late).toBeGreaterThan(1.35 - 3 * se);
    expect(late).toBeLessThan(1.4 + 3 * se);
    // % optimal action of epsilon 0.1 by the end: the book shows about 80%.
    expect(windowMean(eps01!.optimalShare, 900, 1000)).toBeGreaterThan(0.7);

    // Bernoulli arms (q* ~ U(0, 1)): Thompson sampling's cumulative regret is below UCB1's (c = sqrt 2, Auer et al.).
    const bernoulli = { env: 'BanditBernoulli-v0', runs: RUNS, steps: STEPS };
    const ts = await runTestbed({ label: 'Thompson', agent: 'bandit-thompson' }, bernoulli);
    const ucb1 = await runTestbed({ label: 'UCB1', agent: 'bandit-ucb', hyperparameters: { c: Math.SQRT2 } }, bernoulli);
    expectAbove(ucb1.perRun.regret, ts.perRun.regret, 'UCB1 regret vs Thompson regret');
  }, 120_000);

  it("drifting arms (exercise 2.5, BanditDrifting-v0, 50 runs x 10000 pulls): a constant step size tracks them, sample averages fall behind", async () => {
    // Measured at 100 runs: % optimal over pulls 5001-10000 is 72.6% (alpha 0.1) against 42.5%
    // (sample averages), paired difference 0.30, se 0.027; at 50 runs the se is about 0.04.
    const options = { env: 'BanditDrifting-v0', runs: 50, steps: 10_000, perRunFrom: 5000 };
    const averages = await runTestbed({ label: 'sample averages', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.1 } }, options);
    const constant = await runTestbed({ label: 'alpha 0.1', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.1, estimate: 'constant', alpha: 0.1 } }, options);
    expectAbove(constant.perRun.optimalShare, averages.perRun.optimalShare, 'constant step vs sample averages, % optimal');
    expectAbove(constant.perRun.meanReward, averages.perRun.meanReward, 'constant step vs sample averages, reward');
  }, 120_000);
});
