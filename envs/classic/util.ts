// Small helpers shared by the classic-control envs.
import type { RenderState } from '../../core/env.js';
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

/**
 * A number-valued reset option (Gymnasium's `verify_number_and_cast`): `options[key]`
 * when present, else the default; anything that is not a finite number throws.
 */
export function numberOption(id: string, options: Readonly<Record<string, unknown>> | undefined, key: string, defaultValue: number): number {
  if (!options || !(key in options)) return defaultValue;
  const raw = options[key];
  const value = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new EnvUsageError(`${id}: reset options.${key} must be a finite number, got ${String(raw)}`);
  return value;
}

/**
 * x mapped into [-pi, pi) the way numpy computes `((x + pi) % (2 * pi)) - pi`:
 * the remainder takes the divisor's sign (floored), unlike JavaScript's `%`.
 */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r < 0) r += period;
  return r - Math.PI;
}

/**
 * Wraps x into [lo, hi] by adding or subtracting whole periods (hi - lo) one at
 * a time, as RLPy's `wrap` does: the result can differ in the last bits from a
 * remainder-based wrap, and the Acrobot data depends on those bits.
 */
export function wrapPeriodic(x: number, lo: number, hi: number): number {
  const period = hi - lo;
  while (x > hi) x -= period;
  while (x < lo) x += period;
  return x;
}

/** x limited to [lo, hi] (min(max(x, lo), hi), as numpy's clip and RLPy's bound). */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/**
 * What both MountainCar envs render: the car's position and velocity on a
 * track from `minPosition` to `maxPosition` with the goal flag at
 * `goalPosition` (`hill: 'sin3x'` names the track height 0.45 sin(3x) + 0.55).
 */
export function mountainCarRenderState(position: number, velocity: number, track: { goal: number; min: number; max: number }): RenderState {
  return { position, velocity, goalPosition: track.goal, minPosition: track.min, maxPosition: track.max, hill: 'sin3x' };
}
