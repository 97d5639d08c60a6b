// What the `arena` commands that run things share: loading --import modules,
// a config path that must exist, Ctrl-C and SIGTERM for a long command, and
// (for `arena run` and `arena tune`) the run-store options and storage errors.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { storageFailure } from '../experiments/store.js';

/** Imports modules that register extra envs or agents; returns their file URLs for the workers. */
export async function importModules(paths: readonly string[]): Promise<string[]> {
  const urls: string[] = [];
  for (const p of paths) {
    const url = /^[a-z]+:/.test(p) ? p : pathToFileURL(resolve(p)).href;
    try {
      await import(url);
    } catch (e) {
      throw new Error(`--import ${p}: ${(e as Error).message}`);
    }
    urls.push(url);
  }
  return urls;
}

/** Fails with the path when the config file named on the command line does not exist. */
export function checkConfigPath(path: string): void {
  if (!existsSync(path)) throw new Error(`no such config file: ${path}`);
}

/**
 * Ctrl-C and SIGTERM for a long command: the first asks for a stop (`what`
 * says what happens to the work under way) through the returned signal, the
 * second quits at once. `release` removes the handlers.
 */
export function stopOnSignals(say: (line: string) => void, what: string): { signal: AbortSignal; release(): void } {
  const stopping = new AbortController();
  let stops = 0;
  const onSignal = (): void => {
    stops += 1;
    if (stops > 1) process.exit(130);
    say(`stopping: ${what} (Ctrl-C again to quit at once); continue later with --resume`);
    stopping.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stopping.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** A refused write before any run started (experiment.json, the lock) as an error naming the path and what to do; other errors as they are. */
export function storageMessage(e: unknown): unknown {
  const failure = storageFailure(e);
  return failure ? new Error(failure.message) : e;
}

/** What `arena run` and `arena tune` store runs with: the runs directory, and whether to resume or overwrite. */
export interface StoreCommandOptions {
  runsDir: string;
  resume?: boolean;
  overwrite?: boolean;
}

/** What runExperiment and runStudy take besides the config: the store and how to treat it, the executor and reporter, the command line, the stop signal. */
export function storeRunOptions<E, R>(configPath: string, options: StoreCommandOptions, executor: E, reporter: R, signal: AbortSignal) {
  return {
    runsDir: options.runsDir,
    executor,
    reporter,
    source: configPath,
    command: ['arena', ...process.argv.slice(2)].join(' '),
    ...(options.resume ? { resume: true } : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
    signal,
  };
}

/** Rethrows `e` as storageMessage words it: for `.catch` on a command's run of the store. */
export function throwStorageMessage(e: unknown): never {
  throw storageMessage(e);
}
