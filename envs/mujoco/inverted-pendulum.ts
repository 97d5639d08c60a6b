/**
 * InvertedPendulum-v5: balance a pole on a cart that a motor pushes along a
 * rail, with Gymnasium v5's semantics.
 *
 * Observation: Box(4,): cart position, pole angle, cart velocity, pole angular velocity.
 * Action: Box(-3, 3, (1,)): the force on the cart.
 * Reward: 1 per step while the pole stands (`info.reward_survive`), 0 on the
 *   step it falls.
 * Terminates when the pole angle leaves [-0.2, 0.2] rad or a state value is
 *   not finite; truncated at 1000 steps.
 * Start: the reference state, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { MujocoEnv, ObservationWriter, uniformNoise } from './base.js';
import { numberKwarg, positiveIntegerKwarg } from './kwargs.js';
import type { Kwargs } from './kwargs.js';
import { INVERTED_PENDULUM_XML } from './models/inverted-pendulum.js';

export const INVERTED_PENDULUM_KWARGS = { frameSkip: 2, resetNoiseScale: 0.01 };

const MAX_ANGLE = 0.2; // rad

export class InvertedPendulumEnv extends MujocoEnv {
  private readonly resetNoiseScale: number;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const resetNoiseScale = numberKwarg(spec.id, kwargs, 'resetNoiseScale', { min: 0 });
    super(spec, INVERTED_PENDULUM_XML, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.resetNoiseScale = resetNoiseScale;
    this.setObservationDim(this.nq + this.nv);
  }

  protected observe(): Float32Array {
    return new ObservationWriter(new Float32Array(this.observationDim))
      .put(this.data.qpos as Float64Array)
      .put(this.data.qvel as Float64Array)
      .done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.resetNoiseScale);
    uniformNoise(rng, qvel, this.resetNoiseScale);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    this.simulate(action);
    const qpos = this.data.qpos as Float64Array;
    const qvel = this.data.qvel as Float64Array;
    const finite = [...qpos, ...qvel].every(Number.isFinite);
    const terminated = !finite || Math.abs(qpos[1]!) > MAX_ANGLE;
    const reward = terminated ? 0 : 1;
    return { obs: this.observe(), reward, terminated, truncated: false, info: { reward_survive: reward } };
  }
}
