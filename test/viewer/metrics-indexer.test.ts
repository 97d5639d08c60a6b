// viewer/metrics-indexer.ts: the viewer parses the most recently written
// metrics.jsonl files in the background, so that a run page's first request
// finds them parsed. Checked through the metrics cache's contents and the API:
// what gets indexed (the newest files, up to maxFiles; grown files brought up
// to date; nothing reached through a symlink leading out of the root), and
// that indexing never changes an answer.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsResponse } from '../../viewer/api-types.js';
import { Catalog } from '../../viewer/catalog.js';
import { MetricsIndexer } from '../../viewer/metrics-indexer.js';
import { cachedMetricsFiles, clearMetricsCache } from '../../viewer/metrics-store.js';
import { startViewer } from '../../viewer/server.js';
import { writeFixtureRun } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'arena-metrics-indexer-'));
let root = '';
let n = 0;

beforeEach(() => {
  root = join(tmp, `runs-${n++}`);
  mkdirSync(root, { recursive: true });
  clearMetricsCache();
});
afterEach(() => clearMetricsCache());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fixture run with `episodes` training episodes whose metrics.jsonl was last written `ageS` seconds ago. */
function run(experiment: string, seed: number, episodes: number, ageS: number): string {
  const dir = writeFixtureRun(root, { experiment, variant: 'ppo', seed, env: 'CartPole-v1', curve: (t) => t / 100, episodes: [], trainingEpisodes: episodes });
  const when = new Date(Date.now() - ageS * 1000);
  utimesSync(join(dir, 'metrics.jsonl'), when, when);
  return join(dir, 'metrics.jsonl');
}

const episodeLine = (i: number) => JSON.stringify({ type: 'episode', step: 1_000_000 + i, time: 900 + i, episode: 5000 + i, return: i, length: 3, truncated: false }) + '\n';

/** Cached files by path tail (experiment/variant/seed), with their episode counts. */
function cached(): Record<string, number> {
  return Object.fromEntries(cachedMetricsFiles().map((f) => [f.path.slice(root.length + 1).replace(/\/metrics\.jsonl$/, ''), f.episodes]));
}

describe('MetricsIndexer', () => {
  it('parses the most recently written metrics files, newest used last, and brings grown ones up to date', async () => {
    run('old', 0, 30, 300);
    run('mid', 0, 40, 200);
    const newest = run('new', 0, 50, 100);
    const catalog = await Catalog.open(root);
    const indexer = new MetricsIndexer(catalog, { maxFiles: 2, intervalMs: 60_000 });
    await indexer.index();
    expect(cached()).toEqual({ 'mid/ppo/seed-0': 40, 'new/ppo/seed-0': 50 });
    expect(cachedMetricsFiles().map((f) => f.path.endsWith('new/ppo/seed-0/metrics.jsonl'))).toEqual([false, true]);

    // A run that appears and a file that grows: the next pass picks both up (the grown file by its new bytes alone).
    appendFileSync(newest, episodeLine(0) + episodeLine(1) + episodeLine(2).slice(0, 20));
    run('newer', 0, 10, 0);
    await indexer.index();
    expect(cached()).toMatchObject({ 'new/ppo/seed-0': 52, 'newer/ppo/seed-0': 10 });
    // The line still being written waits for its newline.
    appendFileSync(newest, episodeLine(2).slice(20));
    await indexer.index();
    expect(cached()['new/ppo/seed-0']).toBe(53);
    indexer.close();
  });

  it('leaves alone a metrics file reached through a symlink out of the root, and runs without one', async () => {
    const outside = join(tmp, `outside-${n}`);
    mkdirSync(outside, { recursive: true });
    const secret = join(outside, 'metrics.jsonl');
    writeFileSync(secret, episodeLine(0));
    const linked = run('linked', 0, 5, 0);
    rmSync(linked);
    symlinkSync(secret, linked);
    const empty = run('empty', 0, 5, 0);
    rmSync(empty);
    run('plain', 0, 7, 10);
    const indexer = new MetricsIndexer(await Catalog.open(root), { intervalMs: 60_000 });
    await indexer.index();
    expect(cached()).toEqual({ 'plain/ppo/seed-0': 7 });
    indexer.close();
  });

  it('rejects bad options', async () => {
    const catalog = await Catalog.open(root);
    expect(() => new MetricsIndexer(catalog, { intervalMs: 0 })).toThrow(/intervalMs must be positive, got 0/);
    expect(() => new MetricsIndexer(catalog, { maxFiles: 0 })).toThrow(/maxFiles must be a positive integer, got 0/);
  });
});

describe('the viewer with background indexing', () => {
  it('has a run written after it started parsed before any request, and answers exactly as a cold parse does', async () => {
    const viewer = await startViewer({ root, port: 0, indexMs: 50 });
    try {
      const file = run('late', 3, 120, 0);
      appendFileSync(file, '{"type":"update","step":999999,"time":1.5,"fps":10,"metrics":{"loss":0.25}}\n');
      await viewer.indexed();
      expect(cached()).toEqual({ 'late/ppo/seed-3': 120 });
      const url = `${viewer.url}api/experiments/late/runs/ppo/seed-3/metrics?maxPoints=7`;
      const warm = (await (await fetch(url)).json()) as MetricsResponse;
      clearMetricsCache();
      const cold = (await (await fetch(url)).json()) as MetricsResponse;
      expect(warm).toEqual(cold);
      expect(warm.episodes.total).toBe(120);
      expect(warm.updates.points.at(-1)?.metrics.loss).toBeCloseTo(0.25, 12);
    } finally {
      await viewer.close();
    }
  });

  it('parses nothing ahead of requests with indexMs 0', async () => {
    run('quiet', 0, 20, 0);
    const viewer = await startViewer({ root, port: 0, indexMs: 0 });
    try {
      await viewer.indexed();
      expect(cachedMetricsFiles()).toEqual([]);
      await expect(startViewer({ root, port: 0, indexMs: -1 })).rejects.toThrow(/indexMs must be a non-negative number, got -1/);
    } finally {
      await viewer.close();
    }
  });
});
