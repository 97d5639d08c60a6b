// Experiment configs: a YAML (or JSON) file naming an env, agent variants,
// seeds and budgets, checked and resolved into the ExperimentConfig of
// types.ts, and planned into one run per (variant, seed).
//
// Checking happens in two passes over the parsed document (config-document.ts
// keeps each node's position), and every problem of both is reported at once,
// each with its YAML path and the line and column of the node it is about:
// first the structure (the zod schema here, with strict mappings, so that a
// misspelt key is an error with the closest known key), then the meaning
// (config-checks.ts: the env is registered and takes these kwargs, the
// wrappers exist and fit the env, the algorithm is registered, hyperparameters
// are in range, variant names are unique after sweep expansion). A config that
// passes both can be planned and run without a late surprise in a worker.
//
// Defaults derived from a variant's totalSteps T (when neither the variant nor
// the experiment sets them): eval every ceil(T / 20) steps over 10 episodes;
// record 1 deterministic episode at step 0 and at the end (every 0);
// checkpoint every ceil(T / 10) steps; log every max(1, ceil(T / 500)) steps.
// Vector-env copies default to 8 for PPO and A2C, 0 (a single env) otherwise.
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import * as z from 'zod';
import '../agents/index.js';
import { agentDefinition } from '../agents/agent.js';
import { BACKENDS } from '../agents/lib/backend-names.js';
import { envRegistration, listEnvs } from '../core/registry.js';
import { errorMessage } from '../core/text.js';
import '../envs/index.js';
import { meaningIssues, sweepCombinations, sweepSuffix } from './config-checks.js';
import { ConfigError, readDocument, throwIssues } from './config-document.js';
import { DEFAULT_GAME_COPIES } from './game-trainer.js';
import type { EnvConfig, EvalSchedule, ExperimentConfig, GameRunConfig, PlannedRun, RecordSchedule, VariantConfig } from './types.js';
import type { Issue, PathSegment } from './config-wrappers.js';
import { describeInput, schemaIssues, wrapperSpecs } from './config-wrappers.js';

export { DEFAULT_MAX_RUNS } from './config-checks.js';
export type { ConfigProblem, Locate } from './config-document.js';
export { ConfigError, readDocument, throwIssues } from './config-document.js';

// ---------------------------------------------------------------- schema

/** Experiment names become directory names. */
const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Variant names too; '=' is allowed for the `key=value` parts sweeps append. */
const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;

const nameOf = (pattern: RegExp, allowed: string) =>
  z.string().regex(pattern, { error: (issue) => `must be a directory-safe name (${allowed}, starting with a letter or digit), got ${describeInput(issue.input)}` });

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const mapping = z.record(z.string(), z.unknown());

const EVAL = z.strictObject({
  every: nonNegativeInt.optional(),
  episodes: positiveInt.optional(),
});
const RECORD = z.strictObject({
  every: nonNegativeInt.optional(),
  episodes: positiveInt.optional(),
  deterministic: z.boolean().optional(),
});
// Wrapper items are checked in the second pass (the name decides what the arguments are).
const WRAPPERS = z.array(z.unknown());
const ENV = z.union([z.string().min(1), z.strictObject({ id: z.string().min(1), kwargs: mapping.optional(), wrappers: WRAPPERS.optional() })], {
  error: 'an env id or a mapping with id, kwargs and wrappers',
});
const SCHEDULES = {
  eval: EVAL.optional(),
  record: RECORD.optional(),
  checkpointEvery: positiveInt.optional(),
  logEvery: positiveInt.optional(),
};
// Multi-agent games only (checked in the second pass, which knows whether the env is a game).
const MATCH = {
  opponents: z.array(z.string().min(1)).optional(),
  evalOpponent: z.string().min(1).optional(),
  shaping: z.strictObject({ potential: z.string().min(1), scale: z.number().positive().optional() }).optional(),
  teacher: z.string().min(1).optional(),
  discretize: z
    .strictObject({ bins: z.union([positiveInt, z.array(positiveInt).min(1)]), low: z.array(z.number()).optional(), high: z.array(z.number()).optional() })
    .optional(),
};
const VARIANT = z.strictObject({
  name: nameOf(VARIANT_NAME, 'letters, digits, ".", "_", "-", "="').optional(),
  algorithm: z.string().min(1),
  hyperparameters: mapping.optional(),
  envs: nonNegativeInt.optional(),
  totalSteps: positiveInt.optional(),
  env: z.strictObject({ kwargs: mapping.optional(), wrappers: WRAPPERS.optional() }).optional(),
  ...SCHEDULES,
  ...MATCH,
  sweep: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  warmStart: z.string().min(1).optional(),
});
const EXPERIMENT = z.strictObject({
  name: nameOf(EXPERIMENT_NAME, 'letters, digits, ".", "_", "-"'),
  description: z.string().optional(),
  env: ENV,
  totalSteps: positiveInt.optional(),
  seeds: z.union([positiveInt, z.array(nonNegativeInt).min(1)], { error: 'a number of seeds or a list of seeds' }),
  ...SCHEDULES,
  ...MATCH,
  backend: z.enum(BACKENDS).optional(),
  threshold: z.number().optional(),
  maxRuns: positiveInt.optional(),
  logging: z.array(z.string()).optional(),
  variants: z.array(VARIANT).min(1),
});

type RawExperiment = z.output<typeof EXPERIMENT>;
type RawVariant = z.output<typeof VARIANT>;

function gameSettings(raw: RawExperiment, v: RawVariant): GameRunConfig {
  const shaping = v.shaping ?? raw.shaping;
  const evalOpponent = v.evalOpponent ?? raw.evalOpponent;
  const teacher = v.teacher ?? raw.teacher;
  const discretize = v.discretize ?? raw.discretize;
  return {
    ...(discretize !== undefined ? { discretize } : {}),
    opponents: v.opponents ?? raw.opponents ?? [],
    ...(evalOpponent !== undefined ? { evalOpponent } : {}),
    ...(teacher !== undefined ? { teacher } : {}),
    ...(shaping !== undefined ? { shaping: { potential: shaping.potential, scale: shaping.scale ?? 1 } } : {}),
  };
}

// ---------------------------------------------------------------- resolving

function resolveVariants(raw: RawExperiment, env: EnvConfig, isGame: boolean): VariantConfig[] {
  return raw.variants.flatMap((v: RawVariant) => {
    const totalSteps = v.totalSteps ?? raw.totalSteps!;
    const evalSchedule: EvalSchedule = {
      every: v.eval?.every ?? raw.eval?.every ?? Math.ceil(totalSteps / 20),
      episodes: v.eval?.episodes ?? raw.eval?.episodes ?? 10,
    };
    const record: RecordSchedule = {
      every: v.record?.every ?? raw.record?.every ?? 0,
      episodes: v.record?.episodes ?? raw.record?.episodes ?? 1,
      deterministic: v.record?.deterministic ?? raw.record?.deterministic ?? true,
    };
    const variantEnv: EnvConfig = {
      id: env.id,
      kwargs: { ...env.kwargs, ...v.env?.kwargs },
      wrappers: [...env.wrappers, ...(wrapperSpecs(v.env?.wrappers, [], []) ?? [])],
    };
    const base = v.name ?? v.algorithm;
    return sweepCombinations(v.sweep ?? {}).map((combination) => ({
      name: base + sweepSuffix(combination),
      algorithm: v.algorithm,
      hyperparameters: { ...v.hyperparameters, ...combination },
      envs: v.envs ?? (isGame ? (DEFAULT_GAME_COPIES[v.algorithm] ?? 8) : (agentDefinition(v.algorithm).defaultEnvs ?? 0)),
      totalSteps,
      env: variantEnv,
      eval: evalSchedule,
      record,
      checkpointEvery: v.checkpointEvery ?? raw.checkpointEvery ?? Math.ceil(totalSteps / 10),
      logEvery: v.logEvery ?? raw.logEvery ?? Math.max(1, Math.ceil(totalSteps / 500)),
      ...(v.warmStart !== undefined ? { warmStart: resolve(v.warmStart) } : {}),
      ...(isGame ? { game: gameSettings(raw, v) } : {}),
    }));
  });
}

/** Checks `text` (a config in YAML or JSON) and resolves it; throws a ConfigError listing every problem. */
export function parseExperimentConfig(text: string, source: string, format: 'yaml' | 'json' = 'yaml'): ExperimentConfig {
  const { data, locate } = readDocument(text, source, format);
  throwIssues(source, experimentIssues(data), locate);
  return resolveExperiment(data);
}

/** Every problem of a parsed experiment document (structure, then meaning), each at its path. */
export function experimentIssues(data: unknown): Issue[] {
  const structural = data === null || data === undefined ? [{ path: [], message: 'the config is empty; expected a mapping with name, env, seeds and variants' }] : schemaIssues(EXPERIMENT, data);
  // A tuning study's keys (experiments/tune/config.ts) given to `arena run`: say where they belong.
  const studyKey = (path: readonly PathSegment[]) => (path.length === 1 && path[0] === 'tune') || (path.length === 3 && path[0] === 'variants' && path[2] === 'search');
  const hinted = structural.map((i) => (studyKey(i.path) && i.message.startsWith('unknown key') ? { ...i, message: `${i.message} (a tuning study's key: run the config with \`arena tune\`)` } : i));
  return [...hinted, ...meaningIssues(data, structural)];
}

/** The ExperimentConfig of a document experimentIssues found no problem in. */
export function resolveExperiment(data: unknown): ExperimentConfig {
  const raw = EXPERIMENT.parse(data);
  const rawEnv = typeof raw.env === 'string' ? { id: raw.env } : raw.env;
  const env: EnvConfig = { id: rawEnv.id, kwargs: rawEnv.kwargs ?? {}, wrappers: wrapperSpecs(rawEnv.wrappers, [], []) ?? [] };
  const isGame = !listEnvs().map((r) => r.id).includes(env.id);
  const threshold = raw.threshold ?? (isGame ? undefined : envRegistration(env.id).rewardThreshold);
  return {
    name: raw.name,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    seeds: typeof raw.seeds === 'number' ? Array.from({ length: raw.seeds }, (_, i) => i) : raw.seeds,
    backend: raw.backend ?? 'auto',
    ...(threshold !== undefined ? { threshold } : {}),
    ...(raw.logging !== undefined && raw.logging.length > 0 ? { logging: raw.logging } : {}),
    variants: resolveVariants(raw, env, isGame),
  };
}

/** Reads and checks a config file; the format comes from the extension (.yaml, .yml or .json). */
export async function loadExperimentConfig(path: string): Promise<ExperimentConfig> {
  const { text, format } = await readConfigFile(path);
  return parseExperimentConfig(text, path, format);
}

/** A config file's text and its format (from the extension: .yaml, .yml or .json); a ConfigError when it cannot be read. */
export async function readConfigFile(path: string): Promise<{ text: string; format: 'yaml' | 'json' }> {
  const extension = extname(path).toLowerCase();
  const format = extension === '.yaml' || extension === '.yml' ? 'yaml' : extension === '.json' ? 'json' : undefined;
  if (format === undefined) {
    throw new ConfigError(path, [{ path: '', message: `unknown config file extension ${JSON.stringify(extension)}; use .yaml, .yml or .json` }]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [{ path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read the file: ${errorMessage(e)}` }]);
  }
  return { text, format };
}

// ---------------------------------------------------------------- planning

/** One run per (variant, seed): variants in config order, each over the seeds in listed order. */
export function planRuns(config: ExperimentConfig, runsDir: string): PlannedRun[] {
  return config.variants.flatMap((variant) =>
    config.seeds.map((seed) => ({
      dir: join(runsDir, config.name, variant.name, `seed-${seed}`),
      spec: {
        experiment: config.name,
        variant: variant.name,
        seed,
        algorithm: variant.algorithm,
        hyperparameters: variant.hyperparameters,
        env: variant.env,
        envs: variant.envs,
        totalSteps: variant.totalSteps,
        eval: variant.eval,
        record: variant.record,
        checkpointEvery: variant.checkpointEvery,
        logEvery: variant.logEvery,
        ...(variant.warmStart !== undefined ? { warmStart: variant.warmStart } : {}),
        ...(variant.game !== undefined ? { game: variant.game } : {}),
        backend: config.backend,
        ...(config.threshold !== undefined ? { threshold: config.threshold } : {}),
        ...(config.logging !== undefined ? { logging: config.logging } : {}),
      },
    })),
  );
}
