import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { checkEnv } from '../../core/checker.js';
import type { Env, EnvSpec, Info, ResetArgs } from '../../core/env.js';
import { make } from '../../core/registry.js';
import type { Space } from '../../core/spaces.js';
import { box, contains, describeSpace, discrete } from '../../core/spaces.js';
import { frameSkip, frameStack, grayscaleObservation, resizeObservation } from '../../core/wrappers/index.js';
import { applyWrappers, checkWrapperArgs } from '../../experiments/config-wrappers.js';

interface ScriptedStep {
  reward?: number;
  terminated?: boolean;
  truncated?: boolean;
}

/** An env whose observations (by step count and episode) and step results come from its options; it records the actions it gets. */
function scriptedEnv<O>(observationSpace: Space, obs: (t: number, episode: number) => O, script: ScriptedStep[] = []) {
  const spec: EnvSpec = { id: 'Scripted-v0', kwargs: {} };
  let t = 0;
  let episode = -1;
  let index = 0;
  const env = {
    spec,
    observationSpace,
    actionSpace: discrete(3),
    get unwrapped(): Env {
      return env as unknown as Env;
    },
    actions: [] as unknown[],
    reset(_args?: ResetArgs) {
      t = 0;
      episode += 1;
      return { obs: obs(t, episode), info: {} as Info };
    },
    step(action: unknown) {
      env.actions.push(action);
      t += 1;
      const s = script[index++] ?? {};
      return { obs: obs(t, episode), reward: s.reward ?? 1, terminated: s.terminated ?? false, truncated: s.truncated ?? false, info: { t } as Info };
    },
    renderState: () => ({ t }),
    close: () => {},
  };
  return env;
}

const arr = (x: unknown): number[] => Array.from(x as ArrayLike<number>);

// ---------------------------------------------------------------- grayscale

describe('grayscaleObservation', () => {
  const rgb = box(0, 255, [2, 2, 3], 'uint8');
  // pixels: red, green, blue, white
  const image = () => Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);

  it("weighs the channels as Gymnasium (0.2125 R + 0.7154 G + 0.0721 B, truncated) into [H, W, 1]", () => {
    const env = grayscaleObservation(scriptedEnv(rgb, image));
    expect(describeSpace(env.observationSpace)).toBe('Box(0, 255, (2, 2, 1), uint8)');
    const { obs } = env.reset();
    expect(obs).toBeInstanceOf(Uint8Array);
    expect(arr(obs)).toEqual([54, 182, 18, 255]);
    expect(arr(env.step(0).obs)).toEqual([54, 182, 18, 255]);
    expect(describeSpace(grayscaleObservation(scriptedEnv(rgb, image), { keepDim: false }).observationSpace)).toBe('Box(0, 255, (2, 2), uint8)');
  });

  it('rejects spaces that are not RGB images', () => {
    expect(() => grayscaleObservation(scriptedEnv(box(0, 1, [4]), () => new Float32Array(4)))).toThrow(
      /grayscaleObservation\(Scripted-v0\): needs an RGB image observation, a uint8 Box of shape \[H, W, 3\], got Box\(0, 1, \(4,\), float32\)/,
    );
    expect(() => grayscaleObservation(scriptedEnv(box(0, 255, [2, 2, 1], 'uint8'), () => new Uint8Array(4)))).toThrow(/needs an RGB image/);
  });
});

// ---------------------------------------------------------------- resize

describe('resizeObservation', () => {
  it('averages areas: exact for integer factors, fractional weights otherwise', () => {
    // 4x4 one channel, values 0..15 row-major
    const env = resizeObservation(scriptedEnv(box(0, 255, [4, 4, 1], 'uint8'), () => Uint8Array.from({ length: 16 }, (_, i) => i * 10)), [2, 2]);
    expect(describeSpace(env.observationSpace)).toBe('Box(0, 255, (2, 2, 1), uint8)');
    // top-left 2x2: 0, 10, 40, 50 -> 25
    expect(arr(env.reset().obs)).toEqual([25, 45, 105, 125]);
    // 3 -> 2 on one row: cells cover [0, 1.5) and [1.5, 3): (a + b/2) / 1.5 and (b/2 + c) / 1.5
    const row = resizeObservation(scriptedEnv(box(0, 255, [1, 3], 'uint8'), () => Uint8Array.from([0, 90, 180])), [1, 2]);
    expect(describeSpace(row.observationSpace)).toBe('Box(0, 255, (1, 2), uint8)');
    expect(arr(row.reset().obs)).toEqual([30, 150]);
    // channels stay apart
    const two = resizeObservation(scriptedEnv(box(0, 255, [2, 2, 2], 'uint8'), () => Uint8Array.from([0, 100, 10, 100, 20, 100, 30, 100])), [1, 1]);
    expect(arr(two.reset().obs)).toEqual([15, 100]);
  });

  it('rejects bad shapes and non-image spaces', () => {
    const env = () => scriptedEnv(box(0, 255, [4, 4, 1], 'uint8'), () => new Uint8Array(16));
    expect(() => resizeObservation(env(), [0, 2])).toThrow(/shape must be \[height, width\], two positive integers, got \[0,2\]/);
    expect(() => resizeObservation(scriptedEnv(box(0, 1, [4]), () => new Float32Array(4)), [2, 2])).toThrow(/needs an image observation/);
  });
});

// ---------------------------------------------------------------- frame skip

describe('frameSkip', () => {
  const counter = (script: ScriptedStep[] = []) => scriptedEnv(box(0, 1000, [1]), (t) => new Float32Array([t]), script);

  it('repeats the action k times, sums the rewards and returns the last observation and info', () => {
    const inner = counter([{ reward: 1 }, { reward: 2 }, { reward: 3 }, { reward: 4 }, { reward: 5 }, { reward: 6 }]);
    const env = frameSkip(inner, 3);
    expect(arr(env.reset().obs)).toEqual([0]);
    const r = env.step(2);
    expect(r).toMatchObject({ reward: 6, terminated: false, truncated: false, info: { t: 3 } });
    expect(arr(r.obs)).toEqual([3]);
    expect(env.step(1).reward).toBe(15);
    expect(inner.actions).toEqual([2, 2, 2, 1, 1, 1]);
  });

  it('stops at the step that ends the episode and returns its flags', () => {
    const inner = counter([{ reward: 1 }, { reward: 2, terminated: true }, { reward: 5 }, { reward: 7, truncated: true }]);
    const env = frameSkip(inner, 4);
    env.reset();
    expect(env.step(0)).toMatchObject({ reward: 3, terminated: true, truncated: false, info: { t: 2 } });
    env.reset();
    expect(env.step(0)).toMatchObject({ reward: 12, terminated: false, truncated: true, info: { t: 2 } });
    expect(inner.actions).toHaveLength(4);
    expect(() => frameSkip(counter(), 0)).toThrow(/frameSkip\(Scripted-v0\): k must be a positive integer, got 0/);
  });

  it('on CarRacing: a 1000-frame limit ends after 250 agent steps with k = 4', () => {
    const env = frameSkip(make('CarRacingFeatures-v3'), 4);
    env.reset({ seed: 0 });
    let steps = 0;
    for (;;) {
      steps += 1;
      const r = env.step(new Float32Array([0, 0, 0]));
      if (r.terminated || r.truncated) {
        expect(r.truncated).toBe(true);
        break;
      }
    }
    expect(steps).toBe(250);
  }, 30_000);
});

// ---------------------------------------------------------------- frame stack over channels

describe('frameStack with channelsLast', () => {
  // 2x1 image with 2 channels: pixel p channel c of frame t holds 100 t + 10 p + c
  const images = () => scriptedEnv(box(0, 255, [2, 1, 2], 'uint8'), (t) => Uint8Array.from([100 * t, 100 * t + 1, 100 * t + 10, 100 * t + 11].map((v) => v % 256)));

  it('stacks along the last axis, oldest first within each pixel', () => {
    const env = frameStack(images(), 3, { channelsLast: true });
    expect(describeSpace(env.observationSpace)).toBe('Box(0, 255, (2, 1, 6), uint8)');
    const r0 = env.reset().obs;
    expect(r0).toBeInstanceOf(Uint8Array);
    expect(arr(r0)).toEqual([0, 1, 0, 1, 0, 1, 10, 11, 10, 11, 10, 11]);
    env.step(0);
    const r2 = env.step(0).obs;
    // frames 0, 1, 2
    expect(arr(r2)).toEqual([0, 1, 100, 101, 200, 201, 10, 11, 110, 111, 210, 211]);
    const r3 = env.step(0).obs; // frames 1, 2, 3 (300 wraps to 44 in uint8)
    expect(arr(r3)).toEqual([100, 101, 200, 201, 44, 45, 110, 111, 210, 211, 54, 55]);
    expect(contains(env.observationSpace, r3)).toBe(true);
  });

  it('is the same data as the default layout, transposed', () => {
    const a = frameStack(images(), 4);
    const b = frameStack(images(), 4, { channelsLast: true });
    a.reset();
    b.reset();
    for (let i = 0; i < 6; i++) {
      const x = arr(a.step(0).obs); // [k, 2, 1, 2]
      const y = arr(b.step(0).obs); // [2, 1, 4 * 2]
      for (let j = 0; j < 4; j++) for (let p = 0; p < 2; p++) for (let c = 0; c < 2; c++) expect(y[(p * 4 + j) * 2 + c]).toBe(x[(j * 2 + p) * 2 + c]);
    }
    // a 1-D Box: channelsLast concatenates the frames
    const flat = frameStack(scriptedEnv(box(-5, [5, 6]), (t) => new Float32Array([t, -t])), 2, { channelsLast: true });
    expect(describeSpace(flat.observationSpace)).toBe('Box(-5, [5, 6, 5, 6], (4,), float32)');
  });
});

// ---------------------------------------------------------------- the pixel pipeline

describe('CarRacing pixel pipeline', () => {
  const wrappers = [
    { name: 'frameSkip', args: { k: 2 } },
    { name: 'grayscaleObservation', args: {} },
    { name: 'resizeObservation', args: { shape: [48, 48] } },
    { name: 'frameStack', args: { k: 4, channelsLast: true } },
  ];

  it('experiment configs can name the wrappers; the result passes checkEnv', () => {
    expect(checkWrapperArgs('resizeObservation', { shape: [48] })).not.toEqual([]);
    expect(checkWrapperArgs('frameSkip', { k: 0 })).toEqual([{ path: 'k', message: 'must be >= 1, got 0' }]);
    expect(checkWrapperArgs('grayscaleObservation', { keepDim: 'yes' })).toEqual([{ path: 'keepDim', message: 'expected true or false, got "yes"' }]);
    const env = applyWrappers(make('CarRacing-v3'), wrappers);
    expect(describeSpace(env.observationSpace)).toBe('Box(0, 255, (48, 48, 4), uint8)');
    expect(checkEnv(env, { seed: 3 }).warnings).toEqual([]);
    const { obs } = env.reset({ seed: 1 });
    expect(contains(env.observationSpace, obs)).toBe(true);
    // grass and road differ in grey: the picture is not flat
    const values = new Set(arr(obs));
    expect(values.size).toBeGreaterThan(5);
    env.close();
  }, 60_000);
});
