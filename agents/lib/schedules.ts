// Schedules: a value that changes over training, such as the exploration rate
// epsilon or a learning rate. A schedule is a plain function of one number
// (training progress or a step count) so that an agent's value at any moment
// follows from its saved counters alone, and resuming a run reproduces it.
//
//   constantSchedule(0.1)(t)                 0.1 for every t
//   linearSchedule(1, 0.05, 0.5)(progress)   1 -> 0.05 over the first half of training, then 0.05
//   exponentialSchedule(1, 0.01, 0.99)(step) 1, 0.99, 0.9801, ... never below 0.01

export type Schedule = (t: number) => number;

function checkFinite(caller: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${caller}: ${name} must be a finite number, got ${String(v)}`);
}

/** The same value at every t. */
export function constantSchedule(value: number): Schedule {
  checkFinite('constantSchedule', 'value', value);
  return () => value;
}

/**
 * Moves linearly from `start` to `end` as `progress` (the fraction of training
 * done, 0 at the start) goes from 0 to `fraction`, then stays at `end` (CleanRL's
 * linear_schedule with exploration_fraction; note that Stable-Baselines3 counts
 * progress the other way, as the fraction remaining). Negative progress gives `start`.
 */
export function linearSchedule(start: number, end: number, fraction = 1): Schedule {
  checkFinite('linearSchedule', 'start', start);
  checkFinite('linearSchedule', 'end', end);
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw new RangeError(`linearSchedule: fraction must be a number in (0, 1], got ${String(fraction)}`);
  }
  return (progress) => {
    const done = Math.min(Math.max(progress / fraction, 0), 1);
    // At done = 1 this is exactly `end`, not `start + (end - start)` with a rounding error.
    return done >= 1 ? end : start + (end - start) * done;
  };
}

/**
 * Multiplies `start` by `decay` each step and stops at `end`:
 * max(end, start * decay^step). Reaches `end` after ln(end / start) / ln(decay)
 * steps, so a decay that reaches `end` in exactly `n` steps is (end / start)^(1 / n).
 */
export function exponentialSchedule(start: number, end: number, decay: number): Schedule {
  checkFinite('exponentialSchedule', 'start', start);
  checkFinite('exponentialSchedule', 'end', end);
  if (!(end >= 0 && start >= end)) throw new RangeError(`exponentialSchedule: needs start >= end >= 0, got start ${start} and end ${end}`);
  if (typeof decay !== 'number' || !(decay > 0 && decay <= 1)) {
    throw new RangeError(`exponentialSchedule: decay must be a number in (0, 1], got ${String(decay)}`);
  }
  return (step) => Math.max(end, start * decay ** Math.max(step, 0));
}
