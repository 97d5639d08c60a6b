#!/usr/bin/env node
// The `arena` command: parses arguments and calls the library; no logic of its own.
import { Command, InvalidArgumentError } from 'commander';
import { createRequire } from 'node:module';
import '../envs/index.js';
import { envTable, runDemo } from './commands.js';

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
  .command('demo')
  .description('run a few episodes of an environment with a random policy and print their returns')
  .option('--env <id>', 'environment id', 'CartPole-v1')
  .option('--episodes <n>', 'number of episodes', positiveInt('--episodes'), 5)
  .option('--seed <n>', 'seed for the env and the random policy', integer('--seed'), 0)
  .action((opts: { env: string; episodes: number; seed: number }) => {
    process.stdout.write(runDemo(opts.env, opts.episodes, opts.seed));
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`arena: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
