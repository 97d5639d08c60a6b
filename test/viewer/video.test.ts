// Videos of episodes (viewer/video.ts driving viewer/client/video/ in Debian's
// headless Chromium): a GIF and an MP4 of a recorded CartPole episode have
// one frame per recorded frame, consecutive frames differ (decoded, with the
// captions off so only the scene can make them differ), the files are whole
// (GIF header and trailer, MP4 ftyp/moov/mdat with the video track's sample
// count), a board game's match record renders too, and bad settings get
// errors that say what and where. The client is
// bundled afresh into a temp folder, as the browser tests do.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../core/episode.js';
import { buildClient } from '../../viewer/build.mjs';
import { checkVideoSettings, videoFormat, VIDEO_LIMITS, writeVideo } from '../../viewer/video.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { chromium } from 'playwright-core';
import { CHROMIUM, describeInChromium } from './browser-session.js';
import { gameRecords, playEpisode } from './fixtures.js';
import { readGif, readMp4 } from './video-files.js';

const temp = tempDirs('video');
/** Software WebGL and encoding on a shared machine. */
const TIMEOUT = 180_000;

/** Share of pixels whose RGB differs by more than 30 in sum between two decoded frames. */
function changedShare(a: Uint8Array, b: Uint8Array): number {
  let changed = 0;
  for (let p = 0; p < a.length; p += 3) if (Math.abs(a[p]! - b[p]!) + Math.abs(a[p + 1]! - b[p + 1]!) + Math.abs(a[p + 2]! - b[p + 2]!) > 30) changed++;
  return changed / (a.length / 3);
}

describe('video settings', () => {
  it('takes .gif and .mp4 and names the formats for anything else', () => {
    expect(videoFormat('out/a.GIF')).toBe('gif');
    expect(videoFormat('b.mp4')).toBe('mp4');
    expect(() => videoFormat('c.avi')).toThrow(/c\.avi: unknown video extension \.avi; videos are written as \.gif: GIF .*; \.mp4: MP4/);
    expect(() => videoFormat('noext')).toThrow(/noext: no extension; videos are written as \.gif/);
  });

  it('refuses sizes and frame rates out of bounds, odd MP4 sides, and says which flag', () => {
    expect(() => checkVideoSettings('gif', 8, 100, 30)).toThrow('--width must be a whole number of pixels from 16 to 3840, got 8');
    expect(() => checkVideoSettings('gif', 100, 100_000, 30)).toThrow('--height must be a whole number of pixels from 16 to 2160, got 100000');
    expect(() => checkVideoSettings('mp4', 101, 100, 30)).toThrow('--width must be even for an MP4');
    expect(() => checkVideoSettings('gif', 101, 100, 30)).not.toThrow();
    expect(() => checkVideoSettings('gif', 100, 100, 60)).toThrow(/--fps must be a whole number from 1 to 50 for a GIF/);
    expect(() => checkVideoSettings('mp4', 100, 100, 60)).not.toThrow();
    expect(() => checkVideoSettings('mp4', 100, 100, 0.5)).toThrow(/--fps must be a whole number from 1 to 60 for an MP4, got 0.5/);
  });

  it('refuses more frames than a video takes before starting a browser, and leaves no file', async () => {
    const dir = temp();
    const one = playEpisode('CartPole-v1', {}, 0, 0, { variant: 'v', runSeed: 0, step: 0 });
    const many = Array.from({ length: Math.ceil(VIDEO_LIMITS.maxFrames / one.frames.length) + 1 }, () => one);
    await expect(writeVideo(join(dir, 'x.gif'), many, { width: 64, height: 64, fps: 10 })).rejects.toThrow(/frames in all are more than a video takes \(20000\); ask for fewer episodes/);
    await expect(writeVideo(join(dir, 'x.gif'), [one, { ...one, frames: [] }], { width: 64, height: 64, fps: 10 })).rejects.toThrow(
      'episode 2 of 2 is not a usable episode record: frames must be a non-empty array',
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describeInChromium('videos rendered in headless Chromium', () => {
  let clientDir: string;
  let episode: EpisodeRecord;
  beforeAll(async () => {
    clientDir = await buildClient({ outDir: join(temp(), 'client'), minify: false });
    // A half-scripted CartPole episode: a few dozen steps, the cart and pole moving every step.
    episode = playEpisode('CartPole-v1', {}, 3, 0.3, { variant: 'ppo', runSeed: 0, step: 1000 });
    expect(episode.length).toBeGreaterThan(20);
  }, TIMEOUT);

  it('a GIF has one frame per recorded frame, each different from the one before, header to trailer; captions only cover the top left', async () => {
    const dir = temp();
    const path = join(dir, 'cartpole.gif');
    const outcome = await writeVideo(path, [episode], { width: 240, height: 160, fps: 30, overlays: false, clientDir });
    expect(outcome).toMatchObject({ format: 'gif', codec: 'gif', frames: episode.frames.length, bytes: readFileSync(path).length });
    expect(readdirSync(dir)).toEqual(['cartpole.gif']);
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes.at(-1)).toBe(0x3b);
    const gif = readGif(bytes);
    expect([gif.width, gif.height]).toEqual([240, 160]);
    expect(gif.frames.length).toBe(episode.length + 1);
    // 30 fps in hundredths: 3, 3, 4, ... averaging 100/30.
    const total = gif.frames.reduce((s, f) => s + f.delay, 0);
    expect(Math.abs(total - (100 * gif.frames.length) / 30)).toBeLessThanOrEqual(1);
    for (let i = 1; i < gif.frames.length; i++) expect(changedShare(gif.frames[i - 1]!.rgb, gif.frames[i]!.rgb), `frame ${i}`).toBeGreaterThan(0);
    // The scene is drawn: a good part of the picture is not the background.
    const [r, g, b] = [0xee, 0xf2, 0xf6];
    const first = gif.frames[0]!.rgb;
    let drawn = 0;
    for (let p = 0; p < first.length; p += 3) if (Math.abs(first[p]! - r) + Math.abs(first[p + 1]! - g) + Math.abs(first[p + 2]! - b) > 40) drawn++;
    expect(drawn / (first.length / 3)).toBeGreaterThan(0.02);

    // With captions: the same picture but for the caption box at the top left.
    const short = { ...episode, frames: episode.frames.slice(0, 2), length: 1 };
    await writeVideo(join(dir, 'captioned.gif'), [short], { width: 240, height: 160, fps: 30, clientDir });
    const captioned = readGif(new Uint8Array(readFileSync(join(dir, 'captioned.gif')))).frames[0]!.rgb;
    const region = (rgb: Uint8Array, x0: number, x1: number, y0: number, y1: number) => {
      const out: number[] = [];
      for (let y = y0; y < y1; y++) out.push(...rgb.subarray(3 * (y * 240 + x0), 3 * (y * 240 + x1)));
      return Uint8Array.from(out);
    };
    expect(changedShare(region(first, 0, 80, 0, 60), region(captioned, 0, 80, 0, 60))).toBeGreaterThan(0.05);
    expect(changedShare(region(first, 0, 240, 100, 160), region(captioned, 0, 240, 100, 160))).toBeLessThan(0.01);
  }, TIMEOUT);

  it('an MP4 carries one sample per recorded frame, in ftyp, mdat and moov boxes, and Chromium plays it', async () => {
    const dir = temp();
    const path = join(dir, 'cartpole.mp4');
    const two = [episode, playEpisode('CartPole-v1', {}, 4, 0.3, { variant: 'ppo', runSeed: 0, step: 1000 })];
    const outcome = await writeVideo(path, two, { width: 320, height: 200, fps: 25, clientDir });
    const frames = two[0]!.frames.length + two[1]!.frames.length;
    expect(outcome).toMatchObject({ format: 'mp4', frames });
    const mp4 = readMp4(new Uint8Array(readFileSync(path)));
    expect(mp4.boxes).toEqual(['ftyp', 'mdat', 'moov']);
    expect(mp4.samples).toBe(frames);
    expect(['avc1', 'vp09']).toContain(mp4.codec);
    expect(outcome.codec.slice(0, 4)).toBe(mp4.codec);

    // Chromium plays it: its size, and a duration of `frames` frames at 25 fps.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.route('http://localhost/**', (route) =>
        route.request().url().endsWith('.mp4') ? route.fulfill({ body: readFileSync(path), contentType: 'video/mp4' }) : route.fulfill({ body: '<!doctype html><body></body>', contentType: 'text/html' }),
      );
      await page.goto('http://localhost/');
      const played = (await page.evaluate(`new Promise((resolve) => {
        const v = document.createElement('video');
        v.onloadeddata = () => resolve({ width: v.videoWidth, height: v.videoHeight, duration: v.duration });
        v.onerror = () => resolve({ error: v.error && v.error.message });
        v.src = '/cartpole.mp4';
      })`)) as { width: number; height: number; duration: number };
      expect(played).toMatchObject({ width: 320, height: 200 });
      expect(Math.abs(played.duration - frames / 25)).toBeLessThanOrEqual(1 / 25);
    } finally {
      await browser.close();
    }
  }, TIMEOUT);

  it('a board game\'s match record gets a frame per move, in folders made for it', async () => {
    const dir = temp();
    const match = gameRecords().find((g) => g.variant === 'tic-tac-toe')!.record as unknown as EpisodeRecord;
    // Into folders that do not exist yet: they are made.
    const path = join(dir, 'videos', 'games', 'ttt.gif');
    const outcome = await writeVideo(path, [match], { width: 96, height: 64, fps: 4, clientDir });
    expect(outcome.frames).toBe(match.frames.length);
    expect(readGif(new Uint8Array(readFileSync(path))).frames.length).toBe(match.frames.length);
  }, TIMEOUT);

  it('a failure or a hang in the page leaves the old file untouched and no temp file', async () => {
    const dir = temp();
    const path = join(dir, 'keep.gif');
    writeFileSync(path, 'old');
    // A renderer that writes a piece and then fails, as an encoder running out of memory would.
    const failing = join(temp(), 'client');
    cpSync(clientDir, failing, { recursive: true });
    writeFileSync(join(failing, 'video.js'), "window.arenaVideoRender = async () => { await window.arenaVideoWrite('R0lGODlh', 0); throw new Error('the encoder ran out of memory'); };");
    await expect(writeVideo(path, [episode], { width: 64, height: 64, fps: 10, clientDir: failing })).rejects.toThrow(/rendering the video failed in Chromium: .*the encoder ran out of memory/);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['keep.gif']);

    // A renderer that hangs is given up on, with nothing written.
    writeFileSync(join(failing, 'video.js'), 'window.arenaVideoRender = () => new Promise(() => {});');
    await expect(writeVideo(path, [episode], { width: 64, height: 64, fps: 10, clientDir: failing, stallMs: 1500 })).rejects.toThrow('rendering the video failed in Chromium: no frame was drawn for 1.5 s');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['keep.gif']);
  }, TIMEOUT);
});
