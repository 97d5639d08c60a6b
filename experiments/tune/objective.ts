// A trial's objective at a rung: each seed run's evaluations up to the step
// it reached, reduced to one number per seed (eval: the latest evaluation's
// mean return; auc: the evaluation curve's average height, stats.ts's auc;
// steps-to-threshold: the step of the first evaluation whose mean reaches the
// threshold, or, never reached, the steps run plus one evaluation interval),
// then aggregated over the seeds (IQM, mean or median). The loss samplers and
// pruners minimize is the objective, negated when it is maximized.
import { join } from 'node:path';
import { auc, iqm, mean, median } from '../stats.js';
import { EVAL_FILE, readJsonl } from '../store.js';
import type { EvalLine, PlannedRun } from '../types.js';
import type { ObjectiveConfig } from './config.js';

/** One seed's value from its evaluations (ascending steps) up to `step`. */
export function seedValue(objective: ObjectiveConfig, evals: readonly Pick<EvalLine, 'step' | 'mean'>[], step: number, evalEvery: number): number {
  const lines = evals.filter((l) => l.step <= step);
  if (lines.length === 0) return Number.NaN;
  if (objective.metric === 'eval') return lines.at(-1)!.mean;
  if (objective.metric === 'auc') return auc(lines.map((l) => l.step), lines.map((l) => l.mean));
  const reached = lines.find((l) => l.mean >= objective.threshold!);
  return reached ? reached.step : step + evalEvery;
}

export function aggregate(kind: ObjectiveConfig['aggregate'], values: readonly number[]): number {
  return kind === 'iqm' ? iqm(values) : kind === 'median' ? median(values) : mean(values);
}

/** The objective of a trial's runs, each at the step it reached (NaN when a run has no evaluation). */
export async function trialObjective(objective: ObjectiveConfig, runs: readonly { run: PlannedRun; step: number }[]): Promise<number> {
  const values: number[] = [];
  for (const { run, step } of runs) {
    const { lines } = await readJsonl<EvalLine>(join(run.dir, EVAL_FILE));
    values.push(seedValue(objective, lines, step, run.spec.eval.every));
  }
  return values.some((v) => Number.isNaN(v)) ? Number.NaN : aggregate(objective.aggregate, values);
}

/** The loss of an objective value: lower is better; NaN (no value) counts as the worst. */
export function lossOf(objective: ObjectiveConfig, value: number | null): number {
  if (value === null || Number.isNaN(value)) return Infinity;
  return objective.direction === 'maximize' ? -value : value;
}
