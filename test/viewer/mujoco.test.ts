// The generic MuJoCo scene in a real headless browser (Chromium through
// playwright-core, WebGL through SwiftShader), on replays recorded here: a
// Hopper-v5 episode (a fixed rhythm of the motors, 80 steps without health
// termination, so the body moves and falls) and a short Humanoid-v5 one. Checks: the model and its floor
// are drawn with the chase camera on, playing moves the picture, the readouts
// follow the frame, the orbit camera gives another view, the Humanoid replay
// draws too, and no page errors. Screenshots go to test/viewer/screenshots/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../core/episode.js';
import { recordEpisode } from '../../core/episode.js';
import { make } from '../../core/registry.js';
import '../../envs/index.js';
import type { Viewer } from '../../viewer/server.js';
import type { BrowserSession } from './browser-session.js';
import { SHOTS, describeInChromium, drawnShare, openBrowserSession, stagePixelsScript } from './browser-session.js';
import { writeFixtureRun } from './fixtures.js';

const FILE = 'step-0000000000-0.json';
const episodePath = (variant: string) => encodeURIComponent(['mujoco', variant, 'seed-0', FILE].map(encodeURIComponent).join('/'));

/** `steps` steps of `id` with a periodic action (each actuator a sine of its own phase), from seed 0. */
function recordRhythm(id: string, steps: number): EpisodeRecord {
  const env = make(id, { maxEpisodeSteps: null, terminateWhenUnhealthy: false });
  let t = 0;
  return recordEpisode(env, {
    seed: 0,
    maxSteps: steps,
    act: () => {
      t++;
      const n = (env.actionSpace as { low: Float32Array }).low.length;
      const high = (env.actionSpace as { high: Float32Array }).high[0]!;
      return Array.from({ length: n }, (_, i) => 0.8 * high * Math.sin(t / 6 + (2 * Math.PI * i) / n));
    },
    agent: { algorithm: 'scripted', experiment: 'mujoco', variant: id, runSeed: 0, deterministic: true },
    trainingStep: 0,
  });
}

describeInChromium('MuJoCo scene in a browser', () => {
  let session: BrowserSession;
  let viewer: Viewer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-viewer-mujoco-',
      viewport: { width: 1000, height: 700 },
      errors,
      writeRuns: (runs) => {
        for (const [id, steps] of [['Hopper-v5', 80], ['Humanoid-v5', 30]] as const) {
          writeFixtureRun(runs, { experiment: 'mujoco', variant: id, seed: 0, env: id, curve: (t) => t / 100, episodes: [{ step: 0, record: recordRhythm(id, steps) }], trainingEpisodes: 5 });
        }
      },
    });
    ({ viewer, page } = session);
  }, 60_000);

  afterAll(() => session?.close());

  const frame = async () => Number(await page.getAttribute('[data-testid="player"]', 'data-frame'));
  const settle = () => page.waitForTimeout(250);
  async function thumbnail(): Promise<number[]> {
    return (await page.evaluate(`(() => {
      ${stagePixelsScript(0, { width: 64, height: 40 })}
      const out = [];
      for (let p = 0; p < data.length; p += 4) out.push(data[p], data[p + 1], data[p + 2]);
      return out;
    })()`)) as number[];
  }
  const difference = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

  it('draws a Hopper replay with the chase camera, plays it, and follows the frame in the readouts', async () => {
    await page.goto(`${viewer.url}#/play?a=${episodePath('Hopper-v5')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    expect(await page.inputValue('[data-testid="camera"]')).toBe('chase');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'mujoco-hopper-start.png') });
    // The floor fills the lower part of the view and the hopper stands in front of it.
    expect(await drawnShare(page)).toBeGreaterThan(0.2);
    const start = await thumbnail();
    expect(await page.locator('[data-testid="readouts"]').innerText()).toMatch(/height\s+1\.2\d/);
    expect(await page.innerText('.hud-action')).toMatch(/^\[-?\d\.\d\d, -?\d\.\d\d, -?\d\.\d\d\]$/);

    await page.click('[data-testid="play"]');
    await expect.poll(frame, { timeout: 15_000 }).toBeGreaterThan(40);
    await page.keyboard.press(' ');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'mujoco-hopper-playing.png') });
    expect(difference(start, await thumbnail())).toBeGreaterThan(1);
    expect(await page.locator('[data-testid="readouts"]').innerText()).toMatch(/time\s+0\.[3-9]\d s/);

    const chase = await thumbnail();
    await page.keyboard.press('c');
    expect(await page.inputValue('[data-testid="camera"]')).toBe('orbit');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'mujoco-hopper-orbit.png') });
    expect(difference(chase, await thumbnail())).toBeGreaterThan(3);
  }, 60_000);

  it('draws a Humanoid replay', async () => {
    await page.goto(`${viewer.url}#/play?a=${episodePath('Humanoid-v5')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'mujoco-humanoid.png') });
    expect(await drawnShare(page)).toBeGreaterThan(0.2);
    expect(await page.locator('[data-testid="readouts"]').innerText()).toMatch(/height\s+1\.\d\d/);
  }, 60_000);

  it('no page errors', () => {
    expect(errors).toEqual([]);
  });
});
