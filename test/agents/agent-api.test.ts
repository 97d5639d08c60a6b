// What every agent does through the one agent API (agents/agent.ts), whatever
// the algorithm: a disposed agent refuses to be used with an error saying so,
// an observation with a NaN or infinite number is refused before it reaches
// a network or a table, and save() never mixes two agents' files in one
// directory.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { createAgent } from '../../agents/agent.js';
import { make } from '../../core/registry.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const temp = tempDirs('agent-api');

const cartPole = make('CartPole-v1');
const pendulum = make('Pendulum-v1');
const frozenLake = make('FrozenLake-v1');
const cases = [
  { algorithm: 'dqn', env: cartPole },
  { algorithm: 'ppo', env: cartPole },
  { algorithm: 'a2c', env: cartPole },
  { algorithm: 'reinforce', env: cartPole },
  { algorithm: 'ddpg', env: pendulum },
  { algorithm: 'td3', env: pendulum },
  { algorithm: 'sac', env: pendulum },
  { algorithm: 'q-learning', env: frozenLake },
];

// td3 and sac run on ONNX Runtime only (they refuse a tfjs backend by name).
const context = (env: typeof cartPole, algorithm = '') => ({ observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 0, backend: ['td3', 'sac'].includes(algorithm) ? 'onnx' : 'cpu' });

describe('the agent API', () => {
  for (const { algorithm, env } of cases) {
    it(`${algorithm}: act, diagnostics, learn and save after dispose() throw a clear error; dispose() twice does not`, async () => {
      const agent = await createAgent(algorithm, {}, context(env, algorithm));
      const obs = env.reset({ seed: 0 }).obs;
      agent.act(obs);
      agent.dispose();
      expect(() => agent.act(obs)).toThrow(`${algorithm}: act() called after dispose(); create or load the agent again`);
      if (agent.diagnostics) expect(() => agent.diagnostics!(obs)).toThrow(`${algorithm}: diagnostics() called after dispose()`);
      await expect(agent.learn({ env, totalSteps: 10 })).rejects.toThrow(`${algorithm}: learn() called after dispose()`);
      await expect(agent.save('unused')).rejects.toThrow(`${algorithm}: save() called after dispose()`);
      expect(() => agent.dispose()).not.toThrow();
    });
  }

  for (const { algorithm, env } of cases.filter((c) => c.env.observationSpace.type === 'box')) {
    it(`${algorithm}: act and diagnostics refuse an observation with NaN or an infinity, naming the index`, async () => {
      const agent = await createAgent(algorithm, {}, context(env, algorithm));
      try {
        const obs = new Float32Array(env.reset({ seed: 0 }).obs as Float32Array);
        obs[1] = Number.NaN;
        expect(() => agent.act(obs)).toThrow(`${algorithm}.act: observation[1] is NaN; observations must be finite numbers`);
        expect(() => agent.act(obs, { deterministic: true })).toThrow(/observation\[1\] is NaN/);
        obs[1] = 0;
        obs[0] = -Infinity;
        expect(() => agent.act(Array.from(obs))).toThrow(`${algorithm}.act: observation[0] is -Infinity`);
        if (agent.diagnostics) expect(() => agent.diagnostics!(obs)).toThrow(`${algorithm}.diagnostics: observation[0] is -Infinity`);
        obs[0] = 0;
        expect(() => agent.act(obs)).not.toThrow();
      } finally {
        agent.dispose();
      }
    });
  }
});

describe('hyperparameters that would not fit in memory', () => {
  it('are refused by createAgent with the hyperparameter named, before anything is allocated', async () => {
    await expect(createAgent('dqn', { bufferSize: 1e12 }, context(cartPole))).rejects.toThrow(/^dqn: bufferSize 1000000000000 needs about \d+(\.\d)? TB \(the replay buffer, 52 bytes per transition\), more than this machine's \d+ GB of memory$/);
    await expect(createAgent('ppo', { hidden: [100_000, 100_000] }, context(cartPole))).rejects.toThrow(/^ppo: hidden \[100000, 100000\] needs about \d+ GB/);
  });
});

describe('save() into a directory that holds another saved agent', () => {
  it("refuses, naming the directory and the agent there, and leaves that agent's files as they were", async () => {
    const dir = temp();
    const ppo = await createAgent('ppo', {}, context(cartPole));
    const dqn = await createAgent('dqn', {}, context(cartPole));
    try {
      await ppo.save(dir);
      const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
      await expect(dqn.save(dir)).rejects.toThrow(`dqn.save: ${dir} holds a saved ppo agent; save into another directory, or delete that one first (its files would mix with this agent's)`);
      expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))).toEqual(before);
      // The same kind of agent replaces its own files.
      await ppo.save(dir);
      expect(readdirSync(dir).sort()).toEqual(Object.keys(before).sort());
    } finally {
      ppo.dispose();
      dqn.dispose();
    }
  });

  it('refuses a directory holding a multi-agent learner too', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'learner.json'), JSON.stringify({ format: 'arena.learner/1', algorithm: 'iql' }));
    const dqn = await createAgent('dqn', {}, context(cartPole));
    try {
      await expect(dqn.save(dir)).rejects.toThrow(`dqn.save: ${dir} holds a saved iql learner`);
      expect(readdirSync(dir)).toEqual(['learner.json']);
    } finally {
      dqn.dispose();
    }
  });
});
