// Reading the run store for the viewer's API: run records, training metrics
// downsampled for charts, evaluations, the episode index, episode records,
// and the experiment page's learning curves (experiments/compare.ts's
// comparison, plus each seed's own curve). Strict where the API serves a file
// as it is: a malformed line or an invalid episode record is an HttpError 422
// naming the file and line; the curves are forgiving, as `arena compare` is,
// and list what they skipped. Over 500 lines: one reader per file of a run
// directory, each small; they share the strict-or-forgiving parsing here.
import { readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { validateEpisodeRecord } from '../core/episode.js';
import type { EpisodeRecord } from '../core/episode.js';
import type { CompareX, Comparison } from '../experiments/compare.js';
import type { LoadedRun } from '../experiments/load-runs.js';
import { compareRuns } from '../experiments/compare.js';
import { loadRun } from '../experiments/load-runs.js';
import { interpolate, smooth } from '../experiments/stats.js';
import { EPISODES_DIR, EPISODE_INDEX_FILE, EVAL_FILE, EXPERIMENT_FILE, METRICS_FILE, RUN_FILE, parseJsonl } from '../experiments/store.js';
import type { EpisodeIndexLine, EvalLine, ExperimentConfig, RunRecord, RunStatus } from '../experiments/types.js';
import type {
  CurvesResponse,
  EpisodesResponse,
  EvalsResponse,
  ExperimentDetail,
  ExperimentListEntry,
  MetricsResponse,
  RunSummary,
  StatusCounts,
  StudyTable,
} from './api-types.js';
import type { Catalog, ExperimentEntry, RunEntry } from './catalog.js';
import { HttpError } from './catalog.js';
import { metricsOf } from './metrics-store.js';
import { TRIALS_JSON } from '../experiments/tune/files.js';

// ---------------------------------------------------------------- files

/** A file's text, or null when it does not exist; a file leading outside the root is a 403. */
async function readText(catalog: Catalog, path: string): Promise<string | null> {
  let real: string;
  try {
    real = await catalog.inside(path);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) return null;
    throw e;
  }
  try {
    return await readFile(real, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HttpError(500, `cannot read ${catalog.display(path)}: ${(e as Error).message}`, { file: catalog.display(path) });
  }
}

/**
 * A JSONL file's lines, all of which must be JSON objects that `check`
 * accepts (it returns null, or what is wrong). A last line without a newline
 * is still being written and is left out (store.ts's parseJsonl). The first
 * problem is a 422 naming the file and line; a missing file has no lines.
 */
async function readJsonlStrict<T>(catalog: Catalog, path: string, check: (v: unknown) => string | null): Promise<T[]> {
  // Files read before and unchanged since (same size and mtime) answer from memory: the run page and live updates ask again and again.
  const real = await catalog.insideOrNull(path);
  const seen = real === null ? null : await stat(real).catch(() => null);
  const kept = real === null ? undefined : jsonlCache.get(real);
  if (seen && kept && kept.size === seen.size && kept.mtimeMs === seen.mtimeMs) return kept.lines as T[];
  const text = await readText(catalog, path);
  if (text === null) return [];
  const lines = parseStrict<T>(catalog, path, text, check);
  if (real !== null && seen && text.length <= JSONL_CACHE_CHARS) {
    jsonlCache.delete(real);
    jsonlCache.set(real, { size: seen.size, mtimeMs: seen.mtimeMs, lines });
    if (jsonlCache.size > JSONL_CACHE_FILES) jsonlCache.delete(jsonlCache.keys().next().value!);
  }
  return lines;
}

/** Small JSONL files (eval.jsonl, episodes/index.jsonl) parsed and checked, by real path; the largest kept and how many. */
const jsonlCache = new Map<string, { size: number; mtimeMs: number; lines: unknown[] }>();
const JSONL_CACHE_CHARS = 8 << 20;
const JSONL_CACHE_FILES = 64;

function parseStrict<T>(catalog: Catalog, path: string, text: string, check: (v: unknown) => string | null): T[] {
  const { lines, bad } = parseJsonl<unknown>(text);
  const file = catalog.display(path);
  const problems = bad.map((b) => `${file} line ${b.line}: not valid JSON (${b.error}): ${b.text}`);
  // parseJsonl keeps no line numbers for good lines; recount them to name a line that parses but does not fit.
  if (problems.length === 0) {
    const parts = text.slice(0, text.lastIndexOf('\n')).split('\n');
    let k = 0;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i]!.trim() === '') continue;
      const problem = check(lines[k++]);
      if (problem) problems.push(`${file} line ${i + 1}: ${problem}`);
    }
  }
  if (problems.length > 0) {
    const line = bad[0]?.line ?? Number(/ line (\d+):/.exec(problems[0]!)![1]);
    throw new HttpError(422, problems[0]!, { file, line, problems });
  }
  return lines as T[];
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------- runs

/** run.json of a run, or null when it is not written yet. */
async function runRecord(catalog: Catalog, run: RunEntry): Promise<RunRecord | null> {
  if (run.dir === null) return null;
  const path = join(run.dir, RUN_FILE);
  const text = await readText(catalog, path);
  if (text === null) return null;
  try {
    return JSON.parse(text) as RunRecord;
  } catch (e) {
    throw new HttpError(422, `${catalog.display(path)} is not valid JSON: ${(e as Error).message}`, { file: catalog.display(path) });
  }
}

/** GET .../runs/:variant/:seed: the run.json as written. */
export async function getRunRecord(catalog: Catalog, run: RunEntry): Promise<RunRecord> {
  const record = await runRecord(catalog, run);
  if (record === null) throw new HttpError(404, run.dir === null ? 'a lone episode file has no run.json' : `${catalog.display(join(run.dir, RUN_FILE))} is not written yet`);
  return record;
}

/** A run as listed; `config` (experiment.json's) fills in what a run without run.json yet will do. */
async function runSummary(catalog: Catalog, run: RunEntry, config: ExperimentConfig | null): Promise<RunSummary> {
  const n = /^seed-(-?\d+)$/.exec(run.seed);
  const planned = config?.variants.find((v) => v.name === run.variant);
  const ref = {
    experiment: run.experiment,
    variant: run.variant,
    seed: run.seed,
    ...(n ? { seedNumber: Number(n[1]) } : {}),
    ...(planned ? { algorithm: planned.algorithm, env: planned.env.id, totalSteps: planned.totalSteps } : {}),
  };
  if (run.dir === null) return { ...ref, status: 'finished', step: 0, seconds: 0 };
  if (run.planned) return { ...ref, status: 'pending', step: 0, seconds: 0 };
  let record: RunRecord | null;
  try {
    record = await runRecord(catalog, run);
  } catch (e) {
    return { ...ref, status: 'failed', step: 0, seconds: 0, error: (e as Error).message };
  }
  if (record === null) return { ...ref, status: 'pending', step: 0, seconds: 0 };
  const spec = record.spec;
  return {
    ...ref,
    status: record.status,
    algorithm: spec?.algorithm,
    env: spec?.env?.id,
    seedNumber: spec?.seed,
    step: record.step,
    totalSteps: spec?.totalSteps,
    seconds: record.seconds,
    ...(record.error ? { error: record.error.message.split('\n')[0]! } : {}),
  };
}

/** Runs by status; `unlisted` planned runs count as pending. */
function countStatus(runs: readonly RunSummary[], unlisted = 0): StatusCounts {
  const counts: Record<string, number> = unlisted > 0 ? { pending: unlisted } : {};
  for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts as StatusCounts;
}

/** experiment.json configs by real path, reused while size and mtime are unchanged (a large plan is parsed once, not per request). */
const configCache = new Map<string, { size: number; mtimeMs: number; config: ExperimentConfig | null }>();
const CONFIG_CACHE_FILES = 64;
/** An experiment.json larger than this is not parsed per request (its runs still list, without the planned algorithm and budget). */
const CONFIG_FILE_BYTES = 64 << 20;

async function experimentConfig(catalog: Catalog, e: ExperimentEntry): Promise<ExperimentConfig | null> {
  if (e.dir === null) return null;
  const real = await catalog.insideOrNull(join(e.dir, EXPERIMENT_FILE));
  const info = real === null ? null : await stat(real).catch(() => null);
  if (real === null || info === null || info.size > CONFIG_FILE_BYTES) return null;
  const kept = configCache.get(real);
  if (kept && kept.size === info.size && kept.mtimeMs === info.mtimeMs) return kept.config;
  let config: ExperimentConfig | null;
  try {
    const text = await readText(catalog, real);
    config = text === null ? null : ((JSON.parse(text) as { config?: ExperimentConfig }).config ?? null);
  } catch {
    config = null;
  }
  configCache.delete(real);
  configCache.set(real, { size: info.size, mtimeMs: info.mtimeMs, config });
  if (configCache.size > CONFIG_CACHE_FILES) configCache.delete(configCache.keys().next().value!);
  return config;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** The variants of the listed runs, and with unlisted ones those of the config too (runs list sorted by variant). */
const variantsOf = (e: ExperimentEntry, config: ExperimentConfig | null): string[] =>
  e.unlisted ? unique([...e.runs.map((r) => r.variant), ...(config?.variants.map((v) => v.name) ?? [])]).sort() : unique(e.runs.map((r) => r.variant));

/** Runs summarized between two turns of the event loop, so that one large experiment does not hold up other requests. */
const SUMMARY_CHUNK = 1000;

/** Every run's summary, a chunk at a time, yielding to other requests between chunks. */
async function runSummaries(catalog: Catalog, e: ExperimentEntry, config: ExperimentConfig | null): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (let i = 0; i < e.runs.length; i += SUMMARY_CHUNK) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    out.push(...(await Promise.all(e.runs.slice(i, i + SUMMARY_CHUNK).map((r) => runSummary(catalog, r, config)))));
  }
  return out;
}

/** GET /api/experiments */
export async function listExperiments(catalog: Catalog): Promise<ExperimentListEntry[]> {
  const out: ExperimentListEntry[] = [];
  for (const e of (await catalog.snapshot()).experiments) {
    const config = await experimentConfig(catalog, e);
    const runs = await runSummaries(catalog, e, config);
    const env = runs.find((r) => r.env)?.env ?? config?.variants[0]?.env.id;
    out.push({
      name: e.name,
      ...(config?.description ? { description: config.description } : {}),
      ...(env ? { env } : {}),
      variants: variantsOf(e, config),
      runs: e.runs.length + (e.unlisted ?? 0),
      status: countStatus(runs, e.unlisted),
    });
  }
  return out;
}

/** trials.json files larger than this are not read (a study of 10,000 trials writes about 3 MB). */
const STUDY_FILE_BYTES = 32 * 1024 * 1024;

/** A tuning study's trials table (trials.json in the experiment directory), or undefined when there is none or it cannot be read. */
async function studyTable(catalog: Catalog, e: ExperimentEntry): Promise<StudyTable | undefined> {
  if (e.dir === null) return undefined;
  const file = await catalog.insideOrNull(join(e.dir, TRIALS_JSON));
  if (file === null) return undefined;
  try {
    if ((await stat(file)).size > STUDY_FILE_BYTES) return undefined;
    const doc = JSON.parse(await readFile(file, 'utf8')) as Partial<StudyTable>;
    if (!Array.isArray(doc.trials) || !Array.isArray(doc.rungs) || typeof doc.objective !== 'object' || doc.objective === null) return undefined;
    return { objective: doc.objective, rungs: doc.rungs, trials: doc.trials };
  } catch {
    return undefined; // being replaced, or not a study's: the runs are listed all the same
  }
}

/** GET /api/experiments/:experiment */
export async function experimentDetail(catalog: Catalog, e: ExperimentEntry): Promise<ExperimentDetail> {
  const config = await experimentConfig(catalog, e);
  const runs = await runSummaries(catalog, e, config);
  const study = await studyTable(catalog, e);
  return {
    name: e.name,
    kind: catalog.kind,
    ...(config?.description ? { description: config.description } : {}),
    ...(config?.threshold !== undefined ? { threshold: config.threshold } : {}),
    variants: variantsOf(e, config),
    status: countStatus(runs, e.unlisted),
    runs,
    ...(e.unlisted ? { unlisted: e.unlisted } : {}),
    ...(study ? { study } : {}),
  };
}

// ---------------------------------------------------------------- metrics

/**
 * GET .../metrics: training episodes and update lines, each downsampled to at
 * most `maxPoints` by cutting the lines, in file order, into consecutive
 * buckets of equal size (ceil(n / maxPoints)). An episode bucket keeps the
 * mean, min and max return and the mean length; an update bucket keeps the
 * mean of fps and of each metric; both keep the step and time of their last
 * line. With n <= maxPoints every line is its own bucket. The file is parsed
 * once and kept (metrics-store.ts): a million-episode run answers in
 * milliseconds after its first request, and a growing file is read only
 * where it grew.
 */
export async function getMetrics(catalog: Catalog, run: RunEntry, maxPoints: number): Promise<MetricsResponse> {
  if (run.dir === null) return metricsOf(null, '', maxPoints);
  const path = join(run.dir, METRICS_FILE);
  let real: string | null;
  try {
    real = await catalog.inside(path);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) real = null;
    else throw e;
  }
  try {
    return await metricsOf(real, catalog.display(path), maxPoints);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(500, `cannot read ${catalog.display(path)}: ${(e as Error).message}`, { file: catalog.display(path) });
  }
}

function checkEvalLine(v: unknown): string | null {
  if (!obj(v)) return 'expected a JSON object';
  return num(v.step) && num(v.mean) ? null : 'an evaluation needs numeric step and mean';
}

/** GET .../evals */
export async function getEvals(catalog: Catalog, run: RunEntry): Promise<EvalsResponse> {
  if (run.dir === null) return { lines: [] };
  return { lines: await readJsonlStrict<EvalLine>(catalog, join(run.dir, EVAL_FILE), checkEvalLine) };
}

function checkIndexLine(v: unknown): string | null {
  if (!obj(v)) return 'expected a JSON object';
  return typeof v.file === 'string' && num(v.step) ? null : 'an index line needs a string file and a numeric step';
}

/** GET .../episodes: the episode index, by training step then index. */
export async function getEpisodeIndex(catalog: Catalog, run: RunEntry): Promise<EpisodesResponse> {
  if (run.dir === null) {
    // A lone episode file: an index of one, read from the record itself.
    const record = await getEpisode(catalog, run, null);
    return { episodes: [{ file: catalog.display(catalog.root), step: record.trainingStep ?? 0, index: 0, return: record.return, length: record.length }] };
  }
  const lines = await readJsonlStrict<EpisodeIndexLine>(catalog, join(run.dir, EPISODES_DIR, EPISODE_INDEX_FILE), checkIndexLine);
  return { episodes: [...lines].sort((a, b) => a.step - b.step || a.index - b.index) };
}

/** A JSON answer already serialized (server.ts sends it as it is). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Episode files that passed validation, as their text, by real path; reused while size and mtime are unchanged. */
const episodeCache = new Map<string, { size: number; mtimeMs: number; text: string }>();
/** Characters of episode text kept, at most. */
const EPISODE_CACHE_CHARS = 64 << 20;
let episodeCacheChars = 0;

function cacheEpisode(real: string, size: number, mtimeMs: number, text: string): void {
  const old = episodeCache.get(real);
  if (old) {
    episodeCache.delete(real);
    episodeCacheChars -= old.text.length;
  }
  if (text.length > EPISODE_CACHE_CHARS / 4) return;
  episodeCache.set(real, { size, mtimeMs, text });
  episodeCacheChars += text.length;
  for (const [k, v] of episodeCache) {
    if (episodeCacheChars <= EPISODE_CACHE_CHARS) break;
    episodeCache.delete(k);
    episodeCacheChars -= v.text.length;
  }
}

/**
 * GET .../episodes/:file: one episode record, checked with
 * validateEpisodeRecord. `file` null reads the lone episode file the viewer
 * was started on.
 */
export async function getEpisode(catalog: Catalog, run: RunEntry, file: string | null): Promise<EpisodeRecord> {
  const { path, text } = await episodeText(catalog, run, file);
  return checkEpisode(catalog, path, text).value;
}

/**
 * The same answer as getEpisode, as the file's own text: a valid record is
 * sent as written (re-serializing a long episode costs more than reading it)
 * and kept, so asking again skips parsing and validating it.
 */
export async function getEpisodeJson(catalog: Catalog, run: RunEntry, file: string | null): Promise<RawJson> {
  const { path, real, text, cached, size, mtimeMs } = await episodeText(catalog, run, file);
  if (cached) return new RawJson(text);
  checkEpisode(catalog, path, text);
  cacheEpisode(real, size, mtimeMs, text);
  return new RawJson(text);
}

/** The episode file's path and text; `cached` when the text is the kept one of a valid record, still the file's. */
async function episodeText(
  catalog: Catalog,
  run: RunEntry,
  file: string | null,
): Promise<{ path: string; real: string; text: string; cached: boolean; size: number; mtimeMs: number }> {
  let path: string;
  if (run.dir === null) {
    if (file !== null && file !== catalog.display(catalog.root)) throw new HttpError(404, `no episode ${JSON.stringify(file)}: the viewer serves only ${catalog.display(catalog.root)}`);
    path = catalog.root;
  } else {
    if (file === null || !file.endsWith('.json')) throw new HttpError(404, `no episode ${JSON.stringify(file)} (episode files end in .json)`);
    path = await catalog.file(join(run.dir, EPISODES_DIR), file);
  }
  const shown = catalog.display(path);
  const real = await catalog.inside(path);
  let size = -1;
  let mtimeMs = -1;
  try {
    const s = await stat(real);
    size = s.size;
    mtimeMs = s.mtimeMs;
  } catch {
    // Gone: readText says so.
  }
  const cached = episodeCache.get(real);
  if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return { path, real, text: cached.text, cached: true, size, mtimeMs };
  const text = await readText(catalog, path);
  if (text === null) throw new HttpError(404, `${shown} does not exist`);
  return { path, real, text, cached: false, size, mtimeMs };
}

function checkEpisode(catalog: Catalog, path: string, text: string): { value: EpisodeRecord } {
  const shown = catalog.display(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(422, `${shown} is not valid JSON (truncated or damaged?): ${(e as Error).message}`, { file: shown });
  }
  const problems = validateEpisodeRecord(value);
  if (problems.length > 0) throw new HttpError(422, `${shown} is not a usable episode record: ${problems.join('; ')}`, { file: shown, problems });
  return { value: value as EpisodeRecord };
}

// ---------------------------------------------------------------- curves

export interface CurveOptions {
  readonly x: CompareX;
  readonly smoothing: number;
  readonly points: number;
}

const nullable = (xs: readonly number[]): (number | null)[] => xs.map((v) => (Number.isFinite(v) ? v : null));

/** Curve answers by experiment and options, reused while the runs' files are unchanged. */
const curveCache = new Map<string, { signature: string; value: CurvesResponse }>();
const CURVE_CACHE_SIZE = 32;

async function signature(runs: readonly RunEntry[]): Promise<string> {
  const parts: string[] = [];
  for (const r of runs) {
    for (const f of [RUN_FILE, EVAL_FILE]) {
      try {
        const s = await stat(join(r.dir!, f));
        parts.push(`${s.size}:${s.mtimeMs}`);
      } catch {
        parts.push('-');
      }
    }
  }
  return parts.join(',');
}

/** The experiment's runs (inside the root) loaded and compared as `arena compare` does, with what could not be loaded. */
export async function loadComparison(catalog: Catalog, e: ExperimentEntry, options: CurveOptions): Promise<{ loaded: LoadedRun[]; problems: string[]; comparison: Comparison }> {
  const loaded: LoadedRun[] = [];
  const problems: string[] = [];
  for (const r of e.runs) {
    if (r.dir === null) continue;
    const real = await catalog.insideOrNull(join(r.dir, RUN_FILE));
    if (real === null) continue;
    try {
      loaded.push(await loadRun(r.dir, { episodes: false }));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { loaded, problems, comparison: compareRuns(loaded, { x: options.x, smoothing: options.smoothing, points: options.points }) };
}

/**
 * GET /api/experiments/:experiment/curves: every variant's evaluation curve
 * across seeds (experiments/compare.ts's compareRuns: seeds interpolated onto
 * one grid, the mean and a 95% percentile-bootstrap band of the mean at each
 * grid point, final returns with a bootstrap interval and IQM), plus each
 * seed's own curve. `smoothing` is a centered moving average over each seed's
 * evaluations, applied before averaging.
 */
export async function getCurves(catalog: Catalog, e: ExperimentEntry, options: CurveOptions): Promise<CurvesResponse> {
  const withDir = e.runs.filter((r) => r.dir !== null);
  const key = `${catalog.root}\0${e.name}\0${options.x}\0${options.smoothing}\0${options.points}`;
  const sig = await signature(withDir);
  const cached = curveCache.get(key);
  if (cached && cached.signature === sig) return cached.value;

  const { loaded, problems, comparison } = await loadComparison(catalog, e, options);
  const grid = comparison.grid;
  const bySeed = new Map(loaded.map((l) => [l.dir, l]));
  const value: CurvesResponse = {
    x: options.x,
    smoothing: comparison.smoothing,
    confidence: comparison.confidence,
    band: `mean over seeds with a ${Math.round(comparison.confidence * 100)}% percentile-bootstrap interval of the mean at each point`,
    threshold: comparison.threshold,
    grid,
    variants: comparison.variants.map((v) => ({
      key: v.key,
      variant: v.variant,
      algorithm: v.algorithm,
      seeds: v.seeds,
      finished: v.finished,
      partial: v.partial,
      failed: v.failed,
      evaluated: v.evaluated,
      final: v.final,
      auc: v.auc,
      threshold: v.threshold,
      reached: v.reached,
      of: v.of,
      stepsToThreshold: v.stepsToThreshold,
      match: v.match,
      mean: nullable(v.curve.mean),
      low: nullable(v.curve.low),
      high: nullable(v.curve.high),
      count: v.curve.seeds,
      runs: v.runs.map((s) => {
        const evals = [...(bySeed.get(s.dir)?.evals ?? [])].sort((a, b) => a.step - b.step);
        const xs = evals.map((l) => (options.x === 'steps' ? l.step : l.time));
        const ys = smooth(evals.map((l) => l.mean), options.smoothing);
        return { seed: s.seed, status: s.status as RunStatus, variant: v.variant, xs, ys, onGrid: nullable(interpolate(xs, ys, grid)) };
      }),
    })),
    problems: [...problems, ...comparison.problems].map((p) => p.split(catalog.root + sep).join('')),
  };
  if (curveCache.size >= CURVE_CACHE_SIZE) curveCache.delete(curveCache.keys().next().value!);
  curveCache.set(key, { signature: sig, value });
  return value;
}
