// The viewer's client in a real headless browser (Debian's Chromium driven by
// playwright-core; WebGL through SwiftShader): the experiments page draws its
// curves and final-return table; the player draws every shipped scene
// (CartPole, MountainCar, MountainCarContinuous, Pendulum, Acrobot,
// FrozenLake, CliffWalking), its picture changes while playing and stays put
// when paused, the speed control changes how fast the frame counter moves and
// the scrubber moves it; keys step exactly one frame; two episodes side by
// side advance together. No console or page errors in any test (each test fails on
// the errors it caused).
//
// One browser, one page and one server for the file. The client is bundled
// afresh into a temp folder first, so the test sees the current sources even
// without `npm run build`. Screenshots (one per scene, the curves, side by
// side) go to test/viewer/screenshots/, which git ignores.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Viewer } from '../../viewer/server.js';
import type { BrowserSession } from './browser-session.js';
import { SHOTS, animationFrames, describeInChromium, drawnShare, failOnPageErrors, openBrowserSession } from './browser-session.js';
import { writeFixtureStore, writeLongWalks } from './fixtures.js';

/** Per test: software WebGL on a busy CI machine is slow. */
const TIMEOUT = 60_000;
/** Hides the overlays (frame numbers, bars) in canvas screenshots, so a difference is the scene's own. */
const NO_OVERLAYS = '.hud { visibility: hidden !important; }';

const episode = (experiment: string, variant: string, seed: string, file: string) =>
  encodeURIComponent([experiment, variant, seed, file].map(encodeURIComponent).join('/'));
const CARTPOLE_LAST = episode('cartpole', 'ppo', 'seed-0', 'step-0000020000-0.json');
const CARTPOLE_FIRST = episode('cartpole', 'ppo', 'seed-0', 'step-0000000000-0.json');
const CARTPOLE_OTHER_SEED = episode('cartpole', 'ppo', 'seed-1', 'step-0000020000-0.json');
const MYSTERY = episode('gallery', 'mystery', 'seed-0', 'step-0000000000-0.json');

/**
 * Every shipped scene, on a recording of its env: what the overlay shows at
 * frame 0, how much of the canvas the scene covers at least, and checks of
 * its own (run on the paused player).
 */
const SCENES: readonly { name: string; ref: string; action: RegExp; drawn: number; check?: (page: Page) => Promise<void> }[] = [
  { name: 'cartpole', ref: CARTPOLE_LAST, action: /^push (left|right) \([01]\)$/, drawn: 0.02 },
  { name: 'mountaincar', ref: episode('gallery', 'mountaincar', 'seed-0', 'step-0000020000-0.json'), action: /^(push left \(0\)|no push \(1\)|push right \(2\))$/, drawn: 0.05 },
  { name: 'mountaincarcontinuous', ref: episode('gallery', 'mountaincarcontinuous', 'seed-0', 'step-0000020000-0.json'), action: /^force [+−]1\.00$/, drawn: 0.05 },
  { name: 'pendulum', ref: episode('gallery', 'pendulum', 'seed-0', 'step-0000020000-0.json'), action: /^torque [+−]2\.00 N·m$/, drawn: 0.02 },
  { name: 'acrobot', ref: episode('gallery', 'acrobot', 'seed-0', 'step-0000020000-0.json'), action: /^torque (−1|0|\+1) \([012]\)$/, drawn: 0.02 },
  {
    name: 'frozenlake',
    ref: episode('walks', 'frozen-lake', 'seed-0', 'step-0000000000-0.json'),
    action: /^right \(2\)$/,
    drawn: 0.05,
    check: async (page) => {
      expect(await page.locator('.hud-bar').count()).toBe(4);
      // The goal pays 1.
      await page.click('[data-testid="last"]');
      expect(await page.innerText('.hud-return')).toBe('1.00');
      expect(await page.innerText('.hud-action')).toBe('– (terminated)');
    },
  },
  {
    name: 'cliffwalking',
    ref: episode('walks', 'cliff', 'seed-0', 'step-0000000000-0.json'),
    action: /^right \(1\)$/,
    drawn: 0.05,
    check: async (page) => {
      // The first step walked into the cliff: -100 (frame 1's return includes its own step, -1); the walk ends at the goal after 25 more steps.
      await page.click('[data-testid="first"]');
      await page.click('[data-testid="step-forward"]');
      expect(await page.innerText('.hud-return')).toBe('-101.0');
      await page.click('[data-testid="last"]');
      expect(await page.innerText('.hud-return')).toBe('-125.0');
      expect(await page.innerText('.hud-action')).toBe('– (terminated)');
    },
  },
];

describeInChromium('viewer in a browser', () => {
  let session: BrowserSession;
  let viewer: Viewer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-viewer-browser-',
      viewport: { width: 1280, height: 900 },
      errors,
      writeRuns: (runs) => {
        writeFixtureStore(runs);
        writeLongWalks(runs);
      },
    });
    ({ viewer, page } = session);
  }, 60_000);

  afterAll(() => session?.close());
  failOnPageErrors(errors);

  async function open(hash: string): Promise<void> {
    await page.goto(`${viewer.url}${hash}`);
  }

  /** Opens the player and waits until its first frame is drawn. */
  async function openPlayer(query: string, panes = 1): Promise<void> {
    await open(`#/play?${query}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    await expect.poll(() => page.locator('canvas.stage-canvas').count()).toBe(panes);
    await nextFrames();
  }

  /** Resolves after two animation frames: whatever changed has been drawn. */
  const nextFrames = () => page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');

  const frame = async () => Number(await page.getAttribute('[data-testid="player"]', 'data-frame'));
  const playing = async () => (await page.getAttribute('[data-testid="player"]', 'data-playing')) === 'true';
  /** Pauses if playing (checked in the page: a click just after the episode ended would play it again). */
  const pause = () => page.evaluate(`document.querySelector('[data-testid="player"]').dataset.playing === 'true' && document.querySelector('[data-testid="play"]').click()`);
  const lastFrame = async () => Number(await page.getAttribute('[data-testid="scrubber"]', 'max'));

  /** The first pane's canvas as it shows on screen (a PNG), without the overlays. */
  async function canvasShot(): Promise<Buffer> {
    const clip = (await page.locator('canvas.stage-canvas').first().boundingBox())!;
    return page.screenshot({ clip, style: NO_OVERLAYS });
  }


  /**
   * Frames the counter moves in `ms` of playing from the first frame at
   * `speed` (chosen in the speed control). Timed inside the page, so the
   * window is the same at every speed however slow the test's round trips.
   */
  async function advance(speed: string, ms: number): Promise<number> {
    await page.selectOption('[data-testid="speed"]', speed);
    return (await page.evaluate(`(async () => {
      const player = document.querySelector('[data-testid="player"]');
      const play = document.querySelector('[data-testid="play"]');
      document.querySelector('[data-testid="first"]').click();
      const from = Number(player.dataset.frame);
      play.click();
      await new Promise((resolve) => setTimeout(resolve, ${ms}));
      const to = Number(player.dataset.frame);
      if (player.dataset.playing === 'true') play.click();
      return to - from;
    })()`)) as number;
  }

  it('experiments page: curves with bands and the final-return table', async () => {
    await open('#/experiment/cartpole');
    await page.waitForSelector('[data-testid="final-table"] tbody tr');
    await page.waitForSelector('[data-testid="curves"] .uplot canvas');
    expect(await page.locator('[data-testid="curves"] canvas').count()).toBeGreaterThan(0);
    const rows = await page.locator('[data-testid="final-table"] tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^ppo\s+ppo\s+3\/3\s+4\d\d\.\d \[/);
    expect(rows[1]).toMatch(/^random\s+random\s+3\/3/);
    const legend = await page.locator('[data-testid="curves"] .u-legend').innerText();
    expect(legend).toContain('ppo (3 seeds)');
    expect(legend).toContain('random (3 seeds)');
    expect(await page.locator('[data-testid="runs-table"] tbody tr').count()).toBe(6);
    // Single seeds on demand: three more (legend-hidden) series per variant.
    const series = () => page.locator('[data-testid="curves"] .u-legend tr.u-series').count();
    const before = await series();
    await page.check('[data-testid="show-seeds"]');
    await expect.poll(series).toBe(before + 6);
    // Hovering shows values in the legend.
    const box = (await page.locator('[data-testid="curves"] .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    await expect.poll(() => page.locator('[data-testid="curves"] .u-legend').innerText()).toMatch(/ppo \(3 seeds\)\s*\n?\s*4\d\d\.\d \[/);
    await page.screenshot({ path: join(SHOTS, 'curves.png'), fullPage: true });
  }, TIMEOUT);

  for (const scene of SCENES) {
    it(`${scene.name}: draws the scene, changes while playing and not when paused, speed and scrubber move the frame counter`, async () => {
      await openPlayer(`a=${scene.ref}`);
      expect(await drawnShare(page)).toBeGreaterThan(scene.drawn);
      expect(await frame()).toBe(0);
      expect(await page.innerText('.hud-action')).toMatch(scene.action);
      const last = await lastFrame();
      expect(last).toBeGreaterThan(20);

      // Playing: the picture changes.
      await page.click('[data-testid="play"]');
      const a = await canvasShot();
      const aFrame = await frame();
      await expect.poll(frame, { timeout: 5000 }).toBeGreaterThan(aFrame);
      await nextFrames();
      const b = await canvasShot();
      expect(a.equals(b)).toBe(false);

      // Paused: the counter and the picture stay put.
      await pause();
      expect(await playing()).toBe(false);
      const stopped = await frame();
      await nextFrames();
      const c = await canvasShot();
      await animationFrames(page, 15);
      const d = await canvasShot();
      expect(await frame()).toBe(stopped);
      expect(c.equals(d)).toBe(true);

      // The speed control: over the same time, 4x moves the counter several times further than 0.25x (16x, ideally).
      const slow = await advance('0.25', 400);
      const fast = await advance('4', 400);
      expect(fast).toBeGreaterThanOrEqual(3);
      expect(fast).toBeGreaterThan(3 * slow);

      // The scrubber: jumps to the frame, the overlay follows.
      const middle = Math.floor(last / 2);
      await page.locator('[data-testid="scrubber"]').fill(String(middle));
      expect(await frame()).toBe(middle);
      expect(await playing()).toBe(false);
      expect(await page.innerText('.hud-frame')).toBe(`${middle} / ${last}`);
      expect(await page.innerText('[data-testid="frame"]')).toBe(`${middle} / ${last}`);
      await nextFrames();
      await page.screenshot({ path: join(SHOTS, `scene-${scene.name}.png`) });
      await scene.check?.(page);
    }, TIMEOUT);
  }

  it('CartPole: keys step exactly one frame, the overlay shows action, return and the agent’s numbers', async () => {
    await openPlayer(`a=${CARTPOLE_LAST}`);
    expect(await page.innerText('.hud-return')).toBe('1.00');
    expect(await page.locator('.hud-bar').count()).toBe(2);
    expect(await page.locator('.hud-bar.chosen').count()).toBe(1);

    await page.keyboard.press('ArrowRight');
    expect(await frame()).toBe(1);
    await page.keyboard.press('ArrowRight');
    expect(await frame()).toBe(2);
    await page.keyboard.press('ArrowLeft');
    expect(await frame()).toBe(1);
    await page.click('[data-testid="step-forward"]');
    expect(await frame()).toBe(2);
    // The step button keeps focus; the arrow key must still move exactly one frame.
    await page.keyboard.press('ArrowRight');
    expect(await frame()).toBe(3);
    expect(await page.innerText('.hud-frame')).toBe('3 / 500');
    expect(await page.innerText('.hud-return')).toBe('4.00');

    // Space plays and pauses.
    await page.keyboard.press(' ');
    await expect.poll(frame, { timeout: 5000 }).toBeGreaterThan(10);
    await page.keyboard.press(' ');
    await expect.poll(playing).toBe(false);

    await page.locator('[data-testid="scrubber"]').fill('250');
    expect(await page.innerText('.hud-return')).toBe('251.0');
    await page.keyboard.press('End');
    expect(await frame()).toBe(500);
    expect(await page.innerText('.hud-action')).toContain('truncated');
    expect(await page.innerText('.hud-return')).toBe('500.0');

    await page.keyboard.press('+');
    expect(await page.inputValue('[data-testid="speed"]')).toBe('2');
    await page.keyboard.press('-');
    await page.keyboard.press('-');
    expect(await page.inputValue('[data-testid="speed"]')).toBe('0.5');
  }, TIMEOUT);

  it('an env without a scene falls back to the raw render state', async () => {
    await openPlayer(`a=${MYSTERY}`);
    expect(await drawnShare(page)).toBeGreaterThan(0.1);
    expect(await page.innerText('.hud-action')).toBe('0');
  }, TIMEOUT);

  it('side by side: two canvases that advance together', async () => {
    // Two 500-step episodes: after playing, both panes show the same frame.
    await openPlayer(`a=${CARTPOLE_LAST}&b=${CARTPOLE_OTHER_SEED}`, 2);
    expect(await page.locator('[data-testid="pane"]').count()).toBe(2);
    expect(await drawnShare(page, 0)).toBeGreaterThan(0.02);
    expect(await drawnShare(page, 1)).toBeGreaterThan(0.02);
    expect(await page.locator('.hud-frame').allInnerTexts()).toEqual(['0 / 500', '0 / 500']);
    await page.click('[data-testid="play"]');
    await expect.poll(frame, { timeout: 5000 }).toBeGreaterThan(20);
    await page.click('[data-testid="play"]');
    const f = await frame();
    expect(await page.locator('.hud-frame').allInnerTexts()).toEqual([`${f} / 500`, `${f} / 500`]);
    await nextFrames();
    await page.screenshot({ path: join(SHOTS, 'side-by-side.png') });

    // An episode that ended earlier stays on its last frame while the other goes on.
    await openPlayer(`a=${CARTPOLE_FIRST}&b=${CARTPOLE_LAST}`, 2);
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('.hud-frame').allInnerTexts()).toEqual(['1 / 18', '1 / 500']);
    await page.locator('[data-testid="scrubber"]').fill('60');
    expect(await page.locator('.hud-frame').allInnerTexts()).toEqual(['18 / 18', '60 / 500']);
  }, TIMEOUT);

  it("a run's page lists its episodes and jumps to the best one", async () => {
    await open('#/run/cartpole/ppo/seed-0');
    await page.waitForSelector('[data-testid="episodes-table"] tbody tr');
    expect(await page.locator('[data-testid="episodes-table"] tbody tr').count()).toBe(3);
    await page.click('[data-testid="first-vs-last"]');
    await page.waitForSelector('[data-testid="player"][data-frame]');
    await expect.poll(() => page.locator('canvas.stage-canvas').count()).toBe(2);
    await open('#/run/cartpole/ppo/seed-0');
    await page.click('[data-testid="jump-best"]');
    await page.waitForSelector('[data-testid="player"][data-frame]');
    expect(await page.innerText('.pane-title')).toContain('return 500.0 in 500 steps');
  }, TIMEOUT);
});
