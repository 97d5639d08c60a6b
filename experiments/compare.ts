// `arena compare`: groups loaded runs (load-runs.ts) by variant and
// summarizes each variant across its seeds: final evaluation return (mean,
// bootstrap interval, IQM), area under the evaluation curve, steps and wall
// time to a return threshold, throughput, and a mean learning curve with a
// confidence band on a common grid for the figure (figure.ts). The text, CSV
// and JSON forms of a comparison are in comparison-format.ts.
import { Rng } from '../core/rng.js';
import type { RunStatus } from './types.js';
import { alignCurves, auc, bootstrapBand, bootstrapCI, iqm, mean, median, smooth } from './stats.js';
import type { LoadedRun } from './load-runs.js';
import { banditTotals } from './load-runs.js';

export type CompareX = 'steps' | 'time';

export interface CompareOptions {
  /** Return that counts as solved; default: each run's spec.threshold. */
  readonly threshold?: number;
  /** The x axis of curves and AUC: environment steps, or training wall seconds. */
  readonly x: CompareX;
  /** Centered moving-average window, in evaluations, applied to each seed's curve for the figure only (1: none). */
  readonly smoothing?: number;
  /** Seed of the bootstrap resampling. Default 0. */
  readonly seed?: number;
  /** Coverage of the intervals. Default 0.95. */
  readonly confidence?: number;
  /** Bootstrap resamples for the final-return interval. Default 10000. */
  readonly resamples?: number;
  /** Bootstrap resamples per grid point for the curve band. Default 2000. */
  readonly bandResamples?: number;
  /** Points of the common curve grid. Default 200. */
  readonly points?: number;
}

/** One seed's numbers; null where the run has nothing to say (no evaluations, no threshold, not reached). */
export interface SeedSummary {
  readonly seed: number;
  readonly dir: string;
  readonly status: RunStatus;
  /** Still running, interrupted or pending: its numbers stop where the run is. */
  readonly partial: boolean;
  readonly step: number;
  readonly seconds: number;
  readonly evaluations: number;
  /** Step of the last evaluation. */
  readonly lastEvalStep: number | null;
  /** Mean return of the last evaluation. */
  readonly final: number | null;
  readonly auc: number | null;
  readonly threshold: number | null;
  /** Step and training seconds of the first evaluation whose mean reached the threshold. */
  readonly stepsToThreshold: number | null;
  readonly secondsToThreshold: number | null;
  readonly stepsPerSecond: number | null;
  readonly episodes: number;
  /** Multi-agent competitive games: the last evaluation's opponent and the learner's wins, draws and losses. */
  readonly match: MatchTally | null;
  /** Bandit runs: cumulative pseudo-regret and the share of optimal pulls over the last tenth of training (banditTotals). */
  readonly bandit: { readonly regret: number; readonly optimalShare: number } | null;
  readonly problems: readonly string[];
}

export interface MatchTally {
  readonly opponent: string;
  readonly games: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
}

/** One curve on the comparison's grid; NaN (null in JSON) where no seed has a value. */
export interface VariantCurve {
  readonly mean: number[];
  readonly low: number[];
  readonly high: number[];
  /** Seeds with a value at each grid point (a partial run ends early). */
  readonly seeds: number[];
}

export interface VariantSummary {
  /** `<experiment>/<variant>`, or just the variant when all runs share one experiment. */
  readonly key: string;
  readonly experiment: string;
  readonly variant: string;
  readonly algorithm: string;
  /** Runs (seeds) of this variant, and how they stand. */
  readonly seeds: number;
  readonly finished: number;
  readonly partial: number;
  readonly failed: number;
  /** Seeds with at least one evaluation: the ones the statistics below are over. */
  readonly evaluated: number;
  /** Across seeds of each seed's final evaluation return. */
  readonly final: { readonly mean: number; readonly low: number; readonly high: number; readonly iqm: number } | null;
  /** Mean over seeds of each seed's AUC. */
  readonly auc: number | null;
  /** The threshold of this variant's runs (null: none, or they disagree; see problems). */
  readonly threshold: number | null;
  /** Seeds that reached their threshold, out of `of` (seeds that have one). */
  readonly reached: number;
  readonly of: number;
  /** Medians over the seeds that reached the threshold. */
  readonly stepsToThreshold: number | null;
  readonly secondsToThreshold: number | null;
  /** Mean over seeds of run.step / run.seconds. */
  readonly stepsPerSecond: number | null;
  /** Competitive games: the seeds' final evaluations added up (null when they have none, or face different opponents). */
  readonly match: MatchTally | null;
  /** Bandit runs: mean over seeds of the cumulative regret and of the late share of optimal pulls (null when no seed has them). */
  readonly bandit: { readonly regret: number; readonly optimalShare: number } | null;
  readonly curve: VariantCurve;
  readonly runs: readonly SeedSummary[];
}

export interface Comparison {
  readonly format: 'arena.comparison/1';
  readonly x: CompareX;
  readonly smoothing: number;
  readonly confidence: number;
  readonly resamples: number;
  readonly seed: number;
  /** The threshold shared by every run (or given as an option), else null. */
  readonly threshold: number | null;
  /** Common x grid of the variants' curves, from 0 to the largest x of any run. */
  readonly grid: number[];
  readonly variants: VariantSummary[];
  /** Every run's problems, `<dir>: <problem>`, and disagreements found while grouping. */
  readonly problems: string[];
}

function summarizeSeed(run: LoadedRun, x: CompareX, thresholdOption: number | undefined): SeedSummary {
  const { record } = run;
  const evals = [...run.evals].sort((a, b) => a.step - b.step);
  const xs = evals.map((e) => (x === 'steps' ? e.step : e.time));
  const ys = evals.map((e) => e.mean);
  const threshold = thresholdOption ?? record.spec.threshold ?? null;
  const hit = threshold === null ? undefined : evals.find((e) => e.mean >= threshold);
  const last = evals.at(-1);
  return {
    seed: record.spec.seed,
    dir: run.dir,
    status: record.status,
    partial: record.status !== 'finished' && record.status !== 'failed',
    step: record.step,
    seconds: record.seconds,
    evaluations: evals.length,
    lastEvalStep: last?.step ?? null,
    final: last?.mean ?? null,
    auc: evals.length > 0 ? auc(xs, ys) : null,
    threshold,
    stepsToThreshold: hit?.step ?? null,
    secondsToThreshold: hit?.time ?? null,
    stepsPerSecond: record.seconds > 0 && record.step > 0 ? record.step / record.seconds : null,
    episodes: run.episodes.length,
    match:
      last?.opponent !== undefined && last.wins !== undefined && last.draws !== undefined && last.losses !== undefined
        ? { opponent: last.opponent, games: last.episodes, wins: last.wins, draws: last.draws, losses: last.losses }
        : null,
    bandit: run.pulls ? banditTotals(run.pulls) : null,
    problems: run.problems,
  };
}

/** The seeds' final match tallies added up, when every evaluated seed has one against the same opponent. */
function addTallies(seeds: readonly SeedSummary[]): MatchTally | null {
  const tallies = seeds.filter((s) => s.final !== null).map((s) => s.match);
  if (tallies.length === 0 || tallies.some((t) => t === null)) return null;
  const all = tallies as MatchTally[];
  if (new Set(all.map((t) => t.opponent)).size > 1) return null;
  const sum = (k: 'games' | 'wins' | 'draws' | 'losses') => all.reduce((a, t) => a + t[k], 0);
  return { opponent: all[0]!.opponent, games: sum('games'), wins: sum('wins'), draws: sum('draws'), losses: sum('losses') };
}

/** Means over the seeds that have bandit totals. */
function banditMeans(seeds: readonly SeedSummary[]): VariantSummary['bandit'] {
  const totals = seeds.map((s) => s.bandit).filter((b) => b !== null);
  if (totals.length === 0) return null;
  return { regret: mean(totals.map((t) => t.regret)), optimalShare: mean(totals.map((t) => t.optimalShare)) };
}

const present = (values: readonly (number | null)[]): number[] => values.filter((v): v is number => v !== null);

/**
 * Groups runs by `<experiment>/<variant>` (by variant alone when they all share
 * one experiment), in order of first appearance, and summarizes each group
 * across its seeds. A seed's final return is its last evaluation's mean, its
 * AUC is over its own evaluations (a partial run's covers what it has done so
 * far); steps and wall time to threshold are those of its first evaluation at
 * or above the threshold. Runs evaluated at different steps are put on one
 * grid by linear interpolation; the curve band is a percentile bootstrap of
 * the mean over the seeds that have a value at each grid point, with the same
 * resamples at every point (stats.ts's bootstrapBand).
 */
export function compareRuns(runs: readonly LoadedRun[], options: CompareOptions): Comparison {
  const x = options.x;
  const smoothing = options.smoothing ?? 1;
  const seed = options.seed ?? 0;
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 10000;
  const bandResamples = options.bandResamples ?? 2000;
  const rng = new Rng(seed);
  const problems: string[] = [];
  for (const run of runs) for (const p of run.problems) problems.push(`${run.dir}: ${p}`);

  const experiments = new Set(runs.map((r) => r.record.spec.experiment));
  const groups = new Map<string, LoadedRun[]>();
  for (const run of runs) {
    const { experiment, variant } = run.record.spec;
    const key = experiments.size > 1 ? `${experiment}/${variant}` : variant;
    const group = groups.get(key);
    if (group) group.push(run);
    else groups.set(key, [run]);
  }

  // One grid for every variant, so curves (and the CSV/JSON of them) line up.
  const curveRuns = runs.filter((r) => r.evals.length > 0);
  const { grid, values } = alignCurves(
    curveRuns.map((r) => {
      const evals = [...r.evals].sort((a, b) => a.step - b.step);
      return { xs: evals.map((e) => (x === 'steps' ? e.step : e.time)), ys: smooth(evals.map((e) => e.mean), smoothing) };
    }),
    options.points ?? 200,
  );
  const curveOf = new Map(curveRuns.map((r, i) => [r, values[i]!]));

  const thresholds = new Set<number | null>();
  const variants: VariantSummary[] = [];
  for (const [key, group] of groups) {
    const first = group[0]!.record.spec;
    const seeds = group.map((r) => summarizeSeed(r, x, options.threshold));
    const finals = present(seeds.map((s) => s.final));
    const interval = bootstrapCI(finals, { confidence, resamples, seed: rng.nextSeed() });
    const variantThresholds = new Set(seeds.map((s) => s.threshold));
    for (const t of variantThresholds) thresholds.add(t);
    if (variantThresholds.size > 1) {
      problems.push(`${key}: its runs have different thresholds (${[...variantThresholds].map(String).join(', ')}); each seed is measured against its own`);
    }
    const speeds = present(seeds.map((s) => s.stepsPerSecond));
    const withThreshold = seeds.filter((s) => s.threshold !== null);
    const reachedSeeds = withThreshold.filter((s) => s.stepsToThreshold !== null);

    const curves = group.filter((r) => curveOf.has(r)).map((r) => curveOf.get(r)!);
    // The same resamples at every grid point, so the band is as smooth as the curves (bootstrapBand).
    const band = bootstrapBand(curves, { confidence, resamples: bandResamples, seed: rng.nextSeed() });
    const curve: VariantCurve = { mean: band.mean, low: band.low, high: band.high, seeds: band.count };

    variants.push({
      key,
      experiment: first.experiment,
      variant: first.variant,
      algorithm: first.algorithm,
      seeds: group.length,
      finished: seeds.filter((s) => s.status === 'finished').length,
      partial: seeds.filter((s) => s.partial).length,
      failed: seeds.filter((s) => s.status === 'failed').length,
      evaluated: finals.length,
      final: finals.length > 0 ? { mean: interval.estimate, low: interval.low, high: interval.high, iqm: iqm(finals) } : null,
      auc: finals.length > 0 ? mean(present(seeds.map((s) => s.auc))) : null,
      threshold: variantThresholds.size === 1 ? [...variantThresholds][0]! : null,
      reached: reachedSeeds.length,
      of: withThreshold.length,
      stepsToThreshold: reachedSeeds.length > 0 ? median(present(reachedSeeds.map((s) => s.stepsToThreshold))) : null,
      secondsToThreshold: reachedSeeds.length > 0 ? median(present(reachedSeeds.map((s) => s.secondsToThreshold))) : null,
      stepsPerSecond: speeds.length > 0 ? mean(speeds) : null,
      match: addTallies(seeds),
      bandit: banditMeans(seeds),
      curve,
      runs: seeds,
    });
  }

  return {
    format: 'arena.comparison/1',
    x,
    smoothing,
    confidence,
    resamples,
    seed,
    threshold: options.threshold ?? (thresholds.size === 1 ? [...thresholds][0]! : null),
    grid,
    variants,
    problems,
  };
}
