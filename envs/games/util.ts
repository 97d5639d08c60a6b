// Small helpers shared by the games: reading reset options.
import { EnvUsageError } from '../../core/env.js';

/** `value` as `length` finite numbers (a reset option), or a clear error naming the option. */
export function finiteNumbers(gameId: string, name: string, value: unknown, length: number): number[] {
  const ok =
    (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) &&
    (value as ArrayLike<unknown>).length === length &&
    Array.from(value as ArrayLike<unknown>).every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok) throw new EnvUsageError(`${gameId}: reset options.${name} must be ${length} finite numbers, got ${JSON.stringify(value)}`);
  return Array.from(value as ArrayLike<number>);
}

/** A list of points (reset options like `agents: [[x, y], ...]`), each of `minLength` to `maxLength` numbers. */
export function pointList(gameId: string, name: string, value: unknown, count: number, lengths: readonly number[]): number[][] {
  if (!Array.isArray(value) || value.length !== count) {
    throw new EnvUsageError(`${gameId}: reset options.${name} must be a list of ${count} entries, got ${JSON.stringify(value)}`);
  }
  return value.map((p, i) => {
    const n = Array.isArray(p) ? p.length : -1;
    if (!lengths.includes(n)) throw new EnvUsageError(`${gameId}: reset options.${name}[${i}] must have ${lengths.join(' or ')} numbers, got ${JSON.stringify(p)}`);
    return finiteNumbers(gameId, `${name}[${i}]`, p, n);
  });
}
