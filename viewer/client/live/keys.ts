// The user's hand on play live: which arrow keys act in which env, and the
// action the keys held down give (in the action space the policy acts in, the
// run's wrappers included). Continuous envs scale to the action Box's bounds;
// discrete ones with a "nothing" action fall back to it when no key is held,
// CartPole (no such action) repeats the last direction pressed.
import type { Space } from '../../../core/spaces.js';

export type Arrow = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown';
export const ARROWS: readonly Arrow[] = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'];

export interface HumanControls {
  /** The keys and what they do, for the page's help line. */
  readonly help: string;
  /** The action for the keys held now; `last` is the arrow pressed most recently (held or not). */
  action(held: ReadonlySet<Arrow>, last: Arrow | null): number | Float32Array;
}

/** Left minus right, in [-1, 1]. */
const steer = (held: ReadonlySet<Arrow>): number => (held.has('ArrowRight') ? 1 : 0) - (held.has('ArrowLeft') ? 1 : 0);

/** The controls for env `id` acting in `space`, or null when the page offers none (toy text, an unexpected space). */
export function humanControls(id: string, space: Space): HumanControls | null {
  const family = id.replace(/-v\d+$/, '');
  if (space.type === 'discrete') {
    const at = (i: number): number => space.start + i;
    switch (family) {
      case 'CartPole':
        if (space.n !== 2) return null;
        return { help: '← push left · → push right', action: (held, last) => at(held.has('ArrowLeft') ? 0 : held.has('ArrowRight') ? 1 : last === 'ArrowLeft' ? 0 : 1) };
      case 'MountainCar':
      case 'Acrobot':
        if (space.n !== 3) return null;
        return { help: `← ${family === 'Acrobot' ? 'torque -1' : 'push left'} · → ${family === 'Acrobot' ? 'torque +1' : 'push right'} · none: nothing`, action: (held) => at(1 + steer(held)) };
      case 'CarRacing':
      case 'CarRacingFeatures':
        if (space.n !== 5) return null;
        // 0 nothing, 1 right, 2 left, 3 gas, 4 brake: one at a time, brake first.
        return {
          help: '← → steer · ↑ gas · ↓ brake',
          action: (held) => at(held.has('ArrowDown') ? 4 : held.has('ArrowLeft') ? 2 : held.has('ArrowRight') ? 1 : held.has('ArrowUp') ? 3 : 0),
        };
    }
    return null;
  }
  if (space.type !== 'box') return null;
  const { low, high } = space;
  const d = low.length;
  const finite = Array.from(low, (lo, i) => Number.isFinite(lo) && Number.isFinite(high[i]!)).every(Boolean);
  if (!finite) return null;
  // A value in [-1, 1] (or [0, 1]) onto dimension i's bounds.
  const scale = (i: number, v: number): number => (v >= 0 ? v * high[i]! : -v * low[i]!);
  switch (family) {
    case 'CarRacing':
    case 'CarRacingFeatures':
      if (d !== 3) return null;
      return {
        help: '← → steer · ↑ gas · ↓ brake',
        action: (held) => Float32Array.of(scale(0, steer(held)), held.has('ArrowUp') ? high[1]! : Math.max(low[1]!, 0), held.has('ArrowDown') ? 0.8 * high[2]! : Math.max(low[2]!, 0)),
      };
    case 'Pendulum':
    case 'MountainCarContinuous':
      if (d !== 1) return null;
      return { help: `← ${family === 'Pendulum' ? 'torque' : 'push'} left · → right · none: 0`, action: (held) => Float32Array.of(scale(0, steer(held))) };
  }
  return null;
}
