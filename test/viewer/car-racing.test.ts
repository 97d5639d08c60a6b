// The CarRacing scene in a real headless browser (Debian's Chromium driven by
// playwright-core, WebGL through SwiftShader), on an episode recorded here:
// 300 steps of the centerline driver on seed 3, with a hard stop and a
// full-lock swerve thrown in so the wheels skid, and the 96x96 pixel
// observation of every frame (PNG, core/episode.ts's `observations` option)
// for the picture-in-picture. Checks: the scene is drawn (the road, the grass,
// the red car), playing changes the picture, the chase and top cameras
// differ, the observation image and the readouts follow the frame.
// Two more recordings carry what a run records (experiments/observation-record.ts):
// the car-racing-pixels config's grey, resized, 4-stacked view, whose newest
// frame the picture-in-picture shows, and CarRacingFeatures' 22 numbers, which
// the side panel lists by name and follow the frame; the overlay toggle hides
// both. Screenshots
// go to test/viewer/screenshots/ (git-ignored by a .gitignore the test writes
// there).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../core/episode.js';
import { recordEpisode } from '../../core/episode.js';
import { make } from '../../core/registry.js';
import { centerlineDriver } from '../../envs/car-racing/index.js';
import { encodePng } from '../../envs/car-racing/png.js';
import '../../envs/index.js';
import type { Viewer } from '../../viewer/server.js';
import type { BrowserSession } from './browser-session.js';
import { SHOTS, describeInChromium, openBrowserSession, stagePixelsScript } from './browser-session.js';
import { writeFixtureRun } from './fixtures.js';
import { applyWrappers } from '../../experiments/config-wrappers.js';
import { observationRecording } from '../../experiments/observation-record.js';

const STEPS = 300;
/** Steps of the recording where the driver locks the brakes, then swerves at full lock on the gas: the wheels skid. */
const BRAKE = [150, 175] as const;
const SWERVE = [175, 190] as const;
const FILE = 'step-0000000000-0.json';
const episodePath = (experiment: string, variant: string) => encodeURIComponent([experiment, variant, 'seed-0', FILE].map(encodeURIComponent).join('/'));
const EPISODE = episodePath('car-racing', 'centerline');

/** The centerline driver's episode as a run records it (observationRecording on the run's env), on CarRacing-v3 with `wrappers` or on the features variant. */
function recordAsRun(id: 'CarRacing-v3' | 'CarRacingFeatures-v3', wrappers: Parameters<typeof applyWrappers>[1]): EpisodeRecord {
  const base = make(id, {});
  const env = applyWrappers(base, wrappers);
  return recordEpisode(env, {
    seed: 3,
    maxSteps: 60,
    act: () => centerlineDriver(base),
    ...observationRecording(env.observationSpace),
    agent: { algorithm: 'scripted', experiment: 'car-racing', variant: 'centerline', runSeed: 0, deterministic: true },
    trainingStep: 0,
  });
}
const STACK = [
  { name: 'frameSkip', args: { k: 4 } },
  { name: 'grayscaleObservation', args: {} },
  { name: 'resizeObservation', args: { shape: [48, 48] } },
  { name: 'frameStack', args: { k: 4, channelsLast: true } },
];

function recordCarRacing(): EpisodeRecord {
  const env = make('CarRacing-v3', {});
  let t = 0;
  return recordEpisode(env, {
    seed: 3,
    maxSteps: STEPS,
    act: () => {
      t++;
      const a = centerlineDriver(env) as Float32Array;
      if (t > BRAKE[0] && t <= BRAKE[1]) a.set([a[0]!, 0, 1]);
      else if (t > SWERVE[0] && t <= SWERVE[1]) a.set([1, 1, 0]);
      return a;
    },
    observations: (obs) => ({ width: 96, height: 96, channels: 3, png: encodePng(obs as Uint8Array, 96, 96).toString('base64') }),
    agent: { algorithm: 'scripted', experiment: 'car-racing', variant: 'centerline', runSeed: 0, deterministic: true },
    trainingStep: 0,
  });
}

describeInChromium('CarRacing scene in a browser', () => {
  let record: EpisodeRecord;
  let stacked: EpisodeRecord;
  let features: EpisodeRecord;
  let session: BrowserSession;
  let viewer: Viewer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-viewer-car-racing-',
      viewport: { width: 1100, height: 760 },
      errors,
      writeRuns: (runs) => {
        record = recordCarRacing();
        writeFixtureRun(runs, {
          experiment: 'car-racing',
          variant: 'centerline',
          seed: 0,
          env: 'CarRacing-v3',
          curve: (t) => t / 100,
          episodes: [{ step: 0, record }],
          trainingEpisodes: 20,
        });
        stacked = recordAsRun('CarRacing-v3', STACK);
        features = recordAsRun('CarRacingFeatures-v3', []);
        for (const [variant, env, r] of [['pixels', 'CarRacing-v3', stacked], ['features', 'CarRacingFeatures-v3', features]] as const) {
          writeFixtureRun(runs, { experiment: 'car-racing-observations', variant, seed: 0, env, curve: (t) => t / 100, episodes: [{ step: 0, record: r }], trainingEpisodes: 5 });
        }
      },
    });
    ({ viewer, page } = session);
  }, 60_000);

  afterAll(() => session?.close());

  const frame = async () => Number(await page.getAttribute('[data-testid="player"]', 'data-frame'));
  /** Lets the animation loop draw what changed. */
  const settle = () => page.waitForTimeout(250);

  /** The stage canvas shrunk to 64x40, as RGB. */
  async function thumbnail(): Promise<number[]> {
    return (await page.evaluate(`(() => {
      ${stagePixelsScript(0, { width: 64, height: 40 })}
      const out = [];
      for (let p = 0; p < data.length; p += 4) out.push(data[p], data[p + 1], data[p + 2]);
      return out;
    })()`)) as number[];
  }

  /** Mean absolute difference per channel between two thumbnails (0-255). */
  const difference = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

  /** Counts of full-size canvas pixels by kind: the car's red, the road's grey, the grass's green. */
  async function palette(): Promise<{ red: number; grey: number; green: number; total: number }> {
    return (await page.evaluate(`(() => {
      ${stagePixelsScript()}
      let red = 0, grey = 0, green = 0;
      for (let p = 0; p < data.length; p += 4) {
        const r = data[p], g = data[p + 1], b = data[p + 2];
        if (r > 120 && g < 70 && b < 70) red++;
        else if (Math.abs(r - g) < 14 && Math.abs(g - b) < 14 && r > 50 && r < 200) grey++;
        else if (g > r + 40 && g > b + 40) green++;
      }
      return { red, grey, green, total: data.length / 4 };
    })()`)) as { red: number; grey: number; green: number; total: number };
  }

  it('records pixels and skids', () => {
    expect(record.frames).toHaveLength(STEPS + 1);
    expect(record.frames.every((f) => f.observation?.width === 96 && f.observation.png.length > 100)).toBe(true);
    expect(record.frames.some((f) => (f.state.skid as number[]).some(Boolean))).toBe(true);
  });

  it('draws the track and the car, plays, switches cameras, shows the observation and readouts', async () => {
    await page.goto(`${viewer.url}#/play?a=${EPISODE}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    expect(await page.inputValue('[data-testid="camera"]')).toBe('chase');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'car-racing-start.png') });

    // Chase camera at the start: mostly grass and road, with the red car in the middle.
    let colours = await palette();
    expect(colours.green / colours.total).toBeGreaterThan(0.2);
    expect(colours.grey / colours.total).toBeGreaterThan(0.05);
    expect(colours.red / colours.total).toBeGreaterThan(0.002);
    expect(await page.innerText('.hud-action')).toMatch(/^steer [+−]\d\.\d\d gas \d\.\d\d brake \d\.\d\d$/);

    // The picture-in-picture shows frame 0's observation.
    const pip = page.locator('[data-testid="pip"]');
    await expect.poll(() => pip.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(96);
    expect(await pip.isVisible()).toBe(true);
    const firstSrc = await pip.getAttribute('src');
    expect(firstSrc).toBe(`data:image/png;base64,${record.frames[0]!.observation!.png}`);

    // Playing (at 4x) moves the car, the camera and the observation.
    const before = await thumbnail();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    expect(await page.inputValue('[data-testid="speed"]')).toBe('4');
    await page.click('[data-testid="play"]');
    await expect.poll(frame, { timeout: 10_000 }).toBeGreaterThan(80);
    await page.keyboard.press(' ');
    await settle();
    expect(difference(before, await thumbnail())).toBeGreaterThan(3);
    expect(await pip.getAttribute('src')).not.toBe(firstSrc);
    const speed = await page.locator('[data-testid="readouts"]').innerText();
    expect(speed).toMatch(/speed\s+\d+\.\d/);
    expect(speed).toMatch(/tiles\s+\d+ \/ \d+/);

    // While the brakes are locked: the readout says so; then the skid marks behind the car, from above.
    await page.locator('[data-testid="scrubber"]').fill(String(BRAKE[0] + 10));
    await settle();
    expect(await page.locator('[data-testid="readouts"]').innerText()).toMatch(/brake\s+1\.00/);
    await page.locator('[data-testid="scrubber"]').fill(String(SWERVE[1] + 6));
    await settle();
    const chase = await thumbnail();
    await page.screenshot({ path: join(SHOTS, 'car-racing-chase.png') });

    // The top camera: a different picture of the same frame; the select and the c key switch.
    await page.selectOption('[data-testid="camera"]', 'top');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'car-racing-top.png') });
    const top = await thumbnail();
    expect(difference(chase, top)).toBeGreaterThan(8);
    colours = await palette();
    expect(colours.red / colours.total).toBeGreaterThan(0.001);

    // Seeking back before the skids: the marks go, the picture changes.
    await page.locator('[data-testid="scrubber"]').fill(String(BRAKE[0] - 20));
    await settle();
    await page.screenshot({ path: join(SHOTS, 'car-racing-top-before-skid.png') });

    await page.keyboard.press('c');
    expect(await page.inputValue('[data-testid="camera"]')).toBe('orbit');
    expect(await page.isEnabled('[data-testid="follow"]')).toBe(true);
    await settle();
    await page.screenshot({ path: join(SHOTS, 'car-racing-orbit.png') });
    await page.keyboard.press('c');
    expect(await page.inputValue('[data-testid="camera"]')).toBe('chase');
    expect(await page.isEnabled('[data-testid="follow"]')).toBe(false);
  }, 60_000);

  it("shows a stacked grey run's newest frame and a features run's named numbers, hidden with the overlays", async () => {
    await page.goto(`${viewer.url}#/play?a=${episodePath('car-racing-observations', 'pixels')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    const pip = page.locator('[data-testid="pip"]');
    await expect.poll(() => pip.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(48);
    expect(await pip.isVisible()).toBe(true);
    await page.locator('[data-testid="scrubber"]').fill('10');
    await settle();
    expect(await pip.getAttribute('src')).toBe(`data:image/png;base64,${stacked.frames[10]!.observation!.png}`);
    // Drawn: the grey road and the light grass make a picture with contrast, not a blank box.
    const spread = (await pip.evaluate(`(() => {
      const img = document.querySelector('[data-testid="pip"]');
      const c = document.createElement('canvas');
      c.width = 48; c.height = 48;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, 48, 48).data;
      let lo = 255, hi = 0;
      for (let p = 0; p < d.length; p += 4) { lo = Math.min(lo, d[p]); hi = Math.max(hi, d[p]); }
      return hi - lo;
    })()`)) as number;
    expect(spread).toBeGreaterThan(40);
    expect(await page.locator('[data-testid="features"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'car-racing-stacked-observation.png') });

    await page.goto(`${viewer.url}#/play?a=${episodePath('car-racing-observations', 'features')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    const panel = page.locator('[data-testid="features"]');
    await panel.waitFor();
    expect(await page.locator('[data-testid="pip"]').count()).toBe(0);
    const labels = await panel.locator('.hud-feature-label').allInnerTexts();
    expect(labels).toEqual(features.featureNames);
    expect(labels).toHaveLength(22);
    const shown = () => panel.locator('.hud-feature-value').allInnerTexts();
    const expected = (t: number) => features.frames[t]!.features!.map((v) => (Math.abs(v) < 0.0005 ? 0 : v).toFixed(3).replace('-', '\u2212'));
    expect(await shown()).toEqual(expected(0));
    await page.locator('[data-testid="scrubber"]').fill('40');
    await settle();
    expect(await shown()).toEqual(expected(40));
    expect(expected(40)).not.toEqual(expected(0));
    // The whole panel fits in the pane, beside the scene.
    const box = (await page.locator('[data-testid="hud-side"]').boundingBox())!;
    const pane = (await page.locator('.viewport').first().boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(pane.y + pane.height);
    await page.screenshot({ path: join(SHOTS, 'car-racing-features-panel.png') });
    await page.uncheck('[data-testid="overlays"]');
    expect(await panel.isVisible()).toBe(false);
    await page.keyboard.press('o');
    expect(await panel.isVisible()).toBe(true);
  }, 60_000);

  it('no page errors', () => {
    expect(errors).toEqual([]);
  });
});
