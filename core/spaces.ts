// Spaces: plain data with a `type` discriminant; every operation is a free
// function (sample, contains, flatDim, flatten, unflatten, toJSON/fromJSON,
// describe). Values: Discrete -> number, Box -> Float32Array or Uint8Array in
// row-major order, MultiDiscrete -> Int32Array, MultiBinary -> Uint8Array,
// Dict -> object keyed like the space, Tuple -> array. About 500 lines: each
// operation covers all six space types, so the operations stay side by side.
import type { Rng } from './rng.js';

export interface DiscreteSpace {
  readonly type: 'discrete';
  readonly n: number;
  readonly start: number;
}
export type BoxDtype = 'float32' | 'uint8';
export interface BoxSpace {
  readonly type: 'box';
  readonly shape: readonly number[];
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly dtype: BoxDtype;
}
export interface MultiDiscreteSpace {
  readonly type: 'multi-discrete';
  readonly nvec: readonly number[];
}
export interface MultiBinarySpace {
  readonly type: 'multi-binary';
  readonly n: number;
}
export interface DictSpace {
  readonly type: 'dict';
  readonly spaces: Readonly<Record<string, Space>>;
}
export interface TupleSpace {
  readonly type: 'tuple';
  readonly spaces: readonly Space[];
}
export type Space = DiscreteSpace | BoxSpace | MultiDiscreteSpace | MultiBinarySpace | DictSpace | TupleSpace;

export type BoxValue = Float32Array | Uint8Array;
export type SpaceValue = number | BoxValue | Int32Array | SpaceValue[] | { [key: string]: SpaceValue };

// ---------------------------------------------------------------- builders

function checkInteger(what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${what} must be an integer >= ${min}, got ${v}`);
}

export function discrete(n: number, opts: { start?: number } = {}): DiscreteSpace {
  checkInteger('Discrete: n', n, 1);
  const start = opts.start ?? 0;
  if (!Number.isInteger(start)) throw new RangeError(`Discrete: start must be an integer, got ${start}`);
  return { type: 'discrete', n, start };
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

/**
 * Box(low, high, shape?, dtype?). `low` and `high` may be numbers (broadcast to
 * `shape`) or arrays whose length equals the product of `shape`; without `shape`
 * the arrays give a 1-D box. Infinite bounds are allowed for float32.
 */
export function box(
  low: number | ArrayLike<number>,
  high: number | ArrayLike<number>,
  shape?: readonly number[],
  dtype: BoxDtype = 'float32',
): BoxSpace {
  if (dtype !== 'float32' && dtype !== 'uint8') throw new TypeError(`Box: dtype must be 'float32' or 'uint8', got ${String(dtype)}`);
  let resolved: number[];
  if (shape) {
    resolved = [...shape];
  } else if (typeof low !== 'number') {
    resolved = [low.length];
  } else if (typeof high !== 'number') {
    resolved = [high.length];
  } else {
    throw new TypeError('Box: shape is required when low and high are both numbers');
  }
  for (const d of resolved) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`Box: shape entries must be non-negative integers, got [${resolved.join(', ')}]`);
  }
  const size = product(resolved);
  const fill = (v: number | ArrayLike<number>, name: string): Float32Array => {
    if (typeof v === 'number') return new Float32Array(size).fill(v);
    if (v.length !== size) {
      throw new RangeError(`Box: ${name} has ${v.length} values but shape [${resolved.join(', ')}] needs ${size}`);
    }
    return Float32Array.from(v);
  };
  const lo = fill(low, 'low');
  const hi = fill(high, 'high');
  for (let i = 0; i < size; i++) {
    if (Number.isNaN(lo[i]) || Number.isNaN(hi[i])) throw new RangeError(`Box: bound ${i} is NaN`);
    if (lo[i]! > hi[i]!) throw new RangeError(`Box: low[${i}] = ${lo[i]} is greater than high[${i}] = ${hi[i]}`);
    if (dtype === 'uint8') {
      if (!Number.isInteger(lo[i]) || !Number.isInteger(hi[i]) || lo[i]! < 0 || hi[i]! > 255) {
        throw new RangeError(`Box: uint8 bounds must be integers in [0, 255], got [${lo[i]}, ${hi[i]}] at index ${i}`);
      }
    }
  }
  return { type: 'box', shape: resolved, low: lo, high: hi, dtype };
}

export function multiDiscrete(nvec: readonly number[]): MultiDiscreteSpace {
  if (nvec.length === 0) throw new RangeError('MultiDiscrete: nvec must not be empty');
  nvec.forEach((n, i) => checkInteger(`MultiDiscrete: nvec[${i}]`, n, 1));
  return { type: 'multi-discrete', nvec: [...nvec] };
}

export function multiBinary(n: number): MultiBinarySpace {
  checkInteger('MultiBinary: n', n, 1);
  return { type: 'multi-binary', n };
}

export function dict(spaces: Record<string, Space>): DictSpace {
  const keys = Object.keys(spaces);
  if (keys.length === 0) throw new RangeError('Dict: needs at least one subspace');
  for (const k of keys) assertSpace(spaces[k], `Dict['${k}']`);
  return { type: 'dict', spaces: { ...spaces } };
}

export function tuple(spaces: readonly Space[]): TupleSpace {
  if (spaces.length === 0) throw new RangeError('Tuple: needs at least one subspace');
  spaces.forEach((s, i) => assertSpace(s, `Tuple[${i}]`));
  return { type: 'tuple', spaces: [...spaces] };
}

function assertSpace(s: unknown, where: string): asserts s is Space {
  const t = (s as { type?: unknown } | null)?.type;
  if (!['discrete', 'box', 'multi-discrete', 'multi-binary', 'dict', 'tuple'].includes(t as string)) {
    throw new TypeError(`${where} is not a space (type ${JSON.stringify(t)})`);
  }
}

// ---------------------------------------------------------------- sample

/** A random element of the space, drawn from `rng` (Gymnasium's rules for Box bounds). */
export function sample(space: DiscreteSpace, rng: Rng): number;
export function sample(space: BoxSpace, rng: Rng): BoxValue;
export function sample(space: Space, rng: Rng): SpaceValue;
export function sample(space: Space, rng: Rng): SpaceValue {
  switch (space.type) {
    case 'discrete':
      return space.start + rng.integers(0, space.n);
    case 'box': {
      const n = space.low.length;
      if (space.dtype === 'uint8') {
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = rng.integers(space.low[i]!, space.high[i]! + 1);
        return out;
      }
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = space.low[i]!;
        const hi = space.high[i]!;
        const loFinite = Number.isFinite(lo);
        const hiFinite = Number.isFinite(hi);
        let v: number;
        if (loFinite && hiFinite) v = rng.uniform(lo, hi);
        else if (loFinite) v = lo + rng.exponential();
        else if (hiFinite) v = hi - rng.exponential();
        else v = rng.normal();
        // Rounding to float32 can land exactly on `high`; keep samples inside.
        out[i] = v;
        if (out[i]! > hi) out[i] = hi;
      }
      return out;
    }
    case 'multi-discrete': {
      const out = new Int32Array(space.nvec.length);
      for (let i = 0; i < out.length; i++) out[i] = rng.integers(0, space.nvec[i]!);
      return out;
    }
    case 'multi-binary': {
      const out = new Uint8Array(space.n);
      for (let i = 0; i < out.length; i++) out[i] = rng.integers(0, 2);
      return out;
    }
    case 'dict': {
      const out: Record<string, SpaceValue> = {};
      for (const k of Object.keys(space.spaces)) out[k] = sample(space.spaces[k]!, rng);
      return out;
    }
    case 'tuple':
      return space.spaces.map((s) => sample(s, rng));
  }
}

// ---------------------------------------------------------------- contains

function isNumericArray(x: unknown): x is ArrayLike<number> {
  return (ArrayBuffer.isView(x) && !(x instanceof DataView)) || (Array.isArray(x) && x.every((v) => typeof v === 'number'));
}

/** Whether `x` is an element of `space`. Box and MultiDiscrete accept typed arrays or number arrays. */
export function contains(space: Space, x: unknown): boolean {
  switch (space.type) {
    case 'discrete':
      return typeof x === 'number' && Number.isInteger(x) && x >= space.start && x < space.start + space.n;
    case 'box': {
      if (!isNumericArray(x) || x.length !== space.low.length) return false;
      const isInt = space.dtype === 'uint8';
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        if (!(v >= space.low[i]! && v <= space.high[i]!)) return false;
        if (isInt && !Number.isInteger(v)) return false;
      }
      return true;
    }
    case 'multi-discrete': {
      if (!isNumericArray(x) || x.length !== space.nvec.length) return false;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= space.nvec[i]!) return false;
      }
      return true;
    }
    case 'multi-binary': {
      if (!isNumericArray(x) || x.length !== space.n) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
      return true;
    }
    case 'dict': {
      if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
      const keys = Object.keys(space.spaces);
      const obj = x as Record<string, unknown>;
      if (Object.keys(obj).length !== keys.length) return false;
      return keys.every((k) => k in obj && contains(space.spaces[k]!, obj[k]));
    }
    case 'tuple':
      return Array.isArray(x) && x.length === space.spaces.length && space.spaces.every((s, i) => contains(s, x[i]));
  }
}

// ---------------------------------------------------------------- flatten

/** Length of the flat float vector `flatten` produces (Discrete is one-hot, as in Gymnasium). */
export function flatDim(space: Space): number {
  switch (space.type) {
    case 'discrete':
      return space.n;
    case 'box':
      return space.low.length;
    case 'multi-discrete':
      return space.nvec.reduce((a, b) => a + b, 0);
    case 'multi-binary':
      return space.n;
    case 'dict':
      return Object.values(space.spaces).reduce((a, s) => a + flatDim(s), 0);
    case 'tuple':
      return space.spaces.reduce((a, s) => a + flatDim(s), 0);
  }
}

function flattenInto(space: Space, x: SpaceValue, out: Float32Array, offset: number): number {
  switch (space.type) {
    case 'discrete':
      out.fill(0, offset, offset + space.n);
      out[offset + (x as number) - space.start] = 1;
      return offset + space.n;
    case 'box':
    case 'multi-binary': {
      const a = x as ArrayLike<number>;
      for (let i = 0; i < a.length; i++) out[offset + i] = a[i]!;
      return offset + a.length;
    }
    case 'multi-discrete': {
      const a = x as ArrayLike<number>;
      let o = offset;
      for (let i = 0; i < space.nvec.length; i++) {
        out.fill(0, o, o + space.nvec[i]!);
        out[o + a[i]!] = 1;
        o += space.nvec[i]!;
      }
      return o;
    }
    case 'dict': {
      let o = offset;
      const obj = x as Record<string, SpaceValue>;
      for (const k of Object.keys(space.spaces)) o = flattenInto(space.spaces[k]!, obj[k]!, out, o);
      return o;
    }
    case 'tuple': {
      let o = offset;
      const arr = x as SpaceValue[];
      space.spaces.forEach((s, i) => {
        o = flattenInto(s, arr[i]!, out, o);
      });
      return o;
    }
  }
}

/** Flattens `x` into a Float32Array of length flatDim(space) (written into `out` when given). */
export function flatten(space: Space, x: SpaceValue, out?: Float32Array): Float32Array {
  const dim = flatDim(space);
  const target = out ?? new Float32Array(dim);
  if (target.length < dim) throw new RangeError(`flatten: out has length ${target.length}, need ${dim}`);
  flattenInto(space, x, target, 0);
  return target;
}

function argmaxRange(a: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[start + i]! > a[start + best]!) best = i;
  return best;
}

function unflattenFrom(space: Space, flat: ArrayLike<number>, offset: number): [SpaceValue, number] {
  switch (space.type) {
    case 'discrete':
      return [space.start + argmaxRange(flat, offset, space.n), offset + space.n];
    case 'box': {
      const n = space.low.length;
      const out = space.dtype === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = flat[offset + i]!;
      return [out, offset + n];
    }
    case 'multi-binary': {
      const out = new Uint8Array(space.n);
      for (let i = 0; i < space.n; i++) out[i] = flat[offset + i]! > 0.5 ? 1 : 0;
      return [out, offset + space.n];
    }
    case 'multi-discrete': {
      const out = new Int32Array(space.nvec.length);
      let o = offset;
      for (let i = 0; i < space.nvec.length; i++) {
        out[i] = argmaxRange(flat, o, space.nvec[i]!);
        o += space.nvec[i]!;
      }
      return [out, o];
    }
    case 'dict': {
      const out: Record<string, SpaceValue> = {};
      let o = offset;
      for (const k of Object.keys(space.spaces)) {
        [out[k], o] = unflattenFrom(space.spaces[k]!, flat, o);
      }
      return [out, o];
    }
    case 'tuple': {
      const out: SpaceValue[] = [];
      let o = offset;
      for (const s of space.spaces) {
        let v: SpaceValue;
        [v, o] = unflattenFrom(s, flat, o);
        out.push(v);
      }
      return [out, o];
    }
  }
}

/** Inverse of `flatten`. */
export function unflatten(space: Space, flat: ArrayLike<number>): SpaceValue {
  const dim = flatDim(space);
  if (flat.length !== dim) throw new RangeError(`unflatten: got ${flat.length} values, space ${describeSpace(space)} has flat dimension ${dim}`);
  return unflattenFrom(space, flat, 0)[0];
}

/** The Box that `flatten` maps the space into. */
export function flattenSpace(space: Space): BoxSpace {
  if (space.type === 'box') return box(space.low, space.high, [space.low.length], 'float32');
  const dim = flatDim(space);
  if (space.type === 'discrete' || space.type === 'multi-discrete' || space.type === 'multi-binary') return box(0, 1, [dim]);
  const lows: number[] = [];
  const highs: number[] = [];
  const parts = space.type === 'dict' ? Object.values(space.spaces) : space.spaces;
  for (const s of parts) {
    const f = flattenSpace(s);
    lows.push(...f.low);
    highs.push(...f.high);
  }
  return box(lows, highs, [dim]);
}

// ---------------------------------------------------------------- JSON

const encodeBound = (v: number): number | string => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v);
const decodeBound = (v: unknown, where: string): number => {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (typeof v === 'number') return v;
  throw new TypeError(`${where}: expected a number, 'inf' or '-inf', got ${JSON.stringify(v)}`);
};

export type SpaceJSON =
  | { type: 'discrete'; n: number; start: number }
  | { type: 'box'; shape: number[]; low: (number | string)[]; high: (number | string)[]; dtype: BoxDtype }
  | { type: 'multi-discrete'; nvec: number[] }
  | { type: 'multi-binary'; n: number }
  | { type: 'dict'; spaces: Record<string, SpaceJSON> }
  | { type: 'tuple'; spaces: SpaceJSON[] };

/** JSON-safe description (infinite Box bounds become 'inf' / '-inf'). */
export function spaceToJSON(space: Space): SpaceJSON {
  switch (space.type) {
    case 'discrete':
      return { type: 'discrete', n: space.n, start: space.start };
    case 'box':
      return {
        type: 'box',
        shape: [...space.shape],
        low: Array.from(space.low, encodeBound),
        high: Array.from(space.high, encodeBound),
        dtype: space.dtype,
      };
    case 'multi-discrete':
      return { type: 'multi-discrete', nvec: [...space.nvec] };
    case 'multi-binary':
      return { type: 'multi-binary', n: space.n };
    case 'dict': {
      const spaces: Record<string, SpaceJSON> = {};
      for (const k of Object.keys(space.spaces)) spaces[k] = spaceToJSON(space.spaces[k]!);
      return { type: 'dict', spaces };
    }
    case 'tuple':
      return { type: 'tuple', spaces: space.spaces.map(spaceToJSON) };
  }
}

/** Rebuilds (and validates) a space from `spaceToJSON` output. */
export function spaceFromJSON(json: unknown, where = 'space'): Space {
  const j = json as Record<string, unknown> | null;
  switch (j?.type) {
    case 'discrete':
      return discrete(j.n as number, { start: (j.start as number | undefined) ?? 0 });
    case 'box': {
      const low = (j.low as unknown[]).map((v, i) => decodeBound(v, `${where}.low[${i}]`));
      const high = (j.high as unknown[]).map((v, i) => decodeBound(v, `${where}.high[${i}]`));
      return box(low, high, j.shape as number[], j.dtype as BoxDtype);
    }
    case 'multi-discrete':
      return multiDiscrete(j.nvec as number[]);
    case 'multi-binary':
      return multiBinary(j.n as number);
    case 'dict': {
      const spaces: Record<string, Space> = {};
      for (const [k, v] of Object.entries(j.spaces as Record<string, unknown>)) spaces[k] = spaceFromJSON(v, `${where}.spaces.${k}`);
      return dict(spaces);
    }
    case 'tuple':
      return tuple((j.spaces as unknown[]).map((v, i) => spaceFromJSON(v, `${where}.spaces[${i}]`)));
    default:
      throw new TypeError(`${where}: unknown space type ${JSON.stringify(j?.type)}`);
  }
}

// ---------------------------------------------------------------- describe

function describeBounds(a: Float32Array): string {
  const first = a[0];
  if (a.length > 0 && a.every((v) => v === first)) return fmt(first!);
  return `[${Array.from(a, fmt).join(', ')}]`;
}
const fmt = (v: number): string => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(Number(v.toPrecision(6))));

/** Short human-readable form, e.g. `Box(-inf, inf, (4,), float32)` or `Discrete(2)`. */
export function describeSpace(space: Space): string {
  switch (space.type) {
    case 'discrete':
      return space.start === 0 ? `Discrete(${space.n})` : `Discrete(${space.n}, start=${space.start})`;
    case 'box':
      return `Box(${describeBounds(space.low)}, ${describeBounds(space.high)}, (${space.shape.join(', ')}${space.shape.length === 1 ? ',' : ''}), ${space.dtype})`;
    case 'multi-discrete':
      return `MultiDiscrete([${space.nvec.join(', ')}])`;
    case 'multi-binary':
      return `MultiBinary(${space.n})`;
    case 'dict':
      return `Dict(${Object.entries(space.spaces)
        .map(([k, s]) => `${k}: ${describeSpace(s)}`)
        .join(', ')})`;
    case 'tuple':
      return `Tuple(${space.spaces.map(describeSpace).join(', ')})`;
  }
}

/** A readable rendering of a value for error messages (typed arrays shown as lists, long ones cut). */
export function describeValue(x: unknown): string {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = Array.from(x as unknown as ArrayLike<number>);
    const shown = a.slice(0, 8).map((v) => String(Number(v.toPrecision(6))));
    return `${x.constructor.name}[${shown.join(', ')}${a.length > 8 ? `, ... (${a.length} values)` : ''}]`;
  }
  if (typeof x === 'number') return String(x);
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(x);
  }
}

/** Structural equality of two spaces. */
export function spacesEqual(a: Space, b: Space): boolean {
  return JSON.stringify(spaceToJSON(a)) === JSON.stringify(spaceToJSON(b));
}
