import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { checkEnv } from '../../core/checker.js';
import type { Env, EnvSpec, Info, ResetArgs } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import type { Space } from '../../core/spaces.js';
import { box, contains, describeSpace, dict, discrete } from '../../core/spaces.js';
import {
  binBounds,
  binIndex,
  binTuple,
  clipAction,
  discretization,
  discretizeObservation,
  flattenObservation,
  frameStack,
  normalizeObservation,
  normalizeReward,
  recordEpisodeStatistics,
  rescaleAction,
  timeLimit,
  transformObservation,
  transformReward,
} from '../../core/wrappers/index.js';

// ---------------------------------------------------------------- a fake env

interface ScriptedStep {
  reward?: number;
  terminated?: boolean;
  truncated?: boolean;
}

interface FakeOptions<O> {
  id?: string;
  observationSpace?: Space;
  actionSpace?: Space;
  /** Observation after `t` steps of episode `episode` (both from 0). */
  obs?: (t: number, episode: number) => O;
  /** Rewards and flags of successive steps, across episodes (default reward 1, no flags). */
  script?: ScriptedStep[];
}

/** A plain object implementing Env, whose behaviour is read off its options; it records the actions it gets. */
function fakeEnv<O = Float32Array>(options: FakeOptions<O> = {}) {
  const spec: EnvSpec = { id: options.id ?? 'Fake-v0', kwargs: {} };
  const obsOf = options.obs ?? (((t: number) => new Float32Array([t])) as unknown as (t: number, episode: number) => O);
  let t = 0;
  let episode = -1;
  let stepIndex = 0;
  const env = {
    spec,
    observationSpace: options.observationSpace ?? box(0, 1000, [1]),
    actionSpace: options.actionSpace ?? discrete(2),
    get unwrapped(): Env {
      return env as unknown as Env;
    },
    actions: [] as unknown[],
    lastObs: undefined as O | undefined,
    reset(_args?: ResetArgs) {
      t = 0;
      episode += 1;
      env.lastObs = obsOf(t, episode);
      return { obs: env.lastObs, info: {} as Info };
    },
    step(action: unknown) {
      env.actions.push(action);
      t += 1;
      const s = options.script?.[stepIndex] ?? {};
      stepIndex += 1;
      env.lastObs = obsOf(t, episode);
      return { obs: env.lastObs, reward: s.reward ?? 1, terminated: s.terminated ?? false, truncated: s.truncated ?? false, info: {} as Info };
    },
    renderState: () => ({ t }),
    close: () => {},
  };
  return env;
}

const arr = (x: unknown): number[] => Array.from(x as ArrayLike<number>);

// ---------------------------------------------------------------- TimeLimit

describe('timeLimit', () => {
  it('sets truncated, never terminated, at the limit and restarts its count on reset', () => {
    const env = timeLimit(fakeEnv(), 3);
    expect(env.spec.maxEpisodeSteps).toBe(3);
    for (let episode = 0; episode < 2; episode++) {
      env.reset();
      const flags = [0, 1, 2].map(() => {
        const r = env.step(0);
        return [r.terminated, r.truncated];
      });
      expect(flags).toEqual([
        [false, false],
        [false, false],
        [false, true],
      ]);
    }
  });

  it('keeps terminated when the env terminates on the last allowed step', () => {
    const env = timeLimit(fakeEnv({ script: [{}, { terminated: true }] }), 2);
    env.reset();
    env.step(0);
    expect(env.step(0)).toMatchObject({ terminated: true, truncated: true });
  });
});

// ---------------------------------------------------------------- RecordEpisodeStatistics

describe('recordEpisodeStatistics', () => {
  it("reports each CartPole episode's return and length on its last step", () => {
    const env = recordEpisodeStatistics(make<Float32Array, number>('CartPole-v1', { maxEpisodeSteps: 30 }), { bufferLength: 3 });
    const returns: number[] = [];
    const lengths: number[] = [];
    let truncations = 0;
    for (let episode = 0; episode < 6; episode++) {
      let obs = env.reset({ seed: episode }).obs;
      let sum = 0;
      let count = 0;
      for (;;) {
        // Pushing towards where the pole falls keeps it up past the limit; always pushing left drops it.
        const r = env.step(episode % 2 === 0 && obs[2]! + obs[3]! > 0 ? 1 : 0);
        obs = r.obs;
        sum += r.reward;
        count += 1;
        if (r.terminated || r.truncated) {
          if (r.truncated) truncations += 1;
          const stats = r.info.episode as { r: number; l: number; t: number };
          expect(stats.r).toBe(sum);
          expect(stats.l).toBe(count);
          expect(stats.t).toBeGreaterThanOrEqual(0);
          break;
        }
        expect(r.info.episode).toBeUndefined();
      }
      returns.push(sum);
      lengths.push(count);
    }
    expect(env.stats.episodeCount).toBe(6);
    expect(env.stats.returnQueue).toEqual(returns.slice(-3));
    expect(env.stats.lengthQueue).toEqual(lengths.slice(-3));
    expect(env.stats.timeQueue).toHaveLength(3);
    expect(truncations).toBe(3);
    expect(lengths.filter((_, i) => i % 2 === 0)).toEqual([30, 30, 30]);
  });

  it('sums non-unit rewards, measures t from the episode start, and restarts on reset', () => {
    let clock = 0;
    const env = recordEpisodeStatistics(fakeEnv({ script: [{ reward: 0.5 }, { reward: -2 }, { reward: 4, truncated: true }, { reward: 7, terminated: true }] }), {
      now: () => clock,
    });
    clock = 1000;
    env.reset();
    clock = 1500;
    env.step(0);
    env.step(0);
    clock = 3750.0004;
    const end = env.step(0);
    expect(end.info.episode).toEqual({ r: 2.5, l: 3, t: 2.75 });
    clock = 4000;
    env.reset();
    clock = 4001.5;
    expect(env.step(0).info.episode).toEqual({ r: 7, l: 1, t: 0.0015 });
    expect(env.stats.returnQueue).toEqual([2.5, 7]);
  });

  it('refuses to overwrite an existing info entry and bad options', () => {
    const env = recordEpisodeStatistics(recordEpisodeStatistics(fakeEnv({ script: [{ terminated: true }] })));
    env.reset();
    expect(() => env.step(0)).toThrow(EnvUsageError);
    expect(() => recordEpisodeStatistics(fakeEnv(), { bufferLength: 0 })).toThrow(/recordEpisodeStatistics\(Fake-v0\): bufferLength must be a positive integer/);
  });
});

// ---------------------------------------------------------------- ClipAction / RescaleAction

describe('clipAction', () => {
  it('clips each component into the bounds and exposes Box(-inf, inf)', () => {
    const base = fakeEnv({ actionSpace: box([-1, 0], [1, 2]) });
    const env = clipAction(base);
    expect(describeSpace(env.actionSpace)).toBe('Box(-inf, inf, (2,), float32)');
    env.reset();
    env.step([5, -3]);
    env.step(new Float32Array([0.5, 1.5]));
    env.step([-1.25, 2.000001]);
    expect(base.actions.map(arr)).toEqual([
      [1, 0],
      [0.5, 1.5],
      [-1, 2],
    ]);
    expect(base.actions[0]).toBeInstanceOf(Float32Array);
    expect(base.actions[0]).not.toBe(base.actions[1]);
  });

  it('rejects non-Box action spaces and actions of the wrong length', () => {
    expect(() => clipAction(make('CartPole-v1'))).toThrow(/clipAction\(CartPole-v1\): needs a float32 Box action space, got Discrete\(2\)/);
    const env = clipAction(fakeEnv({ actionSpace: box(-1, 1, [2]) }));
    env.reset();
    expect(() => env.step([0])).toThrow(/clipAction\(Fake-v0\): action must have 2 values, got 1/);
  });
});

describe('rescaleAction', () => {
  it('maps [min, max] affinely onto the env bounds (scalar bounds)', () => {
    const base = fakeEnv({ actionSpace: box([-1, 0], [1, 2]) });
    const env = rescaleAction(base, 0, 1);
    expect(describeSpace(env.actionSpace)).toBe('Box(0, 1, (2,), float32)');
    env.reset();
    env.step([0, 0]);
    env.step([1, 1]);
    env.step([0.5, 0.25]);
    env.step([2, -1]); // outside: not clipped, as in Gymnasium
    expect(base.actions.map(arr)).toEqual([
      [-1, 0],
      [1, 2],
      [0, 0.5],
      [3, -2],
    ]);
  });

  it('maps per-component bounds and lands exactly on the env bounds', () => {
    const base = fakeEnv({ actionSpace: box([-1, 0], [1, 2]) });
    const env = rescaleAction(base, [-2, 10], [2, 20]);
    env.reset();
    // -1 + (1 - -2) * 2 / 4 = 0.5;  0 + (12.5 - 10) * 2 / 10 = 0.5
    env.step([1, 12.5]);
    const odd = fakeEnv({ actionSpace: box(-1, 0, [1]) });
    const oddEnv = rescaleAction(odd, 0.1, 0.3);
    oddEnv.reset();
    oddEnv.step(oddEnv.actionSpace.type === 'box' ? oddEnv.actionSpace.high : []);
    oddEnv.step(oddEnv.actionSpace.type === 'box' ? oddEnv.actionSpace.low : []);
    expect(base.actions.map(arr)).toEqual([[0.5, 0.5]]);
    expect(odd.actions.map(arr)).toEqual([[0], [-1]]);
  });

  it('shifts half-bounded components and passes unbounded ones through', () => {
    const base = fakeEnv({ actionSpace: box([0, -Infinity], [Infinity, Infinity]) });
    const env = rescaleAction(base, [-1, -Infinity], [Infinity, Infinity]);
    env.reset();
    env.step([2, 7]);
    expect(base.actions.map(arr)).toEqual([[3, 7]]);
  });

  it('rejects bad bounds with the wrapper, env and component named', () => {
    const base = fakeEnv({ actionSpace: box([-1, 0], [1, 2]) });
    expect(() => rescaleAction(base, 1, 1)).toThrow(/rescaleAction\(Fake-v0\): component 0: minAction \(1\) must be strictly less than maxAction \(1\)/);
    expect(() => rescaleAction(base, [0, 0, 0], 1)).toThrow(/rescaleAction\(Fake-v0\): minAction has 3 values but the action space .* has 2/);
    expect(() => rescaleAction(base, -Infinity, 1)).toThrow(/component 0: the env's low bound is -1; an infinite bound/);
    const unbounded = fakeEnv({ actionSpace: box(-Infinity, Infinity, [1]) });
    expect(() => rescaleAction(unbounded, -1, 1)).toThrow(/component 0: the env's low bound is -Infinity/);
    expect(() => rescaleAction(make('CartPole-v1'), -1, 1)).toThrow(/rescaleAction\(CartPole-v1\): needs a float32 Box action space/);
  });
});

// ---------------------------------------------------------------- NormalizeObservation

describe('normalizeObservation', () => {
  const gaussianEnv = (seed: number) => {
    const rng = new Rng(seed);
    return fakeEnv({
      observationSpace: box(-Infinity, Infinity, [2]),
      obs: () => new Float32Array([rng.normal(3, 2), rng.normal(-1, 0.5)]),
    });
  };

  it('converges to mean 0 / std 1 and stops updating when update is off', () => {
    const base = gaussianEnv(11);
    const env = normalizeObservation(base);
    expect(describeSpace(env.observationSpace)).toBe('Box(-inf, inf, (2,), float32)');
    env.reset();
    expect(env.obsRms.count).toBeCloseTo(1 + 1e-4, 12); // the reset observation counts, as in Gymnasium
    for (let i = 0; i < 20_000; i++) env.step(0);
    expect(env.obsRms.mean[0]).toBeCloseTo(3, 1);
    expect(env.obsRms.mean[1]).toBeCloseTo(-1, 1);
    expect(Math.sqrt(env.obsRms.var[0]!)).toBeCloseTo(2, 1);
    expect(Math.sqrt(env.obsRms.var[1]!)).toBeCloseTo(0.5, 1);

    env.updateRunningMean = false;
    const frozen = env.obsRms.getState();
    const outs: number[][] = [[], []];
    for (let i = 0; i < 20_000; i++) {
      const obs = env.step(0).obs;
      const raw = base.lastObs!;
      for (let d = 0; d < 2; d++) {
        expect(obs[d]).toBe(Math.fround((raw[d]! - frozen.mean[d]!) / Math.sqrt(frozen.var[d]! + 1e-8)));
        outs[d]!.push(obs[d]!);
      }
    }
    expect(env.obsRms.getState()).toEqual(frozen);
    for (const xs of outs) {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(Math.abs(std - 1)).toBeLessThan(0.05);
    }
  });

  it('restores statistics from a checkpoint and gives the same outputs', () => {
    const trained = normalizeObservation(gaussianEnv(1));
    trained.reset();
    for (let i = 0; i < 100; i++) trained.step(0);
    const state = JSON.parse(JSON.stringify(trained.obsRms.getState()));
    const a = normalizeObservation(gaussianEnv(5), { update: false });
    const b = normalizeObservation(gaussianEnv(5), { update: false });
    a.obsRms.setState(state);
    b.obsRms.setState(trained.obsRms.getState());
    expect(arr(a.reset().obs)).toEqual(arr(b.reset().obs));
    expect(arr(a.step(0).obs)).toEqual(arr(b.step(0).obs));
    expect(a.obsRms.count).toBe(trained.obsRms.count);
  });

  it('returns a fresh float32 array each step and validates its arguments', () => {
    const env = normalizeObservation(make('CartPole-v1'));
    const first = env.reset({ seed: 0 }).obs;
    const copy = arr(first);
    const second = env.step(0).obs;
    expect(first).toBeInstanceOf(Float32Array);
    expect(second).not.toBe(first);
    expect(arr(first)).toEqual(copy);
    expect(() => normalizeObservation(make('CartPole-v1'), { epsilon: 0 })).toThrow(/normalizeObservation\(CartPole-v1\): epsilon must be a positive/);
    expect(() => normalizeObservation(fakeEnv({ observationSpace: discrete(3) }))).toThrow(/normalizeObservation\(Fake-v0\): needs a Box observation space, got Discrete\(3\)/);
    expect(() => {
      env.updateRunningMean = 'no' as unknown as boolean;
    }).toThrow(/updateRunningMean must be a boolean/);
  });
});

// ---------------------------------------------------------------- NormalizeReward

/**
 * Variance the running statistics should hold after the samples `xs`: the
 * moments of the samples mixed with the prior (mean 0, variance 1, weight 1e-4).
 */
function priorMixtureVar(xs: number[]): number {
  const c = 1e-4;
  const total = c + xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / total;
  return (c * (1 + m * m) + xs.reduce((a, x) => a + (x - m) ** 2, 0)) / total;
}

describe('normalizeReward', () => {
  it("follows Gymnasium 1.x's accumulator: reset on terminated (that step's reward kept), not on truncated or reset()", () => {
    const gamma = 0.5;
    const rewards = [1, 2, 4, 1];
    const base = fakeEnv({
      script: [{ reward: 1 }, { reward: 2, terminated: true }, { reward: 4, truncated: true }, { reward: 1 }],
    });
    const env = normalizeReward(base, { gamma });
    // G1 = 1; G2 = 1 * 0.5 * 0 + 2 = 2 (terminated); after reset G3 = 2 * 0.5 + 4 = 5
    // (truncated, no restart); after reset G4 = 5 * 0.5 + 1 = 3.5.
    const G = [1, 2, 5, 3.5];
    const got: number[] = [];
    const accumulators: number[] = [];
    env.reset();
    for (let i = 0; i < 4; i++) {
      const r = env.step(0);
      got.push(r.reward);
      accumulators.push(env.discountedReturn);
      if (r.terminated || r.truncated) env.reset();
    }
    expect(accumulators).toEqual(G);
    const expected = rewards.map((r, i) => r / Math.sqrt(priorMixtureVar(G.slice(0, i + 1)) + 1e-8));
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(expected[i]!, 10);
    // The same numbers written out.
    expect(got[0]).toBeCloseTo(70.71421321062337, 9);
    expect(got[1]).toBeCloseTo(3.9988005647001663, 10);
    expect(got[2]).toBeCloseTo(2.3533227228447164, 10);
    expect(got[3]).toBeCloseTo(0.6598038563061024, 10);
  });

  it('freezes the statistics when update is off and validates gamma and epsilon', () => {
    const env = normalizeReward(fakeEnv({ script: [{ reward: 3 }, { reward: 5 }, { reward: 5 }] }), { gamma: 0.9 });
    env.reset();
    env.step(0);
    env.updateRunningMean = false;
    const state = env.returnRms.getState();
    const r = env.step(0).reward;
    expect(env.returnRms.getState()).toEqual(state);
    expect(r).toBeCloseTo(5 / Math.sqrt(state.var[0]! + 1e-8), 12);
    expect(() => normalizeReward(fakeEnv(), { gamma: 1.5 })).toThrow(/normalizeReward\(Fake-v0\): gamma must be in \[0, 1\], got 1.5/);
    expect(() => normalizeReward(fakeEnv(), { epsilon: -1 })).toThrow(/normalizeReward\(Fake-v0\): epsilon must be a positive/);
  });
});

// ---------------------------------------------------------------- Transform*

describe('transformObservation and transformReward', () => {
  it('apply the function to reset and step observations, and to rewards', () => {
    const base = fakeEnv();
    const env = transformReward(
      transformObservation(base, (obs: Float32Array) => new Float32Array([obs[0]! * 2, 1]), box(0, 2000, [2])),
      (r) => r * 10,
    );
    expect(describeSpace(env.observationSpace)).toBe('Box(0, 2000, (2,), float32)');
    expect(arr(env.reset().obs)).toEqual([0, 1]);
    const r = env.step(0);
    expect(arr(r.obs)).toEqual([2, 1]);
    expect(r.reward).toBe(10);
    expect(transformObservation(base, (o) => o).observationSpace).toBe(base.observationSpace);
  });

  it('validate their arguments and catch non-finite rewards', () => {
    expect(() => transformObservation(fakeEnv(), 3 as unknown as (o: unknown) => unknown)).toThrow(/transformObservation\(Fake-v0\): fn must be a function/);
    expect(() => transformObservation(fakeEnv(), (o) => o, { type: 'box' } as unknown as Space)).toThrow(/transformObservation\(Fake-v0\): observationSpace is not a valid space/);
    const env = transformReward(fakeEnv(), () => NaN);
    env.reset();
    expect(() => env.step(0)).toThrow(/transformReward\(Fake-v0\): fn turned reward 1 into NaN/);
  });
});

// ---------------------------------------------------------------- FlattenObservation

describe('flattenObservation', () => {
  it('flattens a Dict observation (Discrete one-hot) in key order', () => {
    const space = dict({ pos: box(-1, 1, [2]), mode: discrete(3), grid: box(0, 255, [2, 2], 'uint8') });
    const env = flattenObservation(
      fakeEnv({
        observationSpace: space,
        obs: (t) => ({ pos: new Float32Array([0.5, -0.5]), mode: t % 3, grid: new Uint8Array([1, 2, 3, 4]) }),
      }),
    );
    expect(describeSpace(env.observationSpace)).toBe('Box([-1, -1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 255, 255, 255, 255], (9,), float32)');
    const obs = env.reset().obs;
    expect(obs).toBeInstanceOf(Float32Array);
    expect(arr(obs)).toEqual([0.5, -0.5, 1, 0, 0, 1, 2, 3, 4]);
    expect(arr(env.step(0).obs)).toEqual([0.5, -0.5, 0, 1, 0, 1, 2, 3, 4]);
    expect(contains(env.observationSpace, obs)).toBe(true);
  });
});

// ---------------------------------------------------------------- FrameStack

describe('frameStack', () => {
  const counter = () =>
    fakeEnv({
      observationSpace: box([-1000, -1000], [1000, 1000]),
      obs: (t, episode) => new Float32Array([100 * episode + t, -(100 * episode + t)]),
    });

  it('stacks the last k frames oldest first, padding with the reset frame', () => {
    const env = frameStack(counter(), 3);
    expect(env.observationSpace).toMatchObject({ shape: [3, 2], dtype: 'float32' });
    expect(describeSpace(env.observationSpace)).toBe('Box(-1000, 1000, (3, 2), float32)');
    const seen: Float32Array[] = [env.reset().obs as Float32Array];
    for (let i = 0; i < 4; i++) seen.push(env.step(0).obs as Float32Array);
    expect(seen.map(arr)).toEqual([
      [0, -0, 0, -0, 0, -0],
      [0, -0, 0, -0, 1, -1],
      [0, -0, 1, -1, 2, -2],
      [1, -1, 2, -2, 3, -3],
      [2, -2, 3, -3, 4, -4],
    ]);
    // Fresh arrays: earlier observations were not overwritten.
    expect(new Set(seen).size).toBe(5);
    // A second episode starts from its own reset frame.
    expect(arr(env.reset().obs)).toEqual([100, -100, 100, -100, 100, -100]);
    expect(arr(env.step(0).obs)).toEqual([100, -100, 100, -100, 101, -101]);
  });

  it("pads with the space's closest-to-zero frame for 'zero', or a given frame", () => {
    const shifted = fakeEnv({ observationSpace: box([1, -5], [10, -2]), obs: (t) => new Float32Array([1 + t, -2 - t]) });
    const zero = frameStack(shifted, 3, { padding: 'zero' });
    expect(arr(zero.reset().obs)).toEqual([1, -2, 1, -2, 1, -2]);
    expect(arr(zero.step(0).obs)).toEqual([1, -2, 1, -2, 2, -3]);
    const plain = frameStack(counter(), 2, { padding: 'zero' });
    plain.reset();
    expect(arr(plain.reset().obs)).toEqual([0, 0, 100, -100]);
    const custom = frameStack(counter(), 3, { padding: [7, 8] });
    expect(arr(custom.reset().obs)).toEqual([7, 8, 7, 8, 0, -0]);
  });

  it('keeps uint8 frames as Uint8Array and validates k and padding', () => {
    const env = frameStack(fakeEnv({ observationSpace: box(0, 255, [2], 'uint8'), obs: (t) => new Uint8Array([t, 255 - t]) }), 2);
    expect(env.reset().obs).toBeInstanceOf(Uint8Array);
    expect(arr(env.step(0).obs)).toEqual([0, 255, 1, 254]);
    expect(() => frameStack(counter(), 0)).toThrow(/frameStack\(Fake-v0\): k must be a positive integer, got 0/);
    expect(() => frameStack(counter(), 2.5)).toThrow(/k must be a positive integer, got 2.5/);
    expect(() => frameStack(counter(), 2, { padding: [5000, 0] })).toThrow(/frameStack\(Fake-v0\): padding frame .* is not in the observation space/);
    expect(() => frameStack(counter(), 2, { padding: 'zeros' as 'zero' })).toThrow(/padding must be 'reset', 'zero' or a frame/);
    expect(() => frameStack(fakeEnv({ observationSpace: discrete(4) }), 2)).toThrow(/frameStack\(Fake-v0\): needs a Box observation space, got Discrete\(4\)/);
  });

  it('passes checkEnv on CartPole', () => {
    expect(() => checkEnv(frameStack(make('CartPole-v1'), 4))).not.toThrow();
  });
});

// ---------------------------------------------------------------- DiscretizeObservation

describe('discretizeObservation', () => {
  const grid2d = () =>
    fakeEnv({
      observationSpace: box([0, -1], [1, 1]),
      obs: () => new Float32Array([0, 0]),
    });

  it('puts edge values in the bin above, and out-of-range values in the edge bins', () => {
    const env = discretizeObservation(grid2d(), { bins: [4, 2] });
    expect(env.observationSpace).toEqual(discrete(8));
    const grid = env.discretization;
    // Edges: dimension 0 at 0, .25, .5, .75, 1; dimension 1 at -1, 0, 1.
    const cases: [number[], number[], number][] = [
      [[0.25, 0], [1, 1], 3],
      [[0.5, -1], [2, 0], 4],
      [[0.75, 1], [3, 1], 7],
      [[1, 0.999], [3, 1], 7],
      [[0, -1], [0, 0], 0],
      [[0.2499, -0.0001], [0, 0], 0],
      [[-5, -2], [0, 0], 0],
      [[7, 5], [3, 1], 7],
      [[-Infinity, Infinity], [0, 1], 1],
    ];
    for (const [obs, tuple, index] of cases) {
      expect(arr(binTuple(grid, obs))).toEqual(tuple);
      expect(binIndex(grid, obs)).toBe(index);
    }
    expect(env.reset().obs).toBe(1); // [0, 0] -> bins (0, 1)
    expect(binBounds(grid, 5)).toEqual({ low: [0.5, 0], high: [0.75, 1] });
  });

  it('assigns every edge of an awkward grid to the bin it starts', () => {
    const grid = discretization(box(-0.07, 0.07, [1]), { bins: 7 });
    for (let j = 0; j < 7; j++) expect(binTuple(grid, [grid.edges[0]![j]!])[0]).toBe(j);
    expect(binTuple(grid, [0.07])[0]).toBe(6);
  });

  it('needs explicit bounds for unbounded dimensions, naming them and the env', () => {
    expect(() => discretizeObservation(make('CartPole-v1'), { bins: 6 })).toThrow(
      /discretizeObservation\(CartPole-v1\): discretizing needs finite bounds, but dimensions 1 \[-Infinity, Infinity\], 3 \[-Infinity, Infinity\] are unbounded; pass low and high/,
    );
    const bins = [3, 3, 6, 6];
    const env = discretizeObservation(make<Float32Array, number>('CartPole-v1'), { bins, low: [-2.4, -3, -0.21, -3.5], high: [2.4, 3, 0.21, 3.5] });
    expect(env.observationSpace).toEqual(discrete(3 * 3 * 6 * 6));
    expect(() => checkEnv(env)).not.toThrow();
    // The reset state is near 0 on every axis: the middle bins.
    const obs = env.reset({ seed: 0 }).obs;
    const raw = (env.unwrapped as unknown as { state: number[] }).state;
    expect(obs).toBe(binIndex(env.discretization, raw));
    expect(arr(binTuple(env.discretization, raw))).toEqual([1, 1, raw[2]! < 0 ? 2 : 3, raw[3]! < 0 ? 2 : 3]);
  });

  it('validates bins and bounds', () => {
    expect(() => discretizeObservation(grid2d(), { bins: [4] })).toThrow(/discretizeObservation\(Fake-v0\): bins has 1 entries but the observation space .* has 2 dimensions/);
    expect(() => discretizeObservation(grid2d(), { bins: 0 })).toThrow(/bins\[0\] must be a positive integer, got 0/);
    expect(() => discretizeObservation(grid2d(), { bins: 2, low: [1, 0], high: [1, 1] })).toThrow(/dimension 0: low \(1\) must be less than high \(1\)/);
    expect(() => discretizeObservation(fakeEnv({ observationSpace: discrete(3) }), { bins: 2 })).toThrow(/needs a Box observation space, got Discrete\(3\)/);
    const env = discretizeObservation(fakeEnv({ observationSpace: box(0, 1, [1]), obs: () => new Float32Array([NaN]) }), { bins: 2 });
    expect(() => env.reset()).toThrow(/discretizeObservation\(Fake-v0\): binIndex: observation component 0 is NaN/);
  });
});

// ---------------------------------------------------------------- composition

describe('every wrapper', () => {
  it('keeps unwrapped pointing at the base env and leaves spec intact', () => {
    const cart = make<Float32Array, number>('CartPole-v1');
    const continuous = fakeEnv({ actionSpace: box(-2, 2, [1]) });
    const wrapped: Env[] = [
      recordEpisodeStatistics(cart),
      normalizeObservation(cart),
      normalizeReward(cart),
      transformObservation(cart, (o) => o),
      transformReward(cart, (r) => r),
      flattenObservation(cart),
      frameStack(cart, 2),
      discretizeObservation(cart, { bins: 2, low: [-1, -1, -1, -1], high: [1, 1, 1, 1] }),
    ] as Env[];
    for (const w of wrapped) {
      expect(w.unwrapped).toBe(cart.unwrapped);
      expect(w.spec).toBe(cart.spec);
    }
    for (const w of [clipAction(continuous), rescaleAction(continuous, -1, 1)] as Env[]) {
      expect(w.unwrapped).toBe(continuous);
      expect(w.spec).toBe(continuous.spec);
    }
    const stack = normalizeReward(normalizeObservation(frameStack(recordEpisodeStatistics(cart), 4)));
    expect(stack.unwrapped).toBe(cart.unwrapped);
    expect(stack.spec).toEqual({ id: 'CartPole-v1', kwargs: { suttonBartoReward: false }, maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(stack.observationSpace).toMatchObject({ shape: [4, 4] });
    expect(stack.reset({ seed: 1 }).obs).toHaveLength(16);
  });
});
