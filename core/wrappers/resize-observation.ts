// ResizeObservation: an image observation, uint8 Box [H, W, C] (or [H, W]),
// resampled to [h, w, C] by area averaging: each output pixel is the mean of
// the input area it covers, partial pixels weighted by their covered
// fraction, rounded to the nearest integer. Pixel learners use it to cut a
// convolutional net's cost (CarRacing's 96x96 at 48x48 is 4x fewer values;
// the road and the car stay several pixels wide).
//
// Gymnasium 1.x's ResizeObservation calls OpenCV's resize with INTER_AREA;
// this is the same filter for shrinking (exact for integer factors), written
// out here. Enlarging also averages (each output pixel then lies inside one
// input pixel, so it copies it: nearest neighbour), where OpenCV interpolates.
import type { Env } from '../env.js';
import { EnvUsageError } from '../env.js';
import { box, describeSpace, describeValue } from '../spaces.js';
import { mapObservations } from './transform-observation.js';

/** For each output index along one axis: the input indices it covers and their weights (fractions of the output cell, summing to 1). */
function areaWeights(inSize: number, outSize: number): { index: Int32Array; weight: Float64Array; start: Int32Array } {
  const scale = inSize / outSize;
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(outSize + 1);
  for (let o = 0; o < outSize; o++) {
    start[o] = index.length;
    const a = o * scale;
    const b = (o + 1) * scale;
    for (let i = Math.floor(a); i < Math.min(Math.ceil(b), inSize); i++) {
      const covered = Math.min(b, i + 1) - Math.max(a, i);
      if (covered > 1e-12) {
        index.push(i);
        weight.push(covered / scale);
      }
    }
  }
  start[outSize] = index.length;
  return { index: Int32Array.from(index), weight: Float64Array.from(weight), start };
}

export function resizeObservation<A>(env: Env<unknown, A>, shape: readonly [number, number]): Env<Uint8Array, A> {
  const where = `resizeObservation(${env.spec.id})`;
  const inner = env.observationSpace;
  const ok = inner.type === 'box' && inner.dtype === 'uint8' && (inner.shape.length === 2 || inner.shape.length === 3);
  if (!ok) throw new TypeError(`${where}: needs an image observation, a uint8 Box of shape [H, W, C] or [H, W], got ${describeSpace(inner)}`);
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`${where}: shape must be [height, width], two positive integers, got ${JSON.stringify(shape)}`);
  }
  const [inH, inW] = inner.shape as [number, number];
  const c = inner.shape.length === 3 ? inner.shape[2]! : 1;
  const [h, w] = shape;
  const rows = areaWeights(inH, h);
  const cols = areaWeights(inW, w);
  const acc = new Float64Array(w * c);

  const resize = (obs: unknown): Uint8Array => {
    const x = obs as ArrayLike<number>;
    if (x?.length !== inH * inW * c) throw new EnvUsageError(`${where}: expected an image of ${inH * inW * c} values, got ${describeValue(obs)}`);
    const out = new Uint8Array(h * w * c);
    for (let oy = 0; oy < h; oy++) {
      acc.fill(0);
      for (let r = rows.start[oy]!; r < rows.start[oy + 1]!; r++) {
        const rowBase = rows.index[r]! * inW * c;
        const wy = rows.weight[r]!;
        for (let ox = 0; ox < w; ox++) {
          for (let q = cols.start[ox]!; q < cols.start[ox + 1]!; q++) {
            const wxy = wy * cols.weight[q]!;
            const p = rowBase + cols.index[q]! * c;
            for (let ch = 0; ch < c; ch++) acc[ox * c + ch]! += wxy * x[p + ch]!;
          }
        }
      }
      const base = oy * w * c;
      for (let k = 0; k < w * c; k++) out[base + k] = Math.round(acc[k]!);
    }
    return out;
  };

  return mapObservations<unknown, Uint8Array, A>(env, resize, box(0, 255, inner.shape.length === 3 ? [h, w, c] : [h, w], 'uint8'));
}
