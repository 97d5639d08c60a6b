// Videos of episodes from Node: checks the video's settings against bounded
// limits, opens the built viewer client in headless Chromium (Debian's, through
// playwright-core; never a downloaded browser) on a secure origin served from
// memory (WebCodecs needs one; no port is opened), hands it the episode records,
// and writes the bytes its encoder sends back, as they come, to a temp file
// renamed over the target at the end (core/files.ts). The drawing and encoding
// are the replay page's (viewer/client/video/).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { EpisodeRecord } from '../core/episode.js';
import { validateEpisodeRecord } from '../core/episode.js';
import type { AtomicFile } from '../core/files.js';
import { ensureDir, openFileAtomic } from '../core/files.js';

export type VideoFormat = 'gif' | 'mp4';

/** What each format is written with, for messages and `--help`. */
export const VIDEO_FORMATS: Readonly<Record<VideoFormat, string>> = {
  gif: 'GIF (gifenc: 256 colours per frame)',
  mp4: "MP4 (H.264, else VP9, by headless Chromium's WebCodecs; muxed by mp4-muxer)",
};

/** Bounds on a video's settings: a typo must not ask for a 100,000-pixel-wide or day-long video. */
export const VIDEO_LIMITS = {
  minSide: 16,
  maxWidth: 3840,
  maxHeight: 2160,
  /** GIF frame delays are hundredths of a second and browsers show delays under 2 as 10: 50 fps at most. */
  maxFps: { gif: 50, mp4: 60 },
  /** Frames in one video, over all its episodes (at 30 fps, 11 minutes). */
  maxFrames: 20_000,
} as const;

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface VideoOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Caption the frames with episode, frame, action, reward and return (default true). */
  readonly overlays?: boolean;
  /** The Chromium binary (default /usr/bin/chromium). */
  readonly chromium?: string;
  /** The built viewer client (default: the one `npm run build` writes, as the viewer finds it). */
  readonly clientDir?: string;
  /** Gives up when the page sends neither bytes nor progress for this long (default 120 s). */
  readonly stallMs?: number;
  /** Hears how many frames are done, about once a second. */
  readonly progress?: (done: number, total: number) => void;
}

export interface VideoOutcome {
  readonly path: string;
  readonly format: VideoFormat;
  readonly codec: string;
  readonly frames: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** The format of an output path by its extension; anything else is an error naming the formats. */
export function videoFormat(path: string): VideoFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.gif' || ext === '.mp4') return ext.slice(1) as VideoFormat;
  const formats = Object.entries(VIDEO_FORMATS).map(([k, v]) => `.${k}: ${v}`).join('; ');
  throw new Error(`${path}: ${ext ? `unknown video extension ${ext}` : 'no extension'}; videos are written as ${formats}`);
}

/** Checks size and frame rate for `format`; throws an error saying which setting is wrong and what is allowed. */
export function checkVideoSettings(format: VideoFormat, width: number, height: number, fps: number): void {
  const { minSide, maxWidth, maxHeight } = VIDEO_LIMITS;
  const side = (name: string, v: number, max: number): void => {
    if (!Number.isInteger(v) || v < minSide || v > max) throw new Error(`--${name} must be a whole number of pixels from ${minSide} to ${max}, got ${v}`);
    // H.264 and VP9 encode 4:2:0 colour, in blocks of 2x2 pixels.
    if (format === 'mp4' && v % 2 !== 0) throw new Error(`--${name} must be even for an MP4 (its colour is stored per 2x2 pixels), got ${v}`);
  };
  side('width', width, maxWidth);
  side('height', height, maxHeight);
  const maxFps = VIDEO_LIMITS.maxFps[format];
  if (!Number.isInteger(fps) || fps < 1 || fps > maxFps) {
    throw new Error(`--fps must be a whole number from 1 to ${maxFps} for ${format === 'gif' ? 'a GIF (its frame delays are hundredths of a second)' : 'an MP4'}, got ${fps}`);
  }
}

/** The record without what a video does not draw (observation images, feature vectors), which would only cross to the page. */
function drawnPart(e: EpisodeRecord): EpisodeRecord {
  if (!e.frames.some((f) => f.observation || f.features)) return e;
  return { ...e, frames: e.frames.map(({ observation: _o, features: _f, ...rest }) => rest) };
}

/** A video stops with an error when the page has sent neither bytes nor progress for this long: a hung renderer must not hang the command. */
const STALL_MS = 120_000;

const CONTENT_TYPES: Readonly<Record<string, string>> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };
/** The origin the client is served on: localhost counts as a secure context, which WebCodecs needs. Requests never reach the network. */
const ORIGIN = 'http://localhost';

/**
 * Renders `episodes` one after another into one video at `path` (its
 * extension gives the format). The file appears whole or not at all.
 */
export async function writeVideo(path: string, episodes: readonly EpisodeRecord[], options: VideoOptions): Promise<VideoOutcome> {
  const started = performance.now();
  const format = videoFormat(path);
  checkVideoSettings(format, options.width, options.height, options.fps);
  if (episodes.length === 0) throw new Error('no episodes to make a video of');
  episodes.forEach((e, i) => {
    const problems = validateEpisodeRecord(e);
    if (problems.length > 0) throw new Error(`episode ${i + 1} of ${episodes.length} is not a usable episode record: ${problems.join('; ')}`);
  });
  const frames = episodes.reduce((n, e) => n + e.frames.length, 0);
  if (frames > VIDEO_LIMITS.maxFrames) {
    throw new Error(`${episodes.length} episode(s) of ${frames} frames in all are more than a video takes (${VIDEO_LIMITS.maxFrames}); ask for fewer episodes`);
  }
  const chromium = options.chromium ?? DEFAULT_CHROMIUM;
  if (!existsSync(chromium)) throw new Error(`videos are drawn by headless Chromium, and ${chromium} is missing: install Debian's chromium (apt-get install -y chromium) or give its path`);
  // The server module (and express with it) loads only here, so commands that only check video flags stay light.
  const client = options.clientDir ?? (await import('./server.js')).clientDir();
  if (client === null || !existsSync(join(client, 'video.js'))) throw new Error('the viewer client is not built (no video.js): run npm run build');
  const playwright = await import('playwright-core').catch((e: Error) => {
    throw new Error(`videos need the playwright-core package to drive Chromium: ${e.message}`);
  });

  await ensureDir(dirname(resolve(path)));

  let bytes = 0;
  const browser = await playwright.chromium.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  const stallMs = options.stallMs ?? STALL_MS;
  // Set when rendering starts (loading the page has playwright's own timeouts).
  let lastSign = Infinity;
  let stalled = false;
  const watchdog = setInterval(() => {
    if (performance.now() - lastSign < stallMs) return;
    stalled = true;
    void browser.close();
  }, Math.min(1000, stallMs / 4));
  let file: AtomicFile | null = null;
  try {
    const output = (file = await openFileAtomic(path));
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>' });
      const target = resolve(client, `.${decodeURIComponent(url.pathname)}`);
      if (relative(client, target).startsWith(`..${sep}`) || !existsSync(target)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ contentType: CONTENT_TYPES[extname(target)] ?? 'application/octet-stream', body: await readFile(target) });
    });
    await page.exposeFunction('arenaVideoWrite', async (base64: string, position: number) => {
      lastSign = performance.now();
      const piece = Buffer.from(base64, 'base64');
      bytes = Math.max(bytes, position + piece.length);
      await output.write(piece, position);
    });
    await page.exposeFunction('arenaVideoProgress', (done: number, total: number) => {
      lastSign = performance.now();
      options.progress?.(done, total);
    });
    await page.goto(`${ORIGIN}/`);
    const settings = { format, width: options.width, height: options.height, fps: options.fps, overlays: options.overlays ?? true };
    await page.addScriptTag({ url: `${ORIGIN}/video.js`, type: 'module' });
    lastSign = performance.now();
    const done = await page
      .evaluate(
        // Runs in the page (video.js put arenaVideoRender there); the tsconfig of Node code has no DOM types.
        ([records, s]) => (globalThis as unknown as { arenaVideoRender(e: unknown, s: unknown): Promise<{ frames: number; codec: string }> }).arenaVideoRender(records, s),
        [episodes.map(drawnPart), settings] as const,
      )
      .catch((e: Error) => {
        const why = stalled ? `no frame was drawn for ${stallMs / 1000} s` : e.message.split('\n')[0];
        throw new Error(`rendering the video failed in Chromium: ${why}${pageErrors.length > 0 ? ` (${pageErrors[0]})` : ''}`);
      });
    await output.commit();
    return { path, format, codec: done.codec, frames: done.frames, bytes, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    await file?.abort();
    throw e;
  } finally {
    clearInterval(watchdog);
    await browser.close();
  }
}
