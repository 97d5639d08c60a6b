// What the agent-facing `arena` subcommands print (agents, recipes) and the parsing of --hp, as functions
// returning text (so tests can call them); the env-facing ones are in env-commands.ts.
import { agentDefinition, listAgents } from '../agents/agent.js';
import { listLearners } from '../agents/multi/index.js';
import { describeSpec } from '../agents/lib/hparams.js';
import { RECIPES } from '../agents/recipes/index.js';
import { table } from './env-commands.js';

/** `arena agents [name]`: the registered agents, or one agent's hyperparameters. */
export function agentTable(name?: string): string {
  if (name === undefined) {
    return `${table(
      ['agent', 'description'],
      listAgents().map((d) => [d.name, d.description]),
    )}\nmulti-agent learners (for the games of \`arena games\`):\n\n${table(
      ['learner', 'description'],
      listLearners().map((d) => [d.name, d.description]),
    )}`;
  }
  // A multi-agent learner's name shows its hyperparameters the same way.
  const learner = listLearners().find((d) => d.name === name);
  const d = learner ?? agentDefinition(name);
  return `${d.name}: ${d.description}\n\n${table(
    ['hyperparameter', 'default', 'allowed', 'description'],
    describeSpec(d.hyperparameters).map((r) => [r.key, r.default, r.allowed, r.description]),
  )}`;
}

/**
 * One `key=value` of a command-line `flag` (`--hp`, the benchmarks' `--set`):
 * the value parsed as JSON when it can be (numbers, booleans, lists), else
 * kept as a string. A key that would change the object holding the values
 * (`__proto__`, `constructor`, `prototype`) is refused: assigned, it would
 * vanish or leak in as inherited keys.
 */
export function parseKeyValue(pair: string, flag: string): [string, unknown] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new Error(`${flag} ${pair}: expected key=value, e.g. ${flag} learningRate=0.001`);
  const key = pair.slice(0, eq);
  const raw = pair.slice(eq + 1);
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    throw new Error(`${flag} ${key}: not a hyperparameter name (it would change the object holding the hyperparameters)`);
  }
  try {
    return [key, JSON.parse(raw) as unknown];
  } catch {
    return [key, raw];
  }
}

/** `--hp key=value` pairs (parseKeyValue), later ones winning. */
export function parseHyperparameters(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [key, value] = parseKeyValue(pair, '--hp');
    out[key] = value;
  }
  return out;
}

/** `arena recipes`: the known-good training recipes. */
export function recipeTable(): string {
  return table(
    ['recipe', 'agent', 'env', 'steps', 'envs', 'hyperparameters'],
    RECIPES.map((r) => [r.id, r.agent, r.env, String(r.totalSteps), String(r.nEnvs ?? 1), JSON.stringify(r.hyperparameters)]),
  );
}
