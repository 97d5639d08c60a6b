import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BenchFlags, usage } from '../../bench/args.js';

const SPEC = {
  seeds: { value: 'N', help: 'seeds' },
  set: { value: 'KEY=VALUE', repeat: true, help: 'a setting' },
  quiet: { help: 'a switch' },
} as const;

describe("the benchmarks' command-line flags", () => {
  it('reads values, repeats and switches', () => {
    const f = BenchFlags.parse('bench:x', ['--seeds', '3', '--set', 'a=1', '--quiet', '--set', 'b=2'], SPEC)!;
    expect(f.int('seeds', 5)).toBe(3);
    expect(f.list('set')).toEqual(['a=1', 'b=2']);
    expect(f.has('quiet')).toBe(true);
    expect(BenchFlags.parse('bench:x', [], SPEC)!.int('seeds', 5)).toBe(5);
  });

  it('refuses an unknown flag, a missing value and a stray argument, naming them, with the usage', () => {
    expect(() => BenchFlags.parse('bench:x', ['--seedz', '3'], SPEC)).toThrow(/bench:x: Unknown option '--seedz'[\s\S]*usage: npm run bench:x -- \[flags\][\s\S]*--seeds N/);
    expect(() => BenchFlags.parse('bench:x', ['--seeds'], SPEC)).toThrow(/bench:x: Option '--seeds <value>' argument missing/);
    expect(() => BenchFlags.parse('bench:x', ['3'], SPEC)).toThrow(/bench:x: Unexpected argument '3'/);
  });

  it('checks integers where they are read', () => {
    const f = BenchFlags.parse('bench:x', ['--seeds', '2.5'], SPEC)!;
    expect(() => f.int('seeds', 5)).toThrow('bench:x: --seeds must be an integer >= 1, got "2.5"');
    expect(() => BenchFlags.parse('bench:x', ['--seeds', '0'], SPEC)!.int('seeds', 5)).toThrow(/>= 1, got "0"/);
    expect(BenchFlags.parse('bench:x', ['--seeds', '0'], SPEC)!.int('seeds', 5, 0)).toBe(0);
  });

  it('answers --help with null (the caller prints the usage), which lists every flag', () => {
    expect(BenchFlags.parse('bench:x', ['--help'], SPEC)).toBeNull();
    expect(usage('bench:x', SPEC)).toMatch(/--set KEY=VALUE +a setting \(repeatable\)\n {2}--quiet +a switch\n {2}--help/);
  });

  // The learning benchmark used to ignore flags it did not know: `--help` (or a
  // typo such as --seedz 3) started every recipe's training with the defaults.
  it('bench:learn prints its usage on --help, without training', () => {
    const script = fileURLToPath(new URL('../../dist/bench/learn.js', import.meta.url));
    const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run bench:learn -- \[flags\]\n[\s\S]*--first-seed S/);
    expect(help.stderr).not.toMatch(/training/);
  });
});
