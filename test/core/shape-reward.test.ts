// shapeReward and potentialShaping: what the shaping function sees, the
// book's "-10 on failure", the telescoping sum that makes potential shaping
// safe (terminal vs truncated), and the errors.
import { describe, expect, it } from 'vitest';
import type { Env } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { sample } from '../../core/spaces.js';
import type { ShapingTransition } from '../../core/wrappers/shape-reward.js';
import { potentialShaping, shapeReward } from '../../core/wrappers/shape-reward.js';
import '../../envs/index.js';

/** One episode with seeded random actions: rewards, observations and how it ended. */
function episode<O>(env: Env<O, unknown>, seed: number) {
  const rng = new Rng(seed);
  const obs: O[] = [env.reset({ seed }).obs];
  const rewards: number[] = [];
  const actions: unknown[] = [];
  for (;;) {
    const action = sample(env.actionSpace, rng);
    actions.push(action);
    const r = env.step(action);
    rewards.push(r.reward);
    obs.push(r.obs);
    if (r.terminated || r.truncated) return { obs, rewards, actions, terminated: r.terminated };
  }
}

const sum = (x: number[]) => x.reduce((a, b) => a + b, 0);

describe('shapeReward', () => {
  it('hands the function (obs, action, next obs, reward, flags); "-10 on failure" for CartPole', () => {
    const seen: ShapingTransition<Float32Array, number>[] = [];
    const env = shapeReward(make<Float32Array, number>('CartPole-v1'), (t) => {
      seen.push({ ...t, obs: t.obs.slice(), nextObs: t.nextObs.slice() });
      return t.terminated ? -10 : t.reward;
    });
    const plain = episode(make<Float32Array, number>('CartPole-v1'), 3);
    const shaped = episode(env, 3);
    expect(shaped.terminated).toBe(true);
    expect(shaped.rewards.slice(0, -1)).toEqual(plain.rewards.slice(0, -1));
    expect(shaped.rewards.at(-1)).toBe(-10);
    seen.forEach((t, i) => {
      expect(Array.from(t.obs)).toEqual(Array.from(plain.obs[i]!));
      expect(Array.from(t.nextObs)).toEqual(Array.from(plain.obs[i + 1]!));
      expect(t.reward).toBe(1);
    });
    expect(seen.map((t) => t.action)).toEqual(shaped.actions);
  });

  it('a non-finite shaped reward, or a step before reset, is an error naming the env', () => {
    const env = shapeReward(make('MountainCar-v0'), () => Number.NaN);
    expect(() => env.step(0)).toThrow(/shapeReward\(MountainCar-v0\): step\(\) before reset\(\)/);
    env.reset({ seed: 0 });
    expect(() => env.step(0)).toThrow(/shapeReward\(MountainCar-v0\): the shaping function turned reward -1 into NaN/);
  });
});

describe('potentialShaping', () => {
  const phi = (o: Float32Array) => -Math.abs(o[2]!) * 10; // prefer an upright pole

  it('with gamma 1 the shaping terms telescope: a terminated episode gains -phi(s0) (phi of a terminal state is 0)', () => {
    const plain = episode(make<Float32Array, number>('CartPole-v1'), 5);
    const shaped = episode(potentialShaping(make<Float32Array, number>('CartPole-v1'), phi, { gamma: 1 }), 5);
    expect(shaped.terminated).toBe(true);
    expect(sum(shaped.rewards)).toBeCloseTo(sum(plain.rewards) - phi(plain.obs[0]!), 9);
    // Step by step: r + gamma phi(s') - phi(s), and just r - phi(s) on the terminal step.
    const t = 1;
    expect(shaped.rewards[t]).toBeCloseTo(plain.rewards[t]! + phi(plain.obs[t + 1]!) - phi(plain.obs[t]!), 12);
    const last = plain.rewards.length - 1;
    expect(shaped.rewards[last]).toBeCloseTo(plain.rewards[last]! - phi(plain.obs[last]!), 12);
  });

  it('a truncated episode keeps phi of its last state (a time limit is not terminal); gamma and scale apply', () => {
    const make10 = () => make<Float32Array, number>('MountainCar-v0', { maxEpisodeSteps: 10 });
    const height = (o: Float32Array) => Math.sin(3 * o[0]!);
    const plain = episode(make10(), 1);
    const shaped = episode(potentialShaping(make10(), height, { gamma: 1, scale: 2 }), 1);
    expect(shaped.terminated).toBe(false);
    expect(sum(shaped.rewards)).toBeCloseTo(sum(plain.rewards) + 2 * (height(plain.obs.at(-1)!) - height(plain.obs[0]!)), 9);
    const discounted = episode(potentialShaping(make10(), height, { gamma: 0.9 }), 1);
    expect(discounted.rewards[0]).toBeCloseTo(plain.rewards[0]! + 0.9 * height(plain.obs[1]!) - height(plain.obs[0]!), 12);
  });

  it('checks its options', () => {
    expect(() => potentialShaping(make('CartPole-v1'), () => 0, { gamma: 2 })).toThrow(/potentialShaping\(CartPole-v1\): gamma must be a number in \[0, 1\], got 2/);
    expect(() => potentialShaping(make('CartPole-v1'), () => 0, { scale: Infinity })).toThrow(/scale must be a finite number/);
  });
});
