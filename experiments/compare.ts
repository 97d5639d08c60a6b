// `arena compare`: reads run directories (docs/design.md, "Run store"), groups
// the runs by variant and summarizes each variant across its seeds: final
// evaluation return (mean, bootstrap interval, IQM), area under the evaluation
// curve, steps and wall time to a return threshold, throughput, and a mean
// learning curve with a confidence band on a common grid for the figure
// (figure.ts). Reading is forgiving: a bad line in a JSONL file is reported
// and skipped, a run that is still going is included and marked partial.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Rng } from '../core/rng.js';
import { alignCurves, auc, bootstrapBand, bootstrapCI, iqm, mean, median, smooth } from './stats.js';
import { EVAL_FILE, METRICS_FILE, RUN_FILE, readRunRecord } from './store.js';
import type { EpisodeLine, EvalLine, RunRecord, RunStatus } from './types.js';
import { formatNumber, groupThousands } from './format.js';

// ---------------------------------------------------------------- loading

/** One run as read from its directory. */
export interface LoadedRun {
  /** The run directory, resolved to an absolute path. */
  readonly dir: string;
  readonly record: RunRecord;
  /** eval.jsonl lines, in file order. */
  readonly evals: EvalLine[];
  /** metrics.jsonl lines of type 'episode', in file order. */
  readonly episodes: EpisodeLine[];
  /** What could not be read, one sentence each naming the file and line; those lines are left out. */
  readonly problems: string[];
  /** Runs on a bandit env (agents/lib/bandit.ts): the update lines' per-pull regret and optimal-action share, in file order. */
  readonly pulls?: BanditWindow[];
}

/** One metrics.jsonl update line of a bandit run: the mean pseudo-regret per pull and the share of optimal pulls since the line before. */
export interface BanditWindow {
  readonly step: number;
  readonly regret: number;
  readonly optimalAction: number;
}

export type RunsPathKind = 'run' | 'experiment';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/**
 * What `path` is and the run directories it holds: a run directory (it has a
 * run.json) or an experiment directory (it has `<variant>/seed-<n>/run.json`
 * below it). Anything else is an error naming the path.
 */
export async function findRunDirs(path: string, command = 'compare'): Promise<{ kind: RunsPathKind; runDirs: string[] }> {
  const dir = resolve(path);
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new Error(`${command}: ${path} does not exist`);
  }
  if (!info.isDirectory()) throw new Error(`${command}: ${path} is not a directory (give an experiment directory or a run directory)`);
  if (await isFile(join(dir, RUN_FILE))) return { kind: 'run', runDirs: [dir] };
  const found: { variant: string; seed: number; dir: string }[] = [];
  for (const variant of await subdirectories(dir)) {
    for (const seedDir of await subdirectories(join(dir, variant))) {
      const m = /^seed-(-?\d+)$/.exec(seedDir);
      if (m && (await isFile(join(dir, variant, seedDir, RUN_FILE)))) found.push({ variant, seed: Number(m[1]), dir: join(dir, variant, seedDir) });
    }
  }
  if (found.length === 0) {
    throw new Error(`${command}: ${path} is neither a run directory (no ${RUN_FILE} in it) nor an experiment directory (no <variant>/seed-<n>/${RUN_FILE} below it)`);
  }
  // Variants by name, seeds by number (seed-10 after seed-2), so output does not depend on readdir order.
  found.sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : a.seed - b.seed));
  return { kind: 'experiment', runDirs: found.map((f) => f.dir) };
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isEvalLine(v: unknown): v is EvalLine {
  const o = v as Partial<EvalLine> | null;
  return typeof o === 'object' && o !== null && isFiniteNumber(o.step) && isFiniteNumber(o.time) && isFiniteNumber(o.mean);
}

function isEpisodeLine(v: unknown): v is EpisodeLine {
  const o = v as Partial<EpisodeLine> | null;
  return typeof o === 'object' && o !== null && o.type === 'episode' && isFiniteNumber(o.step) && isFiniteNumber(o.time) && isFiniteNumber(o.return);
}

function snippet(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/**
 * Reads a JSONL file line by line, keeping the lines `accept` recognizes and
 * describing the rest. A last line without a newline is one still being
 * written (store.ts); it is left out, and reported only for runs that are no
 * longer running, where it means the writer died mid-line.
 */
async function readLines(
  dir: string,
  file: string,
  live: boolean,
  accept: (value: unknown) => 'keep' | 'skip' | string,
): Promise<{ values: unknown[]; problems: string[] }> {
  const values: unknown[] = [];
  const problems: string[] = [];
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { values, problems };
    return { values, problems: [`${file}: cannot read: ${(e as Error).message}`] };
  }
  const end = text.lastIndexOf('\n');
  const parts = end < 0 ? [] : text.slice(0, end).split('\n');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(part);
    } catch (e) {
      problems.push(`${file} line ${i + 1}: not valid JSON (${(e as Error).message}): ${snippet(part)}`);
      continue;
    }
    const verdict = accept(value);
    if (verdict === 'keep') values.push(value);
    else if (verdict !== 'skip') problems.push(`${file} line ${i + 1}: ${verdict}: ${snippet(part)}`);
  }
  const tail = text.slice(end + 1);
  if (tail.trim() !== '' && !live) problems.push(`${file} line ${parts.length + 1}: incomplete last line (no newline), ignored: ${snippet(tail)}`);
  return { values, problems };
}

/**
 * Reads one run directory; only an unreadable run.json is an error. With
 * `episodes: false` metrics.jsonl (the large file) is not read: curves need
 * only the evaluations.
 */
export async function loadRun(dir: string, options: { episodes?: boolean } = {}): Promise<LoadedRun> {
  const record = await readRunRecord(dir);
  const live = record.status === 'running' || record.status === 'pending';
  // Holes a resume found (run.json "gaps"): the curves have no points there.
  const gaps = (record.gaps ?? []).map(
    (g) => `${g.file}: hole after step ${g.afterStep} up to step ${g.beforeStep}: ${g.missing} line(s) lost before a resume (the run continued from step ${g.beforeStep})`,
  );
  const evals = await readLines(dir, EVAL_FILE, live, (v) => (isEvalLine(v) ? 'keep' : 'expected an evaluation with numeric step, time and mean'));
  if (options.episodes === false) return { dir, record, evals: evals.values as EvalLine[], episodes: [], problems: [...gaps, ...evals.problems] };
  const pulls: BanditWindow[] = [];
  const metrics = await readLines(dir, METRICS_FILE, live, (v) => {
    if (isEpisodeLine(v)) return 'keep';
    const type = (v as { type?: unknown } | null)?.type;
    if (type === 'update') {
      const { step, metrics: m } = v as { step?: unknown; metrics?: Record<string, unknown> };
      if (isFiniteNumber(step) && isFiniteNumber(m?.['regret']) && isFiniteNumber(m?.['optimalAction'])) pulls.push({ step, regret: m['regret'], optimalAction: m['optimalAction'] });
      return 'skip';
    }
    return type === 'episode' ? 'expected an episode with numeric step, time and return' : `unknown line type ${JSON.stringify(type)}`;
  });
  return {
    dir,
    record,
    evals: evals.values as EvalLine[],
    episodes: metrics.values as EpisodeLine[],
    problems: [...gaps, ...evals.problems, ...metrics.problems],
    ...(pulls.length > 0 ? { pulls } : {}),
  };
}

/**
 * A bandit run's cumulative pseudo-regret up to its last update line, and its
 * share of optimal pulls over the last tenth of those steps. Each update line
 * averages one value per pull since the line before (the agent reports every
 * pull), so a line's mean times its number of steps is that stretch's sum.
 */
export function banditTotals(pulls: readonly BanditWindow[]): { regret: number; optimalShare: number; step: number } | null {
  if (pulls.length === 0) return null;
  const sorted = [...pulls].sort((a, b) => a.step - b.step);
  const last = sorted.at(-1)!.step;
  const tailFrom = last - last / 10;
  let regret = 0;
  let optimal = 0;
  let tailSteps = 0;
  let previous = 0;
  for (const w of sorted) {
    const n = w.step - previous;
    regret += w.regret * n;
    // A window that straddles the tail's start counts in proportion.
    const inTail = Math.min(n, Math.max(0, w.step - tailFrom));
    optimal += w.optimalAction * inTail;
    tailSteps += inTail;
    previous = w.step;
  }
  return { regret, optimalShare: tailSteps > 0 ? optimal / tailSteps : sorted.at(-1)!.optimalAction, step: last };
}

/**
 * Loads every run below the given paths, each an experiment directory or a
 * run directory (a run named twice is loaded once). Runs come out in the order
 * of the paths, and within an experiment by variant name and seed number.
 * Bad lines in eval.jsonl or metrics.jsonl end up in a run's `problems`; a
 * path that is neither kind of directory, or an unreadable run.json (written
 * atomically, so never half-written), is an error.
 */
export async function loadRuns(paths: readonly string[]): Promise<LoadedRun[]> {
  if (paths.length === 0) throw new Error('compare: give at least one experiment or run directory');
  const dirs: string[] = [];
  for (const path of paths) {
    for (const dir of (await findRunDirs(path)).runDirs) if (!dirs.includes(dir)) dirs.push(dir);
  }
  const runs: LoadedRun[] = [];
  for (const dir of dirs) runs.push(await loadRun(dir));
  return runs;
}

// ---------------------------------------------------------------- comparing

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

// ---------------------------------------------------------------- output

export { formatNumber } from './format.js';

function formatSteps(v: number | null): string {
  return v === null || Number.isNaN(v) ? '-' : groupThousands(Math.round(v));
}

function formatSeconds(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '-';
  if (v >= 7200) return `${(v / 3600).toFixed(1)} h`;
  if (v >= 120) return `${(v / 60).toFixed(1)} min`;
  return `${v.toFixed(1)} s`;
}

function statusText(v: VariantSummary): string {
  const parts: string[] = [];
  if (v.finished > 0) parts.push(`${v.finished} finished`);
  if (v.partial > 0) parts.push(`${v.partial} partial`);
  if (v.failed > 0) parts.push(`${v.failed} failed`);
  return parts.join(', ');
}

function textTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The comparison as an aligned plain-text table, one row per variant, with a legend and the problems found. */
export function formatTable(c: Comparison): string {
  const pct = `${Math.round(c.confidence * 100)}%`;
  const t = c.threshold === null ? 'threshold' : String(c.threshold);
  const header = ['variant', 'seeds', 'status', `final return [${pct} CI]`, 'IQM', 'AUC', `steps to ${t}`, `time to ${t}`, 'steps/s'];
  const reached = (v: VariantSummary, text: string) => (v.of === 0 ? '-' : `${text} (${v.reached}/${v.of})`);
  const rows = c.variants.map((v) => [
    v.key,
    String(v.seeds),
    statusText(v),
    v.final ? `${formatNumber(v.final.mean)} [${formatNumber(v.final.low)}, ${formatNumber(v.final.high)}]` : '-',
    formatNumber(v.final?.iqm ?? null),
    formatNumber(v.auc),
    reached(v, formatSteps(v.stepsToThreshold)),
    reached(v, formatSeconds(v.secondsToThreshold)),
    formatSteps(v.stepsPerSecond),
  ]);
  const xName = c.x === 'steps' ? 'environment steps' : 'training wall time';
  const aligned = [false, true, false, true, true, true, true, true, true];
  // Competitive games: the final evaluations' wins, draws and losses (all seeds together), as counts and shares.
  if (c.variants.some((v) => v.match !== null)) {
    const opponents = new Set(c.variants.map((v) => v.match?.opponent).filter((o) => o !== undefined));
    header.push(opponents.size === 1 ? `final W-D-L vs ${[...opponents][0]}` : 'final W-D-L (opponent)');
    aligned.push(false);
    c.variants.forEach((v, i) => {
      const m = v.match;
      const share = (n: number) => `${Math.round((100 * n) / m!.games)}%`;
      rows[i]!.push(m ? `${m.wins}-${m.draws}-${m.losses} (${share(m.wins)} W, ${share(m.draws)} D)${opponents.size > 1 ? ` vs ${m.opponent}` : ''}` : '-');
    });
  }
  // Bandit runs: cumulative regret and the late share of optimal pulls.
  const bandits = c.variants.some((v) => v.bandit !== null);
  if (bandits) {
    header.push('regret', '% optimal');
    aligned.push(true, true);
    c.variants.forEach((v, i) => rows[i]!.push(formatNumber(v.bandit?.regret ?? null), v.bandit ? `${(100 * v.bandit.optimalShare).toFixed(1)}%` : '-'));
  }
  const lines = [
    textTable(header, rows, aligned),
    '',
    `final return: each seed's last evaluation; mean over seeds [${pct} percentile-bootstrap CI, ${c.resamples} resamples, seed ${c.seed}].`,
    'IQM: interquartile mean of the final returns (mean of the middle 50% of seeds).',
    `AUC: area under each seed's evaluation curve over ${xName} / its span (average return during training); mean over seeds.`,
    `to ${t}: median over the seeds whose evaluation reached ${t} (reached/seeds).`,
    'partial: running, interrupted or pending; its numbers stop where the run is.',
    ...(c.variants.some((v) => v.match !== null) ? ["W-D-L: the learner's wins, draws and losses in the seeds' final evaluations, added up (both sides in turn)."] : []),
    ...(bandits ? ['regret: cumulative pseudo-regret (best mean - pulled mean, summed over pulls); % optimal: share of optimal pulls over the last tenth of training; means over seeds.'] : []),
  ];
  if (c.problems.length > 0) lines.push('', `problems (${c.problems.length}):`, ...c.problems.map((p) => `  ${p}`));
  return lines.join('\n') + '\n';
}

const CSV_COLUMNS = [
  'experiment',
  'variant',
  'algorithm',
  'seeds',
  'finished',
  'partial',
  'failed',
  'evaluated',
  'final_mean',
  'final_low',
  'final_high',
  'final_iqm',
  'auc',
  'threshold',
  'reached',
  'steps_to_threshold',
  'seconds_to_threshold',
  'steps_per_second',
  'opponent',
  'final_wins',
  'final_draws',
  'final_losses',
  'regret',
  'optimal_share',
] as const;

function csvCell(v: string | number | null): string {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV row per variant (full precision, empty cells for missing values); curves are in the JSON. */
export function toCsv(c: Comparison): string {
  const rows = c.variants.map((v) => {
    const row: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
      experiment: v.experiment,
      variant: v.variant,
      algorithm: v.algorithm,
      seeds: v.seeds,
      finished: v.finished,
      partial: v.partial,
      failed: v.failed,
      evaluated: v.evaluated,
      final_mean: v.final?.mean ?? null,
      final_low: v.final?.low ?? null,
      final_high: v.final?.high ?? null,
      final_iqm: v.final?.iqm ?? null,
      auc: v.auc,
      threshold: v.threshold,
      reached: v.of === 0 ? null : v.reached,
      steps_to_threshold: v.stepsToThreshold,
      seconds_to_threshold: v.secondsToThreshold,
      steps_per_second: v.stepsPerSecond,
      opponent: v.match?.opponent ?? null,
      final_wins: v.match?.wins ?? null,
      final_draws: v.match?.draws ?? null,
      final_losses: v.match?.losses ?? null,
      regret: v.bandit?.regret ?? null,
      optimal_share: v.bandit?.optimalShare ?? null,
    };
    return CSV_COLUMNS.map((k) => csvCell(row[k])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** The whole comparison, per-seed numbers and curves included, as pretty JSON (NaN becomes null). */
export function toJson(c: Comparison): string {
  return JSON.stringify(c, null, 2) + '\n';
}
