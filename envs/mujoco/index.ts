// Registers Gymnasium's MuJoCo v5 envs with their episode limits, reward
// thresholds and default kwargs (Gymnasium's v5 keyword arguments in
// camelCase; `null` in a range stands for an open side). Importing this module
// loads the MuJoCo wasm module (envs/mujoco/wasm.ts).
import type { EnvSpec } from '../../core/env.js';
import { register } from '../../core/registry.js';
import type { MujocoEnv } from './base.js';
import { ANT_KWARGS, AntEnv } from './ant.js';
import { HALF_CHEETAH_KWARGS, HalfCheetahEnv } from './half-cheetah.js';
import { HOPPER_KWARGS, HopperEnv } from './hopper.js';
import { HUMANOID_STANDUP_KWARGS, HumanoidStandupEnv } from './humanoid-standup.js';
import { HUMANOID_KWARGS, HumanoidEnv } from './humanoid.js';
import { INVERTED_DOUBLE_PENDULUM_KWARGS, InvertedDoublePendulumEnv } from './inverted-double-pendulum.js';
import { INVERTED_PENDULUM_KWARGS, InvertedPendulumEnv } from './inverted-pendulum.js';
import type { Kwargs } from './kwargs.js';
import { PUSHER_KWARGS, PusherEnv } from './pusher.js';
import { REACHER_KWARGS, ReacherEnv } from './reacher.js';
import { SWIMMER_KWARGS, SwimmerEnv } from './swimmer.js';
import { WALKER2D_KWARGS, Walker2dEnv } from './walker2d.js';

export { MujocoEnv } from './base.js';
export type { SimulatorState } from './base.js';

type MujocoEnvClass = new (spec: EnvSpec, kwargs: Kwargs) => MujocoEnv;

const ENVS: [id: string, env: MujocoEnvClass, kwargs: Record<string, unknown>, limit: number, threshold: number | undefined, description: string][] = [
  ['Hopper-v5', HopperEnv, HOPPER_KWARGS, 1000, 3800, 'make a one-legged planar robot hop forward'],
  ['Walker2d-v5', Walker2dEnv, WALKER2D_KWARGS, 1000, undefined, 'make a two-legged planar robot walk forward'],
  ['HalfCheetah-v5', HalfCheetahEnv, HALF_CHEETAH_KWARGS, 1000, 4800, 'make a planar cheetah run forward'],
  ['Ant-v5', AntEnv, ANT_KWARGS, 1000, 6000, 'make a four-legged robot walk forward'],
  ['Humanoid-v5', HumanoidEnv, HUMANOID_KWARGS, 1000, undefined, 'make a 3-D humanoid walk forward without falling'],
  ['HumanoidStandup-v5', HumanoidStandupEnv, HUMANOID_STANDUP_KWARGS, 1000, undefined, 'make a lying humanoid stand up'],
  ['InvertedPendulum-v5', InvertedPendulumEnv, INVERTED_PENDULUM_KWARGS, 1000, 950, 'balance a pole on a cart'],
  ['InvertedDoublePendulum-v5', InvertedDoublePendulumEnv, INVERTED_DOUBLE_PENDULUM_KWARGS, 1000, 9100, 'balance two stacked poles on a cart'],
  ['Reacher-v5', ReacherEnv, REACHER_KWARGS, 50, -3.75, "move a two-joint arm's fingertip to a target"],
  ['Swimmer-v5', SwimmerEnv, SWIMMER_KWARGS, 1000, 360, 'make a three-segment snake swim forward'],
  ['Pusher-v5', PusherEnv, PUSHER_KWARGS, 100, 0, 'push a cylinder to a goal with a seven-joint arm'],
];

/** The ids of the MuJoCo envs, in the order Gymnasium lists them. */
export const MUJOCO_ENV_IDS = ENVS.map(([id]) => id);

export function registerMujoco(): void {
  for (const [id, Env, kwargs, maxEpisodeSteps, rewardThreshold, description] of ENVS) {
    register(id, (given, spec) => new Env(spec, given), {
      maxEpisodeSteps,
      ...(rewardThreshold !== undefined ? { rewardThreshold } : {}),
      kwargs,
      description: `${description} (MuJoCo)`,
    });
  }
}
