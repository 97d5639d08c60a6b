// `--set key=value` on the benchmarks' command lines: hyperparameters that
// replace a recipe's own for one run of the benchmark (to try a change
// without editing the recipe). The value is read as JSON when it parses
// (numbers, booleans, arrays such as [128,128]), else taken as a string;
// the agent's own validation then checks it like any other hyperparameter.
import { parseKeyValue } from '../bin/commands.js';

/** Parses one `key=value` (as `--hp` does); throws a message naming the flag when there is no key. */
export function parseSetting(pair: string): [string, unknown] {
  return parseKeyValue(pair, '--set');
}

/** Every `--set key=value` in `argv`, later ones winning. */
export function settingsFrom(argv: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--set') continue;
    const pair = argv[i + 1];
    if (pair === undefined) throw new Error('--set needs a value: key=value');
    const [key, value] = parseSetting(pair);
    out[key] = value;
  }
  return out;
}
