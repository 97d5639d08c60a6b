// What of the agent's observation a run's recordings carry, chosen from the
// observation space (after the spec's wrappers), for the viewer's side panel:
// - an image Box (uint8, [H, W] or [H, W, C], H and W at least 8): the image
//   as a PNG on every frame. One channel is grey, three are RGB; other channel
//   counts (frames stacked along the last axis, e.g. CarRacing's 4 grey
//   48x48 frames) show their last channel, the newest frame. [k, H, W] and
//   [k, H, W, 1|3] (frames stacked first) show the last of the k frames.
// - a short vector Box (one axis, at most MAX_FEATURES numbers, e.g.
//   CarRacingFeatures' 22): the numbers on every frame, to 4 significant digits.
// Anything else records neither.
import type { FrameObservation, RecordOptions } from '../core/episode.js';
import type { Space } from '../core/spaces.js';
import { encodePng } from '../envs/car-racing/png.js';

/** Longest observation vector recorded as numbers. */
export const MAX_FEATURES = 64;
/** Smallest side of an image observation. */
const MIN_SIDE = 8;

type ObservationOptions = Pick<RecordOptions, 'observations' | 'features'>;

/** The recordEpisode options that put `space`'s observations in a record (none when it is neither an image nor a short vector). */
export function observationRecording(space: Space): ObservationOptions {
  if (space.type !== 'box') return {};
  const shape = space.shape;
  if (shape.length === 1 && shape[0]! <= MAX_FEATURES) {
    return { features: (obs) => Array.from(obs as ArrayLike<number>, (v) => Number(v.toPrecision(4))) };
  }
  if (space.dtype !== 'uint8') return {};
  const view = imageView(shape);
  if (!view) return {};
  const { height, width, channels, stride, offset, pick } = view;
  return {
    observations: (obs): FrameObservation => {
      const data = obs as Uint8Array;
      let pixels: Uint8Array;
      if (stride === channels && offset === 0) pixels = data.subarray(0, height * width * channels);
      else {
        pixels = new Uint8Array(height * width * channels);
        for (let p = 0; p < height * width; p++) for (let c = 0; c < channels; c++) pixels[p * channels + c] = data[offset + p * stride + pick + c]!;
      }
      return { width, height, channels, png: encodePng(pixels, width, height, channels).toString('base64') };
    },
  };
}

/** Where one picture sits in an observation of `shape`: its size, channels (1 or 3), and the elements per pixel, start and channel offset to read it from. */
function imageView(shape: readonly number[]): { height: number; width: number; channels: 1 | 3; stride: number; offset: number; pick: number } | null {
  const image = (h: number, w: number) => h >= MIN_SIDE && w >= MIN_SIDE;
  if (shape.length === 2 && image(shape[0]!, shape[1]!)) return { height: shape[0]!, width: shape[1]!, channels: 1, stride: 1, offset: 0, pick: 0 };
  if (shape.length === 3 && image(shape[0]!, shape[1]!)) {
    const [height, width, c] = shape as [number, number, number];
    if (c === 1 || c === 3) return { height, width, channels: c, stride: c, offset: 0, pick: 0 };
    return { height, width, channels: 1, stride: c, offset: 0, pick: c - 1 };
  }
  if (shape.length === 3 && image(shape[1]!, shape[2]!)) {
    const [k, height, width] = shape as [number, number, number];
    return { height, width, channels: 1, stride: 1, offset: (k - 1) * height * width, pick: 0 };
  }
  if (shape.length === 4 && image(shape[1]!, shape[2]!) && (shape[3] === 1 || shape[3] === 3)) {
    const [k, height, width, c] = shape as [number, number, number, 1 | 3];
    return { height, width, channels: c, stride: c, offset: (k - 1) * height * width * c, pick: 0 };
  }
  return null;
}
