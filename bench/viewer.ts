// The viewer's speed, measured in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core; WebGL through SwiftShader), against its targets:
//
//   (a) a 10,000-step episode (CartPole balanced by a scripted policy, time
//       limit raised) loads and plays at 60 frames per second: frame times
//       from requestAnimationFrame timestamps inside the page while it plays
//       at 1x and at 8x (median, p95, fps), and the load time from navigation
//       to the first frame drawn;
//   (b) a run with 1,000,000 metric points (training-episode lines in
//       metrics.jsonl, plus update lines and evaluations) loads its curves in
//       under a second: in the browser, the time from navigation to the curves
//       drawn on the experiment page and the run page, first with the viewer
//       as it runs (its background indexer has parsed the new run), then with
//       indexing off (the first request parses the file); and the API's
//       response times (first request, then again with the cache warm).
//
//   npm run bench:viewer [-- --seconds 4 --points 1000000 --width 1280 --height 800 --only replay|curves --keep]
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { EpisodeRecord } from '../core/episode.js';
import { recordEpisode } from '../core/episode.js';
import { make } from '../core/registry.js';
import '../envs/index.js';
import type { EpisodeIndexLine, RunRecord, RunSpec } from '../experiments/types.js';
import { clearMetricsCache } from '../viewer/metrics-store.js';
import { startViewer } from '../viewer/server.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    points: { type: 'string', default: '1000000' },
    steps: { type: 'string', default: '10000' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '800' },
    keep: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const POINTS = Number(values.points);
const STEPS = Number(values.steps);
const VIEWPORT = { width: Number(values.width), height: Number(values.height) };
const CHROMIUM = '/usr/bin/chromium';
const FPS_TARGET = 60;
const CURVE_TARGET_MS = 1000;

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);

// ---------------------------------------------------------------- the run store

function spec(experiment: string, variant: string, totalSteps: number, env: string, kwargs: Record<string, unknown>): RunSpec {
  return {
    experiment,
    variant,
    seed: 0,
    algorithm: 'ppo',
    hyperparameters: {},
    env: { id: env, kwargs, wrappers: [] },
    envs: 0,
    totalSteps,
    eval: { every: Math.max(1, Math.floor(totalSteps / 1000)), episodes: 5 },
    record: { every: totalSteps, episodes: 1, deterministic: true },
    checkpointEvery: totalSteps,
    logEvery: 1000,
    backend: 'cpu',
  };
}

function writeRunJson(dir: string, s: RunSpec, seconds: number): void {
  const record: RunRecord = {
    format: 'arena.run/1',
    spec: s,
    package: { name: 'arena-rl', version: '0.1.0' },
    git: null,
    hostname: 'bench',
    node: process.version,
    status: 'finished',
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z',
    step: s.totalSteps,
    seconds,
    checkpointStep: s.totalSteps,
    attempts: 1,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
}

/** A CartPole episode of `steps` steps: a balancing policy (pole angle and velocity, with a little cart centring) and the time limit raised. */
function longEpisode(steps: number): EpisodeRecord {
  const env = make('CartPole-v1', { maxEpisodeSteps: steps });
  type Obs = ArrayLike<number>;
  return recordEpisode(env, {
    seed: 1,
    maxSteps: steps,
    act: (o) => ((o as Obs)[2]! * 10 + (o as Obs)[3]! * 2 + (o as Obs)[0]! * 0.3 + (o as Obs)[1]! * 0.8 > 0 ? 1 : 0),
    overlays: (o) => {
      const z = 10 * ((o as Obs)[2]! + 0.5 * (o as Obs)[3]!);
      const p = 1 / (1 + Math.exp(-z));
      return { probs: [1 - p, p], value: 90 - 400 * Math.abs((o as Obs)[2]!) };
    },
    agent: { algorithm: 'scripted', experiment: 'bench-replay', variant: 'balance', runSeed: 0, deterministic: true },
    trainingStep: 0,
  });
}

/** bench-replay/balance/seed-0 with one long episode; returns the episode's file name. */
function writeReplayRun(root: string): { file: string; record: EpisodeRecord } {
  const dir = join(root, 'bench-replay', 'balance', 'seed-0');
  mkdirSync(join(dir, 'episodes'), { recursive: true });
  writeRunJson(dir, spec('bench-replay', 'balance', STEPS, 'CartPole-v1', { maxEpisodeSteps: STEPS }), 1);
  const record = longEpisode(STEPS);
  if (record.length !== STEPS) throw new Error(`the scripted policy dropped the pole after ${record.length} steps`);
  const file = 'step-0000000000-0.json';
  writeFileSync(join(dir, 'episodes', file), JSON.stringify(record));
  const index: EpisodeIndexLine = { file, step: 0, index: 0, return: record.return, length: record.length };
  writeFileSync(join(dir, 'episodes', 'index.jsonl'), JSON.stringify(index) + '\n');
  writeFileSync(join(dir, 'eval.jsonl'), '');
  writeFileSync(join(dir, 'metrics.jsonl'), '');
  return { file, record };
}

/** bench-metrics/ppo/seed-0: `points` training-episode lines, an update line every 100 episodes, 1000 evaluations. */
function writeMetricsRun(root: string, points: number): { dir: string; bytes: number } {
  const dir = join(root, 'bench-metrics', 'ppo', 'seed-0');
  mkdirSync(join(dir, 'episodes'), { recursive: true });
  const totalSteps = points * 100;
  writeRunJson(dir, spec('bench-metrics', 'ppo', totalSteps, 'CartPole-v1', {}), totalSteps / 5000);
  writeFileSync(join(dir, 'episodes', 'index.jsonl'), '');
  // A learning curve with noise (a cheap deterministic generator: the bench needs no statistics).
  let state = 12345;
  const noise = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  const curve = (step: number) => 500 * (1 - Math.exp(-step / (totalSteps / 5)));
  const fd = openSync(join(dir, 'metrics.jsonl'), 'w');
  let chunk = '';
  for (let i = 0; i < points; i++) {
    const step = (i + 1) * 100;
    const ret = Math.max(8, Math.min(500, curve(step) + 80 * noise()));
    chunk += `{"type":"episode","step":${step},"time":${+(step / 5000).toFixed(3)},"episode":${i},"return":${+ret.toFixed(2)},"length":${Math.round(ret)},"truncated":${ret >= 500}}\n`;
    if (i % 100 === 99) {
      chunk += `{"type":"update","step":${step},"time":${+(step / 5000).toFixed(3)},"fps":${5000 + Math.round(100 * noise())},"metrics":{"loss":${+(1 / (1 + i / 1000) + 0.01 * noise()).toFixed(5)},"entropy":${+(0.69 - (0.4 * i) / points).toFixed(5)},"approxKl":${+(0.01 + 0.002 * noise()).toFixed(5)}}}\n`;
    }
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  let evals = '';
  const every = totalSteps / 1000;
  for (let k = 0; k <= 1000; k++) {
    const step = k * every;
    const mean = Math.min(500, curve(step) + 10 * noise());
    const returns = [0, 1, 2, 3, 4].map(() => +Math.min(500, mean + 20 * noise()).toFixed(1));
    evals += JSON.stringify({ step, time: step / 5000, episodes: 5, mean, std: 10, min: Math.min(...returns), max: Math.max(...returns), returns, lengths: returns.map(Math.round) }) + '\n';
  }
  writeFileSync(join(dir, 'eval.jsonl'), evals);
  return { dir, bytes: statSync(join(dir, 'metrics.jsonl')).size };
}

// ---------------------------------------------------------------- measuring

const quantile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
};
const ms = (v: number) => `${v.toFixed(1)} ms`;

/**
 * A script for page.addInitScript: notes in the page itself when `selector`
 * first appears, at the animation frame after (the frame that shows it), in
 * ms since navigation, so the time holds none of the driver's round trips.
 */
function watchFor(selector: string): string {
  return `(() => {
    const look = () => {
      if (document.querySelector(${JSON.stringify(selector)})) requestAnimationFrame(() => { window.__drawnAt = performance.now(); });
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  })()`;
}

/** Navigates `page` to `url` and returns the ms from navigation to `selector` drawn. */
async function openAndTime(page: Page, url: string, selector: string): Promise<number> {
  await page.addInitScript(watchFor(selector));
  await page.goto(url);
  await page.waitForFunction('window.__drawnAt !== undefined', undefined, { timeout: 120_000, polling: 50 });
  return (await page.evaluate('window.__drawnAt')) as number;
}

interface FrameStats {
  readonly frames: number;
  readonly seconds: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
  readonly fps: number;
  /** Episode frames the player advanced per second (50 per second at 1x for CartPole). */
  readonly advanced: number;
  /** Median main-thread time of the player's animation-frame callback, ms. */
  readonly work: number;
}

/** rAF timestamps inside the page for `seconds` while the player plays, and how far the frame counter moved. */
async function measureFrames(page: Page, seconds: number): Promise<FrameStats> {
  await page.evaluate('window.__rafWork && (window.__rafWork.length = 0)');
  const raw = (await page.evaluate(`new Promise((resolve) => {
    const player = document.querySelector('[data-testid="player"]');
    const times = [];
    const frames = [];
    const tick = (t) => {
      times.push(t);
      frames.push(Number(player.dataset.frame));
      if (t - times[0] < ${seconds * 1000}) requestAnimationFrame(tick);
      else resolve({ times, frames });
    };
    requestAnimationFrame(tick);
  })`)) as { times: number[]; frames: number[] };
  const work = ((await page.evaluate('window.__rafWork || []')) as number[]).sort((a, b) => a - b);
  const deltas = raw.times.slice(1).map((t, i) => t - raw.times[i]!);
  const sorted = [...deltas].sort((a, b) => a - b);
  const span = (raw.times[raw.times.length - 1]! - raw.times[0]!) / 1000;
  const median = quantile(sorted, 0.5);
  return {
    frames: deltas.length,
    seconds: span,
    median,
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    fps: deltas.length / span,
    advanced: (raw.frames[raw.frames.length - 1]! - raw.frames[0]!) / span,
    // Two callbacks a frame (the player's and the measuring one): the longest half are the player's.
    work: quantile(work.slice(Math.floor(work.length / 2)), 0.5),
  };
}

/**
 * Plays the episode and measures frame times. `resolution`: 'adaptive' is the
 * player's default (on a software renderer the drawing buffer shrinks while
 * frames come slow), 'fixed' keeps it at the canvas's size (`?resolution=fixed`).
 */
async function replayBench(browser: Browser, url: string, file: string, resolution: 'adaptive' | 'fixed'): Promise<boolean> {
  const ref = ['bench-replay', 'balance', 'seed-0', file].map(encodeURIComponent).join('/');
  const page = await browser.newPage({ viewport: VIEWPORT });
  // Main-thread time of each animation-frame callback (the player's loop: HUD, scene update, WebGL calls), kept in the page.
  await page.addInitScript(`(() => {
    const raf = window.requestAnimationFrame.bind(window);
    window.__rafWork = [];
    window.requestAnimationFrame = (cb) => raf((t) => {
      const t0 = performance.now();
      cb(t);
      window.__rafWork.push(performance.now() - t0);
    });
  })()`);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  let ok = true;
  try {
    const query = resolution === 'fixed' ? '?resolution=fixed' : '';
    const loaded = await openAndTime(page, `${url}${query}#/play?a=${encodeURIComponent(ref)}`, '[data-testid="player"][data-frame]');
    const nav = (await page.evaluate(`(() => { const n = performance.getEntriesByType('navigation')[0]; return { dom: n.domContentLoadedEventEnd }; })()`)) as { dom: number };
    const episodeFetch = (await page.evaluate(`(() => { const r = performance.getEntriesByType('resource').find((e) => e.name.includes('/episodes/step-')); return r ? { ms: r.responseEnd - r.startTime, bytes: r.encodedBodySize } : null; })()`)) as { ms: number; bytes: number } | null;
    console.log(`\n(a) a ${STEPS.toLocaleString('en')}-step CartPole episode in the player, viewport ${VIEWPORT.width}x${VIEWPORT.height}, ${resolution} resolution`);
    console.log(`  load: first frame drawn ${ms(loaded)} after navigation (page ready ${ms(nav.dom)}; episode request ${episodeFetch ? `${ms(episodeFetch.ms)}, ${(episodeFetch.bytes / 1e6).toFixed(2)} MB` : '?'})`);
    const idle = await measureFrames(page, Math.min(2, SECONDS));
    console.log(`  paused: median ${ms(idle.median)}, p95 ${ms(idle.p95)}, ${idle.fps.toFixed(1)} fps`);
    console.log('  speed  frames  median    p95       max       fps     episode frames/s  main-thread work/frame  drawing buffer at the end');
    for (const speed of [1, 8]) {
      await page.keyboard.press('Home');
      await page.selectOption('[data-testid="speed"]', String(speed));
      await page.click('[data-testid="play"]');
      await page.waitForFunction(`document.querySelector('[data-testid="player"]').dataset.playing === 'true'`);
      const s = await measureFrames(page, SECONDS);
      // The drawing buffer's size relative to the canvas on the page, as playback ended.
      const buffer = (await page.evaluate(`(() => { const c = document.querySelector('canvas.stage-canvas'); return c.width / (c.clientWidth * (window.devicePixelRatio || 1)); })()`)) as number;
      await page.keyboard.press(' ');
      const met = s.median <= 1000 / FPS_TARGET + 1 && s.fps >= FPS_TARGET * 0.95;
      ok &&= met;
      console.log(
        `  ${`${speed}x`.padEnd(6)} ${String(s.frames).padEnd(7)} ${ms(s.median).padEnd(9)} ${ms(s.p95).padEnd(9)} ${ms(s.max).padEnd(9)} ${s.fps.toFixed(1).padEnd(7)} ${s.advanced.toFixed(1).padEnd(17)} ${ms(s.work).padEnd(23)} ${Math.round(100 * buffer)}% of each side${met ? '' : `  (target ${FPS_TARGET} fps missed)`}`,
      );
    }
    if (errors.length > 0) {
      ok = false;
      console.log(`  page errors: ${errors.join(' | ')}`);
    }
  } finally {
    await page.close();
  }
  return ok;
}

async function timeGet(url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t0, bytes: body.byteLength, status: res.status };
}

/** Each page, what shows its curves drawn, and the API request its curves wait for. */
const PAGES: readonly (readonly [label: string, hash: string, selector: string, request: string])[] = [
  ['experiment page', '#/experiment/bench-metrics', '[data-testid="curves"] .uplot canvas', '/curves?'],
  ['run page', '#/run/bench-metrics/ppo/seed-0', '[data-testid="training-curve"] .uplot canvas', '/metrics?'],
];

/** An API request the page made: when it started and ended, in ms since navigation. */
interface RequestTiming {
  readonly start: number;
  readonly end: number;
}

/**
 * Opens `hash` in a fresh tab (so the time includes loading the app) and
 * returns the ms from navigation to `selector` drawn, and when the page's
 * request whose address contains `request` ran, if it made one.
 */
async function visit(browser: Browser, url: string, hash: string, selector: string, request: string): Promise<{ drawn: number; request: RequestTiming | null }> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    const drawn = await openAndTime(page, `${url}${hash}`, selector);
    const timing = (await page.evaluate(
      `(() => { const r = performance.getEntriesByType('resource').find((e) => e.name.includes(${JSON.stringify(request)})); return r ? { start: r.startTime, end: r.responseEnd } : null; })()`,
    )) as RequestTiming | null;
    return { drawn, request: timing };
  } finally {
    await page.close();
  }
}

const span = (r: RequestTiming | null): string => (r ? `${ms(r.end - r.start)} (${r.start.toFixed(0)}-${r.end.toFixed(0)} ms)` : '-');

/** Marks the run's files as rewritten (same content, a later mtime), so nothing the server cached about them counts. */
function touchRun(dir: string): void {
  const later = new Date(Date.now() + 2000);
  for (const f of ['run.json', 'metrics.jsonl', 'eval.jsonl']) utimesSync(join(dir, f), later, later);
}

async function visitPages(browser: Browser, url: string, note: string): Promise<boolean> {
  let ok = true;
  console.log(`  ${note}`);
  for (const [label, hash, selector, request] of PAGES) {
    const first = await visit(browser, url, hash, selector, request);
    const again = await visit(browser, url, hash, selector, request);
    const met = first.drawn < CURVE_TARGET_MS;
    ok &&= met;
    console.log(
      `    ${label.padEnd(32)} ${ms(first.drawn).padEnd(13)} ${ms(again.drawn).padEnd(12)} ${span(first.request)}; ${span(again.request)}${met ? '' : `  (target ${CURVE_TARGET_MS} ms missed)`}`,
    );
  }
  return ok;
}

/**
 * The curves of a million-point run, in two servers one after the other: the
 * viewer as it runs (its background indexer parses the new run's metrics
 * ahead of any request: the pages are opened once it is done, as a user
 * arriving from the experiment list would find them), and with indexing off,
 * so the first request parses the file (a run page opened within a second of
 * the file being written, or a run beyond the indexer's newest files). The
 * metrics cache is cleared in between: both start from nothing parsed.
 */
async function curvesBench(browser: Browser, root: string): Promise<boolean> {
  const t0 = performance.now();
  const indexed = await startViewer({ root, port: 0 });
  let ok = true;
  let dir: string;
  try {
    const written = writeMetricsRun(root, POINTS);
    dir = written.dir;
    console.log(
      `\n(b) a run with ${POINTS.toLocaleString('en')} training-episode points (${(POINTS / 100).toLocaleString('en')} update lines, 1,001 evaluations; metrics.jsonl ${(written.bytes / 1e6).toFixed(0)} MB, written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const t1 = performance.now();
    await indexed.indexed();
    console.log('  page: navigation to curves drawn first visit   again        its curves request (first visit; again)');
    ok = (await visitPages(browser, indexed.url, `viewer as it runs (its background indexer had parsed the run ${ms(performance.now() - t1)} after it was written):`)) && ok;
  } finally {
    await indexed.close();
  }
  clearMetricsCache();
  const cold = await startViewer({ root, port: 0, indexMs: 0 });
  try {
    ok = (await visitPages(browser, cold.url, 'indexing off (the first request parses metrics.jsonl):')) && ok;
    touchRun(dir);
    const base = `${cold.url}api/experiments/bench-metrics`;
    const run = `${base}/runs/ppo/seed-0`;
    const endpoints: [string, string][] = [
      ['curves (experiment page)', `${base}/curves?x=steps&smoothing=1&points=200`],
      ['metrics (run page)', `${run}/metrics?maxPoints=600`],
      ['evals (run page)', `${run}/evals`],
    ];
    console.log('  API, indexing off (files just touched) first     again        size');
    for (const [label, u] of endpoints) {
      const first = await timeGet(u);
      const again = await timeGet(u);
      if (first.status !== 200) throw new Error(`${u}: HTTP ${first.status}`);
      const met = first.ms < CURVE_TARGET_MS;
      ok &&= met;
      console.log(`    ${label.padEnd(36)} ${ms(first.ms).padEnd(13)} ${ms(again.ms).padEnd(12)} ${(first.bytes / 1e3).toFixed(0)} kB${met ? '' : `  (target ${CURVE_TARGET_MS} ms missed)`}`);
    }
  } finally {
    await cold.close();
  }
  return ok;
}

// ---------------------------------------------------------------- main

const tmp = mkdtempSync(join(tmpdir(), 'arena-bench-viewer-'));
const root = join(tmp, 'runs');
let browser: Browser | null = null;
const viewer = await (async () => {
  const t0 = performance.now();
  const { file } = writeReplayRun(root);
  console.log(`viewer benchmark on ${cpus().length} cores, Chromium with SwiftShader WebGL; runs in ${root} (episode written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  // For the replays only: its indexer would parse the curve benchmark's run behind the measured servers' backs.
  return { file, server: await startViewer({ root, port: 0, indexMs: 0 }) };
})();
let ok = true;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  if (values.only !== 'curves') {
    ok = (await replayBench(browser, viewer.server.url, viewer.file, 'adaptive')) && ok;
    // The same at the canvas's full size, for comparison (and what a GPU draws).
    await replayBench(browser, viewer.server.url, viewer.file, 'fixed');
  }
  if (values.only !== 'replay') ok = (await curvesBench(browser, root)) && ok;
} finally {
  await browser?.close();
  await viewer.server.close();
  if (values.keep) console.log(`\nkept ${root}`);
  else rmSync(tmp, { recursive: true, force: true });
}
console.log(ok ? '\nall targets met' : '\nsome targets missed (see above)');
