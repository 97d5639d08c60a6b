// `arena compare` on run directories written by hand: loading (bad and torn
// lines), the per-variant numbers (worked out in the comments), the table,
// CSV, JSON, and the figure.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCommand } from '../../bin/compare.js';
import { compareRuns } from '../../experiments/compare.js';
import { formatTable, toCsv, toJson } from '../../experiments/comparison-format.js';
import { loadRuns } from '../../experiments/load-runs.js';
import type { Comparison, VariantSummary } from '../../experiments/compare.js';
import type { LoadedRun } from '../../experiments/load-runs.js';
import { learningCurveFigure } from '../../experiments/figure.js';
import { Rng } from '../../core/rng.js';
import { writeRun } from './helpers/runs.js';

// Experiment "cartpole", threshold 100 in every spec. Evaluations are [step, time, mean].
//
// ppo-small evaluates every 10 steps:
//   seed 0 finished (40 steps, 4 s): 0, 50, 100, 150, 200 at steps 0..40, times 0..4
//   seed 1 finished (40 steps, 8 s): 0, 20, 60, 120, 160 at steps 0..40, times 0, 2, .., 8
//   seed 2 running  (20 steps, 2 s): 10, 30, 80 at steps 0..20, times 0..2; a torn last line (still being written)
// ppo-large evaluates every 20 steps:
//   seed 0 finished (40 steps, 2 s): 0, 120, 180 at steps 0, 20, 40, times 0, 1, 2
//   seed 1 finished (40 steps, 4 s): 0, 80, 140 at times 0, 2, 4; a torn last line although finished
//   seed 2 failed   (20 steps, 1 s): 0, 40 at steps 0, 20, times 0, 1; an eval line without a mean, a malformed metrics line
let root: string;
let experimentDir: string;
let runs: LoadedRun[];
let comparison: Comparison;

function variant(c: Comparison, key: string): VariantSummary {
  const v = c.variants.find((x) => x.key === key);
  if (!v) throw new Error(`no variant ${key}`);
  return v;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'arena-compare-'));
  experimentDir = join(root, 'cartpole');
  const base = { experiment: 'cartpole', threshold: 100 };
  writeRun(root, {
    ...base,
    variant: 'ppo-small',
    seed: 0,
    status: 'finished',
    step: 40,
    seconds: 4,
    evals: [[0, 0, 0], [10, 1, 50], [20, 2, 100], [30, 3, 150], [40, 4, 200]],
    episodes: [[5, 0.5, 12], [15, 1.5, 20]],
  });
  writeRun(root, {
    ...base,
    variant: 'ppo-small',
    seed: 1,
    status: 'finished',
    step: 40,
    seconds: 8,
    evals: [[0, 0, 0], [10, 2, 20], [20, 4, 60], [30, 6, 120], [40, 8, 160]],
  });
  writeRun(root, {
    ...base,
    variant: 'ppo-small',
    seed: 2,
    status: 'running',
    step: 20,
    seconds: 2,
    evals: [[0, 0, 10], [10, 1, 30], [20, 2, 80]],
    evalTail: '{"step":30,"time":3,"me',
  });
  writeRun(root, { ...base, variant: 'ppo-large', seed: 0, status: 'finished', step: 40, seconds: 2, evals: [[0, 0, 0], [20, 1, 120], [40, 2, 180]] });
  writeRun(root, {
    ...base,
    variant: 'ppo-large',
    seed: 1,
    status: 'finished',
    step: 40,
    seconds: 4,
    evals: [[0, 0, 0], [20, 2, 80], [40, 4, 140]],
    evalTail: '{"step":60,"time":6,"mean":1',
  });
  writeRun(root, {
    ...base,
    variant: 'ppo-large',
    seed: 2,
    status: 'failed',
    step: 20,
    seconds: 1,
    evals: [[0, 0, 0], [20, 1, 40]],
    episodes: [[10, 0.5, 9]],
    evalTail: '{"step":30,"time":1.5}\n',
    metricsTail: '{oops\n',
  });
  runs = await loadRuns([experimentDir]);
  comparison = compareRuns(runs, { x: 'steps', points: 5 });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadRuns', () => {
  it('finds every run of an experiment directory, by variant name then seed', () => {
    expect(runs.map((r) => `${r.record.spec.variant}/${r.record.spec.seed}`)).toEqual([
      'ppo-large/0',
      'ppo-large/1',
      'ppo-large/2',
      'ppo-small/0',
      'ppo-small/1',
      'ppo-small/2',
    ]);
    expect(runs[3]!.evals.map((e) => e.mean)).toEqual([0, 50, 100, 150, 200]);
    // Episode lines only: the update lines in between are not episodes.
    expect(runs[3]!.episodes.map((e) => e.return)).toEqual([12, 20]);
  });

  it('reports bad lines precisely and keeps the good ones', () => {
    const bySeed = (v: string, s: number) => runs.find((r) => r.record.spec.variant === v && r.record.spec.seed === s)!;
    // A torn last line in a running run is a write in progress: left out silently.
    expect(bySeed('ppo-small', 2).problems).toEqual([]);
    expect(bySeed('ppo-small', 2).evals).toHaveLength(3);
    // In a finished run it means the writer died mid-line.
    const torn = bySeed('ppo-large', 1);
    expect(torn.problems).toHaveLength(1);
    expect(torn.problems[0]).toMatch(/^eval\.jsonl line 4: incomplete last line/);
    expect(torn.evals).toHaveLength(3);
    const bad = bySeed('ppo-large', 2);
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[0]).toMatch(/^eval\.jsonl line 3: expected an evaluation with numeric step, time and mean: \{"step":30,"time":1\.5\}$/);
    expect(bad.problems[1]).toMatch(/^metrics\.jsonl line 3: not valid JSON .*: \{oops$/);
    expect(bad.evals).toHaveLength(2);
    expect(bad.episodes).toHaveLength(1);
  });

  it('accepts run directories, loads a run once, and names a path that is neither', async () => {
    const one = join(experimentDir, 'ppo-small', 'seed-1');
    const both = await loadRuns([one, experimentDir]);
    expect(both).toHaveLength(6);
    expect(both[0]!.dir).toBe(one);
    await expect(loadRuns([join(root, 'nope')])).rejects.toThrow(/nope does not exist/);
    await expect(loadRuns([join(experimentDir, 'ppo-small')])).rejects.toThrow(/ppo-small is neither a run directory .* nor an experiment directory/);
    await expect(loadRuns([])).rejects.toThrow(/at least one/);
  });
});

describe('compareRuns', () => {
  it('counts seeds by status', () => {
    const small = variant(comparison, 'ppo-small');
    expect([small.seeds, small.finished, small.partial, small.failed, small.evaluated]).toEqual([3, 2, 1, 0, 3]);
    const large = variant(comparison, 'ppo-large');
    expect([large.seeds, large.finished, large.partial, large.failed, large.evaluated]).toEqual([3, 2, 0, 1, 3]);
    expect(small.runs.find((s) => s.seed === 2)!.partial).toBe(true);
    expect(comparison.variants.map((v) => v.key)).toEqual(['ppo-large', 'ppo-small']);
  });

  it('summarizes final returns: mean, IQM (n = 3: the plain mean) and a bootstrap interval', () => {
    // ppo-small: last evaluations 200, 160, 80 (the running seed's so far): mean 440 / 3.
    const small = variant(comparison, 'ppo-small');
    expect(small.final!.mean).toBeCloseTo(440 / 3, 10);
    expect(small.final!.iqm).toBeCloseTo(440 / 3, 10);
    expect(small.final!.low).toBeGreaterThanOrEqual(80);
    expect(small.final!.low).toBeLessThan(small.final!.mean);
    expect(small.final!.high).toBeGreaterThan(small.final!.mean);
    expect(small.final!.high).toBeLessThanOrEqual(200);
    // ppo-large: 180, 140, 40: mean 120.
    const large = variant(comparison, 'ppo-large');
    expect(large.final!.mean).toBeCloseTo(120, 10);
    expect(large.final!.iqm).toBeCloseTo(120, 10);
    expect(large.runs.map((s) => s.final)).toEqual([180, 140, 40]);
  });

  it('computes each seed\'s AUC over its own evaluations and averages them', () => {
    // ppo-small seed 0: trapezoids 10 * (0+50)/2 + 10 * (50+100)/2 + 10 * (100+150)/2 + 10 * (150+200)/2 = 4000, / 40 = 100.
    // seed 1: 10 * (20 + 80 + 180 + 280) / 2 = 2800, / 40 = 70. seed 2: 10 * (40 + 110) / 2 = 750, / 20 = 37.5.
    const small = variant(comparison, 'ppo-small');
    expect(small.runs.map((s) => s.auc)).toEqual([100, 70, 37.5]);
    expect(small.auc).toBeCloseTo((100 + 70 + 37.5) / 3, 10);
    // ppo-large seed 0: 20 * (0+120)/2 + 20 * (120+180)/2 = 4200, / 40 = 105.
    // seed 1: 20 * 80/2 + 20 * 220/2 = 3000, / 40 = 75. seed 2: 20 * 40/2 = 400, / 20 = 20.
    const large = variant(comparison, 'ppo-large');
    expect(large.runs.map((s) => s.auc)).toEqual([105, 75, 20]);
    expect(large.auc).toBeCloseTo(200 / 3, 10);
  });

  it('finds steps and wall time to the threshold, median over the seeds that reached it', () => {
    // ppo-small: seed 0 first >= 100 at step 20 (2 s), seed 1 at step 30 (6 s), seed 2 not (80 so far).
    const small = variant(comparison, 'ppo-small');
    expect([small.threshold, small.reached, small.of]).toEqual([100, 2, 3]);
    expect(small.stepsToThreshold).toBe(25);
    expect(small.secondsToThreshold).toBe(4);
    expect(small.runs.map((s) => s.stepsToThreshold)).toEqual([20, 30, null]);
    // ppo-large: seed 0 at step 20 (1 s), seed 1 at step 40 (4 s), seed 2 never (40).
    const large = variant(comparison, 'ppo-large');
    expect([large.reached, large.of, large.stepsToThreshold, large.secondsToThreshold]).toEqual([2, 3, 30, 2.5]);
    expect(comparison.threshold).toBe(100);
  });

  it('takes the threshold from the options over the specs', () => {
    // Threshold 150: ppo-small seed 0 at step 30 (3 s), seed 1 never (160 at step 40 counts: 40, 8 s).
    const c = compareRuns(runs, { x: 'steps', threshold: 150, points: 5 });
    const small = variant(c, 'ppo-small');
    expect(small.runs.map((s) => s.stepsToThreshold)).toEqual([30, 40, null]);
    expect([small.reached, small.stepsToThreshold, small.secondsToThreshold]).toEqual([2, 35, 5.5]);
    expect(c.threshold).toBe(150);
  });

  it('measures steps per second from run.json', () => {
    // ppo-small: 40/4, 40/8, 20/2 = 10, 5, 10; ppo-large: 40/2, 40/4, 20/1 = 20, 10, 20.
    expect(variant(comparison, 'ppo-small').stepsPerSecond).toBeCloseTo(25 / 3, 10);
    expect(variant(comparison, 'ppo-large').stepsPerSecond).toBeCloseTo(50 / 3, 10);
  });

  it('aligns curves with different eval grids by interpolation, dropping seeds past their end', () => {
    expect(comparison.grid).toEqual([0, 10, 20, 30, 40]);
    // ppo-small: (0+0+10)/3, (50+20+30)/3, (100+60+80)/3, then the running seed stops at 20: (150+120)/2, (200+160)/2.
    const small = variant(comparison, 'ppo-small').curve;
    expect(small.seeds).toEqual([3, 3, 3, 2, 2]);
    [10 / 3, 100 / 3, 80, 135, 180].forEach((m, i) => expect(small.mean[i]).toBeCloseTo(m, 10));
    // ppo-large at step 10 interpolates (0,120), (0,80), (0,40) to 60, 40, 20; at 30: (120,180) -> 150, (80,140) -> 110, failed seed ended.
    const large = variant(comparison, 'ppo-large').curve;
    expect(large.seeds).toEqual([3, 3, 3, 2, 2]);
    [0, 40, 80, 130, 160].forEach((m, i) => expect(large.mean[i]).toBeCloseTo(m, 10));
    for (let g = 0; g < 5; g++) {
      expect(large.low[g]).toBeLessThanOrEqual(large.mean[g]!);
      expect(large.high[g]).toBeGreaterThanOrEqual(large.mean[g]!);
    }
    // All seeds start at 0: no spread.
    expect([large.low[0], large.high[0]]).toEqual([0, 0]);
  });

  it('draws the band with the same resamples at every grid point: for curves proportional to x its edges are too', () => {
    // 8 seeds whose evaluations lie on lines through 0 with different slopes: every resample's mean is its mean slope times x,
    // so with shared resamples low/x and high/x are the same at every grid point; fresh resamples per point would give notches.
    const rng = new Rng(5);
    const template = runs[0]!;
    const lineRuns: LoadedRun[] = Array.from({ length: 8 }, (_, seed) => {
      const slope = 1 + 4 * rng.random();
      const evals = Array.from({ length: 11 }, (_, i) => ({ step: i * 10, time: i, episodes: 1, mean: slope * i * 10, std: 0, min: 0, max: 0, returns: [], lengths: [] }));
      return { ...template, dir: `lines/${seed}`, record: { ...template.record, spec: { ...template.record.spec, variant: 'lines', seed } }, evals, episodes: [], problems: [] };
    });
    const c = compareRuns(lineRuns, { x: 'steps', points: 41 });
    const v = c.variants[0]!.curve;
    expect(v.seeds.every((s) => s === 8)).toBe(true);
    const lowRatio = v.low[1]! / c.grid[1]!;
    const highRatio = v.high[1]! / c.grid[1]!;
    expect(highRatio - lowRatio).toBeGreaterThan(0.3);
    for (let g = 1; g < c.grid.length; g++) {
      expect(v.low[g]! / c.grid[g]!).toBeCloseTo(lowRatio, 9);
      expect(v.high[g]! / c.grid[g]!).toBeCloseTo(highRatio, 9);
      expect(v.mean[g]! / c.grid[g]!).toBeCloseTo(v.mean[1]! / c.grid[1]!, 9);
    }
  });

  it('is deterministic, and its seed moves only the intervals', () => {
    expect(toJson(compareRuns(runs, { x: 'steps', points: 5 }))).toBe(toJson(comparison));
    const other = compareRuns(runs, { x: 'steps', points: 5, seed: 7 });
    expect(variant(other, 'ppo-small').final!.mean).toBe(variant(comparison, 'ppo-small').final!.mean);
  });

  it('smooths curves only, and can use wall time as x', () => {
    const smoothed = compareRuns(runs, { x: 'steps', points: 5, smoothing: 3 });
    const small = variant(smoothed, 'ppo-small');
    expect(small.final!.mean).toBeCloseTo(440 / 3, 10);
    // Seed 0 smoothed with a 3-window: 25, 50, 100, 150, 175; seed 1: 10, 80/3, 200/3, 340/3, 140; seed 2: 20, 40, 55.
    expect(small.curve.mean[0]).toBeCloseTo((25 + 10 + 20) / 3, 10);
    expect(small.curve.mean[4]).toBeCloseTo((175 + 140) / 2, 10);
    const timed = compareRuns(runs, { x: 'time', points: 5 });
    // The slowest run (ppo-small seed 1) ends at 8 s.
    expect(timed.grid).toEqual([0, 2, 4, 6, 8]);
    // Over time, ppo-small seed 1 is the same shape as over steps; the AUC per seed stays 100, 70, 37.5.
    expect(variant(timed, 'ppo-small').runs.map((s) => s.auc)).toEqual([100, 70, 37.5]);
  });

  it('collects every run\'s problems with its directory', () => {
    expect(comparison.problems).toHaveLength(3);
    expect(comparison.problems[0]).toContain(join(experimentDir, 'ppo-large', 'seed-1'));
  });

  it('prefixes the experiment when runs come from several', async () => {
    writeRun(root, { experiment: 'other', variant: 'ppo-small', seed: 0, status: 'finished', step: 10, seconds: 1, evals: [[10, 1, 5]] });
    const c = compareRuns(await loadRuns([experimentDir, join(root, 'other')]), { x: 'steps', points: 5 });
    expect(c.variants.map((v) => v.key)).toEqual(['cartpole/ppo-large', 'cartpole/ppo-small', 'other/ppo-small']);
    const other = variant(c, 'other/ppo-small');
    // One seed: the interval is the value; no threshold in its spec, so nothing to reach.
    expect(other.final).toEqual({ mean: 5, low: 5, high: 5, iqm: 5 });
    expect([other.threshold, other.of, other.stepsToThreshold]).toEqual([null, 0, null]);
    // Thresholds differ across runs: no common one.
    expect(c.threshold).toBeNull();
    rmSync(join(root, 'other'), { recursive: true });
  });
});

describe('output', () => {
  it('prints an aligned table with a legend and the problems', () => {
    const text = formatTable(comparison);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^variant\s+seeds\s+status\s+final return \[95% CI\]\s+IQM\s+AUC\s+steps to 100\s+time to 100\s+steps\/s$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(text).toMatch(/ppo-small\s+3\s+2 finished, 1 partial\s+146\.7 \[\S+, \S+\]\s+146\.7\s+69\.17\s+25 \(2\/3\)\s+4\.0 s \(2\/3\)\s+8$/m);
    expect(text).toMatch(/ppo-large\s+3\s+2 finished, 1 failed\s+120\.0 \[\S+, \S+\]\s+120\.0\s+66\.67\s+30 \(2\/3\)\s+2\.5 s \(2\/3\)\s+17$/m);
    // Columns line up: the last column is right-aligned, so header, rule and rows end at one width,
    // and each row's status column starts under the header's.
    expect(new Set(lines.slice(0, 4).map((l) => l.length)).size).toBe(1);
    const col = lines[0]!.indexOf('status');
    expect(lines[2]!.slice(col)).toMatch(/^2 finished, 1 failed /);
    expect(lines[3]!.slice(col)).toMatch(/^2 finished, 1 partial /);
    expect(text).toContain('percentile-bootstrap');
    expect(text).toContain('IQM: interquartile mean');
    expect(text).toContain('problems (3):');
  });

  it('writes one CSV row per variant', () => {
    const lines = toCsv(comparison).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const header = lines[0]!.split(',');
    expect(header).toContain('final_iqm');
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((cell, i) => [header[i]!, cell])));
    for (const l of lines) expect(l.split(',')).toHaveLength(header.length);
    const small = rows.find((r) => r.variant === 'ppo-small')!;
    expect(Number(small.final_mean)).toBeCloseTo(440 / 3, 10);
    expect([small.experiment, small.seeds, small.partial, small.reached, small.steps_to_threshold, small.threshold]).toEqual(['cartpole', '3', '1', '2', '25', '100']);
  });

  it('writes JSON with per-seed numbers and curves (NaN as null)', () => {
    const json = JSON.parse(toJson(compareRuns(runs, { x: 'steps', points: 9 }))) as Comparison;
    expect(json.format).toBe('arena.comparison/1');
    expect(json.grid).toHaveLength(9);
    expect(json.variants).toHaveLength(2);
    expect(json.variants[1]!.runs).toHaveLength(3);
    expect(json.variants[1]!.curve.mean).toHaveLength(9);
    // The failed ppo-large seed ends at 20 and the others are defined everywhere: no gaps.
    expect(json.variants[0]!.curve.mean.every((v) => typeof v === 'number')).toBe(true);
  });
});

/**
 * Where the SVG text `content` is drawn: its anchor's x (the translations of its enclosing groups added up) and its
 * text-anchor, giving its left and right edges for a character width.
 */
function textExtent(svg: string, content: string): { left(charWidth: number): number; right(charWidth: number): number } {
  const stack: number[] = [];
  const tokens = /<g\b([^>]*)>|<\/g>|<text\b([^>]*)>([^<]*)<\/text>/g;
  for (let m = tokens.exec(svg); m; m = tokens.exec(svg)) {
    if (m[0].startsWith('</g')) stack.pop();
    else if (m[0].startsWith('<g') && !m[0].endsWith('/>')) stack.push(Number(/translate\(([-\d.]+),/.exec(m[1]!)?.[1] ?? 0));
    if (m[0].startsWith('<text') && m[3] === content && !/opacity="0"/.test(m[2]!)) {
      const own = Number(/translate\(([-\d.]+),/.exec(m[2]!)?.[1] ?? 0);
      const x = stack.reduce((a, b) => a + b, own);
      const anchor = /text-anchor="(\w+)"/.exec(m[2]!)?.[1] ?? 'start';
      const shift = anchor === 'middle' ? 0.5 : anchor === 'end' ? 1 : 0;
      return { left: (w) => x - shift * w * content.length, right: (w) => x + (1 - shift) * w * content.length };
    }
  }
  throw new Error(`no visible text ${content} in the SVG`);
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  expect([...png.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  // The first chunk is IHDR: length (4 bytes), type (4), then width and height as big-endian uint32.
  expect(String.fromCharCode(...png.slice(12, 16))).toBe('IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('figure', () => {
  it('renders an SVG naming the variants and a 300 dpi PNG of a 6.5 x 4 inch figure', async () => {
    const figure = await learningCurveFigure(compareRuns(runs, { x: 'steps' }), { x: 'steps', title: 'CartPole' });
    for (const text of ['ppo-small', 'ppo-large', 'environment steps', 'evaluation return', 'CartPole']) expect(figure.svg).toContain(text);
    expect(figure.svg).toContain('stroke-dasharray');
    // ppo-small's running seed ends at step 20: past it the mean is over fewer seeds, drawn dashed.
    expect(figure.svg).toContain('fewer seeds');
    const size = pngSize(figure.png);
    expect(size).toEqual({ width: figure.width, height: figure.height });
    expect(size.width).toBe(1950);
    expect(size.height).toBe(1200);
  });

  it('keeps the last x tick label inside the picture when the runs end just past a round number (PPO overshooting its budget)', async () => {
    // 50,176 steps (196 rollouts of 256): the tick at 50,000 sits 1 px from the plot's right edge, centred on it.
    const grid = Array.from({ length: 11 }, (_, i) => (i === 10 ? 50_176 : i * 5000));
    const line = grid.map((x) => x / 100);
    const c: Comparison = {
      ...comparison,
      grid,
      variants: [{ ...comparison.variants[0]!, evaluated: 3, curve: { mean: line, low: line.map((y) => y * 0.9), high: line.map((y) => y * 1.1), seeds: grid.map(() => 3) } }],
    };
    const { svg } = await learningCurveFigure(c, { x: 'steps' });
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    const label = textExtent(svg, '50,000');
    // Helvetica's digits and comma are at most 0.556 em wide: 11 px type gives at most 6.2 px a character.
    expect(label.right(6.2)).toBeLessThanOrEqual(width);
    expect(label.left(6.2)).toBeGreaterThanOrEqual(0);
  });

  it('names the time axis and refuses a mismatched x', async () => {
    const timed = compareRuns(runs, { x: 'time', points: 20 });
    const figure = await learningCurveFigure(timed, { x: 'time', thresholdLine: false });
    expect(figure.svg).toContain('wall time (s)');
    await expect(learningCurveFigure(timed, { x: 'steps' })).rejects.toThrow(/over time, not steps/);
  });
});

describe('compareCommand', () => {
  it('prints the table and writes CSV, JSON and the figure into the experiment directory', async () => {
    let out = '';
    const csvPath = join(root, 'table.csv');
    await compareCommand([experimentDir], { csv: csvPath, json: join(root, 'c.json') }, { stdout: (s) => (out += s) });
    expect(out).toMatch(/^variant\s+seeds/);
    expect(out).toContain(`wrote CSV to ${csvPath}`);
    expect(readFileSync(csvPath, 'utf8')).toBe(toCsv(compareRuns(runs, { x: 'steps' })));
    expect(JSON.parse(readFileSync(join(root, 'c.json'), 'utf8')).variants).toHaveLength(2);
    expect(out).toContain(join(experimentDir, 'curves.svg'));
    expect(existsSync(join(experimentDir, 'curves.svg'))).toBe(true);
    expect(pngSize(readFileSync(join(experimentDir, 'curves.png'))).width).toBe(1950);
  });

  it('shows runs without evaluations as dashes and draws no figure for them', async () => {
    writeRun(root, { experiment: 'fresh', variant: 'dqn', seed: 0, status: 'pending', step: 0, seconds: 0, evals: [] });
    let out = '';
    await compareCommand([join(root, 'fresh')], {}, { stdout: (s) => (out += s) });
    expect(out).toMatch(/^dqn\s+1\s+1 partial\s+-\s+-\s+-\s+-\s+-\s+-$/m);
    expect(out).toContain('no evaluations yet: no figure');
    expect(existsSync(join(root, 'fresh', 'curves.svg'))).toBe(false);
  });

  it('keeps stdout to the data when CSV goes there, and skips the figure on request', async () => {
    let out = '';
    let err = '';
    const dir = join(root, 'figures');
    await compareCommand(
      [join(experimentDir, 'ppo-small', 'seed-0')],
      { csv: true, figure: false, out: dir, x: 'time', threshold: 150 },
      { stdout: (s) => (out += s), stderr: (s) => (err += s) },
    );
    expect(out.split('\n')[0]).toMatch(/^experiment,variant,/);
    expect(out.trimEnd().split('\n')).toHaveLength(2);
    expect(err).toMatch(/^variant\s+seeds/);
    expect(err).toContain('time to 150');
    expect(existsSync(dir)).toBe(false);
  });
});
