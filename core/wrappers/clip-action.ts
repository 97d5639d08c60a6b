// ClipAction: clips each component of a Box action into the env's bounds
// before stepping, so a policy with unbounded outputs (a Gaussian, say) can
// drive a bounded env. As in Gymnasium 1.x the exposed action space becomes
// Box(-inf, inf) of the same shape: every finite action is now valid.
// Differences: only float32 Boxes are accepted (our uint8 Boxes cannot have
// infinite bounds), and an action of the wrong length throws instead of
// being broadcast.
import type { Env } from '../env.js';
import { EnvUsageError, forward } from '../env.js';
import type { BoxSpace } from '../spaces.js';
import { box, describeSpace } from '../spaces.js';

export function clipAction<O>(env: Env<O, ArrayLike<number>>): Env<O, ArrayLike<number>> {
  const where = `clipAction(${env.spec.id})`;
  const inner = env.actionSpace;
  if (inner.type !== 'box' || inner.dtype !== 'float32') {
    throw new TypeError(`${where}: needs a float32 Box action space, got ${describeSpace(inner)}`);
  }
  const { low, high } = inner satisfies BoxSpace;
  const n = low.length;
  const actionSpace = box(-Infinity, Infinity, inner.shape, 'float32');
  return forward<O, ArrayLike<number>>(env, {
    actionSpace,
    step(action: ArrayLike<number>) {
      if (action?.length !== n) {
        throw new EnvUsageError(`${where}: action must have ${n} values, got ${action?.length ?? String(action)}`);
      }
      // A fresh array: wrappers or recorders below may keep the action.
      const clipped = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const a = action[i]!;
        clipped[i] = a < low[i]! ? low[i]! : a > high[i]! ? high[i]! : a;
      }
      return env.step(clipped);
    },
  });
}
