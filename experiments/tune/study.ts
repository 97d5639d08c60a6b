// Runs a tuning study: samples trials, runs each trial's seed runs to a rung's
// step budget on an executor (pausing at that rung's checkpoint, execute-run.ts's
// pauseAt), scores them (objective.ts), lets the pruner decide which goes on,
// and keeps the study durable in study.json under the study directory, which
// holds the trials' runs as an experiment holds its variants:
// `<runsDir>/<study>/trial-0007/seed-0`.
//
// Determinism. A job is one trial taken to one rung. Jobs are decided and
// their results applied strictly in the order they were issued: at most
// `window` jobs are in flight, and a free slot is filled (pruner promotion
// first, else a new trial from the sampler) only after the oldest job's
// result is applied. Runs are pure functions of their spec, so the decisions,
// the sampler's draws and the results depend only on the config, not on
// which run finishes first. study.json logs every applied result; `--resume`
// replays the log (results come from it, nothing re-runs) and continues: the
// in-flight jobs of a killed study resume their runs from their checkpoints,
// so the study ends with the same trials and results as one never stopped.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { planRuns } from '../config.js';
import { acquireExperimentLock } from '../lock.js';
import type { RunProgress } from '../execute-run.js';
import type { Executor } from '../run-experiment.js';
import { ExistingRunsError } from '../run-experiment.js';
import { makeDirs, readJson, writeJsonAtomic } from '../store.js';
import type { ExperimentConfig, PlannedRun } from '../types.js';
import type { StudyConfig } from './config.js';
import { BEST_CONFIG, FIGURE_NAME, STUDY_FILE, TRIALS_CSV, TRIALS_JSON } from './files.js';
import { lossOf, trialObjective } from './objective.js';
import type { TrialRow, TrialStatus } from './outputs.js';
import { writeStudyResults, writeTrialsTable } from './outputs.js';
import type { Pruner } from './pruners.js';
import { makePruner } from './pruners.js';
import type { Observation, Sampler } from './sampler.js';
import { RandomSampler } from './sampler.js';
import { TpeSampler } from './tpe.js';

export const STUDY_FORMAT = 'arena.study/1';
const TRIAL_DIR = /^trial-\d+$/;

export const trialName = (n: number): string => `trial-${String(n).padStart(4, '0')}`;

/** One applied job result, in the order applied (the log a resume replays). */
export interface JobRecord {
  readonly trial: number;
  readonly rung: number;
  readonly objective: number | null;
  /** Env steps the trial's runs had executed after this job, summed over seeds. */
  readonly steps: number;
  readonly failed?: string;
}

/** study.json: what the study was started with, its trials' hyperparameters, and its applied results. */
export interface StudyFile {
  readonly format: typeof STUDY_FORMAT;
  readonly name: string;
  readonly source?: string;
  readonly updatedAt: string;
  readonly config: Omit<StudyConfig, 'document'>;
  readonly trials: readonly { readonly number: number; readonly params: Readonly<Record<string, unknown>> }[];
  readonly jobs: readonly JobRecord[];
  readonly finished: boolean;
}

interface Trial {
  readonly number: number;
  readonly params: Readonly<Record<string, unknown>>;
  status: TrialStatus;
  objectives: (number | null)[];
  rung: number;
  steps: number;
  error?: string;
}

export interface StudySummary {
  readonly trials: number;
  readonly complete: number;
  /** Stopped at a rung: pruned, or (ASHA, while the study runs) waiting for a promotion. */
  readonly pruned: number;
  readonly failed: number;
  readonly running: number;
  readonly best: { readonly name: string; readonly objective: number } | null;
}

export interface StudyReporter {
  start(study: StudyConfig, replayed: number): void;
  jobStarted(trial: string, rung: number, budget: number, summary: StudySummary): void;
  runProgress(trial: string, run: PlannedRun, progress: RunProgress): void;
  jobEnded(trial: string, rung: number, objective: number | null, summary: StudySummary): void;
  message(text: string): void;
  end(): void;
}

export interface StudyOptions {
  readonly runsDir: string;
  readonly executor: Executor;
  readonly resume?: boolean;
  /** Deletes the study's trials and files first. */
  readonly overwrite?: boolean;
  readonly reporter?: StudyReporter;
  readonly signal?: AbortSignal;
  readonly source?: string;
  readonly command?: string;
}

export interface StudyOutcome {
  readonly dir: string;
  readonly trials: readonly TrialRow[];
  readonly best: TrialRow | null;
  readonly interrupted: boolean;
  /** Env steps all trials executed, and what running every trial to totalSteps would have taken. */
  readonly steps: number;
  readonly stepsWithoutPruning: number;
}

/** The experiment of one trial: the study's variant named after the trial, its sampled hyperparameters over the fixed ones. */
export function trialExperiment(study: StudyConfig, number: number, params: Readonly<Record<string, unknown>>): ExperimentConfig {
  const variant = study.experiment.variants[0]!;
  return { ...study.experiment, variants: [{ ...variant, name: trialName(number), hyperparameters: { ...variant.hyperparameters, ...params } }] };
}

function storedConfig(study: StudyConfig): Omit<StudyConfig, 'document'> {
  const { document: _document, ...rest } = study;
  return rest;
}

function makeSampler(study: StudyConfig): Sampler {
  return study.tune.sampler === 'tpe' ? new TpeSampler({ startup: study.tune.startupTrials }) : new RandomSampler();
}

/** Runs (or, with resume, continues) a study, holding the study directory's lock throughout. */
export async function runStudy(study: StudyConfig, options: StudyOptions): Promise<StudyOutcome> {
  if (study.rungs.length > 1 && !options.executor.pauses) {
    throw new Error(`pruner ${study.tune.pruner} pauses trials at rungs, which this executor cannot do: run the study on one that can (local workers, the queue), or with pruner: none`);
  }
  const dir = join(options.runsDir, study.experiment.name);
  // Stopped before it began: nothing is written, deleted or started.
  if (options.signal?.aborted) return { dir, trials: [], best: null, interrupted: true, steps: 0, stepsWithoutPruning: 0 };
  await makeDirs(dir);
  const lock = acquireExperimentLock(dir, options.command ?? 'arena tune');
  try {
    return await runLocked(study, options, dir);
  } finally {
    lock.release();
  }
}

async function runLocked(study: StudyConfig, options: StudyOptions, dir: string): Promise<StudyOutcome> {
  const file = join(dir, STUDY_FILE);
  const trialDirs = readdirSync(dir).filter((n) => TRIAL_DIR.test(n));
  const started = existsSync(file) || trialDirs.length > 0;
  if (started && !options.resume && !options.overwrite) {
    throw new ExistingRunsError(`${dir} already holds a study; continue it with --resume, or start over with --overwrite (which deletes its trials)`);
  }
  if (options.overwrite) {
    for (const n of trialDirs) await rm(join(dir, n), { recursive: true, force: true });
    for (const name of [STUDY_FILE, TRIALS_JSON, TRIALS_CSV, BEST_CONFIG, `${FIGURE_NAME}.svg`, `${FIGURE_NAME}.png`]) await rm(join(dir, name), { force: true });
  }
  let logged: readonly JobRecord[] = [];
  let storedTrials: StudyFile['trials'] = [];
  if (options.resume && existsSync(file)) {
    const stored = await readJson<StudyFile>(file);
    if (JSON.stringify(stored.config) !== JSON.stringify(storedConfig(study))) {
      throw new Error(`${file}: the study config (or --parallel, which decides how trials are scheduled) differs from the one this study started with; resume with the original, or use --overwrite to start over`);
    }
    logged = stored.jobs;
    storedTrials = stored.trials;
  }

  const { tune, rungs } = study;
  const last = rungs.length - 1;
  const seeds = study.experiment.seeds.length;
  const window = Math.max(1, Math.ceil(tune.parallel / seeds));
  const rng = new Rng(tune.seed);
  const sampler = makeSampler(study);
  const pruner: Pruner = makePruner(tune.pruner, rungs.length, { eta: tune.eta, minTrials: tune.minTrials });
  const trials: Trial[] = [];
  const applied: JobRecord[] = [];
  const reporter = options.reporter;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    options.executor.stop();
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });

  const objectiveOf = (t: Trial): number | null => (t.rung >= 0 ? t.objectives[t.rung]! : null);
  const rows = (): TrialRow[] =>
    trials.map((t) => ({
      number: t.number,
      name: trialName(t.number),
      params: t.params,
      status: t.status,
      objective: objectiveOf(t),
      rung: t.rung,
      budget: t.rung >= 0 ? rungs[t.rung]! : null,
      steps: t.steps,
      ...(t.error !== undefined ? { error: t.error } : {}),
    }));
  const summary = (): StudySummary => {
    const count = (s: TrialStatus) => trials.filter((t) => t.status === s).length;
    const scored = trials.filter((t) => t.status !== 'failed' && objectiveOf(t) !== null);
    const top = Math.max(-1, ...scored.map((t) => t.rung));
    const best = scored.filter((t) => t.rung === top).sort((a, b) => lossOf(tune.objective, objectiveOf(a)) - lossOf(tune.objective, objectiveOf(b)) || a.number - b.number)[0];
    return {
      trials: tune.trials,
      complete: count('complete'),
      pruned: count('pruned') + count('paused'),
      failed: count('failed'),
      running: count('running'),
      best: best ? { name: trialName(best.number), objective: objectiveOf(best)! } : null,
    };
  };
  const save = async (finished: boolean): Promise<void> => {
    const state: StudyFile = {
      format: STUDY_FORMAT,
      name: study.experiment.name,
      ...(options.source ? { source: options.source } : {}),
      updatedAt: new Date().toISOString(),
      config: storedConfig(study),
      trials: trials.map((t) => ({ number: t.number, params: t.params })),
      jobs: applied,
      finished,
    };
    await writeJsonAtomic(join(dir, STUDY_FILE), state);
    await writeTrialsTable(dir, study, rows());
  };

  /** The next job, or null when none can start until a result comes in (or the study is done). */
  const decide = (idle: boolean): { trial: number; rung: number } | null => {
    const promotion = pruner.next();
    if (promotion) return promotion;
    if (trials.length >= tune.trials) return idle ? (pruner.finish?.() ?? null) : null;
    const history: Observation[] = trials.filter((t) => t.rung >= 0).map((t) => ({ params: t.params, rung: t.rung, loss: lossOf(tune.objective, objectiveOf(t)) }));
    const number = trials.length;
    const params = sampler.sample(study.space, history, rng);
    const stored = storedTrials[number];
    if (stored && JSON.stringify(stored.params) !== JSON.stringify(params)) {
      throw new Error(`${file}: trial ${number} was sampled as ${JSON.stringify(stored.params)}, and now as ${JSON.stringify(params)}: the study file does not belong to this config and code; use --overwrite to start over`);
    }
    trials.push({ number, params, status: 'paused', objectives: [], rung: -1, steps: 0 });
    return { trial: number, rung: 0 };
  };

  /** Executes a job's runs (or takes its logged result); 'stopped' when the study was asked to stop before it ended. */
  const execute = async (index: number, trial: Trial, rung: number): Promise<JobRecord | 'stopped'> => {
    const record = logged[index];
    if (record) {
      if (record.trial !== trial.number || record.rung !== rung) {
        throw new Error(`${file}: job ${index} took trial ${record.trial} to rung ${record.rung}, and now trial ${trial.number} to rung ${rung}: the study file does not belong to this config and code; use --overwrite to start over`);
      }
      return record;
    }
    const name = trialName(trial.number);
    const runs = planRuns(trialExperiment(study, trial.number, trial.params), options.runsDir);
    const budget = rungs[rung]!;
    const limits = rung === last ? {} : { pauseAt: budget };
    reporter?.jobStarted(name, rung, budget, summary());
    const outcomes = await Promise.all(runs.map((run) => options.executor.execute(run, true, { onProgress: (p) => reporter?.runProgress(name, run, p) }, limits)));
    const steps = outcomes.reduce((a, o) => a + o.step, 0);
    const failed = outcomes.find((o) => o.status === 'failed');
    if (failed) return { trial: trial.number, rung, objective: null, steps, failed: failed.error?.message.split('\n')[0] ?? 'failed' };
    if (outcomes.some((o) => o.status !== 'finished' && o.step < budget)) return 'stopped';
    const value = await trialObjective(tune.objective, runs.map((run, i) => ({ run, step: outcomes[i]!.step })));
    return { trial: trial.number, rung, objective: Number.isNaN(value) ? null : value, steps };
  };

  const apply = async (result: JobRecord): Promise<void> => {
    const trial = trials[result.trial]!;
    trial.objectives[result.rung] = result.objective;
    trial.rung = result.rung;
    trial.steps = result.steps;
    if (result.failed !== undefined) {
      trial.status = 'failed';
      trial.error = result.failed;
    } else trial.status = result.rung === last ? 'complete' : 'paused';
    pruner.report(result.trial, result.rung, result.failed !== undefined ? Infinity : lossOf(tune.objective, result.objective));
    applied.push(result);
    await save(false);
    reporter?.jobEnded(trialName(result.trial), result.rung, result.objective, summary());
  };

  reporter?.start(study, logged.length);
  const inFlight: { trial: Trial; promise: Promise<JobRecord | 'stopped'> }[] = [];
  let issued = 0;
  let interrupted = false;
  try {
    for (;;) {
      while (!stopping && inFlight.length < window) {
        const job = decide(inFlight.length === 0);
        if (!job) break;
        const trial = trials[job.trial]!;
        trial.status = 'running';
        inFlight.push({ trial, promise: execute(issued++, trial, job.rung) });
      }
      const oldest = inFlight.shift();
      if (!oldest) break;
      const result = await oldest.promise;
      if (result !== 'stopped') await apply(result);
      if (result === 'stopped' || stopping) {
        interrupted = true;
        stop();
        // Results are applied in order: those that ended before the first stopped job still count.
        let cut = result === 'stopped';
        for (const job of inFlight) {
          const r = await job.promise;
          cut ||= r === 'stopped';
          if (!cut && r !== 'stopped') await apply(r);
        }
        break;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  // Stopped while nothing was running (between jobs): the study is not done either.
  interrupted ||= stopping;
  if (interrupted) {
    for (const t of trials) if (t.status === 'running') t.status = 'paused';
  } else {
    for (const t of trials) if (t.status === 'paused') t.status = 'pruned';
  }
  await save(!interrupted);
  const table = rows();
  const best = interrupted ? null : await writeStudyResults(dir, study, table);
  reporter?.end();
  return {
    dir,
    trials: table,
    best,
    interrupted,
    steps: trials.reduce((a, t) => a + t.steps, 0),
    stepsWithoutPruning: tune.trials * seeds * study.experiment.variants[0]!.totalSteps,
  };
}
