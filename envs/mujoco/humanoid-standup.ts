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
import { squaredSum } from './base.js';
import { HUMANOID_OBSERVATION_KWARGS, HumanoidBodyEnv } from './humanoid.js';
import type { Kwargs } from './kwargs.js';
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

/** The keyword arguments HumanoidStandup reads besides the observation's, resetNoiseScale and frameSkip. */
const HUMANOID_STANDUP_SETTINGS = {
  uphCostWeight: 'number',
  ctrlCostWeight: 'nonNegative',
  impactCostWeight: 'nonNegative',
  impactCostRange: 'range',
} as const;

export class HumanoidStandupEnv extends HumanoidBodyEnv<typeof HUMANOID_STANDUP_SETTINGS> {
  constructor(spec: EnvSpec, kwargs: Kwargs) {
    super(spec, kwargs, HUMANOID_STANDUP_XML, HUMANOID_STANDUP_SETTINGS);
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
