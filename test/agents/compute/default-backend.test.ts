// The default backend: 'auto' resolves to ONNX Runtime for every agent and
// multi-agent learner with nets; saved agents and learners record the
// concrete name, so a resumed run stays on the backend it started on, and
// those saved when 'auto' still meant TensorFlow.js load there.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../agents/index.js';
import '../../../envs/index.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import '../../../agents/multi/index.js';
import { createLearner, loadLearner } from '../../../agents/multi/learner.js';
import { makeGame } from '../../../core/multi-agent.js';
import { box, discrete } from '../../../core/spaces.js';
import { make } from '../../../core/registry.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('default-backend');
const cartPole = make('CartPole-v1');
const pendulum = make('Pendulum-v1');
const spaces = (env: typeof cartPole) => ({ observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 3 });

type Loader = (dir: string, options: { backend?: string }) => Promise<{ readonly context: { readonly backend?: string }; dispose(): void }>;

/** The manifest `file` in `dir` records 'onnx', loading with 'auto' or nothing keeps it, and a backend named on loading replaces it. */
async function expectOnnxKept(dir: string, file: string, load: Loader, named: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, file), 'utf8')) as { context: { backend: string } };
  expect(manifest.context.backend).toBe('onnx');
  for (const backend of [undefined, 'auto']) {
    const loaded = await load(dir, backend ? { backend } : {});
    expect(loaded.context.backend).toBe('onnx');
    loaded.dispose();
  }
  const asked = await load(dir, { backend: named });
  expect(asked.context.backend).toBe(named);
  asked.dispose();
}

/** Rewrites the manifest at `path` as one written before 'auto' was resolved: recording 'auto', or no backend. */
async function recordLegacy(path: string, legacy: 'auto' | undefined): Promise<void> {
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { context: Record<string, unknown> };
  if (legacy === undefined) delete manifest.context.backend;
  else manifest.context.backend = legacy;
  await writeFile(path, JSON.stringify(manifest));
}

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
      await expectOnnxKept(dir, 'agent.json', loadAgent, 'cpu');
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
        for (const legacy of ['auto', undefined] as const) {
          await recordLegacy(path, legacy);
          const loaded = await loadAgent(agentDir);
          if (expected === 'onnx') expect(loaded.context.backend).toBe('onnx');
          else expect(['wasm', 'cpu', 'node', 'node-gpu']).toContain(loaded.context.backend);
          loaded.dispose();
        }
      }
    }
  });
});

describe("backend 'auto' for the multi-agent learners", () => {
  const game = () => makeGame('TicTacToe-v0');
  const small = { 'shared-dqn': { hidden: [8], bufferSize: 50 }, 'shared-ppo': { hidden: [8], nSteps: 4, batchSize: 8 } } as const;

  it.each(['shared-dqn', 'shared-ppo'] as const)('runs %s on ONNX Runtime, with or without the word, records it, and loading with auto keeps it', async (name) => {
    for (const backend of [undefined, 'auto']) {
      const learner = await createLearner(name, small[name], { game: game(), seed: 1, ...(backend ? { backend } : {}) });
      expect(learner.context.backend).toBe('onnx');
      const dir = tempDir();
      await learner.save(dir);
      learner.dispose();
      await expectOnnxKept(dir, 'learner.json', loadLearner, 'wasm');
    }
  });

  it('keeps a backend asked for by name, and iql (no nets) as given', async () => {
    const learner = await createLearner('shared-dqn', small['shared-dqn'], { game: game(), seed: 1, backend: 'wasm' });
    expect(learner.context.backend).toBe('wasm');
    learner.dispose();
    const iql = await createLearner('iql', {}, { game: game(), seed: 1 });
    expect(iql.context.backend).toBeUndefined();
    iql.dispose();
  });

  it.each(['shared-dqn', 'shared-ppo'] as const)("loads a %s saved when 'auto' meant TensorFlow.js on TensorFlow.js", async (name) => {
    const dir = tempDir();
    const learner = await createLearner(name, small[name], { game: game(), seed: 1, backend: 'wasm' });
    await learner.save(dir);
    learner.dispose();
    const path = join(dir, 'learner.json');
    for (const legacy of ['auto', undefined] as const) {
      await recordLegacy(path, legacy);
      const loaded = await loadLearner(dir);
      expect(['wasm', 'cpu', 'node', 'node-gpu']).toContain(loaded.context.backend);
      loaded.dispose();
    }
  });
});
