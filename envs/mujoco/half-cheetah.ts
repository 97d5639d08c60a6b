/**
 * HalfCheetah-v5: a planar two-legged "cheetah" (six hinge motors) runs
 * forward, with Gymnasium v5's semantics.
 *
 * Observation: Box(17,) of qpos[1:] (height, torso angle, six joint angles)
 *   then qvel (9); with excludeCurrentPositionsFromObservation false, qpos[0]
 *   (x) comes first (18).
 * Action: Box(-1, 1, (6,)): torques of the back then front thigh, shin and foot.
 * Reward: forwardRewardWeight * x velocity - ctrlCostWeight * |action|^2;
 *   `info` holds reward_forward, reward_ctrl, x_position, x_velocity.
 * Never terminates; truncated at 1000 steps.
 * Start: the reference pose plus U(-resetNoiseScale, resetNoiseScale) per
 *   position, rest plus resetNoiseScale * N(0, 1) per velocity.
 * ForwardEnv here is HalfCheetah and Swimmer's shared body.
 */
import type { EnvSpec, Info, StepResult } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { controlCostF32, MujocoEnv, normalNoise, ObservationWriter, planarPositionInfo, uniformNoise } from './base.js';
import { positiveIntegerKwarg, readKwargs } from './kwargs.js';
import type { Kwargs, KwargValues } from './kwargs.js';
import { HALF_CHEETAH_XML } from './models/half-cheetah.js';

export const HALF_CHEETAH_KWARGS = {
  frameSkip: 5,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 0.1,
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
};

/** The keyword arguments HalfCheetah and Swimmer read (besides frameSkip), before the model is compiled. */
const FORWARD_SETTINGS = {
  excludeCurrentPositionsFromObservation: 'boolean',
  forwardRewardWeight: 'number',
  ctrlCostWeight: 'nonNegative',
  resetNoiseScale: 'nonNegative',
} as const;

/** How a ForwardEnv moves: along x only (HalfCheetah), or in the plane (Swimmer), and the velocities' start noise. */
export interface ForwardMotion {
  /** Moves in the plane: the observation leaves out x and y (else x only), and `info` reports y and its velocity too. */
  readonly planar: boolean;
  /** Reset noise of the velocities (positions get uniformNoise). */
  readonly velocityNoise: (rng: Rng, values: Float64Array, scale: number) => void;
}

/**
 * HalfCheetah and Swimmer: rewarded for forward x speed minus the control
 * cost, never terminating; observed as qpos without the position it moves
 * in, then qvel.
 */
export class ForwardEnv extends MujocoEnv {
  protected readonly settings: KwargValues<typeof FORWARD_SETTINGS>;
  private readonly motion: ForwardMotion;

  constructor(spec: EnvSpec, kwargs: Kwargs, modelXml: string, motion: ForwardMotion) {
    const settings = readKwargs(spec.id, kwargs, FORWARD_SETTINGS);
    super(spec, modelXml, positiveIntegerKwarg(spec.id, kwargs, 'frameSkip'));
    this.settings = settings;
    this.motion = motion;
    this.setObservationDim(this.nq + this.nv - (settings.excludeCurrentPositionsFromObservation ? this.excluded : 0));
  }

  /** The leading qpos values the observation leaves out by default: x, or x and y. */
  private get excluded(): number {
    return this.motion.planar ? 2 : 1;
  }

  protected observe(): Float32Array {
    const w = new ObservationWriter(new Float32Array(this.observationDim));
    w.put(this.data.qpos as Float64Array, this.settings.excludeCurrentPositionsFromObservation ? this.excluded : 0).put(this.data.qvel as Float64Array);
    return w.done(this.spec.id);
  }

  protected resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void {
    uniformNoise(rng, qpos, this.settings.resetNoiseScale);
    this.motion.velocityNoise(rng, qvel, this.settings.resetNoiseScale);
  }

  protected override resetInfo(): Info {
    const qpos = this.data.qpos as Float64Array;
    return this.motion.planar ? planarPositionInfo(qpos, this.initQpos) : { x_position: qpos[0]! };
  }

  protected advance(action: Float32Array): StepResult<Float32Array> {
    const qpos = this.data.qpos as Float64Array;
    const xBefore = qpos[0]!;
    const yBefore = qpos[1]!;
    this.simulate(action);
    const after = this.data.qpos as Float64Array;
    const xVelocity = (after[0]! - xBefore) / this.dt;
    const velocities = this.motion.planar ? { x_velocity: xVelocity, y_velocity: (after[1]! - yBefore) / this.dt } : { x_velocity: xVelocity };
    const forward = this.settings.forwardRewardWeight * xVelocity;
    const ctrl = controlCostF32(action, this.settings.ctrlCostWeight);
    return {
      obs: this.observe(),
      reward: forward - ctrl,
      terminated: false,
      truncated: false,
      info: { ...this.resetInfo(), ...velocities, reward_forward: forward, reward_ctrl: -ctrl },
    };
  }
}

export class HalfCheetahEnv extends ForwardEnv {
  constructor(spec: EnvSpec, kwargs: Kwargs) {
    super(spec, kwargs, HALF_CHEETAH_XML, { planar: false, velocityNoise: normalNoise });
  }
}
