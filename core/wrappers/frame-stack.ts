// FrameStack: the observation becomes the last k frames of a Box observation,
// oldest first, so that a memoryless learner can see motion (velocities are
// invisible in a single frame). The stacked observation is a typed array of
// the frame's kind (Float32Array or Uint8Array) with k * frameSize values,
// row-major over shape [k, ...shape]; the space is the Box with the frame's
// bounds repeated k times.
//
// Gymnasium 1.x semantics (FrameStackObservation): on reset the slots before
// the first frame hold padding: with 'reset' (the default) copies of the reset
// observation, with 'zero' the element of the space closest to zero (0 clipped
// into the bounds), or a given frame inside the space. Only Box observations
// are supported here (Gymnasium stacks any space).
import type { Env, ResetArgs, ResetResult, StepResult } from '../env.js';
import { EnvUsageError, forward } from '../env.js';
import type { BoxValue } from '../spaces.js';
import { box, contains, describeSpace, describeValue } from '../spaces.js';

export interface FrameStackOptions {
  /** What fills the stack on reset before there are k frames (default 'reset'). */
  padding?: 'reset' | 'zero' | ArrayLike<number>;
}

export function frameStack<O extends BoxValue, A>(env: Env<O, A>, k: number, options?: FrameStackOptions): Env<O, A>;
export function frameStack<A>(env: Env<unknown, A>, k: number, options?: FrameStackOptions): Env<BoxValue, A>;
export function frameStack<A>(env: Env<unknown, A>, k: number, options: FrameStackOptions = {}): Env<BoxValue, A> {
  const where = `frameStack(${env.spec.id})`;
  const inner = env.observationSpace;
  if (inner.type !== 'box') throw new TypeError(`${where}: needs a Box observation space, got ${describeSpace(inner)}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${where}: k must be a positive integer, got ${k}`);
  const padding = options.padding ?? 'reset';
  const size = inner.low.length;
  const Frame = inner.dtype === 'uint8' ? Uint8Array : Float32Array;

  let padFrame: BoxValue | null = null; // null: pad with the reset observation
  if (padding === 'zero') {
    padFrame = new Frame(size);
    for (let i = 0; i < size; i++) padFrame[i] = Math.min(Math.max(0, inner.low[i]!), inner.high[i]!);
  } else if (typeof padding === 'object' && padding !== null) {
    if (!contains(inner, padding)) {
      throw new RangeError(`${where}: padding frame ${describeValue(padding)} is not in the observation space ${describeSpace(inner)}`);
    }
    padFrame = Frame.from(padding);
  } else if (padding !== 'reset') {
    throw new TypeError(`${where}: padding must be 'reset', 'zero' or a frame in the observation space, got ${describeValue(padding)}`);
  }

  const tile = (a: Float32Array): Float32Array => {
    const out = new Float32Array(k * size);
    for (let j = 0; j < k; j++) out.set(a, j * size);
    return out;
  };
  const observationSpace = box(tile(inner.low), tile(inner.high), [k, ...inner.shape], inner.dtype);

  // Ring of k frames; `head` is the slot of the oldest.
  const ring = new Frame(k * size);
  let head = 0;

  const checkFrame = (obs: unknown): ArrayLike<number> => {
    const x = obs as ArrayLike<number>;
    if (x?.length !== size) throw new EnvUsageError(`${where}: expected a frame of ${size} values, got ${describeValue(obs)}`);
    return x;
  };
  const stacked = (): BoxValue => {
    const out = new Frame(k * size);
    const split = (k - head) * size;
    out.set(ring.subarray(head * size), 0);
    out.set(ring.subarray(0, head * size), split);
    return out;
  };

  return forward<BoxValue, A, unknown, A>(env, {
    observationSpace,
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      const frame = checkFrame(r.obs);
      const pad = padFrame ?? frame;
      for (let j = 0; j < k - 1; j++) ring.set(pad, j * size);
      ring.set(frame, (k - 1) * size);
      head = 0;
      const out = r as unknown as ResetResult<BoxValue>;
      out.obs = stacked();
      return out;
    },
    step(action: A) {
      const r = env.step(action);
      // The new frame replaces the oldest, which makes the next slot the oldest.
      ring.set(checkFrame(r.obs), head * size);
      head = (head + 1) % k;
      const out = r as unknown as StepResult<BoxValue>;
      out.obs = stacked();
      return out;
    },
  });
}
