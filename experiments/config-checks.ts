// The second pass over an experiment config: what its schema (config.ts)
// cannot know. The env is registered (or is a multi-agent game) and takes
// these kwargs and wrappers, loggers and seeds are named once, the runs stay
// under maxRuns, and each variant's algorithm, hyperparameters, sweep, env
// additions and name fit. Each check looks only at the parts the schema found
// well-formed and reports into one list, each problem at its YAML path.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '../agents/index.js';
import { agentDefinition, agentDirectory, listAgents, spaceDims } from '../agents/agent.js';
import type { AgentDefinition } from '../agents/agent.js';
import type { SpaceDims } from '../agents/lib/hparams.js';
import { checkHyperparameters, memoryProblem } from '../agents/lib/hparams.js';
import type { LearnerDefinition } from '../agents/multi/index.js';
import { learnerDefinition, listLearners } from '../agents/multi/index.js';
import type { GameRegistration } from '../core/multi-agent.js';
import { gameRegistration, listGames } from '../core/multi-agent.js';
import type { EnvRegistration } from '../core/registry.js';
import { envRegistration, listEnvs, make, resolveKwargs } from '../core/registry.js';
import { closestMatch, errorMessage } from '../core/text.js';
import '../envs/index.js';
import { discretizeIssues, gameIssues, matchIssues, teacherIssues } from './config-game-checks.js';
import { LOGGERS } from './tensorboard-run.js';
import type { EnvConfig } from './types.js';
import type { Issue, PathSegment } from './config-wrappers.js';
import { applyWrappers, describeInput, formatPath, isMapping, wrapperSpecs } from './config-wrappers.js';

type Mapping = Record<string, unknown>;

/** Runs an experiment may plan unless its config raises `maxRuns`: a typo like `seeds: 1000000` should not start a million runs. */
export const DEFAULT_MAX_RUNS = 1000;

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.every((segment, i) => path[i] === segment);
}

/** Sweep combinations: the cartesian product over the keys in written order (the first key varies slowest). */
export function sweepCombinations(sweep: Readonly<Record<string, readonly unknown[]>>): Record<string, unknown>[] {
  let combinations: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(sweep)) {
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combinations;
}

export const sweepSuffix = (values: Readonly<Record<string, unknown>>): string =>
  Object.entries(values)
    .map(([key, v]) => `-${key}=${String(v)}`)
    .join('');

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

function hyperparameterIssue(definition: Pick<AgentDefinition, 'hyperparameters'>, key: string, message: string, path: PathSegment[]): Issue {
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

/** Whether the schema found nothing wrong at or below a path. */
type WellFormed = (path: readonly PathSegment[]) => boolean;

/** What the config's env resolved to, for the checks of its variants. */
interface EnvContext {
  readonly registration?: EnvRegistration;
  /** A registered multi-agent game in place of an env: its learners, opponents and kwargs are checked. */
  readonly game?: GameRegistration;
  /** The top-level env kwargs (empty when none or not a mapping). */
  readonly kwargs: Mapping;
  /** The top-level env when it is registered, well-formed and builds with its wrappers. */
  readonly built?: EnvConfig;
}

/** The second pass: what the schema cannot know. Looks only at parts the schema found well-formed. */
export function meaningIssues(data: unknown, structural: readonly Issue[]): Issue[] {
  if (!isMapping(data)) return [];
  const issues: Issue[] = [];
  const wellFormed: WellFormed = (path) => !structural.some((i) => startsWith(i.path, path));
  const env = envIssues(data, wellFormed, issues);
  loggingIssues(data.logging, issues);
  seedIssues(data.seeds, issues);
  const variants = Array.isArray(data.variants) ? data.variants : [];
  const tooMany = runLimitIssues(data, variants, issues);
  const dims = env.built ? envDims(env.built) : undefined;
  const names = new Map<string, string>();
  variants.forEach((variant, i) => {
    if (isMapping(variant)) variantIssues(data, env, variant, i, { wellFormed, dims, names, expandNames: !tooMany.has(i) }, issues);
  });
  return issues;
}

/** The env's registration, or the game's when the id names a multi-agent game; an unknown id is reported. */
function envTarget(env: unknown, issues: Issue[]): { registration?: EnvRegistration; game?: GameRegistration } {
  const id = typeof env === 'string' ? env : isMapping(env) && typeof env.id === 'string' ? env.id : undefined;
  if (id === undefined) return {};
  try {
    return { registration: envRegistration(id) };
  } catch (e) {
    try {
      return { game: gameRegistration(id) };
    } catch {
      const close = closestMatch(id, [...listEnvs().map((r) => r.id), ...listGames().map((g) => g.id)]);
      issues.push({ path: typeof env === 'string' ? ['env'] : ['env', 'id'], message: close !== undefined && !errorMessage(e).includes(close) ? `${errorMessage(e)} (nor a multi-agent game; did you mean ${close}?)` : errorMessage(e) });
      return {};
    }
  }
}

/** The top-level env: id, kwargs, the match keys, wrappers, and (when all of that is fine) building it once. */
function envIssues(data: Mapping, wellFormed: WellFormed, issues: Issue[]): EnvContext {
  const env = data.env;
  const { registration, game } = envTarget(env, issues);
  const before = issues.length;
  const kwargs = isMapping(env) && isMapping(env.kwargs) ? env.kwargs : {};
  if (registration) kwargIssues(registration, kwargs, ['env', 'kwargs'], issues);
  if (game) gameIssues(game, kwargs, isMapping(env) ? env.wrappers : undefined, ['env'], issues);
  matchIssues(data, [], game, kwargs, issues);
  const wrappers = wrapperSpecs(isMapping(env) ? env.wrappers : undefined, ['env', 'wrappers'], issues);
  const context = { ...(registration ? { registration } : {}), ...(game ? { game } : {}), kwargs };
  if (!registration || !wrappers || issues.length !== before || !wellFormed(['env'])) return context;
  const built: EnvConfig = { id: registration.id, kwargs, wrappers };
  const problem = buildIssue(built);
  if (problem === undefined) return { ...context, built };
  issues.push({ path: ['env'], message: problem });
  return context;
}

/** Loggers are known, each named once. */
function loggingIssues(logging: unknown, issues: Issue[]): void {
  if (!Array.isArray(logging)) return;
  const first = new Map<unknown, number>();
  logging.forEach((name, j) => {
    if (typeof name !== 'string') return; // reported by the schema
    if (!(LOGGERS as readonly string[]).includes(name)) {
      const close = closestMatch(name, LOGGERS);
      issues.push({ path: ['logging', j], message: `unknown logger ${JSON.stringify(name)}${close !== undefined ? `; did you mean ${JSON.stringify(close)}?` : ''} (loggers: ${LOGGERS.join(', ')})` });
    } else if (first.has(name)) {
      issues.push({ path: ['logging', j], message: `logger ${JSON.stringify(name)} is listed twice (also logging[${first.get(name)}])` });
    } else first.set(name, j);
  });
}

/** Seeds are distinct. */
function seedIssues(seeds: unknown, issues: Issue[]): void {
  if (!Array.isArray(seeds)) return;
  const first = new Map<unknown, number>();
  seeds.forEach((seed, j) => {
    if (first.has(seed)) issues.push({ path: ['seeds', j], message: `seed ${describeInput(seed)} is listed twice (also seeds[${first.get(seed)}])` });
    else first.set(seed, j);
  });
}

/** What the checks of one variant share with the others. */
interface VariantContext {
  readonly wellFormed: WellFormed;
  /** The built env's sizes, for memory estimates. */
  readonly dims: SpaceDims | undefined;
  /** Variant names seen so far (after sweep expansion), each with where it came from. */
  readonly names: Map<string, string>;
  /** False when this variant's sweep makes too many runs (reported already): its names are not expanded. */
  readonly expandNames: boolean;
}

/** One variant (`variants[i]`): every check, in the order its problems are reported. */
function variantIssues(data: Mapping, env: EnvContext, variant: Mapping, i: number, context: VariantContext, issues: Issue[]): void {
  const path: PathSegment[] = ['variants', i];
  const algorithm = typeof variant.algorithm === 'string' ? variant.algorithm : undefined;
  const { definition, learner } = variantAlgorithm(algorithm, env, path, issues);
  const gameKwargs = { ...env.kwargs, ...(isMapping(variant.env) && isMapping(variant.env.kwargs) ? variant.env.kwargs : {}) };
  matchIssues(variant, path, env.game, gameKwargs, issues);
  if (env.game && typeof variant.warmStart === 'string') issues.push({ path: [...path, 'warmStart'], message: 'warm starts are for single-agent envs; multi-agent learners do not take one yet', at: 'key' });

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
    if (context.dims && definition) memoryIssues(definition, context.dims, hyperparameters, sweep, path, issues);
    sweepIssues(spec, hyperparameters, sweep, path, issues);
  }
  sweepNameIssues(sweep, path, issues);

  if (learner) teacherIssues(learner, variant.teacher ?? data.teacher, variant.teacher !== undefined ? [...path, 'teacher'] : ['teacher'], hyperparameters, sweep, path, issues);
  const discretize = variant.discretize ?? data.discretize;
  if (learner && env.game) {
    discretizeIssues(learner, env.game, gameKwargs, discretize, discretize === undefined ? [...path, 'algorithm'] : variant.discretize !== undefined ? [...path, 'discretize'] : ['discretize'], issues);
  }
  runSettingIssues(data, env, variant, definition, path, issues);
  if (isMapping(variant.env)) variantEnvIssues(env, variant.env, path, context.wellFormed, issues);

  // Names are unique after sweep expansion (not expanded when it makes too many runs: reported already).
  const base = typeof variant.name === 'string' ? variant.name : algorithm;
  if (base !== undefined && context.expandNames) variantNameIssues(base, typeof variant.name === 'string', sweep, path, context.names, issues);
}

/** The variant's algorithm: an agent for an env, a multi-agent learner for a game; an unknown name is reported. */
function variantAlgorithm(algorithm: string | undefined, env: EnvContext, path: readonly PathSegment[], issues: Issue[]): { definition?: AgentDefinition; learner?: LearnerDefinition } {
  if (algorithm === undefined) return {};
  if (env.game) {
    try {
      return { learner: learnerDefinition(algorithm) };
    } catch (e) {
      issues.push({ path: [...path, 'algorithm'], message: `${errorMessage(e)} (${env.game.id} is a multi-agent game: it takes a multi-agent learner)` });
      return {};
    }
  }
  try {
    return { definition: agentDefinition(algorithm) };
  } catch (e) {
    // With an unknown env (reported already), a multi-agent learner's name may be right for the game meant.
    const learnerName = listLearners().some((l) => l.name === algorithm);
    if (env.registration || !learnerName) issues.push({ path: [...path, 'algorithm'], message: errorMessage(e) });
    return {};
  }
}

/** Hyperparameter values (given, or among the sweep's) that make buffers or nets this machine cannot hold. */
function memoryIssues(definition: AgentDefinition, dims: SpaceDims, hyperparameters: Mapping, sweep: Record<string, unknown[]>, path: readonly PathSegment[], issues: Issue[]): void {
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

/** A swept key is not also set in hyperparameters, and each of its values is one the spec allows. */
function sweepIssues(spec: Pick<AgentDefinition, 'hyperparameters'>, hyperparameters: Mapping, sweep: Record<string, unknown[]>, path: readonly PathSegment[], issues: Issue[]): void {
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

/** Sweep values become parts of directory names. */
function sweepNameIssues(sweep: Record<string, unknown[]>, path: readonly PathSegment[], issues: Issue[]): void {
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
}

/** envs fits the algorithm, warmStart holds an agent it can start from, and totalSteps is set somewhere. */
function runSettingIssues(data: Mapping, env: EnvContext, variant: Mapping, definition: AgentDefinition | undefined, path: readonly PathSegment[], issues: Issue[]): void {
  if (definition && typeof variant.envs === 'number' && variant.envs > 0 && (definition.envKind ?? 'single') === 'single') {
    const vectorAgents = listAgents().filter((d) => (d.envKind ?? 'single') !== 'single').map((d) => d.name);
    issues.push({ path: [...path, 'envs'], message: `${String(variant.algorithm)} trains on a single env; set envs to 0 (vector envs: ${vectorAgents.join(', ')})` });
  }
  if (typeof variant.warmStart === 'string' && !env.game) {
    const problem = warmStartIssue(variant.warmStart, definition);
    if (problem !== undefined) issues.push({ path: [...path, 'warmStart'], message: problem });
  }
  if (variant.totalSteps === undefined && data.totalSteps === undefined) {
    issues.push({ path: [...path, 'totalSteps'], message: 'missing required key "totalSteps" (set it here, or at the top level for every variant)' });
  }
}

/** The variant's env additions (kwargs, wrappers), and building the env with them when the rest is fine. */
function variantEnvIssues(env: EnvContext, variantEnv: Mapping, path: readonly PathSegment[], wellFormed: WellFormed, issues: Issue[]): void {
  const before = issues.length;
  const kwargs = isMapping(variantEnv.kwargs) ? variantEnv.kwargs : {};
  if (env.registration) kwargIssues(env.registration, kwargs, [...path, 'env', 'kwargs'], issues);
  if (env.game) gameIssues(env.game, { ...env.kwargs, ...kwargs }, variantEnv.wrappers, [...path, 'env'], issues);
  const wrappers = wrapperSpecs(variantEnv.wrappers, [...path, 'env', 'wrappers'], issues);
  if (env.built && wrappers && issues.length === before && wellFormed([...path, 'env'])) {
    const problem = buildIssue({ id: env.built.id, kwargs: { ...env.built.kwargs, ...kwargs }, wrappers: [...env.built.wrappers, ...wrappers] });
    if (problem !== undefined) issues.push({ path: [...path, 'env'], message: problem });
  }
}

/** Each name the variant expands into (its name or algorithm, plus the sweep's suffixes) is new. */
function variantNameIssues(base: string, named: boolean, sweep: Record<string, unknown[]>, path: readonly PathSegment[], names: Map<string, string>, issues: Issue[]): void {
  const namePath = named ? [...path, 'name'] : path;
  for (const combination of sweepCombinations(sweep)) {
    const name = base + sweepSuffix(combination);
    const pairs = Object.entries(combination).map(([key, v]) => `${key}=${String(v)}`);
    const origin = formatPath(path) + (pairs.length > 0 ? ` (${pairs.join(', ')})` : '');
    const other = names.get(name);
    if (other !== undefined) issues.push({ path: namePath, message: `duplicate variant name "${name}": ${other} has it too; give the variants different names` });
    else names.set(name, origin);
  }
}
