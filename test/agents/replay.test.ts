import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { makeVec } from '../../core/vector.js';
import type { AutoresetMode, VectorStepResult } from '../../core/vector.js';
import { ReplayBuffer } from '../../agents/lib/replay.js';

/** Adds transition t with obs [t, -t], action t % 3, reward t / 10, next obs [t + 1, -t - 1]. */
function addNumbered(buf: ReplayBuffer, t: number, flags: { terminated?: boolean; truncated?: boolean } = {}): void {
  buf.add([t, -t], t % 3, t / 10, [t + 1, -t - 1], flags.terminated ?? false, flags.truncated ?? false);
}

function row(a: Float32Array, slot: number, dim: number): number[] {
  return Array.from(a.subarray(slot * dim, (slot + 1) * dim));
}

describe('ReplayBuffer', () => {
  it('fills slots in order, then wraps around over the oldest', () => {
    const buf = new ReplayBuffer(3, 2);
    addNumbered(buf, 0);
    addNumbered(buf, 1, { terminated: true });
    expect([buf.size, buf.pos]).toEqual([2, 2]);
    addNumbered(buf, 2, { truncated: true });
    expect([buf.size, buf.pos]).toEqual([3, 0]);
    addNumbered(buf, 3);
    addNumbered(buf, 4);
    expect([buf.size, buf.pos]).toEqual([3, 2]);
    // slot 0 <- t3, slot 1 <- t4, slot 2 keeps t2
    expect([0, 1, 2].map((s) => row(buf.obs, s, 2))).toEqual([
      [3, -3],
      [4, -4],
      [2, -2],
    ]);
    expect([0, 1, 2].map((s) => row(buf.nextObs, s, 2))).toEqual([
      [4, -4],
      [5, -5],
      [3, -3],
    ]);
    expect(Array.from(buf.actions)).toEqual([0, 1, 2]);
    expect(Array.from(buf.rewards)).toEqual([0.3, 0.4, 0.2].map(Math.fround));
    // t1's terminated flag was overwritten by t4's
    expect(Array.from(buf.terminated)).toEqual([0, 0, 0]);
    expect(Array.from(buf.truncated)).toEqual([0, 0, 1]);
  });

  it('samples only filled slots, uniformly, and copies whole transitions', () => {
    const buf = new ReplayBuffer(100, 2);
    for (let t = 0; t < 3; t++) addNumbered(buf, t, { terminated: t === 1, truncated: t === 2 });
    const batch = buf.batch(600);
    buf.sample(new Rng(7), batch);
    const counts = [0, 0, 0];
    for (let j = 0; j < batch.size; j++) {
      const t = batch.indices[j]!;
      expect(t).toBeLessThan(3);
      counts[t]! += 1;
      expect(row(batch.obs, j, 2)).toEqual([t, -t]);
      expect(row(batch.nextObs, j, 2)).toEqual([t + 1, -t - 1]);
      expect(batch.actions[j]).toBe(t % 3);
      expect(batch.rewards[j]).toBe(Math.fround(t / 10));
      expect(batch.terminated[j]).toBe(t === 1 ? 1 : 0);
      expect(batch.truncated[j]).toBe(t === 2 ? 1 : 0);
    }
    for (const c of counts) expect(c).toBeGreaterThan(150);
  });

  it('draws the same batches from the same generator state', () => {
    const buf = new ReplayBuffer(50, 2);
    for (let t = 0; t < 40; t++) addNumbered(buf, t);
    const a = buf.sample(new Rng(3), buf.batch(16));
    const b = buf.sample(new Rng(3), buf.batch(16));
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
  });

  it('stores vector actions and rejects misuse', () => {
    const buf = new ReplayBuffer(4, 1, 2);
    buf.add([1], [0.5, -0.5], 1, [2], false, false);
    expect(Array.from(buf.actions.subarray(0, 2))).toEqual([0.5, -0.5]);
    expect(() => new ReplayBuffer(0, 1)).toThrow(/capacity must be a positive integer, got 0/);
    expect(() => new ReplayBuffer(4, 1).sample(new Rng(0), new ReplayBuffer(4, 1).batch(2))).toThrow(/the buffer is empty/);
    expect(() => buf.sample(new Rng(0), new ReplayBuffer(4, 3).batch(2))).toThrow(/not made for this buffer/);
    expect(() => buf.add([1], 0, 0, [], false, false)).toThrow(/observations need 1 numbers/);
  });

  it('adds a vector step, skipping autoreset rows and taking s-prime of ended rows from finalObs', () => {
    const buf = new ReplayBuffer(10, 2);
    // env 0 continues, env 1 was truncated (final obs kept aside, same-step style), env 2 is an autoreset row
    const step: Pick<VectorStepResult, 'obs' | 'finalObs' | 'rewards' | 'terminations' | 'truncations' | 'autoreset'> = {
      obs: new Float32Array([10, 11, 20, 21, 30, 31]),
      finalObs: new Float32Array([0, 0, 28, 29, 0, 0]),
      rewards: new Float64Array([1, 2, 0]),
      terminations: new Uint8Array([0, 0, 0]),
      truncations: new Uint8Array([0, 1, 0]),
      autoreset: new Uint8Array([0, 0, 1]),
    };
    const added = buf.addVector(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 1]), step);
    expect(added).toBe(2);
    expect(buf.size).toBe(2);
    expect([row(buf.obs, 0, 2), row(buf.obs, 1, 2)]).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect([row(buf.nextObs, 0, 2), row(buf.nextObs, 1, 2)]).toEqual([
      [10, 11],
      [28, 29],
    ]);
    expect(Array.from(buf.actions.subarray(0, 2))).toEqual([1, 0]);
    expect(Array.from(buf.rewards.subarray(0, 2))).toEqual([1, 2]);
    expect(Array.from(buf.truncated.subarray(0, 2))).toEqual([0, 1]);
    expect(Array.from(buf.terminated.subarray(0, 2))).toEqual([0, 0]);
  });

  // The stored s' of a truncated step must be the observation the episode ended
  // on, in both autoreset modes: checked against the same episodes run on
  // scalar envs (env i of a vector env is seeded with seed + i).
  it.each(['next-step', 'same-step'] as AutoresetMode[])('stores the real final observation of truncated episodes (%s autoreset)', (autoresetMode) => {
    const n = 2;
    const limit = 4;
    const steps = 13;
    const vec = makeVec('CartPole-v1', n, { maxEpisodeSteps: limit, autoresetMode });
    const buf = new ReplayBuffer(100, 4);
    const obs = new Float32Array(n * 4);
    obs.set(vec.reset({ seed: 5 }).obs);
    const actions = new Float32Array(n);
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < n; i++) actions[i] = (t + i) % 2;
      const r = vec.step(actions);
      buf.addVector(obs, actions, r);
      obs.set(r.obs);
    }
    // Expected transitions, env by env, from scalar envs.
    const expected: { obs: number[]; next: number[]; truncated: boolean; env: number }[] = [];
    for (let i = 0; i < n; i++) {
      const env = make<Float32Array, number>('CartPole-v1', { maxEpisodeSteps: limit });
      let o = Array.from(env.reset({ seed: 5 + i }).obs);
      let t = 0;
      while (t < steps) {
        const r = env.step((t + i) % 2);
        expected.push({ obs: o, next: Array.from(r.obs), truncated: r.truncated, env: i });
        t += 1;
        if (r.terminated || r.truncated) {
          o = Array.from(env.reset().obs);
          if (autoresetMode === 'next-step') t += 1; // the vector env spends a step on the reset
        } else {
          o = Array.from(r.obs);
        }
      }
    }
    expect(buf.size).toBe(expected.length);
    const stored = Array.from({ length: buf.size }, (_, s) => ({ obs: row(buf.obs, s, 4), next: row(buf.nextObs, s, 4), truncated: buf.truncated[s] === 1 }));
    for (const e of expected) {
      const match = stored.find((s) => s.obs.every((v, k) => v === e.obs[k]));
      expect(match, `transition of env ${e.env} from [${e.obs.join(', ')}]`).toBeDefined();
      expect(match!.next).toEqual(e.next);
      expect(match!.truncated).toBe(e.truncated);
    }
    expect(stored.filter((s) => s.truncated).length).toBeGreaterThanOrEqual(n * 2);
  });

  it('saves and loads its filled slots exactly, before and after wrapping', () => {
    for (const count of [0, 5, 8, 19]) {
      const buf = new ReplayBuffer(8, 2);
      for (let t = 0; t < count; t++) buf.add([t, -t], t % 3, t / 10, [t + 1, -t - 1], t % 4 === 1, t % 4 === 2, 1 + (t % 5));
      const bytes = buf.toBytes();
      expect(bytes.byteLength).toBe(32 + buf.size * (2 * 2 + 1 + 1) * 4 + 2 * buf.size + 2 * buf.size);
      const back = ReplayBuffer.fromBytes(bytes.buffer.slice(0) as ArrayBuffer, { capacity: 8, obsDim: 2, actionDim: 1 });
      expect([back.size, back.pos, back.capacity]).toEqual([buf.size, buf.pos, 8]);
      for (const k of ['obs', 'nextObs', 'actions', 'rewards', 'terminated', 'truncated', 'horizons'] as const) {
        expect(Array.from(back[k]), k).toEqual(Array.from(buf[k]));
      }
      // The loaded buffer continues exactly like the original.
      addNumbered(buf, 100);
      addNumbered(back, 100);
      if (buf.size > 0) {
        expect(Array.from(back.sample(new Rng(1), back.batch(5)).obs)).toEqual(Array.from(buf.sample(new Rng(1), buf.batch(5)).obs));
      }
    }
  });

  it('reads version 1 files (before horizons) with horizon 1', () => {
    const buf = new ReplayBuffer(8, 2);
    for (let t = 0; t < 3; t++) buf.add([t, -t], t % 3, t / 10, [t + 1, -t - 1], false, false, 4);
    const v2 = buf.toBytes();
    // Version 1 is version 2 without the trailing uint16 horizons.
    const v1 = v2.slice(0, v2.byteLength - 2 * 3);
    new Uint32Array(v1.buffer, 0, 2)[1] = 1;
    const back = ReplayBuffer.fromBytes(v1.buffer as ArrayBuffer);
    expect(Array.from(back.horizons.subarray(0, 3))).toEqual([1, 1, 1]);
    expect(Array.from(back.obs)).toEqual(Array.from(buf.obs));
    expect(Array.from(back.rewards)).toEqual(Array.from(buf.rewards));
    expect(() => ReplayBuffer.fromBytes(v2.slice(0, v2.byteLength - 2).buffer as ArrayBuffer)).toThrow(/expected \d+ for 3 transitions/);
  });

  it('gathers the slots it is given and refuses unfilled ones', () => {
    const buf = new ReplayBuffer(8, 2);
    for (let t = 0; t < 4; t++) buf.add([t, -t], t % 3, t / 10, [t + 1, -t - 1], t === 2, false, t + 1);
    const batch = buf.batch(3);
    batch.indices.set([3, 0, 3]);
    buf.gather(batch);
    expect(Array.from(batch.obs)).toEqual([3, -3, 0, -0, 3, -3]);
    expect(Array.from(batch.horizons)).toEqual([4, 1, 4]);
    batch.indices.set([1, 2, 4]);
    expect(() => buf.gather(batch)).toThrow(/slot 4 \(row 2\) is not one of the 4 filled slots/);
    expect(() => buf.add([0, 0], 0, 0, [0, 0], false, false, 0)).toThrow(/horizon must be an integer in \[1, 65535\], got 0/);
  });

  it('refuses a file that is not a matching replay buffer', () => {
    const buf = new ReplayBuffer(8, 2);
    for (let t = 0; t < 3; t++) addNumbered(buf, t);
    const bytes = buf.toBytes();
    const copy = () => bytes.buffer.slice(0) as ArrayBuffer;
    expect(() => ReplayBuffer.fromBytes(copy(), { capacity: 16 })).toThrow(/capacity 8, expected 16/);
    expect(() => ReplayBuffer.fromBytes(copy(), { obsDim: 3 })).toThrow(/obsDim 2, expected 3/);
    expect(() => ReplayBuffer.fromBytes(copy().slice(0, bytes.byteLength - 1))).toThrow(/expected \d+ for 3 transitions/);
    expect(() => ReplayBuffer.fromBytes(new ArrayBuffer(40))).toThrow(/bad magic number/);
    expect(() => ReplayBuffer.fromBytes(new ArrayBuffer(8))).toThrow(/shorter than the 32-byte header/);
  });
});
