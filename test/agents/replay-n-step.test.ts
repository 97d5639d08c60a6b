import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { Rng } from '../../core/rng.js';
import { makeVec } from '../../core/vector.js';
import type { AutoresetMode, VectorStepResult } from '../../core/vector.js';
import { NStepCollector } from '../../agents/lib/n-step.js';
import { ReplayBuffer } from '../../agents/lib/replay.js';

type Step = Pick<VectorStepResult, 'obs' | 'finalObs' | 'rewards' | 'terminations' | 'truncations' | 'autoreset'>;

/** A vector step of one-number observations: `ends[i]` is 'term', 'trunc' or '' (same-step autoreset: finalObs holds the last observation). */
function step(next: number[], rewards: number[], ends: string[] = [], finalObs: number[] = next, autoreset: number[] = []): Step {
  const n = next.length;
  return {
    obs: Float32Array.from(next),
    finalObs: Float32Array.from(finalObs),
    rewards: Float64Array.from(rewards),
    terminations: Uint8Array.from({ length: n }, (_, i) => (ends[i] === 'term' ? 1 : 0)),
    truncations: Uint8Array.from({ length: n }, (_, i) => (ends[i] === 'trunc' ? 1 : 0)),
    autoreset: Uint8Array.from({ length: n }, (_, i) => autoreset[i] ?? 0),
  } as unknown as Step;
}

/** The stored transitions in slot order: [obs, action, reward, nextObs, terminated, truncated, horizon]. */
function stored(buf: ReplayBuffer): [number, number, number, number, number, number, number][] {
  return Array.from({ length: buf.size }, (_, s) => [buf.obs[s]!, buf.actions[s]!, buf.rewards[s]!, buf.nextObs[s]!, buf.terminated[s]!, buf.truncated[s]!, buf.horizons[s]!]);
}

describe('NStepCollector', () => {
  it('stores n-step discounted returns bootstrapping n steps ahead, once n steps wait', () => {
    const buf = new ReplayBuffer(20, 1);
    const c = new NStepCollector(buf, 1, 3, 0.5);
    // obs 0 -a0-> r 1 -> obs 1 -a1-> r 2 -> obs 2 -a2-> r 4 -> obs 3 -a3-> r 8 -> obs 4
    const rewards = [1, 2, 4, 8];
    for (let t = 0; t < 4; t++) c.addVector([t], [t % 2], step([t + 1], [rewards[t]!]));
    expect(stored(buf)).toEqual([
      [0, 0, 1 + 0.5 * 2 + 0.25 * 4, 3, 0, 0, 3], // 3
      [1, 1, 2 + 0.5 * 4 + 0.25 * 8, 4, 0, 0, 3], // 5
    ]);
    expect(c.pending(0)).toBe(2);
  });

  it('ends every waiting step at a termination, with shorter horizons and no bootstrap flag lost', () => {
    const buf = new ReplayBuffer(20, 1);
    const c = new NStepCollector(buf, 1, 3, 0.5);
    c.addVector([0], [0], step([1], [1]));
    c.addVector([1], [1], step([2], [2]));
    c.addVector([2], [0], step([3], [4])); // stores t0
    // t3 terminates: last observation 40 (kept aside), the env is reset to 100
    c.addVector([3], [1], step([100], [8], ['term'], [40]));
    expect(stored(buf)).toEqual([
      [0, 0, 1 + 0.5 * 2 + 0.25 * 4, 3, 0, 0, 3],
      [1, 1, 2 + 0.5 * 4 + 0.25 * 8, 40, 1, 0, 3],
      [2, 0, 4 + 0.5 * 8, 40, 1, 0, 2],
      [3, 1, 8, 40, 1, 0, 1],
    ]);
    expect(c.pending(0)).toBe(0);
    // The next episode starts from the reset observation and mixes nothing from the last one.
    c.addVector([100], [0], step([101], [16]));
    c.addVector([101], [1], step([102], [32], ['trunc'], [50]));
    expect(stored(buf).slice(4)).toEqual([
      // a truncation bootstraps from the real last observation with gamma^m (the horizon m)
      [100, 0, 16 + 0.5 * 32, 50, 0, 1, 2],
      [101, 1, 32, 50, 0, 1, 1],
    ]);
  });

  it('keeps one stream per env of a vector env, skipping next-step autoreset rows', () => {
    const buf = new ReplayBuffer(20, 1);
    const c = new NStepCollector(buf, 2, 2, 0.9);
    // env 0: obs 0, 1, 2, ... rewards 1 each; env 1: obs 10, 11 (terminates), then a next-step autoreset row
    c.addVector([0, 10], [0, 1], step([1, 11], [1, 5]));
    c.addVector([1, 11], [1, 0], step([2, 12], [1, 6], ['', 'term']));
    expect(stored(buf)).toEqual([
      [0, 0, Math.fround(1 + 0.9 * 1), 2, 0, 0, 2],
      [10, 1, Math.fround(5 + 0.9 * 6), 12, 1, 0, 2],
      [11, 0, 6, 12, 1, 0, 1],
    ]);
    // next-step mode: env 1's row after its end is the reset, not a transition
    c.addVector([2, 12], [0, 1], step([3, 20], [1, 0], [], [3, 20], [0, 1]));
    expect(buf.size).toBe(4);
    expect(stored(buf)[3]).toEqual([1, 1, Math.fround(1 + 0.9 * 1), 3, 0, 0, 2]);
    expect([c.pending(0), c.pending(1)]).toEqual([1, 0]);
    // flush: the waiting steps bootstrap from each stream's current observation
    expect(c.flush([3, 20])).toBe(1);
    expect(stored(buf)[4]).toEqual([2, 0, 1, 3, 0, 0, 1]);
  });

  it.each(['same-step', 'next-step'] as AutoresetMode[])('with n = 1 stores exactly what ReplayBuffer.addVector stores (%s autoreset)', (mode) => {
    const run = (useCollector: boolean) => {
      const vec = makeVec('CartPole-v1', 3, { autoresetMode: mode });
      const buf = new ReplayBuffer(400, 4);
      const c = new NStepCollector(buf, 3, 1, 0.99);
      const rng = new Rng(4);
      let obs = Float32Array.from(vec.reset({ seed: 1 }).obs);
      for (let t = 0; t < 120; t++) {
        const actions = Float32Array.from({ length: 3 }, () => rng.integers(0, 2));
        const r = vec.step(actions);
        if (useCollector) c.addVector(obs, actions, r);
        else buf.addVector(obs, actions, r);
        obs = Float32Array.from(r.obs);
      }
      if (useCollector) expect(c.flush(obs)).toBe(0);
      return buf.toBytes();
    };
    const a = run(true);
    expect(a).toEqual(run(false));
  });

  it('on a real vector env stores the 3-step returns of CartPole (reward 1 a step): 1 + g + g^2, shorter only at episode ends', () => {
    const vec = makeVec('CartPole-v1', 2, { autoresetMode: 'same-step' });
    const buf = new ReplayBuffer(2000, 4);
    const c = new NStepCollector(buf, 2, 3, 0.9);
    let obs = Float32Array.from(vec.reset({ seed: 3 }).obs);
    let ends = 0;
    for (let t = 0; t < 300; t++) {
      const r = vec.step(Float32Array.from([t % 2, (t >> 1) % 2]));
      c.addVector(obs, Float32Array.from([t % 2, (t >> 1) % 2]), r);
      ends += r.terminations[0]! + r.terminations[1]! + r.truncations[0]! + r.truncations[1]!;
      obs = Float32Array.from(r.obs);
    }
    c.flush(obs);
    expect(ends).toBeGreaterThan(5);
    // Every step became exactly one transition.
    expect(buf.size).toBe(600);
    const byHorizon = [0, 1, 1 + 0.9, 1 + 0.9 + 0.81].map(Math.fround);
    for (let s = 0; s < buf.size; s++) expect(buf.rewards[s]).toBe(byHorizon[buf.horizons[s]!]);
    // Horizons below 3 only at episode ends (terminated) or at the final flush (2 streams x 2 steps).
    const short = Array.from({ length: buf.size }, (_, s) => s).filter((s) => buf.horizons[s]! < 3);
    expect(short.filter((s) => !buf.terminated[s] && !buf.truncated[s]).length).toBe(4);
    expect(short.length).toBe(4 + 2 * ends);
  });

  it('rejects a bad n', () => {
    expect(() => new NStepCollector(new ReplayBuffer(4, 1), 1, 0, 0.9)).toThrow(/n must be an integer in \[1, 65535\], got 0/);
  });
});
