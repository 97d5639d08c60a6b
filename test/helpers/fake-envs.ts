// Small hand-built envs for tests: their behaviour is obvious from the code,
// so tests can assert exact numbers.
import type { Env, EnvSpec, ResetArgs } from '../../core/env.js';
import { Rng, reseed } from '../../core/rng.js';
import { box, discrete } from '../../core/spaces.js';

/**
 * Counts down from a seeded start in {3, 4, 5}: obs [remaining], action
 * Discrete(2), reward = action + 1 (so returns are checkable), terminated when
 * remaining reaches 0.
 */
export class CountdownEnv implements Env<Float32Array, number> {
  readonly observationSpace = box(0, 10, [1]);
  readonly actionSpace = discrete(2);
  private rng: Rng | null = null;
  private remaining = 0;
  closed = 0;

  constructor(readonly spec: EnvSpec = { id: 'Countdown-v0', kwargs: {} }) {}

  get unwrapped(): Env {
    return this as Env;
  }

  reset(args: ResetArgs = {}) {
    this.rng = reseed(this.rng, args.seed);
    this.remaining = this.rng.integers(3, 6);
    return { obs: new Float32Array([this.remaining]), info: { start: this.remaining } };
  }

  step(action: number) {
    this.remaining -= 1;
    return {
      obs: new Float32Array([this.remaining]),
      reward: action + 1,
      terminated: this.remaining === 0,
      truncated: false,
      info: {},
    };
  }

  renderState() {
    return { remaining: this.remaining };
  }

  close() {
    this.closed += 1;
  }
}

/** Returns a copy of CountdownEnv with one method replaced, to make broken envs. */
export function brokenCountdown(overrides: Partial<Record<keyof Env, unknown>>): Env {
  const env = new CountdownEnv({ id: 'Broken-v0', kwargs: {} });
  for (const [k, v] of Object.entries(overrides)) Object.defineProperty(env, k, { value: v, configurable: true });
  return env as unknown as Env;
}

export { Rng };
