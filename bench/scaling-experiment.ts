// The experiment the scaling benchmarks (bench:workers, bench:queue) run: 4
// seeds of one algorithm on CartPole-v1, with an evaluation every quarter and a
// checkpoint at the half, so the runs do a real run's file work.
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
