/**
 * InvertedDoublePendulum-v5: balance two stacked poles on a cart, with
 * Gymnasium v5's semantics.
 *
 * Observation: Box(9,): cart position, sin and cos of both hinge angles, the
 *   three velocities clipped to [-10, 10], and the cart's constraint force
 *   (qfrc_constraint[0]) clipped to [-10, 10].
 * Action: Box(-1, 1, (1,)): the force on the cart.
 * Reward: healthyReward while the tip stays above 1 m, minus a distance
 *   penalty 0.01 x^2 + (y - 2)^2 of the tip and a velocity penalty
 *   1e-3 v1^2 + 5e-3 v2^2 of the hinges; `info` holds reward_survive,
 *   distance_penalty, velocity_penalty.
 * Terminates when the tip's height y is at most 1; truncated at 1000 steps.
 * Start: the reference pose plus U(-resetNoiseScale, resetNoiseScale) per
 *   position, rest plus resetNoiseScale * N(0, 1) per velocity.
 */
import type { EnvSpec, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { MujocoEnv, normalNoise, ObservationWriter, uniformNoise } from './base.js';
import { numberKwarg, positiveIntegerKwarg } from './kwargs.js';
import type { Kwargs } from './kwargs.js';
import { INVERTED_DOUBLE_PENDULUM_XML } from './models/inverted-double-pendulum.js';

export const INVERTED_DOUBLE_PENDULUM_KWARGS = { frameSkip: 5, healthyReward: 10.0, resetNoiseScale: 0.1 };

export class InvertedDoublePendulumEnv extends MujocoEnv {
  private readonly healthyReward: number;
  private readonly resetNoiseScale: number;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const healthyReward = numberKwarg(spec.id, kwargs, 'healthyReward');
    const resetNoiseScale = numberKwarg(spec.id, kwargs, 'resetNoiseScale', { min: 0 });
    super(spec, INVERTED_DOUBLE_PENDULUM_XML, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.healthyReward = healthyReward;
    this.resetNoiseScale = resetNoiseScale;
    this.setObservationDim(1 + 2 * (this.nq - 1) + this.nv + 1);
  }

  protected observe(): Float32Array {
    const qpos = this.data.qpos as Float64Array;
    const w = new ObservationWriter(new Float32Array(this.observationDim)).value(qpos[0]!);
    for (let i = 1; i < qpos.length; i++) w.value(Math.sin(qpos[i]!));
    for (let i = 1; i < qpos.length; i++) w.value(Math.cos(qpos[i]!));
    return w
      .put(this.data.qvel as Float64Array, 0, this.nv, 10)
      .put(this.data.qfrc_constraint as Float64Array, 0, 1, 10)
      .done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.resetNoiseScale);
    normalNoise(rng, qvel, this.resetNoiseScale);
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    this.simulate(action);
    const tip = this.data.site_xpos as Float64Array;
    const x = tip[0]!;
    const y = tip[2]!;
    const terminated = y <= 1;
    const qvel = this.data.qvel as Float64Array;
    const distance = 0.01 * x ** 2 + (y - 2) ** 2;
    const velocity = 1e-3 * qvel[1]! ** 2 + 5e-3 * qvel[2]! ** 2;
    const survive = terminated ? 0 : this.healthyReward;
    return {
      obs: this.observe(),
      reward: survive - distance - velocity,
      terminated,
      truncated: false,
      info: { reward_survive: survive, distance_penalty: -distance, velocity_penalty: -velocity },
    };
  }
}
