import { afterEach, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { EnvUsageError } from '../../core/env.js';
import { envRegistration, listEnvs, make, register, unregister, UnknownEnvError } from '../../core/registry.js';
import { CountdownEnv } from '../helpers/fake-envs.js';

const temporary: string[] = [];
function registerTemp(id: string, options: Parameters<typeof register>[2] = {}) {
  register(id, (kwargs, spec) => new CountdownEnv(spec), options);
  temporary.push(id);
}
afterEach(() => {
  for (const id of temporary.splice(0)) unregister(id);
});

describe('registry', () => {
  it('lists the built-in envs with Gymnasium limits and thresholds', () => {
    const cartpole = listEnvs().find((r) => r.id === 'CartPole-v1');
    expect(cartpole).toMatchObject({ maxEpisodeSteps: 500, rewardThreshold: 475 });
  });

  it('rejects malformed and duplicate ids', () => {
    expect(() => register('bad id!', () => new CountdownEnv())).toThrow(/malformed env id "bad id!"/);
    registerTemp('Countdown-v0');
    expect(() => register('Countdown-v0', () => new CountdownEnv())).toThrow(/already registered/);
  });

  it('unknown ids fail with the versions available or the closest ids', () => {
    expect(() => make('CartPole-v0')).toThrow(UnknownEnvError);
    expect(() => make('CartPole-v0')).toThrow(/"CartPole-v0" is not registered; available versions: CartPole-v1/);
    expect(() => make('CartPol-v1')).toThrow(/did you mean CartPole-v1/);
    expect(() => make('cartpole-v1')).toThrow(/did you mean CartPole-v1/);
    expect(() => make('Zzzzzzzzzzzzzzzzzz-v9')).toThrow(/registered envs: .*CartPole-v1/);
  });

  it('make applies the registered time limit, an override, or none', () => {
    registerTemp('Countdown-v0', { maxEpisodeSteps: 2, rewardThreshold: 3 });
    const env = make('Countdown-v0');
    expect(env.spec).toMatchObject({ id: 'Countdown-v0', maxEpisodeSteps: 2, rewardThreshold: 3 });
    env.reset({ seed: 0 });
    expect(env.step(0).truncated).toBe(false);
    const last = env.step(0);
    expect(last).toMatchObject({ truncated: true, terminated: false });

    const longer = make('Countdown-v0', { maxEpisodeSteps: 100 });
    expect(longer.spec.maxEpisodeSteps).toBe(100);
    const none = make('Countdown-v0', { maxEpisodeSteps: null });
    expect(none.spec.maxEpisodeSteps).toBeUndefined();
    expect(() => make('Countdown-v0', { maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be a positive integer or null, got 0/);
  });

  it('passes kwargs over the defaults and rejects unknown ones', () => {
    const env = make('CartPole-v1', { suttonBartoReward: true });
    expect(env.spec.kwargs).toEqual({ suttonBartoReward: true });
    env.reset({ seed: 1 });
    expect(env.step(0).reward).toBe(0);
    expect(() => make('CartPole-v1', { sutton_barto_reward: true })).toThrow(/unknown keyword argument "sutton_barto_reward" \(did you mean suttonBartoReward\?\); allowed: suttonBartoReward/);
  });

  it('options that are not an object of keyword arguments are an error naming them', () => {
    for (const bad of [null, 5, 'maxEpisodeSteps', [1]]) {
      expect(() => make('CartPole-v1', bad as never)).toThrow(TypeError);
      expect(() => make('CartPole-v1', bad as never)).toThrow(/^make\("CartPole-v1"\): options must be an object of keyword arguments/);
    }
    expect(make('CartPole-v1', undefined).spec.maxEpisodeSteps).toBe(500);
  });

  it('envRegistration returns the entry', () => {
    expect(envRegistration('CartPole-v1').kernel).toBeTypeOf('function');
  });
});

describe('make enforces the order of calls and the action space', () => {
  it('stepping before reset throws', () => {
    const env = make('CartPole-v1');
    expect(() => env.step(0)).toThrow(EnvUsageError);
    expect(() => env.step(0)).toThrow(/CartPole-v1: step\(\) called before reset\(\)/);
  });

  it('stepping after termination or truncation throws until reset', () => {
    const env = make('CartPole-v1', { maxEpisodeSteps: 3 });
    env.reset({ seed: 0 });
    env.step(0);
    env.step(0);
    expect(env.step(0).truncated).toBe(true);
    expect(() => env.step(0)).toThrow(/after the episode ended/);
    env.reset();
    let r = env.step(1);
    while (!r.terminated && !r.truncated) r = env.step(1);
    expect(() => env.step(1)).toThrow(/after the episode ended/);
  });

  it('an action outside the space names the action and the space', () => {
    const env = make('CartPole-v1');
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow(/CartPole-v1: action 2 is not in the action space Discrete\(2\)/);
    expect(() => env.step(0.5)).toThrow(/action 0.5/);
    expect(() => env.step('1' as unknown as number)).toThrow(/action "1"/);
    // A rejected action does not end or corrupt the episode.
    expect(env.step(1).terminated).toBe(false);
  });

  it('stepping after close() throws until a new reset(); closing twice does not', () => {
    const env = make('CartPole-v1');
    env.reset({ seed: 0 });
    env.step(0);
    env.close();
    expect(() => env.step(0)).toThrow(EnvUsageError);
    expect(() => env.step(0)).toThrow('CartPole-v1: step() called after close(); call reset() first if the env is to be used again');
    expect(() => env.close()).not.toThrow();
    env.reset({ seed: 0 });
    expect(env.step(0).terminated).toBe(false);
  });

  it('unwrapped reaches the raw env through every wrapper', () => {
    const env = make('CartPole-v1');
    expect(env.unwrapped).not.toBe(env);
    expect(env.unwrapped.unwrapped).toBe(env.unwrapped);
  });
});
