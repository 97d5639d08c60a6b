// Experiment configs: a YAML (or JSON) file naming an env, agent variants,
// seeds and budgets, checked and resolved into the ExperimentConfig of
// types.ts, and planned into one run per (variant, seed).
//
// Checking happens in two passes over the parsed document, and every problem
// of both is reported at once, each with its YAML path and the line and
// column of the node it is about: first the structure (a zod schema with
// strict mappings, so that a misspelt key is an error with the closest known
// key), then the meaning (the env is registered and takes these kwargs, the
// wrappers exist and fit the env, the algorithm is registered, hyperparameters
// are in range, variant names are unique after sweep expansion). A config that
// passes both can be planned and run without a late surprise in a worker.
//
// Defaults derived from a variant's totalSteps T (when neither the variant nor
// the experiment sets them): eval every ceil(T / 20) steps over 10 episodes;
// record 1 deterministic episode at step 0 and at the end (every 0);
// checkpoint every ceil(T / 10) steps; log every max(1, ceil(T / 500)) steps.
// Vector-env copies default to 8 for PPO and A2C, 0 (a single env) otherwise.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Document, LineCounter as LineCounterType, Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import '../agents/index.js';
import { agentDefinition, agentDirectory, listAgents, spaceDims } from '../agents/agent.js';
import type { AgentDefinition } from '../agents/agent.js';
import { BACKENDS } from '../agents/lib/backend.js';
import type { SpaceDims } from '../agents/lib/hparams.js';
import { checkHyperparameters, memoryProblem } from '../agents/lib/hparams.js';
import type { EnvRegistration } from '../core/registry.js';
import { envRegistration, listEnvs, make, resolveKwargs } from '../core/registry.js';
import '../envs/index.js';
import type { EnvConfig, EvalSchedule, ExperimentConfig, GameRunConfig, PlannedRun, RecordSchedule, VariantConfig, WrapperSpec } from './types.js';
import type { GameRegistration } from '../core/multi-agent.js';
import { gameRegistration, listGames, makeGame } from '../core/multi-agent.js';
import type { LearnerDefinition } from '../agents/multi/index.js';
import { defaultSides, learnerDefinition, listLearners, tableKeyer } from '../agents/multi/index.js';
import { DEFAULT_GAME_COPIES, opponentNames } from './game-run.js';
import type { Issue, PathSegment } from './wrappers.js';
import { closestMatch } from '../core/text.js';
import type { BoxSpace } from '../core/spaces.js';
import { describeSpace } from '../core/spaces.js';
import type { DiscretizeObservationOptions } from '../core/wrappers/discretize-observation.js';
import { discretization } from '../core/wrappers/discretize-observation.js';
import { LOGGERS } from './tensorboard-run.js';
import { applyWrappers, describeInput, formatPath, listWrappers, schemaIssues, wrapperArgIssues } from './wrappers.js';

// ---------------------------------------------------------------- errors

export interface ConfigProblem {
  /** YAML-style path of the offending value, e.g. `variants[1].hyperparameters.learningRate`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based position of the offending node, when known. */
  readonly line?: number;
  readonly column?: number;
}

function formatProblem(source: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${source}:${p.line}:${p.column ?? 1}` : source;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Every problem found in one config file; the message has one `<source>:<line>:<column>: <path>: <message>` line per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(source, p)).join('\n'));
  }
}

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

/** Runs an experiment may plan unless its config raises `maxRuns`: a typo like `seeds: 1000000` should not start a million runs. */
export const DEFAULT_MAX_RUNS = 1000;

type RawExperiment = z.output<typeof EXPERIMENT>;
type RawVariant = z.output<typeof VARIANT>;

// ---------------------------------------------------------------- documents

export type Locate = (path: readonly PathSegment[], at?: 'key') => { line?: number; column?: number };

function linePosition(lineCounter: LineCounterType, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Finds the node at `path` (or, for a path that does not exist, the deepest mapping or list on it). */
function locator(doc: Document, lineCounter: LineCounterType): Locate {
  return (path, at) => {
    let node: unknown = doc.contents;
    let keyNode: Node | undefined;
    let complete = true;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) {
          complete = false;
          break;
        }
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        keyNode = undefined;
        node = node.items[segment];
      } else {
        complete = false;
        break;
      }
    }
    const valueNode = node as Node | null | undefined;
    // An empty value (`clipAction:`) has no extent of its own: point at its key.
    const emptyValue = !valueNode?.range || valueNode.range[0] === valueNode.range[1];
    const target = complete && keyNode && (at === 'key' || emptyValue) ? keyNode : valueNode;
    const offset = target?.range?.[0];
    return offset === undefined ? {} : linePosition(lineCounter, offset);
  };
}

/** Parses the text; syntax errors throw a ConfigError with their positions. `locate` gives the position of a path's node. */
export function readDocument(text: string, source: string, format: 'yaml' | 'json'): { data: unknown; locate: Locate } {
  const lineCounter = new LineCounter();
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const position = /at position (\d+)/.exec(message);
      const offset = position ? Number(position[1]) : text.length;
      const before = text.slice(0, offset).split('\n');
      throw new ConfigError(source, [
        { path: '', message: `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`, line: before.length, column: before[before.length - 1]!.length + 1 },
      ]);
    }
    // JSON is YAML, so the YAML parser gives the positions of valid JSON's nodes.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    // JSON.parse keeps the last of two equal keys; YAML refuses them, and so do we.
    const duplicates = duplicateKeys(doc, lineCounter);
    if (duplicates.length > 0) throw new ConfigError(source, duplicates);
    return { data, locate: locator(doc, lineCounter) };
  }
  // Merge keys (`<<: *defaults`) let variants share hyperparameters through an anchor.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const syntax = [...doc.errors, ...doc.warnings];
  // A stack overflow shows up once per level; one message says it.
  if (syntax.some((e) => /Maximum call stack/.test(e.message))) throw new ConfigError(source, [{ path: '', message: TOO_DEEP }]);
  if (syntax.length > 0) {
    throw new ConfigError(
      source,
      syntax.map((e) => ({ path: '', message: e.message, ...linePosition(lineCounter, e.pos[0]) })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // An alias bomb (anchors referring to anchors, growing exponentially) or nesting the converter cannot follow.
    const message = e instanceof RangeError ? TOO_DEEP : `the YAML aliases expand too far (${errorMessage(e)}); write the values out, or refer to fewer anchors`;
    throw new ConfigError(source, [{ path: '', message }]);
  }
  return { data, locate: locator(doc, lineCounter) };
}

const TOO_DEEP = 'the document nests too deeply for the YAML parser (a config nests a few levels); is this the right file?';

/** Keys that appear twice in one mapping, with the path and position of the second and the line of the first. */
function duplicateKeys(doc: Document, lineCounter: LineCounterType): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Iterative, so a deeply nested document cannot overflow the stack.
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const at = pair.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first !== undefined) {
          problems.push({
            path: formatPath([...path, key]),
            message: `duplicate key ${JSON.stringify(key)} (first at line ${linePosition(lineCounter, first).line}); JSON would silently keep only the last`,
            ...linePosition(lineCounter, at),
          });
        } else seen.set(key, at);
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, j) => stack.push({ node: item, path: [...path, j] }));
    }
  }
  return problems.sort((a, b) => a.line! - b.line! || a.column! - b.column!);
}

// ---------------------------------------------------------------- meaning

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => v !== null && typeof v === 'object' && !Array.isArray(v);
const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.every((segment, i) => path[i] === segment);
}

/** Sweep combinations: the cartesian product over the keys in written order (the first key varies slowest). */
function sweepCombinations(sweep: Readonly<Record<string, readonly unknown[]>>): Record<string, unknown>[] {
  let combinations: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(sweep)) {
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combinations;
}

const sweepSuffix = (values: Readonly<Record<string, unknown>>): string =>
  Object.entries(values)
    .map(([key, v]) => `-${key}=${String(v)}`)
    .join('');

/**
 * The wrapper specs of a `wrappers` list, reporting bad items into `issues`;
 * null when any item is bad. Items are a name, or a one-key mapping from the
 * name to its arguments.
 */
function wrapperSpecs(raw: unknown, path: readonly PathSegment[], issues: Issue[]): WrapperSpec[] | null {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return null;
  const known = new Set(listWrappers().map((w) => w.name));
  const specs: WrapperSpec[] = [];
  let ok = true;
  raw.forEach((item, j) => {
    const itemPath = [...path, j];
    let name: string;
    let args: unknown;
    let argsPath: PathSegment[];
    if (typeof item === 'string') {
      [name, args, argsPath] = [item, {}, itemPath];
    } else if (isMapping(item) && Object.keys(item).length === 1) {
      name = Object.keys(item)[0]!;
      args = item[name] ?? {};
      argsPath = [...itemPath, name];
    } else {
      const keys = isMapping(item) ? Object.keys(item) : [];
      const got = keys.length > 1 ? `a mapping with ${keys.length} keys (${keys.join(', ')}); indent the arguments under the wrapper's name` : describeInput(item);
      issues.push({ path: itemPath, message: `expected a wrapper name or a one-key mapping "name: { arguments }", got ${got}` });
      ok = false;
      return;
    }
    const problems = wrapperArgIssues(name, args);
    // An unknown name in the mapping form is about the key, not its arguments.
    const atName = !known.has(name) && argsPath !== itemPath ? { at: 'key' as const } : {};
    for (const p of problems) issues.push({ ...p, path: [...argsPath, ...p.path], ...atName });
    if (problems.length > 0) ok = false;
    else specs.push({ name, args: args as Record<string, unknown> });
  });
  return ok ? specs : null;
}

/** Reports kwargs the env does not take (and a bad maxEpisodeSteps), each at its key. */
function kwargIssues(registration: EnvRegistration, kwargs: Mapping, path: readonly PathSegment[], issues: Issue[]): void {
  const allowed = [...Object.keys(registration.kwargs ?? {}), 'maxEpisodeSteps'];
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'maxEpisodeSteps') {
      if (value !== null && !(Number.isInteger(value) && (value as number) >= 1)) {
        issues.push({ path: [...path, key], message: `must be a positive integer, or null for no time limit, got ${describeInput(value)}` });
      }
      continue;
    }
    try {
      resolveKwargs(registration, { [key]: value });
    } catch (e) {
      const close = closestMatch(key, allowed);
      issues.push({ path: [...path, key], message: `${errorMessage(e)}${close !== undefined && !errorMessage(e).includes('did you mean') ? `; did you mean ${JSON.stringify(close)}?` : ''}`, at: 'key' });
    }
  }
}

/** Builds the env once with its wrappers, so that a wrapper that does not fit the env's spaces is caught here. */
function buildIssue(env: EnvConfig): string | undefined {
  try {
    applyWrappers(make(env.id, { ...env.kwargs }), env.wrappers).close();
    return undefined;
  } catch (e) {
    return errorMessage(e);
  }
}

export function hyperparameterIssue(definition: Pick<AgentDefinition, 'hyperparameters'>, key: string, message: string, path: PathSegment[]): Issue {
  if (Object.hasOwn(definition.hyperparameters, key)) return { path, message };
  const close = closestMatch(key, Object.keys(definition.hyperparameters));
  return { path, message: close !== undefined ? `${message}; did you mean ${JSON.stringify(close)}?` : message, at: 'key' };
}

/** Numbers per observation and per action of the env, for memory estimates; undefined when it cannot be built. */
function envDims(env: EnvConfig): SpaceDims | undefined {
  try {
    const built = applyWrappers(make(env.id, { ...env.kwargs }), env.wrappers);
    built.close();
    return spaceDims(built);
  } catch {
    return undefined;
  }
}

/** What is wrong with a variant's warmStart: no saved agent there, or one its algorithm cannot take. */
function warmStartIssue(path: string, definition: AgentDefinition | undefined): string | undefined {
  let dir: string;
  try {
    dir = agentDirectory(resolve(path));
  } catch (e) {
    return `${errorMessage(e)}; warmStart takes a run directory or a saved agent directory`;
  }
  if (!definition) return undefined;
  let saved: unknown;
  try {
    saved = (JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { algorithm?: unknown }).algorithm;
  } catch (e) {
    return `cannot read ${join(dir, 'agent.json')}: ${errorMessage(e)}`;
  }
  if (!definition.warmStartsFrom) return `${definition.name} cannot warm start`;
  if (typeof saved !== 'string' || !definition.warmStartsFrom.includes(saved)) {
    return `${path} holds a saved ${typeof saved === 'string' ? saved : 'unknown'} agent; ${definition.name} warm starts only from ${definition.warmStartsFrom.join(' or ')}`;
  }
  return undefined;
}

/**
 * Checks the number of runs (seeds x variants after sweep expansion) against
 * maxRuns, without expanding anything; returns the indices of variants whose
 * sweep alone is too large (their names are then not expanded).
 */
function runLimitIssues(data: Mapping, variants: readonly unknown[], issues: Issue[]): Set<number> {
  const tooMany = new Set<number>();
  const max = Number.isInteger(data.maxRuns) && (data.maxRuns as number) > 0 ? (data.maxRuns as number) : DEFAULT_MAX_RUNS;
  const seeds = typeof data.seeds === 'number' && Number.isInteger(data.seeds) && data.seeds > 0 ? data.seeds : Array.isArray(data.seeds) ? data.seeds.length : 1;
  const sizes = variants.map((v) => {
    const sweep = isMapping(v) && isMapping(v.sweep) ? Object.values(v.sweep).filter(Array.isArray) : [];
    return { lengths: sweep.map((values) => values.length), count: sweep.reduce((n, values) => n * Math.max(1, values.length), 1) };
  });
  const total = seeds * sizes.reduce((n, s) => n + s.count, 0);
  if (total <= max) return tooMany;
  const allow = (runs: number) => `more than maxRuns (${max}); if you mean it, set maxRuns: ${runs} at the top level of the config`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const variantCount = sizes.reduce((n, s) => n + s.count, 0);
  if (seeds > max) {
    issues.push({ path: ['seeds'], message: `${plural(seeds, 'seed')} x ${plural(variantCount, 'variant')} = ${total} runs, ${allow(total)}` });
    return new Set(sizes.map((_, i) => i));
  }
  sizes.forEach((s, i) => {
    if (s.count * seeds <= max) return;
    tooMany.add(i);
    issues.push({
      path: ['variants', i, 'sweep'],
      message: `the sweep expands this variant into ${s.count} variants (${s.lengths.join(' x ')} values), x ${plural(seeds, 'seed')} = ${s.count * seeds} runs, ${allow(s.count * seeds)}`,
    });
  });
  if (tooMany.size === 0) issues.push({ path: ['variants'], message: `${plural(seeds, 'seed')} x ${plural(variantCount, 'variant')} = ${total} runs, ${allow(total)}`, at: 'key' });
  return tooMany;
}

/** The second pass: what the schema cannot know. Looks only at parts the schema found well-formed. */
function meaningIssues(data: unknown, structural: readonly Issue[]): Issue[] {
  if (!isMapping(data)) return [];
  const issues: Issue[] = [];
  const wellFormed = (path: readonly PathSegment[]) => !structural.some((i) => startsWith(i.path, path));

  // The env.
  const env = data.env;
  const id = typeof env === 'string' ? env : isMapping(env) && typeof env.id === 'string' ? env.id : undefined;
  let registration: EnvRegistration | undefined;
  // A registered multi-agent game in place of an env: its learners, opponents and kwargs are checked below.
  let game: GameRegistration | undefined;
  if (id !== undefined) {
    try {
      registration = envRegistration(id);
    } catch (e) {
      try {
        game = gameRegistration(id);
      } catch {
        const close = closestMatch(id, [...listEnvs().map((r) => r.id), ...listGames().map((g) => g.id)]);
        issues.push({ path: typeof env === 'string' ? ['env'] : ['env', 'id'], message: close !== undefined && !errorMessage(e).includes(close) ? `${errorMessage(e)} (nor a multi-agent game; did you mean ${close}?)` : errorMessage(e) });
      }
    }
  }
  const envIssuesBefore = issues.length;
  const baseKwargs = isMapping(env) && isMapping(env.kwargs) ? env.kwargs : {};
  if (registration) kwargIssues(registration, baseKwargs, ['env', 'kwargs'], issues);
  if (game) gameIssues(game, baseKwargs, isMapping(env) ? env.wrappers : undefined, ['env'], issues);
  for (const key of ['opponents', 'evalOpponent', 'shaping', 'teacher', 'discretize'] as const) matchIssue(data[key], key, [key], game, baseKwargs, issues);
  const baseWrappers = wrapperSpecs(isMapping(env) ? env.wrappers : undefined, ['env', 'wrappers'], issues);
  let baseEnv: EnvConfig | undefined;
  if (registration && baseWrappers && issues.length === envIssuesBefore && wellFormed(['env'])) {
    baseEnv = { id: registration.id, kwargs: baseKwargs, wrappers: baseWrappers };
    const problem = buildIssue(baseEnv);
    if (problem !== undefined) {
      issues.push({ path: ['env'], message: problem });
      baseEnv = undefined;
    }
  }

  // Loggers are known, each named once.
  if (Array.isArray(data.logging)) {
    const first = new Map<unknown, number>();
    data.logging.forEach((name, j) => {
      if (typeof name !== 'string') return; // reported by the schema
      if (!(LOGGERS as readonly string[]).includes(name)) {
        const close = closestMatch(name, LOGGERS);
        issues.push({ path: ['logging', j], message: `unknown logger ${JSON.stringify(name)}${close !== undefined ? `; did you mean ${JSON.stringify(close)}?` : ''} (loggers: ${LOGGERS.join(', ')})` });
      } else if (first.has(name)) {
        issues.push({ path: ['logging', j], message: `logger ${JSON.stringify(name)} is listed twice (also logging[${first.get(name)}])` });
      } else first.set(name, j);
    });
  }

  // Seeds are distinct.
  if (Array.isArray(data.seeds)) {
    const first = new Map<unknown, number>();
    data.seeds.forEach((seed, j) => {
      if (first.has(seed)) issues.push({ path: ['seeds', j], message: `seed ${describeInput(seed)} is listed twice (also seeds[${first.get(seed)}])` });
      else first.set(seed, j);
    });
  }

  // The variants.
  const names = new Map<string, string>();
  const variants = Array.isArray(data.variants) ? data.variants : [];
  const tooMany = runLimitIssues(data, variants, issues);
  const dims = baseEnv ? envDims(baseEnv) : undefined;
  variants.forEach((variant, i) => {
    if (!isMapping(variant)) return;
    const path: PathSegment[] = ['variants', i];
    const algorithm = typeof variant.algorithm === 'string' ? variant.algorithm : undefined;
    let definition: AgentDefinition | undefined;
    let learner: LearnerDefinition | undefined;
    if (algorithm !== undefined && game) {
      try {
        learner = learnerDefinition(algorithm);
      } catch (e) {
        issues.push({ path: [...path, 'algorithm'], message: `${errorMessage(e)} (${game.id} is a multi-agent game: it takes a multi-agent learner)` });
      }
    } else if (algorithm !== undefined) {
      try {
        definition = agentDefinition(algorithm);
      } catch (e) {
        // With an unknown env (reported above), a multi-agent learner's name may be right for the game meant.
        const learnerName = listLearners().some((l) => l.name === algorithm);
        if (registration || !learnerName) issues.push({ path: [...path, 'algorithm'], message: errorMessage(e) });
      }
    }
    for (const key of ['opponents', 'evalOpponent', 'shaping', 'teacher', 'discretize'] as const) matchIssue(variant[key], key, [...path, key], game, { ...baseKwargs, ...(isMapping(variant.env) && isMapping(variant.env.kwargs) ? variant.env.kwargs : {}) }, issues);
    if (game && typeof variant.warmStart === 'string') issues.push({ path: [...path, 'warmStart'], message: 'warm starts are for single-agent envs; multi-agent learners do not take one yet', at: 'key' });

    const hyperparameters = isMapping(variant.hyperparameters) ? variant.hyperparameters : {};
    const sweep: Record<string, unknown[]> = {};
    if (isMapping(variant.sweep)) for (const [key, values] of Object.entries(variant.sweep)) if (Array.isArray(values)) sweep[key] = values;
    // The hyperparameter spec: the agent's, or the multi-agent learner's.
    const spec = definition ?? learner;
    if (spec) {
      for (const { key, message } of checkHyperparameters(spec.hyperparameters, hyperparameters)) {
        issues.push(hyperparameterIssue(spec, key, message, [...path, 'hyperparameters', key]));
      }
      // Sizes this machine cannot hold (with the env's dimensions; games are left to the learner).
      if (dims && definition) {
        for (const [key, value] of Object.entries(hyperparameters)) {
          const problem = memoryProblem(definition.hyperparameters, key, value, dims);
          if (problem !== null) issues.push({ path: [...path, 'hyperparameters', key], message: problem });
        }
        for (const [key, values] of Object.entries(sweep)) {
          values.forEach((value, j) => {
            const problem = memoryProblem(definition.hyperparameters, key, value, dims);
            if (problem !== null) issues.push({ path: [...path, 'sweep', key, j], message: problem });
          });
        }
      }
      for (const [key, values] of Object.entries(sweep)) {
        if (Object.hasOwn(hyperparameters, key)) {
          issues.push({ path: [...path, 'sweep', key], message: `${key} is also set in hyperparameters; set it in one place`, at: 'key' });
        }
        values.forEach((value, j) => {
          for (const problem of checkHyperparameters(spec.hyperparameters, { [key]: value }).filter((p) => p.key === key)) {
            // An unknown key is one problem, however many values it lists.
            if (!Object.hasOwn(spec.hyperparameters, key) && j > 0) continue;
            issues.push(hyperparameterIssue(spec, key, problem.message, Object.hasOwn(spec.hyperparameters, key) ? [...path, 'sweep', key, j] : [...path, 'sweep', key]));
          }
        });
      }
    }
    // Sweep values become parts of directory names.
    for (const [key, values] of Object.entries(sweep)) {
      values.forEach((value, j) => {
        const part = `${key}=${String(value)}`;
        if (!['string', 'number', 'boolean'].includes(typeof value) || !/^[A-Za-z0-9._=-]+$/.test(part)) {
          issues.push({
            path: [...path, 'sweep', key, j],
            message: `sweep value ${describeInput(value)} would make "${part}" part of a directory name, which allows only letters, digits, ".", "_", "-" and "="; write a separate variant with its own name instead`,
          });
        }
      });
    }

    if (learner) teacherIssues(learner, variant.teacher ?? data.teacher, variant.teacher !== undefined ? [...path, 'teacher'] : ['teacher'], hyperparameters, sweep, path, issues);
    const discretize = variant.discretize ?? data.discretize;
    if (learner && game) {
      const variantKwargs = { ...baseKwargs, ...(isMapping(variant.env) && isMapping(variant.env.kwargs) ? variant.env.kwargs : {}) };
      discretizeIssues(learner, game, variantKwargs, discretize, discretize === undefined ? [...path, 'algorithm'] : variant.discretize !== undefined ? [...path, 'discretize'] : ['discretize'], issues);
    }

    if (algorithm !== undefined && definition && typeof variant.envs === 'number' && variant.envs > 0 && (definition.envKind ?? 'single') === 'single') {
      const vectorAgents = listAgents().filter((d) => (d.envKind ?? 'single') !== 'single').map((d) => d.name);
      issues.push({ path: [...path, 'envs'], message: `${algorithm} trains on a single env; set envs to 0 (vector envs: ${vectorAgents.join(', ')})` });
    }
    if (typeof variant.warmStart === 'string' && !game) {
      const problem = warmStartIssue(variant.warmStart, definition);
      if (problem !== undefined) issues.push({ path: [...path, 'warmStart'], message: problem });
    }
    if (variant.totalSteps === undefined && data.totalSteps === undefined) {
      issues.push({ path: [...path, 'totalSteps'], message: 'missing required key "totalSteps" (set it here, or at the top level for every variant)' });
    }

    // The variant's env additions.
    if (isMapping(variant.env)) {
      const before = issues.length;
      const kwargs = isMapping(variant.env.kwargs) ? variant.env.kwargs : {};
      if (registration) kwargIssues(registration, kwargs, [...path, 'env', 'kwargs'], issues);
      if (game) gameIssues(game, { ...baseKwargs, ...kwargs }, variant.env.wrappers, [...path, 'env'], issues);
      const wrappers = wrapperSpecs(variant.env.wrappers, [...path, 'env', 'wrappers'], issues);
      if (baseEnv && wrappers && issues.length === before && wellFormed([...path, 'env'])) {
        const problem = buildIssue({ id: baseEnv.id, kwargs: { ...baseEnv.kwargs, ...kwargs }, wrappers: [...baseEnv.wrappers, ...wrappers] });
        if (problem !== undefined) issues.push({ path: [...path, 'env'], message: problem });
      }
    }

    // Names are unique after sweep expansion (not expanded when it makes too many runs: reported above).
    const base = typeof variant.name === 'string' ? variant.name : algorithm;
    if (base === undefined || tooMany.has(i)) return;
    const namePath = typeof variant.name === 'string' ? [...path, 'name'] : path;
    for (const combination of sweepCombinations(sweep)) {
      const name = base + sweepSuffix(combination);
      const pairs = Object.entries(combination).map(([key, v]) => `${key}=${String(v)}`);
      const origin = formatPath(path) + (pairs.length > 0 ? ` (${pairs.join(', ')})` : '');
      const other = names.get(name);
      if (other !== undefined) issues.push({ path: namePath, message: `duplicate variant name "${name}": ${other} has it too; give the variants different names` });
      else names.set(name, origin);
    }
  });
  return issues;
}

// ---------------------------------------------------------------- multi-agent games

/** A game's kwargs (tried by building it) and wrappers (games take none). */
function gameIssues(game: GameRegistration, kwargs: Mapping, wrappers: unknown, path: readonly PathSegment[], issues: Issue[]): void {
  if (Array.isArray(wrappers) && wrappers.length > 0) {
    issues.push({ path: [...path, 'wrappers'], message: `${game.id} is a multi-agent game; env wrappers apply to single-agent envs only`, at: 'key' });
  }
  try {
    makeGame(game.id, { ...kwargs }).close();
  } catch (e) {
    issues.push({ path: [...path, 'kwargs'], message: errorMessage(e) });
  }
}

/** The sides of a game as the learners split them (one side: a cooperative game). */
function sidesOf(game: GameRegistration, kwargs: Mapping): number | undefined {
  try {
    const g = makeGame(game.id, { ...kwargs });
    g.close();
    return defaultSides(g.possibleAgents).length;
  } catch {
    return undefined;
  }
}

/** Checks one of opponents / evalOpponent / shaping / teacher: only games take them, with the game's names. */
function matchIssue(value: unknown, key: 'opponents' | 'evalOpponent' | 'shaping' | 'teacher' | 'discretize', path: PathSegment[], game: GameRegistration | undefined, kwargs: Mapping, issues: Issue[]): void {
  if (value === undefined) return;
  if (!game) {
    const hint = key === 'discretize' ? ' (single-agent envs take the discretizeObservation wrapper: env.wrappers)' : '';
    issues.push({ path, message: `${key} is for multi-agent games; this env is a single-agent one${hint}`, at: 'key' });
    return;
  }
  const names = opponentNames(game.id);
  const checkName = (name: unknown, at: PathSegment[]) => {
    if (typeof name === 'string' && !names.includes(name)) {
      const close = closestMatch(name, names);
      issues.push({ path: at, message: `${game.id} has no opponent ${JSON.stringify(name)}; ${close !== undefined ? `did you mean ${JSON.stringify(close)}? ` : ''}opponents: ${names.join(', ')}` });
    }
  };
  if (key === 'opponents' && Array.isArray(value)) value.forEach((name, j) => checkName(name, [...path, j]));
  if (key === 'teacher') checkName(value, path);
  if (key === 'evalOpponent') {
    if (sidesOf(game, kwargs) === 1) issues.push({ path, message: `${game.id} is cooperative (one team): evaluations play it as a team, against no opponent`, at: 'key' });
    else checkName(value, path);
  }
  if (key === 'shaping' && isMapping(value) && typeof value.potential === 'string') {
    const potentials = Object.keys(game.potentials ?? {});
    if (!potentials.includes(value.potential)) {
      issues.push({ path: [...path, 'potential'], message: `${game.id} has no potential ${JSON.stringify(value.potential)}; ${potentials.length > 0 ? `potentials: ${potentials.join(', ')}` : 'it has none'}` });
    }
  }
}

/**
 * `discretize` goes with a learner that keys tables by observation (iql) on a
 * game with float Box observations, and its grid must fit those spaces (every
 * agent's): otherwise it would silently do nothing, or fail at the first run.
 */
function discretizeIssues(learner: LearnerDefinition, game: GameRegistration, kwargs: Mapping, discretize: unknown, path: PathSegment[], issues: Issue[]): void {
  if (discretize === undefined && !learner.takesDiscretize) return;
  if (!learner.takesDiscretize) {
    const takers = listLearners().filter((l) => l.takesDiscretize).map((l) => l.name);
    issues.push({ path, message: `${learner.name} does not use a discretization grid (${takers.join(', ')} does: a table over observations)`, at: 'key' });
    return;
  }
  if (discretize !== undefined && !isMapping(discretize)) return; // reported by the schema
  let g;
  try {
    g = makeGame(game.id, { ...kwargs });
  } catch {
    return; // reported with the kwargs
  }
  try {
    if (discretize === undefined) {
      // Without a grid the learner must key its table by the observations themselves (Discrete or integer Box).
      for (const a of g.possibleAgents) {
        const space = g.observationSpace(a);
        try {
          tableKeyer(space);
        } catch {
          issues.push({ path, message: `${learner.name} keys a Q-table by observation and ${game.id}'s are ${describeSpace(space)}: give a grid, discretize: { bins, low, high }, in this variant or at the top level` });
          return;
        }
      }
      return;
    }
    const boxes = g.possibleAgents.filter((a) => g.observationSpace(a).type === 'box');
    if (boxes.length === 0) {
      issues.push({ path, message: `${game.id}'s observations are not Box spaces; they key the table as they are, without a grid`, at: 'key' });
      return;
    }
    for (const a of boxes) discretization(g.observationSpace(a) as BoxSpace, discretize as unknown as DiscretizeObservationOptions, `${game.id} agent ${a}`);
  } catch (e) {
    issues.push({ path, message: errorMessage(e) });
  } finally {
    g.close();
  }
}

/**
 * A teacher goes with a learner that learns from one (kickstartCoef) and a
 * positive kickstartCoef (in hyperparameters or among its sweep values) needs
 * a teacher: either alone would silently do nothing.
 */
function teacherIssues(learner: LearnerDefinition, teacher: unknown, teacherPath: PathSegment[], hyperparameters: Mapping, sweep: Record<string, unknown[]>, path: PathSegment[], issues: Issue[]): void {
  const takesTeacher = Object.hasOwn(learner.hyperparameters, 'kickstartCoef');
  const coefs = [...(Object.hasOwn(hyperparameters, 'kickstartCoef') ? [hyperparameters.kickstartCoef] : []), ...(sweep.kickstartCoef ?? [])];
  const positive = coefs.some((c) => typeof c === 'number' && c > 0);
  if (teacher !== undefined && !takesTeacher) {
    const takers = listLearners().filter((l) => Object.hasOwn(l.hyperparameters, 'kickstartCoef')).map((l) => l.name);
    issues.push({ path: teacherPath, message: `${learner.name} does not learn from a teacher (${takers.join(', ')} does, with hyperparameters.kickstartCoef)`, at: 'key' });
  } else if (teacher !== undefined && !positive) {
    issues.push({ path: teacherPath, message: 'a teacher is named but kickstartCoef is 0: set hyperparameters.kickstartCoef > 0 to learn from it', at: 'key' });
  } else if (teacher === undefined && positive) {
    const at = Object.hasOwn(hyperparameters, 'kickstartCoef') ? [...path, 'hyperparameters', 'kickstartCoef'] : [...path, 'sweep', 'kickstartCoef'];
    issues.push({ path: at, message: 'kickstartCoef > 0 needs a teacher: name one of the game\'s opponents with `teacher` (say teacher: scripted)' });
  }
}

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

/** Throws a ConfigError of `issues` (when there are any), positioned by `locate` and in file order. */
export function throwIssues(source: string, issues: readonly Issue[], locate: Locate): void {
  if (issues.length === 0) return;
  const problems = issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, ...locate(issue.path, issue.at) }));
  // In file order; problems without a position last.
  problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  throw new ConfigError(source, problems);
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
