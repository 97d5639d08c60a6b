// Reading run directories for comparison (docs/design.md, "Run store"): a
// run's record, evaluations and episodes, found from a run or an experiment
// directory. Reading is forgiving: a bad line in a JSONL file is reported and
// skipped, and a run that is still going is included and marked partial.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EVAL_FILE, METRICS_FILE, RUN_FILE, readRunRecord } from './store.js';
import type { EpisodeLine, EvalLine, RunRecord } from './types.js';

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
