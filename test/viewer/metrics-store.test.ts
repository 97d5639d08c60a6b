// viewer/metrics-store.ts: metricsOf on whole files: the same answers whether the lines go
// the fast way or through JSON.parse, files of many read pieces (lines cut at
// the pieces' ends, one line longer than a piece), torn last lines left for
// later, files rewritten in place read afresh, and malformed lines skipped
// and named (file and line) in the answer's problems.
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import type { MetricsResponse } from '../../viewer/api-types.js';
import { clearMetricsCache, metricsOf } from '../../viewer/metrics-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'arena-metrics-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => clearMetricsCache());

const runLine = (step: number, time: number, episode: number, ret: number, length: number, truncated: boolean): string =>
  JSON.stringify({ type: 'episode', step, time, episode, return: ret, length, truncated });

describe('metricsOf', () => {
  let n = 0;
  const file = (text: string): string => {
    const path = join(tmp, `metrics-${n++}.jsonl`);
    writeFileSync(path, text);
    return path;
  };

  /** A metrics.jsonl with episode and update lines, some of each kind the fast path declines (spaces, nested extras), and blank lines. */
  function mixed(count: number, spaced: boolean): string {
    const rng = new Rng(3);
    let text = '';
    for (let i = 0; i < count; i++) {
      const o = { type: 'episode', step: (i + 1) * 10, time: i * 0.0123456789 + rng.random(), episode: i, return: (rng.random() - 0.3) * 1e3, length: 1 + rng.integers(0, 500), truncated: rng.integers(0, 2) === 1 };
      text += (spaced || i % 13 === 0 ? JSON.stringify(o, null, 1).replace(/\n/g, '') : JSON.stringify(o)) + '\n';
      if (i % 17 === 0) text += JSON.stringify({ type: 'update', step: (i + 1) * 10, time: i * 0.01, fps: 1000 + rng.integers(0, 100), metrics: { loss: rng.random(), entropy: -rng.random() } }) + '\n';
      if (i % 101 === 0) text += '\n';
    }
    return text;
  }

  it('gives the same answers whether episode lines go the fast way or through JSON.parse', async () => {
    const fastFile = file(mixed(5000, false));
    const slowFile = file(mixed(5000, true));
    for (const maxPoints of [1, 7, 600, 100_000]) {
      const a = await metricsOf(fastFile, 'fast', maxPoints);
      const b = await metricsOf(slowFile, 'slow', maxPoints);
      expect(a).toEqual(b);
      expect(a.episodes.total).toBe(5000);
      expect(a.updates.total).toBe(Math.ceil(5000 / 17));
    }
  });

  it('reads files of many 1 MB pieces, lines cut at every piece boundary and a line longer than a piece, as JSON.parse does', async () => {
    const rng = new Rng(11);
    let text = '';
    const expected: { step: number; ret: number }[] = [];
    for (let i = 0; text.length < 3.5e6; i++) {
      const step = (i + 1) * 7;
      const ret = (rng.random() - 0.5) * 1e4;
      expected.push({ step, ret });
      text += runLine(step, i * 0.01, i, ret, 1 + rng.integers(0, 500), false) + '\n';
      // A 1.5 MB update line (an extra field) in the middle: longer than one read.
      if (i === 12_000) text += JSON.stringify({ type: 'update', step, time: 1, fps: 1, metrics: { loss: 0.5 }, note: 'x'.repeat(1_500_000) }) + '\n';
    }
    const path = file(text);
    const m = await metricsOf(path, 'pieces', 1e9);
    expect(m.episodes.total).toBe(expected.length);
    expect(m.updates.total).toBe(1);
    expect(m.episodes.points.map((q) => q.step)).toEqual(expected.map((e) => e.step));
    expect(m.episodes.points.map((q) => q.return)).toEqual(expected.map((e) => e.ret));
    // Grown by a torn line across the next boundary: read from where it stopped, then completed.
    const extra = runLine(1e9, 1, 1, 42.5, 3, false);
    appendFileSync(path, extra.slice(0, 10));
    expect((await metricsOf(path, 'pieces', 1e9)).episodes.total).toBe(expected.length);
    appendFileSync(path, `${extra.slice(10)}\n`);
    const grown = await metricsOf(path, 'pieces', 1e9);
    expect(grown.episodes.points.at(-1)).toMatchObject({ step: 1e9, return: 42.5 });
  });

  it('leaves a torn last line for later and reads it once it is complete', async () => {
    const lines = mixed(300, false).split('\n');
    const whole = lines.join('\n');
    const path = file('');
    const cut = whole.length - 40;
    appendFileSync(path, whole.slice(0, cut));
    const before = await metricsOf(path, 'torn', 100_000);
    appendFileSync(path, whole.slice(cut));
    const after = await metricsOf(path, 'torn', 100_000);
    expect(after.episodes.total).toBe(300);
    expect(before.episodes.total).toBe(299);
    expect(after.episodes.points.slice(0, 299)).toEqual(before.episodes.points);
    clearMetricsCache();
    expect(await metricsOf(path, 'torn', 100_000)).toEqual(after);
    // A line cut in the middle of a number is not read as a shorter number.
    const numberCut = file('{"type":"episode","step":1,"return":2}\n{"type":"episode","step":2,"return":12');
    const m: MetricsResponse = await metricsOf(numberCut, 'cut', 100);
    expect(m.episodes.points.map((p) => p.return)).toEqual([2]);
  });

  it('reads a file rewritten in place (same inode, larger) afresh rather than as appended', async () => {
    const path = file('');
    const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => runLine(from + i, i, i, from + i, 1, false) + '\n').join('');
    writeFileSync(path, lines(100, 3));
    expect((await metricsOf(path, 'inplace', 100)).episodes.points.map((q) => q.return)).toEqual([100, 101, 102]);
    const ino = statSync(path).ino;
    // Truncated and written again through the same inode (an editor saving, `>` in a shell): other lines, more of them.
    writeFileSync(path, lines(500, 5));
    expect(statSync(path).ino).toBe(ino);
    const m = await metricsOf(path, 'inplace', 100);
    expect(m.episodes.points.map((q) => q.return)).toEqual([500, 501, 502, 503, 504]);
    expect(m.problems).toEqual([]);
    clearMetricsCache();
    expect(await metricsOf(path, 'inplace', 100)).toEqual(m);
  });

  it('skips a malformed line and names it in problems (file and line), counting fast and slow lines and blank ones', async () => {
    const good = mixed(200, false);
    const lineCount = good.split('\n').length - 1;
    const cases: [string, RegExp][] = [
      ['{"type":"episode","step":5,"ret', /not valid JSON/],
      ['{"type":"episode","step":5,"return":3,}', /not valid JSON/],
      ['{"type":"episode","step":05,"return":3}', /not valid JSON/],
      ['{"type":"episode","step":5}', /an episode line needs numeric step and return/],
      ['{"type":"reward","step":5}', /unknown line type "reward"/],
      ['[1,2]', /expected a JSON object/],
    ];
    const whole = await metricsOf(file(`${good}${good}`), 'run/metrics.jsonl', 100_000);
    for (const [bad, message] of cases) {
      const path = file(`${good}${bad}\n${good}`);
      const m = await metricsOf(path, 'run/metrics.jsonl', 100_000);
      // Every good line is there, as without the bad one.
      expect(m.episodes, bad).toEqual(whole.episodes);
      expect(m.updates).toEqual(whole.updates);
      expect(m.problems).toHaveLength(1);
      expect(m.problems[0]).toMatch(new RegExp(`^run/metrics\\.jsonl line ${lineCount + 1}: ${message.source}`));
    }
  });
});
