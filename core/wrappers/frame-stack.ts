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
//
// With `channelsLast`, the frames are stacked along the last axis instead,
// shape [...rest, k * C] for frames of shape [...rest, C], oldest first within
// each position: an image [H, W, C] becomes [H, W, k * C], the layout a
// convolutional net takes (the frames are its input channels). Gymnasium has
// no such option (its stack axis is always a new first one).
import type { Env, ResetArgs, ResetResult, StepResult } from '../env.js';
import { EnvUsageError, forward } from '../env.js';
import type { BoxValue } from '../spaces.js';
import { box, contains, describeSpace, describeValue } from '../spaces.js';

export interface FrameStackOptions {
  /** What fills the stack on reset before there are k frames (default 'reset'). */
  padding?: 'reset' | 'zero' | ArrayLike<number>;
  /** Stack along the last axis, [..., k * C], instead of a new first axis [k, ...] (default false). */
  channelsLast?: boolean;
}

export function frameStack<O extends BoxValue, A>(env: Env<O, A>, k: number, options?: FrameStackOptions): Env<O, A>;
export function frameStack<A>(env: Env<unknown, A>, k: number, options?: FrameStackOptions): Env<BoxValue, A>;
export function frameStack<A>(env: Env<unknown, A>, k: number, options: FrameStackOptions = {}): Env<BoxValue, A> {
  const where = `frameStack(${env.spec.id})`;
  const inner = env.observationSpace;
  if (inner.type !== 'box') throw new TypeError(`${where}: needs a Box observation space, got ${describeSpace(inner)}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${where}: k must be a positive integer, got ${k}`);
  const padding = options.padding ?? 'reset';
  const channelsLast = options.channelsLast ?? false;
  if (typeof channelsLast !== 'boolean') throw new TypeError(`${where}: channelsLast must be true or false, got ${describeValue(channelsLast)}`);
  const size = inner.low.length;
  // channelsLast: `positions` groups of `channels` values per frame (a 0-d Box is one position of one channel).
  const channels = inner.shape.length > 0 ? inner.shape[inner.shape.length - 1]! : 1;
  const positions = channels === 0 ? 0 : size / channels;
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

  /** Writes frames[0..k) (frame j at frames[j * size]) into `out` in the stacked layout. */
  const interleave = (frames: ArrayLike<number>, out: Float32Array | Uint8Array, first: number): void => {
    // frame (first + j) % k goes to slot j: `first` is the ring slot of the oldest frame.
    for (let j = 0; j < k; j++) {
      const src = ((first + j) % k) * size;
      for (let p = 0; p < positions; p++) {
        const from = src + p * channels;
        const to = (p * k + j) * channels;
        for (let c = 0; c < channels; c++) out[to + c] = frames[from + c]!;
      }
    }
  };
  const tile = (a: Float32Array): Float32Array => {
    const out = new Float32Array(k * size);
    for (let j = 0; j < k; j++) out.set(a, j * size);
    if (!channelsLast) return out;
    const stacked = new Float32Array(k * size);
    interleave(out, stacked, 0);
    return stacked;
  };
  const shape = channelsLast ? (inner.shape.length > 0 ? [...inner.shape.slice(0, -1), k * channels] : [k]) : [k, ...inner.shape];
  const observationSpace = box(tile(inner.low), tile(inner.high), shape, inner.dtype);

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
    if (channelsLast) {
      interleave(ring, out, head);
      return out;
    }
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
