// PPO, A2C and REINFORCE on backend 'onnx' never load TensorFlow.js
// (agents/lib/backend.ts loads it on the first use of `tf`): not to build,
// learn, save, load, learn on, act, give diagnostics, warm start another
// agent or export the policy to ONNX. Nothing in this file may touch tfjs
// before its last test, which checks that the probe (backend-checks.ts's
// tfjsLoaded) sees tfjs once it is loaded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../envs/index.js';
import '../../../agents/index.js';
import type { Agent, AgentContext, LearnOptions } from '../../../agents/agent.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import { exportOnnx } from '../../../agents/export/onnx.js';
import { initBackend } from '../../../agents/lib/backend.js';
import { make } from '../../../core/registry.js';
import { makeVec, SyncVectorEnv } from '../../../core/vector.js';
import { SideEnv, sideSpaces } from '../../helpers/fake-envs.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { tfjsLoaded } from './backend-checks.js';

const tempDir = tempDirs('agents-without-tfjs');

/** How a case's agent meets its env: its spaces, and what learn() takes to train `totalSteps` steps. */
interface Task {
  spaces(): Pick<AgentContext, 'observationSpace' | 'actionSpace'>;
  learn(totalSteps: number): LearnOptions;
  /** An observation to act on. */
  obs(): unknown;
}

const gymTask = (id: string, vector: boolean): Task => ({
  spaces: () => {
    const env = make(id);
    return { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
  },
  learn: (totalSteps) => (vector ? { vecEnv: makeVec(id, 2), totalSteps } : { env: make(id), totalSteps }),
  obs: () => make(id).reset({ seed: 0 }).obs,
});

const sideTask: Task = {
  spaces: sideSpaces,
  learn: (totalSteps) => ({ vecEnv: new SyncVectorEnv([new SideEnv(), new SideEnv()]), totalSteps }),
  obs: () => new SideEnv().reset({ seed: 0 }).obs,
};

const tinyCnn = { nSteps: 8, batchSize: 8, nEpochs: 1, policy: 'cnn', cnnFilters: [4], cnnKernels: [4], cnnStrides: [2], cnnDense: 8 };

// Discrete and Box actions, observation and reward normalization, both A2C optimizers, the cnn policy, REINFORCE with and without a baseline.
const CASES: [string, string, Task, Record<string, unknown>][] = [
  ['ppo', 'CartPole-v1', gymTask('CartPole-v1', true), { hidden: [16], nSteps: 16, batchSize: 16, nEpochs: 2, normalizeObs: true, normalizeReward: true }],
  ['ppo', 'Pendulum-v1', gymTask('Pendulum-v1', true), { hidden: [16], nSteps: 16, batchSize: 16, nEpochs: 2, logStdInit: -0.5 }],
  ['ppo', 'Side-v0 (cnn)', sideTask, tinyCnn],
  ['a2c', 'CartPole-v1', gymTask('CartPole-v1', true), { hidden: [16], optimizer: 'rmsprop' }],
  ['a2c', 'Pendulum-v1', gymTask('Pendulum-v1', true), { hidden: [16], optimizer: 'adam', normalizeObs: true }],
  ['reinforce', 'CartPole-v1', gymTask('CartPole-v1', false), { hidden: [16] }],
  ['reinforce', 'Pendulum-v1', gymTask('Pendulum-v1', false), { hidden: [16], baseline: false }],
];

describe("PPO, A2C and REINFORCE on backend 'onnx'", () => {
  it.each(CASES)('%s on %s builds, learns, saves, loads, learns on, acts, warm starts and exports without loading TensorFlow.js', async (algorithm, _env, task, hp) => {
    expect(tfjsLoaded()).toBe(false);
    const context = (seed: number) => ({ ...task.spaces(), seed, backend: 'onnx' });
    const agent: Agent = await createAgent(algorithm, hp, context(1));
    await agent.learn(task.learn(400));
    const dir = tempDir();
    await agent.save(dir);
    agent.dispose();
    const loaded = await loadAgent(dir);
    expect(loaded.context.backend).toBe('onnx');
    await loaded.learn(task.learn(800));
    expect(loaded.stepCount).toBeGreaterThanOrEqual(800);
    const obs = task.obs();
    const action = loaded.act(obs, { deterministic: true });
    expect(typeof action === 'number' || action instanceof Float32Array).toBe(true);
    loaded.act(obs);
    // Probabilities (Discrete actions) and the value (with a critic or a baseline), each finite.
    expect(Object.values(loaded.diagnostics!(obs)).flat().every(Number.isFinite)).toBe(true);
    const again = tempDir();
    await loaded.save(again);
    const target = await createAgent(algorithm, hp, context(2));
    await target.warmStart!(again, JSON.parse(readFileSync(join(again, 'agent.json'), 'utf8')));
    // The warm-started agent acts as the one it took its weights from.
    expect(target.act(obs, { deterministic: true })).toEqual(action);
    const exported = await exportOnnx(again, { version: 'test' });
    expect(exported.model.byteLength).toBeGreaterThan(0);
    loaded.dispose();
    target.dispose();
    expect(tfjsLoaded()).toBe(false);
  }, 60_000);

  it('(the probe sees TensorFlow.js once something loads it)', async () => {
    await initBackend('cpu');
    expect(tfjsLoaded()).toBe(true);
  });
});
