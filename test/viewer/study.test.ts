// A tuning study in the viewer: the experiment detail carries the trials table
// (trials.json) and links to the trials' runs; the table sorts by any column,
// trials without an objective last; a damaged trials.json leaves the page a
// plain experiment; in Chromium the page shows the table, sorts it on a
// header click and links each trial to its runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserSession } from './browser-session.js';
import { describeInChromium, failOnPageErrors, openBrowserSession } from './browser-session.js';
import type { ExperimentDetail, StudyTable, StudyTrial } from '../../viewer/api-types.js';
import { defaultTrialSort, sortTrials } from '../../viewer/client/pages/trial-sort.js';
import type { Viewer } from '../../viewer/server.js';
import { startViewer } from '../../viewer/server.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { writeFixtureRun } from './fixtures.js';

const trial = (number: number, status: StudyTrial['status'], objective: number | null, lr: number, hidden: number[]): StudyTrial => ({
  number, name: `trial-000${number}`, params: { learningRate: lr, hidden }, status, objective, rung: objective === null ? -1 : 0, budget: objective === null ? null : 2000, steps: 4000,
});
const STUDY: StudyTable = {
  objective: { metric: 'eval', aggregate: 'iqm', direction: 'maximize' },
  rungs: [2000, 6000, 20000],
  trials: [trial(0, 'pruned', 20, 0.01, [64]), trial(1, 'complete', 300, 0.001, [256]), trial(2, 'running', null, 0.1, [64]), trial(3, 'pruned', 20, 0.0001, [128])],
};

describe('the trials table', () => {
  it('sorts best first by default, by any column, with missing objectives last and ties by trial', () => {
    const names = (key: string, descending: boolean) => sortTrials(STUDY.trials, { key, descending }).map((t) => t.number);
    expect(defaultTrialSort(STUDY)).toEqual({ key: 'objective', descending: true });
    expect(names('objective', true)).toEqual([1, 0, 3, 2]);
    expect(names('objective', false)).toEqual([0, 3, 1, 2]);
    expect(names('param:learningRate', false)).toEqual([3, 1, 0, 2]);
    expect(names('param:hidden', false)).toEqual([3, 1, 0, 2]); // as JSON: "[128]" < "[256]" < "[64]"
    expect(names('status', false)).toEqual([1, 0, 3, 2]);
    expect(names('trial', true)).toEqual([3, 2, 1, 0]);
    expect(defaultTrialSort({ ...STUDY, objective: { ...STUDY.objective, direction: 'minimize' } }).descending).toBe(false);
  });
});

describe('the server', () => {
  const root = tempDirs('viewer-study')();
  let viewer: Viewer;
  beforeAll(async () => {
    for (const [n, seed] of [[0, 0], [1, 0], [1, 1]] as const) writeFixtureRun(root, { experiment: 'study', variant: `trial-000${n}`, seed, env: 'CartPole-v1', curve: () => 1, episodes: [] });
    writeFileSync(join(root, 'study', 'trials.json'), JSON.stringify(STUDY));
    writeFixtureRun(root, { experiment: 'damaged', variant: 'trial-0000', seed: 0, env: 'CartPole-v1', curve: () => 1, episodes: [] });
    writeFileSync(join(root, 'damaged', 'trials.json'), '{"trials": [');
    viewer = await startViewer({ root, port: 0, pollMs: 150 });
  });
  afterAll(async () => viewer.close());

  it("gives a study's trials with its runs; a damaged trials.json is left out", async () => {
    const detail = (await (await fetch(`${viewer.url}api/experiments/study`)).json()) as ExperimentDetail;
    expect(detail.study).toEqual(STUDY);
    expect(detail.runs.map((r) => `${r.variant}/${r.seed}`)).toEqual(['trial-0000/seed-0', 'trial-0001/seed-0', 'trial-0001/seed-1']);
    const damaged = (await (await fetch(`${viewer.url}api/experiments/damaged`)).json()) as ExperimentDetail;
    expect(damaged.study).toBeUndefined();
    expect(damaged.runs).toHaveLength(1);
  });
});

describeInChromium('the study page', () => {
  let session: BrowserSession;
  const errors: string[] = [];
  failOnPageErrors(errors);
  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-study-browser-',
      viewport: { width: 1200, height: 800 },
      errors,
      writeRuns: (runs) => {
        for (const [n, seed] of [[0, 0], [1, 0], [1, 1]] as const) writeFixtureRun(runs, { experiment: 'study', variant: `trial-000${n}`, seed, env: 'CartPole-v1', curve: () => 1, episodes: [] });
        writeFileSync(join(runs, 'study', 'trials.json'), JSON.stringify(STUDY));
      },
    });
  }, 120_000);
  afterAll(async () => session?.close());

  it('shows the trials best first, sorts on a header click, and links a trial to its runs', async () => {
    const { page, viewer } = session;
    await page.goto(`${viewer.url}#/experiment/study`);
    const rows = page.locator('[data-testid=trials-table] tbody tr');
    await rows.first().waitFor();
    const firstCells = async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')!.textContent))) as string[];
    expect(await firstCells()).toEqual(['trial-0001', 'trial-0000', 'trial-0003', 'trial-0002']);
    await page.click('[data-testid="sort-param:learningRate"]');
    expect(await firstCells()).toEqual(['trial-0003', 'trial-0001', 'trial-0000', 'trial-0002']);
    await page.click('[data-testid="sort-param:learningRate"]');
    expect(await firstCells()).toEqual(['trial-0002', 'trial-0000', 'trial-0001', 'trial-0003']);
    const links = page.locator('[data-testid="trial-trial-0001"] a');
    expect(await links.allTextContents()).toEqual(['seed-0 ', 'seed-1 ']);
    await links.first().click();
    await page.waitForURL(/#\/run\/study\/trial-0001\/seed-0$/);
  }, 60_000);
});
