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

/** The settings of every `--set key=value` of a command line, in order, later ones winning. */
export function settingsOf(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [key, value] = parseSetting(pair);
    out[key] = value;
  }
  return out;
}
