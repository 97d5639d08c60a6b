// Small helpers shared by the classic-control envs.
import { EnvUsageError } from '../../core/env.js';

/**
 * Start-state bounds from reset options `{ low, high }` (either may be left out),
 * falling back to the env's defaults; low must not exceed high.
 */
export function resetBounds(
  id: string,
  options: Readonly<Record<string, unknown>> | undefined,
  defaultLow: number,
  defaultHigh: number,
): [number, number] {
  const low = options && 'low' in options ? Number(options.low) : defaultLow;
  const high = options && 'high' in options ? Number(options.high) : defaultHigh;
  if (!Number.isFinite(low)) throw new EnvUsageError(`${id}: reset options.low must be a finite number, got ${String(options?.low)}`);
  if (!Number.isFinite(high)) throw new EnvUsageError(`${id}: reset options.high must be a finite number, got ${String(options?.high)}`);
  if (low > high) throw new EnvUsageError(`${id}: reset options.low (${low}) must not be greater than options.high (${high})`);
  return [low, high];
}
