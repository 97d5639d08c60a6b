// Resource bounds of an experiment (experiments/run-experiment.ts). The worker pool:
// threads start only as runs need them (never more than the runs), a worker
// count above 4 per core is refused unless forced, and a stop requested while
// the experiment is still starting (SIGTERM right after `arena run`) stops it
// before any run trains; the pool runs the built worker (dist/), so those
// tests drive dist/ in a child process. The stored plan: experiment.json
// grows by a few bytes per run, not by a record per run.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../experiments/config.js';
import type { Executor } from '../../experiments/run-experiment.js';
import { runExperiment } from '../../experiments/run-experiment.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const repo = join(import.meta.dirname, '..', '..');
const dist = (path: string) => JSON.stringify(join(repo, 'dist', path));
const cli = join(repo, 'dist', 'bin', 'arena.js');
const temp = tempDirs('workers');
const cap = cpus().length * 4;

/** Runs ES module code against dist/ in a child process; its stdout's last line is parsed as JSON. */
function script(code: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const CONFIG = (totalSteps: number) => `
name: small
env: FrozenLake-v1
totalSteps: ${totalSteps}
seeds: 2
variants: [{ algorithm: q-learning }]
`;

describe('the worker pool', () => {
  it('starts threads only for the runs there are: 2 runs on a pool of 6 start 2', () => {
    const dir = temp();
    writeFileSync(join(dir, 'small.yaml'), CONFIG(2000));
    const result = script(`
      import { WorkerPoolExecutor, runExperiment } from ${dist('experiments/run-experiment.js')};
      import { loadExperimentConfig } from ${dist('experiments/config.js')};
      const executor = new WorkerPoolExecutor(6, [], { force: true });
      const before = executor.threads;
      const outcome = await runExperiment(await loadExperimentConfig(${JSON.stringify(join(dir, 'small.yaml'))}), { runsDir: ${JSON.stringify(join(dir, 'runs'))}, executor });
      const after = executor.threads;
      await executor.close();
      console.log(JSON.stringify({ before, after, statuses: outcome.runs.map((r) => r.outcome?.status) }));`);
    expect(result).toEqual({ before: 0, after: 2, statuses: ['finished', 'finished'] });
  }, 120_000);

  it(`refuses more than 4 workers per core (${cap} here) unless forced, naming the flag`, () => {
    const result = script(`
      import { WorkerPoolExecutor } from ${dist('experiments/run-experiment.js')};
      let message = null;
      try { new WorkerPoolExecutor(${cap + 1}); } catch (e) { message = e.message; }
      const forced = new WorkerPoolExecutor(${cap + 1}, [], { force: true });
      const threads = forced.threads;
      await forced.close();
      console.log(JSON.stringify({ message, threads }));`) as { message: string; threads: number };
    expect(result.message).toBe(
      `workers: ${cap + 1} is more than ${cap} (4 per core on this machine's ${cpus().length} cores); each worker holds its own heap and neural-net backend, so more only slow the runs down and use up memory. Pass --force-workers (force: true) to start them anyway`,
    );
    expect(result.threads).toBe(0);
  });

  it('arena run --workers 1000 fails at once with the cap and the flag', () => {
    const dir = temp();
    writeFileSync(join(dir, 'small.yaml'), CONFIG(100));
    const r = spawnSync(process.execPath, [cli, 'run', 'small.yaml', '--workers', '1000'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`arena: workers: 1000 is more than ${cap}`);
    expect(r.stderr).toContain('--force-workers');
  });

  it('a stop requested before the runs start (SIGTERM during startup) ends the experiment without training', () => {
    const dir = temp();
    writeFileSync(join(dir, 'long.yaml'), CONFIG(50_000_000));
    const result = script(`
      import { WorkerPoolExecutor, runExperiment } from ${dist('experiments/run-experiment.js')};
      import { loadExperimentConfig } from ${dist('experiments/config.js')};
      const executor = new WorkerPoolExecutor(2);
      const stop = new AbortController();
      stop.abort();
      const started = performance.now();
      const outcome = await runExperiment(await loadExperimentConfig(${JSON.stringify(join(dir, 'long.yaml'))}), { runsDir: ${JSON.stringify(join(dir, 'runs'))}, executor, signal: stop.signal });
      const threads = executor.threads;
      await executor.close();
      console.log(JSON.stringify({ interrupted: outcome.interrupted, outcomes: outcome.runs.map((r) => r.outcome), threads, quick: performance.now() - started < 10_000 }));`);
    expect(result).toEqual({ interrupted: true, outcomes: [null, null], threads: 0, quick: true });
  });
});

describe('the stored plan', () => {
  it('experiment.json holds the config, not a record per run: 20,000 runs take under 10 bytes each', async () => {
    const dir = temp();
    const config = parseExperimentConfig('name: wide\nenv: FrozenLake-v1\ntotalSteps: 100\nseeds: 10000\nmaxRuns: 20000\nvariants: [{ algorithm: q-learning }, { algorithm: sarsa }]\n', 'wide.yaml');
    // An executor that runs nothing: only what runExperiment itself writes is measured.
    let executed = 0;
    const executor: Executor = {
      concurrency: 4,
      execute: async () => {
        executed += 1;
        return { status: 'finished', step: 0, seconds: 0, resumedFrom: null };
      },
      stop: () => {},
      close: async () => {},
    };
    await runExperiment(config, { runsDir: dir, executor });
    expect(executed).toBe(20_000);
    const file = join(dir, 'wide', 'experiment.json');
    expect(statSync(file).size / 20_000).toBeLessThan(10);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { config: { seeds: number[]; variants: { name: string }[] } };
    expect(stored.config.seeds).toHaveLength(10_000);
    expect(stored.config.variants.map((v) => v.name)).toEqual(['q-learning', 'sarsa']);
  });
});
