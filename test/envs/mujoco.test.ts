// The MuJoCo envs' behaviour beyond the recorded data (test/envs/mujoco-conformance.test.ts checks that):
// the env checker, seeding, reset noise, the v5 kwargs and their validation, reset options, close and the
// freeing of wasm memory, renderState, and vector envs.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { checkEnv } from '../../core/checker.js';
import { jsonProblem } from '../../core/check-helpers.js';
import { EnvUsageError } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { sample } from '../../core/spaces.js';
import { makeVec } from '../../core/vector.js';
import { MUJOCO_ENV_IDS } from '../../envs/mujoco/index.js';
import { wasmMemoryBytes } from '../../envs/mujoco/wasm.js';
import type { MujocoEnv } from '../../envs/mujoco/index.js';

const sim = (env: { unwrapped: unknown }) => env.unwrapped as MujocoEnv;

describe('MuJoCo envs', () => {
  it('registers the eleven v5 envs', () => {
    expect(MUJOCO_ENV_IDS).toHaveLength(11);
  });

  it.each(MUJOCO_ENV_IDS)('%s passes checkEnv', (id) => {
    const env = make(id);
    expect(() => checkEnv(env, { steps: 60 })).not.toThrow();
    env.close();
  });

  it.each(MUJOCO_ENV_IDS)('%s repeats a seeded episode exactly and starts elsewhere for another seed', (id) => {
    const run = (seed: number) => {
      const env = make<Float32Array, Float32Array>(id, { maxEpisodeSteps: null });
      const trace = [Array.from(env.reset({ seed }).obs)];
      const rng = new Rng(5);
      for (let t = 0; t < 20; t++) {
        const out = env.step(sample(env.actionSpace, rng) as Float32Array);
        trace.push([...out.obs, out.reward]);
        if (out.terminated) break;
      }
      env.close();
      return trace;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(4)[0]).not.toEqual(run(3)[0]);
  });

  it('draws Hopper-v5 start states within resetNoiseScale of the reference state', () => {
    const env = make('Hopper-v5', { resetNoiseScale: 0.05 });
    const reference = [0, 1.25, 0, 0, 0, 0];
    for (let seed = 0; seed < 20; seed++) {
      env.reset({ seed });
      const { qpos, qvel } = sim(env).simulatorState();
      qpos.forEach((q, i) => expect(Math.abs(q - reference[i]!)).toBeLessThanOrEqual(0.05));
      qvel.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(0.05));
    }
    env.reset({ seed: 1 });
    const noisy = sim(env).simulatorState().qpos;
    expect(noisy.some((q, i) => q !== reference[i])).toBe(true);
    const still = make('Hopper-v5', { resetNoiseScale: 0 });
    still.reset({ seed: 1 });
    expect(sim(still).simulatorState().qpos).toEqual(reference);
  });

  it('draws Reacher targets inside the 0.2 disc and Pusher objects more than 0.17 from the goal', () => {
    const reacher = make('Reacher-v5');
    const pusher = make('Pusher-v5');
    for (let seed = 0; seed < 30; seed++) {
      reacher.reset({ seed });
      const q = sim(reacher).simulatorState().qpos;
      expect(Math.hypot(q[2]!, q[3]!)).toBeLessThan(0.2);
      expect(sim(reacher).simulatorState().qvel.slice(2)).toEqual([0, 0]);
      pusher.reset({ seed });
      const p = sim(pusher).simulatorState().qpos;
      expect(Math.hypot(p[7]!, p[8]!)).toBeGreaterThan(0.17);
      expect(p[7]).toBeLessThanOrEqual(0);
      expect(p.slice(9)).toEqual([0, 0]);
    }
  });

  it('applies the observation kwargs', () => {
    const full = make<Float32Array, Float32Array>('Hopper-v5', { excludeCurrentPositionsFromObservation: false });
    expect(full.observationSpace).toMatchObject({ shape: [12] });
    const obs = full.reset({ options: { qpos: [0.5, 1.25, 0, 0, 0, 0], qvel: [0, 0, 0, 0, 0, 0] } }).obs;
    expect(obs[0]).toBe(0.5);
    expect(make('Ant-v5', { includeCfrcExtInObservation: false }).observationSpace).toMatchObject({ shape: [27] });
    const bare = {
      includeCinertInObservation: false,
      includeCvelInObservation: false,
      includeQfrcActuatorInObservation: false,
      includeCfrcExtInObservation: false,
    };
    expect(make('Humanoid-v5', bare).observationSpace).toMatchObject({ shape: [45] });
    expect(make('HumanoidStandup-v5', { ...bare, excludeCurrentPositionsFromObservation: false }).observationSpace).toMatchObject({ shape: [47] });
    expect(make('Swimmer-v5', { excludeCurrentPositionsFromObservation: false }).observationSpace).toMatchObject({ shape: [10] });
  });

  it('applies the reward and health kwargs', () => {
    const fallen = { qpos: [0, 0.5, 0, 0, 0, 0], qvel: [0, 0, 0, 0, 0, 0] }; // below healthyZRange's 0.7
    const action = new Float32Array([0.5, -0.5, 0.25]);
    const hopper = make<Float32Array, Float32Array>('Hopper-v5');
    hopper.reset({ options: fallen });
    const ended = hopper.step(action);
    expect(ended.terminated).toBe(true);
    expect(ended.info.reward_survive).toBe(0);
    expect(ended.info.reward_ctrl).toBeCloseTo(-1e-3 * (0.25 + 0.25 + 0.0625), 9);
    const lenient = make<Float32Array, Float32Array>('Hopper-v5', { terminateWhenUnhealthy: false, healthyZRange: [0.2, null], ctrlCostWeight: 0.5 });
    lenient.reset({ options: fallen });
    const kept = lenient.step(action);
    expect(kept.terminated).toBe(false);
    expect(kept.info.reward_survive).toBe(1);
    expect(kept.info.reward_ctrl).toBeCloseTo(-0.5 * 0.5625, 6);
    expect(kept.reward).toBeCloseTo((kept.info.reward_forward as number) + 1 - 0.5 * 0.5625, 6);
  });

  it('rejects bad kwargs with the env, the argument and the value', () => {
    expect(() => make('Hopper-v5', { ctrlCostWeight: 'high' })).toThrow(/Hopper-v5: ctrlCostWeight must be a finite number, got "high"/);
    expect(() => make('Hopper-v5', { ctrlCostWeight: -1 })).toThrow(/ctrlCostWeight must be at least 0, got -1/);
    expect(() => make('Walker2d-v5', { healthyZRange: [2, 1] })).toThrow(/Walker2d-v5: healthyZRange must be \[low, high\] with low <= high/);
    expect(() => make('Walker2d-v5', { healthyZRange: 0.8 })).toThrow(/healthyZRange must be \[low, high\], two numbers/);
    expect(() => make('HalfCheetah-v5', { frameSkip: 0 })).toThrow(/frameSkip must be a positive integer, got 0/);
    expect(() => make('Ant-v5', { mainBody: 'tail' })).toThrow(/Ant-v5: the model has no body "tail"/);
    expect(() => make('Ant-v5', { mainBody: 99 })).toThrow(/mainBody 99 is not a body index/);
    expect(() => make('Humanoid-v5', { includeCvelInObservation: 1 })).toThrow(/includeCvelInObservation must be true or false, got 1/);
    expect(() => make('Reacher-v5', { xmlFile: 'arm.xml' })).toThrow(/unknown keyword argument "xmlFile"/);
  });

  it('frameSkip changes the time per step', () => {
    expect(sim(make('Hopper-v5', { frameSkip: 8 })).dt).toBeCloseTo(0.016, 12);
    expect(sim(make('Hopper-v5')).dt).toBeCloseTo(0.008, 12);
  });

  it('rejects bad reset options precisely', () => {
    const env = make('Hopper-v5');
    expect(() => env.reset({ options: { qpos: [0, 1.25, 0, 0, 0], qvel: [0, 0, 0, 0, 0, 0] } })).toThrow(
      /Hopper-v5: reset options.qpos must be an array of 6 numbers/,
    );
    expect(() => env.reset({ options: { qpos: [0, 1.25, 0, 0, 0, 0] } })).toThrow(/qpos and options.qvel must be given together/);
    expect(() => env.reset({ options: { qpos: [0, 1.25, 0, 0, 0, NaN], qvel: [0, 0, 0, 0, 0, 0] } })).toThrow(/options.qpos\[5\] must be a finite number/);
    expect(() => env.reset({ options: { qaccWarmstart: [0, 0, 0, 0, 0, 0] } })).toThrow(/qaccWarmstart needs options.qpos and options.qvel/);
    expect(() => env.reset({ options: { state: [0] } })).toThrow(/unknown reset option "state"; allowed: qpos, qvel, qaccWarmstart/);
  });

  it('frees its wasm memory on close and refuses to be used afterwards', () => {
    const env = make<Float32Array, Float32Array>('Humanoid-v5');
    env.reset({ seed: 0 });
    env.close();
    env.close(); // a second close is harmless
    expect(() => env.step(new Float32Array(17))).toThrow(EnvUsageError);
    expect(() => env.unwrapped.reset({ seed: 0 })).toThrow(/Humanoid-v5: reset\(\) called after close\(\)/);
    expect(() => env.unwrapped.renderState()).toThrow(/renderState\(\) called after close\(\)/);
    // A Humanoid's simulation data takes about 16 MB of wasm memory; 40 envs made and closed in turn reuse it
    // (without the freeing, the memory grows by about 650 MB).
    make('Humanoid-v5').close();
    const before = wasmMemoryBytes();
    for (let i = 0; i < 40; i++) make('Humanoid-v5').close();
    expect(wasmMemoryBytes() - before).toBeLessThan(16e6);
  });

  it('renders body poses and geoms as plain JSON', () => {
    const env = make<Float32Array, Float32Array>('Hopper-v5');
    env.reset({ seed: 0 });
    env.step(new Float32Array([1, 1, 1]));
    const state = env.renderState() as { bodyPos: number[]; bodyQuat: number[]; geoms: { type: string; body: number }[]; focusBody: number };
    expect(jsonProblem(state, 'renderState', new Set())).toBeNull();
    expect(state.bodyPos).toHaveLength(5 * 3);
    expect(state.bodyQuat).toHaveLength(5 * 4);
    expect(state.geoms.map((g) => g.type)).toEqual(['plane', 'capsule', 'capsule', 'capsule', 'capsule']);
    expect(state.geoms.map((g) => g.body)).toEqual([0, 1, 2, 3, 4]);
    expect(state.bodyPos.slice(5, 6)[0]).toBeCloseTo(sim(env).simulatorState().qpos[1]!, 1); // the torso's height
  });

  it('runs as a vector env', () => {
    const vec = makeVec('Hopper-v5', 3);
    const { obs } = vec.reset({ seed: 1 });
    expect(obs).toHaveLength(3 * 11);
    const rng = new Rng(2);
    for (let t = 0; t < 50; t++) {
      const actions = Array.from({ length: 3 }, () => Array.from(sample(vec.singleActionSpace, rng) as Float32Array));
      const out = vec.step(actions.flat());
      expect(out.rewards).toHaveLength(3);
    }
    vec.close();
  });
});
