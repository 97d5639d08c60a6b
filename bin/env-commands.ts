// What the env-facing `arena` subcommands print (envs, games, demo), as functions returning text (so tests
// can call them); they need the env registry only, not the agents (commands.ts).
import { make, listEnvs, resolveKwargs, envRegistration } from '../core/registry.js';
import { listGames, makeGame } from '../core/multi-agent.js';
import { Rng } from '../core/rng.js';
import { describeSpace, sample, spaceToJSON } from '../core/spaces.js';
import type { Space, SpaceValue } from '../core/spaces.js';
import { textTable } from '../experiments/format.js';

/** A text table with its closing newline, as the commands print it. */
export function table(header: string[], rows: string[][]): string {
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
