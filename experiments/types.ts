// The shapes the experiment runner works with: a resolved experiment config,
// the run specs planned from it, and the records a run writes to its directory
// (docs/design.md, "Run store"). Config parsing lives in config.ts, execution in
// execute-run.ts, comparison in compare.ts; they meet here.

/** One env wrapper applied after make(): a registered wrapper name and its arguments. */
export interface WrapperSpec {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface EnvConfig {
  readonly id: string;
  /** Keyword arguments for make(), including maxEpisodeSteps. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Applied in order to the training, evaluation and recording envs. */
  readonly wrappers: readonly WrapperSpec[];
}

export interface EvalSchedule {
  /** Evaluate every this many env steps (0: only at the end); always once at the end too. */
  readonly every: number;
  /** Deterministic episodes per evaluation. */
  readonly episodes: number;
}

export interface RecordSchedule {
  /** Record episodes every this many env steps (0: only at the end); always at step 0 and at the end too. */
  readonly every: number;
  /** Episodes recorded each time. */
  readonly episodes: number;
  /** Whether recorded episodes use the deterministic policy (true) or sample (false). */
  readonly deterministic: boolean;
}

/**
 * What a run on a multi-agent game (core/multi-agent.ts) adds: who the learner
 * plays against and how it is evaluated. Present exactly when the env id names
 * a registered game; the algorithm is then a multi-agent learner.
 */
export interface GameRunConfig {
  /** Fixed opponents the learner trains against besides its self-play pool: 'random' or one the game registers. */
  readonly opponents: readonly string[];
  /** The opponent of evaluations and recordings (competitive games); absent for a cooperative (one-side) game. */
  readonly evalOpponent?: string;
  /** Potential-based reward shaping with one of the game's potentials, scaled. */
  readonly shaping?: { readonly potential: string; readonly scale: number };
  /** An opponent the learner learns from while young (kickstarting: shared-ppo's kickstartCoef). */
  readonly teacher?: string;
  /** Tabular learners (iql) on float Box observations: the grid that turns an observation into a table row. */
  readonly discretize?: { readonly bins: number | readonly number[]; readonly low?: readonly number[]; readonly high?: readonly number[] };
}

/** One agent variant of an experiment, after sweep expansion. */
export interface VariantConfig {
  /** Unique within the experiment; a directory name (sweeps append `key=value` pairs). */
  readonly name: string;
  readonly algorithm: string;
  /** Validated against the algorithm's spec; only the keys the user gave. */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  /** Vector-env copies to train on; 0 trains on a single env. */
  readonly envs: number;
  readonly totalSteps: number;
  /** The experiment's env with this variant's kwargs and wrappers merged in. */
  readonly env: EnvConfig;
  // Schedules: the experiment's, overridden per variant where given; omitted
  // values are derived from this variant's totalSteps (see config.ts).
  readonly eval: EvalSchedule;
  readonly record: RecordSchedule;
  /** Save a checkpoint every this many env steps. Part of a run's definition: see execute-run.ts. */
  readonly checkpointEvery: number;
  /** Training-metric lines (losses) are averaged over this many env steps. */
  readonly logEvery: number;
  /** Absolute path of a run or agent directory whose learned values a fresh run starts from (the agent's warmStart). */
  readonly warmStart?: string;
  /** Multi-agent games only. */
  readonly game?: GameRunConfig;
}

export interface ExperimentConfig {
  readonly name: string;
  readonly description?: string;
  readonly seeds: readonly number[];
  readonly backend: string;
  /** Return that counts as solved (the config's, else the env's registered reward threshold, else none). */
  readonly threshold?: number;
  /**
   * Extra logs each run writes (`tensorboard`: event files in `<run dir>/tb/`); absent when none. Not part of
   * what a run computes: see runDefinition.
   */
  readonly logging?: readonly string[];
  readonly variants: readonly VariantConfig[];
}

/**
 * Everything one (variant, seed) run needs; written into run.json as `spec`:
 * the variant's settings (its name as `variant`), the experiment's name and
 * run-wide settings, and the seed.
 */
export interface RunSpec extends Omit<VariantConfig, 'name'>, Pick<ExperimentConfig, 'backend' | 'threshold' | 'logging'> {
  readonly experiment: string;
  readonly variant: string;
  readonly seed: number;
}

/** A planned run: its spec and its directory, `<runsDir>/<experiment>/<variant>/seed-<seed>`. */
export interface PlannedRun {
  readonly spec: RunSpec;
  readonly dir: string;
}

// ---------------------------------------------------------------- records

export type RunStatus = 'pending' | 'running' | 'finished' | 'failed' | 'interrupted';

/** run.json, rewritten atomically (temp file then rename) whenever the status changes. */
export interface RunRecord {
  readonly format: 'arena.run/1';
  readonly spec: RunSpec;
  readonly package: { readonly name: string; readonly version: string };
  /** `git rev-parse HEAD` of the working directory, or null outside a repository. */
  readonly git: string | null;
  readonly hostname: string;
  readonly node: string;
  readonly status: RunStatus;
  /** ISO times. */
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Env steps done (as of the last checkpoint or the end). */
  readonly step: number;
  /** Training wall seconds over all attempts (resumed runs add up). */
  readonly seconds: number;
  /** Steps of the checkpoint a resume would start from, or null. */
  readonly checkpointStep: number | null;
  /** How many times the run was (re)started. */
  readonly attempts: number;
  /** `code` and `path`: a write the file system refused (ENOSPC, EDQUOT, EROFS, EACCES), and where. */
  readonly error?: { readonly message: string; readonly stack?: string; readonly code?: string; readonly path?: string };
  /**
   * Holes in the run's JSONL files found on resume: lines written before the
   * checkpoint a resume started from that are no longer in the file (it was
   * cut or edited). Steps after `afterStep` up to `beforeStep` lack `missing`
   * lines in `file`; the run went on from `beforeStep`. Readers (compare, the
   * viewer) mark them.
   */
  readonly gaps?: readonly RunGap[];
  /** Things a resume found and worked around (a damaged checkpoint passed over), newest last. */
  readonly warnings?: readonly string[];
}

/** A hole in one of a run's JSONL files, found on resume (RunRecord.gaps). */
export interface RunGap {
  /** 'metrics.jsonl', 'eval.jsonl' or 'episodes/index.jsonl'. */
  readonly file: string;
  /**
   * Step of the last line kept before the checkpoint (-1: none), and the checkpoint step the resume
   * continued from. The hole is placed as for a file cut short (lines lost at its end, the usual case:
   * a full disk, a copy or an edit that stopped early); `missing` is exact however the lines went.
   */
  readonly afterStep: number;
  readonly beforeStep: number;
  /** Lines written up to the checkpoint that are missing. */
  readonly missing: number;
  /** ISO time of the resume that found it. */
  readonly foundAt: string;
}

/** metrics.jsonl, one line per finished training episode. */
export interface EpisodeLine {
  readonly type: 'episode';
  readonly step: number;
  /** Training wall seconds at this point. */
  readonly time: number;
  readonly episode: number;
  readonly return: number;
  readonly length: number;
  readonly truncated: boolean;
  /** Multi-agent games: each agent's return, each side's team return, and who played each side ('learner', 'pool:<id>', 'random', ...). `return` is the learner's side's team return. */
  readonly returns?: Readonly<Record<string, number>>;
  readonly teamReturns?: readonly number[];
  readonly controllers?: readonly string[];
}

/** metrics.jsonl, one line per `logEvery` steps: update metrics averaged since the last line. */
export interface UpdateLine {
  readonly type: 'update';
  readonly step: number;
  readonly time: number;
  /** Env steps per second since the last line. */
  readonly fps: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export type MetricsLine = EpisodeLine | UpdateLine;

/** eval.jsonl, one line per evaluation (deterministic episodes from a fixed seed). */
export interface EvalLine {
  readonly step: number;
  readonly time: number;
  readonly episodes: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
  /** Competitive games: the opponent, and the learner's wins, draws and losses over the episodes (both sides in turn). */
  readonly opponent?: string;
  readonly wins?: number;
  readonly draws?: number;
  readonly losses?: number;
}

/** episodes/index.jsonl, one line per recorded episode file. */
export interface EpisodeIndexLine {
  readonly file: string;
  readonly step: number;
  readonly index: number;
  readonly return: number;
  readonly length: number;
  /** 'eval' for episodes recorded by `arena eval --record`; absent for those recorded during training. */
  readonly source?: 'eval';
}

/**
 * The JSON of a config or spec without its top-level `logging` list, to tell
 * whether a resume continues the same runs: logging changes what is written
 * beside a run, not what it computes, so it may be switched on for a resume.
 */
export function runDefinition(value: ExperimentConfig | RunSpec): string {
  return JSON.stringify({ ...value, logging: undefined });
}

export const RUN_FORMAT = 'arena.run/1';
export const EPISODE_FORMAT = 'arena.episode/1';
export const EXPERIMENT_FORMAT = 'arena.experiment/1';
