import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { checkEnv, EnvCheckError } from '../../core/checker.js';
import { listEnvs, make } from '../../core/registry.js';
import { box } from '../../core/spaces.js';
import { brokenCountdown, CountdownEnv } from '../helpers/fake-envs.js';

describe('checkEnv passes every registered env', () => {
  const ids = listEnvs().map((r) => r.id);
  for (const id of ids) {
    it(id, () => {
      expect(() => checkEnv(make(id))).not.toThrow();
    });
  }
  it('and a well-behaved hand-written env', () => {
    expect(checkEnv(new CountdownEnv()).warnings).toEqual([]);
  });
});

/** The problems checkEnv reports for `env` (fails the test if it reports none). */
function problemsOf(env: Parameters<typeof checkEnv>[0]): string {
  try {
    checkEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(EnvCheckError);
    return (e as EnvCheckError).problems.join('\n');
  }
  throw new Error('checkEnv accepted a broken env');
}

describe('checkEnv catches broken envs', () => {
  it('an observation outside the observation space', () => {
    const env = brokenCountdown({ observationSpace: box(0, 2, [1]) });
    expect(problemsOf(env)).toMatch(/observation Float32Array\[\d\] is not in the observation space Box\(0, 2, \(1,\), float32\)/);
  });

  it('a non-finite reward and non-boolean flags', () => {
    const base = new CountdownEnv();
    const env = brokenCountdown({
      step: (a: number) => ({ ...base.step(a), reward: Number.NaN, terminated: 0 }),
      reset: (args: object) => base.reset(args),
    });
    const problems = problemsOf(env);
    expect(problems).toMatch(/reward NaN is not a finite number/);
    expect(problems).toMatch(/terminated is 0, not a boolean/);
  });

  it('a seeded reset that is not deterministic', () => {
    let calls = 0;
    const env = brokenCountdown({
      reset: () => ({ obs: new Float32Array([3 + (calls++ % 2)]), info: {} }),
    });
    expect(problemsOf(env)).toMatch(/reset\(\{ seed: 123 \}\) twice gave different observations/);
  });

  it('steps that depend on something other than the seed and the actions', () => {
    const base = new CountdownEnv();
    let calls = 0;
    const env = brokenCountdown({
      reset: (args: object) => base.reset(args),
      step: (a: number) => ({ ...base.step(a), reward: calls++ < 400 ? 1 : 2 }),
    });
    expect(problemsOf(env)).toMatch(/not deterministic: with seed 123 and the same actions, step \d+ gave reward\/flags/);
  });

  it('a renderState that JSON cannot hold', () => {
    expect(problemsOf(brokenCountdown({ renderState: () => ({ pose: new Float32Array(3) }) }))).toMatch(/renderState\(\)\.pose is a Float32Array; use a plain array/);
    expect(problemsOf(brokenCountdown({ renderState: () => ({ x: Infinity }) }))).toMatch(/renderState\(\)\.x is Infinity/);
  });

  it('a close() that cannot be called twice', () => {
    let closed = false;
    const env = brokenCountdown({
      close: () => {
        if (closed) throw new Error('already closed');
        closed = true;
      },
    });
    expect(problemsOf(env)).toMatch(/close\(\) twice threw: already closed/);
  });

  it('an invalid space', () => {
    const env = brokenCountdown({ actionSpace: { type: 'discrete', n: -1, start: 0 } });
    expect(problemsOf(env)).toMatch(/actionSpace is not a valid space: Discrete: n must be an integer >= 1, got -1/);
  });
});
