// A run's TensorBoard log: the event file in `<run dir>/tb/` that mirrors its
// metrics.jsonl and eval.jsonl, written live by execute-run.ts (`logging:
// [tensorboard]`) and rebuilt from those files by `arena export-tb`.
//
// Scalars, each at the env step of its line: `train/episode_return` and
// `train/episode_length` (episode lines), `train/<name>` for every finite
// update metric and `perf/fps` (update lines), `eval/return_mean`,
// `eval/return_std`, `eval/return_min`, `eval/return_max`,
// `eval/length_mean` and, for games, `eval/wins|draws|losses` (eval lines).
// The spec (algorithm, hyperparameters, env, budgets) is at step 0 twice: a
// markdown table in the text summary `hparams`, and the HParams plugin's
// session start info, grouping the seeds of a variant (group
// `<experiment>/<variant>`), so that its dashboard compares variants on the
// run's scalars. An event's wall time is the run's
// createdAt plus its training seconds at that line, so the file is a function
// of the run's files: rebuilding it gives the same events.
//
// Resume: the jsonl files are cut back to the checkpoint (execute-run.ts rollBack);
// the event file is then rebuilt from them into a new file, which replaces
// every earlier event file of the run, and the run appends to it. Nothing
// past the checkpoint is left to show twice in TensorBoard, which merges all
// event files of a directory.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findRunDirs } from './load-runs.js';
import { acquireExperimentLock } from './lock.js';
import { EVAL_FILE, EXPERIMENT_FILE, METRICS_FILE, makeDirs, parseJsonl, readRunRecord } from './store.js';
import { writeFileAtomicSync } from '../core/files.js';
import type { EvalLine, MetricsLine, RunRecord, RunSpec } from './types.js';
import type { HParamValue, SummaryValue, TbEvent } from './tensorboard.js';
import { EventFileAppender, SESSION_START_INFO_TAG, eventFileBytes, eventFileName, isEventFileName } from './tensorboard.js';

/** The directory of a run's event files. */
export const TB_DIR = 'tb';
/** The loggers a config's `logging` list may name. */
export const LOGGERS = ['tensorboard'] as const;
export type Logger = (typeof LOGGERS)[number];

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The scalars of one metrics.jsonl line (none for a line that is not one the run writes). */
export function metricsScalars(line: MetricsLine): SummaryValue[] {
  if (line.type === 'episode') {
    return [
      ...(finite(line.return) ? [{ tag: 'train/episode_return', scalar: line.return }] : []),
      ...(finite(line.length) ? [{ tag: 'train/episode_length', scalar: line.length }] : []),
    ];
  }
  if (line.type === 'update') {
    const values: SummaryValue[] = Object.entries(line.metrics ?? {})
      .filter(([, v]) => finite(v))
      .map(([name, v]) => ({ tag: `train/${name}`, scalar: v }));
    if (finite(line.fps)) values.push({ tag: 'perf/fps', scalar: line.fps });
    return values;
  }
  return [];
}

/** The scalars of one eval.jsonl line. */
export function evalScalars(line: EvalLine): SummaryValue[] {
  const lengths = Array.isArray(line.lengths) ? line.lengths.filter(finite) : [];
  const candidates: [string, unknown][] = [
    ['eval/return_mean', line.mean],
    ['eval/return_std', line.std],
    ['eval/return_min', line.min],
    ['eval/return_max', line.max],
    ['eval/length_mean', lengths.length > 0 ? lengths.reduce((a, b) => a + b, 0) / lengths.length : undefined],
    ['eval/wins', line.wins],
    ['eval/draws', line.draws],
    ['eval/losses', line.losses],
  ];
  return candidates.filter((c): c is [string, number] => finite(c[1])).map(([tag, scalar]) => ({ tag, scalar }));
}

/** Seconds since the epoch at which the run's training clock started (its createdAt). */
export function runEpoch(record: Pick<RunRecord, 'createdAt'>): number {
  const t = Date.parse(record.createdAt);
  return Number.isFinite(t) ? t / 1000 : 0;
}

/** The event of a line, or null when it has no scalars (or no valid step). */
function lineEvent(line: { step: number; time: number }, values: SummaryValue[], epoch: number): TbEvent | null {
  if (values.length === 0 || !Number.isSafeInteger(line.step) || line.step < 0) return null;
  return { wallTime: epoch + (finite(line.time) ? line.time : 0), step: line.step, values };
}

export const metricsEvent = (line: MetricsLine, epoch: number): TbEvent | null => lineEvent(line, metricsScalars(line), epoch);
export const evalEvent = (line: EvalLine, epoch: number): TbEvent | null => lineEvent(line, evalScalars(line), epoch);

/** What a variant is, key by key: algorithm, env, its kwargs and wrappers, budgets, hyperparameters (the same for every seed). */
function variantRows(spec: RunSpec): [string, unknown][] {
  return [
    ['algorithm', spec.algorithm],
    ['env', spec.env.id],
    ...Object.entries(spec.env.kwargs).map(([k, v]): [string, unknown] => [`env.${k}`, v]),
    ...(spec.env.wrappers.length > 0 ? [['wrappers', spec.env.wrappers.map((w) => w.name).join(', ')] as [string, unknown]] : []),
    ['envs', spec.envs],
    ['totalSteps', spec.totalSteps],
    ...Object.entries(spec.hyperparameters).map(([k, v]): [string, unknown] => [`hp.${k}`, v]),
  ];
}

/** The spec as a markdown table, for the text summary `hparams`. */
export function hparamsText(spec: RunSpec): string {
  const rows: [string, unknown][] = [['experiment', spec.experiment], ['variant', spec.variant], ['seed', spec.seed], ...variantRows(spec)];
  const cell = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return ['| key | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join('\n');
}

/** The variant's hyperparameters for the HParams plugin: numbers, strings and booleans as they are, anything else as JSON. */
export function sessionHParams(spec: RunSpec): Record<string, HParamValue> {
  const plain = (v: unknown): HParamValue => (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v) ?? 'null');
  return Object.fromEntries(variantRows(spec).map(([k, v]) => [k, plain(v)]));
}

/** The JSON lines of a file (none when it is missing), and how many are not JSON (skipped). */
function readLines<T>(path: string): { lines: T[]; bad: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], bad: 0 };
    throw e;
  }
  const { lines, bad } = parseJsonl<T>(text);
  return { lines: lines.filter((l) => typeof l === 'object' && l !== null), bad: bad.length };
}

/** Every event of a run's log, from its files: hparams at step 0, then its metrics and eval lines in step order. */
export function runEvents(dir: string, record: Pick<RunRecord, 'createdAt' | 'spec'>): TbEvent[] {
  return readRunEvents(dir, record).events;
}

/** runEvents, with the lines of each file that are not JSON and were skipped. */
function readRunEvents(dir: string, record: Pick<RunRecord, 'createdAt' | 'spec'>): { events: TbEvent[]; skipped: Record<string, number> } {
  const epoch = runEpoch(record);
  const spec = record.spec;
  const events: TbEvent[] = [
    {
      wallTime: epoch,
      step: 0,
      values: [
        { tag: 'hparams', text: hparamsText(spec) },
        { tag: SESSION_START_INFO_TAG, hparams: sessionHParams(spec), group: `${spec.experiment}/${spec.variant}`, startTime: epoch },
      ],
    },
  ];
  const lines: TbEvent[] = [];
  const metrics = readLines<MetricsLine>(join(dir, METRICS_FILE));
  for (const l of metrics.lines) {
    const e = metricsEvent(l, epoch);
    if (e) lines.push(e);
  }
  const evals = readLines<EvalLine>(join(dir, EVAL_FILE));
  for (const l of evals.lines) {
    const e = evalEvent(l, epoch);
    if (e) lines.push(e);
  }
  const skipped: Record<string, number> = {};
  if (metrics.bad > 0) skipped[METRICS_FILE] = metrics.bad;
  if (evals.bad > 0) skipped[EVAL_FILE] = evals.bad;
  // Stable: lines of one step keep their file order.
  return { events: [...events, ...lines.sort((a, b) => a.step - b.step)], skipped };
}

/**
 * Writes the run's log afresh from its files, as a new event file in
 * `<dir>/tb/` (written whole, then renamed into place), and then removes the
 * run's other event files. Returns the new file's path and its events.
 */
export async function rebuildRunLog(
  dir: string,
  record: Pick<RunRecord, 'createdAt' | 'spec'>,
  now = Date.now() / 1000,
): Promise<{ path: string; events: TbEvent[]; skipped: Record<string, number> }> {
  const tbDir = join(dir, TB_DIR);
  await makeDirs(tbDir);
  const name = eventFileName(now);
  const path = join(tbDir, name);
  const { events, skipped } = readRunEvents(dir, record);
  writeFileAtomicSync(path, eventFileBytes(now, events));
  for (const other of readdirSync(tbDir)) if (other !== name && isEventFileName(other)) rmSync(join(tbDir, other), { force: true });
  return { path, events, skipped };
}

/** The live log of a running run: rebuilt from its files when it starts (or resumes), then appended to line by line. */
export class RunLog {
  private constructor(
    private readonly file: EventFileAppender,
    private readonly epoch: number,
  ) {}

  static async open(dir: string, record: Pick<RunRecord, 'createdAt' | 'spec'>): Promise<RunLog> {
    return new RunLog(new EventFileAppender((await rebuildRunLog(dir, record)).path), runEpoch(record));
  }

  get path(): string {
    return this.file.path;
  }

  metrics(line: MetricsLine): void {
    const e = metricsEvent(line, this.epoch);
    if (e) this.file.write(e);
  }

  eval(line: EvalLine): void {
    const e = evalEvent(line, this.epoch);
    if (e) this.file.write(e);
  }

  close(): void {
    this.file.close();
  }
}

/** What `exportRunLogs` did for one run: the event file written, its scalar count and the lines left out per file (not JSON). */
export interface ExportedRun {
  readonly dir: string;
  readonly file: string;
  readonly scalars: number;
  readonly badLines: Readonly<Record<string, number>>;
}

/**
 * `arena export-tb`: rebuilds the event file of every run under `path` (an
 * experiment or a run directory) from its metrics.jsonl and eval.jsonl. It
 * holds the experiment's lock meanwhile (lock.ts), so that no `arena run`
 * resumes a run and appends to the event file this replaces (and a run
 * whose run.json still says running is one whose process died).
 */
export async function exportRunLogs(path: string): Promise<ExportedRun[]> {
  const { kind, runDirs } = await findRunDirs(path, 'export-tb');
  // A run directory of an experiment is locked through its experiment; a lone run directory has no lock.
  const experiment = kind === 'experiment' ? resolve(path) : dirname(dirname(runDirs[0]!));
  const lock = existsSync(join(experiment, EXPERIMENT_FILE)) || kind === 'experiment' ? acquireExperimentLock(experiment, `arena export-tb ${path}`) : null;
  try {
    return await exportLocked(runDirs);
  } finally {
    lock?.release();
  }
}

async function exportLocked(runDirs: readonly string[]): Promise<ExportedRun[]> {
  const out: ExportedRun[] = [];
  for (const dir of runDirs) {
    const record = await readRunRecord(dir);
    const { path: file, events, skipped } = await rebuildRunLog(dir, record);
    const scalars = events.reduce((n, e) => n + (e.values ?? []).filter((v) => 'scalar' in v).length, 0);
    out.push({ dir, file, scalars, badLines: skipped });
  }
  return out;
}
