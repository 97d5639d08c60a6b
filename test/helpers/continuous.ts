// Checks shared by the tests of the continuous-control agents (ddpg, td3, sac):
// saved files compared byte for byte, exact resume across a checkpoint, and a
// saved actor's outputs shifted (to reach what brief training does not).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Agent } from '../../agents/agent.js';
import type { Env } from '../../core/env.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { readMlp, saveMlpData } from '../../agents/lib/nets.js';
import { make } from '../../core/registry.js';

/** Every file `agent.save` writes, by name. */
export async function savedFiles(agent: Agent, dir: string): Promise<Record<string, Buffer>> {
  await agent.save(dir);
  const out: Record<string, Buffer> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f));
  return out;
}

/**
 * Trains one agent for `total` steps straight and another for `cut` steps,
 * saved, loaded and trained on to `total`: every saved file (nets, targets,
 * optimizers, replay, agent.json) must be the same bytes, and so must the
 * actions of both. `env` is a registered id or a function making a fresh env.
 * Returns the names of the files compared.
 */
export async function expectExactResume(algorithm: string, hp: Record<string, unknown>, backend: string, env: string | (() => Env), cut: number, total: number, tempDir: () => string): Promise<string[]> {
  const fresh = typeof env === 'string' ? () => make(env) : env;
  const probe = fresh();
  const ctx = { observationSpace: probe.observationSpace, actionSpace: probe.actionSpace, seed: 5, backend };
  const a = await createAgent(algorithm, hp, ctx);
  const b = await createAgent(algorithm, hp, ctx);
  await a.learn({ env: fresh(), totalSteps: cut });
  await b.learn({ env: fresh(), totalSteps: cut });
  const dir = tempDir();
  await b.save(dir);
  const c = await loadAgent(dir);
  expect(c.stepCount).toBe(cut);
  await a.learn({ env: fresh(), totalSteps: total });
  await c.learn({ env: fresh(), totalSteps: total });
  const fa = await savedFiles(a, tempDir());
  const fc = await savedFiles(c, tempDir());
  expect(Object.keys(fc).sort()).toEqual(Object.keys(fa).sort());
  for (const name of Object.keys(fa)) expect(fc[name]!.equals(fa[name]!), `${algorithm} on ${backend}: ${name}`).toBe(true);
  const obs = fresh().reset({ seed: 1 }).obs;
  expect(c.act(obs, { deterministic: true })).toEqual(a.act(obs, { deterministic: true }));
  [a, b, c].forEach((x) => x.dispose());
  return Object.keys(fa);
}

/** Adds `shift` to the bias of each output of the actor saved in `dir`. */
export async function shiftActorBias(dir: string, shift: number): Promise<void> {
  const actor = await readMlp(dir, 'actor');
  const outputs = actor.sizes[actor.sizes.length - 1]!;
  const data = Float32Array.from(actor.data);
  for (let i = data.length - outputs; i < data.length; i++) data[i]! += shift;
  await saveMlpData({ ...actor, data }, dir, 'actor');
}
