// Checks for the MuJoCo envs' keyword arguments (Gymnasium v5's, in camelCase):
// each returns the value or throws an error naming the env, the argument and
// what it got. A range is [low, high] where null stands for an unbounded side
// (so that the defaults survive JSON).
import { describeValue } from '../../core/spaces.js';

export type Kwargs = Readonly<Record<string, unknown>>;

export function numberKwarg(id: string, kwargs: Kwargs, name: string, opts: { min?: number } = {}): number {
  const v = kwargs[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${id}: ${name} must be a finite number, got ${describeValue(v)}`);
  if (opts.min !== undefined && v < opts.min) throw new RangeError(`${id}: ${name} must be at least ${opts.min}, got ${v}`);
  return v;
}

export function booleanKwarg(id: string, kwargs: Kwargs, name: string): boolean {
  const v = kwargs[name];
  if (typeof v !== 'boolean') throw new TypeError(`${id}: ${name} must be true or false, got ${describeValue(v)}`);
  return v;
}

export function positiveIntegerKwarg(id: string, kwargs: Kwargs, name: string): number {
  const v = kwargs[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${id}: ${name} must be a positive integer, got ${describeValue(v)}`);
  return v;
}

/** [low, high] with null (or an infinity) for an open side; low must not exceed high. */
export function rangeKwarg(id: string, kwargs: Kwargs, name: string): [number, number] {
  const v = kwargs[name];
  const side = (x: unknown, open: number): number | undefined =>
    x === null ? open : typeof x === 'number' && !Number.isNaN(x) ? x : undefined;
  if (Array.isArray(v) && v.length === 2) {
    const low = side(v[0], -Infinity);
    const high = side(v[1], Infinity);
    if (low !== undefined && high !== undefined) {
      if (low > high) throw new RangeError(`${id}: ${name} must be [low, high] with low <= high, got [${low}, ${high}]`);
      return [low, high];
    }
  }
  throw new TypeError(`${id}: ${name} must be [low, high], two numbers (null for an open side), got ${describeValue(v)}`);
}

/** How each kind of keyword argument is read: a number, one at least 0 (a cost weight, a noise scale), a flag, a positive integer or a range. */
const READERS = {
  number: (id: string, kwargs: Kwargs, name: string) => numberKwarg(id, kwargs, name),
  nonNegative: (id: string, kwargs: Kwargs, name: string) => numberKwarg(id, kwargs, name, { min: 0 }),
  boolean: booleanKwarg,
  positiveInteger: positiveIntegerKwarg,
  range: rangeKwarg,
};
export type KwargKind = keyof typeof READERS;
export type KwargValues<S extends Readonly<Record<string, KwargKind>>> = { readonly [K in keyof S]: ReturnType<(typeof READERS)[S[K]]> };

/** The keyword arguments `schema` names, each read as its kind, in the schema's order (the first bad one throws). */
export function readKwargs<S extends Readonly<Record<string, KwargKind>>>(id: string, kwargs: Kwargs, schema: S): KwargValues<S> {
  const values: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(schema)) values[name] = READERS[kind](id, kwargs, name);
  return values as KwargValues<S>;
}
