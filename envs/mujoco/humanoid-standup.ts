/**
 * HumanoidStandup-v5: Humanoid's body, lying on the ground, stands up, with
 * Gymnasium v5's semantics.
 *
 * Observation: as Humanoid's (envs/mujoco/humanoid.ts), Box(348,).
 * Action: Box(-0.4, 0.4, (17,)): motor controls.
 * Reward: uphCostWeight * root height / model timestep - ctrlCostWeight *
 *   |ctrl|^2 - impactCostWeight * |cfrc_ext|^2 (clipped to impactCostRange) + 1;
 *   `info` holds reward_linup, reward_quadctrl, reward_impact, x_position,
 *   y_position, z_distance_from_origin.
 * Never terminates; truncated at 1000 steps.
 * Start: the reference (lying) pose and rest, each value plus U(-resetNoiseScale, resetNoiseScale).
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { MujocoEnv, squaredSum, uniformNoise } from './base.js';
import { HUMANOID_OBSERVATION_KWARGS, HumanoidObservation } from './humanoid.js';
import { positiveIntegerKwarg, readKwargs } from './kwargs.js';
import type { Kwargs, KwargValues } from './kwargs.js';
import { HUMANOID_STANDUP_XML } from './models/humanoid-standup.js';

export const HUMANOID_STANDUP_KWARGS = {
  frameSkip: 5,
  uphCostWeight: 1.0,
  ctrlCostWeight: 0.1,
  impactCostWeight: 0.5e-6,
  impactCostRange: [null, 10.0],
  resetNoiseScale: 1e-2,
  ...HUMANOID_OBSERVATION_KWARGS,
};

/** The keyword arguments HumanoidStandup reads besides the observation's and frameSkip, before the model is compiled. */
const HUMANOID_STANDUP_SETTINGS = {
  uphCostWeight: 'number',
  ctrlCostWeight: 'nonNegative',
  impactCostWeight: 'nonNegative',
  impactCostRange: 'range',
  resetNoiseScale: 'nonNegative',
} as const;

export class HumanoidStandupEnv extends MujocoEnv {
  private readonly settings: KwargValues<typeof HUMANOID_STANDUP_SETTINGS>;
  private readonly observation: HumanoidObservation;

  constructor(spec: EnvSpec, kwargs: Kwargs) {
    const observation = new HumanoidObservation(spec.id, kwargs);
    const settings = readKwargs(spec.id, kwargs, HUMANOID_STANDUP_SETTINGS);
    super(spec, HUMANOID_STANDUP_XML, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.settings = settings;
    this.observation = observation;
    this.setObservationDim(observation.size(this.model));
  }

  protected observe(): Float32Array {
    return this.observation.write(this.data, new Float32Array(this.observationDim), this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.settings.resetNoiseScale);
    uniformNoise(rng, qvel, this.settings.resetNoiseScale);
  }

  protected override resetInfo(): Info {
    const qpos = this.data.qpos as Float64Array;
    return { x_position: qpos[0]!, y_position: qpos[1]!, z_distance_from_origin: qpos[2]! - this.initQpos[2]! };
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    this.simulate(action);
    const linup = (this.settings.uphCostWeight * (this.data.qpos as Float64Array)[2]!) / this.timestep;
    const ctrl = this.settings.ctrlCostWeight * squaredSum(this.data.ctrl as Float64Array);
    const [lo, hi] = this.settings.impactCostRange;
    const impact = Math.min(Math.max(this.settings.impactCostWeight * squaredSum(this.data.cfrc_ext as Float64Array), lo), hi);
    return {
      obs: this.observe(),
      reward: linup - ctrl - impact + 1,
      terminated: false,
      truncated: false,
      info: { ...this.resetInfo(), reward_linup: linup, reward_quadctrl: -ctrl, reward_impact: -impact },
    };
  }
}
