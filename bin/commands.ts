// What the `arena` subcommands print, as functions returning text (so tests can call them).
import { make, listEnvs } from '../core/registry.js';
import { listGames, makeGame } from '../core/multi-agent.js';
import { Rng } from '../core/rng.js';
import { describeSpace, sample, spaceToJSON } from '../core/spaces.js';
import type { Space, SpaceValue } from '../core/spaces.js';
import { resolveKwargs, envRegistration } from '../core/registry.js';
import { agentDefinition, listAgents } from '../agents/agent.js';
import { listLearners } from '../agents/multi/index.js';
import { describeSpec } from '../agents/lib/hparams.js';
import { RECIPES } from '../agents/recipes/index.js';
import { textTable } from '../experiments/format.js';

function table(header: string[], rows: string[][]): string {
  return textTable(header, rows) + '\n';
}

/** `arena envs`: every registered env with its spaces, limit and threshold. */
export function envTable(json: boolean): string {
  const rows = listEnvs().map((reg) => {
    const env = reg.factory(resolveKwargs(reg, {}), { id: reg.id, kwargs: reg.kwargs ?? {} });
    const row = {
      id: reg.id,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      maxEpisodeSteps: reg.maxEpisodeSteps ?? null,
      rewardThreshold: reg.rewardThreshold ?? null,
      batched: reg.kernel !== undefined,
      description: reg.description ?? '',
    };
    env.close();
    return row;
  });
  if (json) {
    const out = rows.map((r) => ({ ...r, observationSpace: spaceToJSON(r.observationSpace), actionSpace: spaceToJSON(r.actionSpace) }));
    return JSON.stringify(out, null, 2) + '\n';
  }
  return table(
    ['id', 'observation space', 'action space', 'max steps', 'threshold', 'description'],
    rows.map((r) => [
      r.id,
      describeSpace(r.observationSpace),
      describeSpace(r.actionSpace),
      r.maxEpisodeSteps === null ? '-' : String(r.maxEpisodeSteps),
      r.rewardThreshold === null ? '-' : String(r.rewardThreshold),
      r.description,
    ]),
  );
}

/** A space in a few characters: Box bounds left out (they are in the game's header comment). */
function shortSpace(space: Space): string {
  if (space.type === 'box') return `Box(${space.shape.join('x')}, ${space.dtype})`;
  if (space.type === 'dict') return `Dict(${Object.entries(space.spaces).map(([k, v]) => `${k}: ${shortSpace(v)}`).join(', ')})`;
  return describeSpace(space);
}

/** `arena games`: every registered multi-agent game with its kind, agents and spaces. */
export function gameTable(): string {
  const rows = listGames().map((reg) => {
    const game = makeGame(reg.id);
    const agents = game.possibleAgents;
    const first = agents[0]!;
    const row = [
      reg.id,
      reg.kind,
      `${agents.length}: ${agents.join(', ')}`,
      shortSpace(game.observationSpace(first)),
      shortSpace(game.actionSpace(first)),
      reg.maxEpisodeSteps === undefined ? '-' : String(reg.maxEpisodeSteps),
      reg.description ?? '',
    ];
    game.close();
    return row;
  });
  return table(['id', 'kind', 'agents', 'observation space (first agent)', 'action space (first agent)', 'max steps', 'description'], rows);
}

/** `arena demo`: episodes of `id` under a uniformly random policy, with their returns. */
export function runDemo(id: string, episodes: number, seed: number): string {
  envRegistration(id);
  const env = make(id);
  const rng = new Rng(seed);
  const lines = [`${id} with a random policy (seed ${seed})`];
  const returns: number[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    env.reset(ep === 0 ? { seed } : {});
    let total = 0;
    let length = 0;
    for (;;) {
      const r = env.step(sample(env.actionSpace, rng) as SpaceValue);
      total += r.reward;
      length += 1;
      if (r.terminated || r.truncated) {
        lines.push(`  episode ${ep + 1}: return ${Number(total.toFixed(3))}, length ${length}${r.truncated ? ' (truncated)' : ''}`);
        break;
      }
    }
    returns.push(total);
  }
  env.close();
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  lines.push(`mean return over ${episodes} episodes: ${Number(mean.toFixed(3))}`);
  const threshold = envRegistration(id).rewardThreshold;
  if (threshold !== undefined) lines.push(`(the task counts as solved at an average of ${threshold}; training comes with the agents)`);
  return lines.join('\n') + '\n';
}

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
