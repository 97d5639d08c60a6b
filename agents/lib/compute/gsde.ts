// Generalized State-Dependent Exploration (gSDE; Raffin, Kober & Stulp 2021,
// "Smooth Exploration for Robotic Reinforcement Learning") for SAC's squashed
// Gaussian, as Stable-Baselines3 offers it (`use_sde`): the exploration noise
// is a linear function of the policy's last hidden features z(s),
//   eps(s) = z(s) theta,  theta [h, A] with theta_ij ~ N(0, sigma_ij^2),
// sigma = exp(logStd) a learned [h, A] matrix (initialized to logStdInit), so
// the same state gets the same noise until theta is drawn again. The action
// is a = tanh(mu(s) + eps(s)) with mu clipped to [-2, 2] (SB3's clip_mean),
// and its log-density uses the state-dependent variance
//   var_j(s) = sum_i z_i(s)^2 sigma_ij^2 + 1e-6,
//   log pi(a|s) = sum_j [ log N(u_j; mu_j, var_j) - log(1 - tanh(u_j)^2) ].
// Gradients reach sigma through theta = sigma * N(0, 1) (reparameterized) and
// through the variance, and the policy net through mu and through the
// features in the noise and the variance (SB3's SAC actor builds its gSDE
// distribution with learn_features=True).
//
// Graph side: gsdeHead and gsdeSquashed build those values from a
// unit-normal matrix fed in. Host side: SdeNoise holds the matrix theta the
// collection loop acts with, drawn at each rollout start and (sdeSampleFreq >
// 0) every sdeSampleFreq steps within a rollout, and saved with the agent.
import type { Rng } from '../../../core/rng.js';
import type { Graph, Sym } from './graph.js';
import { mlpForward } from './layers.js';

/** SB3's clip_mean for gSDE: mu in [-2, 2] (tanh(2) = 0.96), which keeps the squashed action off the flat ends. */
export const SDE_MEAN_CLIP = 2;
/** Added to the variance, as SB3 does, so that a state with features near 0 keeps a finite density. */
export const SDE_EPSILON = 1e-6;

/** The size of the features z(s): the last hidden layer's, or the observation's when there is none. */
export function sdeLatentDim(obsDim: number, hidden: readonly number[]): number {
  return hidden.length > 0 ? hidden[hidden.length - 1]! : obsDim;
}

/**
 * The gSDE actor's forward pass: `params` are an MLP's [W0, b0, ..., Wout, bout]
 * (sizes [obs, ...hidden, A]); the features are the activated last hidden
 * layer, the mean its linear output clipped to +-SDE_MEAN_CLIP.
 */
export function gsdeHead(g: Graph, params: readonly Sym[], x: Sym): { latent: Sym; mean: Sym } {
  const n = params.length;
  const latent = mlpForward(g, params.slice(0, n - 2), x, 'relu', true);
  const mean = g.clip(g.dense(latent, params[n - 2]!, params[n - 1]!), -SDE_MEAN_CLIP, SDE_MEAN_CLIP);
  return { latent, mean };
}

/**
 * The squashed gSDE action [rows, A] and its log-density [rows] (the formulas
 * above) from the mean [rows, A], the features [rows, h], the log-std matrix
 * [h, A] and a unit-normal matrix `unit` [h, A] (theta = exp(logStd) * unit).
 */
export function gsdeSquashed(g: Graph, mean: Sym, latent: Sym, logStd: Sym, unit: Sym): { action: Sym; logProb: Sym } {
  const z = latent;
  const std = g.exp(logStd);
  const noise = g.matmul(z, g.mul(std, unit));
  const variance = g.add(g.matmul(g.square(z), g.square(std)), SDE_EPSILON);
  const u = g.add(mean, noise);
  const gaussian = g.sub(g.sub(g.div(g.square(noise), g.mul(variance, -2)), g.mul(g.log(variance), 0.5)), 0.5 * Math.log(2 * Math.PI));
  // log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), exact where 1 - tanh^2 rounds to 0 (as sac-model.ts's squashedGaussian).
  const logDet = g.mul(g.sub(g.sub(Math.LN2, u), g.softplus(g.mul(u, -2))), 2);
  return { action: g.tanh(u), logProb: g.sum(g.sub(gaussian, logDet), [1]) };
}

/** What a checkpoint holds of the collection noise: the matrix theta (row-major [h, A], float64) and the steps taken since the rollout began. */
export interface SdeNoiseState {
  theta: number[];
  sinceRollout: number;
  /** Draws of theta so far (diagnostics and tests). */
  draws: number;
}

/** The exploration matrix theta the collection loop acts with, and when it is drawn again. */
export class SdeNoise {
  readonly theta: Float64Array;
  private sinceRollout = 0;
  draws = 0;

  constructor(
    readonly latentDim: number,
    readonly actionDim: number,
    /** Steps between draws within a rollout; <= 0: only at rollout starts. */
    readonly sampleFreq: number,
  ) {
    this.theta = new Float64Array(latentDim * actionDim);
  }

  /** theta_ij = exp(logStd_ij) * N(0, 1), drawn in row-major order from `rng`. */
  draw(rng: Rng, logStd: ArrayLike<number>): void {
    for (let i = 0; i < this.theta.length; i++) this.theta[i] = Math.exp(logStd[i]!) * rng.normal();
    this.draws += 1;
  }

  /**
   * Called before each collected step, as SB3's off-policy loop does: a new
   * theta at the start of a rollout and, with sampleFreq > 0, every sampleFreq
   * steps into it.
   */
  beforeStep(rng: Rng, logStd: ArrayLike<number>, rolloutStart: boolean): void {
    if (rolloutStart) this.sinceRollout = 0;
    if (rolloutStart || (this.sampleFreq > 0 && this.sinceRollout % this.sampleFreq === 0)) this.draw(rng, logStd);
    this.sinceRollout += 1;
  }

  /** tanh(mean + latent theta) into `out` (mean and latent of one state). */
  act(mean: ArrayLike<number>, latent: ArrayLike<number>, out: Float32Array): Float32Array {
    const a = this.actionDim;
    for (let j = 0; j < a; j++) {
      let e = 0;
      for (let i = 0; i < this.latentDim; i++) e += latent[i]! * this.theta[i * a + j]!;
      out[j] = Math.tanh(mean[j]! + e);
    }
    return out;
  }

  getState(): SdeNoiseState {
    return { theta: Array.from(this.theta), sinceRollout: this.sinceRollout, draws: this.draws };
  }

  setState(s: unknown): void {
    const st = s as Partial<SdeNoiseState> | undefined;
    if (!Array.isArray(st?.theta) || st.theta.length !== this.theta.length || !st.theta.every(Number.isFinite) || !Number.isInteger(st.sinceRollout) || !Number.isInteger(st.draws)) {
      throw new Error(`sac: agent.json's gSDE noise state must hold theta (${this.theta.length} finite numbers for [${this.latentDim}, ${this.actionDim}]), sinceRollout and draws (integers)`);
    }
    this.theta.set(st.theta);
    this.sinceRollout = st.sinceRollout!;
    this.draws = st.draws!;
  }
}

/**
 * SAC's gSDE policy on the actor's parameters [W0, b0, ..., Wout, bout, logStd]:
 * the head, then the squashed action and its log-density with theta = exp(logStd) * unit.
 */
export function gsdePolicy(g: Graph, params: readonly Sym[], x: Sym, unit: Sym): { mean: Sym; action: Sym; logProb: Sym } {
  const { latent, mean } = gsdeHead(g, params.slice(0, -1), x);
  return { mean, ...gsdeSquashed(g, mean, latent, params[params.length - 1]!, unit) };
}
