// RescaleAction: lets an agent act in [minAction, maxAction] (e.g. [-1, 1],
// where tanh-squashed policies live) while the env keeps its own Box bounds.
// Each component is mapped affinely: minAction -> low, maxAction -> high.
// The exposed action space is Box(minAction, maxAction).
//
// Gymnasium 1.x semantics: bounds are scalars (broadcast) or one value per
// component; minAction must be strictly below maxAction; a component whose
// env bound is infinite must have the same infinite target bound (then it is
// only shifted, or passed through when both ends are infinite). Actions are
// not clipped: an action outside the new Box maps outside the env's Box.
// Differences: the map is computed in float64 by interpolation, so actions on
// the new bounds land exactly on the env's bounds (Gymnasium's float32
// slope and intercept can miss them by a rounding step), and only float32
// Boxes are accepted.
import type { Env } from '../env.js';
import { EnvUsageError, forward } from '../env.js';
import { box, describeSpace } from '../spaces.js';

export function rescaleAction<O>(
  env: Env<O, ArrayLike<number>>,
  minAction: number | ArrayLike<number>,
  maxAction: number | ArrayLike<number>,
): Env<O, ArrayLike<number>> {
  const where = `rescaleAction(${env.spec.id})`;
  const inner = env.actionSpace;
  if (inner.type !== 'box' || inner.dtype !== 'float32') {
    throw new TypeError(`${where}: needs a float32 Box action space, got ${describeSpace(inner)}`);
  }
  const n = inner.low.length;
  const expand = (v: number | ArrayLike<number>, name: string): Float64Array => {
    if (typeof v === 'number') return new Float64Array(n).fill(v);
    if (v === null || typeof v !== 'object' || typeof v.length !== 'number') {
      throw new TypeError(`${where}: ${name} must be a number or an array of ${n} numbers, got ${String(v)}`);
    }
    if (v.length !== n) throw new RangeError(`${where}: ${name} has ${v.length} values but the action space ${describeSpace(inner)} has ${n}`);
    return Float64Array.from(v);
  };
  const minArr = expand(minAction, 'minAction');
  const maxArr = expand(maxAction, 'maxAction');
  for (let i = 0; i < n; i++) {
    const lo = inner.low[i]!;
    const hi = inner.high[i]!;
    const a = minArr[i]!;
    const b = maxArr[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) throw new RangeError(`${where}: component ${i}: minAction and maxAction must not be NaN`);
    if (!(Math.fround(a) < Math.fround(b))) {
      throw new RangeError(`${where}: component ${i}: minAction (${a}) must be strictly less than maxAction (${b}) in float32`);
    }
    if ((!Number.isFinite(a) || !Number.isFinite(lo)) && a !== lo) {
      throw new RangeError(`${where}: component ${i}: the env's low bound is ${lo}; an infinite bound can only map to the same infinite bound, got minAction ${a}`);
    }
    if ((!Number.isFinite(b) || !Number.isFinite(hi)) && b !== hi) {
      throw new RangeError(`${where}: component ${i}: the env's high bound is ${hi}; an infinite bound can only map to the same infinite bound, got maxAction ${b}`);
    }
  }
  // The map uses the exposed space's float32 bounds, so that an action exactly
  // on them lands exactly on the env's bounds.
  const actionSpace = box(minArr, maxArr, inner.shape, 'float32');
  const newLow = actionSpace.low;
  const newHigh = actionSpace.high;
  const bothFinite = new Uint8Array(n);
  const shift = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = newLow[i]!;
    const b = newHigh[i]!;
    bothFinite[i] = Number.isFinite(a) && Number.isFinite(b) ? 1 : 0;
    // Half-bounded: shift so the finite ends meet; unbounded: identity.
    shift[i] = Number.isFinite(a) ? inner.low[i]! - a : Number.isFinite(b) ? inner.high[i]! - b : 0;
  }
  const low = inner.low;
  const high = inner.high;

  return forward<O, ArrayLike<number>>(env, {
    actionSpace,
    step(action: ArrayLike<number>) {
      if (action?.length !== n) {
        throw new EnvUsageError(`${where}: action must have ${n} values, got ${action?.length ?? String(action)}`);
      }
      // A fresh array: wrappers or recorders below may keep the action.
      const mapped = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const x = action[i]!;
        if (bothFinite[i]) {
          // Interpolation form: t = 0 and t = 1 give low and high exactly.
          const t = (x - newLow[i]!) / (newHigh[i]! - newLow[i]!);
          mapped[i] = low[i]! * (1 - t) + high[i]! * t;
        } else {
          mapped[i] = x + shift[i]!;
        }
      }
      return env.step(mapped);
    },
  });
}
