// NormalizeObservation: centres and scales each observation component by the
// running mean and variance of the observations seen so far,
// (obs - mean) / sqrt(var + epsilon), so that learners see values of order
// one whatever the env's units. Turn `updateRunningMean` off to evaluate with
// frozen statistics; `obsRms.getState()` / `obsRms.setState()` save and
// restore them with a checkpoint (an agent evaluated without its training
// statistics sees different inputs).
//
// Gymnasium 1.x semantics: the statistics start at mean 0, variance 1 with a
// pseudo-count of 1e-4 and are updated with every observation, reset
// observations included; outputs are float32; the observation space becomes
// Box(-inf, inf) of the same shape, float32. Difference: the statistics are
// kept in float64 (Gymnasium keeps them in the observation dtype, float32).
import type { Env } from '../env.js';
import { EnvUsageError } from '../env.js';
import { RunningMeanStd } from '../running-stats.js';
import { checkEpsilon, updateSwitch } from './normalize-controls.js';
import { box, describeSpace } from '../spaces.js';
import { mapObservations } from './transform-observation.js';

export interface NormalizeObservationOptions {
  /** Added to the variance under the square root, to keep the division finite (default 1e-8). */
  epsilon?: number;
  /** Whether observations update the statistics at first (default true). */
  update?: boolean;
}

export interface NormalizeObservationControls {
  /** Whether new observations update the statistics; set false for evaluation. */
  updateRunningMean: boolean;
  /** The running statistics (getState/setState for checkpoints). */
  readonly obsRms: RunningMeanStd;
}

export function normalizeObservation<A>(
  env: Env<unknown, A>,
  options: NormalizeObservationOptions = {},
): Env<Float32Array, A> & NormalizeObservationControls {
  const where = `normalizeObservation(${env.spec.id})`;
  const epsilon = options.epsilon ?? 1e-8;
  const inner = env.observationSpace;
  if (inner.type !== 'box') throw new TypeError(`${where}: needs a Box observation space, got ${describeSpace(inner)}`);
  checkEpsilon(where, epsilon);
  const update = updateSwitch(where, options.update);
  const n = inner.low.length;
  const rms = new RunningMeanStd(n);

  const normalize = (obs: unknown): Float32Array => {
    const x = obs as ArrayLike<number>;
    if (x?.length !== n) throw new EnvUsageError(`${where}: expected an observation of ${n} values, got ${x?.length ?? String(obs)}`);
    if (update.on()) rms.update(x, 1);
    const out = new Float32Array(n);
    const mean = rms.mean;
    const variance = rms.var;
    for (let i = 0; i < n; i++) out[i] = (x[i]! - mean[i]!) / Math.sqrt(variance[i]! + epsilon);
    return out;
  };

  const wrapped = mapObservations<unknown, Float32Array, A>(env, normalize, box(-Infinity, Infinity, inner.shape, 'float32'));
  return Object.defineProperties(wrapped, {
    updateRunningMean: update.property,
    obsRms: { value: rms, enumerable: true },
  }) as Env<Float32Array, A> & NormalizeObservationControls;
}
