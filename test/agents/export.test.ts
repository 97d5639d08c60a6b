// ONNX export (agents/export/onnx.ts): for every algorithm with an export
// path, a briefly trained agent is saved, exported, and run by onnxruntime-node
// on a few thousand observations; its actions equal the agent's deterministic
// act (exactly for discrete actions, within 1e-5 for continuous ones) and its
// extra outputs equal the agent's diagnostics.
import { readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import '../../agents/index.js';
import type { Agent, LearnOptions } from '../../agents/agent.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { exportOnnx, META, readMetadata } from '../../agents/export/onnx.js';
import type { Env } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import type { Space } from '../../core/spaces.js';
import { spaceToJSON } from '../../core/spaces.js';
import { makeVec } from '../../core/vector.js';
import '../../envs/index.js';
import { shiftActorBias } from '../helpers/continuous.js';
import { PointerEnv, SideEnv } from '../helpers/fake-envs.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('export');

/** `count` observations of `space`: uniform within finite bounds, N(0, 2) on an unbounded side, integers for images and Discrete spaces. */
function observations(space: Space, count: number, seed: number): { rows: (number | Float32Array)[]; tensor: ort.Tensor } {
  const rng = new Rng(seed);
  if (space.type === 'discrete') {
    const rows = Array.from({ length: count }, () => space.start + rng.integers(0, space.n));
    return { rows, tensor: new ort.Tensor('int64', BigInt64Array.from(rows, (r) => BigInt(r)), [count]) };
  }
  if (space.type !== 'box') throw new Error(`no observations for ${space.type}`);
  const d = space.low.length;
  const data = new Float32Array(count * d);
  for (let i = 0; i < count * d; i++) {
    const lo = space.low[i % d]!;
    const hi = space.high[i % d]!;
    data[i] =
      space.dtype === 'uint8' ? rng.integers(lo, hi + 1) : Number.isFinite(lo) && Number.isFinite(hi) ? rng.uniform(lo, hi) : (Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi : 0) + 2 * rng.normal();
  }
  const rows = Array.from({ length: count }, (_, r) => data.subarray(r * d, (r + 1) * d));
  return { rows, tensor: new ort.Tensor('float32', data, [count, ...space.shape]) };
}

interface Case {
  readonly name: string;
  readonly algorithm: string;
  readonly env: string;
  /** Makes the env when `env` is not a registered id (the pixel fakes); `env` then only names it in the metadata. */
  readonly makeEnv?: () => Env;
  readonly hp: Record<string, unknown>;
  readonly steps: number;
  /** Vector env copies (the actor-critics); 0 for a single env. */
  readonly envs?: number;
  readonly wrap?: (env: Env) => Env;
  readonly count?: number;
  readonly backend?: string;
  /** Edits the saved files before the export; the agent compared with the model is then the one loaded from them. */
  readonly edit?: (dir: string) => Promise<void>;
  /** Diagnostics the model does not carry (the tabular agents' probabilities are their exploration policy's, not the greedy act's). */
  readonly notExported?: readonly string[];
}

const TINY_CNN = { policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [8, 4], cnnStrides: [4, 2], cnnDense: 16 };
/** A trunk for the small pixel fakes (SideEnv's 12x12, PointerEnv's 8x8 images), as dqn-cnn's and continuous-cnn's tests use. */
const TINIER_CNN = { policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16] };
const SIDE = { env: 'Side-v0', makeEnv: () => new SideEnv() };
const POINTER = { env: 'Pointer-v0', makeEnv: () => new PointerEnv() };
/** Off-policy continuous agents: a few hundred updates on Pendulum, or a few dozen on the pixel fake. */
const OFF_POLICY = { hidden: [32, 32], learningStarts: 200, bufferSize: 2000 };
const OFF_POLICY_CNN = { ...TINIER_CNN, learningStarts: 32, batchSize: 16, bufferSize: 500 };

const CASES: Case[] = [
  { name: 'reinforce, discrete, with baseline', algorithm: 'reinforce', env: 'CartPole-v1', hp: { hidden: [32, 32] }, steps: 2000 },
  { name: 'reinforce, continuous, no baseline', algorithm: 'reinforce', env: 'Pendulum-v1', hp: { hidden: [32], baseline: false }, steps: 1000 },
  { name: 'ppo, discrete, normalizeObs', algorithm: 'ppo', env: 'CartPole-v1', hp: { hidden: [32, 32], normalizeObs: true, nSteps: 64 }, steps: 2048, envs: 4 },
  { name: 'ppo, continuous, normalizeObs', algorithm: 'ppo', env: 'Pendulum-v1', hp: { hidden: [32, 32], normalizeObs: true, nSteps: 64 }, steps: 1024, envs: 4 },
  { name: 'ppo, cnn on CarRacing', algorithm: 'ppo', env: 'CarRacing-v3', hp: { ...TINY_CNN, nSteps: 16, batchSize: 16, nEpochs: 1 }, steps: 32, envs: 2, count: 1000 },
  { name: 'a2c, discrete', algorithm: 'a2c', env: 'CartPole-v1', hp: { hidden: [32, 32] }, steps: 2000, envs: 4 },
  { name: 'a2c, Discrete observations (one-hot)', algorithm: 'a2c', env: 'FrozenLake-v1', hp: { hidden: [16] }, steps: 1000, envs: 4 },
  { name: 'dqn', algorithm: 'dqn', env: 'CartPole-v1', hp: { hidden: [32, 32], learningStarts: 200, bufferSize: 2000 }, steps: 1500 },
  { name: 'dqn, dueling', algorithm: 'dqn', env: 'CartPole-v1', hp: { hidden: [32, 32], dueling: true, learningStarts: 200, bufferSize: 2000 }, steps: 1500 },
  { name: 'dqn on the onnx backend, Discrete observations', algorithm: 'dqn', env: 'FrozenLake-v1', hp: { hidden: [16], learningStarts: 100, bufferSize: 1000 }, steps: 800, backend: 'onnx' },
  { name: 'dqn, cnn policy on pixels', algorithm: 'dqn', ...SIDE, hp: { ...TINIER_CNN, learningStarts: 40, batchSize: 16, bufferSize: 400, learningRate: 1e-3 }, steps: 200 },
  { name: 'dqn on the onnx backend, dueling, cnn policy on pixels', algorithm: 'dqn', ...SIDE, hp: { ...TINIER_CNN, dueling: true, learningStarts: 40, batchSize: 16, bufferSize: 400, learningRate: 1e-3 }, steps: 200, backend: 'onnx' },
  { name: 'ddpg', algorithm: 'ddpg', env: 'Pendulum-v1', hp: OFF_POLICY, steps: 600 },
  { name: 'ddpg, cnn policy on pixels', algorithm: 'ddpg', ...POINTER, hp: OFF_POLICY_CNN, steps: 96, backend: 'onnx' },
  { name: 'td3', algorithm: 'td3', env: 'Pendulum-v1', hp: OFF_POLICY, steps: 600, backend: 'onnx' },
  { name: 'td3, cnn policy on pixels', algorithm: 'td3', ...POINTER, hp: OFF_POLICY_CNN, steps: 96, backend: 'onnx' },
  { name: 'sac', algorithm: 'sac', env: 'Pendulum-v1', hp: OFF_POLICY, steps: 600, backend: 'onnx' },
  { name: 'sac with gSDE', algorithm: 'sac', env: 'Pendulum-v1', hp: { ...OFF_POLICY, useSde: true }, steps: 600, backend: 'onnx' },
  // An output bias of +3 puts the mean past gSDE's clip at 2 on most rows (a briefly trained actor's stay near 0).
  { name: 'sac with gSDE, means past the clip', algorithm: 'sac', env: 'Pendulum-v1', hp: { ...OFF_POLICY, useSde: true }, steps: 300, backend: 'onnx', edit: (dir) => shiftActorBias(dir, 3) },
  { name: 'sac, cnn policy on pixels', algorithm: 'sac', ...POINTER, hp: OFF_POLICY_CNN, steps: 96, backend: 'onnx' },
  { name: 'sac with gSDE, cnn policy on pixels', algorithm: 'sac', ...POINTER, hp: { ...OFF_POLICY_CNN, useSde: true }, steps: 96, backend: 'onnx' },
  { name: 'q-learning (a table)', algorithm: 'q-learning', env: 'FrozenLake-v1', hp: {}, steps: 5000, notExported: ['probs'] },
  { name: 'monte-carlo (a table)', algorithm: 'monte-carlo', env: 'CliffWalking-v1', hp: {}, steps: 3000, notExported: ['probs'] },
  { name: 'value-iteration (a planned policy)', algorithm: 'value-iteration', env: 'FrozenLake8x8-v1', hp: {}, steps: 1 },
  { name: 'policy-iteration (a planned policy)', algorithm: 'policy-iteration', env: 'CliffWalking-v1', hp: {}, steps: 1 },
];

async function trained(c: Case, dir: string): Promise<Agent> {
  const probe = c.makeEnv ? c.makeEnv() : make(c.env);
  const agent = await createAgent(c.algorithm, c.hp, { observationSpace: probe.observationSpace, actionSpace: probe.actionSpace, seed: 7, backend: c.backend ?? 'wasm' });
  const where: Pick<LearnOptions, 'env' | 'vecEnv'> = c.envs ? { vecEnv: makeVec(c.env, c.envs) } : { env: probe };
  await agent.learn({ ...where, totalSteps: c.steps });
  await agent.save(dir);
  if (!c.edit) return agent;
  agent.dispose();
  await c.edit(dir);
  return loadAgent(dir, { backend: c.backend ?? 'wasm' });
}

/** Within `tol` of `expected`, relative to its size once that exceeds 1 (float32 sums in another order). */
function close(actual: number, expected: number, tol: number): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

describe('arena export --format onnx', () => {
  for (const c of CASES) {
    it(`${c.name}: the exported model acts as the agent does`, async () => {
      const dir = tempDir();
      const agent = await trained(c, dir);
      const exported = await exportOnnx(dir, { env: c.env, version: '9.9.9' });
      const meta = readMetadata(exported.model);
      expect(meta[META.algorithm]).toBe(c.algorithm);
      expect(meta[META.env]).toBe(c.env);
      expect(meta[META.version]).toBe('9.9.9');
      expect(JSON.parse(meta[META.observationSpace]!)).toEqual(spaceToJSON(agent.context.observationSpace));
      expect(JSON.parse(meta[META.actionSpace]!)).toEqual(spaceToJSON(agent.context.actionSpace));
      expect(exported.outputs[0]).toBe('action');

      const session = await ort.InferenceSession.create(exported.model);
      expect(session.inputNames).toEqual(['obs']);
      expect(session.outputNames).toEqual(exported.outputs);
      const count = c.count ?? 3000;
      const { rows, tensor } = observations(agent.context.observationSpace, count, 11);
      const out = await session.run({ obs: tensor });
      const action = out['action']!;
      const discrete = agent.context.actionSpace.type === 'discrete';
      let mismatches = 0;
      let worst = 0;
      let worstExtra = 0;
      for (let r = 0; r < count; r++) {
        const expected = agent.act(rows[r], { deterministic: true });
        if (discrete) {
          if (Number((action.data as BigInt64Array)[r]) !== expected) mismatches += 1;
        } else {
          const e = expected as Float32Array;
          const a = (action.data as Float32Array).subarray(r * e.length, (r + 1) * e.length);
          for (let d = 0; d < e.length; d++) worst = Math.max(worst, Math.abs(a[d]! - e[d]!));
        }
        // Extra outputs against the agent's diagnostics, on a tenth of the rows (diagnostics run the nets again).
        if (r % 10 === 0 && agent.diagnostics) {
          const diag = agent.diagnostics(rows[r]);
          const pairs: [string, number[] | number | undefined][] = [
            ['probs', diag.probs],
            ['q_values', diag.qValues],
            ['value', diag.value],
          ];
          for (const [name, want] of pairs) {
            if (want === undefined || c.notExported?.includes(name)) continue;
            const t = out[name];
            expect(t, `output ${name}`).toBeDefined();
            const w = typeof want === 'number' ? [want] : want;
            const got = Array.from(t!.data as Float32Array, Number).slice(r * w.length, (r + 1) * w.length);
            // Tabular values are the saved float64 table itself: exact.
            const tol = t!.type === 'float64' ? 0 : 1e-5;
            got.forEach((g, i) => {
              if (!close(g, w[i]!, tol)) worstExtra = Math.max(worstExtra, Math.abs(g - w[i]!));
            });
          }
        }
      }
      expect(mismatches, 'discrete actions that differ').toBe(0);
      expect(worst, 'largest continuous action difference').toBeLessThanOrEqual(1e-5);
      expect(worstExtra, 'largest extra-output difference beyond tolerance').toBe(0);
      // Batches of one give the same as the big batch (the batch dimension is dynamic).
      const one = observations(agent.context.observationSpace, 1, 11);
      const single = (await session.run({ obs: one.tensor }))['action']!;
      expect(Array.from(single.data as ArrayLike<number | bigint>, Number)).toEqual(Array.from(action.data as ArrayLike<number | bigint>, Number).slice(0, single.data.length));
      await session.release();
      agent.dispose();
    }, 120_000);
  }

  it('an agent without an export path, saved files that do not fit its agent.json, and a directory that holds no agent get errors that say so', async () => {
    const dir = tempDir();
    const env = make('Bandit-v0');
    const bandit = await createAgent('bandit-ucb', {}, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 1 });
    await bandit.save(dir);
    await expect(exportOnnx(dir, { version: '0' })).rejects.toThrow(/export: bandit-ucb agents have no ONNX export path; exportable: reinforce, ppo, a2c, dqn, ddpg, td3, sac, value-iteration/);
    // A SAC agent.json that says gSDE over an actor with a log-std head, and a cnn agent whose trunk file is gone.
    const pendulum = make('Pendulum-v1');
    const sac = await createAgent('sac', { hidden: [8] }, { observationSpace: pendulum.observationSpace, actionSpace: pendulum.actionSpace, seed: 1, backend: 'onnx' });
    const sacDir = tempDir();
    await sac.save(sacDir);
    sac.dispose();
    const manifest = JSON.parse(readFileSync(join(sacDir, 'agent.json'), 'utf8')) as { hyperparameters: Record<string, unknown> };
    await writeFile(join(sacDir, 'agent.json'), JSON.stringify({ ...manifest, hyperparameters: { ...manifest.hyperparameters, useSde: true } }));
    await expect(exportOnnx(sacDir, { version: '0' })).rejects.toThrow(/export: the sac agent's actor in .* has 2 outputs, expected 1 for 1 action dimension\(s\) \(useSde true\)/);
    const pointer = new PointerEnv();
    const td3 = await createAgent('td3', { ...TINIER_CNN }, { observationSpace: pointer.observationSpace, actionSpace: pointer.actionSpace, seed: 1, backend: 'onnx' });
    const td3Dir = tempDir();
    await td3.save(td3Dir);
    td3.dispose();
    rmSync(join(td3Dir, 'critic-cnn.json'));
    await expect(exportOnnx(td3Dir, { version: '0' })).rejects.toThrow(/export: cannot read the td3 agent's critic-cnn trunk in .*: .*critic-cnn.json/);
    const empty = tempDir();
    await expect(exportOnnx(empty, { version: '0' })).rejects.toThrow(/export: cannot read .*agent.json/);
    await writeFile(join(empty, 'agent.json'), '{"format": "other"}');
    await expect(exportOnnx(empty, { version: '0' })).rejects.toThrow(/has format "other", expected arena.agent\/1/);
  });
});
