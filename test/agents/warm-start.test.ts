// Warm start (transfer) for the neural agents: after warmStart, a fresh agent
// acts and judges exactly like the saved one, and mismatches are refused.
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../agents/index.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent, warmStart } from '../../agents/agent.js';
import { make } from '../../core/registry.js';
import '../../envs/index.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('warm');

async function agentOn(algorithm: string, envId: string, seed: number, hp: Record<string, unknown>): Promise<Agent> {
  const env = make(envId);
  // td3 and sac run on ONNX Runtime only.
  return createAgent(algorithm, hp, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend: ['td3', 'sac'].includes(algorithm) ? 'onnx' : 'cpu' });
}

/** Deterministic actions and diagnostics on a few observations from the env. */
function behaviour(agent: Agent, envId: string): unknown[] {
  const env = make(envId);
  let { obs } = env.reset({ seed: 5 });
  const out: unknown[] = [];
  for (let t = 0; t < 8; t++) {
    const action = agent.act(obs, { deterministic: true });
    out.push({ action: typeof action === 'number' ? action : Array.from(action), diagnostics: agent.diagnostics?.(obs) });
    const r = env.step(action);
    if (r.terminated || r.truncated) break;
    obs = r.obs;
  }
  return out;
}

describe('warmStart', () => {
  for (const [algorithm, envId, hp] of [
    ['ppo', 'Pendulum-v1', { hidden: [16, 16], normalizeObs: true }],
    ['a2c', 'CartPole-v1', { hidden: [16, 16] }],
    ['ddpg', 'Pendulum-v1', { hidden: [16, 16], learningStarts: 100 }],
    ['td3', 'Pendulum-v1', { hidden: [16, 16], learningStarts: 100 }],
    ['sac', 'Pendulum-v1', { hidden: [16, 16], learningStarts: 100 }],
    ['reinforce', 'CartPole-v1', { hidden: [16, 16], baseline: true }],
  ] as const) {
    it(`${algorithm}: a fresh agent takes the saved one's behaviour, from an agent or a run directory`, async () => {
      const teacher = await agentOn(algorithm, envId, 1, hp);
      await teacher.learn({ env: make(envId), totalSteps: 600 });
      const runDir = await tempDir();
      await mkdir(runDir, { recursive: true });
      await teacher.save(join(runDir, 'saved'));
      await rename(join(runDir, 'saved'), join(runDir, 'checkpoint'));
      const student = await agentOn(algorithm, envId, 2, hp);
      expect(behaviour(student, envId)).not.toEqual(behaviour(teacher, envId));
      await warmStart(student, runDir);
      expect(behaviour(student, envId)).toEqual(behaviour(teacher, envId));
      expect(student.stepCount).toBe(0);

      const wider = await agentOn(algorithm, envId, 3, { ...hp, hidden: [8, 8] });
      await expect(warmStart(wider, runDir)).rejects.toThrow(/is a net of sizes \[\d+, 16, 16, \d+\], this agent's \w+ is \[\d+, 8, 8, \d+\]/);
      for (const a of [teacher, student, wider]) a.dispose();
    }, 60_000);
  }

  it('refuses another algorithm and a directory without an agent', async () => {
    const ddpg = await agentOn('ddpg', 'Pendulum-v1', 1, { hidden: [8] });
    const dir = await tempDir();
    await ddpg.save(dir);
    const ppo = await agentOn('ppo', 'Pendulum-v1', 1, { hidden: [8] });
    await expect(warmStart(ppo, dir)).rejects.toThrow(/holds a "ddpg" agent; an actor-critic warm starts from ppo or a2c/);
    await expect(warmStart(ppo, await tempDir())).rejects.toThrow(/holds no saved agent \(no agent.json, nor checkpoint\/agent.json\)/);
    ddpg.dispose();
    ppo.dispose();
  });
});
