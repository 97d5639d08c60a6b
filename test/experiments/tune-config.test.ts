// Tuning-study configs: the search space and tune block resolved with their
// defaults, and every error checked as the text a user sees (file:line:column).
import { describe, expect, it } from 'vitest';
import { ConfigError, parseExperimentConfig } from '../../experiments/config.js';
import { parseStudyConfig, rungBudgets } from '../../experiments/tune/config.js';

const BASE = `name: tune-dqn
env: CartPole-v1
totalSteps: 9000
checkpointEvery: 1000
seeds: 2
tune:
  trials: 8
  sampler: tpe
  pruner: asha
  objective: { metric: eval, aggregate: iqm, direction: maximize }
variants:
  - name: dqn
    algorithm: dqn
    hyperparameters: { batchSize: 32 }
    search:
      learningRate: { loguniform: [1e-5, 1e-2] }
      gamma: { choice: [0.95, 0.99] }
      hidden: { choice: [[64, 64], [256, 256]] }
      explorationFraction: { uniform: [0.05, 0.5] }
      targetUpdateInterval: { int: [100, 1000] }
`;

function errorOf(text: string): string {
  try {
    parseStudyConfig(text, 'study.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

/** BASE with line `from` replaced by `to` (the line must exist once). */
function edit(from: string, to: string, text = BASE): string {
  expect(text.split(from).length).toBe(2);
  return text.replace(from, to);
}

describe('study configs', () => {
  it('resolves the space, the tune settings with defaults, and the rungs', () => {
    const study = parseStudyConfig(BASE, 'study.yaml');
    expect(study.space).toEqual({
      learningRate: { kind: 'loguniform', low: 1e-5, high: 1e-2 },
      gamma: { kind: 'choice', values: [0.95, 0.99] },
      hidden: { kind: 'choice', values: [[64, 64], [256, 256]] },
      explorationFraction: { kind: 'uniform', low: 0.05, high: 0.5 },
      targetUpdateInterval: { kind: 'int', low: 100, high: 1000 },
    });
    expect(study.tune).toEqual({
      trials: 8, sampler: 'tpe', seed: 0, startupTrials: 10, pruner: 'asha', minTrials: 3,
      objective: { metric: 'eval', aggregate: 'iqm', direction: 'maximize' }, parallel: 1, minSteps: 1000, eta: 3,
    });
    expect(study.rungs).toEqual([1000, 3000, 9000]);
    expect(study.experiment.variants).toHaveLength(1);
    expect(study.experiment.variants[0]!.hyperparameters).toEqual({ batchSize: 32 });
    expect(study.experiment.seeds).toEqual([0, 1]);
  });

  it('takes steps-to-threshold as minimize, with the env threshold, and no pruner as one rung', () => {
    const study = parseStudyConfig(edit('  pruner: asha\n  objective: { metric: eval, aggregate: iqm, direction: maximize }', '  objective: { metric: steps-to-threshold }'), 'study.yaml');
    expect(study.tune.objective).toEqual({ metric: 'steps-to-threshold', aggregate: 'iqm', direction: 'minimize', threshold: 475 });
    expect(study.rungs).toEqual([9000]);
  });

  it('spaces the rungs by eta up to totalSteps', () => {
    expect(rungBudgets(1000, 3, 9000)).toEqual([1000, 3000, 9000]);
    expect(rungBudgets(1000, 2, 10000)).toEqual([1000, 2000, 4000, 8000, 10000]);
    expect(rungBudgets(5000, 3, 10000)).toEqual([5000, 10000]);
  });

  it('reports an unknown hyperparameter at its key, with the closest name', () => {
    expect(errorOf(edit('      gamma: {', '      gamm: {'))).toBe('study.yaml:17:7: variants[0].search.gamm: unknown hyperparameter "gamm"; did you mean "gamma"?');
  });

  it('reports an unknown distribution and a malformed entry', () => {
    expect(errorOf(edit('{ uniform: [0.05, 0.5] }', '{ unifrom: [0.05, 0.5] }'))).toBe(
      'study.yaml:19:30: variants[0].search.explorationFraction.unifrom: unknown distribution "unifrom"; did you mean "uniform"? distributions: loguniform, uniform, int, choice',
    );
    expect(errorOf(edit('{ uniform: [0.05, 0.5] }', '[0.05, 0.5]'))).toMatch(
      /^study\.yaml:19:28: variants\[0\]\.search\.explorationFraction: expected a one-key mapping from the distribution \(loguniform, uniform, int, choice\) to its arguments/,
    );
  });

  it('reports bad ranges: reversed, not two numbers, non-positive log, non-integer int', () => {
    expect(errorOf(edit('[1e-5, 1e-2]', '[1e-2, 1e-5]'))).toBe('study.yaml:16:35: variants[0].search.learningRate.loguniform: low (0.01) must be below high (0.00001)');
    expect(errorOf(edit('[1e-5, 1e-2]', '[1e-5]'))).toBe('study.yaml:16:35: variants[0].search.learningRate.loguniform: expected [low, high], two finite numbers, got a list');
    expect(errorOf(edit('[1e-5, 1e-2]', '[0, 1e-2]'))).toBe('study.yaml:16:36: variants[0].search.learningRate.loguniform[0]: a loguniform range must be positive (it is uniform in log space), got low 0');
    expect(errorOf(edit('{ int: [100, 1000] }', '{ int: [100.5, 1000] }'))).toBe('study.yaml:20:36: variants[0].search.targetUpdateInterval.int: int takes two integers [low, high], got [100.5, 1000]');
  });

  it("checks the values a dimension reaches with the agent's own checks", () => {
    expect(errorOf(edit('[0.05, 0.5]', '[0.05, 1.5]'))).toMatch(/^study\.yaml:19:46: variants\[0\]\.search\.explorationFraction\.uniform\[1\]: explorationFraction must be .*got 1\.5$/);
    expect(errorOf(edit('[0.95, 0.99]', '[0.95, 1.2]'))).toMatch(/^study\.yaml:17:31: variants\[0\]\.search\.gamma\.choice\[1\]: gamma must be .*got 1\.2$/);
    expect(errorOf(edit('{ int: [100, 1000] }', '{ uniform: [100, 1000] }'))).toBe('study.yaml:20:31: variants[0].search.targetUpdateInterval.uniform: targetUpdateInterval takes integers; search it with int: [low, high]');
  });

  it('reports a duplicate choice, an empty choice, and a key also fixed in hyperparameters', () => {
    expect(errorOf(edit('[0.95, 0.99]', '[0.95, 0.95]'))).toBe('study.yaml:17:31: variants[0].search.gamma.choice[1]: 0.95 is listed twice (also [0])');
    expect(errorOf(edit('[0.95, 0.99]', '[]'))).toBe('study.yaml:17:24: variants[0].search.gamma.choice: expected a non-empty list of values, got an empty list');
    expect(errorOf(edit('{ batchSize: 32 }', '{ gamma: 0.9 }'))).toBe('study.yaml:17:7: variants[0].search.gamma: gamma is also set in hyperparameters; set it in one place');
  });

  it('reports the tune block: a missing block, bad keys and values, with positions', () => {
    expect(errorOf(edit('  trials: 8\n', '  trails: 8\n'))).toBe(
      ['study.yaml:7:3: tune.trials: missing required key "trials"', 'study.yaml:7:3: tune.trails: unknown key "trails"; did you mean "trials"?'].join('\n'),
    );
    expect(errorOf(edit('sampler: tpe', 'sampler: grid'))).toBe("study.yaml:8:12: tune.sampler: must be one of 'random', 'tpe', got \"grid\"");
    expect(errorOf(edit('pruner: asha', 'pruner: hyperband'))).toBe("study.yaml:9:11: tune.pruner: must be one of 'none', 'median', 'asha', got \"hyperband\"");
    expect(errorOf(edit('aggregate: iqm', 'aggregate: max'))).toBe("study.yaml:10:41: tune.objective.aggregate: must be one of 'iqm', 'mean', 'median', got \"max\"");
    expect(errorOf(edit('tune:\n  trials: 8\n  sampler: tpe\n  pruner: asha\n  objective: { metric: eval, aggregate: iqm, direction: maximize }\n', ''))).toBe(
      'study.yaml:1:1: missing required key "tune" (trials, sampler, pruner, objective): a study without it is an `arena run` config',
    );
  });

  it('reports rungs off the checkpoints, a first rung at the budget, and steps-to-threshold without a threshold or maximized', () => {
    expect(errorOf(edit('  pruner: asha\n', '  pruner: asha\n  minSteps: 1500\n'))).toBe(
      'study.yaml:10:13: tune.minSteps: the first rung (minSteps 1500) must be a multiple of checkpointEvery (1000): a trial pauses at a checkpoint and resumes from it',
    );
    expect(errorOf(edit('  pruner: asha\n', '  pruner: asha\n  minSteps: 9000\n'))).toBe(
      'study.yaml:10:13: tune.minSteps: the first rung (minSteps 9000) must be below totalSteps (9000) for the pruner to stop anything',
    );
    expect(errorOf(edit('{ metric: eval, aggregate: iqm, direction: maximize }', '{ metric: steps-to-threshold, direction: maximize }'))).toBe(
      'study.yaml:10:55: tune.objective.direction: steps-to-threshold counts env steps: fewer is better, so the direction is minimize',
    );
    const pendulum = edit('env: CartPole-v1', 'env: MountainCarContinuous-v0', edit('    algorithm: dqn', '    algorithm: ddpg', edit('    hyperparameters: { batchSize: 32 }\n', '')).replace(/ {6}gamma.*\n {6}hidden.*\n {6}explorationFraction.*\n {6}targetUpdateInterval.*\n/, ''));
    expect(parseStudyConfig(pendulum, 's.yaml').tune.objective.threshold).toBeUndefined();
  });

  it('reports more than one variant, a sweep, a missing search, and too many runs', () => {
    expect(errorOf(`${BASE}  - name: other\n    algorithm: dqn\n    search: { gamma: { choice: [0.9] } }\n`)).toBe('study.yaml:21:5: variants[1]: a study searches one variant, this config has 2; tune each in its own study');
    expect(errorOf(edit('    hyperparameters: { batchSize: 32 }\n', '    sweep: { batchSize: [32, 64] }\n'))).toBe(
      'study.yaml:14:5: variants[0].sweep: a study samples its hyperparameters from search; put the swept values under search as { choice: [...] }',
    );
    expect(errorOf(BASE.replace(/ {4}search:\n( {6}.*\n)+/, ''))).toBe('study.yaml:12:5: variants[0]: missing required key "search": the hyperparameters to tune, e.g. learningRate: { loguniform: [1e-5, 1e-2] }');
    expect(errorOf(edit('trials: 8', 'trials: 600'))).toBe('study.yaml:7:11: tune.trials: 600 trials x 2 seeds = 1200 runs, more than maxRuns (1000); if you mean it, set maxRuns: 1200 at the top level of the config');
  });

  it("reports the experiment's own problems beside the study's, in file order", () => {
    expect(errorOf(edit('env: CartPole-v1', 'env: CartPole-v9', edit('gamm', 'gamm', edit('      gamma: {', '      gamm: {'))))).toMatch(
      /^study\.yaml:2:6: env: .*CartPole-v9.*\nstudy\.yaml:17:7: variants\[0\]\.search\.gamm: unknown hyperparameter "gamm"; did you mean "gamma"\?$/,
    );
  });

  it('arena run refuses a study config (its tune and search are not experiment keys)', () => {
    let message = '';
    try {
      parseExperimentConfig(BASE, 'study.yaml');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'study.yaml:6:1: tune: unknown key "tune"; allowed: name, description, env, totalSteps, seeds, eval, record, checkpointEvery, logEvery, opponents, evalOpponent, shaping, teacher, discretize, backend, threshold, maxRuns, logging, variants (a tuning study\'s key: run the config with `arena tune`)',
      'study.yaml:15:5: variants[0].search: unknown key "search"; allowed: name, algorithm, hyperparameters, envs, totalSteps, env, eval, record, checkpointEvery, logEvery, opponents, evalOpponent, shaping, teacher, discretize, sweep, warmStart (a tuning study\'s key: run the config with `arena tune`)',
    ]);
  });
});
