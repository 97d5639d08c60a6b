// What the scaling benchmarks (bench:workers, bench:queue) share: the
// experiment they run (4 seeds of one algorithm on CartPole-v1, with an
// evaluation every quarter and a checkpoint at the half, so the runs do a real
// run's file work) and the machine's ceiling they measure against (the same 4
// runs as two separate processes, which share nothing).
import { spawn } from 'node:child_process';
import { parseExperimentConfig } from '../experiments/config.js';
import type { ExperimentConfig } from '../experiments/types.js';

/** Hyperparameters per algorithm the scaling benchmarks accept (--algorithm). */
const HYPERPARAMETERS: Record<string, string> = {
  ppo: '{ nSteps: 32, batchSize: 128, nEpochs: 5, learningRate: 0.001, gamma: 0.98, gaeLambda: 0.8 }',
  dqn: '{ learningStarts: 1000, bufferSize: 10000, targetUpdateInterval: 500 }',
  'q-learning': '{ learningRate: 0.1 }',
};

/** Checks `algorithm` up front, then builds the experiment for any list of seeds (YAML, e.g. "[0, 1]"). */
export function scalingExperiment(name: string, algorithm: string, steps: number, source: string): (seeds: string) => ExperimentConfig {
  const hp = HYPERPARAMETERS[algorithm];
  if (!hp) throw new Error(`--algorithm must be one of ${Object.keys(HYPERPARAMETERS).join(', ')}`);
  return (seeds) =>
    parseExperimentConfig(
      `
name: ${name}
env: CartPole-v1
totalSteps: ${steps}
seeds: ${seeds}
eval: { every: ${steps / 4}, episodes: 5 }
checkpointEvery: ${steps / 2}
backend: wasm
variants:
  - algorithm: ${algorithm}
    hyperparameters: ${hp}
`,
      source,
    );
}

/**
 * Steps/s of the 4 runs as two separate processes of 2 runs each: `script`
 * run again with `--child-seeds <seeds>` must run those seeds on one worker and
 * print `{"steps": n}`.
 */
export async function twoProcesses(script: string, algorithm: string, steps: number): Promise<number> {
  const start = performance.now();
  const child = (seeds: string) =>
    new Promise<number>((resolve, reject) => {
      const p = spawn(process.execPath, [script, '--child-seeds', seeds, '--steps', String(steps), '--algorithm', algorithm], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve((JSON.parse(out) as { steps: number }).steps) : reject(new Error(`child process for seeds ${seeds} exited with ${code}`))));
    });
  const done = await Promise.all([child('[0, 1]'), child('[2, 3]')]);
  return (done[0]! + done[1]!) / ((performance.now() - start) / 1000);
}
