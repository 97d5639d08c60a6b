// Command-line flags of the benchmarks: one strict reader, so that a mistyped
// or unknown flag stops with a message naming it and the benchmark's usage,
// and `--help` prints the usage, instead of silently starting hours of runs
// with the defaults. Values are checked where they are read (`int`, `number`).
import { parseArgs } from 'node:util';

/** One flag: its value's placeholder (none for a switch), whether it may repeat, and what it does. */
export interface FlagDoc {
  readonly value?: string;
  readonly repeat?: boolean;
  readonly help: string;
}

/** The flags a benchmark accepts, by name without the leading `--`. */
export type FlagSpec = Readonly<Record<string, FlagDoc>>;

/** The usage text: the benchmark's command, then one line per flag. */
export function usage(bench: string, spec: FlagSpec): string {
  const lines = Object.entries(spec).map(([name, d]) => {
    const left = `  --${name}${d.value ? ` ${d.value}` : ''}`;
    return `${left.padEnd(26)} ${d.help}${d.repeat ? ' (repeatable)' : ''}`;
  });
  return `usage: npm run ${bench} -- [flags]\n${lines.join('\n')}\n  --help                   this text\n`;
}

/** The flags of one command line, read against a spec. */
export class BenchFlags {
  private constructor(
    private readonly bench: string,
    private readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>,
  ) {}

  /**
   * Reads `argv` (without node and the script) against `spec`. Returns null
   * after `--help` (the caller prints `usage` and stops); throws on an unknown
   * flag, a flag without its value, a switch given a value, or a stray argument.
   */
  static parse(bench: string, argv: readonly string[], spec: FlagSpec): BenchFlags | null {
    const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
    for (const [name, d] of Object.entries(spec)) options[name] = { type: d.value ? 'string' : 'boolean', ...(d.repeat ? { multiple: true } : {}) };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    } catch (e) {
      const reason = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
      throw new Error(`${bench}: ${reason}\n${usage(bench, spec)}`);
    }
    if (parsed.values.help) return null;
    return new BenchFlags(bench, parsed.values as Record<string, string | boolean | string[] | undefined>);
  }

  /** A string flag's value, or undefined when absent. */
  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** Whether a switch was given. */
  has(name: string): boolean {
    return this.values[name] === true;
  }

  /** Every value of a repeatable flag, in order. */
  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : [];
  }

  /** An integer flag, at least `min`; `fallback` when absent. */
  int(name: string, fallback: number, min = 1): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`${this.bench}: --${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  }

  /** A finite number flag above zero; `fallback` when absent. */
  positive(name: string, fallback: number): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new Error(`${this.bench}: --${name} must be a number > 0, got ${JSON.stringify(v)}`);
    return n;
  }
}

/**
 * Reads a benchmark's command line (process.argv after the script): on
 * `--help` prints the usage and exits 0; on bad flags prints the error with
 * the usage and exits 2.
 */
export function benchFlags(bench: string, spec: FlagSpec, argv: readonly string[] = process.argv.slice(2)): BenchFlags {
  let flags: BenchFlags | null;
  try {
    flags = BenchFlags.parse(bench, argv, spec);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  if (flags === null) {
    process.stdout.write(usage(bench, spec));
    process.exit(0);
  }
  return flags;
}
