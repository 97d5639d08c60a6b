// GrayscaleObservation: an RGB image observation, uint8 Box [H, W, 3], becomes
// one luminance channel, uint8 Box [H, W, 1], so that a pixel learner sees a
// third of the values (colour carries little in most control tasks, and
// CarRacing's road, grass and kerbs stay distinct in grey).
//
// Gymnasium 1.x semantics (GrayscaleObservation): luminance
// 0.2125 R + 0.7154 G + 0.0721 B, truncated to an integer (numpy's astype).
// Difference: the channel axis is kept by default ([H, W, 1], Gymnasium's
// keep_dim=True), because convolutional nets take channels-last images and
// frameStack with `channelsLast` stacks along that axis; `keepDim: false`
// gives [H, W] as Gymnasium's default does.
import type { Env } from '../env.js';
import { EnvUsageError } from '../env.js';
import { box, describeSpace, describeValue } from '../spaces.js';
import { mapObservations } from './transform-observation.js';

export interface GrayscaleObservationOptions {
  /** Keep a channel axis of size 1 (default true). */
  keepDim?: boolean;
}

const R = 0.2125;
const G = 0.7154;
const B = 0.0721;

export function grayscaleObservation<A>(env: Env<unknown, A>, options: GrayscaleObservationOptions = {}): Env<Uint8Array, A> {
  const where = `grayscaleObservation(${env.spec.id})`;
  const inner = env.observationSpace;
  const ok = inner.type === 'box' && inner.dtype === 'uint8' && inner.shape.length === 3 && inner.shape[2] === 3;
  if (!ok) throw new TypeError(`${where}: needs an RGB image observation, a uint8 Box of shape [H, W, 3], got ${describeSpace(inner)}`);
  const keepDim = options.keepDim ?? true;
  if (typeof keepDim !== 'boolean') throw new TypeError(`${where}: keepDim must be true or false, got ${JSON.stringify(keepDim)}`);
  const [h, w] = inner.shape as [number, number, number];
  const pixels = h * w;

  const gray = (obs: unknown): Uint8Array => {
    const x = obs as ArrayLike<number>;
    if (x?.length !== pixels * 3) throw new EnvUsageError(`${where}: expected an image of ${pixels * 3} values, got ${describeValue(obs)}`);
    const out = new Uint8Array(pixels);
    // Uint8Array assignment truncates, as numpy's astype(uint8) does for values in [0, 255].
    for (let p = 0, q = 0; p < pixels; p++, q += 3) out[p] = R * x[q]! + G * x[q + 1]! + B * x[q + 2]!;
    return out;
  };

  return mapObservations<unknown, Uint8Array, A>(env, gray, box(0, 255, keepDim ? [h, w, 1] : [h, w], 'uint8'));
}
