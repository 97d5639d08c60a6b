// viewer/metrics-store.ts: the fast path for episode lines (EpisodeLineScanner)
// against JSON.parse on varied and mutated lines and on numbers of every
// shape, and metricsOf on whole files: the same answers whether the lines go
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
import { EpisodeLineScanner, clearMetricsCache, metricsOf } from '../../viewer/metrics-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'arena-metrics-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => clearMetricsCache());

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** What the fast path makes of `line`: its fields, or null when it declines the line. */
function fast(line: string): { step: number; time: number; ret: number; length: number } | null {
  const scanner = new EpisodeLineScanner();
  const buf = Buffer.from(`${line}\n`, 'utf8');
  const stop = scanner.read(buf, 0);
  if (stop < 0) return null;
  if (stop !== buf.length - 1) throw new Error(`${line}: the line read ends at ${stop}, not at its newline`);
  return { step: scanner.step, time: scanner.time, ret: scanner.ret, length: scanner.length };
}

/** What the slow path (JSON.parse, as metrics-store.ts checks it) makes of `line`, when it is an episode line it keeps. */
function slow(line: string): { step: number; time: number; ret: number; length: number } | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o.type !== 'episode' || !num(o.step) || !num(o.return)) return null;
  return { step: o.step, time: num(o.time) ? o.time : Number.NaN, ret: o.return, length: num(o.length) ? o.length : Number.NaN };
}

/** The fast path either declines `line` or reads exactly what JSON.parse does (-0 and NaN included). */
function agrees(line: string): boolean {
  const f = fast(line);
  if (f === null) return true;
  const s = slow(line);
  return s !== null && Object.is(f.step, s.step) && Object.is(f.time, s.time) && Object.is(f.ret, s.ret) && Object.is(f.length, s.length);
}

const runLine = (step: number, time: number, episode: number, ret: number, length: number, truncated: boolean): string =>
  JSON.stringify({ type: 'episode', step, time, episode, return: ret, length, truncated });

describe('EpisodeLineScanner', () => {
  it('reads the lines experiments/run.ts writes, at full precision, as JSON.parse does', () => {
    const lines = [
      runLine(100, 0.01980481433868408, 0, 12.414823870965401, 12, false),
      runLine(2000, 12.3456, 19, 500, 500, true),
      runLine(1, 0, 0, -123.45678901234567, 200, false),
      runLine(99999999, 86400.12345678901, 123456, -0.000123456789, 1, false),
      runLine(5, 1e-7, 1, 1e21, 3, false),
      runLine(5, 5e-324, 1, 1.7976931348623157e308, 3, false),
      runLine(5, 0.1, 1, 9007199254740993, 3, false),
      runLine(5, 0.30000000000000004, 1, 2 ** 53, 3, false),
      runLine(5, 123456789.12345679, 1, 0.5, 3, false),
    ];
    for (const line of lines) {
      expect(fast(line), line).not.toBeNull();
      expect(agrees(line), line).toBe(true);
    }
  });

  it('takes keys in any order, extra keys and repeated keys (the last wins), and writes time NaN and length NaN when they are not numbers', () => {
    const taken = [
      '{"return":3,"step":2,"type":"episode"}',
      '{"step":2,"return":3,"length":4,"time":5,"type":"episode"}',
      '{"type":"episode","step":2,"return":3,"note":"a string with ünïcode and spaces","flag":null,"ok":true,"bad":false}',
      '{"type":"episode","step":2,"return":3,"time":null,"length":"seven"}',
      '{"type":"episode","step":2,"return":3,"time":1e999,"length":-1e999}',
      '{"type":"update","step":2,"return":3,"type":"episode"}',
      '{"type":"episode","step":2,"return":3,"step":4.5,"return":-0}',
      '{"type":"episode","step":-0,"return":-0.0,"time":0E0,"length":1E+2}',
      '{"type":"episode","step":1.5e3,"return":2.5E-3,"time":-12e-2,"length":7.000}',
      '{"type":"episode","step":12345678901234567890,"return":0.1234567890123456789012,"time":1.5e-30,"length":99}',
    ];
    for (const line of taken) {
      expect(fast(line), line).not.toBeNull();
      expect(agrees(line), line).toBe(true);
    }
    expect(fast('{"type":"episode","step":2,"return":3,"time":null,"length":"seven"}')).toEqual({ step: 2, time: Number.NaN, ret: 3, length: Number.NaN });
    expect(fast('{"type":"episode","step":2,"return":3,"step":4.5,"return":-0}')).toMatchObject({ step: 4.5, ret: -0 });
  });

  it('declines update lines, invalid JSON and whatever it does not read itself', () => {
    const declined = [
      // Not episode lines (JSON.parse reads them, or reports them).
      '{"type":"update","step":2,"time":1,"fps":5,"metrics":{"loss":0.5}}',
      '{"type":"episode","step":2}',
      '{"type":"episode","return":2}',
      '{"type":"episode","step":"2","return":3}',
      '{"type":"episode","step":1e999,"return":3}',
      '{"type":"episode","step":2,"return":null}',
      '{"type":"Episode","step":2,"return":3}',
      '{"type":"episode","step":2,"return":3,"type":"update"}',
      '{"type":"episode","step":2,"return":3,"type":7}',
      '{"step":2,"return":3}',
      '{}',
      '[]',
      '7',
      '',
      // Valid JSON the fast path leaves to JSON.parse.
      ' {"type":"episode","step":2,"return":3}',
      '{"type":"episode","step":2,"return":3} ',
      '{"type": "episode","step":2,"return":3}',
      '{"type":"episode","step":2,"return":3}\r',
      '{"ty\\u0070e":"episode","step":2,"return":3}',
      '{"type":"episode","step":2,"return":3,"note":"a \\"quote\\""}',
      '{"type":"episode","step":2,"return":3,"extra":{"a":1}}',
      '{"type":"episode","step":2,"return":3,"extra":[1,2]}',
      // Invalid JSON.
      '{"type":"episode","step":2,"return":3,}',
      '{"type":"episode","step":2,"return":3',
      '{"type":"episode","step":2,"return":3}}',
      '{"type":"episode","step":2,"return":3}x',
      '{"type":"episode","step":02,"return":3}',
      '{"type":"episode","step":2.,"return":3}',
      '{"type":"episode","step":.5,"return":3}',
      '{"type":"episode","step":+2,"return":3}',
      '{"type":"episode","step":-,"return":3}',
      '{"type":"episode","step":2e,"return":3}',
      '{"type":"episode","step":2e+,"return":3}',
      '{"type":"episode","step":0x10,"return":3}',
      '{"type":"episode","step":2,"return":NaN}',
      '{"type":"episode","step":2,"return":Infinity}',
      '{"type":"episode","step":2,"return":3,"ok":tru}',
      '{"type":"episode","step":2,"return":3,"ok":nul}',
      '{"type":"episode","step":2,"return":3,"ok":falsey}',
      "{'type':'episode','step':2,'return':3}",
      '{type:"episode","step":2,"return":3}',
      '{"type":"episode","step"2,"return":3}',
      '{"type":"episode","step":2,"return":3,"s":"tab\there"}',
      '{"type":"episode""step":2,"return":3}',
      '{"type":"episode",,"step":2,"return":3}',
    ];
    for (const line of declined) expect(fast(line), line).toBeNull();
  });

  it('agrees with JSON.parse on lines damaged at random', () => {
    const rng = new Rng(7);
    const alphabet = '{}[]":,.-+eE0123456789 \\tnulfrsa';
    const base = [
      runLine(100, 0.01980481433868408, 0, 12.414823870965401, 12, false),
      '{"type":"episode","step":1.5e3,"return":-2.5E-3,"time":null,"length":7,"x":"y"}',
    ];
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = base[i % base.length]!;
      for (let edits = 1 + rng.integers(0, 3); edits > 0; edits--) {
        const at = rng.integers(0, line.length + 1);
        const c = alphabet[rng.integers(0, alphabet.length)]!;
        const kind = rng.integers(0, 3);
        line = kind === 0 ? line.slice(0, at) + line.slice(at + 1) : kind === 1 ? line.slice(0, at) + c + line.slice(at) : line.slice(0, at) + c + line.slice(at + 1);
      }
      if (!agrees(line)) throw new Error(`the fast path reads ${JSON.stringify(line)} differently from JSON.parse`);
      if (fast(line) !== null) taken++;
    }
    // Some of the damaged lines are still episode lines the fast path reads.
    expect(taken).toBeGreaterThan(1000);
  });

  it('reads numbers of every size and precision exactly as JSON.parse does', () => {
    const rng = new Rng(11);
    const makers: (() => number)[] = [
      () => rng.random(),
      () => rng.random() * 1000 - 500,
      () => rng.random() * 1e-6,
      () => (rng.random() - 0.5) * 1e18,
      () => rng.random() * 2 ** 60,
      () => Math.round(rng.random() * 1e6) / 100,
      () => Number((rng.random() * 100).toPrecision(1 + rng.integers(0, 17))),
      () => Number(`${1 + rng.integers(0, 9)}${String(rng.integers(0, 1e9)).padStart(9, '0')}${String(rng.integers(0, 1e8)).padStart(8, '0')}e-${rng.integers(0, 23)}`),
      () => 2 ** (rng.integers(0, 120) - 60),
      () => (2 ** (rng.integers(0, 60) - 30)) * (1 + 2 ** -52),
    ];
    for (let i = 0; i < 100_000; i++) {
      const make = makers[i % makers.length]!;
      const line = runLine(i, make(), i, make(), 1, false);
      if (fast(line) === null || !agrees(line)) throw new Error(`${line}: ${JSON.stringify(fast(line))} vs ${JSON.stringify(slow(line))}`);
    }
    // The same numbers spelled with exponents and upper-case E, signs and trailing zeros.
    for (let i = 0; i < 20_000; i++) {
      const digits = String(rng.integers(0, 1e9)) + String(rng.integers(0, 1e9)).padStart(9, '0');
      const text = `${rng.integers(0, 2) ? '-' : ''}${digits.slice(0, 1 + rng.integers(0, 3))}.${digits.slice(3)}${'0'.repeat(rng.integers(0, 3))}${['e', 'E', 'e+', 'e-'][rng.integers(0, 4)]}${rng.integers(0, 25)}`;
      const line = `{"type":"episode","step":1,"return":${text},"time":${text}}`;
      if (!agrees(line)) throw new Error(`${line}: ${JSON.stringify(fast(line))} vs ${JSON.stringify(slow(line))}`);
    }
  });
});

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
