// Play live in a real headless browser (Debian's Chromium, WebGL through
// SwiftShader): the checked-in CartPole PPO run (test/fixtures/live-cartpole,
// trained with the ppo-cartpole recipe, seed 0, 100k steps; see its README)
// opens from its run page, its policy balances the pole in the browser for
// the whole 500 steps, and holding the left arrow takes over (the overlay
// says who acts), pushes left every step and drops the pole long before 500;
// `p` hands back to the policy. A CarRacing run with a (small, untrained) CNN
// policy drives on pixels in the browser, and the arrows steer, accelerate and
// brake. Value iteration's table plays FrozenLake. A MuJoCo run gets the server's reason instead of a page. No page or
// console errors.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import '../../agents/index.js';
import { createAgent } from '../../agents/agent.js';
import { make } from '../../core/registry.js';
import '../../envs/index.js';
import { saveCheckpoint } from '../../experiments/checkpoint.js';
import type { BrowserSession } from './browser-session.js';
import { SHOTS, animationFrames, describeInChromium, drawnShare, failOnPageErrors, openBrowserSession, stagePixelsScript } from './browser-session.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'live-cartpole');
const TIMEOUT = 120_000;
const record = JSON.parse(readFileSync(join(FIXTURE, 'ppo', 'seed-0', 'run.json'), 'utf8')) as { spec: Record<string, unknown> };
const TINY_CNN = { policy: 'cnn', cnnFilters: [8, 16], cnnKernels: [8, 4], cnnStrides: [4, 2], cnnDense: 64 };

/** The live page's numbers (the page keeps them in data attributes). */
async function live(page: Page): Promise<{ steps: number; done: boolean; actor: string; action: string; playing: boolean }> {
  const d = (await page.evaluate(`({ ...document.querySelector('[data-testid="live"]').dataset })`)) as Record<string, string>;
  return { steps: Number(d['steps']), done: d['done'] === 'true', actor: d['actor']!, action: d['action'] ?? '', playing: d['playing'] === 'true' };
}

/** A checksum of the stage canvas's pixels. */
async function pixelChecksum(page: Page): Promise<number> {
  return (await page.evaluate(`(() => {${stagePixelsScript()}
    let sum = 0;
    for (let p = 0; p < data.length; p++) sum = (sum * 31 + data[p]) % 1000000007;
    return sum;
  })()`)) as number;
}

describeInChromium('play live in a browser', () => {
  let session: BrowserSession;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-live-browser-',
      viewport: { width: 1100, height: 760 },
      errors,
      writeRuns: (runs) => {
        cpSync(FIXTURE, join(runs, 'live-cartpole'), { recursive: true });
        // A MuJoCo run (run.json only): the page shows why it cannot play. A CarRacing run: its checkpoint is written below.
        for (const [variant, id] of [['hopper', 'Hopper-v5'], ['car', 'CarRacing-v3'], ['lake', 'FrozenLake-v1']]) {
          const dir = join(runs, 'live-cartpole', variant!, 'seed-0');
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...record, spec: { ...record.spec, variant, env: { id, kwargs: {}, wrappers: [] } } }));
        }
      },
    });
    // PPO's CNN policy on CarRacing's 96x96 pixels, as initialized (a trained one acts the same way, just better).
    const env = make('CarRacing-v3');
    const agent = await createAgent('ppo', TINY_CNN, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 3, backend: 'wasm' });
    await saveCheckpoint(join(session.viewer.root, 'live-cartpole', 'car', 'seed-0'), (dir) => agent.save(dir), { step: 0 });
    agent.dispose();
    // Value iteration's planned table on FrozenLake.
    const lake = make('FrozenLake-v1');
    const planner = await createAgent('value-iteration', {}, { observationSpace: lake.observationSpace, actionSpace: lake.actionSpace, seed: 1 });
    await planner.learn({ env: lake, totalSteps: 1 });
    await saveCheckpoint(join(session.viewer.root, 'live-cartpole', 'lake', 'seed-0'), (dir) => planner.save(dir), { step: 1 });
    planner.dispose();
    page = session.page;
  }, TIMEOUT);
  afterAll(() => session?.close(), TIMEOUT);
  failOnPageErrors(errors);

  it('the run page opens play live, and the policy balances CartPole for 500 steps', async () => {
    await page.goto(`${session.viewer.url}#/run/live-cartpole/ppo/seed-0`);
    await page.click('[data-testid="play-live"]');
    await page.waitForSelector('[data-testid="live"][data-steps]');
    expect((await live(page)).actor).toBe('policy');
    expect(await page.innerText('[data-testid="actor"]')).toBe('policy');
    // As fast as the page goes; reset seed 0 (the address's default), whose 500 steps the Node test also plays.
    await page.selectOption('[data-testid="speed"]', '1000');
    await page.waitForFunction(`document.querySelector('[data-testid="live"]').dataset.done === 'true'`, undefined, { timeout: 90_000 });
    const end = await live(page);
    expect(end.steps).toBe(500);
    expect(await page.innerText('[data-testid="end"]')).toMatch(/^episode over \(truncated\): return 500(\.0+)? in 500 steps/);
    expect(await page.innerText('[data-testid="return"]')).toMatch(/^500(\.0+)?$/);
    expect(await drawnShare(page)).toBeGreaterThan(0.01);
    await page.screenshot({ path: join(SHOTS, 'live-cartpole.png') });
  }, TIMEOUT);

  it('holding the left arrow takes over and drops the pole; p hands back to the policy', async () => {
    await page.selectOption('[data-testid="speed"]', '50');
    // A new episode from the same seed, which the policy balances for 500 steps; the left arrow goes down at once.
    await page.click('[data-testid="reset"]');
    await page.keyboard.down('ArrowLeft');
    await page.waitForFunction(`document.querySelector('[data-testid="live"]').dataset.actor === 'human'`);
    expect(await page.innerText('[data-testid="actor"]')).toBe('you (keyboard)');
    await page.waitForFunction(`document.querySelector('[data-testid="live"]').dataset.done === 'true'`, undefined, { timeout: 60_000 });
    await page.keyboard.up('ArrowLeft');
    const fell = await live(page);
    // Pushing one way tips the pole past 12 degrees within a few dozen steps.
    expect(fell.steps).toBeLessThan(100);
    expect(fell.action).toBe('0');
    expect(await page.innerText('[data-testid="end"]')).toMatch(/^episode over \(terminated\)/);
    await page.keyboard.press('p');
    expect((await live(page)).actor).toBe('policy');
    // Back with the policy, the next episode from the same seed lasts the 500 steps again.
    await page.selectOption('[data-testid="speed"]', '1000');
    // Keys go to the page, not the speed list just used.
    await page.evaluate(`document.activeElement.blur()`);
    await page.keyboard.press('r');
    await page.waitForFunction(`document.querySelector('[data-testid="live"]').dataset.done === 'true'`, undefined, { timeout: 90_000 });
    const again = await live(page);
    expect(again.steps).toBe(500);
    expect(again.actor).toBe('policy');
  }, TIMEOUT);

  it('CarRacing drives on its pixels policy, and the arrows steer, accelerate and brake', async () => {
    await page.goto(`${session.viewer.url}#/live/live-cartpole/car/seed-0`);
    await page.waitForSelector('[data-testid="live"][data-steps]');
    await page.waitForFunction(`Number(document.querySelector('[data-testid="live"]').dataset.steps) >= 10`, undefined, { timeout: 60_000 });
    expect((await live(page)).actor).toBe('policy');
    expect(await page.locator('[data-testid="readouts"] .hud-readout').count()).toBeGreaterThan(0);
    const held = async (keys: string[], action: string): Promise<void> => {
      for (const k of keys) await page.keyboard.down(k);
      await page.waitForFunction(`document.querySelector('[data-testid="live"]').dataset.action === '${action}'`, undefined, { timeout: 30_000 });
      for (const k of keys) await page.keyboard.up(k);
    };
    // [steer, gas, brake]
    await held(['ArrowUp'], '0.000,1.000,0.000');
    expect((await live(page)).actor).toBe('human');
    await held(['ArrowLeft', 'ArrowUp'], '-1.000,1.000,0.000');
    await held(['ArrowRight'], '1.000,0.000,0.000');
    await held(['ArrowDown'], '0.000,0.000,0.800');
    // The car drives in the scene too: seen from the top camera (which follows it), the picture changes under gas.
    await page.selectOption('[data-testid="camera"]', 'top');
    await page.evaluate(`document.activeElement.blur()`);
    await page.keyboard.press('.');
    await animationFrames(page, 3);
    const before = await pixelChecksum(page);
    const from = (await live(page)).steps;
    await page.keyboard.press(' ');
    await page.keyboard.down('ArrowUp');
    await page.waitForFunction(`Number(document.querySelector('[data-testid="live"]').dataset.steps) >= ${from + 40}`, undefined, { timeout: 60_000 });
    await page.keyboard.up('ArrowUp');
    await page.keyboard.press(' ');
    await animationFrames(page, 3);
    expect(await pixelChecksum(page)).not.toBe(before);
    expect(Number(/^speed\s+([\d.]+)/m.exec(await page.innerText('[data-testid="readouts"]'))?.[1])).toBeGreaterThan(1);
    await page.screenshot({ path: join(SHOTS, 'live-car-racing.png') });
    await page.keyboard.press('p');
    expect((await live(page)).actor).toBe('policy');
    // A CNN forward pass per step and software WebGL: slow on a loaded machine.
  }, 2 * TIMEOUT);

  it('a tabular agent plays FrozenLake from its table, with its Q-values and values in the overlay', async () => {
    await page.goto(`${session.viewer.url}#/live/live-cartpole/lake/seed-0?speed=1000`);
    await page.waitForFunction(`document.querySelector('[data-testid="live"]')?.dataset.done === 'true'`, undefined, { timeout: 90_000 });
    const end = await live(page);
    expect(end.steps).toBeGreaterThan(0);
    expect(await page.innerText('[data-testid="end"]')).toMatch(/^episode over \((terminated|truncated)\): return [01](\.0+)? in \d+ steps/);
    expect(await page.locator('.hud-bar').count()).toBe(4);
    expect(await page.innerText('.hud-diag')).toMatch(/value \d/);
    expect(await page.innerText('[data-testid="keys"]')).toMatch(/FrozenLake-v1 has no keyboard control here/);
    expect(await drawnShare(page)).toBeGreaterThan(0.02);
    await page.screenshot({ path: join(SHOTS, 'live-frozen-lake.png') });
  }, TIMEOUT);

  it('a MuJoCo run says why it cannot play live', async () => {
    await page.goto(`${session.viewer.url}#/live/live-cartpole/hopper/seed-0`);
    await page.waitForSelector('.notice.error');
    expect(await page.innerText('.notice.error')).toMatch(/cannot play this run live: Hopper-v5 runs on MuJoCo, whose WebAssembly physics the viewer does not load in the browser/);
    // The failed fetch's 422 is a console error of Chromium's own; the page itself raised none.
    const own = errors.splice(0).filter((e) => !/Failed to load resource: the server responded with a status of 422/.test(e));
    expect(own).toEqual([]);
  }, TIMEOUT);
});
