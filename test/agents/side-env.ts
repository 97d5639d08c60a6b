// A tiny pixel task for the cnn policy's tests: a 12x12 one-channel image
// with a bright block on one side, and an action naming the side.
import type { Env, EnvSpec, ResetArgs } from '../../core/env.js';
import { reseed } from '../../core/rng.js';
import type { Rng as RngType } from '../../core/rng.js';
import { box, discrete } from '../../core/spaces.js';

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
  private rng: RngType | null = null;
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

export const sideSpaces = () => {
  const env = new SideEnv();
  return { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
};
