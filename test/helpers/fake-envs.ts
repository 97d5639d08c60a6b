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

/**
 * A 12x12 one-channel image with a bright 3x3 block in the left or the right
 * half; action 0 (left) or 1 (right) earns 1 when it names the block's side.
 * Episodes last 8 steps. A memoryless pixel task that a tiny CNN learns in a
 * few thousand steps.
 */
export class SideEnv implements Env<Uint8Array, number> {
  readonly spec: EnvSpec = { id: 'Side-v0', kwargs: {} };
  readonly observationSpace = box(0, 255, [12, 12, 1], 'uint8');
  readonly actionSpace = discrete(2);
  private rng: Rng | null = null;
  private side = 0;
  private t = 0;
  get unwrapped(): Env {
    return this as Env;
  }
  private draw(): Uint8Array {
    const rng = this.rng!;
    this.side = rng.integers(0, 2);
    const img = new Uint8Array(144);
    for (let i = 0; i < 144; i++) img[i] = rng.integers(0, 40); // background noise
    const x0 = this.side === 0 ? rng.integers(0, 4) : rng.integers(6, 10);
    const y0 = rng.integers(0, 10);
    for (let y = y0; y < y0 + 3; y++) for (let x = x0; x < x0 + 3; x++) img[y * 12 + x] = 250;
    return img;
  }
  reset(args: ResetArgs = {}) {
    this.rng = reseed(this.rng, args.seed);
    this.t = 0;
    return { obs: this.draw(), info: {} };
  }
  step(action: number) {
    const reward = action === this.side ? 1 : 0;
    this.t += 1;
    return { obs: this.draw(), reward, terminated: false, truncated: this.t >= 8, info: {} };
  }
  renderState() {
    return {};
  }
  close() {}
}

/**
 * An 8x8 one-channel image with a bright column at a seeded x in 0..7 over
 * background noise; the action, Box [-1, 1], should point at it: reward
 * -(a - (2 x / 7 - 1))^2. Episodes last 8 steps. The continuous-action
 * counterpart of SideEnv, for the cnn policies of DDPG, TD3 and SAC.
 */
export class PointerEnv implements Env<Uint8Array, Float32Array> {
  readonly spec: EnvSpec = { id: 'Pointer-v0', kwargs: {} };
  readonly observationSpace = box(0, 255, [8, 8, 1], 'uint8');
  readonly actionSpace = box(-1, 1, [1]);
  private rng: Rng | null = null;
  private target = 0;
  private t = 0;
  get unwrapped(): Env {
    return this as Env;
  }
  private draw(): Uint8Array {
    const rng = this.rng!;
    const x = rng.integers(0, 8);
    this.target = (2 * x) / 7 - 1;
    const img = new Uint8Array(64);
    for (let i = 0; i < 64; i++) img[i] = i % 8 === x ? 250 : rng.integers(0, 40);
    return img;
  }
  reset(args: ResetArgs = {}) {
    this.rng = reseed(this.rng, args.seed);
    this.t = 0;
    return { obs: this.draw(), info: {} };
  }
  step(action: Float32Array) {
    const reward = -((action[0]! - this.target) ** 2);
    this.t += 1;
    return { obs: this.draw(), reward, terminated: false, truncated: this.t >= 8, info: {} };
  }
  renderState() {
    return {};
  }
  close() {}
}

/**
 * The mean per-step reward of `act`'s deterministic actions over 64 steps of
 * PointerEnv (reset with seed 100). Pointing at random earns about -0.67 per
 * step (E(a - t)^2 for a, t uniform in [-1, 1]); pointing at 0, the best a
 * policy blind to the image can do, -0.43.
 */
export function pointerScore(act: (obs: Uint8Array) => Float32Array): number {
  const probe = new PointerEnv();
  let total = 0;
  let { obs } = probe.reset({ seed: 100 });
  for (let t = 0; t < 64; t++) {
    const r = probe.step(act(obs));
    total += r.reward;
    obs = r.truncated ? probe.reset().obs : r.obs;
  }
  return total / 64;
}

export { Rng };

/** SideEnv's spaces, for creating an agent without an env at hand. */
export const sideSpaces = () => {
  const env = new SideEnv();
  return { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
};
