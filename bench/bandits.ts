// The bandit benchmark: Sutton & Barto's 10-armed testbed (2000 runs x 1000
// pulls, Gaussian arms N(q*, 1), q* ~ N(0, 1)) for greedy, epsilon 0.01 and
// 0.1, UCB c = 2 and the gradient bandit, plus Thompson sampling against UCB1
// on Bernoulli arms (q* ~ U(0, 1)). Prints each case's numbers with standard
// errors over runs and the paired differences the book's figures show, and
// writes the curves (average reward, % optimal action, Bernoulli cumulative
// regret) as bandit-testbed.svg / .png; and, on drifting arms (exercise 2.5),
// sample averages against a constant step size.
//
//   npm run bench:bandits                                   # 2000 runs, figure in runs/bench-bandits/
//   npm run bench:bandits -- --runs 200 --out /tmp/bandits --seed 1
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_STYLE, renderFigure } from '../experiments/figure.js';
import { benchFlags } from './args.js';
import type { TestbedCase, TestbedResult } from './testbed.js';
import { BOOK_CASES, meanAndError, paired, runTestbed, windowMean } from './testbed.js';

const flags = benchFlags('bench:bandits', {
  runs: { value: 'N', help: 'independent runs per case (default 2000)' },
  steps: { value: 'N', help: 'pulls per run (default 1000)' },
  seed: { value: 'S', help: 'the seed of run 0 (default 0)' },
  out: { value: 'DIR', help: 'where the figures go (default runs/bench-bandits)' },
});
const runs = flags.int('runs', 2000);
const steps = flags.int('steps', 1000);
const seed = flags.int('seed', 0, 0);
const out = flags.string('out') ?? 'runs/bench-bandits';
const from = Math.min(100, steps - 1);

const fmt = (x: number, digits = 3) => x.toFixed(digits);
const started = performance.now();

console.log(`10-armed testbed: ${runs} runs x ${steps} pulls, seed ${seed}; per-run averages over pulls ${from + 1}-${steps}; last 100: pulls ${Math.max(0, steps - 100) + 1}-${steps}`);
console.log('case                            avg reward (last 100)   % optimal (last 100)   avg reward (from 101) [se]   regret at end [se]');
const gaussian = new Map<string, TestbedResult>();
for (const c of BOOK_CASES) {
  const r = await runTestbed(c, { runs, steps, seed, perRunFrom: from });
  gaussian.set(c.label, r);
  const reward = meanAndError(r.perRun.meanReward);
  const regret = meanAndError(r.perRun.regret);
  console.log(
    `${c.label.padEnd(32)}${fmt(windowMean(r.averageReward, steps - 100, steps)).padStart(21)}${(fmt(100 * windowMean(r.optimalShare, steps - 100, steps), 1) + '%').padStart(23)}` +
      `${`${fmt(reward.mean)} [${fmt(reward.se)}]`.padStart(29)}${`${fmt(regret.mean, 1)} [${fmt(regret.se, 1)}]`.padStart(21)}`,
  );
}

const bernoulliCases: TestbedCase[] = [
  { label: 'Thompson (Beta-Bernoulli)', agent: 'bandit-thompson' },
  { label: 'UCB1 (c = sqrt 2)', agent: 'bandit-ucb', hyperparameters: { c: Math.SQRT2 } },
  { label: 'epsilon 0.1', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.1 } },
];
console.log(`\nBernoulli arms (BanditBernoulli-v0, q* ~ U(0, 1)), ${runs} runs x ${steps} pulls: cumulative pseudo-regret at the end [se]`);
const bernoulli = new Map<string, TestbedResult>();
for (const c of bernoulliCases) {
  const r = await runTestbed(c, { env: 'BanditBernoulli-v0', runs, steps, seed, perRunFrom: from });
  bernoulli.set(c.label, r);
  const regret = meanAndError(r.perRun.regret);
  console.log(`${c.label.padEnd(32)}${fmt(regret.mean, 1)} [${fmt(regret.se, 1)}]   % optimal (last 100) ${fmt(100 * windowMean(r.optimalShare, steps - 100, steps), 1)}%`);
}

// Exercise 2.5: drifting arms, sample averages against a constant step size (200 runs x 10000 pulls).
const driftRuns = Math.min(runs, 200);
const drift = { env: 'BanditDrifting-v0', runs: driftRuns, steps: 10_000, seed, perRunFrom: 5000 };
const driftAverages = await runTestbed({ label: 'sample averages', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.1 } }, drift);
const driftConstant = await runTestbed({ label: 'alpha 0.1', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.1, estimate: 'constant', alpha: 0.1 } }, drift);
console.log(`\nDrifting arms (BanditDrifting-v0, exercise 2.5), epsilon 0.1, ${driftRuns} runs x 10000 pulls, over pulls 5001-10000: avg reward [se], % optimal [se]`);
for (const r of [driftAverages, driftConstant]) {
  const reward = meanAndError(r.perRun.meanReward);
  const optimal = meanAndError(r.perRun.optimalShare);
  console.log(`${r.label.padEnd(32)}${fmt(reward.mean)} [${fmt(reward.se)}]   ${fmt(100 * optimal.mean, 1)}% [${fmt(100 * optimal.se, 1)}]`);
}

console.log('\npaired differences (same tasks), mean [se] and t = mean / se:');
const show = (what: string, a: Float64Array, b: Float64Array) => {
  const d = meanAndError(paired(a, b));
  console.log(`  ${what.padEnd(58)} ${fmt(d.mean, 3)} [${fmt(d.se, 3)}]  t = ${fmt(d.mean / d.se, 1)}`);
};
const g = (label: string) => gaussian.get(label)!.perRun;
show('UCB c=2 - epsilon 0.1, reward from pull 101', g('UCB c = 2').meanReward, g('epsilon 0.1').meanReward);
show('UCB c=2 - epsilon 0.01, reward from pull 101', g('UCB c = 2').meanReward, g('epsilon 0.01').meanReward);
show('epsilon 0.1 - epsilon 0.01, reward from pull 101', g('epsilon 0.1').meanReward, g('epsilon 0.01').meanReward);
show('epsilon 0.01 - greedy, reward from pull 101', g('epsilon 0.01').meanReward, g('greedy (epsilon 0)').meanReward);
show('epsilon 0.1 - epsilon 0.01, % optimal from pull 101', g('epsilon 0.1').optimalShare, g('epsilon 0.01').optimalShare);
show('epsilon 0.01 - greedy, % optimal from pull 101', g('epsilon 0.01').optimalShare, g('greedy (epsilon 0)').optimalShare);
show('gradient - greedy, % optimal from pull 101', g('gradient alpha 0.1, baseline').optimalShare, g('greedy (epsilon 0)').optimalShare);
const b = (label: string) => bernoulli.get(label)!.perRun;
show('Bernoulli: UCB1 regret - Thompson regret', b('UCB1 (c = sqrt 2)').regret, b('Thompson (Beta-Bernoulli)').regret);
show('drifting: alpha 0.1 - sample averages, % optimal from pull 5001', driftConstant.perRun.optimalShare, driftAverages.perRun.optimalShare);

// The figure: one point every `stride` pulls keeps the SVG small.
const stride = Math.max(1, Math.floor(steps / 500));
const points: Record<string, unknown>[] = [];
for (const [label, r] of gaussian) {
  for (let t = 0; t < steps; t += stride) points.push({ panel: 'reward', case: label, step: t + 1, value: r.averageReward[t]! });
  for (let t = 0; t < steps; t += stride) points.push({ panel: 'optimal', case: label, step: t + 1, value: 100 * r.optimalShare[t]! });
}
for (const [label, r] of bernoulli) for (let t = 0; t < steps; t += stride) points.push({ panel: 'regret', case: label, step: t + 1, value: r.cumulativeRegret[t]! });
const panel = (name: string, title: string) => ({
  width: FIGURE_STYLE.width,
  height: 220,
  transform: [{ filter: `datum.panel === '${name}'` }],
  mark: { type: 'line' as const, strokeWidth: 1.5 },
  encoding: {
    x: { field: 'step', type: 'quantitative' as const, title: 'pulls', scale: { nice: false } },
    y: { field: 'value', type: 'quantitative' as const, title },
    color: { field: 'case', type: 'nominal' as const, legend: { orient: 'right' as const, title: null, labelLimit: 220 } },
  },
});
const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: `10-armed testbed, ${runs} runs; Bernoulli arms below`,
  config: FIGURE_STYLE.config,
  background: 'white',
  padding: 8,
  data: { values: points },
  vconcat: [panel('reward', 'average reward'), panel('optimal', '% optimal action'), panel('regret', 'cumulative regret (Bernoulli)')],
  resolve: { scale: { color: 'independent' } },
};
const figure = await renderFigure(spec);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'bandit-testbed.svg'), figure.svg);
writeFileSync(join(out, 'bandit-testbed.png'), figure.png);
console.log(`\nwrote ${join(out, 'bandit-testbed.svg')} and .png (${figure.width} x ${figure.height}); ${fmt((performance.now() - started) / 1000, 1)} s`);
