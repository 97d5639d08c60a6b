// Pieces both conformance checkers use (core/checker.ts for envs,
// core/multi-agent-checker.ts for games): a problem list that reports each
// kind of problem once, a space check, and a plain-JSON check.
import type { Space } from './spaces.js';
import { spaceFromJSON, spaceToJSON, spacesEqual } from './spaces.js';

/** Problems found so far, each kind reported once (at its first occurrence). */
export class Problems {
  readonly list: string[] = [];
  private readonly kinds = new Set<string>();
  add(kind: string, message: string): void {
    if (this.kinds.has(kind)) return;
    this.kinds.add(kind);
    this.list.push(message);
  }
}

/** Whether `space` is a valid space (reported as `kind` otherwise); one that does not survive a JSON round trip is reported too. */
export function checkSpace(space: unknown, name: string, problems: Problems, kind = name): space is Space {
  try {
    const rebuilt = spaceFromJSON(spaceToJSON(space as Space), name);
    if (!spacesEqual(rebuilt, space as Space)) problems.add(kind, `${name} does not survive a JSON round trip`);
    return true;
  } catch (e) {
    problems.add(kind, `${name} is not a valid space: ${(e as Error).message}`);
    return false;
  }
}

/** Why `x` is not plain JSON data (typed arrays, functions, NaN, Infinity, cycles), or null. */
export function jsonProblem(x: unknown, path: string, seen: Set<object>): string | null {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return null;
  if (typeof x === 'number') return Number.isFinite(x) ? null : `${path} is ${x}, which JSON cannot hold`;
  if (typeof x !== 'object') return `${path} is a ${typeof x}`;
  if (ArrayBuffer.isView(x)) return `${path} is a ${x.constructor.name}; use a plain array`;
  if (seen.has(x)) return `${path} is a circular reference`;
  seen.add(x);
  if (!Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype) return `${path} is a ${x.constructor?.name ?? 'non-plain'} object`;
  for (const [k, v] of Object.entries(x)) {
    const p = jsonProblem(v, Array.isArray(x) ? `${path}[${k}]` : `${path}.${k}`, seen);
    if (p) return p;
  }
  seen.delete(x);
  return null;
}
