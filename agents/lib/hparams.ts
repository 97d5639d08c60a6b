// Hyperparameter specs: each agent declares its hyperparameters at the top of
// its file as a table of typed entries with defaults, ranges and a one-line
// description. `resolveHyperparameters` merges user values over the defaults and
// rejects an unknown key or a bad value with a message naming it and the
// allowed range, listing every problem at once. A hyperparameter that sizes
// an allocation (a replay buffer, network layers) can carry an estimate of its
// memory, so that a value this machine cannot hold is refused up front with
// its name rather than later by a typed-array constructor.
import { totalmem } from 'node:os';

/** Sizes of an agent's spaces that its memory depends on: network inputs and outputs. */
export interface SpaceDims {
  /** Numbers per observation as the networks read it (n for a one-hot Discrete). */
  readonly obs: number;
  /** Numbers per action: network outputs (n for a Discrete), or a Box action's size. */
  readonly act: number;
}

/** Bytes a hyperparameter's value makes the agent allocate, and what for. */
export interface MemoryEstimate {
  readonly bytes: number;
  readonly what: string;
}

export interface NumberParam {
  readonly kind: 'number';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  /** The bounds themselves are excluded (e.g. a learning rate > 0). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly integer?: boolean;
  readonly description: string;
  readonly memory?: (value: number, dims: SpaceDims) => MemoryEstimate;
}
export interface BooleanParam {
  readonly kind: 'boolean';
  readonly default: boolean;
  readonly description: string;
}
export interface ChoiceParam<T extends string = string> {
  readonly kind: 'choice';
  readonly default: T;
  readonly choices: readonly T[];
  readonly description: string;
}
export interface ListParam {
  readonly kind: 'list';
  /** A list of positive integers (layer sizes). */
  readonly default: readonly number[];
  readonly description: string;
  readonly memory?: (value: readonly number[], dims: SpaceDims) => MemoryEstimate;
}
export type Param = NumberParam | BooleanParam | ChoiceParam | ListParam;
export type ParamSpec = Readonly<Record<string, Param>>;

/** The resolved values of a spec: numbers, booleans, strings and number lists. */
export type Resolved<S extends ParamSpec> = {
  -readonly [K in keyof S]: S[K] extends NumberParam
    ? number
    : S[K] extends BooleanParam
      ? boolean
      : S[K] extends ChoiceParam<infer T>
        ? T
        : S[K] extends ListParam
          ? number[]
          : never;
};

export const num = (defaultValue: number, description: string, range: Omit<NumberParam, 'kind' | 'default' | 'description'> = {}): NumberParam => ({
  kind: 'number',
  default: defaultValue,
  description,
  ...range,
});
export const int = (defaultValue: number, description: string, range: Omit<NumberParam, 'kind' | 'default' | 'description' | 'integer'> = {}): NumberParam => ({
  kind: 'number',
  default: defaultValue,
  description,
  integer: true,
  ...range,
});
export const bool = (defaultValue: boolean, description: string): BooleanParam => ({ kind: 'boolean', default: defaultValue, description });
export const choice = <T extends string>(defaultValue: T, choices: readonly T[], description: string): ChoiceParam<T> => ({
  kind: 'choice',
  default: defaultValue,
  choices,
  description,
});
export const list = (defaultValue: readonly number[], description: string, extra: Pick<ListParam, 'memory'> = {}): ListParam => ({
  kind: 'list',
  default: defaultValue,
  description,
  ...extra,
});

/**
 * The memory of `nets` MLPs with hidden layers `hidden` between the
 * observation and the action: 4 float32s per weight (the weight, its
 * gradient, Adam's two moments).
 */
export const layerMemory =
  (nets: number) =>
  (hidden: readonly number[], dims: SpaceDims): MemoryEstimate => {
    const sizes = [dims.obs, ...hidden, dims.act];
    let weights = 0;
    for (let i = 1; i < sizes.length; i++) weights += (sizes[i - 1]! + 1) * sizes[i]!;
    return { bytes: weights * nets * 16, what: `${Math.round((weights * nets) / 1e6)} M network weights, with their gradients and optimizer state` };
  };

/** The memory of a replay buffer of `capacity` transitions (observation, next observation, action, reward, two flags as float32). */
export const replayMemory = (capacity: number, dims: SpaceDims): MemoryEstimate => {
  const perTransition = (2 * dims.obs + dims.act + 3) * 4;
  return { bytes: capacity * perTransition, what: `the replay buffer, ${perTransition} bytes per transition` };
};

function formatBytes(bytes: number): string {
  const [unit, size] = bytes >= 2 ** 40 ? ['TB', 2 ** 40] : ['GB', 2 ** 30];
  const n = bytes / size;
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${unit}`;
}

/**
 * Why `value` of hyperparameter `key` would not fit in this machine's memory
 * (with the estimate and what it is for), or null. Values that fail their
 * range check are left to checkHyperparameters.
 */
export function memoryProblem(spec: ParamSpec, key: string, value: unknown, dims: SpaceDims): string | null {
  const p = spec[key];
  if (!p || checkValue(key, p, value) !== null) return null;
  const estimate = p.kind === 'number' ? p.memory?.(value as number, dims) : p.kind === 'list' ? p.memory?.(value as number[], dims) : undefined;
  const available = totalmem();
  if (!estimate || estimate.bytes <= available) return null;
  return `${key} ${Array.isArray(value) ? `[${value.join(', ')}]` : JSON.stringify(value)} needs about ${formatBytes(estimate.bytes)} (${estimate.what}), more than this machine's ${Math.round(available / 2 ** 30)} GB of memory`;
}

/** Every hyperparameter of resolved `values` whose memory would not fit (see memoryProblem). */
export function memoryProblems(spec: ParamSpec, values: Readonly<Record<string, unknown>>, dims: SpaceDims): { key: string; message: string }[] {
  return Object.keys(spec).flatMap((key) => {
    const message = memoryProblem(spec, key, values[key], dims);
    return message === null ? [] : [{ key, message }];
  });
}

export class HyperparameterError extends Error {
  override name = 'HyperparameterError';
  constructor(
    readonly algorithm: string,
    readonly problems: readonly string[],
  ) {
    super(problems.length === 1 ? `${algorithm}: ${problems[0]}` : `${algorithm}: invalid hyperparameters:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The allowed range of a number parameter, as text, e.g. "a number in (0, 1]" or "an integer >= 1". */
export function describeRange(p: NumberParam): string {
  const what = p.integer ? 'an integer' : 'a number';
  const hasMin = p.min !== undefined;
  const hasMax = p.max !== undefined;
  if (hasMin && hasMax) return `${what} in ${p.exclusiveMin ? '(' : '['}${p.min}, ${p.max}${p.exclusiveMax ? ')' : ']'}`;
  if (hasMin) return `${what} ${p.exclusiveMin ? '>' : '>='} ${p.min}`;
  if (hasMax) return `${what} ${p.exclusiveMax ? '<' : '<='} ${p.max}`;
  return what;
}

function checkValue(key: string, p: Param, v: unknown): string | null {
  const shown = JSON.stringify(v) ?? String(v);
  switch (p.kind) {
    case 'number': {
      const ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (!p.integer || Number.isInteger(v)) &&
        (p.min === undefined || (p.exclusiveMin ? v > p.min : v >= p.min)) &&
        (p.max === undefined || (p.exclusiveMax ? v < p.max : v <= p.max));
      return ok ? null : `${key} must be ${describeRange(p)}, got ${shown}`;
    }
    case 'boolean':
      return typeof v === 'boolean' ? null : `${key} must be true or false, got ${shown}`;
    case 'choice':
      return typeof v === 'string' && p.choices.includes(v) ? null : `${key} must be one of ${p.choices.map((c) => `'${c}'`).join(', ')}, got ${shown}`;
    case 'list':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 1)
        ? null
        : `${key} must be a list of positive integers (e.g. [64, 64]), got ${shown}`;
  }
}

/**
 * Every problem with `given` against `spec`, without throwing: unknown keys
 * first, then bad values in the spec's order (defaults are checked too, so a
 * broken spec shows up here). `key` is the hyperparameter each message is
 * about; experiment configs use it to point at the offending line.
 */
export function checkHyperparameters(spec: ParamSpec, given: Readonly<Record<string, unknown>>): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const keys = Object.keys(spec);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(spec, key)) problems.push({ key, message: `unknown hyperparameter ${JSON.stringify(key)}; allowed: ${keys.join(', ')}` });
  }
  for (const key of keys) {
    const p = spec[key]!;
    const message = checkValue(key, p, Object.hasOwn(given, key) ? given[key] : p.default);
    if (message) problems.push({ key, message });
  }
  return problems;
}

/** Defaults overridden by `given`; throws HyperparameterError listing every unknown key and bad value. */
export function resolveHyperparameters<S extends ParamSpec>(algorithm: string, spec: S, given: Readonly<Record<string, unknown>> = {}): Resolved<S> {
  const problems = checkHyperparameters(spec, given);
  if (problems.length > 0) throw new HyperparameterError(algorithm, problems.map((p) => p.message));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec)) {
    const v = Object.hasOwn(given, key) ? given[key] : spec[key]!.default;
    out[key] = Array.isArray(v) ? [...v] : v;
  }
  return out as Resolved<S>;
}

/** A table of the spec for documentation and `arena agents`: key, default, range, description. */
export function describeSpec(spec: ParamSpec): { key: string; default: string; allowed: string; description: string }[] {
  return Object.entries(spec).map(([key, p]) => ({
    key,
    default: JSON.stringify(p.default),
    allowed: p.kind === 'number' ? describeRange(p) : p.kind === 'choice' ? p.choices.join(' | ') : p.kind === 'boolean' ? 'true | false' : 'positive integers',
    description: p.description,
  }));
}
