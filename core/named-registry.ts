// The one registry behind everything Arena looks up by name: envs and games
// (versioned ids such as `CartPole-v1`), agents and multi-agent learners
// (plain names). It keeps the entries, refuses a malformed id or a second
// registration of a name, lists entries sorted by name, and on a miss throws
// one family of messages: for versioned ids the other versions of the same
// name, else the closest ids, else all of them; for plain names the closest
// name and all of them. The keyword arguments of a registered factory resolve
// here too, for envs and games alike.
import { closestMatch, editDistance } from './text.js';

/** `[namespace/]Name[-vN]`, as Gymnasium spells ids. */
const VERSIONED_ID = /^(?:[A-Za-z0-9_.:-]+\/)?[A-Za-z0-9_.:-]+?(?:-v\d+)?$/;

export interface NamedRegistryOptions {
  /** What an entry is, in messages: 'env', 'game', 'agent', 'multi-agent learner'. */
  readonly kind: string;
  /** The registering function's name, in messages about registering. */
  readonly registrar: string;
  /** Versioned ids (checked against `[namespace/]Name-v0`, misses suggest other versions), or plain names. */
  readonly versioned: boolean;
  /** The error a lookup of an unregistered name throws. */
  readonly unknownError?: new (message: string) => Error;
}

const withoutVersion = (id: string): string => id.replace(/-v\d+$/, '');

export class NamedRegistry<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly options: NamedRegistryOptions) {}

  /** Registers `entry` under `name`; a malformed id or a name taken already throws. */
  add(name: string, entry: T): void {
    const { registrar, kind, versioned } = this.options;
    if (versioned && !VERSIONED_ID.test(name)) {
      throw new TypeError(`${registrar}: malformed ${kind} id ${JSON.stringify(name)} (expected e.g. "[namespace/]Name-v0")`);
    }
    if (this.entries.has(name)) throw new Error(`${registrar}: ${name} is already registered`);
    this.entries.set(name, entry);
  }

  /** Removes a name (for tests that register temporary entries). */
  remove(name: string): boolean {
    return this.entries.delete(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The registered names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort((a, b) => a.localeCompare(b));
  }

  /** The entries, sorted by name. */
  list(): T[] {
    return this.names().map((name) => this.entries.get(name)!);
  }

  /** The entry registered as `name`, or an error saying what is registered that the caller may have meant. */
  get(name: string): T {
    const found = this.entries.get(name);
    if (found !== undefined) return found;
    const ErrorClass = this.options.unknownError ?? TypeError;
    throw new ErrorClass(this.options.versioned ? this.missingId(name) : this.missingName(name));
  }

  private missingId(id: string): string {
    const { kind } = this.options;
    const ids = this.names();
    const sameName = ids.filter((k) => withoutVersion(k) === withoutVersion(id));
    if (sameName.length > 0) return `${kind} ${JSON.stringify(id)} is not registered; available versions: ${sameName.join(', ')}`;
    const lower = id.toLowerCase();
    const close = ids
      .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
      .filter(({ k, d }) => d <= Math.max(3, Math.floor(k.length / 3)) || k.toLowerCase().includes(withoutVersion(lower)))
      .sort((a, b) => a.d - b.d)
      .slice(0, 5)
      .map(({ k }) => k);
    const hint = close.length > 0 ? `did you mean ${close.join(', ')}?` : `registered ${kind}s: ${ids.join(', ') || '(none)'}`;
    return `${kind} ${JSON.stringify(id)} is not registered; ${hint}`;
  }

  private missingName(name: string): string {
    const names = this.names();
    const close = closestMatch(name, names);
    return `unknown ${this.options.kind} ${JSON.stringify(name)}; ${close ? `did you mean "${close}"? ` : ''}available: ${names.join(', ')}`;
  }
}

/**
 * A factory's default keyword arguments merged with the given ones; an unknown
 * key throws naming the closest allowed one and all of them.
 */
export function resolveKwargs(
  registration: { readonly id: string; readonly kwargs?: Readonly<Record<string, unknown>> },
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const { id, kwargs: defaults } = registration;
  const allowed = Object.keys(defaults ?? {});
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      const close = closestMatch(key, allowed);
      throw new TypeError(
        `${id}: unknown keyword argument ${JSON.stringify(key)}${close ? ` (did you mean ${close}?)` : ''}; ${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it takes none'}`,
      );
    }
  }
  return { ...defaults, ...given };
}
