// The viewer's client in a real headless browser (Debian's Chromium driven by
// playwright-core; WebGL through SwiftShader): the experiments page draws its
// curves and final-return table, the player draws each scene and its overlay,
// plays, steps exactly one frame per key press, jumps with the scrubber, and
// shows two episodes side by side. Screenshots go to /tmp/viewer-shots/.
//
// The client is bundled afresh into a temp folder first, so the test sees the
// current sources even without `npm run build`.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient } from '../../viewer/build.mjs';
import type { Viewer } from '../../viewer/server.js';
import { startViewer } from '../../viewer/server.js';
import { writeFixtureStore } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = '/tmp/viewer-shots';
/** The stage's clear colour (#eef2f6). */
const BACKGROUND = [0xee, 0xf2, 0xf6];
/** Per test: software WebGL on a busy CI machine is slow. */
const TIMEOUT = 60_000;

const episode = (experiment: string, variant: string, seed: string, file: string) =>
  encodeURIComponent([experiment, variant, seed, file].map(encodeURIComponent).join('/'));
const CARTPOLE_LAST = episode('cartpole', 'ppo', 'seed-0', 'step-0000020000-0.json');
const CARTPOLE_FIRST = episode('cartpole', 'ppo', 'seed-0', 'step-0000000000-0.json');
const LAKE = episode('toy-text', 'frozen-lake', 'seed-0', 'step-0000020000-0.json');
const CLIFF = episode('toy-text', 'cliff', 'seed-0', 'step-0000000000-0.json');
const MYSTERY = episode('gallery', 'mystery', 'seed-0', 'step-0000000000-0.json');

if (!existsSync(CHROMIUM)) {
  describe('viewer in a browser', () => {
    it('needs Chromium', () => {
      throw new Error(`${CHROMIUM} is missing: the viewer's browser tests cannot run. Install it (apt-get install -y chromium); CI must.`);
    });
  });
} else {
  describe('viewer in a browser', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'arena-viewer-browser-'));
    let viewer: Viewer;
    let browser: Browser;
    let page: Page;
    const errors: string[] = [];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      writeFixtureStore(join(tmp, 'runs'));
      const clientDir = await buildClient({ outDir: join(tmp, 'client') });
      viewer = await startViewer({ root: join(tmp, 'runs'), port: 0, clientDir });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await viewer?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    async function open(hash: string): Promise<void> {
      await page.goto(`${viewer.url}${hash}`);
    }

    /** Opens the player and waits until its first frame is drawn. */
    async function openPlayer(query: string, panes = 1): Promise<void> {
      await open(`#/play?${query}`);
      await page.waitForSelector('[data-testid="player"][data-frame]');
      await expect.poll(() => page.locator('canvas.stage-canvas').count()).toBe(panes);
      await page.waitForTimeout(300);
    }

    const frame = async () => Number(await page.getAttribute('[data-testid="player"]', 'data-frame'));

    /**
     * Share of a WebGL canvas's pixels that differ clearly from the background
     * (the stage keeps its drawing buffer, so a 2D copy reads the last frame).
     * Written as a string because it runs in the page: the tests' tsconfig has no DOM types.
     */
    async function drawnShare(index = 0): Promise<number> {
      const [r, g, b] = BACKGROUND;
      const share = await page.evaluate(`(() => {
        const source = document.querySelectorAll('canvas.stage-canvas')[${index}];
        const copy = document.createElement('canvas');
        copy.width = source.width;
        copy.height = source.height;
        const ctx = copy.getContext('2d');
        ctx.drawImage(source, 0, 0);
        const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
        let drawn = 0;
        for (let p = 0; p < data.length; p += 4) {
          if (Math.abs(data[p] - ${r}) + Math.abs(data[p + 1] - ${g}) + Math.abs(data[p + 2] - ${b}) > 40) drawn++;
        }
        return drawn / (data.length / 4);
      })()`);
      return share as number;
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

    it('CartPole replay: draws the scene, plays, steps one frame per key, scrubs, shows action and return', async () => {
      await openPlayer(`a=${CARTPOLE_LAST}`);
      expect(await drawnShare()).toBeGreaterThan(0.02);
      expect(await frame()).toBe(0);
      expect(await page.innerText('.hud-action')).toMatch(/^push (left|right) \([01]\)$/);
      expect(await page.innerText('.hud-return')).toBe('1.00');
      expect(await page.locator('.hud-bar').count()).toBe(2);

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

      await page.click('[data-testid="play"]');
      await expect.poll(frame, { timeout: 5000 }).toBeGreaterThan(10);
      await page.keyboard.press(' ');
      await expect.poll(() => page.getAttribute('[data-testid="player"]', 'data-playing')).toBe('false');
      const stopped = await frame();
      await page.waitForTimeout(300);
      expect(await frame()).toBe(stopped);

      await page.locator('[data-testid="scrubber"]').fill('250');
      expect(await frame()).toBe(250);
      expect(await page.innerText('.hud-frame')).toBe('250 / 500');
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

      await page.locator('[data-testid="scrubber"]').fill('120');
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SHOTS, 'player-cartpole.png') });
    }, TIMEOUT);

    it('FrozenLake and CliffWalking replays draw their boards', async () => {
      await openPlayer(`a=${LAKE}`);
      expect(await drawnShare()).toBeGreaterThan(0.05);
      expect(await page.innerText('.hud-action')).toBe('right (2)');
      await page.keyboard.press('End');
      expect(await page.innerText('.hud-return')).toBe('1.00');
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SHOTS, 'player-frozenlake.png') });

      await openPlayer(`a=${CLIFF}`);
      expect(await drawnShare()).toBeGreaterThan(0.05);
      expect(await page.innerText('.hud-action')).toBe('right (1)');
      await page.keyboard.press('ArrowRight');
      // The first step walked into the cliff.
      expect(await page.innerText('.hud-return')).toBe('-101.0');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SHOTS, 'player-cliffwalking.png') });
    }, TIMEOUT);

    it('an env without a scene falls back to the raw render state', async () => {
      await openPlayer(`a=${MYSTERY}`);
      expect(await drawnShare()).toBeGreaterThan(0.1);
      expect(await page.innerText('.hud-action')).toBe('0');
    }, TIMEOUT);

    it('side by side: two canvases playing in sync', async () => {
      await openPlayer(`a=${CARTPOLE_FIRST}&b=${CARTPOLE_LAST}`, 2);
      expect(await page.locator('[data-testid="pane"]').count()).toBe(2);
      expect(await drawnShare(0)).toBeGreaterThan(0.02);
      expect(await drawnShare(1)).toBeGreaterThan(0.02);
      await page.keyboard.press('ArrowRight');
      expect(await page.locator('.hud-frame').allInnerTexts()).toEqual(['1 / 18', '1 / 500']);
      await page.locator('[data-testid="scrubber"]').fill('60');
      // The first episode ended at 18 steps: it stays on its last frame while the other goes on.
      expect(await page.locator('.hud-frame').allInnerTexts()).toEqual(['18 / 18', '60 / 500']);
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SHOTS, 'player-side-by-side.png') });
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

    it('no page errors', () => {
      expect(errors).toEqual([]);
    });
  });
}
