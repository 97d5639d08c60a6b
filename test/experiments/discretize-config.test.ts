// `discretize` in an experiment config: IQL on a game with float Box
// observations (Pong-v0) gets its grid from YAML, the run's learner keeps it,
// and every misuse is reported before any run starts, with its place.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseExperimentConfig, planRuns } from '../../experiments/config.js';
import { executeRun } from '../../experiments/execute-run.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('discretize-config');

const base = (extra: string, algorithm = 'iql', env = 'Pong-v0') => `name: disc
env: ${env}
totalSteps: 2000
seeds: 1
eval: { every: 0, episodes: 2 }
record: { every: 0, episodes: 1 }
${extra}
variants:
  - algorithm: ${algorithm}
`;

function problems(text: string): string {
  try {
    parseExperimentConfig(text, 'x.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('discretize in a config', () => {
  it('reaches IQL on Pong-v0 (Box(6) observations), which trains and saves the grid with its tables', async () => {
    const config = parseExperimentConfig(base('discretize: { bins: 3 }'), 'x.yaml');
    expect(config.variants[0]!.game!.discretize).toEqual({ bins: 3 });
    const [run] = planRuns(config, tempDir());
    const outcome = await executeRun(run!);
    expect(outcome.error?.message).toBeUndefined();
    expect(outcome.status).toBe('finished');
    const manifest = JSON.parse(readFileSync(join(run!.dir, 'checkpoint', 'learner.json'), 'utf8')) as { context: { discretize: unknown } };
    expect(manifest.context.discretize).toEqual({ bins: 3 });
  }, 60_000);

  it('is required for IQL on float Box observations, refused elsewhere, and checked against the spaces', () => {
    expect(problems(base(''))).toMatch(/variants\[0\]\.algorithm: iql keys a Q-table by observation and Pong-v0's are Box\(.*\): give a grid, discretize: \{ bins, low, high \}/);
    expect(problems(base('discretize: { bins: 3 }', 'shared-ppo'))).toMatch(/discretize: shared-ppo does not use a discretization grid \(iql does/);
    expect(problems(base('discretize: { bins: 3 }', 'q-learning', 'CartPole-v1'))).toMatch(/discretize: discretize is for multi-agent games; this env is a single-agent one \(single-agent envs take the discretizeObservation wrapper/);
    expect(problems(base('discretize: { bins: [3, 3] }'))).toMatch(/discretize: Pong-v0 agent .*: bins has 2 entries but the observation space .* has 6 dimensions/);
    expect(problems(base('discretize: { bins: 0 }'))).toMatch(/discretize\.bins/);
    expect(problems(base('discretize: { bins: 3 }', 'iql', 'TicTacToe-v0'))).toMatch(/TicTacToe-v0's observations are not Box spaces/);
  });
});
