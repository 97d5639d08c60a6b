// The env wrappers an experiment config can name. Configs are data, so each
// wrapper here takes plain arguments (numbers, lists, names) checked by a zod
// schema, and `apply` turns them into a call of the matching function in
// core/wrappers/. Wrappers that take a function in code take a number here
// instead (`scaleReward` multiplies rewards by `scale`). `wrapperSpecs` reads
// a config's `wrappers` list into WrapperSpecs.
//
// This file also holds the small helpers that turn zod issues into the
// messages config.ts reports (a YAML-style path plus a sentence, with the
// closest known key for a typo), since wrapper arguments are checked with
// them too.
import * as z from 'zod';
import type { Env } from '../core/env.js';
import { describeSpace } from '../core/spaces.js';
import { closestMatch } from '../core/text.js';
import {
  clipAction,
  discretizeObservation,
  flattenObservation,
  frameSkip,
  frameStack,
  grayscaleObservation,
  normalizeObservation,
  normalizeReward,
  potentialShaping,
  rescaleAction,
  shapeReward,
  resizeObservation,
  transformReward,
} from '../core/wrappers/index.js';
import type { WrapperSpec } from './types.js';

// ---------------------------------------------------------------- issues

export type PathSegment = string | number;

/** One problem found in a value, at a path inside it. */
export interface Issue {
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** For an unknown key: point at the key itself rather than its value. */
  readonly at?: 'key';
}

/** A YAML mapping (not a list, not null). */
export const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `variants[1].hyperparameters.learningRate`: the path as a YAML user reads it. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A value as a message shows it: scalars as written, collections by kind. */
export function describeInput(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    // A whole file read as one string (a binary or a one-line megabyte) is shown by its start.
    const shown = JSON.stringify(value);
    return shown.length <= DESCRIBED_CHARS ? shown : `${shown.slice(0, DESCRIBED_CHARS)}... (${value.length} characters)`;
  }
  return String(value);
}

/** Characters of a string value quoted in a message, at most. */
const DESCRIBED_CHARS = 80;

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null',
};

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

function isMissingKey(root: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  return parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, key);
}

/** The keys the strict object schema at `path` (inside `schema`) accepts, for "did you mean". */
function knownKeys(schema: z.ZodType, path: readonly PathSegment[], root: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let depth = 0;
  while (current) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodUnion) {
      // The branch of the kind the value has: a mapping goes to the object branch.
      const value = valueAt(root, path.slice(0, depth));
      const options = current.options as readonly z.ZodType[];
      current = options.find((o) => (Array.isArray(value) ? o instanceof z.ZodArray : o instanceof z.ZodObject || o instanceof z.ZodRecord));
    } else if (depth === path.length) {
      break;
    } else if (current instanceof z.ZodObject) {
      current = (current.shape as Record<string, z.ZodType>)[String(path[depth++])];
    } else if (current instanceof z.ZodArray) {
      current = current.element as z.ZodType;
      depth++;
    } else if (current instanceof z.ZodRecord) {
      current = current.valueType as z.ZodType;
      depth++;
    } else {
      return [];
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape as object) : [];
}

/** The message for a key a strict mapping does not know: the closest known key, else the list. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const close = closestMatch(key, known);
  if (close !== undefined) return `unknown key ${JSON.stringify(key)}; did you mean ${JSON.stringify(close)}?`;
  return known.length > 0 ? `unknown key ${JSON.stringify(key)}; allowed: ${known.join(', ')}` : `unknown key ${JSON.stringify(key)}; this mapping takes no keys`;
}

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean }, below: boolean): string {
  const limit = String(below ? issue.minimum : issue.maximum);
  return `${below ? '>' : '<'}${issue.inclusive ? '=' : ''} ${limit}`;
}

// YAML 1.2 reads `100_000` as text; say so instead of only "expected a number".
const UNDERSCORED_NUMBER = /^[-+]?\d[\d_]*(\.[\d_]*)?([eE][-+]?\d+)?$/;

// `root` and `schema` are the whole value and its schema; `prefix` is where a
// union's branch issues (whose paths are relative to the union) sit.
function issueMessages(issue: z.core.$ZodIssue, root: unknown, schema: z.ZodType, prefix: readonly PathSegment[]): Issue[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const value = valueAt(root, path);
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && value === undefined && isMissingKey(root, path)) {
    return [{ path, message: `missing required key ${JSON.stringify(path[path.length - 1])}` }];
  }
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const hint = typeof value === 'string' && UNDERSCORED_NUMBER.test(value) && value.includes('_') ? ` (YAML reads digits with "_" as text; write ${value.replaceAll('_', '')})` : '';
      return [{ path, message: `expected ${expected}, got ${describeInput(value)}${hint}` }];
    }
    case 'too_small':
    case 'too_big': {
      const below = issue.code === 'too_small';
      if (issue.origin === 'array') {
        const n = Number(below ? issue.minimum : issue.maximum);
        return [{ path, message: `must have ${below ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}` }];
      }
      if (issue.origin === 'string') return [{ path, message: below ? 'must not be empty' : `must be at most ${String(issue.maximum)} characters` }];
      return [{ path, message: `must be ${bound(issue, below)}, got ${describeInput(value)}` }];
    }
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path, root);
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known), at: 'key' as const }));
    }
    case 'invalid_union': {
      // A branch that failed below its root matched the value's kind (a
      // mapping for the mapping form): its issues say what is wrong. When
      // every branch rejected the value's kind, the union's own description
      // says what was expected.
      const deeper = issue.errors.find((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (deeper) return deeper.flatMap((inner) => issueMessages(inner, root, schema, path));
      return [{ path, message: `expected ${issue.message}, got ${describeInput(value)}` }];
    }
    case 'invalid_value':
      return [{ path, message: `must be one of ${issue.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}, got ${describeInput(value)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Every problem zod finds in `value` against `schema`, as Issues with paths inside `value`. */
export function schemaIssues(schema: z.ZodType, value: unknown): Issue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => issueMessages(issue, value, schema, []));
}

// ---------------------------------------------------------------- registry

export interface WrapperDefinition {
  readonly name: string;
  readonly description: string;
  /** Checks and parses the arguments a config gives. */
  readonly args: z.ZodType;
  /** Wraps `env`; `args` have passed the schema. */
  apply(env: Env, args: Record<string, unknown>): Env;
}

function define<S extends z.ZodType>(name: string, description: string, args: S, apply: (env: Env, args: z.output<S>) => Env): WrapperDefinition {
  return { name, description, args, apply: (env, given) => apply(env, args.parse(given)) };
}

const positiveInt = z.number().int().min(1);
const positive = z.number().gt(0);
const bounds = z.array(z.number().nullable()).min(1).optional();
const numberOrList = z.union([z.number(), z.array(z.number()).min(1)], { error: 'a number or a list of numbers (one per action component)' });

const WRAPPERS: ReadonlyMap<string, WrapperDefinition> = new Map(
  [
    define(
      'discretizeObservation',
      'Box observation -> one Discrete cell index on a uniform grid, for tabular agents; bins: one count for every dimension or one per dimension; low/high override the bounds (needed where they are infinite; null keeps a dimension\'s own)',
      z.strictObject({
        bins: z.union([positiveInt, z.array(positiveInt).min(1)], { error: 'a positive integer or a list of positive integers' }),
        low: bounds,
        high: bounds,
      }),
      (env, { bins, low, high }) =>
        // A null bound falls through to the space's own: discretization reads low?.[i] ?? space.low[i].
        discretizeObservation(env, { bins, ...(low ? { low: low as number[] } : {}), ...(high ? { high: high as number[] } : {}) }),
    ),
    define(
      'normalizeObservation',
      'observations scaled by their running mean and std; the statistics live in the env, not in the agent\'s checkpoint (prefer an agent\'s own normalizeObs where it has one)',
      z.strictObject({ epsilon: positive.optional() }),
      (env, args) => normalizeObservation(env, args),
    ),
    define(
      'normalizeReward',
      'rewards divided by the running std of the discounted return; statistics as for normalizeObservation',
      z.strictObject({ gamma: z.number().min(0).max(1).optional(), epsilon: positive.optional() }),
      (env, args) => normalizeReward(env, args),
    ),
    define('clipAction', 'Box actions clipped into the env\'s bounds (the exposed action space becomes unbounded)', z.strictObject({}), (env) =>
      clipAction(env as Env<unknown, ArrayLike<number>>),
    ),
    define(
      'rescaleAction',
      'Box actions taken in [min, max] and mapped affinely onto the env\'s bounds; min and max are numbers or one per component',
      z.strictObject({ min: numberOrList, max: numberOrList }),
      (env, { min, max }) => rescaleAction(env as Env<unknown, ArrayLike<number>>, min, max),
    ),
    define('flattenObservation', 'any observation flattened into one float32 vector (Discrete as one-hot)', z.strictObject({}), (env) => flattenObservation(env)),
    define(
      'frameStack',
      'the last k Box observations stacked, oldest first; padding before k frames: copies of the reset observation (reset) or zeros; channelsLast stacks along the last axis ([H, W, C] images become [H, W, k C], for the cnn policy)',
      z.strictObject({ k: positiveInt, padding: z.enum(['reset', 'zero']).optional(), channelsLast: z.boolean().optional() }),
      (env, { k, padding, channelsLast }) => frameStack(env, k, { ...(padding ? { padding } : {}), ...(channelsLast !== undefined ? { channelsLast } : {}) }),
    ),
    define(
      'frameSkip',
      'each action repeated for k env steps, rewards summed, stopping at the episode end; the agent sees the last observation (no max-pooling)',
      z.strictObject({ k: positiveInt }),
      (env, { k }) => frameSkip(env, k),
    ),
    define(
      'grayscaleObservation',
      'an RGB image (uint8 [H, W, 3]) as one luminance channel, [H, W, 1] (keepDim false: [H, W])',
      z.strictObject({ keepDim: z.boolean().optional() }),
      (env, { keepDim }) => grayscaleObservation(env, keepDim !== undefined ? { keepDim } : {}),
    ),
    define(
      'resizeObservation',
      'an image (uint8 [H, W, C] or [H, W]) resampled to shape [h, w] by area averaging',
      z.strictObject({ shape: z.tuple([positiveInt, positiveInt]) }),
      (env, { shape }) => resizeObservation(env, shape),
    ),
    define('scaleReward', 'every reward multiplied by scale', z.strictObject({ scale: z.number() }), (env, { scale }) =>
      transformReward(env, (reward) => reward * scale),
    ),
    define(
      'terminalReward',
      "the reward of a step that terminates the episode becomes `reward` (e.g. -10 when CartPole's pole falls); truncations keep theirs",
      z.strictObject({ reward: z.number() }),
      (env, { reward }) => shapeReward(env, (t) => (t.terminated ? reward : t.reward)),
    ),
    define(
      'linearPotential',
      'potential-based shaping with phi(obs) = sum_i weights[i] * obs[i] over a flat Box observation: r + scale * (gamma * phi(next) - phi(obs)), phi of a terminal state 0 (keeps the optimal policies)',
      z.strictObject({ weights: z.array(z.number()).min(1), gamma: z.number().min(0).max(1).optional(), scale: z.number().optional() }),
      (env, { weights, gamma, scale }) => {
        const space = env.observationSpace;
        if (space.type !== 'box' || space.shape.length !== 1 || space.shape[0] !== weights.length) {
          throw new TypeError(`linearPotential: weights has ${weights.length} entries; it needs a flat Box observation with as many, got ${describeSpace(space)}`);
        }
        const phi = (o: unknown) => {
          const x = o as ArrayLike<number>;
          let v = 0;
          for (let i = 0; i < weights.length; i++) v += weights[i]! * x[i]!;
          return v;
        };
        return potentialShaping(env, phi, { ...(gamma !== undefined ? { gamma } : {}), ...(scale !== undefined ? { scale } : {}) });
      },
    ),
  ].map((d) => [d.name, d]),
);

/** The registered wrappers, by name. */
export function listWrappers(): WrapperDefinition[] {
  return [...WRAPPERS.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function unknownWrapperMessage(name: string): string {
  const names = [...WRAPPERS.keys()].sort();
  const close = closestMatch(name, names);
  return `unknown wrapper ${JSON.stringify(name)}; ${close !== undefined ? `did you mean ${JSON.stringify(close)}?` : `known wrappers: ${names.join(', ')}`}`;
}

/** The problems with using wrapper `name` with `args`, as Issues with paths inside `args` (empty when fine). */
export function wrapperArgIssues(name: string, args: unknown): Issue[] {
  const definition = WRAPPERS.get(name);
  if (!definition) return [{ path: [], message: unknownWrapperMessage(name) }];
  return schemaIssues(definition.args, args);
}

/** The problems with using wrapper `name` with `args`; `path` is inside `args` (e.g. `bins[1]`), empty for the wrapper itself. */
export function checkWrapperArgs(name: string, args: unknown): { path: string; message: string }[] {
  return wrapperArgIssues(name, args).map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * The wrapper specs of a `wrappers` list, reporting bad items into `issues`;
 * null when any item is bad. Items are a name, or a one-key mapping from the
 * name to its arguments.
 */
export function wrapperSpecs(raw: unknown, path: readonly PathSegment[], issues: Issue[]): WrapperSpec[] | null {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return null;
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
    const atName = !WRAPPERS.has(name) && argsPath !== itemPath ? { at: 'key' as const } : {};
    for (const p of problems) issues.push({ ...p, path: [...argsPath, ...p.path], ...atName });
    if (problems.length > 0) ok = false;
    else specs.push({ name, args: args as Record<string, unknown> });
  });
  return ok ? specs : null;
}

/** Applies `wrappers` to `env` in order; an unknown wrapper or bad arguments throw naming it. */
export function applyWrappers(env: Env, wrappers: readonly WrapperSpec[]): Env {
  let wrapped = env;
  for (const spec of wrappers) {
    const problems = checkWrapperArgs(spec.name, spec.args);
    if (problems.length > 0) {
      throw new TypeError(`wrapper ${spec.name}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
    }
    wrapped = WRAPPERS.get(spec.name)!.apply(wrapped, spec.args);
  }
  return wrapped;
}
