// The run store's file discipline: whole-line appends, torn last lines left
// out, atomic rewrites, and the plain-line progress reporter.
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineReporter, fmtDuration } from '../../experiments/progress.js';
import { JsonlWriter, parseJsonl, readJsonl, truncateJsonlSync, writeJsonAtomic } from '../../experiments/store.js';
import type { PlannedRun, RunSpec } from '../../experiments/types.js';

const root = mkdtempSync(join(tmpdir(), 'arena-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('JSONL files', () => {
  it('a reader sees whole lines only: a last line still being written is left out', () => {
    expect(parseJsonl('{"a":1}\n{"a":2}\n{"a":').lines).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonl('{"a":1}').lines).toEqual([]);
    expect(parseJsonl('').lines).toEqual([]);
  });

  it('reports malformed lines with their line numbers and keeps the rest', () => {
    const { lines, bad } = parseJsonl('{"a":1}\nnot json\n\n{"a":3}\n');
    expect(lines).toEqual([{ a: 1 }, { a: 3 }]);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ line: 2, text: 'not json' });
  });

  it('JsonlWriter appends one whole line per value, readable while it writes', async () => {
    const path = join(root, 'metrics.jsonl');
    const w = new JsonlWriter(path);
    w.append({ step: 1 });
    expect((await readJsonl(path)).lines).toEqual([{ step: 1 }]);
    w.append({ step: 2, nested: { x: [1, 2] } });
    w.close();
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2,"nested":{"x":[1,2]}}\n');
    expect(() => w.append({})).toThrow(/closed/);
    expect((await readJsonl(join(root, 'missing.jsonl'))).lines).toEqual([]);
  });

  it('truncation keeps the chosen lines, drops a torn tail and leaves no temp file', () => {
    const path = join(root, 'eval.jsonl');
    writeFileSync(path, '{"step":0}\n{"step":500}\n{"step":1000}\n');
    appendFileSync(path, '{"step":15');
    truncateJsonlSync<{ step: number }>(path, (l) => l.step <= 500);
    expect(readFileSync(path, 'utf8')).toBe('{"step":0}\n{"step":500}\n');
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('JSON documents are replaced whole', async () => {
    const path = join(root, 'run.json');
    await writeJsonAtomic(path, { status: 'running' });
    await writeJsonAtomic(path, { status: 'finished' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ status: 'finished' });
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('LineReporter', () => {
  it('prints starts, each tenth of a run, and ends, for logs', () => {
    const out: string[] = [];
    const r = new LineReporter((l) => out.push(l));
    const run: PlannedRun = { spec: { variant: 'ppo', seed: 2, totalSteps: 1000 } as RunSpec, dir: '/x' };
    r.start([run], [], 2);
    r.runStarted(run);
    for (let step = 50; step <= 1000; step += 50) r.runProgress(run, { step, totalSteps: 1000, fps: 1234.4, recentReturn: step / 10, evalReturn: null });
    r.runEnded(run, { status: 'finished', step: 1000, seconds: 75, resumedFrom: null });
    expect(out[0]).toBe('running 1 run(s) on 2 worker(s)');
    expect(out[1]).toBe('  start  ppo/seed-2  (1.0k steps)');
    const progress = out.filter((l) => l.includes('%'));
    expect(progress.map((l) => l.trim().split(/\s+/)[0])).toEqual(['10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
    expect(progress[0]).toMatch(/ppo\/seed-2 {2}step 100 {2}1234 steps\/s {2}return 10\.0 {2}eval -/);
    expect(out.at(-1)).toBe('  end    ppo/seed-2  finished at step 1000 in 1m15s  [1/1]');
  });

  it('formats durations', () => {
    expect(fmtDuration(3.21)).toBe('3.2s');
    expect(fmtDuration(42.4)).toBe('42s');
    expect(fmtDuration(125)).toBe('2m05s');
    expect(fmtDuration(7300)).toBe('2h01m');
  });
});
