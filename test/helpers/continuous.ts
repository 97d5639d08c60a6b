// Checks shared by the tests of the continuous-control agents (ddpg, td3, sac):
// saved files compared byte for byte, exact resume across a checkpoint, and a
// saved actor's outputs shifted (to reach what brief training does not).
import { expect } from 'vitest';
import type { Env } from '../../core/env.js';
import { createAgent } from '../../agents/agent.js';
import { readMlp, saveMlpData } from '../../agents/lib/nets.js';
import { make } from '../../core/registry.js';
import { agentResume, expectExactResume as expectSameResume } from '../agents/compute/backend-checks.js';

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
  const obs = fresh().reset({ seed: 1 }).obs;
  return expectSameResume(
    () => createAgent(algorithm, hp, ctx),
    (agent, totalSteps) => agent.learn({ env: fresh(), totalSteps }),
    cut,
    total,
    agentResume(backend),
    tempDir,
    (straight, loaded) => expect(loaded.act(obs, { deterministic: true })).toEqual(straight.act(obs, { deterministic: true })),
  );
}

/** Adds `shift` to the bias of each output of the actor saved in `dir`. */
export async function shiftActorBias(dir: string, shift: number): Promise<void> {
  const actor = await readMlp(dir, 'actor');
  const outputs = actor.sizes[actor.sizes.length - 1]!;
  const data = Float32Array.from(actor.data);
  for (let i = data.length - outputs; i < data.length; i++) data[i]! += shift;
  await saveMlpData({ ...actor, data }, dir, 'actor');
}
