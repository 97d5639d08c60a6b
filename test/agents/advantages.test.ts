import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { makeVec } from '../../core/vector.js';
import type { RolloutView } from '../../agents/lib/advantages.js';
import { computeGae, nStepReturns, standardize, validRows } from '../../agents/lib/advantages.js';

const gamma = 0.9;
const lambda = 0.8;

function rollout(nSteps: number, nEnvs: number, parts: Partial<Omit<RolloutView, 'nSteps' | 'nEnvs'>>): RolloutView {
  const zeros = () => new Float64Array(nSteps * nEnvs);
  return {
    nSteps,
    nEnvs,
    rewards: parts.rewards ?? zeros(),
    values: parts.values ?? zeros(),
    terminated: parts.terminated ?? zeros(),
    truncated: parts.truncated ?? zeros(),
    autoreset: parts.autoreset ?? zeros(),
  };
}

function gae(r: RolloutView, last: number[], g = gamma, l = lambda) {
  const n = r.nSteps * r.nEnvs;
  const adv = new Float64Array(n);
  const ret = new Float64Array(n);
  computeGae(r, last, g, l, adv, ret);
  return { adv: Array.from(adv), ret: Array.from(ret) };
}

function nstep(r: RolloutView, last: number[], g = gamma) {
  const ret = new Float64Array(r.nSteps * r.nEnvs);
  nStepReturns(r, last, g, ret);
  return Array.from(ret);
}

function expectClose(actual: number[], expected: number[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `entry ${i}`).toBeCloseTo(expected[i]!, 10));
}

describe('GAE(lambda)', () => {
  it('inside one episode: deltas discounted by gamma * lambda, bootstrapped from lastValues', () => {
    // rewards 1, 2, 3; V 0.5, 1, 1.5; V(obs_3) = 2
    // delta2 = 3 + 0.9 * 2 - 1.5 = 3.3
    // delta1 = 2 + 0.9 * 1.5 - 1 = 2.35, A1 = 2.35 + 0.72 * 3.3 = 4.726
    // delta0 = 1 + 0.9 * 1 - 0.5 = 1.4,  A0 = 1.4 + 0.72 * 4.726 = 4.80272
    const r = rollout(3, 1, { rewards: [1, 2, 3], values: [0.5, 1, 1.5] });
    const { adv, ret } = gae(r, [2]);
    expectClose(adv, [4.80272, 4.726, 3.3]);
    expectClose(ret, [5.30272, 5.726, 4.8]);
  });

  it('terminated does not bootstrap, truncated bootstraps from V(final obs), autoreset rows are masked', () => {
    // Two envs with the same numbers; env 0 terminates at t = 1, env 1 is
    // truncated at t = 1. Row t = 2 is the autoreset step of both, so its value
    // (10) is V(final obs). Rows are t * 2 + i.
    const r = rollout(4, 2, {
      rewards: [1, 1, 1, 1, 0, 0, 1, 1],
      values: [1, 1, 2, 2, 10, 10, 0.5, 0.5],
      terminated: [0, 0, 1, 0, 0, 0, 0, 0],
      truncated: [0, 0, 0, 1, 0, 0, 0, 0],
      autoreset: [0, 0, 0, 0, 1, 1, 0, 0],
    });
    const { adv, ret } = gae(r, [0.7, 0.7]);
    // t3 (both): 1 + 0.9 * 0.7 - 0.5 = 1.13
    // env 0: t1 = 1 - 2 = -1 (terminated); t0 = 1 + 0.9 * 2 - 1 + 0.72 * (-1) = 1.08
    // env 1: t1 = 1 + 0.9 * 10 - 2 = 8 (truncated); t0 = 1 + 0.9 * 2 - 1 + 0.72 * 8 = 7.56
    expectClose(adv, [1.08, 7.56, -1, 8, 0, 0, 1.13, 1.13]);
    expectClose(ret, [2.08, 8.56, 1, 10, 0, 0, 1.63, 1.63]);
  });

  it('truncation on the last row bootstraps from lastValues; termination there does not', () => {
    const truncated = gae(rollout(2, 1, { rewards: [1, 1], truncated: [0, 1] }), [5]);
    // A1 = 1 + 0.9 * 5 = 5.5; A0 = 1 + 0.9 * 0 - 0 + 0.72 * 5.5 = 4.96
    expectClose(truncated.adv, [4.96, 5.5]);
    const terminated = gae(rollout(2, 1, { rewards: [1, 1], terminated: [0, 1] }), [5]);
    // A1 = 1; A0 = 1 + 0.72 * 1 = 1.72
    expectClose(terminated.adv, [1.72, 1]);
    // both flags at once: terminated wins
    const both = gae(rollout(2, 1, { rewards: [1, 1], terminated: [0, 1], truncated: [0, 1] }), [5]);
    expectClose(both.adv, [1.72, 1]);
  });

  it('an autoreset first row (episode ended in the previous rollout) is masked, the rest is one episode', () => {
    const { adv, ret } = gae(rollout(2, 1, { rewards: [0, 2], values: [7, 1], autoreset: [1, 0] }), [3]);
    // A1 = 2 + 0.9 * 3 - 1 = 3.7
    expectClose(adv, [0, 3.7]);
    expectClose(ret, [0, 4.7]);
  });

  it('lambda = 0 gives one-step TD errors', () => {
    const r = rollout(3, 1, { rewards: [1, 2, 3], values: [0.5, 1, 1.5] });
    expectClose(gae(r, [2], gamma, 0).adv, [1.4, 2.35, 3.3]);
  });

  it('rejects arrays of the wrong length and a bad lambda', () => {
    const r = rollout(3, 2, {});
    expect(() => computeGae(r, [0], gamma, lambda, new Float64Array(6), new Float64Array(6))).toThrow(/lastValues has 1 entries, expected nEnvs = 2/);
    expect(() => computeGae(r, [0, 0], gamma, lambda, new Float64Array(5), new Float64Array(6))).toThrow(/output array has 5 entries, expected 6/);
    expect(() => computeGae({ ...r, rewards: [1] }, [0, 0], gamma, lambda, new Float64Array(6), new Float64Array(6))).toThrow(/rewards has 1 entries/);
    expect(() => computeGae(r, [0, 0], gamma, 1.5, new Float64Array(6), new Float64Array(6))).toThrow(/lambda must be in \[0, 1\]/);
  });
});

describe('n-step returns', () => {
  const r = rollout(4, 2, {
    rewards: [1, 1, 1, 1, 0, 0, 1, 1],
    values: [1, 1, 2, 2, 10, 10, 0.5, 0.5],
    terminated: [0, 0, 1, 0, 0, 0, 0, 0],
    truncated: [0, 0, 0, 1, 0, 0, 0, 0],
    autoreset: [0, 0, 0, 0, 1, 1, 0, 0],
  });

  it('discounts rewards to the episode end or the rollout end, bootstrapping on truncation only', () => {
    // env 0: t1 = 1 (terminated), t0 = 1 + 0.9 * 1 = 1.9
    // env 1: t1 = 1 + 0.9 * 10 = 10 (truncated), t0 = 1 + 0.9 * 10 = 10
    // t3: 1 + 0.9 * 0.7 = 1.63; t2 masked
    expectClose(nstep(r, [0.7, 0.7]), [1.9, 10, 1, 10, 0, 0, 1.63, 1.63]);
    // no episode end: 3 + 0.9 * 4 = 6.6, 2 + 0.9 * 6.6 = 7.94, 1 + 0.9 * 7.94 = 8.146
    expectClose(nstep(rollout(3, 1, { rewards: [1, 2, 3] }), [4]), [8.146, 7.94, 6.6]);
  });

  it('equal GAE(1) returns', () => {
    expectClose(gae(r, [0.7, 0.7], gamma, 1).ret, nstep(r, [0.7, 0.7]));
  });
});

describe('validRows', () => {
  it('lists the rows that are transitions', () => {
    const out = new Int32Array(6);
    expect(validRows([0, 1, 0, 0, 1, 0], 6, out)).toBe(4);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 2, 3, 5]);
  });
});

describe('the vector env gives the layout the scheme assumes', () => {
  it('next-step autoreset: the truncating step returns the final observation, the next row is an autoreset', () => {
    const vec = makeVec('CartPole-v1', 1, { maxEpisodeSteps: 2 });
    vec.reset({ seed: 0 });
    const flags: number[][] = [];
    for (let t = 0; t < 4; t++) {
      const r = vec.step([0]);
      flags.push([r.terminations[0]!, r.truncations[0]!, r.autoreset[0]!, r.rewards[0]!]);
    }
    expect(flags).toEqual([
      [0, 0, 0, 1],
      [0, 1, 0, 1],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
  });
});

describe('standardize', () => {
  it('maps the first n values to mean 0 and unbiased std 1, leaving the rest and single rows alone', () => {
    const a = new Float32Array([1, 2, 3, 7, 5]);
    standardize(a, 3);
    // mean 2, unbiased std sqrt((1 + 0 + 1) / 2) = 1, so (x - 2) / (1 + 1e-8).
    expect(Array.from(a)).toEqual([Math.fround(-1 / (1 + 1e-8)), 0, Math.fround(1 / (1 + 1e-8)), 7, 5]);
    const one = new Float32Array([4]);
    standardize(one, 1);
    expect(one[0]).toBe(4);
  });
});
