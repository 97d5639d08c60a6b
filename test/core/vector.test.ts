import { afterEach, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { listEnvs, make, register, unregister } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { sample } from '../../core/spaces.js';
import { KernelVectorEnv, makeVec, SyncVectorEnv } from '../../core/vector.js';
import type { VectorEnv, VectorStepResult } from '../../core/vector.js';
import { CountdownEnv } from '../helpers/fake-envs.js';

afterEach(() => {
  unregister('Countdown-v0');
});

function countdownVec(n: number, mode: 'next-step' | 'same-step'): SyncVectorEnv {
  return new SyncVectorEnv(
    Array.from({ length: n }, () => new CountdownEnv()),
    mode,
  );
}

/** Copies the parts of a step result a test wants to keep (the buffers are reused). */
function snapshot(r: VectorStepResult) {
  return {
    obs: Array.from(r.obs),
    rewards: Array.from(r.rewards),
    terminations: Array.from(r.terminations),
    truncations: Array.from(r.truncations),
    autoreset: Array.from(r.autoreset),
    finalObs: Array.from(r.finalObs),
    episodeReturns: Array.from(r.episodeReturns),
    episodeLengths: Array.from(r.episodeLengths),
  };
}

describe('autoreset, next-step mode (Gymnasium 1.x default)', () => {
  it('the ending step returns the final obs; the next step resets with reward 0 and ignores the action', () => {
    const vec = countdownVec(2, 'next-step');
    const start = Array.from(vec.reset({ seed: 10 }).obs); // envs seeded 10 and 11
    const expectedStarts = [new CountdownEnv().reset({ seed: 10 }).obs[0], new CountdownEnv().reset({ seed: 11 }).obs[0]];
    expect(start).toEqual(expectedStarts);

    const len0 = start[0]!;
    let r = snapshot(vec.step([1, 0]));
    for (let t = 1; t < len0; t++) r = snapshot(vec.step([1, 0]));
    // env 0 just ended: its obs is the terminal observation 0, not a reset one.
    expect(r.terminations[0]).toBe(1);
    expect(r.obs[0]).toBe(0);
    expect(r.finalObs[0]).toBe(0);
    expect(r.episodeReturns[0]).toBe(2 * len0);
    expect(r.episodeLengths[0]).toBe(len0);

    const next = snapshot(vec.step([1, 0]));
    expect(next.autoreset[0]).toBe(1);
    expect(next.rewards[0]).toBe(0);
    expect(next.terminations[0]).toBe(0);
    expect(next.obs[0]).toBeGreaterThanOrEqual(3); // a fresh countdown start
    expect(next.autoreset[1]).toBe(start[1]! === len0 ? 1 : 0);
  });

  it('the finalObs buffer is the obs buffer', () => {
    const vec = countdownVec(1, 'next-step');
    vec.reset({ seed: 0 });
    const r = vec.step([0]);
    expect(r.finalObs).toBe(r.obs);
  });
});

describe('autoreset, same-step mode', () => {
  it('the ending step returns the reset obs, with the final obs and info kept aside', () => {
    const vec = countdownVec(1, 'same-step');
    const start = vec.reset({ seed: 3 }).obs[0]!;
    let r = vec.step([1]);
    for (let t = 1; t < start; t++) r = vec.step([1]);
    expect(r.terminations[0]).toBe(1);
    expect(r.rewards[0]).toBe(2);
    expect(r.finalObs[0]).toBe(0);
    expect(r.obs[0]).toBeGreaterThanOrEqual(3);
    expect(r.autoreset[0]).toBe(0);
    expect(r.infos[0]).toHaveProperty('finalInfo');
    expect(r.episodeLengths[0]).toBe(start);
    // no step is lost to the reset: the next step is a real transition
    const after = vec.step([0]);
    expect(after.rewards[0]).toBe(1);
    expect(after.autoreset[0]).toBe(0);
  });
});

describe('vector env input checks', () => {
  it('rejects stepping before reset, wrong action counts and out-of-space actions', () => {
    const vec = makeVec('CartPole-v1', 3);
    expect(() => vec.step([0, 0, 0])).toThrow(/before reset/);
    vec.reset({ seed: 0 });
    expect(() => vec.step([0, 1])).toThrow(/needs 3 action values \(numEnvs x actionDim\), got 2/);
    expect(() => vec.step([0, 1, 2])).toThrow(/action 2 of env 2 is not in the action space Discrete\(2\)/);
    expect(() => makeVec('CartPole-v1', 0)).toThrow(/numEnvs must be a positive integer/);
    expect(() => makeVec('CartPole-v1', 2, { autoresetMode: 'sometimes' as 'next-step' })).toThrow(/autoresetMode/);
  });

  it('makeVec picks the batched path for kernel envs and sync otherwise', () => {
    register('Countdown-v0', (_k, spec) => new CountdownEnv(spec), { maxEpisodeSteps: 50 });
    expect(makeVec('CartPole-v1', 2)).toBeInstanceOf(KernelVectorEnv);
    expect(makeVec('CartPole-v1', 2, { vectorizationMode: 'sync' })).toBeInstanceOf(SyncVectorEnv);
    expect(makeVec('Countdown-v0', 2)).toBeInstanceOf(SyncVectorEnv);
    expect(() => makeVec('Countdown-v0', 2, { vectorizationMode: 'batched' })).toThrow(/needs an env with a kernel/);
  });
});

/** Runs both vector envs with the same random actions and compares every buffer at every step. */
function compareBatchedWithSync(id: string, n: number, steps: number, mode: 'next-step' | 'same-step', maxEpisodeSteps?: number) {
  const opts = maxEpisodeSteps ? { maxEpisodeSteps } : {};
  const batched = makeVec(id, n, { ...opts, vectorizationMode: 'batched', autoresetMode: mode });
  const sync = makeVec(id, n, { ...opts, vectorizationMode: 'sync', autoresetMode: mode });
  expect(Array.from(batched.reset({ seed: 100 }).obs)).toEqual(Array.from(sync.reset({ seed: 100 }).obs));
  const rng = new Rng(1);
  const actions = new Float32Array(n * batched.actionDim);
  let episodesEnded = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      const a = sample(batched.singleActionSpace, rng);
      actions[i] = typeof a === 'number' ? a : (a as Float32Array)[0]!;
    }
    const b = snapshot(batched.step(actions));
    const s = snapshot(sync.step(actions));
    if (mode === 'next-step') {
      // in next-step mode rows of envs that did not end are stale copies of obs
      expect(b).toEqual(s);
    } else {
      const ended = b.terminations.map((x, i) => x || b.truncations[i]);
      for (let i = 0; i < n; i++) if (!ended[i]) for (let k = 0; k < batched.obsDim; k++) b.finalObs[i * batched.obsDim + k] = s.finalObs[i * batched.obsDim + k] = 0;
      expect(b).toEqual(s);
    }
    episodesEnded += b.terminations.reduce((a, x, i) => a + (x || b.truncations[i]! ? 1 : 0), 0);
  }
  return episodesEnded;
}

describe('the batched fast path gives the same numbers as a SyncVectorEnv over make()', () => {
  const kernelEnvs = listEnvs().filter((r) => r.kernel !== undefined).map((r) => r.id);
  it('covers every kernel env', () => {
    expect(kernelEnvs).toContain('CartPole-v1');
  });
  for (const id of kernelEnvs) {
    for (const mode of ['next-step', 'same-step'] as const) {
      it(`${id}, ${mode} autoreset, 8 envs, with episode ends`, () => {
        const ended = compareBatchedWithSync(id, 8, 400, mode, 60);
        expect(ended).toBeGreaterThan(8);
      });
    }
  }

  it('a batched env matches N scalar envs made with seeds seed + i', () => {
    const n = 4;
    const vec: VectorEnv = makeVec('CartPole-v1', n);
    const envs = Array.from({ length: n }, () => make<Float32Array, number>('CartPole-v1'));
    const vecObs = Array.from(vec.reset({ seed: 7 }).obs);
    expect(vecObs).toEqual(envs.flatMap((e, i) => Array.from(e.reset({ seed: 7 + i }).obs)));
    for (let t = 0; t < 5; t++) {
      const r = vec.step([1, 0, 1, 0]);
      envs.forEach((e, i) => expect(Array.from(r.obs.subarray(i * 4, i * 4 + 4))).toEqual(Array.from(e.step(i % 2 === 0 ? 1 : 0).obs)));
    }
  });
});
