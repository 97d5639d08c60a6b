// The viewer's server over a fixture run store in a temp directory: every API
// endpoint's JSON, downsampling, the roots it accepts, path escapes (encoded
// dots and slashes, absolute paths, symlinks leading out), damaged files (a
// 422 naming the file and line, or for metrics.jsonl the bad lines skipped and
// named, the server answering on), a busy port, and
// live updates over server-sent events.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../core/episode.js';
import { parseJsonl } from '../../experiments/store.js';
import type { EpisodeLine, EvalLine, RunRecord, UpdateLine } from '../../experiments/types.js';
import type { ApiError, CurvesResponse, EpisodesResponse, ExperimentDetail, ExperimentListEntry, MetricsResponse, RootInfo } from '../../viewer/api-types.js';
import type { Viewer } from '../../viewer/server.js';
import { startViewer } from '../../viewer/server.js';
import { clearMetricsCache } from '../../viewer/metrics-store.js';
import { compareRuns } from '../../experiments/compare.js';
import { loadRun } from '../../experiments/load-runs.js';
import { toCsv } from '../../experiments/comparison-format.js';
import { playEpisode, writeFixtureRun, writeFixtureStore } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'arena-viewer-'));
const runs = join(tmp, 'runs');
const outside = join(tmp, 'outside');
let viewer: Viewer;

/** A raw GET: the path goes out exactly as written (fetch would normalize `%2e%2e` and `..`). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function get<T>(path: string, v: Viewer = viewer): Promise<{ status: number; body: T }> {
  const { status, text } = await rawGet(v.url, path);
  return { status, body: JSON.parse(text) as T };
}

const ppo0 = '/api/experiments/cartpole/runs/ppo/seed-0';

beforeAll(async () => {
  writeFixtureStore(runs);
  // A run with a malformed line in the middle of metrics.jsonl, and a truncated episode file.
  const bad = writeFixtureRun(runs, { experiment: 'damaged', variant: 'bad', seed: 0, env: 'CartPole-v1', curve: () => 1, episodes: [], trainingEpisodes: 4 });
  const lines = readFileSync(join(bad, 'metrics.jsonl'), 'utf8').split('\n');
  lines.splice(2, 0, '{"type":"episode","step":3,"ret');
  writeFileSync(join(bad, 'metrics.jsonl'), lines.join('\n'));
  const full = readFileSync(join(runs, 'cartpole', 'ppo', 'seed-0', 'episodes', 'step-0000020000-0.json'), 'utf8');
  writeFileSync(join(bad, 'episodes', 'step-0000000100-0.json'), full.slice(0, Math.floor(full.length / 2)));
  writeFileSync(join(bad, 'episodes', 'index.jsonl'), JSON.stringify({ file: 'step-0000000100-0.json', step: 100, index: 0, return: 1, length: 1 }) + '\n');
  writeFileSync(join(bad, 'episodes', 'wrong-format.json'), JSON.stringify({ format: 'arena.episode/0', frames: [] }));
  // Things outside the root, reachable only through symlinks inside it.
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.json'), JSON.stringify({ secret: 'outside the root' }));
  writeFixtureRun(outside, { experiment: 'x', variant: 'y', seed: 9, env: 'CartPole-v1', curve: () => 0, episodes: [] });
  symlinkSync(join(outside, 'secret.json'), join(runs, 'cartpole', 'ppo', 'seed-0', 'episodes', 'evil.json'));
  symlinkSync(join(outside, 'x', 'y', 'seed-9'), join(runs, 'cartpole', 'ppo', 'seed-9'));
  symlinkSync(join(outside, 'secret.json'), join(runs, 'cartpole', 'ppo', 'seed-1', 'eval.jsonl.link'));
  viewer = await startViewer({ root: runs, port: 0, pollMs: 150 });
});

afterAll(async () => {
  await viewer?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('API', () => {
  it('listens on 127.0.0.1 and describes the root', async () => {
    expect(viewer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { status, body } = await get<RootInfo>('/api/root');
    expect(status).toBe(200);
    expect(body).toEqual({ kind: 'runs', name: 'runs', experiments: 4 });
  });

  it('lists experiments with variants and run counts by status', async () => {
    const { body } = await get<ExperimentListEntry[]>('/api/experiments');
    expect(body.map((e) => e.name)).toEqual(['cartpole', 'damaged', 'gallery', 'toy-text']);
    const cartpole = body.find((e) => e.name === 'cartpole')!;
    expect(cartpole).toEqual({ name: 'cartpole', env: 'CartPole-v1', variants: ['ppo', 'random'], runs: 6, status: { finished: 6 } });
  });

  it("gives an experiment's runs with status, step, totalSteps and seconds (not the symlinked run that leads out)", async () => {
    const { body } = await get<ExperimentDetail>('/api/experiments/cartpole');
    expect(body.runs.map((r) => `${r.variant}/${r.seed}`)).toEqual(['ppo/seed-0', 'ppo/seed-1', 'ppo/seed-2', 'random/seed-0', 'random/seed-1', 'random/seed-2']);
    expect(body.runs[0]).toMatchObject({ experiment: 'cartpole', variant: 'ppo', seed: 'seed-0', status: 'finished', step: 20000, totalSteps: 20000, seconds: 20, algorithm: 'ppo', env: 'CartPole-v1' });
    expect((await get<ApiError>(`/api/experiments/cartpole/runs/ppo/seed-9`)).status).toBe(404);
  });

  it("serves a run's run.json", async () => {
    const { status, body } = await get<RunRecord>(ppo0);
    expect(status).toBe(200);
    expect(body.format).toBe('arena.run/1');
    expect(body.spec).toMatchObject({ experiment: 'cartpole', variant: 'ppo', seed: 0, totalSteps: 20000 });
  });

  it('gives curves per variant: each seed, and the mean with a 95% band on one grid', async () => {
    const { status, body } = await get<CurvesResponse>('/api/experiments/cartpole/curves?points=50');
    expect(status).toBe(200);
    expect(body.x).toBe('steps');
    expect(body.confidence).toBe(0.95);
    expect(body.grid).toHaveLength(50);
    expect(body.grid[49]).toBe(20000);
    expect(body.variants.map((v) => v.variant)).toEqual(['ppo', 'random']);
    for (const v of body.variants) {
      expect(v.runs.map((r) => r.seed)).toEqual([0, 1, 2]);
      expect(v.mean).toHaveLength(50);
      for (let g = 0; g < 50; g++) {
        expect(v.low[g]!).toBeLessThanOrEqual(v.mean[g]! + 1e-9);
        expect(v.high[g]!).toBeGreaterThanOrEqual(v.mean[g]! - 1e-9);
        const seeds = v.runs.map((r) => r.onGrid[g]!);
        expect(v.mean[g]).toBeCloseTo(seeds.reduce((a, b) => a + b, 0) / 3, 9);
      }
      // Each seed's own curve is its eval.jsonl.
      const file = join(runs, 'cartpole', v.variant, 'seed-1', 'eval.jsonl');
      const evals = parseJsonl<EvalLine>(readFileSync(file, 'utf8')).lines;
      expect(v.runs[1]!.xs).toEqual(evals.map((e) => e.step));
      expect(v.runs[1]!.ys).toEqual(evals.map((e) => e.mean));
      expect(v.final!.mean).toBeCloseTo(v.runs.reduce((a, r) => a + r.ys.at(-1)!, 0) / 3, 9);
      expect(v.final!.low).toBeLessThanOrEqual(v.final!.mean);
    }
    const ppo = body.variants[0]!;
    expect(ppo.final!.mean).toBeGreaterThan(400);
    const byTime = await get<CurvesResponse>('/api/experiments/cartpole/curves?x=time&smoothing=3&points=20');
    expect(byTime.body.x).toBe('time');
    expect(byTime.body.smoothing).toBe(3);
    expect(byTime.body.grid.at(-1)).toBe(20);
    expect((await get<ApiError>('/api/experiments/cartpole/curves?x=wall')).status).toBe(400);
  });

  it('downsamples metrics into buckets: mean, min and max return per bucket, update metrics averaged', async () => {
    const text = readFileSync(join(runs, 'cartpole', 'ppo', 'seed-0', 'metrics.jsonl'), 'utf8');
    const lines = parseJsonl<EpisodeLine | UpdateLine>(text).lines;
    const episodes = lines.filter((l): l is EpisodeLine => l.type === 'episode');
    const updates = lines.filter((l): l is UpdateLine => l.type === 'update');
    expect(episodes).toHaveLength(300);
    expect(updates).toHaveLength(30);

    const { body } = await get<MetricsResponse>(`${ppo0}/metrics?maxPoints=40`);
    expect(body.episodes.total).toBe(300);
    expect(body.episodes.bucketSize).toBe(8);
    expect(body.episodes.points).toHaveLength(38);
    expect(body.episodes.points.reduce((a, p) => a + p.count, 0)).toBe(300);
    const first = episodes.slice(0, 8).map((e) => e.return);
    expect(body.episodes.points[0]).toMatchObject({ step: episodes[7]!.step, count: 8, min: Math.min(...first), max: Math.max(...first) });
    expect(body.episodes.points[0]!.return).toBeCloseTo(first.reduce((a, b) => a + b, 0) / 8, 9);
    expect(body.updates.total).toBe(30);
    expect(body.updates.keys).toEqual(['entropy', 'loss']);
    expect(body.updates.points).toHaveLength(30);

    const coarse = await get<MetricsResponse>(`${ppo0}/metrics?maxPoints=3`);
    expect(coarse.body.episodes.points).toHaveLength(3);
    expect(coarse.body.updates.bucketSize).toBe(10);
    expect(coarse.body.updates.points[0]!.metrics.loss).toBeCloseTo(updates.slice(0, 10).reduce((a, u) => a + u.metrics.loss!, 0) / 10, 9);
    expect(coarse.body.updates.points[2]!.step).toBe(updates[29]!.step);

    const all = await get<MetricsResponse>(`${ppo0}/metrics?maxPoints=100000`);
    expect(all.body.episodes.points.map((p) => p.return)).toEqual(episodes.map((e) => e.return));
    expect((await get<ApiError>(`${ppo0}/metrics?maxPoints=zero`)).status).toBe(400);
  });

  it("offers `arena compare`'s figure (SVG, PNG) and table (CSV, JSON) for the curves as the page shows them", async () => {
    const base = new URL('/api/experiments/cartpole', viewer.url).href;
    const svg = await fetch(`${base}/curves.svg?x=time&smoothing=3`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.headers.get('content-disposition')).toContain('cartpole-curves.svg');
    const text = await svg.text();
    expect(text).toMatch(/^<svg/);
    for (const s of ['ppo', 'random', 'wall time (s)']) expect(text).toContain(s);
    const png = new Uint8Array(await (await fetch(`${base}/curves.png`)).arrayBuffer());
    expect([...png.slice(0, 4)]).toEqual([137, 80, 78, 71]);
    // The table and the JSON are the command's: toCsv and toJson of compareRuns over the same runs.
    const loaded = await Promise.all(['ppo', 'random'].flatMap((v) => [0, 1, 2].map((seed) => loadRun(join(runs, 'cartpole', v, `seed-${seed}`), { episodes: false }))));
    const csv = await (await fetch(`${base}/table.csv`)).text();
    expect(csv).toBe(toCsv(compareRuns(loaded, { x: 'steps' })));
    const json = JSON.parse(await (await fetch(`${base}/comparison.json?smoothing=3`)).text()) as { smoothing: number; variants: unknown[] };
    expect(json.smoothing).toBe(3);
    expect(json.variants).toHaveLength(2);
    expect((await fetch(`${base}/table.csv?x=epochs`)).status).toBe(400);
    expect((await fetch(new URL('/api/experiments/nope/curves.svg', viewer.url))).status).toBe(404);
  });

  it('serves evaluations, the episode index and episode records', async () => {
    const evals = await get<{ lines: EvalLine[] }>(`${ppo0}/evals`);
    expect(evals.body.lines.map((l) => l.step)).toEqual([0, 2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000]);
    const index = await get<EpisodesResponse>(`${ppo0}/episodes`);
    expect(index.body.episodes.map((e) => [e.step, e.file])).toEqual([
      [0, 'step-0000000000-0.json'],
      [10000, 'step-0000010000-0.json'],
      [20000, 'step-0000020000-0.json'],
    ]);
    const episode = await get<EpisodeRecord>(`${ppo0}/episodes/step-0000020000-0.json`);
    expect(episode.status).toBe(200);
    expect(episode.body.format).toBe('arena.episode/1');
    expect(episode.body.env.id).toBe('CartPole-v1');
    expect(episode.body.frames).toHaveLength(episode.body.length + 1);
    expect(Object.keys(episode.body.frames[0]!.state).sort()).toEqual(['poleLength', 'theta', 'x', 'xThreshold']);
    expect((await get<ApiError>(`${ppo0}/episodes/step-0000099999-0.json`)).status).toBe(404);
    expect((await get<ApiError>('/api/experiments/nope')).status).toBe(404);
    expect((await get<ApiError>('/api/experiments/cartpole/runs/ppo/seed-7/evals')).status).toBe(404);
    expect((await get<ApiError>('/api/nothing/here')).status).toBe(404);
  });
});

describe('caches', () => {
  it('keeps metrics.jsonl parsed: a grown file is read where it grew, a torn last line waits, a rewritten one is read afresh', async () => {
    const dir = writeFixtureRun(runs, { experiment: 'growing', variant: 'v', seed: 0, env: 'CartPole-v1', curve: (t) => t / 100, episodes: [], trainingEpisodes: 40 });
    const path = '/api/experiments/growing/runs/v/seed-0/metrics?maxPoints=1000';
    const file = join(dir, 'metrics.jsonl');
    const line = (i: number) => JSON.stringify({ type: 'episode', step: 100_000 + i, time: 100 + i, episode: 1000 + i, return: i, length: 7, truncated: false }) + '\n';
    const first = (await get<MetricsResponse>(path)).body;
    expect(first.episodes.total).toBe(40);
    expect(first.updates.total).toBe(4);

    appendFileSync(file, line(0) + line(1) + line(2).slice(0, 25));
    let m = (await get<MetricsResponse>(path)).body;
    expect(m.episodes.total).toBe(42);
    expect(m.episodes.points.at(-1)).toMatchObject({ step: 100_001, time: 101, return: 1, min: 1, max: 1, length: 7, count: 1 });
    appendFileSync(file, line(2).slice(25));
    m = (await get<MetricsResponse>(path)).body;
    expect(m.episodes.total).toBe(43);
    // The same answer as parsing the whole file afresh, downsampled too.
    for (const maxPoints of [1000, 7]) {
      const kept = (await get<MetricsResponse>(path.replace('1000', String(maxPoints)))).body;
      clearMetricsCache();
      expect((await get<MetricsResponse>(path.replace('1000', String(maxPoints)))).body).toEqual(kept);
    }

    // A bad line appended: skipped and named by its line (40 episode and 4 update lines, then 3 more); the rest still answers.
    appendFileSync(file, '{"type":"episode","step":5\n');
    const bad = await get<MetricsResponse>(path);
    expect(bad.status).toBe(200);
    expect(bad.body.episodes.total).toBe(43);
    expect(bad.body.problems).toHaveLength(1);
    expect(bad.body.problems[0]).toMatch(/^growing\/v\/seed-0\/metrics\.jsonl line 48: not valid JSON/);

    // Rewritten (as resuming does: a new file renamed over it), shorter.
    writeFileSync(`${file}.tmp`, line(7) + line(8));
    renameSync(`${file}.tmp`, file);
    m = (await get<MetricsResponse>(path)).body;
    expect(m.episodes.total).toBe(2);
    expect(m.updates.total).toBe(0);
    expect(m.episodes.points.map((p) => p.return)).toEqual([7, 8]);
  });

  it('serves an episode file afresh once it changes', async () => {
    const meta = { variant: 'v', runSeed: 0, step: 0 };
    const dir = writeFixtureRun(runs, { experiment: 'rewritten', variant: 'v', seed: 0, env: 'CartPole-v1', curve: () => 1, episodes: [{ step: 0, record: playEpisode('CartPole-v1', {}, 1, 0, meta) }] });
    const path = '/api/experiments/rewritten/runs/v/seed-0/episodes/step-0000000000-0.json';
    const file = join(dir, 'episodes', 'step-0000000000-0.json');
    const before = await get<EpisodeRecord>(path);
    expect(before.body.frames).toHaveLength(before.body.length + 1);
    expect((await get<EpisodeRecord>(path)).body).toEqual(before.body);
    const other = playEpisode('CartPole-v1', {}, 2, 1, meta);
    expect(other.length).not.toBe(before.body.length);
    writeFileSync(file, JSON.stringify(other));
    expect((await get<EpisodeRecord>(path)).body.length).toBe(other.length);
    writeFileSync(file, JSON.stringify(other).slice(0, 100));
    expect((await get<ApiError>(path)).status).toBe(422);
  });
});

describe('safety', () => {
  const escapes: [string, number][] = [
    [`${ppo0}/episodes/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd`, 403],
    [`${ppo0}/episodes/..%2f..%2f..%2fppo%2fseed-0%2frun.json`, 403],
    [`${ppo0}/episodes/%2e%2e%2f%2e%2e%2frun.json`, 403],
    [`${ppo0}/episodes/%2E%2E`, 403],
    [`${ppo0}/episodes/..`, 403],
    [`${ppo0}/episodes/%2fetc%2fpasswd`, 403],
    [`${ppo0}/episodes/%5c..%5c..%5crun.json`, 403],
    ['/api/experiments/%2e%2e/runs/outside/x/evals', 403],
    ['/api/../../../etc/passwd', 403],
    ['/../../etc/passwd', 403],
    ['/%2e%2e/%2e%2e/etc/passwd', 403],
    ['/etc/passwd', 404],
    ['/api/experiments/cartpole/runs/ppo/seed-0/episodes/evil.json', 403],
    ['/api/experiments/x/runs/y/seed-9', 404],
    ['/api/experiments/cartpole/runs/ppo/seed-9/run.json', 404],
  ];
  for (const [path, status] of escapes) {
    it(`${path} -> ${status}`, async () => {
      const r = await rawGet(viewer.url, path);
      expect(r.status).toBe(status);
      expect(r.text).not.toContain('outside the root"');
      expect(r.text).not.toContain('root:x:0:0');
      expect(() => JSON.parse(r.text) as ApiError).not.toThrow();
    });
  }

  it("carries a game run's final wins, draws and losses into the curves' summary", async () => {
    const dir = writeFixtureRun(runs, { experiment: 'league', variant: 'iql', seed: 0, env: 'TicTacToe-v0', curve: () => 0, episodes: [] });
    const line = (step: number, wins: number, draws: number, losses: number): EvalLine => ({
      step,
      time: step / 1000,
      episodes: 10,
      mean: (wins - losses) / 10,
      std: 0,
      min: -1,
      max: 1,
      returns: [...Array(wins).fill(1), ...Array(draws).fill(0), ...Array(losses).fill(-1)] as number[],
      lengths: Array(10).fill(9) as number[],
      opponent: 'minimax',
      wins,
      draws,
      losses,
    });
    writeFileSync(join(dir, 'eval.jsonl'), [line(0, 0, 2, 8), line(10_000, 0, 9, 1)].map((l) => JSON.stringify(l) + '\n').join(''));
    const { status, body } = await get<CurvesResponse>('/api/experiments/league/curves');
    expect(status).toBe(200);
    expect(body.variants[0]!.match).toEqual({ opponent: 'minimax', games: 10, wins: 0, draws: 9, losses: 1 });
    // A single-agent experiment has none.
    expect((await get<CurvesResponse>('/api/experiments/cartpole/curves')).body.variants[0]!.match).toBeNull();
  });

  it('skips a malformed metrics line, naming the file and line in problems, and serves the rest', async () => {
    const { status, body } = await get<MetricsResponse>('/api/experiments/damaged/runs/bad/seed-0/metrics');
    expect(status).toBe(200);
    expect(body.episodes.total).toBe(4);
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatch(/^damaged\/bad\/seed-0\/metrics\.jsonl line 3: not valid JSON/);
    expect((await get<RootInfo>('/api/root')).status).toBe(200);
    // The comparison is forgiving: the run still has its curve.
    const curves = await get<CurvesResponse>('/api/experiments/damaged/curves');
    expect(curves.status).toBe(200);
    expect(curves.body.variants[0]!.evaluated).toBe(1);
  });

  it('answers a truncated or invalid episode file with 422 naming the file, and keeps serving', async () => {
    const truncated = await get<ApiError>('/api/experiments/damaged/runs/bad/seed-0/episodes/step-0000000100-0.json');
    expect(truncated.status).toBe(422);
    expect(truncated.body.file).toBe('damaged/bad/seed-0/episodes/step-0000000100-0.json');
    expect(truncated.body.error).toContain('damaged/bad/seed-0/episodes/step-0000000100-0.json is not valid JSON');
    const wrong = await get<ApiError>('/api/experiments/damaged/runs/bad/seed-0/episodes/wrong-format.json');
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toContain('wrong-format.json is not a usable episode record');
    expect(wrong.body.problems).toContain('format is "arena.episode/0", expected arena.episode/1');
    expect((await get<EpisodesResponse>(`${ppo0}/episodes`)).status).toBe(200);
  });

  it('drops a torn last line (a writer mid-line) without an error', async () => {
    const dir = writeFixtureRun(runs, { experiment: 'torn', variant: 'v', seed: 0, env: 'CartPole-v1', curve: () => 3, episodes: [] });
    appendFileSync(join(dir, 'eval.jsonl'), '{"step":22000,"time":22,"mea');
    const { status, body } = await get<{ lines: EvalLine[] }>('/api/experiments/torn/runs/v/seed-0/evals');
    expect(status).toBe(200);
    expect(body.lines).toHaveLength(11);
  });
});

describe('a large planned experiment', () => {
  it("lists the runs of experiment.json's plan as pending without reading a file per run (beyond 20,000 only counted), and answers other requests meanwhile", async () => {
    const root = join(tmp, 'large');
    const seeds = Array.from({ length: 50_000 }, (_, i) => i);
    const variant = { name: 'ppo', algorithm: 'ppo', env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] }, totalSteps: 100 };
    mkdirSync(join(root, 'wide'), { recursive: true });
    writeFileSync(join(root, 'wide', 'experiment.json'), JSON.stringify({ format: 'arena.experiment/1', name: 'wide', config: { name: 'wide', seeds, backend: 'cpu', variants: [variant, { ...variant, name: 'a2c', algorithm: 'a2c' }] } }));
    writeFixtureRun(root, { experiment: 'wide', variant: 'ppo', seed: 7, env: 'CartPole-v1', curve: () => 1, episodes: [] });
    const v = await startViewer({ root, port: 0, indexMs: 0 });
    try {
      const order: string[] = [];
      const list = get<ExperimentListEntry[]>('/api/experiments', v).then((r) => (order.push('experiments'), r));
      const detail = get<ExperimentDetail>('/api/experiments/wide', v).then((r) => (order.push('detail'), r));
      await new Promise((r) => setTimeout(r, 5));
      const rootInfo = await get<RootInfo>('/api/root', v);
      order.push('root');
      const [{ body: experiments }, { body: wide }] = await Promise.all([list, detail]);
      expect(rootInfo.status).toBe(200);
      expect(experiments).toEqual([{ name: 'wide', env: 'CartPole-v1', variants: ['a2c', 'ppo'], runs: 100_000, status: { pending: 99_999, finished: 1 } }]);
      // The run on disk and the first 20,000 of the plan's other runs (the plan lists ppo's seeds first); the rest counted.
      expect(wide.runs).toHaveLength(20_001);
      expect(wide.unlisted).toBe(79_999);
      expect(wide.status).toEqual({ pending: 99_999, finished: 1 });
      expect(wide.variants).toEqual(['a2c', 'ppo']);
      expect(wide.runs.find((r) => r.variant === 'ppo' && r.seed === 'seed-7')).toMatchObject({ status: 'finished' });
      expect(wide.runs.find((r) => r.variant === 'ppo' && r.seed === 'seed-20000')).toMatchObject({ status: 'pending', algorithm: 'ppo', totalSteps: 100 });
      expect(wide.runs.find((r) => r.variant === 'a2c')).toBeUndefined();
      // The small request was not queued behind the two large ones.
      expect(order[0]).toBe('root');
    } finally {
      await v.close();
    }
  }, 120_000);
});

describe('roots', () => {
  it('a single experiment directory, a single run directory, and a single episode file', async () => {
    const experiment = await startViewer({ root: join(runs, 'toy-text'), port: 0 });
    const run = await startViewer({ root: join(runs, 'gallery', 'pendulum', 'seed-0'), port: 0 });
    const file = await startViewer({ root: join(runs, 'toy-text', 'cliff', 'seed-0', 'episodes', 'step-0000020000-0.json'), port: 0 });
    try {
      expect((await get<RootInfo>('/api/root', experiment)).body).toEqual({ kind: 'experiment', name: 'toy-text', experiments: 1 });
      const exp = await get<ExperimentDetail>('/api/experiments/toy-text', experiment);
      expect(exp.body.runs.map((r) => `${r.variant}/${r.seed}`)).toEqual(['cliff/seed-0', 'frozen-lake/seed-0']);

      expect((await get<RootInfo>('/api/root', run)).body).toEqual({ kind: 'run', name: 'seed-0', experiments: 1 });
      const list = await get<ExperimentListEntry[]>('/api/experiments', run);
      expect(list.body).toEqual([{ name: 'gallery', env: 'Pendulum-v1', variants: ['pendulum'], runs: 1, status: { finished: 1 } }]);
      expect((await get<EpisodesResponse>('/api/experiments/gallery/runs/pendulum/seed-0/episodes', run)).body.episodes).toHaveLength(1);
      // Only the run itself is served, not its neighbours.
      expect((await get<ApiError>('/api/experiments/gallery/runs/acrobot/seed-0', run)).status).toBe(404);

      const info = (await get<RootInfo>('/api/root', file)).body;
      expect(info.kind).toBe('episode');
      expect(info.episode).toEqual({ experiment: 'step-0000020000-0', variant: 'file', seed: 'episode', file: 'step-0000020000-0.json' });
      const base = `/api/experiments/step-0000020000-0/runs/file/episode`;
      expect((await get<EpisodesResponse>(`${base}/episodes`, file)).body.episodes).toEqual([{ file: 'step-0000020000-0.json', step: 20000, index: 0, return: -13, length: 13 }]);
      const episode = await get<EpisodeRecord>(`${base}/episodes/step-0000020000-0.json`, file);
      expect(episode.body.env.id).toBe('CliffWalking-v1');
      expect((await get<ApiError>(`${base}/episodes/other.json`, file)).status).toBe(404);
    } finally {
      await Promise.all([experiment.close(), run.close(), file.close()]);
    }
  });

  it('a root that does not exist is an error naming it', async () => {
    await expect(startViewer({ root: join(tmp, 'missing'), port: 0 })).rejects.toThrow(/missing does not exist/);
  });
});

describe('Host header', () => {
  it('answers only Host headers naming the bound host and port (DNS rebinding), unless told to allow others', async () => {
    const port = viewer.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await rawGet(viewer.url, '/api/root', { host })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, '127.0.0.1']) {
      const r = await rawGet(viewer.url, '/api/root', { host });
      expect(r.status, host).toBe(403);
      expect((JSON.parse(r.text) as ApiError).error).toMatch(/Host header .* is not one this viewer serves.*--allow-host/);
    }
    // The client's files are guarded too, not only the API.
    expect((await rawGet(viewer.url, '/', { host: `evil.example:${port}` })).status).toBe(403);
    const v = await startViewer({ root: runs, port: 0, allowHosts: ['arena.lab.example'] });
    try {
      expect((await rawGet(v.url, '/api/root', { host: `arena.lab.example:${v.port}` })).status).toBe(200);
      expect((await rawGet(v.url, '/api/root', { host: `ARENA.lab.example:${v.port}` })).status).toBe(200);
      expect((await rawGet(v.url, '/api/root', { host: `evil.example:${v.port}` })).status).toBe(403);
    } finally {
      await v.close();
    }
    const any = await startViewer({ root: runs, port: 0, allowHosts: ['*'] });
    try {
      expect((await rawGet(any.url, '/api/root', { host: 'whatever.example' })).status).toBe(200);
    } finally {
      await any.close();
    }
  });
});

describe('ports', () => {
  function listenOn(port: number): Promise<Server | null> {
    return new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  }

  /** Occupies `count` consecutive ports from a base that has them all free. */
  async function occupy(count: number): Promise<{ base: number; servers: Server[] }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const first = await listenOn(0);
      const base = (first!.address() as { port: number }).port;
      const servers = [first!];
      for (let p = base + 1; p < base + count && p <= 65535; p++) {
        const s = await listenOn(p);
        if (!s) break;
        servers.push(s);
      }
      if (servers.length === count) return { base, servers };
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
    throw new Error(`could not find ${count} free consecutive ports`);
  }

  it('takes the next port when the requested one is busy, and says so', async () => {
    const { base, servers } = await occupy(1);
    const v = await startViewer({ root: runs, port: base });
    try {
      expect(v.port).toBeGreaterThan(base);
      expect(v.port).toBeLessThanOrEqual(base + 20);
      expect(v.portNote).toBe(`port ${base} was busy; using ${v.port}`);
      expect((await get<RootInfo>('/api/root', v)).status).toBe(200);
    } finally {
      await v.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });

  it('fails clearly when the port and the 20 after it are all busy', async () => {
    const { base, servers } = await occupy(21);
    try {
      await expect(startViewer({ root: runs, port: base })).rejects.toThrow(`view: ports ${base}-${base + 20} on 127.0.0.1 are all in use; choose another with --port`);
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });
});

/** Opens /api/events on `v`; resolves once connected, with the text received so far and a way to close it. */
async function events(v: Viewer): Promise<{ text: () => string; close: () => void }> {
  const { hostname, port } = new URL(v.url);
  let received = '';
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const req = request({ host: hostname, port, path: '/api/events' }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes(': connected')) connected();
    });
  });
  req.end();
  await ready;
  return { text: () => received, close: () => req.destroy() };
}

describe('live updates', () => {
  it("announces a planned run's start (its first run.json) as a catalog change", async () => {
    const root = join(tmp, 'planned-live');
    const variant = { name: 'ppo', algorithm: 'ppo', env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] }, totalSteps: 100 };
    mkdirSync(join(root, 'plan'), { recursive: true });
    writeFileSync(join(root, 'plan', 'experiment.json'), JSON.stringify({ format: 'arena.experiment/1', name: 'plan', config: { name: 'plan', seeds: [0, 1], backend: 'cpu', variants: [variant] } }));
    const v = await startViewer({ root, port: 0, pollMs: 100, indexMs: 0 });
    const stream = await events(v);
    try {
      // Two polls: the first records how things stand, the second finds nothing changed.
      await v.polled();
      await v.polled();
      expect(stream.text()).not.toContain('event: catalog');
      writeFixtureRun(root, { experiment: 'plan', variant: 'ppo', seed: 1, env: 'CartPole-v1', curve: () => 1, episodes: [] });
      await expect.poll(() => stream.text(), { timeout: 5000 }).toContain('event: catalog');
      expect((await get<ExperimentDetail>('/api/experiments/plan', v)).body.status).toEqual({ pending: 1, finished: 1 });
    } finally {
      stream.close();
      await v.close();
    }
  });

  it('announces an appended evaluation line over server-sent events', async () => {
    const { hostname, port } = new URL(viewer.url);
    let received = '';
    let connected!: () => void;
    const ready = new Promise<void>((r) => (connected = r));
    const req = request({ host: hostname, port, path: '/api/events' }, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        received += chunk;
        if (received.includes(': connected')) connected();
      });
    });
    req.end();
    try {
      await ready;
      // Let a poll record how things stand before changing them.
      await viewer.polled();
      const line: EvalLine = { step: 22000, time: 22, episodes: 5, mean: 499, std: 0, min: 499, max: 499, returns: [499], lengths: [499] };
      appendFileSync(join(runs, 'cartpole', 'ppo', 'seed-2', 'eval.jsonl'), JSON.stringify(line) + '\n');
      await expect.poll(() => received, { timeout: 5000 }).toContain('event: run');
      const event = received.split('\n\n').find((e) => e.startsWith('event: run'));
      expect(event).toBeDefined();
      const data = JSON.parse(event!.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { type: string; run: unknown; files: string[] };
      expect(data).toEqual({ type: 'run', run: { experiment: 'cartpole', variant: 'ppo', seed: 'seed-2' }, files: ['eval.jsonl'] });
      // And the curves include the new point.
      const curves = await get<CurvesResponse>('/api/experiments/cartpole/curves');
      expect(curves.body.variants[0]!.runs[2]!.xs.at(-1)).toBe(22000);
    } finally {
      req.destroy();
    }
  });
});
