// Parallel scaling of `arena run`: the same 4 runs on a pool of 1 worker and of
// 2 workers, measured side by side (alternating, so machine noise hits both),
// printing total env steps per second and the 2-worker / 1-worker ratio.
//
// Each round also measures what the machine itself allows: the same 4 runs
// split over two separate OS processes (2 runs each, one worker each), which
// share nothing, not even a heap or a garbage collector. Their ratio to one
// worker is the ceiling for any in-process pool on this machine; on a virtual
// machine whose vCPUs slow each other down when both are busy it is well under
// 2x. The pool's efficiency is printed as a share of that ceiling.
//
//   npm run bench:workers [-- --rounds 2 --steps 60000 --algorithm ppo]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import '../envs/index.js';
import '../agents/index.js';
import { scalingExperiment, twoProcesses } from './scaling-experiment.js';
import { WorkerPoolExecutor, runExperiment } from '../experiments/run-experiment.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '60000' },
    algorithm: { type: 'string', default: 'ppo' },
    // Internal: run only these seeds on one worker and print the steps done (the two-process reference).
    'child-seeds': { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const steps = Number(values.steps);

const experiment = scalingExperiment('scaling', values.algorithm!, steps, 'bench/workers.ts');

/** Runs the seeds on a pool of `workers`; returns the env steps done and the wall seconds. */
async function runSeeds(seeds: string, workers: number): Promise<{ steps: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'arena-bench-workers-'));
  const start = performance.now();
  const executor = new WorkerPoolExecutor(workers);
  try {
    const outcome = await runExperiment(experiment(seeds), { runsDir: dir, executor });
    const seconds = (performance.now() - start) / 1000;
    const failed = outcome.runs.filter((r) => r.outcome?.status !== 'finished');
    if (failed.length > 0) throw new Error(`${failed.length} run(s) did not finish: ${failed.map((r) => r.outcome?.error?.message).join('; ')}`);
    return { steps: outcome.runs.reduce((a, r) => a + (r.outcome?.step ?? 0), 0), seconds };
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['child-seeds'] !== undefined) {
  const { steps: done } = await runSeeds(values['child-seeds'], 1);
  process.stdout.write(`${JSON.stringify({ steps: done })}\n`);
  process.exit(0);
}

/** Steps/s of the 4 runs on one pool of `workers`. */
async function pool(workers: number): Promise<number> {
  const { steps: done, seconds } = await runSeeds('4', workers);
  return done / seconds;
}

console.log(`4 runs of ${values.algorithm} on CartPole-v1, ${steps} steps each, on ${cpus().length} cores; ${rounds} alternating rounds`);
const one: number[] = [];
const two: number[] = [];
const procs: number[] = [];
for (let r = 0; r < rounds; r++) {
  one.push(await pool(1));
  two.push(await pool(2));
  procs.push(await twoProcesses(fileURLToPath(import.meta.url), values.algorithm!, steps));
  console.log(
    `  round ${r + 1}: 1 worker ${Math.round(one[r]!)} steps/s, 2 workers ${Math.round(two[r]!)} (${(two[r]! / one[r]!).toFixed(2)}x),` +
      ` 2 separate processes ${Math.round(procs[r]!)} (${(procs[r]! / one[r]!).toFixed(2)}x)`,
  );
}
const best = (xs: number[]) => Math.max(...xs);
const ratio = best(two) / best(one);
const ceiling = best(procs) / best(one);
console.log(`\nsetup                        steps/s (best of ${rounds})`);
console.log(`1 worker                     ${Math.round(best(one))}`);
console.log(`2 workers                    ${Math.round(best(two))}`);
console.log(`2 separate processes         ${Math.round(best(procs))}`);
console.log(`ratio 2 workers / 1: ${ratio.toFixed(2)}x (target >= 1.8x)`);
console.log(`machine ceiling (2 processes / 1 worker): ${ceiling.toFixed(2)}x; the pool reaches ${((100 * ratio) / ceiling).toFixed(0)}% of it`);
