import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { Graph } from '../../agents/lib/compute/graph.js';
import { gsdeSquashed, SDE_EPSILON } from '../../agents/lib/compute/gsde.js';
import { toOnnx } from '../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../agents/lib/compute/session.js';
import { make } from '../../core/registry.js';
import { check } from './compute/finite-differences.js';
import { expectExactResume } from '../helpers/continuous.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('sac-gsde');
const pendulum = (seed = 0) => {
  const env = make('Pendulum-v1');
  return { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed, backend: 'onnx' };
};
const tiny = { hidden: [16, 16], batchSize: 16, bufferSize: 1000, learningStarts: 20, useSde: true, logStdInit: -1 };

describe('sac with gSDE', () => {
  it('log pi(a|s) uses the state-dependent variance z^2 sigma^2 and the tanh correction, matching a float64 computation', async () => {
    const [B, H, A] = [3, 4, 2];
    const mean = [0.3, -1.2, 1.9, 0.1, -0.7, 0.4];
    const latent = [0.5, 0, 1.3, 2.1, 0, 0, 0, 0, 0.2, 0.9, 0, 1.7]; // row 1 all zeros: variance SDE_EPSILON, noise 0
    const logStd = [-1, 0.5, -3.67, 0.2, 1, -0.4, 0, -2];
    const unit = [0.5, -1.1, 1.7, 0.2, -0.3, 2.2, 0.8, -0.6];
    const g = new Graph('float32');
    const pi = gsdeSquashed(g, g.input('mean', [B, A]), g.input('latent', [B, H]), g.input('logStd', [H, A]), g.input('unit', [H, A]));
    g.output('logProb', pi.logProb);
    g.output('action', pi.action);
    const session = await Session.create(toOnnx(g));
    const t = (v: number[], shape: number[]) => new Tensor('float32', Float32Array.from(v), shape);
    const r = session.run({ mean: t(mean, [B, A]), latent: t(latent, [B, H]), logStd: t(logStd, [H, A]), unit: t(unit, [H, A]) });
    const logProb = r.logProb!.data as Float32Array;
    const action = r.action!.data as Float32Array;
    for (let i = 0; i < B; i++) {
      let expected = 0;
      for (let j = 0; j < A; j++) {
        let noise = 0;
        let variance = SDE_EPSILON;
        for (let k = 0; k < H; k++) {
          const z = latent[i * H + k]!;
          const sigma = Math.exp(logStd[k * A + j]!);
          noise += z * sigma * unit[k * A + j]!;
          variance += z * z * sigma * sigma;
        }
        const a = Math.tanh(mean[i * A + j]! + noise);
        expected += -(noise * noise) / (2 * variance) - 0.5 * Math.log(2 * Math.PI * variance) - Math.log(1 - a * a);
        expect(Math.abs(action[i * A + j]! - a)).toBeLessThan(1e-6);
      }
      // float32 through about fifteen ops on values up to order 10: 1e-5 relative.
      expect(Math.abs(logProb[i]! - expected), `row ${i}: ${logProb[i]} vs ${expected}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
    }
    session.dispose();
  });

  it('gradients of the log-prob and the action reach mean, features, log-std and the unit draws as finite differences say', async () => {
    const inputs = { mean: { shape: [3, 2] }, latent: { shape: [3, 4] }, logStd: { shape: [4, 2] }, unit: { shape: [4, 2] } };
    await check(inputs, (g, x) => gsdeSquashed(g, x.mean!, x.latent!, x.logStd!, x.unit!).logProb);
    await check(inputs, (g, x) => gsdeSquashed(g, x.mean!, x.latent!, x.logStd!, x.unit!).action, 2);
  });

  it('draws the exploration matrix at each rollout start and every sdeSampleFreq steps within it, and acts with it in between', async () => {
    const obs = make('Pendulum-v1').reset({ seed: 3 }).obs;
    for (const [sdeSampleFreq, expected] of [
      [3, [0, 3, 6, 8, 11, 14, 16, 19, 22]],
      [-1, [0, 8, 16]],
    ] as const) {
      // No training (learningStarts past the end): the policy's mean stays put, so the stochastic
      // action for a fixed observation changes exactly when theta is drawn.
      const agent = await createAgent('sac', { ...tiny, learningStarts: 1000, trainFreq: 8, sdeSampleFreq }, pendulum(4));
      const actions: number[] = [];
      await agent.learn({ env: make('Pendulum-v1'), totalSteps: 24, hooks: { shouldStop: () => (actions.push((agent.act(obs) as Float32Array)[0]!), false) } });
      const drawnAt = actions.flatMap((a, k) => (k === 0 || a !== actions[k - 1] ? [k] : []));
      expect(drawnAt, `sdeSampleFreq ${sdeSampleFreq}`).toEqual(expected);
      const dir = tempDir();
      await agent.save(dir);
      const state = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')).state;
      expect(state.sdeNoise.draws).toBe(expected.length);
      expect(state.sdeNoise.theta).toHaveLength(16);
      // Between draws the same state gets the same action; the deterministic action is tanh(mean).
      expect(agent.act(obs)).toEqual(agent.act(obs));
      expect(agent.act(obs, { deterministic: true })).not.toEqual(agent.act(obs));
      agent.dispose();
    }
  });

  it('rejects sdeSampleFreq 0 and a checkpoint without the noise state', async () => {
    await expect(createAgent('sac', { ...tiny, sdeSampleFreq: 0 }, pendulum())).rejects.toThrow(/sdeSampleFreq must be -1 \(draw only at rollout starts\) or >= 1, got 0/);
    const agent = await createAgent('sac', tiny, pendulum());
    await agent.learn({ env: make('Pendulum-v1'), totalSteps: 30 });
    const dir = tempDir();
    await agent.save(dir);
    const path = join(dir, 'agent.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    delete manifest.state.sdeNoise;
    writeFileSync(path, JSON.stringify(manifest));
    await expect(loadAgent(dir)).rejects.toThrow(/no gSDE noise state \(sdeNoise\)/);
    agent.dispose();
  });

  it('is deterministic for a seed and resumes exactly, with the exploration matrix and the log-std matrix in the checkpoint', async () => {
    const hp = { ...tiny, gradientSteps: 2, trainFreq: 3, sdeSampleFreq: 4 };
    const files = await expectExactResume('sac', hp, 'onnx', 'Pendulum-v1', 70, 150, tempDir);
    expect(files).toEqual(expect.arrayContaining(['actor.weights.bin', 'actor-log-std.bin', 'critic2Target.weights.bin', 'agent.json']));
    // A loaded agent samples with the saved theta: its stochastic actions are the saved agent's.
    const a = await createAgent('sac', hp, pendulum(6));
    await a.learn({ env: make('Pendulum-v1'), totalSteps: 45 });
    const dir = tempDir();
    await a.save(dir);
    const b = await loadAgent(dir);
    const obs = make('Pendulum-v1').reset({ seed: 9 }).obs;
    expect(b.act(obs)).toEqual(a.act(obs));
    [a, b].forEach((x) => x.dispose());
  });
});
