// The viewer's training-metric side in a real headless browser (Debian's
// Chromium driven by playwright-core, WebGL through SwiftShader): update
// metrics drawn as lines although the file has them at every other line (as
// PPO used to write), the metrics to debug learning picked by default and any
// other on demand, with smoothing and a log scale kept in the address; the
// symlog scale; a run page that follows a live run; the mean over fewer seeds
// marked, with the seeds per point in the legend; hyperparameters as tables
// (the differences between variants highlighted) that never widen the page;
// the critic value joined across a board game's moves; overlays that fit their
// pane and can be hidden, titles of two panes not cut; Q-value bars from 0;
// errors that say what is wrong (an unknown experiment, a server that has
// gone) and the live dot on every page; variants of two experiments overlaid
// on one chart; runs filtered by status. No console or page errors in any test
// but the expected failed fetches. Screenshots of the run pages (PPO, DQN), the
// experiment page and the overlay go to test/viewer/screenshots/ (git-ignored).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../core/episode.js';
import type { MatchRecord } from '../../core/match-record.js';
import type { MetricsLine, RunRecord } from '../../experiments/types.js';
import type { Viewer } from '../../viewer/server.js';
import type { BrowserSession } from './browser-session.js';
import { SHOTS, animationFrames, describeInChromium, failOnPageErrors, openBrowserSession } from './browser-session.js';
import { gameRecords, playEpisode, writeFixtureRun, writeFixtureStore, writeGameFixtures } from './fixtures.js';

const TIMEOUT = 60_000;
const episode = (experiment: string, variant: string, seed: string, file: string) =>
  encodeURIComponent([experiment, variant, seed, file].map(encodeURIComponent).join('/'));

/** PPO's update metrics, more than the 8 charts the page once kept (alphabetically: approxKl ... learningRate, never policyLoss). */
const PPO_KEYS = ['approxKl', 'clipFraction', 'clipRange', 'entropy', 'epochs', 'explainedVariance', 'gradNorm', 'learningRate', 'policyLoss', 'valueLoss'];

let runsDir = '';

/**
 * curves-fixtures:
 *   metrics/ppo/seed-0     update lines alternating `"metrics":{}` with full ones (PPO logging twice a rollout, as it did),
 *                          and long hyperparameters
 *   metrics/dqn/seed-0     DQN's keys (loss, epsilon, meanQ, ...) at every update line
 *   uneven/{a,b}/seed-0..2 seed 2 of each still running at half the budget: the mean over fewer seeds after it
 *   live/ppo/seed-0        running; the test appends episode lines while the page is open
 *   games2/tic-tac-toe     a board game whose learner (player_0) has a critic value on its own moves only
 *   qvalues/dqn/seed-0     a CartPole episode with Q-values 76.49 and 76.51
 */
function writeCurveFixtures(runs: string): void {
  runsDir = runs;
  writeFixtureStore(runs);
  writeGameFixtures(runs);
  const ppo = writeFixtureRun(runs, { experiment: 'metrics', variant: 'ppo', seed: 0, env: 'CartPole-v1', curve: (t) => Math.min(500, t / 40), episodes: [] });
  const lines: MetricsLine[] = [];
  for (let i = 0; i < 120; i++) {
    const step = (i + 1) * 500;
    lines.push({ type: 'episode', step, time: step / 1000, episode: i, return: Math.min(500, step / 40), length: 100, truncated: false });
    const metrics: Record<string, number> = {};
    if (i % 2 === 1) for (const [k, key] of PPO_KEYS.entries()) metrics[key] = key === 'policyLoss' ? -0.01 - 0.02 * Math.sin(i / 10) : (k + 1) * (1 + Math.cos(i / 15));
    lines.push({ type: 'update', step, time: step / 1000, fps: 2000 + i, metrics });
  }
  writeFileSync(join(ppo, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  const hp: Record<string, unknown> = { nSteps: 32, batchSize: 128, nEpochs: 5, learningRate: 0.001, lrSchedule: 'linear', clipRange: 0.2, clipSchedule: 'linear', gamma: 0.98, gaeLambda: 0.8, entCoef: 0, hidden: [256, 256, 256, 256], activation: 'tanh', normalizeAdvantages: true, vfCoef: 0.5, maxGradNorm: 0.5, targetKl: 0.015 };
  setSpec(ppo, (s) => ({ ...s, hyperparameters: hp }));

  const dqn = writeFixtureRun(runs, { experiment: 'metrics', variant: 'dqn', seed: 0, env: 'CartPole-v1', curve: (t) => Math.min(500, t / 60), episodes: [] });
  const dqnLines: MetricsLine[] = [];
  for (let i = 0; i < 100; i++) {
    const step = (i + 1) * 300;
    dqnLines.push({ type: 'episode', step, time: step / 1000, episode: i, return: Math.min(500, step / 60), length: 100, truncated: false });
    dqnLines.push({ type: 'update', step, time: step / 1000, fps: 900, metrics: { loss: 1 / (1 + i), gradNorm: 2 + Math.sin(i), epsilon: Math.max(0.04, 1 - i / 30), updates: i * 16, meanQ: 20 + i / 2 } });
  }
  writeFileSync(join(dqn, 'metrics.jsonl'), dqnLines.map((l) => JSON.stringify(l) + '\n').join(''));
  setSpec(dqn, (s) => ({ ...s, algorithm: 'dqn', hyperparameters: { learningRate: 0.0023, batchSize: 64, gamma: 0.98, nSteps: 32 } }));

  for (const variant of ['a', 'b']) {
    for (const seed of [0, 1, 2]) {
      writeFixtureRun(runs, {
        experiment: 'uneven',
        variant,
        seed,
        env: 'CartPole-v1',
        status: seed === 2 ? 'running' : 'finished',
        curve: (t, rng) => (variant === 'a' ? 1 : 0.6) * Math.min(500, t / 30 + 40 * seed + 10 * rng.random()),
        episodes: [],
      });
    }
  }
  writeFixtureRun(runs, { experiment: 'live', variant: 'ppo', seed: 0, env: 'CartPole-v1', status: 'running', curve: (t) => t / 100, episodes: [], trainingEpisodes: 20 });

  // Tic-tac-toe with a critic value on the learner's own moves only (frames where player_1 moves have none).
  const ttt = gameRecords().find((g) => g.variant === 'tic-tac-toe')!;
  const record: MatchRecord = {
    ...ttt.record,
    frames: ttt.record.frames.map((f, i) => {
      const mine = f.agentOverlays?.player_0;
      const { agentOverlays: _dropped, ...rest } = f;
      return mine && f.actor === 'player_0' ? { ...rest, agentOverlays: { player_0: { ...mine, value: 0.1 * i - 0.2 } } } : rest;
    }),
  };
  writeFixtureRun(runs, { experiment: 'games2', variant: 'tic-tac-toe', seed: 0, env: ttt.env, kwargs: ttt.kwargs, curve: () => 0, episodes: [{ step: 20_000, record: record as unknown as EpisodeRecord }] });

  const played = playEpisode('CartPole-v1', {}, 7, 1, { variant: 'dqn', runSeed: 0, step: 0 });
  const q: EpisodeRecord = { ...played, frames: played.frames.map((f) => (f.action === undefined ? f : { ...f, overlays: { qValues: [76.49, 76.51] } })) };
  writeFixtureRun(runs, { experiment: 'qvalues', variant: 'dqn', seed: 0, env: 'CartPole-v1', curve: () => 0, episodes: [{ step: 0, record: q }] });
}

function setSpec(dir: string, change: (s: RunRecord['spec']) => RunRecord['spec']): void {
  const path = join(dir, 'run.json');
  const r = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  writeFileSync(path, JSON.stringify({ ...r, spec: change(r.spec) }, null, 2) + '\n');
}

/**
 * In-page: the share of the columns of the plot area of the uPlot chart in `selector` (its canvas) that hold a clearly
 * coloured pixel (a curve, antialiased: partly transparent, but not the grey grid or black axes).
 */
async function curveColumns(page: Page, selector: string): Promise<number> {
  return (await page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)} + ' canvas');
    const over = document.querySelector(${JSON.stringify(selector)} + ' .u-over');
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const c = canvas.getBoundingClientRect(), o = over.getBoundingClientRect();
    const x0 = Math.round((o.left - c.left) * scale), y0 = Math.round((o.top - c.top) * scale);
    const w = Math.round(o.width * scale), hgt = Math.round(o.height * scale);
    const data = canvas.getContext('2d').getImageData(x0, y0, w, hgt).data;
    let columns = 0;
    for (let x = 0; x < w; x++) {
      for (let y = 0; y < hgt; y++) {
        const p = 4 * (y * w + x);
        if (data[p + 3] > 80 && Math.max(data[p], data[p + 1], data[p + 2]) - Math.min(data[p], data[p + 1], data[p + 2]) > 60) { columns++; break; }
      }
    }
    return columns / w;
  })()`)) as number;
}

describeInChromium('viewer: training metrics and curves', () => {
  let session: BrowserSession;
  let viewer: Viewer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({ prefix: 'arena-viewer-curves-', viewport: { width: 1280, height: 900 }, errors, writeRuns: writeCurveFixtures });
    ({ viewer, page } = session);
  }, 90_000);

  afterAll(() => session?.close());
  failOnPageErrors(errors);

  const open = (hash: string) => page.goto(`${viewer.url}${hash}`);
  const chartsShown = () => page.locator('[data-testid="metric-charts"] [data-metric]').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')));

  it('run page: update metrics logged at every other line are drawn as lines, the ones to debug learning first', async () => {
    await open('#/run/metrics/ppo/seed-0');
    await page.waitForSelector('[data-metric="policyLoss"] canvas');
    const shown = await chartsShown();
    expect(shown).toEqual(['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction', 'explainedVariance', 'gradNorm', 'fps']);
    // The line runs across the whole x range, not isolated points between nulls.
    for (const k of ['policyLoss', 'valueLoss', 'entropy']) expect(await curveColumns(page, `[data-metric="${k}"]`), k).toBeGreaterThan(0.9);
    // Every key is offered.
    const offered = await page.locator('[data-testid="metric-picker"] input').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(offered).toEqual([...PPO_KEYS, 'fps']);
    // Hyperparameters as a table that wraps: the page is no wider than the window.
    expect(await page.locator('[data-testid="hyperparameters"] tr').count()).toBe(16);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: join(SHOTS, 'run-ppo.png'), fullPage: true });
  }, TIMEOUT);

  it('run page: picking metrics, smoothing and a log scale, kept in the address', async () => {
    await open('#/run/metrics/ppo/seed-0');
    await page.waitForSelector('[data-metric="policyLoss"] canvas');
    await page.locator('[data-testid="metric-picker"] input[value="clipRange"]').check();
    await page.locator('[data-testid="metric-picker"] input[value="fps"]').uncheck();
    await page.selectOption('[data-testid="metric-smoothing"]', '0.9');
    await page.check('[data-testid="metric-log"]');
    await expect.poll(chartsShown).toContain('clipRange');
    expect(await chartsShown()).not.toContain('fps');
    const url = page.url();
    expect(url).toContain('smoothing=0.9');
    expect(url).toContain('log=1');
    // A fresh page from the address shows the same.
    await open('#/');
    await page.goto(url);
    await page.waitForSelector('[data-metric="clipRange"] canvas');
    // Once picked by hand, in the order the keys are listed.
    expect(await chartsShown()).toEqual(['approxKl', 'clipFraction', 'clipRange', 'entropy', 'explainedVariance', 'gradNorm', 'policyLoss', 'valueLoss']);
    expect(await page.inputValue('[data-testid="metric-smoothing"]')).toBe('0.9');
    expect(await page.isChecked('[data-testid="metric-log"]')).toBe(true);
    expect(await page.innerText('[data-metric="policyLoss"] .u-legend')).toContain('policyLoss (EMA 0.9)');
    expect(await curveColumns(page, '[data-metric="policyLoss"]')).toBeGreaterThan(0.9);
  }, TIMEOUT);

  it("run page of a DQN run: loss, epsilon and Q estimates by default; no page errors", async () => {
    await open('#/run/metrics/dqn/seed-0');
    await page.waitForSelector('[data-metric="loss"] canvas');
    expect(await chartsShown()).toEqual(['loss', 'epsilon', 'meanQ', 'gradNorm', 'fps']);
    expect(await curveColumns(page, '[data-metric="meanQ"]')).toBeGreaterThan(0.9);
    await page.screenshot({ path: join(SHOTS, 'run-dqn.png'), fullPage: true });
  }, TIMEOUT);

  it('experiment page: the symlog scale draws the curves', async () => {
    await open('#/experiment/cartpole');
    await page.waitForSelector('[data-testid="curves"] .uplot canvas');
    await page.selectOption('select:has(option[value="log"])', 'log');
    await expect.poll(() => page.url()).toContain('y=log');
    await page.waitForSelector('[data-testid="curves"] .uplot canvas');
    // Drawn on the new scale (two animation frames); page errors of the redraw fail the test (failOnPageErrors).
    await animationFrames(page, 2);
    expect(await curveColumns(page, '[data-testid="curves"]')).toBeGreaterThan(0.9);
  }, TIMEOUT);

  it('run page: follows a live run (the episode count grows while the run writes)', async () => {
    await open('#/run/live/ppo/seed-0');
    const section = page.locator('section', { hasText: 'Training episode return' });
    const count = async () => Number(/([\d,]+) episodes/.exec(await section.innerText())?.[1]?.replace(/,/g, '') ?? 0);
    await expect.poll(count).toBe(20);
    const file = join(runsDir, 'live', 'ppo', 'seed-0', 'metrics.jsonl');
    const seen = new Set<number>();
    // Lines every 150 ms for 7 s: the server announces the file every second, more often than a debounce of 1.5 s allows.
    for (let i = 0; i < 47; i++) {
      appendFileSync(file, JSON.stringify({ type: 'episode', step: 20_000 + i, time: 30 + i, episode: 20 + i, return: i, length: 9, truncated: false }) + '\n');
      await page.waitForTimeout(150);
      seen.add(await count());
    }
    // Seen growing at least three times while it was being written, not only once it stopped.
    expect([...seen].filter((n) => n > 20 && n < 67).length).toBeGreaterThanOrEqual(3);
    await expect.poll(count, { timeout: 10_000 }).toBe(67);
  }, TIMEOUT);

  it('experiment page: where seeds have ended the mean is dashed, and the legend says how many seeds each point averages', async () => {
    await open('#/experiment/uneven');
    await page.waitForSelector('[data-testid="curves"] .uplot canvas');
    expect(await page.innerText('[data-testid="band-note"]')).toContain('Dashed: the mean over fewer seeds');
    const box = (await page.locator('[data-testid="curves"] .u-over').boundingBox())!;
    const legendAt = async (share: number) => {
      await page.mouse.move(box.x + box.width * share, box.y + box.height / 2);
      return page.locator('[data-testid="curves"] .u-legend').innerText();
    };
    // Seed 2 of each variant stops at 10,000 of 20,000 steps.
    await expect.poll(() => legendAt(0.25)).toMatch(/a \(3 seeds\)\s*\n?\s*[\d.,]+ \[[\d.,]+, [\d.,]+\] · 3\/3 seeds/);
    await expect.poll(() => legendAt(0.9)).toMatch(/a \(3 seeds\)\s*\n?\s*[\d.,]+ · 2\/3 seeds/);
    // Hyperparameters side by side; here the variants do not differ. (The table may render after the curves.)
    await page.waitForSelector('[data-testid="hp-table"] tbody tr');
    expect(await page.locator('[data-testid="hp-table"] tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('[data-testid="hp-table"] tr.differs').count()).toBe(0);
  }, TIMEOUT);

  it('experiment page: the hyperparameter table highlights what differs; AUC is explained; the figure and table download', async () => {
    await open('#/experiment/metrics');
    await page.waitForSelector('[data-testid="hp-table"] tbody tr');
    const differs = await page.locator('[data-testid="hp-table"] tr.differs th').allInnerTexts();
    // dqn and ppo differ in the algorithm and most hyperparameters, not in gamma (0.98) or nSteps (32).
    expect(differs).toContain('algorithm');
    expect(differs).toContain('learningRate');
    expect(differs).not.toContain('gamma');
    expect(differs).not.toContain('nSteps');
    expect(await page.innerText('[data-testid="final-note"]')).toMatch(/AUC: the area under each seed's evaluation curve/);
    const hrefs = await page.locator('[data-testid="downloads"] a').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    expect(hrefs).toEqual(['curves.svg', 'curves.png', 'table.csv', 'comparison.json'].map((f) => `/api/experiments/metrics/${f}?x=steps&smoothing=1`));
    const svg = await page.evaluate(`fetch(${JSON.stringify(hrefs[0])}).then((r) => r.text())`);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('ppo');
    await page.screenshot({ path: join(SHOTS, 'experiment-hyperparameters.png'), fullPage: true });
  }, TIMEOUT);

  it('overlay: variants of two experiments on one chart, picked by checkboxes kept in the address; runs filtered by status', async () => {
    await open('#/');
    await page.waitForSelector('input[value="uneven"]');
    await page.check('input[value="cartpole"]');
    await page.check('input[value="uneven"]');
    await page.click('[data-testid="overlay-picked"]');
    await page.waitForSelector('[data-testid="overlay-curves"] .uplot canvas');
    const legend = await page.innerText('[data-testid="overlay-curves"] .u-legend');
    for (const v of ['cartpole/ppo (3 seeds)', 'cartpole/random (3 seeds)', 'uneven/a (3 seeds)', 'uneven/b (3 seeds)']) expect(legend).toContain(v);
    await page.uncheck('[data-testid="overlay-picker"] input[value="cartpole/random"]');
    await expect.poll(() => page.innerText('[data-testid="overlay-curves"] .u-legend')).not.toContain('cartpole/random');
    expect(decodeURIComponent(page.url())).toContain('hide=cartpole/random');
    expect(await curveColumns(page, '[data-testid="overlay-curves"]')).toBeGreaterThan(0.9);
    // Single seeds: three more (legend-hidden) series for each of the three variants shown.
    const series = () => page.locator('[data-testid="overlay-curves"] .u-legend tr.u-series').count();
    const before = await series();
    await page.check('[data-testid="overlay-seeds"]');
    await expect.poll(series).toBe(before + 9);
    expect(page.url()).toContain('seeds=1');
    await page.screenshot({ path: join(SHOTS, 'overlay-two-experiments.png'), fullPage: true });
    // From an experiment's page too.
    await open('#/experiment/uneven');
    await page.waitForSelector('[data-testid="overlay-with"] option[value="cartpole"]', { state: 'attached' });
    await page.selectOption('[data-testid="overlay-with"]', 'cartpole');
    await page.waitForSelector('[data-testid="overlay-curves"] .uplot canvas');
    expect(page.url()).toContain('experiments=uneven,cartpole');
    // Runs by status.
    await open('#/experiment/uneven');
    await page.waitForSelector('[data-testid="runs-table"] tbody tr');
    expect(await page.locator('[data-testid="runs-table"] tbody tr').count()).toBe(6);
    await page.selectOption('[data-testid="status-filter"]', 'running');
    expect(await page.locator('[data-testid="runs-table"] tbody tr').count()).toBe(2);
    expect(page.url()).toContain('status=running');
  }, TIMEOUT);

  it("a board game's critic value is one line across both players' moves, its label apart from the value", async () => {
    await open(`#/play?a=${episode('games2', 'tic-tac-toe', 'seed-0', 'step-0000020000-0.json')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    await page.click('[data-testid="step-forward"]');
    // The line spans the frames from the first value to the last (the last frames may be the opponent's move and the end).
    const frames = JSON.parse(readFileSync(join(runsDir, 'games2', 'tic-tac-toe', 'seed-0', 'episodes', 'step-0000020000-0.json'), 'utf8')) as MatchRecord;
    const valued = frames.frames.flatMap((f, i) => (f.agentOverlays?.player_0?.value !== undefined ? [i] : []));
    expect(valued.length).toBeGreaterThan(2);
    const span = (valued.at(-1)! - valued[0]!) / (frames.frames.length - 1);
    const share = (await page.evaluate(`(() => {
      const canvas = document.querySelector('canvas.hud-value');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let columns = 0;
      for (let x = 0; x < canvas.width; x++) {
        for (let y = 0; y < canvas.height; y++) {
          const p = 4 * (y * canvas.width + x);
          // The line's blue (#3366cc), not the orange frame marker.
          if (data[p + 3] > 100 && data[p + 2] > 150 && data[p] < 120) { columns++; break; }
        }
      }
      return columns / canvas.width;
    })()`)) as number;
    // The value chart's inner width is the canvas less 2 x 8 px of margin (440 px wide at 2x): the line covers its span of it.
    expect(share).toBeGreaterThan(0.95 * span * (1 - 32 / 440));
    const title = await page.locator('.hud-value-title span').first().boundingBox();
    const value = await page.locator('.hud-value-text').boundingBox();
    expect(await page.innerText('.hud-value-text')).toMatch(/^V = /);
    const apart = value!.x >= title!.x + title!.width || value!.y >= title!.y + title!.height;
    expect(apart).toBe(true);
  }, TIMEOUT);

  it('overlays: within their pane in a short window, hidden on demand (kept in the address), pane titles of two panes not cut', async () => {
    const oneCart = async () => {
      await open(`#/play?a=${episode('cartpole', 'ppo', 'seed-0', 'step-0000020000-0.json')}`);
      await page.waitForSelector('[data-testid="player"][data-frame]');
      return (await page.locator('.viewport .hud').first().boundingBox())!.width;
    };
    // 700 px high: the soccer overlay (four agents, ten bars, the value chart) is taller than the 434 px pane at full size.
    await page.setViewportSize({ width: 1280, height: 700 });
    await open(`#/play?a=${episode('games', 'soccer', 'seed-0', 'step-0000020000-0.json')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    const viewport = (await page.locator('.viewport').boundingBox())!;
    const hud = (await page.locator('.hud-match').boundingBox())!;
    expect(hud.y + hud.height).toBeLessThanOrEqual(viewport.y + viewport.height);
    // Drawn smaller there, so that all of it shows: its value chart (the last thing in it) inside its box, not cut off.
    const chart = (await page.locator('.hud-match canvas.hud-value').boundingBox())!;
    expect(chart.y + chart.height).toBeLessThanOrEqual(hud.y + hud.height);
    await page.screenshot({ path: join(SHOTS, 'soccer-short-window.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.uncheck('[data-testid="overlays"]');
    expect(await page.locator('.hud-match').isVisible()).toBe(false);
    expect(page.url()).toContain('overlays=off');
    await page.keyboard.press('o');
    expect(await page.locator('.hud-match').isVisible()).toBe(true);

    const single = await oneCart();
    const cart = episode('cartpole', 'ppo', 'seed-0', 'step-0000020000-0.json');
    await open(`#/play?a=${cart}&b=${episode('cartpole', 'ppo', 'seed-1', 'step-0000020000-0.json')}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    const cut = await page.locator('.pane-title').evaluateAll((els) => els.map((e) => e.scrollWidth > e.clientWidth + 1));
    expect(cut).toEqual([false, false]);
    // The overlay is smaller than in one pane: scaled to 0.8.
    const small = (await page.locator('.viewport .hud').first().boundingBox())!;
    expect(small.width).toBeLessThanOrEqual(0.81 * single);
    await page.screenshot({ path: join(SHOTS, 'side-by-side-overlays.png') });
  }, TIMEOUT);

  it('the replay frame is kept in the address', async () => {
    const cart = episode('cartpole', 'ppo', 'seed-0', 'step-0000020000-0.json');
    await open(`#/play?a=${cart}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    await page.locator('[data-testid="scrubber"]').fill('123');
    expect(page.url()).toContain('frame=123');
    await open('#/');
    await page.goto(`${viewer.url}#/play?a=${cart}&frame=77`);
    await page.waitForSelector('[data-testid="player"][data-frame="77"]');
  }, TIMEOUT);

  it('Q-value bars from 0: 76.49 and 76.51 look alike', async () => {
    await open(`#/play?a=${episode('qvalues', 'dqn', 'seed-0', 'step-0000000000-0.json')}`);
    await page.waitForSelector('.hud-bar .hud-bar-fill');
    const widths = await page.locator('.hud-bar .hud-bar-fill').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(widths).toHaveLength(2);
    expect(Math.abs(widths[0]! - widths[1]!)).toBeLessThan(0.01 * Math.max(...widths));
    // The live dot is on on a replay page too.
    await expect.poll(() => page.locator('#live.on').count()).toBe(1);
  }, TIMEOUT);

  it('an unknown experiment says so everywhere instead of loading forever', async () => {
    const before = errors.length;
    await open('#/experiment/no-such-experiment');
    await expect.poll(() => page.locator('.notice.error').count()).toBeGreaterThanOrEqual(2);
    // Each section answers on its own request: every one of them ends (a loaded machine may take a while), none stays loading.
    await expect.poll(() => page.innerText('.page'), { timeout: 10_000 }).not.toContain('loading');
    // The browser reports the answers 404 (curves and runs): those are expected here.
    const added = errors.splice(before);
    expect(added.length).toBeGreaterThan(0);
    for (const e of added) expect(e).toMatch(/status of 404/);
  }, TIMEOUT);

  it('a server that has gone: pages say so and the live dot goes out', async () => {
    await open('#/experiment/cartpole');
    await page.waitForSelector('[data-testid="final-table"] tbody tr');
    await viewer.close();
    await page.evaluate(`location.hash = '#/experiment/uneven'`);
    await expect.poll(() => page.innerText('.page')).toContain('has `arena view` stopped?');
    await expect.poll(() => page.locator('#live.on').count()).toBe(0);
    // The browser reports the refused connections: those are expected here, and nothing else.
    const added = errors.splice(0);
    expect(added.length).toBeGreaterThan(0);
    for (const e of added) expect(e).toMatch(/ERR_CONNECTION_REFUSED/);
  }, TIMEOUT);
});
