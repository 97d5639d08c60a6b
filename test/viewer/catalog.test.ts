// The viewer's catalog of experiments and runs: a request for a run that has
// just been written must find it, even while a scan that started before the
// write is still under way (the live-events poller and the metrics indexer
// start scans of their own at any time).
import { describe, expect, it, vi } from 'vitest';
import { Catalog } from '../../viewer/catalog.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { writeFixtureRun } from './fixtures.js';

const tempDir = tempDirs('catalog');

describe('Catalog', () => {
  it('finds a run written while an older scan is still under way (it waits that scan out and scans again)', async () => {
    const root = tempDir();
    writeFixtureRun(root, { experiment: 'old', variant: 'v', seed: 0, env: 'CartPole-v1', curve: () => 3, episodes: [] });
    const catalog = await Catalog.open(root);
    await catalog.snapshot(0); // a fresh cached scan, as a server has after its first request
    // Another caller's scan reads the tree now and is held before it returns.
    const realScan = (catalog as unknown as { scan(): Promise<unknown> }).scan.bind(catalog);
    let scanned!: () => void;
    let release!: () => void;
    const read = new Promise<void>((r) => (scanned = r));
    const held = new Promise<void>((r) => (release = r));
    vi.spyOn(catalog as unknown as { scan(): Promise<unknown> }, 'scan').mockImplementationOnce(async () => {
      const snapshot = await realScan();
      scanned();
      await held;
      return snapshot;
    });
    const older = catalog.snapshot(0);
    await read;
    writeFixtureRun(root, { experiment: 'new', variant: 'v', seed: 0, env: 'CartPole-v1', curve: () => 3, episodes: [] });
    const request = catalog.run('new', 'v', 'seed-0');
    release();
    await older;
    await expect(request).resolves.toMatchObject({ experiment: 'new', variant: 'v', seed: 'seed-0' });
  });
});
