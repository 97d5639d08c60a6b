// A tuning study's search space: the `search:` block of a variant, one
// dimension per hyperparameter (loguniform, uniform, int or choice), checked
// into Issues at their paths the way config.ts reports configs, and the
// mapping of each dimension to the internal line samplers work on (the log of
// a loguniform value, an integer's value, a choice's index).
import type { ParamSpec } from '../../agents/lib/hparams.js';
import { checkHyperparameters } from '../../agents/lib/hparams.js';
import { closestMatch } from '../../core/text.js';
import type { Issue, PathSegment } from '../config-wrappers.js';
import { describeInput } from '../config-wrappers.js';

export type Dimension =
  | { readonly kind: 'loguniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  /** Integers from low to high, both included. */
  | { readonly kind: 'int'; readonly low: number; readonly high: number }
  | { readonly kind: 'choice'; readonly values: readonly unknown[] };

/** Dimensions in the order the config writes them (samplers draw them in that order). */
export type SearchSpace = Readonly<Record<string, Dimension>>;

export const DIMENSION_KINDS = ['loguniform', 'uniform', 'int', 'choice'] as const;

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One `search` entry: a one-key mapping from the kind to its arguments; an Issue list when it is malformed. */
function parseDimension(raw: unknown, path: readonly PathSegment[], issues: Issue[]): Dimension | undefined {
  const kinds = DIMENSION_KINDS.join(', ');
  if (!isMapping(raw) || Object.keys(raw).length !== 1) {
    issues.push({ path, message: `expected a one-key mapping from the distribution (${kinds}) to its arguments, e.g. { loguniform: [1e-5, 1e-2] }, got ${describeInput(raw)}` });
    return undefined;
  }
  const kind = Object.keys(raw)[0]!;
  const args = raw[kind];
  const at = [...path, kind];
  if (!(DIMENSION_KINDS as readonly string[]).includes(kind)) {
    const close = closestMatch(kind, DIMENSION_KINDS);
    issues.push({ path: at, message: `unknown distribution ${JSON.stringify(kind)}; ${close !== undefined ? `did you mean ${JSON.stringify(close)}? ` : ''}distributions: ${kinds}`, at: 'key' });
    return undefined;
  }
  if (kind === 'choice') {
    if (!Array.isArray(args) || args.length === 0) {
      issues.push({ path: at, message: `expected a non-empty list of values, got ${Array.isArray(args) ? 'an empty list' : describeInput(args)}` });
      return undefined;
    }
    const seen = new Map<string, number>();
    let ok = true;
    args.forEach((v, j) => {
      const key = JSON.stringify(v);
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push({ path: [...at, j], message: `${describeInput(v)} is listed twice (also [${first}])` });
        ok = false;
      } else seen.set(key, j);
    });
    return ok ? { kind, values: args } : undefined;
  }
  if (!Array.isArray(args) || args.length !== 2 || !args.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    issues.push({ path: at, message: `expected [low, high], two finite numbers, got ${describeInput(args)}` });
    return undefined;
  }
  const [low, high] = args as [number, number];
  if (!(low < high)) {
    issues.push({ path: at, message: `low (${low}) must be below high (${high})` });
    return undefined;
  }
  if (kind === 'loguniform' && low <= 0) {
    issues.push({ path: [...at, 0], message: `a loguniform range must be positive (it is uniform in log space), got low ${low}` });
    return undefined;
  }
  if (kind === 'int' && !(Number.isInteger(low) && Number.isInteger(high))) {
    issues.push({ path: at, message: `int takes two integers [low, high], got [${low}, ${high}]` });
    return undefined;
  }
  return { kind: kind as 'loguniform' | 'uniform' | 'int', low, high };
}

/** The values a dimension can take at its extremes (a numeric range's bounds; every choice), with their paths. */
function probeValues(d: Dimension, at: readonly PathSegment[]): { value: unknown; path: PathSegment[] }[] {
  if (d.kind === 'choice') return d.values.map((value, j) => ({ value, path: [...at, j] }));
  return [
    { value: d.low, path: [...at, 0] },
    { value: d.high, path: [...at, 1] },
  ];
}

/**
 * Parses a variant's `search` mapping (at `path`) against the agent's
 * hyperparameter spec: each key is a hyperparameter the agent takes, not also
 * fixed in `hyperparameters`, and every value the dimension can reach passes
 * the agent's own checks. Problems go into `issues`; the space is returned
 * when there are none.
 */
export function parseSearchSpace(raw: unknown, path: readonly PathSegment[], spec: ParamSpec | undefined, fixed: Readonly<Record<string, unknown>>, issues: Issue[]): SearchSpace | undefined {
  if (!isMapping(raw) || Object.keys(raw).length === 0) {
    issues.push({ path, message: `expected a mapping from hyperparameters to distributions, e.g. learningRate: { loguniform: [1e-5, 1e-2] }, got ${describeInput(raw)}` });
    return undefined;
  }
  const before = issues.length;
  const space: Record<string, Dimension> = {};
  for (const [key, entry] of Object.entries(raw)) {
    const keyPath = [...path, key];
    if (spec && !Object.hasOwn(spec, key)) {
      const close = closestMatch(key, Object.keys(spec));
      issues.push({ path: keyPath, message: `unknown hyperparameter ${JSON.stringify(key)}${close !== undefined ? `; did you mean ${JSON.stringify(close)}?` : `; allowed: ${Object.keys(spec).join(', ')}`}`, at: 'key' });
      continue;
    }
    if (Object.hasOwn(fixed, key)) {
      issues.push({ path: keyPath, message: `${key} is also set in hyperparameters; set it in one place`, at: 'key' });
      continue;
    }
    const d = parseDimension(entry, keyPath, issues);
    if (!d) continue;
    if (spec) {
      const param = spec[key]!;
      if (d.kind === 'uniform' || d.kind === 'loguniform') {
        if (param.kind === 'number' && param.integer) {
          issues.push({ path: [...keyPath, d.kind], message: `${key} takes integers; search it with int: [low, high]`, at: 'key' });
          continue;
        }
      }
      for (const probe of probeValues(d, [...keyPath, d.kind])) {
        for (const p of checkHyperparameters(spec, { [key]: probe.value }).filter((p) => p.key === key)) issues.push({ path: probe.path, message: p.message });
      }
    }
    space[key] = d;
  }
  return issues.length === before ? space : undefined;
}

// ---------------------------------------------------------------- the internal line

/** The interval a numeric dimension's internal values lie in (an int's widened by half a step each side, so each integer gets an equal share). */
export function internalRange(d: Exclude<Dimension, { kind: 'choice' }>): [number, number] {
  if (d.kind === 'loguniform') return [Math.log(d.low), Math.log(d.high)];
  if (d.kind === 'int') return [d.low - 0.5, d.high + 0.5];
  return [d.low, d.high];
}

/** A hyperparameter value from an internal one (rounded to the integer for int, clamped into range). */
export function fromInternal(d: Exclude<Dimension, { kind: 'choice' }>, u: number): number {
  if (d.kind === 'loguniform') return Math.min(d.high, Math.max(d.low, Math.exp(u)));
  if (d.kind === 'int') return Math.min(d.high, Math.max(d.low, Math.round(u)));
  return Math.min(d.high, Math.max(d.low, u));
}

/** The internal value of a hyperparameter value. */
export function toInternal(d: Exclude<Dimension, { kind: 'choice' }>, x: number): number {
  return d.kind === 'loguniform' ? Math.log(x) : x;
}

/** The index of `value` among a choice dimension's values (compared as JSON, so lists match), or -1. */
export function choiceIndex(d: Extract<Dimension, { kind: 'choice' }>, value: unknown): number {
  const key = JSON.stringify(value);
  return d.values.findIndex((v) => JSON.stringify(v) === key);
}
