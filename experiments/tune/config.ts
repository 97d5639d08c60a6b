// Tuning-study configs: an experiment config (config.ts checks it as it
// checks any) with one variant that adds a `search:` space, and a top-level
// `tune:` block (trials, sampler, pruner, objective, parallel, rungs). Every
// problem is reported at once with its file:line:column, as config.ts does.
//
// Defaults: sampler tpe (its first startupTrials = 10 trials random), sampler
// seed 0, pruner none, objective { metric: eval, aggregate: iqm, direction:
// maximize } (steps-to-threshold: minimize), parallel 1, rungs from minSteps
// (default: the variant's checkpointEvery) growing by eta (default 3). Rungs
// are checkpoints, so minSteps must be a multiple of checkpointEvery.
import * as z from 'zod';
import { agentDefinition } from '../../agents/agent.js';
import type { ParamSpec } from '../../agents/lib/hparams.js';
import { DEFAULT_MAX_RUNS, experimentIssues, readConfigFile, readDocument, resolveExperiment, throwIssues } from '../config.js';
import { maxWorkers, WORKERS_PER_CORE } from '../run-experiment.js';
import type { ExperimentConfig } from '../types.js';
import type { Issue } from '../config-wrappers.js';
import { schemaIssues } from '../config-wrappers.js';
import type { SearchSpace } from './space.js';
import { parseSearchSpace } from './space.js';

export const SAMPLERS = ['random', 'tpe'] as const;
export const PRUNERS = ['none', 'median', 'asha'] as const;
export const METRICS = ['eval', 'auc', 'steps-to-threshold'] as const;
export const AGGREGATES = ['iqm', 'mean', 'median'] as const;

export interface ObjectiveConfig {
  /** eval: the latest evaluation's mean return; auc: the evaluation curve's average height; steps-to-threshold: env steps until an evaluation reaches the threshold. */
  readonly metric: (typeof METRICS)[number];
  /** How a trial's seeds combine into its objective. */
  readonly aggregate: (typeof AGGREGATES)[number];
  readonly direction: 'maximize' | 'minimize';
  /** steps-to-threshold: the return to reach (the objective's, else the experiment's or the env's threshold). */
  readonly threshold?: number;
}

export interface TuneSettings {
  readonly trials: number;
  readonly sampler: (typeof SAMPLERS)[number];
  /** Seed of the sampler's generator: the same config gives the same trials. */
  readonly seed: number;
  /** TPE: trials drawn at random before the model is used. */
  readonly startupTrials: number;
  readonly pruner: (typeof PRUNERS)[number];
  /** Median pruner: completed trials needed before it prunes. */
  readonly minTrials: number;
  readonly objective: ObjectiveConfig;
  /** Runs executing at once (worker threads). */
  readonly parallel: number;
  /** The first rung's env steps, and the factor between rungs. */
  readonly minSteps: number;
  readonly eta: number;
}

export interface StudyConfig {
  /** The experiment with its one variant's fixed hyperparameters (the search space apart). */
  readonly experiment: ExperimentConfig;
  readonly space: SearchSpace;
  readonly tune: TuneSettings;
  /** Step budgets at which trials are compared (ascending, the last is totalSteps); one rung without a pruner. */
  readonly rungs: readonly number[];
  /** The parsed document, for writing the best trial's config. */
  readonly document: Readonly<Record<string, unknown>>;
}

const positiveInt = z.number().int().min(1);
const TUNE = z.strictObject({
  trials: positiveInt,
  sampler: z.enum(SAMPLERS).optional(),
  seed: z.number().int().min(0).optional(),
  startupTrials: z.number().int().min(0).optional(),
  pruner: z.enum(PRUNERS).optional(),
  minTrials: positiveInt.optional(),
  objective: z
    .strictObject({
      metric: z.enum(METRICS),
      aggregate: z.enum(AGGREGATES).optional(),
      direction: z.enum(['maximize', 'minimize']).optional(),
      threshold: z.number().optional(),
    })
    .optional(),
  parallel: positiveInt.optional(),
  minSteps: positiveInt.optional(),
  eta: z.number().int().min(2).optional(),
});
type RawTune = z.output<typeof TUNE>;

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The document without the study's keys (`tune`, each variant's `search`), for config.ts's checks. */
function experimentPart(data: Record<string, unknown>): Record<string, unknown> {
  const { tune: _tune, ...rest } = data;
  if (Array.isArray(rest.variants)) rest.variants = rest.variants.map((v: unknown) => (isMapping(v) ? (({ search: _search, ...keep }) => keep)(v) : v));
  return rest;
}

/** Rung budgets: minSteps x eta^k below totalSteps, then totalSteps. */
export function rungBudgets(minSteps: number, eta: number, totalSteps: number): number[] {
  const rungs: number[] = [];
  for (let r = minSteps; r < totalSteps; r *= eta) rungs.push(r);
  rungs.push(totalSteps);
  return rungs;
}

function tuneSettings(raw: RawTune, experiment: ExperimentConfig): TuneSettings {
  const metric = raw.objective?.metric ?? 'eval';
  const threshold = raw.objective?.threshold ?? (metric === 'steps-to-threshold' ? experiment.threshold : undefined);
  return {
    trials: raw.trials,
    sampler: raw.sampler ?? 'tpe',
    seed: raw.seed ?? 0,
    startupTrials: raw.startupTrials ?? 10,
    pruner: raw.pruner ?? 'none',
    minTrials: raw.minTrials ?? 3,
    objective: {
      metric,
      aggregate: raw.objective?.aggregate ?? 'iqm',
      direction: raw.objective?.direction ?? (metric === 'steps-to-threshold' ? 'minimize' : 'maximize'),
      ...(threshold !== undefined ? { threshold } : {}),
    },
    parallel: raw.parallel ?? 1,
    minSteps: raw.minSteps ?? experiment.variants[0]!.checkpointEvery,
    eta: raw.eta ?? 3,
  };
}

/** What the experiment (once resolved) says about the tune block: rungs on checkpoints, a threshold to reach, the run count. */
function studyIssues(tune: TuneSettings, raw: RawTune, experiment: ExperimentConfig, data: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const variant = experiment.variants[0]!;
  if (tune.pruner !== 'none') {
    const at = raw.minSteps !== undefined ? ['tune', 'minSteps'] : ['tune', 'pruner'];
    if (tune.minSteps % variant.checkpointEvery !== 0) {
      issues.push({ path: at, message: `the first rung (minSteps ${tune.minSteps}) must be a multiple of checkpointEvery (${variant.checkpointEvery}): a trial pauses at a checkpoint and resumes from it` });
    } else if (tune.minSteps >= variant.totalSteps) {
      issues.push({ path: at, message: `the first rung (minSteps ${tune.minSteps}) must be below totalSteps (${variant.totalSteps}) for the pruner to stop anything` });
    }
  }
  const objective = tune.objective;
  if (objective.metric === 'steps-to-threshold') {
    if (objective.threshold === undefined) issues.push({ path: ['tune', 'objective', 'metric'], message: `steps-to-threshold needs a return to reach: set tune.objective.threshold (${variant.env.id} registers none)` });
    if (objective.direction === 'maximize') issues.push({ path: ['tune', 'objective', 'direction'], message: 'steps-to-threshold counts env steps: fewer is better, so the direction is minimize' });
  }
  if (tune.parallel > maxWorkers()) {
    issues.push({ path: ['tune', 'parallel'], message: `${tune.parallel} is more than ${maxWorkers()} (${WORKERS_PER_CORE} per core on this machine); each run holds its own heap and backend` });
  }
  const maxRuns = typeof data.maxRuns === 'number' ? data.maxRuns : DEFAULT_MAX_RUNS;
  const runs = tune.trials * experiment.seeds.length;
  if (runs > maxRuns) issues.push({ path: ['tune', 'trials'], message: `${tune.trials} trials x ${experiment.seeds.length} seeds = ${runs} runs, more than maxRuns (${maxRuns}); if you mean it, set maxRuns: ${runs} at the top level of the config` });
  return issues;
}

/** Checks a study config (YAML or JSON text) and resolves it; throws a ConfigError listing every problem with its position. */
export function parseStudyConfig(text: string, source: string, format: 'yaml' | 'json' = 'yaml'): StudyConfig {
  const { data, locate } = readDocument(text, source, format);
  if (!isMapping(data)) {
    throwIssues(source, experimentIssues(data), locate);
    throwIssues(source, [{ path: [], message: 'expected a mapping with name, env, seeds, tune and variants' }], locate);
  }
  const doc = data as Record<string, unknown>;
  const issues: Issue[] = [...experimentIssues(experimentPart(doc))];
  if (doc.tune === undefined) issues.push({ path: [], message: 'missing required key "tune" (trials, sampler, pruner, objective): a study without it is an `arena run` config' });
  else issues.push(...schemaIssues(TUNE, doc.tune).map((i) => ({ ...i, path: ['tune', ...i.path] })));

  const variants = Array.isArray(doc.variants) ? doc.variants : [];
  if (variants.length > 1) issues.push({ path: ['variants', 1], message: `a study searches one variant, this config has ${variants.length}; tune each in its own study` });
  let space: SearchSpace | undefined;
  const variant = variants[0];
  if (isMapping(variant)) {
    let spec: ParamSpec | undefined;
    try {
      spec = typeof variant.algorithm === 'string' ? agentDefinition(variant.algorithm).hyperparameters : undefined;
    } catch {
      spec = undefined; // reported with the experiment
    }
    if (variant.sweep !== undefined) issues.push({ path: ['variants', 0, 'sweep'], message: 'a study samples its hyperparameters from search; put the swept values under search as { choice: [...] }', at: 'key' });
    if (variant.search === undefined) issues.push({ path: ['variants', 0], message: 'missing required key "search": the hyperparameters to tune, e.g. learningRate: { loguniform: [1e-5, 1e-2] }' });
    else space = parseSearchSpace(variant.search, ['variants', 0, 'search'], spec, isMapping(variant.hyperparameters) ? variant.hyperparameters : {}, issues);
  }
  throwIssues(source, issues, locate);

  const experiment = resolveExperiment(experimentPart(doc));
  const raw = TUNE.parse(doc.tune);
  const tune = tuneSettings(raw, experiment);
  throwIssues(source, studyIssues(tune, raw, experiment, doc), locate);
  const totalSteps = experiment.variants[0]!.totalSteps;
  return {
    experiment,
    space: space!,
    tune,
    rungs: tune.pruner === 'none' ? [totalSteps] : rungBudgets(tune.minSteps, tune.eta, totalSteps),
    document: doc,
  };
}

/** Reads and checks a study config file (.yaml, .yml or .json). */
export async function loadStudyConfig(path: string): Promise<StudyConfig> {
  const { text, format } = await readConfigFile(path);
  return parseStudyConfig(text, path, format);
}
