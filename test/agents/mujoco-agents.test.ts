// The continuous-action agents train on MuJoCo envs, single and vectorized (a few rollouts each, to show the
// pieces fit: Box(-1, 1) and Box(-0.4, 0.4) actions, float32 observations of 11 and 348 numbers, episodes
// that end on health), and act within the action space afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { createAgent } from '../../agents/agent.js';
import { initBackend } from '../../agents/lib/backend.js';
import { make } from '../../core/registry.js';
import { contains } from '../../core/spaces.js';
import { makeVec } from '../../core/vector.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const AGENTS: Record<string, Record<string, unknown>> = {
  ppo: { nSteps: 16, batchSize: 32, nEpochs: 1, hidden: [16, 16] },
  a2c: { nSteps: 8, hidden: [16, 16] },
  ddpg: { learningStarts: 32, batchSize: 16, bufferSize: 1000, hidden: [16, 16] },
};

describe.each(['Hopper-v5', 'Humanoid-v5'])('agents on %s', (id) => {
  it.each(Object.keys(AGENTS))('%s learns a few steps and then acts in the action space', async (name) => {
    const env = make(id);
    const agent = await createAgent(name, AGENTS[name]!, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 1, backend: 'wasm' });
    const vectorized = name !== 'ddpg';
    const result = await agent.learn(vectorized ? { vecEnv: makeVec(id, 2), totalSteps: 64 } : { env, totalSteps: 64 });
    expect(result.steps).toBeGreaterThanOrEqual(64);
    const { obs } = env.reset({ seed: 2 });
    const action = agent.act(obs, { deterministic: true });
    expect(contains(env.actionSpace, action)).toBe(true);
    agent.dispose();
    env.close();
  }, 60_000);
});
