// The default backend: 'auto' resolves to ONNX Runtime for every agent
// configuration on that path (every single-agent net); saved agents
// record the concrete name, so a resumed run stays on the backend it started
// on, and agents saved when 'auto' still meant TensorFlow.js load there.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../agents/index.js';
import '../../../envs/index.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import { box, discrete } from '../../../core/spaces.js';
import { make } from '../../../core/registry.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('default-backend');
const cartPole = make('CartPole-v1');
const pendulum = make('Pendulum-v1');
const spaces = (env: typeof cartPole) => ({ observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 3 });

describe("backend 'auto'", () => {
  it.each([
    ['ppo', cartPole],
    ['a2c', cartPole],
    ['reinforce', cartPole],
    ['dqn', cartPole],
    ['ddpg', pendulum],
    ['td3', pendulum],
    ['sac', pendulum],
  ] as const)('runs %s on ONNX Runtime, with or without the word', async (algorithm, env) => {
    for (const backend of [undefined, 'auto']) {
      const agent = await createAgent(algorithm, {}, { ...spaces(env), ...(backend ? { backend } : {}) });
      expect(agent.context.backend).toBe('onnx');
      agent.dispose();
    }
  });

  it("runs DQN's conv trunk there too (policy 'auto' on image observations)", async () => {
    const frames = { observationSpace: box(0, 255, [12, 12, 1], 'uint8'), actionSpace: discrete(2), seed: 0 };
    const agent = await createAgent('dqn', { policy: 'auto', bufferSize: 100, cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16] }, frames);
    expect(agent.context.backend).toBe('onnx');
    agent.dispose();
  });

  it('keeps a backend asked for by name', async () => {
    const agent = await createAgent('ppo', {}, { ...spaces(cartPole), backend: 'cpu' });
    expect(agent.context.backend).toBe('cpu');
    agent.dispose();
  });

  it('is recorded as the concrete backend, which loading with auto keeps', async () => {
    {
      const dir = tempDir();
      const agent = await createAgent('ppo', { nSteps: 16, batchSize: 8 }, spaces(cartPole));
      await agent.save(dir);
      agent.dispose();
      const manifest = JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8')) as { context: { backend: string } };
      expect(manifest.context.backend).toBe('onnx');
      for (const backend of [undefined, 'auto']) {
        const loaded = await loadAgent(dir, backend ? { backend } : {});
        expect(loaded.context.backend).toBe('onnx');
        loaded.dispose();
      }
      const asked = await loadAgent(dir, { backend: 'cpu' });
      expect(asked.context.backend).toBe('cpu');
      asked.dispose();
    }
  });

  it("loads an agent saved when 'auto' meant TensorFlow.js on TensorFlow.js (td3 and sac, which have no tfjs path, on ONNX Runtime)", async () => {
    {
      const dir = tempDir();
      for (const [algorithm, env, expected] of [
        ['ppo', cartPole, 'tfjs'],
        ['sac', pendulum, 'onnx'],
      ] as const) {
        const agentDir = join(dir, algorithm);
        const agent = await createAgent(algorithm, {}, spaces(env));
        await agent.save(agentDir);
        agent.dispose();
        const path = join(agentDir, 'agent.json');
        for (const legacy of ['auto', undefined]) {
          const manifest = JSON.parse(await readFile(path, 'utf8')) as { context: Record<string, unknown> };
          if (legacy === undefined) delete manifest.context.backend;
          else manifest.context.backend = legacy;
          await writeFile(path, JSON.stringify(manifest));
          const loaded = await loadAgent(agentDir);
          if (expected === 'onnx') expect(loaded.context.backend).toBe('onnx');
          else expect(['wasm', 'cpu', 'node', 'node-gpu']).toContain(loaded.context.backend);
          loaded.dispose();
        }
      }
    }
  });
});
