// Parallel scaling of `arena run`: the same 4 runs on a pool of 1 worker and of
// 2 workers, measured side by side (alternating, so machine noise hits both),
// printing total env steps per second and the 2-worker / 1-worker ratio.
//
//   npm run bench:workers [-- --rounds 2 --steps 60000 --algorithm ppo]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../envs/index.js';
import '../agents/index.js';
import { parseExperimentConfig } from '../experiments/config.js';
import { WorkerPoolExecutor, runExperiment } from '../experiments/runner.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '60000' },
    algorithm: { type: 'string', default: 'ppo' },
  },
});
const rounds = Number(values.rounds);
const steps = Number(values.steps);

const HYPERPARAMETERS: Record<string, string> = {
  ppo: '{ nSteps: 32, batchSize: 128, nEpochs: 5, learningRate: 0.001, gamma: 0.98, gaeLambda: 0.8 }',
  dqn: '{ learningStarts: 1000, bufferSize: 10000, targetUpdateInterval: 500 }',
  'q-learning': '{ learningRate: 0.1 }',
};
const hp = HYPERPARAMETERS[values.algorithm!];
if (!hp) throw new Error(`--algorithm must be one of ${Object.keys(HYPERPARAMETERS).join(', ')}`);

const config = parseExperimentConfig(
  `
name: scaling
env: CartPole-v1
totalSteps: ${steps}
seeds: 4
eval: { every: ${steps / 4}, episodes: 5 }
checkpointEvery: ${steps / 2}
backend: wasm
variants:
  - algorithm: ${values.algorithm}
    hyperparameters: ${hp}
`,
  'bench/workers.ts',
);

async function measure(workers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'arena-bench-workers-'));
  const executor = new WorkerPoolExecutor(workers);
  try {
    const start = performance.now();
    const outcome = await runExperiment(config, { runsDir: dir, executor });
    const seconds = (performance.now() - start) / 1000;
    const total = outcome.runs.reduce((a, r) => a + (r.outcome?.step ?? 0), 0);
    const failed = outcome.runs.filter((r) => r.outcome?.status !== 'finished');
    if (failed.length > 0) throw new Error(`${failed.length} run(s) did not finish: ${failed.map((r) => r.outcome?.error?.message).join('; ')}`);
    return total / seconds;
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`4 runs of ${values.algorithm} on CartPole-v1, ${steps} steps each, on ${cpus().length} cores; ${rounds} alternating rounds`);
const one: number[] = [];
const two: number[] = [];
for (let r = 0; r < rounds; r++) {
  one.push(await measure(1));
  two.push(await measure(2));
  console.log(`  round ${r + 1}: 1 worker ${Math.round(one[r]!)} steps/s, 2 workers ${Math.round(two[r]!)} steps/s, ratio ${(two[r]! / one[r]!).toFixed(2)}x`);
}
const best = (xs: number[]) => Math.max(...xs);
console.log(`\nworkers  steps/s (best of ${rounds})`);
console.log(`1        ${Math.round(best(one))}`);
console.log(`2        ${Math.round(best(two))}`);
console.log(`ratio 2/1: ${(best(two) / best(one)).toFixed(2)}x (target >= 1.8x)`);
