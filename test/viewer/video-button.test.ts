// The replay page's "save video" button in headless Chromium: it encodes the
// episode on show in the page (MP4 here, where Chromium's WebCodecs encodes
// H.264 or VP9) and downloads it; the file holds one sample per recorded frame
// at the view's size (even sides), and the page shows no error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../core/episode.js';
import type { BrowserSession } from './browser-session.js';
import { describeInChromium, failOnPageErrors, openBrowserSession } from './browser-session.js';
import { writeLongWalks } from './fixtures.js';
import { readMp4 } from './video-files.js';

const WALK = ['walks', 'frozen-lake', 'seed-0', 'step-0000000000-0.json'];

describeInChromium('the save video button', () => {
  let session: BrowserSession;
  let runs = '';
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-video-button-',
      viewport: { width: 900, height: 700 },
      errors,
      writeRuns: (dir) => {
        runs = dir;
        writeLongWalks(dir);
      },
    });
  }, 60_000);
  afterAll(() => session?.close());
  failOnPageErrors(errors);

  it('downloads the episode as an MP4 with a sample per recorded frame', async () => {
    const { page, viewer } = session;
    const episode = JSON.parse(readFileSync(join(runs, ...WALK.slice(0, 3), 'episodes', WALK[3]!), 'utf8')) as EpisodeRecord;
    await page.goto(`${viewer.url}#/play?a=${encodeURIComponent(WALK.map(encodeURIComponent).join('/'))}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    const view = (await page.locator('canvas.stage-canvas').first().boundingBox())!;
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 150_000 }), page.click('[data-testid="save-video"]')]);
    expect(download.suggestedFilename()).toBe('step-0000000000-0.mp4');
    const bytes = new Uint8Array(readFileSync((await download.path())!));
    const mp4 = readMp4(bytes);
    expect(mp4.boxes).toEqual(['ftyp', 'mdat', 'moov']);
    expect(mp4.samples).toBe(episode.frames.length);
    // The video has the view's size, rounded to even sides: the tkhd box holds it as 16.16 fixed point, last in the box.
    const tkhd = Buffer.from(bytes).indexOf('tkhd');
    const size = new DataView(bytes.buffer, bytes.byteOffset + tkhd + 4 + 76, 8);
    expect([size.getUint32(0) >> 16, size.getUint32(4) >> 16]).toEqual([2 * Math.round(view.width / 2), 2 * Math.round(view.height / 2)]);
    expect(await page.getAttribute('[data-testid="save-video"]', 'data-saved')).toBe('mp4');
    expect(await page.innerText('[data-testid="save-video"]')).toBe('save video');
  }, 180_000);
});
