// The video encoders of the browser: frames come one at a time as a canvas,
// encoded bytes leave through a sink as soon as there is about a mebibyte of
// them, so neither frames nor a whole file pile up in the page. GIF: gifenc
// (a palette of 256 colours quantized per frame, LZW). MP4: the browser's
// WebCodecs VideoEncoder, H.264 where the browser has it, else VP9, muxed by
// mp4-muxer.
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { Muxer, StreamTarget } from 'mp4-muxer';

export type VideoFormat = 'gif' | 'mp4';

/** Where encoded bytes go: `bytes` belong at `position` of the file (MP4's header is patched at the end; GIF only appends). */
export interface VideoSink {
  write(bytes: Uint8Array, position: number): Promise<void> | void;
}

export interface FrameEncoder {
  /** What the frames are encoded as ('gif', 'avc1.640028', 'vp09.00.40.08'). */
  readonly codec: string;
  /** Encodes the canvas's current picture as frame `index`. */
  add(canvas: HTMLCanvasElement, index: number): Promise<void>;
  /** Ends the file; every byte has reached the sink when it resolves. */
  finish(): Promise<void>;
}

/** Bytes gathered in the page before they go to the sink. */
const FLUSH_BYTES = 1 << 20;

/**
 * GIF frame delays are whole hundredths of a second: frame i lasts the
 * difference of the rounded times of frames i+1 and i, so the video keeps
 * `fps` on average (30 fps: 3, 3, 4, ... hundredths).
 */
export function gifDelayMs(index: number, fps: number): number {
  return 10 * (Math.round(((index + 1) * 100) / fps) - Math.round((index * 100) / fps));
}

export function gifEncoder(width: number, height: number, fps: number, sink: VideoSink): FrameEncoder {
  const gif = GIFEncoder({ initialCapacity: FLUSH_BYTES + (FLUSH_BYTES >> 2) });
  let written = 0;
  const flush = async (): Promise<void> => {
    const bytes = gif.bytes();
    gif.reset();
    if (bytes.length === 0) return;
    const at = written;
    written += bytes.length;
    await sink.write(bytes, at);
  };
  return {
    codec: 'gif',
    async add(canvas, index) {
      const rgba = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
      const palette = quantize(rgba, 256);
      gif.writeFrame(applyPalette(rgba, palette), width, height, { palette, delay: gifDelayMs(index, fps) });
      if (gif.bytesView().length >= FLUSH_BYTES) await flush();
    },
    async finish() {
      gif.finish();
      await flush();
    },
  };
}

/** Codecs tried for MP4, in order: H.264 High (level 4.0: up to 1920x1080 at 30 fps), then VP9. */
const MP4_CODECS: readonly { codec: string; muxer: 'avc' | 'vp9' }[] = [
  { codec: 'avc1.640028', muxer: 'avc' },
  { codec: 'vp09.00.40.08', muxer: 'vp9' },
];

/** The first of MP4_CODECS this browser encodes at this size, or null (no WebCodecs, or neither codec). */
export async function mp4Codec(width: number, height: number, fps: number): Promise<(typeof MP4_CODECS)[number] | null> {
  if (typeof VideoEncoder === 'undefined') return null;
  for (const c of MP4_CODECS) {
    const { supported } = await VideoEncoder.isConfigSupported(encoderConfig(c.codec, width, height, fps)).catch(() => ({ supported: false }));
    if (supported) return c;
  }
  return null;
}

function encoderConfig(codec: string, width: number, height: number, fps: number): VideoEncoderConfig {
  // About 0.1 bit per pixel per frame: scenes are flat colours, which compress well.
  const bitrate = Math.max(500_000, Math.round(width * height * fps * 0.1));
  return { codec, width, height, framerate: fps, bitrate, ...(codec.startsWith('avc1') ? { avc: { format: 'avc' as const } } : {}) };
}

/** Frames waiting in the VideoEncoder at most before add() waits for it. */
const ENCODE_QUEUE = 4;

export async function mp4Encoder(width: number, height: number, fps: number, sink: VideoSink): Promise<FrameEncoder> {
  const chosen = await mp4Codec(width, height, fps);
  if (!chosen) {
    throw new Error(
      typeof VideoEncoder === 'undefined'
        ? 'this browser has no WebCodecs VideoEncoder (or the page is not a secure context), so it cannot write MP4; save a GIF instead'
        : `this browser encodes neither H.264 (${MP4_CODECS[0]!.codec}) nor VP9 (${MP4_CODECS[1]!.codec}) at ${width}x${height}; save a GIF instead`,
    );
  }
  const pending: Promise<void>[] = [];
  let failure: Error | null = null;
  const muxer = new Muxer({
    target: new StreamTarget({ chunked: true, chunkSize: FLUSH_BYTES, onData: (data, position) => void pending.push(Promise.resolve(sink.write(data.slice(), position))) }),
    video: { codec: chosen.muxer, width, height, frameRate: fps },
    fastStart: false,
  });
  const encoder = new VideoEncoder({
    output: (chunk, meta) => muxer.addVideoChunk(chunk, meta),
    error: (e) => {
      failure = e instanceof Error ? e : new Error(String(e));
    },
  });
  encoder.configure(encoderConfig(chosen.codec, width, height, fps));
  const check = (): void => {
    if (failure) throw new Error(`the browser's ${chosen.codec} encoder failed: ${failure.message}`);
  };
  const drain = async (): Promise<void> => {
    await Promise.all(pending.splice(0));
  };
  const frameUs = 1e6 / fps;
  return {
    codec: chosen.codec,
    async add(canvas, index) {
      check();
      const frame = new VideoFrame(canvas, { timestamp: Math.round(index * frameUs), duration: Math.round(frameUs) });
      // A key frame every 2 seconds, so a player can seek.
      encoder.encode(frame, { keyFrame: index % Math.max(1, Math.round(2 * fps)) === 0 });
      frame.close();
      while (encoder.encodeQueueSize > ENCODE_QUEUE) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        check();
      }
      await drain();
    },
    async finish() {
      await encoder.flush();
      check();
      encoder.close();
      muxer.finalize();
      await drain();
    },
  };
}
