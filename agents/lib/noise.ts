// Exploration noise added to a deterministic policy's actions (DDPG, TD3).
// Both kinds draw from an Rng passed to each `sample` call (the agent's own
// generator), so the noise object holds only its process state, which
// `getState` / `setState` save and restore exactly for checkpoints.
//
// - Gaussian: independent N(mean, sigma^2) each step (Fujimoto et al. 2018
//   found it as good as OU; CleanRL's and SB3's usual choice).
// - Ornstein-Uhlenbeck (Lillicrap et al. 2016, sec. 7), the Euler-Maruyama step
//   of dx = theta (mu - x) dt + sigma dW, as SB3's OrnsteinUhlenbeckActionNoise:
//     x_{t+1} = x_t + theta (mu - x_t) dt + sigma sqrt(dt) N(0, 1)
//   returned after the step; `reset` (at each episode start) puts x back to its
//   initial value. Temporally correlated noise (correlation 1 - theta dt per
//   step) drives momentum-heavy tasks such as MountainCar. Its stationary
//   variance is sigma^2 / (2 theta) for the continuous process; the discrete
//   recurrence has sigma^2 dt / (1 - (1 - theta dt)^2) = sigma^2 / (2 theta - theta^2 dt).
//
// Vectors have one entry per action dimension; `sample` writes into `out`.
import type { Rng } from '../../core/rng.js';

export type NoiseKind = 'gaussian' | 'ornstein-uhlenbeck';

export interface NoiseState {
  readonly kind: NoiseKind;
  /** The OU process value x (empty for Gaussian noise, which has no memory). */
  readonly x: number[];
}

export interface ActionNoise {
  readonly kind: NoiseKind;
  readonly dim: number;
  /** Writes the next noise vector into `out[0..dim)` and returns `out`. */
  sample(rng: Rng, out: Float64Array): Float64Array;
  /** Starts a new episode (OU: x back to its initial value). */
  reset(): void;
  getState(): NoiseState;
  setState(state: NoiseState): void;
}

function vector(name: string, v: number | ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(dim);
  if (typeof v === 'number') out.fill(v);
  else if (v.length === dim) out.set(Array.from(v));
  else throw new RangeError(`${name} has ${v.length} entries, the noise has ${dim} dimensions`);
  if (!out.every(Number.isFinite)) throw new RangeError(`${name} must be finite, got ${String(v)}`);
  return out;
}

function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`noise: dim must be a positive integer, got ${dim}`);
}

export class GaussianNoise implements ActionNoise {
  readonly kind = 'gaussian';
  private readonly mean: Float64Array;
  private readonly sigma: Float64Array;

  constructor(
    readonly dim: number,
    options: { mean?: number | ArrayLike<number>; sigma: number | ArrayLike<number> },
  ) {
    checkDim(dim);
    this.mean = vector('mean', options.mean ?? 0, dim);
    this.sigma = vector('sigma', options.sigma, dim);
    if (this.sigma.some((s) => s < 0)) throw new RangeError(`GaussianNoise: sigma must be >= 0, got ${String(options.sigma)}`);
  }

  sample(rng: Rng, out: Float64Array): Float64Array {
    for (let i = 0; i < this.dim; i++) out[i] = this.mean[i]! + this.sigma[i]! * rng.normal();
    return out;
  }

  reset(): void {}

  getState(): NoiseState {
    return { kind: this.kind, x: [] };
  }

  setState(state: NoiseState): void {
    if (state?.kind !== this.kind) throw new TypeError(`GaussianNoise.setState: got a ${String(state?.kind)} state`);
  }
}

export class OrnsteinUhlenbeckNoise implements ActionNoise {
  readonly kind = 'ornstein-uhlenbeck';
  readonly theta: number;
  readonly dt: number;
  private readonly mu: Float64Array;
  private readonly sigma: Float64Array;
  private readonly initial: Float64Array;
  /** The process value, returned by the last `sample`. */
  private readonly x: Float64Array;

  constructor(
    readonly dim: number,
    options: { sigma: number | ArrayLike<number>; mean?: number | ArrayLike<number>; theta?: number; dt?: number; initial?: number | ArrayLike<number> },
  ) {
    checkDim(dim);
    this.theta = options.theta ?? 0.15;
    this.dt = options.dt ?? 1e-2;
    if (!(this.theta > 0 && Number.isFinite(this.theta))) throw new RangeError(`OrnsteinUhlenbeckNoise: theta must be > 0, got ${this.theta}`);
    if (!(this.dt > 0 && this.theta * this.dt < 2)) throw new RangeError(`OrnsteinUhlenbeckNoise: dt must be > 0 with theta * dt < 2 (a stable recurrence), got dt ${this.dt}`);
    this.mu = vector('mean', options.mean ?? 0, dim);
    this.sigma = vector('sigma', options.sigma, dim);
    if (this.sigma.some((s) => s < 0)) throw new RangeError(`OrnsteinUhlenbeckNoise: sigma must be >= 0, got ${String(options.sigma)}`);
    this.initial = vector('initial', options.initial ?? 0, dim);
    this.x = Float64Array.from(this.initial);
  }

  sample(rng: Rng, out: Float64Array): Float64Array {
    const sqrtDt = Math.sqrt(this.dt);
    for (let i = 0; i < this.dim; i++) {
      const x = this.x[i]!;
      this.x[i] = x + this.theta * (this.mu[i]! - x) * this.dt + this.sigma[i]! * sqrtDt * rng.normal();
      out[i] = this.x[i]!;
    }
    return out;
  }

  reset(): void {
    this.x.set(this.initial);
  }

  getState(): NoiseState {
    return { kind: this.kind, x: Array.from(this.x) };
  }

  setState(state: NoiseState): void {
    if (state?.kind !== this.kind || state.x?.length !== this.dim) {
      throw new TypeError(`OrnsteinUhlenbeckNoise.setState: expected an ornstein-uhlenbeck state of ${this.dim} values, got ${JSON.stringify(state)}`);
    }
    this.x.set(state.x);
  }
}

/** Stationary variance of the discrete OU recurrence: sigma^2 dt / (1 - (1 - theta dt)^2); tends to sigma^2 / (2 theta) as dt -> 0. */
export function ouStationaryVariance(theta: number, sigma: number, dt: number): number {
  const rho = 1 - theta * dt;
  return (sigma * sigma * dt) / (1 - rho * rho);
}

/** The noise of `kind` with the same sigma on every dimension (OU with its theta and dt). */
export function makeNoise(kind: NoiseKind, dim: number, sigma: number, ou: { theta?: number; dt?: number } = {}): ActionNoise {
  return kind === 'gaussian' ? new GaussianNoise(dim, { sigma }) : new OrnsteinUhlenbeckNoise(dim, { sigma, ...ou });
}
