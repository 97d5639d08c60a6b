// Experiment configs: the shipped files, resolved values and defaults, sweep
// expansion, run planning, JSON input, the wrapper registry, and the messages
// bad configs get (checked as the text a user sees, positions included).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/agent.js';
import { checkHyperparameters, int, num } from '../../agents/lib/hparams.js';
import { recipe } from '../../agents/recipes/index.js';
import { make } from '../../core/registry.js';
import { makeGame } from '../../core/multi-agent.js';
import { createLearner } from '../../agents/multi/index.js';
import { ConfigError, loadExperimentConfig, parseExperimentConfig, planRuns } from '../../experiments/config.js';
import type { ExperimentConfig, VariantConfig } from '../../experiments/types.js';
import { applyWrappers, checkWrapperArgs, listWrappers } from '../../experiments/config-wrappers.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const temp = tempDirs('config');

const configsDir = join(import.meta.dirname, '..', '..', 'experiments', 'configs');
const fixtures = join(import.meta.dirname, 'fixtures', 'configs');

/** The ConfigError `fn` throws (failing the test when it throws something else or nothing). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const messageOf = (text: string): string => configError(() => parseExperimentConfig(text, 'cfg.yaml')).message;

async function loadError(path: string): Promise<ConfigError> {
  try {
    await loadExperimentConfig(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected ${path} to fail`);
}

function variant(config: ExperimentConfig, name: string): VariantConfig {
  const found = config.variants.find((v) => v.name === name);
  if (!found) throw new Error(`no variant ${name} in ${config.variants.map((v) => v.name).join(', ')}`);
  return found;
}

describe('shipped configs', () => {
  const files = readdirSync(configsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

  it('are the documented experiments', () => {
    expect(files).toEqual([
      'bandits.yaml',
      'car-racing-features-sac.yaml',
      'car-racing-features.yaml',
      'car-racing-pixels.yaml',
      'cartpole-agents.yaml',
      'cliffwalking-td.yaml',
      'connect-four-selfplay.yaml',
      'cooperative-navigation.yaml',
      'mountaincar-q-vs-dqn.yaml',
      'pendulum-ddpg-vs-ppo.yaml',
      'quickstart.yaml',
      'robot-soccer.yaml',
      'tictactoe-selfplay.yaml',
    ]);
  });

  for (const file of files) {
    it(`${file} parses, plans, and every variant's agent can be built on its env`, async () => {
      const path = join(configsDir, file);
      expect(readFileSync(path, 'utf8').startsWith('# ')).toBe(true);
      const config = await loadExperimentConfig(path);
      expect(config.name).toBe(file.replace(/\.yaml$/, ''));
      const runs = planRuns(config, 'runs');
      expect(runs).toHaveLength(config.variants.length * config.seeds.length);
      for (const v of config.variants) {
        if (v.game) {
          // A multi-agent game: a learner, built for the game.
          const game = makeGame(v.env.id, { ...v.env.kwargs });
          const learner = await createLearner(v.algorithm, v.hyperparameters, { game, seed: 0, backend: 'wasm' });
          learner.dispose();
          game.close();
          continue;
        }
        const env = applyWrappers(make(v.env.id, { ...v.env.kwargs }), v.env.wrappers);
        const agent = await createAgent(v.algorithm, v.hyperparameters, {
          observationSpace: env.observationSpace,
          actionSpace: env.actionSpace,
          seed: 0,
          // The config's own backend ('auto' unless it names one), as a run builds it.
          backend: config.backend,
        });
        agent.dispose();
        env.close();
      }
    });
  }

  it('take budgets and hyperparameters from the recipes', async () => {
    const load = (name: string) => loadExperimentConfig(join(configsDir, `${name}.yaml`));
    const sameAsRecipe = (v: VariantConfig, id: string) => {
      const r = recipe(id);
      expect(v.algorithm).toBe(r.agent);
      expect(v.hyperparameters).toEqual(r.hyperparameters);
      expect(v.totalSteps).toBe(r.totalSteps);
      expect(v.envs).toBe(r.nEnvs ?? 0);
      expect(v.env.id).toBe(r.env);
      expect(v.env.kwargs).toEqual(r.envKwargs ?? {});
    };

    const cartpole = await load('cartpole-agents');
    expect(cartpole.variants.map((v) => v.name)).toEqual(['reinforce', 'a2c', 'ppo', 'dqn']);
    sameAsRecipe(variant(cartpole, 'reinforce'), 'reinforce-cartpole');
    sameAsRecipe(variant(cartpole, 'a2c'), 'a2c-cartpole');
    sameAsRecipe(variant(cartpole, 'ppo'), 'ppo-cartpole');
    sameAsRecipe(variant(cartpole, 'dqn'), 'dqn-cartpole');
    expect(cartpole.seeds).toEqual([0, 1, 2, 3, 4]);
    expect(cartpole.threshold).toBe(475);

    const cliff = await load('cliffwalking-td');
    sameAsRecipe(variant(cliff, 'q-learning'), 'q-learning-cliffwalking');
    sameAsRecipe(variant(cliff, 'sarsa'), 'sarsa-cliffwalking');
    expect(cliff.seeds).toHaveLength(5);

    const mountainCar = await load('mountaincar-q-vs-dqn');
    const tabular = variant(mountainCar, 'q-learning-20x20');
    expect(tabular.env.wrappers).toEqual([{ name: 'discretizeObservation', args: { bins: [20, 20] } }]);
    expect(tabular.hyperparameters).toEqual(recipe('q-learning-mountaincar').hyperparameters);
    expect(tabular.totalSteps).toBe(recipe('q-learning-mountaincar').totalSteps);
    sameAsRecipe(variant(mountainCar, 'dqn'), 'dqn-mountaincar');
    expect(mountainCar.seeds).toHaveLength(5);

    const pendulum = await load('pendulum-ddpg-vs-ppo');
    sameAsRecipe(variant(pendulum, 'ddpg'), 'ddpg-pendulum');
    expect(variant(pendulum, 'ppo')).toMatchObject({ envs: 4, totalSteps: 100_000, hyperparameters: { nSteps: 1024, gamma: 0.9, gaeLambda: 0.95 } });

    const quickstart = await load('quickstart');
    expect(quickstart.seeds).toEqual([1, 2, 3]);
    const ppo = variant(quickstart, 'ppo');
    const dqn = variant(quickstart, 'dqn');
    // The recipes as they are (budgets included), so that every seed's curve crosses the threshold.
    sameAsRecipe(ppo, 'ppo-cartpole');
    sameAsRecipe(dqn, 'dqn-cartpole');
    for (const v of [ppo, dqn]) {
      expect(v.eval).toEqual({ every: 5000, episodes: 5 });
      expect(v.record).toEqual({ every: 10_000, episodes: 1, deterministic: true });
    }
  });
});

describe('resolving a config', () => {
  const text = `
name: demo
description: a demo
env:
  id: CartPole-v1
  kwargs: { maxEpisodeSteps: 200 }
  wrappers:
    - normalizeObservation
seeds: [4, 2]
totalSteps: 10000
backend: cpu
checkpointEvery: 2500
variants:
  - algorithm: ppo
    hyperparameters: { learningRate: 0.001 }
  - name: dqn-long
    algorithm: dqn
    totalSteps: 33333
    envs: 2
    env:
      kwargs: { suttonBartoReward: true }
      wrappers: [{ scaleReward: { scale: 0.1 } }]
    eval: { episodes: 3 }
    record: { every: 5000, deterministic: false }
    logEvery: 7
`;

  it('fills in values from the experiment and defaults from each variant\'s budget', () => {
    const config = parseExperimentConfig(text, 'demo.yaml');
    expect(config).toEqual({
      name: 'demo',
      description: 'a demo',
      seeds: [4, 2],
      backend: 'cpu',
      threshold: 475,
      variants: [
        {
          name: 'ppo',
          algorithm: 'ppo',
          hyperparameters: { learningRate: 0.001 },
          envs: 8,
          totalSteps: 10_000,
          env: { id: 'CartPole-v1', kwargs: { maxEpisodeSteps: 200 }, wrappers: [{ name: 'normalizeObservation', args: {} }] },
          eval: { every: 500, episodes: 10 },
          record: { every: 0, episodes: 1, deterministic: true },
          checkpointEvery: 2500,
          logEvery: 20,
        },
        {
          name: 'dqn-long',
          algorithm: 'dqn',
          hyperparameters: {},
          envs: 2,
          totalSteps: 33_333,
          env: {
            id: 'CartPole-v1',
            kwargs: { maxEpisodeSteps: 200, suttonBartoReward: true },
            wrappers: [
              { name: 'normalizeObservation', args: {} },
              { name: 'scaleReward', args: { scale: 0.1 } },
            ],
          },
          eval: { every: 1667, episodes: 3 },
          record: { every: 5000, episodes: 1, deterministic: false },
          checkpointEvery: 2500,
          logEvery: 7,
        },
      ],
    });
  });

  it('takes an env id as a string, a seed count, and the default backend; derives every schedule from the budget', () => {
    const config = parseExperimentConfig('name: small\nenv: Pendulum-v1\nseeds: 3\nvariants:\n  - algorithm: ddpg\n    totalSteps: 100\n', 'small.yaml');
    expect(config.seeds).toEqual([0, 1, 2]);
    expect(config.backend).toBe('auto');
    // Pendulum has no registered reward threshold, and the config sets none.
    expect('threshold' in config).toBe(false);
    expect('description' in config).toBe(false);
    expect(config.variants[0]).toMatchObject({
      name: 'ddpg',
      envs: 0,
      env: { id: 'Pendulum-v1', kwargs: {}, wrappers: [] },
      eval: { every: 5, episodes: 10 },
      record: { every: 0, episodes: 1, deterministic: true },
      checkpointEvery: 10,
      logEvery: 1,
    });
  });

  it("the config's threshold wins over the env's", () => {
    const config = parseExperimentConfig('name: t\nenv: CartPole-v1\nseeds: 1\nthreshold: 195\ntotalSteps: 1000\nvariants: [{ algorithm: a2c }]\n', 't.yaml');
    expect(config.threshold).toBe(195);
    expect(config.variants[0]!.envs).toBe(8);
  });

  it('lets variants share settings through YAML anchors and merge keys', () => {
    const config = parseExperimentConfig(
      `
name: anchors
env: CartPole-v1
seeds: 1
totalSteps: 1000
variants:
  - name: slow
    algorithm: dqn
    hyperparameters: &dqn { gamma: 0.99, hidden: [32, 32], learningRate: 0.001 }
  - name: fast
    algorithm: dqn
    hyperparameters: { <<: *dqn, learningRate: 0.01 }
`,
      'anchors.yaml',
    );
    expect(config.variants[1]!.hyperparameters).toEqual({ gamma: 0.99, hidden: [32, 32], learningRate: 0.01 });
  });

  it('reads JSON with the same meaning as YAML', async () => {
    const fromJson = await loadExperimentConfig(join(fixtures, 'tabular.json'));
    const fromYaml = parseExperimentConfig(
      `
name: frozenlake-json
env: { id: FrozenLake-v1, kwargs: { isSlippery: false } }
totalSteps: 20000
seeds: [3, 1]
variants:
  - { algorithm: q-learning, hyperparameters: { learningRate: 0.5 } }
  - { algorithm: sarsa, name: sarsa-fast, hyperparameters: { learningRate: 0.9 } }
`,
      'frozenlake.yaml',
    );
    expect(fromJson).toEqual(fromYaml);
    expect(fromJson.threshold).toBe(0.7);
    expect(fromJson.variants.map((v) => v.name)).toEqual(['q-learning', 'sarsa-fast']);
    // JSON problems get positions too.
    expect(messageOf("")).toBe("cfg.yaml: the config is empty; expected a mapping with name, env, seeds and variants");
    const error = configError(() => parseExperimentConfig('{\n  "name": "j",\n  "env": "CartPole-v1",\n  "seeds": 0,\n  "variants": []\n}', 'cfg.json', 'json'));
    expect(error.message).toBe(['cfg.json:4:12: seeds: must be >= 1, got 0', 'cfg.json:5:15: variants: must have at least 1 item'].join('\n'));
  });
});

describe('sweeps', () => {
  const text = `
name: sweep
env: CartPole-v1
seeds: 2
totalSteps: 20000
variants:
  - algorithm: ppo
    hyperparameters: { nSteps: 64 }
    sweep: { learningRate: [0.001, 0.0003], clipRange: [0.1, 0.2, 0.3] }
  - name: baseline
    algorithm: dqn
`;

  it('expand into the cartesian product, first key slowest, named <name>-<key>=<value>...', () => {
    const config = parseExperimentConfig(text, 'sweep.yaml');
    expect(config.variants.map((v) => v.name)).toEqual([
      'ppo-learningRate=0.001-clipRange=0.1',
      'ppo-learningRate=0.001-clipRange=0.2',
      'ppo-learningRate=0.001-clipRange=0.3',
      'ppo-learningRate=0.0003-clipRange=0.1',
      'ppo-learningRate=0.0003-clipRange=0.2',
      'ppo-learningRate=0.0003-clipRange=0.3',
      'baseline',
    ]);
    expect(config.variants[4]!.hyperparameters).toEqual({ nSteps: 64, learningRate: 0.0003, clipRange: 0.2 });
    expect(config.variants[4]).toMatchObject({ algorithm: 'ppo', envs: 8, totalSteps: 20_000 });
    expect(planRuns(config, 'runs')).toHaveLength(14);
  });

  it('check each value at its own path, and reject values that cannot be part of a directory name', () => {
    expect(
      messageOf(`name: sweep
env: CartPole-v1
seeds: 1
totalSteps: 1000
variants:
  - algorithm: ppo
    hyperparameters: { clipRange: 0.2 }
    sweep:
      learningRate: [0.001, -1]
      clipRange: [0.1]
      hidden: [[64, 64]]
      lerningRate: [1, 2]
`),
    ).toBe(
      [
        'cfg.yaml:9:29: variants[0].sweep.learningRate[1]: learningRate must be a number > 0, got -1',
        'cfg.yaml:10:7: variants[0].sweep.clipRange: clipRange is also set in hyperparameters; set it in one place',
        'cfg.yaml:11:16: variants[0].sweep.hidden[0]: sweep value a list would make "hidden=64,64" part of a directory name, which allows only letters, digits, ".", "_", "-" and "="; write a separate variant with its own name instead',
        'cfg.yaml:12:7: variants[0].sweep.lerningRate: unknown hyperparameter "lerningRate"; allowed: nSteps, batchSize, nEpochs, learningRate, lrSchedule, gamma, gaeLambda, clipRange, clipSchedule, clipRangeVf, normalizeAdvantage, entCoef, vfCoef, maxGradNorm, targetKl, hidden, activation, policy, cnnFilters, cnnKernels, cnnStrides, cnnDense, logStdInit, orthoInit, normalizeObs, clipObs, normalizeReward, clipReward; did you mean "learningRate"?',
      ].join('\n'),
    );
  });
});

describe('planning', () => {
  it('makes one run per (variant, seed), variant-major, seeds in listed order, under <runsDir>/<experiment>/<variant>/seed-<n>', () => {
    const config = parseExperimentConfig(
      'name: plan\nenv: CartPole-v1\nseeds: [5, 1]\ntotalSteps: 1000\nvariants:\n  - algorithm: ppo\n    envs: 2\n  - algorithm: dqn\n    hyperparameters: { gamma: 0.9 }\n',
      'plan.yaml',
    );
    const runs = planRuns(config, '/tmp/runs');
    expect(runs.map((r) => r.dir)).toEqual([
      join('/tmp/runs', 'plan', 'ppo', 'seed-5'),
      join('/tmp/runs', 'plan', 'ppo', 'seed-1'),
      join('/tmp/runs', 'plan', 'dqn', 'seed-5'),
      join('/tmp/runs', 'plan', 'dqn', 'seed-1'),
    ]);
    expect(runs[3]!.spec).toEqual({
      experiment: 'plan',
      variant: 'dqn',
      seed: 1,
      algorithm: 'dqn',
      hyperparameters: { gamma: 0.9 },
      env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] },
      envs: 0,
      totalSteps: 1000,
      eval: { every: 50, episodes: 10 },
      record: { every: 0, episodes: 1, deterministic: true },
      checkpointEvery: 100,
      logEvery: 2,
      backend: 'auto',
      threshold: 475,
    });
    expect(runs[0]!.spec.envs).toBe(2);
  });

  it('leaves threshold out of the spec when there is none', () => {
    const config = parseExperimentConfig('name: p\nenv: Pendulum-v1\nseeds: 1\ntotalSteps: 100\nvariants: [{ algorithm: ddpg }]\n', 'p.yaml');
    expect('threshold' in planRuns(config, 'runs')[0]!.spec).toBe(false);
  });
});

describe('bad configs', () => {
  const valid = (extra: string) => `name: bad\nenv: CartPole-v1\nseeds: 2\ntotalSteps: 1000\n${extra}`;

  it('an unknown key names the closest known key, or the allowed ones', () => {
    expect(messageOf('name: bad\nenv: CartPole-v1\nseeds: 2\ntotalStep: 1000\nvariants:\n  - algorithm: ppo\n    totalSteps: 10\n')).toBe(
      'cfg.yaml:4:1: totalStep: unknown key "totalStep"; did you mean "totalSteps"?',
    );
    expect(messageOf(valid('variants:\n  - algorithm: ppo\n    eval: { evry: 10, foo: 1 }\n'))).toBe(
      [
        'cfg.yaml:7:13: variants[0].eval.evry: unknown key "evry"; did you mean "every"?',
        'cfg.yaml:7:23: variants[0].eval.foo: unknown key "foo"; allowed: every, episodes',
      ].join('\n'),
    );
  });

  it('a wrong type says what was expected and what was found', () => {
    expect(messageOf('name: bad\nenv: CartPole-v1\nseeds: five\ntotalSteps: 1e3\nbackend: gpu\nvariants:\n  - algorithm: ppo\n    envs: 1.5\n    record: { deterministic: yes }\n')).toBe(
      [
        'cfg.yaml:3:8: seeds: expected a number of seeds or a list of seeds, got "five"',
        "cfg.yaml:5:10: backend: must be one of 'auto', 'wasm', 'cpu', 'node', 'node-gpu', 'onnx', 'cuda', 'webgpu', got \"gpu\"",
        'cfg.yaml:8:11: variants[0].envs: expected an integer, got 1.5',
        'cfg.yaml:9:30: variants[0].record.deterministic: expected true or false, got "yes"',
      ].join('\n'),
    );
    expect(messageOf('name: bad\nenv: 42\nseeds: 2\ntotalSteps: 100_000\nvariants: ppo\n')).toBe(
      [
        'cfg.yaml:2:6: env: expected an env id or a mapping with id, kwargs and wrappers, got 42',
        'cfg.yaml:4:13: totalSteps: expected a number, got "100_000" (YAML reads digits with "_" as text; write 100000)',
        'cfg.yaml:5:11: variants: expected a list, got "ppo"',
      ].join('\n'),
    );
  });

  it('a missing key is reported at its parent mapping', () => {
    expect(messageOf('name: bad\nseeds: 2\nvariants:\n  - name: x\n    totalSteps: 10\n')).toBe(
      ['cfg.yaml:1:1: env: missing required key "env"', 'cfg.yaml:4:5: variants[0].algorithm: missing required key "algorithm"'].join('\n'),
    );
  });

  it('an unknown env names the close matches; unknown kwargs name the allowed ones', () => {
    expect(messageOf('name: bad\nenv: CartPol-v1\nseeds: 2\ntotalSteps: 1000\nvariants: [{ algorithm: ppo }]\n')).toBe(
      'cfg.yaml:2:6: env: env "CartPol-v1" is not registered; did you mean CartPole-v1?',
    );
    expect(messageOf('name: bad\nenv: { id: CartPole-v1, kwargs: { suttonBarto: true, maxEpisodeSteps: 0 } }\nseeds: 2\ntotalSteps: 1000\nvariants: [{ algorithm: ppo }]\n')).toBe(
      [
        'cfg.yaml:2:35: env.kwargs.suttonBarto: CartPole-v1: unknown keyword argument "suttonBarto" (did you mean suttonBartoReward?); allowed: suttonBartoReward',
        'cfg.yaml:2:71: env.kwargs.maxEpisodeSteps: must be a positive integer, or null for no time limit, got 0',
      ].join('\n'),
    );
  });

  it('a warm start must name a saved agent or run', () => {
    expect(messageOf(valid('variants:\n  - algorithm: dqn\n    warmStart: /nonexistent/run\n'))).toBe(
      'cfg.yaml:7:16: variants[0].warmStart: /nonexistent/run holds no saved agent (no agent.json, nor checkpoint/agent.json): it does not exist; warmStart takes a run directory or a saved agent directory',
    );
  });

  it('an unknown algorithm lists the registered ones', () => {
    expect(messageOf(valid('variants:\n  - algorithm: ppo2\n'))).toBe(
      'cfg.yaml:6:16: variants[0].algorithm: unknown agent "ppo2"; did you mean "ppo"? available: a2c, bandit-epsilon-greedy, bandit-gradient, bandit-optimistic, bandit-thompson, bandit-ucb, ddpg, dqn, expected-sarsa, monte-carlo, n-step-sarsa, policy-iteration, ppo, q-lambda, q-learning, reinforce, sac, sarsa, sarsa-lambda, td3, value-iteration',
    );
  });

  it('a hyperparameter out of range, of the wrong type or unknown is reported at its path', () => {
    expect(
      messageOf(valid('variants:\n  - algorithm: dqn\n  - algorithm: ppo\n    hyperparameters:\n      learningRate: 0\n      hidden: 64\n      clipRnge: 0.1\n')),
    ).toBe(
      [
        'cfg.yaml:9:21: variants[1].hyperparameters.learningRate: learningRate must be a number > 0, got 0',
        'cfg.yaml:10:15: variants[1].hyperparameters.hidden: hidden must be a list of positive integers (e.g. [64, 64]), got 64',
        'cfg.yaml:11:7: variants[1].hyperparameters.clipRnge: unknown hyperparameter "clipRnge"; allowed: nSteps, batchSize, nEpochs, learningRate, lrSchedule, gamma, gaeLambda, clipRange, clipSchedule, clipRangeVf, normalizeAdvantage, entCoef, vfCoef, maxGradNorm, targetKl, hidden, activation, policy, cnnFilters, cnnKernels, cnnStrides, cnnDense, logStdInit, orthoInit, normalizeObs, clipObs, normalizeReward, clipReward; did you mean "clipRange"?',
      ].join('\n'),
    );
  });

  it('bad wrappers: unknown names, bad arguments, a wrapper that does not fit the env', () => {
    expect(
      messageOf(`name: bad
env:
  id: MountainCar-v0
  wrappers:
    - discretizeObservation: { bins: [20, 0], lo: [0, 0] }
    - frameStak: { k: 4 }
    - frameStack: 4
    - discretizeObservation:
      bins: 20
seeds: 2
totalSteps: 1000
variants: [{ algorithm: q-learning }]
`),
    ).toBe(
      [
        'cfg.yaml:5:43: env.wrappers[0].discretizeObservation.bins[1]: must be >= 1, got 0',
        'cfg.yaml:5:47: env.wrappers[0].discretizeObservation.lo: unknown key "lo"; did you mean "low"?',
        'cfg.yaml:6:7: env.wrappers[1].frameStak: unknown wrapper "frameStak"; did you mean "frameStack"?',
        'cfg.yaml:7:19: env.wrappers[2].frameStack: expected a mapping, got 4',
        "cfg.yaml:8:7: env.wrappers[3]: expected a wrapper name or a one-key mapping \"name: { arguments }\", got a mapping with 2 keys (discretizeObservation, bins); indent the arguments under the wrapper's name",
      ].join('\n'),
    );
    // Well-formed, but CartPole's actions are Discrete: found by building the env once.
    expect(messageOf(valid('variants:\n  - algorithm: q-learning\n    env: { wrappers: [clipAction] }\n'))).toBe(
      'cfg.yaml:7:10: variants[0].env: clipAction(CartPole-v1): needs a float32 Box action space, got Discrete(2)',
    );
  });

  it('duplicate variant names name both variants, sweeps included', () => {
    expect(messageOf(valid('variants:\n  - algorithm: ppo\n  - algorithm: ppo\n    hyperparameters: { gamma: 0.9 }\n'))).toBe(
      'cfg.yaml:7:5: variants[1]: duplicate variant name "ppo": variants[0] has it too; give the variants different names',
    );
    expect(
      messageOf(valid('variants:\n  - algorithm: ppo\n    sweep: { gamma: [0.9, 0.99] }\n  - name: ppo-gamma=0.99\n    algorithm: ppo\n')),
    ).toBe('cfg.yaml:8:11: variants[1].name: duplicate variant name "ppo-gamma=0.99": variants[0] (gamma=0.99) has it too; give the variants different names');
  });

  it('other meaning checks: names, seeds, vector envs, budgets', () => {
    expect(
      messageOf('name: my experiment\nenv: CartPole-v1\nseeds: [0, 3, 0]\nvariants:\n  - algorithm: reinforce\n    envs: 4\n    totalSteps: 100\n  - algorithm: ppo\n'),
    ).toBe(
      [
        'cfg.yaml:1:7: name: must be a directory-safe name (letters, digits, ".", "_", "-", starting with a letter or digit), got "my experiment"',
        'cfg.yaml:3:15: seeds[2]: seed 0 is listed twice (also seeds[0])',
        'cfg.yaml:6:11: variants[0].envs: reinforce trains on a single env; set envs to 0 (vector envs: a2c, dqn, ppo)',
        'cfg.yaml:8:5: variants[1].totalSteps: missing required key "totalSteps" (set it here, or at the top level for every variant)',
      ].join('\n'),
    );
  });

  it('a malformed YAML file reports the line and column of the syntax error', async () => {
    const error = await loadError(join(fixtures, 'malformed.yaml'));
    const source = join(fixtures, 'malformed.yaml');
    expect(error.source).toBe(source);
    expect(error.message).toBe(
      [`${source}:6:16: Nested mappings are not allowed in compact mappings`, `${source}:6:16: Implicit keys need to be on a single line`].join('\n'),
    );
    expect(messageOf('name: a\nname: b\n')).toBe('cfg.yaml:2:1: Map keys must be unique');
  });

  it('a malformed JSON file reports the position of the syntax error', async () => {
    const error = await loadError(join(fixtures, 'bad-syntax.json'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ path: '', line: 4, column: 1 });
    expect(error.message).toMatch(/bad-syntax\.json:4:1: invalid JSON: \S/);
  });

  it('a file with several problems reports them all at once, in file order, with their positions', async () => {
    const source = join(fixtures, 'several-problems.yaml');
    const error = await loadError(source);
    expect(error.message).toBe(
      [
        `${source}:3:6: env: env "CartPole-v2" is not registered; available versions: CartPole-v1`,
        `${source}:4:1: totalStep: unknown key "totalStep"; did you mean "totalSteps"?`,
        `${source}:6:16: eval.every: must be >= 0, got -5`,
        `${source}:11:21: variants[0].hyperparameters.learningRate: learningRate must be a number > 0, got -1`,
        `${source}:13:16: variants[1].algorithm: unknown agent "dqnn"; did you mean "dqn"? available: a2c, bandit-epsilon-greedy, bandit-gradient, bandit-optimistic, bandit-thompson, bandit-ucb, ddpg, dqn, expected-sarsa, monte-carlo, n-step-sarsa, policy-iteration, ppo, q-lambda, q-learning, reinforce, sac, sarsa, sarsa-lambda, td3, value-iteration`,
      ].join('\n'),
    );
    expect(error.problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ['env', 3, 6],
      ['totalStep', 4, 1],
      ['eval.every', 6, 16],
      ['variants[0].hyperparameters.learningRate', 11, 21],
      ['variants[1].algorithm', 13, 16],
    ]);
  });

  it('file names: an unknown extension or a missing file is a ConfigError', async () => {
    expect((await loadError(join(fixtures, 'notes.txt'))).message).toBe(`${join(fixtures, 'notes.txt')}: unknown config file extension ".txt"; use .yaml, .yml or .json`);
    expect((await loadError(join(fixtures, 'missing.yaml'))).message).toBe(`${join(fixtures, 'missing.yaml')}: no such file`);
  });
});

describe('wrappers', () => {
  it('lists the registered wrappers', () => {
    expect(listWrappers().map((w) => w.name)).toEqual([
      'clipAction',
      'discretizeObservation',
      'flattenObservation',
      'frameSkip',
      'frameStack',
      'grayscaleObservation',
      'linearPotential',
      'normalizeObservation',
      'normalizeReward',
      'rescaleAction',
      'resizeObservation',
      'scaleReward',
      'terminalReward',
    ]);
  });

  it('checks arguments with paths inside them', () => {
    expect(checkWrapperArgs('frameStack', { k: 0, padding: 'none' })).toEqual([
      { path: 'k', message: 'must be >= 1, got 0' },
      { path: 'padding', message: "must be one of 'reset', 'zero', got \"none\"" },
    ]);
    expect(checkWrapperArgs('rescaleAction', { min: -1 })).toEqual([{ path: 'max', message: 'missing required key "max"' }]);
    expect(checkWrapperArgs('normalise', {})).toEqual([{ path: '', message: 'unknown wrapper "normalise"; known wrappers: clipAction, discretizeObservation, flattenObservation, frameSkip, frameStack, grayscaleObservation, linearPotential, normalizeObservation, normalizeReward, rescaleAction, resizeObservation, scaleReward, terminalReward' }]);
    expect(checkWrapperArgs('discretizeObservation', { bins: [20, 20], low: [null, -0.07] })).toEqual([]);
  });

  it('applies wrappers in order', () => {
    const env = applyWrappers(make('MountainCar-v0'), [
      { name: 'discretizeObservation', args: { bins: [20, 20] } },
      { name: 'scaleReward', args: { scale: 0.5 } },
    ]);
    expect(env.observationSpace).toMatchObject({ type: 'discrete', n: 400 });
    env.reset({ seed: 0 });
    expect(env.step(1).reward).toBe(-0.5);
    const pendulum = applyWrappers(make('Pendulum-v1'), [{ name: 'rescaleAction', args: { min: -1, max: 1 } }, { name: 'frameStack', args: { k: 3 } }]);
    expect(pendulum.actionSpace).toMatchObject({ type: 'box', shape: [1] });
    expect(Array.from((pendulum.actionSpace as { high: Float32Array }).high)).toEqual([1]);
    expect(pendulum.observationSpace).toMatchObject({ shape: [3, 3] });
    expect(() => applyWrappers(make('CartPole-v1'), [{ name: 'frameStack', args: {} }])).toThrow('wrapper frameStack: k: missing required key "k"');
  });
});

describe('checkHyperparameters', () => {
  it('lists unknown keys first, then bad values in the spec order, without throwing', () => {
    const spec = { rate: num(0.1, 'a rate', { min: 0, exclusiveMin: true }), steps: int(5, 'steps', { min: 1 }) };
    expect(checkHyperparameters(spec, { steps: 0, rate: -1, extra: true })).toEqual([
      { key: 'extra', message: 'unknown hyperparameter "extra"; allowed: rate, steps' },
      { key: 'rate', message: 'rate must be a number > 0, got -1' },
      { key: 'steps', message: 'steps must be an integer >= 1, got 0' },
    ]);
    expect(checkHyperparameters(spec, { rate: 0.5 })).toEqual([]);
  });
});

describe('limits', () => {
  const config = (top: string, variant = '') => `name: big\nenv: CartPole-v1\ntotalSteps: 1000\n${top}variants:\n  - algorithm: ppo\n${variant}`;

  it('more runs than maxRuns (1000 by default) is an error naming the key that makes them and how to allow them', () => {
    expect(messageOf(config('seeds: 1000000\n'))).toBe(
      'cfg.yaml:4:8: seeds: 1000000 seeds x 1 variant = 1000000 runs, more than maxRuns (1000); if you mean it, set maxRuns: 1000000 at the top level of the config',
    );
    const values = (n: number, scale: number) => `[${Array.from({ length: n }, (_, i) => (i + 1) * scale).join(', ')}]`;
    expect(messageOf(config('seeds: 2\n', `    sweep: { learningRate: ${values(40, 1e-5)}, gamma: ${values(40, 0.01)} }\n`))).toBe(
      'cfg.yaml:7:12: variants[0].sweep: the sweep expands this variant into 1600 variants (40 x 40 values), x 2 seeds = 3200 runs, more than maxRuns (1000); if you mean it, set maxRuns: 3200 at the top level of the config',
    );
    expect(messageOf(config('seeds: 300\n', '  - algorithm: dqn\n  - algorithm: a2c\n  - algorithm: reinforce\n'))).toBe(
      'cfg.yaml:5:1: variants: 300 seeds x 4 variants = 1200 runs, more than maxRuns (1000); if you mean it, set maxRuns: 1200 at the top level of the config',
    );
    expect(parseExperimentConfig(config('seeds: 300\nmaxRuns: 1200\n', '  - algorithm: dqn\n  - algorithm: a2c\n  - algorithm: reinforce\n'), 'cfg.yaml').variants).toHaveLength(4);
  });

  it('a sweep whose product is astronomically large is refused without expanding it', () => {
    const keys = ['learningRate', 'gamma', 'gaeLambda', 'clipRange', 'entCoef', 'vfCoef', 'maxGradNorm', 'nEpochs', 'batchSize', 'nSteps'];
    const sweep = keys.map((k) => `${k}: [${Array.from({ length: 10 }, (_, i) => i + 1).join(', ')}]`).join(', ');
    expect(messageOf(config('seeds: 1\n', `    sweep: { ${sweep} }\n`))).toMatch(
      /^cfg\.yaml:7:12: variants\[0\]\.sweep: the sweep expands this variant into 10000000000 variants \(10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 values\), x 1 seed = 10000000000 runs, more than maxRuns \(1000\)/m,
    );
  });
});

describe('hyperparameters that would not fit in memory', () => {
  const gb = Math.round(totalmem() / 2 ** 30);
  it('a replay buffer or layers too large for this machine are caught at validation, naming the hyperparameter and the estimate', () => {
    const message = messageOf('name: big\nenv: CartPole-v1\ntotalSteps: 1000\nseeds: 1\nvariants:\n  - algorithm: dqn\n    hyperparameters: { bufferSize: 1000000000000 }\n  - algorithm: ppo\n    hyperparameters: { hidden: [100000, 100000] }\n');
    const lines = message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^cfg\\.yaml:7:36: variants\\[0\\]\\.hyperparameters\\.bufferSize: bufferSize 1000000000000 needs about \\d+(\\.\\d)? TB \\(the replay buffer, \\d+ bytes per transition\\), more than this machine's ${gb} GB of memory$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^cfg\\.yaml:9:32: variants\\[1\\]\\.hyperparameters\\.hidden: hidden \\[100000, 100000\\] needs about \\d+ GB \\(\\d+ M network weights, with their gradients and optimizer state\\), more than this machine's ${gb} GB of memory$`),
    );
  });
});

describe('input that cannot be trusted', () => {
  it('duplicate keys in a JSON config are an error naming the key and line', () => {
    const text = '{\n  "name": "a",\n  "env": "CartPole-v1",\n  "seeds": 1,\n  "totalSteps": 10,\n  "name": "b",\n  "variants": [{ "algorithm": "ppo", "totalSteps": 5, "totalSteps": 6 }]\n}\n';
    expect(configError(() => parseExperimentConfig(text, 'cfg.json', 'json')).message).toBe(
      [
        'cfg.json:6:3: name: duplicate key "name" (first at line 2); JSON would silently keep only the last',
        'cfg.json:7:55: variants[0].totalSteps: duplicate key "totalSteps" (first at line 7); JSON would silently keep only the last',
      ].join('\n'),
    );
  });

  it('a huge value or a binary file is not echoed in full', () => {
    const long = messageOf(`name: a\nenv: CartPole-v1\nseeds: "${'x'.repeat(1_000_000)}"\n`);
    expect(long.length).toBeLessThan(1000);
    expect(long).toContain('seeds: expected a number of seeds or a list of seeds, got "xxxxxxxx');
    expect(long).toContain('... (1000000 characters)');
    const binary = String.fromCharCode(...Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    expect(messageOf(binary).length).toBeLessThan(1000);
  });

  it('an alias bomb is refused with the file named', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) levels.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`);
    const error = configError(() => parseExperimentConfig(levels.join('\n') + '\n', 'bomb.yaml'));
    expect(error.message).toMatch(/^bomb\.yaml: the YAML aliases expand too far \(Excessive alias count/);
  });

  it('a YAML nested 20,000 deep is refused with one clear message', () => {
    const error = configError(() => parseExperimentConfig(`a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, 'deep.yaml'));
    expect(error.message).toBe('deep.yaml: the document nests too deeply for the YAML parser (a config nests a few levels); is this the right file?');
  });

  it('a warm start from an agent of another algorithm is caught at validation', () => {
    const dir = temp();
    writeFileSync(join(dir, 'agent.json'), JSON.stringify({ format: 'arena.agent/1', algorithm: 'ppo' }));
    expect(messageOf(`name: w\nenv: CartPole-v1\nseeds: 1\ntotalSteps: 100\nvariants:\n  - algorithm: dqn\n    warmStart: ${dir}\n  - algorithm: a2c\n    warmStart: ${dir}\n`)).toBe(
      `cfg.yaml:7:16: variants[0].warmStart: ${dir} holds a saved ppo agent; dqn warm starts only from dqn`,
    );
  });
});
