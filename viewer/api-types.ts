// The viewer's JSON API: the shapes the server (server.ts) answers with and the
// browser client (client/) reads. Type declarations only, so the client can
// import them without pulling server code into its bundle. viewer/README.md
// documents the endpoints.
import type { EpisodeIndexLine, EvalLine, RunStatus } from '../experiments/types.js';
import type { VariantSummary } from '../experiments/compare.js';

/** What the viewer was started on. */
export type RootKind = 'runs' | 'experiment' | 'run' | 'episode';

/** Names one run: experiment name, variant directory, seed directory (`seed-<n>`). */
export interface RunRef {
  readonly experiment: string;
  readonly variant: string;
  readonly seed: string;
}

/** Names one recorded episode file of a run. */
export interface EpisodeRef extends RunRef {
  readonly file: string;
}

/** GET /api/root */
export interface RootInfo {
  readonly kind: RootKind;
  /** The root's base name, for the page title. */
  readonly name: string;
  readonly experiments: number;
  /** For kind 'episode': the one episode, so the client can open the player at once. */
  readonly episode?: EpisodeRef;
}

/** Run counts by status; a run whose run.json is not written yet counts as 'pending'. */
export type StatusCounts = Partial<Record<RunStatus, number>>;

/** GET /api/experiments, one entry per experiment. */
export interface ExperimentListEntry {
  readonly name: string;
  readonly description?: string;
  /** The env id of the first run (or of the config). */
  readonly env?: string;
  readonly variants: readonly string[];
  readonly runs: number;
  readonly status: StatusCounts;
}

/** One run as listed on an experiment's page. */
export interface RunSummary extends RunRef {
  readonly status: RunStatus;
  readonly algorithm?: string;
  readonly env?: string;
  readonly seedNumber?: number;
  readonly step: number;
  readonly totalSteps?: number;
  readonly seconds: number;
  /** First line of the error of a failed run. */
  readonly error?: string;
}

/** GET /api/experiments/:experiment */
export interface ExperimentDetail {
  readonly name: string;
  readonly kind: RootKind;
  readonly description?: string;
  readonly threshold?: number;
  readonly variants: readonly string[];
  readonly status: StatusCounts;
  readonly runs: readonly RunSummary[];
  /** Planned runs not in `runs` (an experiment planning more than the viewer lists); all pending, counted in `status`. */
  readonly unlisted?: number;
  /** A tuning study (`arena tune`): its trials table (trials.json); the trials are the variants. */
  readonly study?: StudyTable;
}

/** One trial of a tuning study, as trials.json has it (experiments/tune/outputs.ts). */
export interface StudyTrial {
  readonly number: number;
  /** The variant its runs are under. */
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: 'running' | 'paused' | 'complete' | 'pruned' | 'failed';
  readonly objective: number | null;
  readonly rung: number;
  readonly budget: number | null;
  readonly steps: number;
  readonly error?: string;
}

export interface StudyTable {
  readonly objective: { readonly metric: string; readonly aggregate: string; readonly direction: 'maximize' | 'minimize' };
  readonly rungs: readonly number[];
  readonly trials: readonly StudyTrial[];
}

/** One seed's evaluation curve: its own points, and the same put on the shared grid. */
export interface SeedCurve {
  readonly seed: number;
  readonly status: RunStatus;
  readonly variant: string;
  /** The run's evaluations (x per the request, mean return; smoothed when asked). */
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  /** The same curve interpolated onto `grid` (null outside the run's own x range). */
  readonly onGrid: readonly (number | null)[];
}

/** One variant's curve on the grid: mean over seeds and its 95% band, with the variant's summary from `arena compare`. */
export interface VariantCurves
  extends Pick<
    VariantSummary,
    'key' | 'variant' | 'algorithm' | 'seeds' | 'finished' | 'partial' | 'failed' | 'evaluated' | 'final' | 'auc' | 'threshold' | 'reached' | 'of' | 'stepsToThreshold' | 'match'
  > {
  readonly mean: readonly (number | null)[];
  readonly low: readonly (number | null)[];
  readonly high: readonly (number | null)[];
  /** Seeds with a value at each grid point. */
  readonly count: readonly number[];
  readonly runs: readonly SeedCurve[];
}

/** GET /api/experiments/:experiment/curves */
export interface CurvesResponse {
  readonly x: 'steps' | 'time';
  readonly smoothing: number;
  readonly confidence: number;
  /** How the band was computed, in words, for the page's legend. */
  readonly band: string;
  readonly threshold: number | null;
  readonly grid: readonly number[];
  readonly variants: readonly VariantCurves[];
  readonly problems: readonly string[];
}

/** One bucket of training episodes (metrics.jsonl 'episode' lines). */
export interface EpisodePoint {
  /** Step and time of the bucket's last line. */
  readonly step: number;
  readonly time: number;
  /** Mean, minimum and maximum return over the bucket's episodes. */
  readonly return: number;
  readonly min: number;
  readonly max: number;
  /** Mean episode length over the bucket. */
  readonly length: number;
  readonly count: number;
}

/** One bucket of update lines (metrics.jsonl 'update' lines). */
export interface UpdatePoint {
  /** Step and time of the bucket's last line. */
  readonly step: number;
  readonly time: number;
  /** Mean over the bucket. */
  readonly fps: number;
  /** Each metric's mean over the bucket's lines that have it. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly count: number;
}

/** GET /api/experiments/:experiment/runs/:variant/:seed/metrics?maxPoints=N */
export interface MetricsResponse {
  readonly maxPoints: number;
  readonly episodes: { readonly total: number; readonly bucketSize: number; readonly points: readonly EpisodePoint[] };
  readonly updates: { readonly total: number; readonly bucketSize: number; readonly keys: readonly string[]; readonly points: readonly UpdatePoint[] };
  /** Lines left out (not valid JSON, not a metrics line), `<file> line <n>: <why>`, the first 20 (then how many more). */
  readonly problems: readonly string[];
}

/** GET .../evals */
export interface EvalsResponse {
  readonly lines: readonly EvalLine[];
}

/** GET .../episodes */
export interface EpisodesResponse {
  readonly episodes: readonly EpisodeIndexLine[];
}

/** Every error answer. */
export interface ApiError {
  readonly error: string;
  /** The file the error is about, relative to the root. */
  readonly file?: string;
  /** 1-based line of a JSONL file. */
  readonly line?: number;
  /** All problems found, when there are several. */
  readonly problems?: readonly string[];
}

/** Server-sent events on /api/events. */
export type ViewerEvent =
  /** Files of a run changed (grown JSONL files, a rewritten run.json, a new episode). */
  | { readonly type: 'run'; readonly run: RunRef; readonly files: readonly string[] }
  /** Experiments or runs appeared or went away. */
  | { readonly type: 'catalog' };
