// viewer/episode-line-scanner.ts: the fast path for episode lines against
// JSON.parse, on varied and mutated lines and on numbers of every shape: it
// either declines a line or reads exactly what JSON.parse does.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { EpisodeLineScanner } from '../../viewer/episode-line-scanner.js';

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
  it('reads the lines experiments/execute-run.ts writes, at full precision, as JSON.parse does', () => {
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
