#!/usr/bin/env node
// The `arena` command: parses arguments and calls the library; no logic of its own.
import { Command, InvalidArgumentError } from 'commander';
import { createRequire } from 'node:module';
import '../envs/index.js';
import '../agents/index.js';
import { recipe } from '../agents/recipes/index.js';
import { BACKENDS } from '../agents/lib/backend.js';
import { agentTable, envTable, gameTable, parseHyperparameters, recipeTable, runDemo } from './commands.js';
import { train } from './train.js';
import type { EvalCommandOptions } from './run.js';
import { checkConfigPath, evalCommand, runCommand } from './run.js';
import { compareCommand } from './compare.js';
import { ConfigError } from '../experiments/config.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

const program = new Command()
  .name('arena')
  .description('Arena: reinforcement-learning simulators, agents, experiments and a replay viewer')
  .version(version);

program
  .command('envs')
  .description('list the registered environments with their spaces, episode limit and reward threshold')
  .option('--json', 'print JSON instead of a table')
  .action((opts: { json?: boolean }) => {
    process.stdout.write(envTable(Boolean(opts.json)));
  });

program
  .command('games')
  .description('list the registered multi-agent games with their kind, agents and spaces')
  .action(() => {
    process.stdout.write(gameTable());
  });

program
  .command('demo')
  .description('run a few episodes of an environment with a random policy and print their returns')
  .option('--env <id>', 'environment id', 'CartPole-v1')
  .option('--episodes <n>', 'number of episodes', positiveInt('--episodes'), 5)
  .option('--seed <n>', 'seed for the env and the random policy', integer('--seed'), 0)
  .action((opts: { env: string; episodes: number; seed: number }) => {
    process.stdout.write(runDemo(opts.env, opts.episodes, opts.seed));
  });

program
  .command('agents [name]')
  .description('list the agents, or one agent\'s hyperparameters with defaults and allowed ranges')
  .action((name: string | undefined) => {
    process.stdout.write(agentTable(name));
  });

program
  .command('train [agent]')
  .description('train one agent on one env (or a named recipe), evaluate it, and optionally save it')
  .option('--recipe <id>', 'a known-good recipe (agent, env, steps, hyperparameters); other options override it')
  .option('--env <id>', 'environment id')
  .option('--steps <n>', 'env steps to train for', positiveInt('--steps'))
  .option('--seed <n>', 'seed for the agent and its env resets', integer('--seed'), 0)
  .option('--envs <n>', 'train on a vector env of n copies (for PPO and A2C; 0: a single env)', integer('--envs'))
  .option('--hp <key=value...>', 'a hyperparameter, e.g. --hp learningRate=0.001 --hp hidden=[64,64]', [])
  .option('--backend <name>', `neural-net backend: ${BACKENDS.join(', ')} ('onnx': dqn only so far)`, 'auto')
  .option('--save <dir>', 'save the trained agent into this directory')
  .option('--eval-episodes <n>', 'deterministic evaluation episodes after training', positiveInt('--eval-episodes'), 20)
  .action(
    async (
      agentArg: string | undefined,
      opts: { recipe?: string; env?: string; steps?: number; seed: number; envs?: number; hp: string[]; backend: string; save?: string; evalEpisodes: number },
    ) => {
      const base = opts.recipe ? recipe(opts.recipe) : undefined;
      const agent = agentArg ?? base?.agent;
      const env = opts.env ?? base?.env;
      if (!agent) throw new Error('train: name an agent (arena train dqn --env CartPole-v1) or a recipe (--recipe ppo-cartpole)');
      if (!env) throw new Error('train: --env is required without a recipe');
      await train({
        agent,
        env,
        steps: opts.steps ?? base?.totalSteps ?? 50_000,
        seed: opts.seed,
        envs: opts.envs ?? base?.nEnvs ?? 0,
        hyperparameters: { ...(base?.hyperparameters ?? {}), ...parseHyperparameters(opts.hp) },
        ...(base?.envKwargs ? { envKwargs: base.envKwargs } : {}),
        ...(base?.wrapEnv ? { wrapEnv: base.wrapEnv } : {}),
        backend: opts.backend,
        evalEpisodes: opts.evalEpisodes,
        ...(opts.save ? { save: opts.save } : {}),
      });
    },
  );

program
  .command('recipes')
  .description('list the training recipes (arena train --recipe <id>)')
  .action(() => {
    process.stdout.write(recipeTable());
  });

program
  .command('run <config>')
  .description('run an experiment config: every (variant, seed) run, in parallel worker threads, into the run store')
  .option('--workers <n>', 'worker threads (default: one per core; 0 runs in this process, one at a time)', nonNegativeInt('--workers'))
  .option('--resume', 'continue interrupted, killed or failed runs from their last checkpoint and skip finished ones')
  .option('--overwrite', "delete the experiment's existing runs and start over")
  .option('--runs-dir <dir>', 'where experiments are written', 'runs')
  .option('--import <module...>', 'modules that register extra envs or agents (imported in every worker)', [])
  .option('--compare', 'afterwards, print the comparison table and write the learning-curve figure (as arena compare)')
  .action(async (config: string, opts: { workers?: number; resume?: boolean; overwrite?: boolean; runsDir: string; import: string[]; compare?: boolean }) => {
    if (opts.resume && opts.overwrite) throw new Error('run: --resume and --overwrite contradict each other; choose one');
    checkConfigPath(config);
    process.exitCode = await runCommand(config, opts);
  });

program
  .command('eval <run-dir>')
  .description("evaluate a run's checkpoint deterministically, optionally recording episodes for the viewer")
  .option('--episodes <n>', 'evaluation episodes', positiveInt('--episodes'), 100)
  .option('--seed <n>', 'seed of the first episode', integer('--seed'), 0)
  .option('--record [n]', 'also record n episodes (default 1) into the run for `arena view`', positiveInt('--record'))
  .option('--stochastic', 'sample actions instead of acting greedily')
  .option('--backend <name>', 'neural-net backend (default: the one the run used)')
  .option('--import <module...>', 'modules that register extra envs or agents', [])
  .action(async (runDir: string, opts: EvalCommandOptions) => {
    await evalCommand(runDir, opts, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('compare <paths...>')
  .description('compare the runs of experiments (or single run dirs): final returns with 95% bootstrap CIs, IQM, AUC, time to threshold, and a figure of the learning curves')
  .option('--csv [file]', 'also write the table as CSV (to stdout without a file)')
  .option('--json [file]', 'also write the comparison as JSON (to stdout without a file)')
  .option('--out <dir>', 'where to write curves.svg and curves.png (default: the experiment directory)')
  .option('--x <axis>', "x axis of the figure: 'steps' or 'time'", 'steps')
  .option('--smooth <n>', 'moving-average window over evaluations for the figure', nonNegativeInt('--smooth'), 0)
  .option('--threshold <r>', "return that counts as solved (default: each run's)", Number)
  .option('--no-figure', 'skip the figure')
  .action(
    async (
      paths: string[],
      opts: { csv?: string | boolean; json?: string | boolean; out?: string; x: string; smooth: number; threshold?: number; figure: boolean },
    ) => {
      if (opts.x !== 'steps' && opts.x !== 'time') throw new InvalidArgumentError(`--x must be 'steps' or 'time', got "${opts.x}"`);
      if (opts.threshold !== undefined && !Number.isFinite(opts.threshold)) throw new InvalidArgumentError('--threshold must be a number');
      await compareCommand(
        paths,
        {
          ...(opts.csv !== undefined ? { csv: opts.csv } : {}),
          ...(opts.json !== undefined ? { json: opts.json } : {}),
          ...(opts.out !== undefined ? { out: opts.out } : {}),
          x: opts.x,
          smoothing: opts.smooth,
          ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
          figure: opts.figure,
        },
        { stdout: (s) => process.stdout.write(s) },
      );
    },
  );

program
  .command('view [path]')
  .description('serve the viewer (learning curves, runs, 3D episode replays) over a runs directory, an experiment, a run or an episode file')
  .option('--host <address>', 'address to listen on (127.0.0.1: this machine only)', '127.0.0.1')
  .option('--port <n>', 'port; when busy, the next free one up to 20 further', nonNegativeInt('--port'), 8080)
  .option('--open', 'open the viewer in the default browser')
  .action(async (path: string | undefined, opts: { host: string; port: number; open?: boolean }) => {
    // Loaded on demand, so the other commands do not pay for express at startup.
    const { viewCommand } = await import('./view.js');
    await viewCommand(path ?? 'runs', opts);
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError && err.problems.length > 1) {
    process.stderr.write(`arena: ${err.source}: ${err.problems.length} problems, no run started:\n${err.message.replace(/^/gm, '  ')}\n`);
    process.exitCode = 1;
    return;
  }
  process.stderr.write(`arena: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
