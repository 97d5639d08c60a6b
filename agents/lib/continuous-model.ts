// The contract between the off-policy continuous-control loop (agents/ddpg.ts,
// which also runs td3 and sac) and one agent's networks on one compute path:
// acting in the rescaled action box [-1, 1]^d, one gradient step on a replay
// minibatch, and the files and state a checkpoint holds (with the two
// optimizers' files every model writes the same way).
import type { Rng } from '../../core/rng.js';
import { readBinary, writeBinary } from '../agent.js';
import type { ReplayBatch } from './replay.js';

/** An optimizer's state: its step count (agent.json records it) and its moments (a file). */
export interface OptimizerState {
  t: number;
  data: Float32Array;
}

/** The states of a model's two optimizers, the actor's and the critics'. */
export interface ModelOptimizers {
  actor: OptimizerState;
  critic: OptimizerState;
}

/** The step counts agent.json's state records beside the optimizers' files. */
export type OptimizerSteps = {
  optimizerSteps: { actor: number; critic: number };
};

/** Writes the moments as actor-optimizer.bin and critic-optimizer.bin; returns the step counts for agent.json. */
export async function writeOptimizers(dir: string, o: ModelOptimizers): Promise<OptimizerSteps> {
  await writeBinary(dir, 'actor-optimizer.bin', o.actor.data);
  await writeBinary(dir, 'critic-optimizer.bin', o.critic.data);
  return { optimizerSteps: { actor: o.actor.t, critic: o.critic.t } };
}

/** An optimizer whose state a checkpoint holds (tfjs's Optimizer, ONNX Runtime's Trainer). */
interface StatefulOptimizer {
  setState(state: OptimizerState): void;
}

/** Puts a checkpoint's optimizer states back into a model's two optimizers; without `o` they stay fresh. */
export function restoreOptimizers(actor: StatefulOptimizer, critic: StatefulOptimizer, o?: ModelOptimizers): void {
  if (!o) return;
  actor.setState(o.actor);
  critic.setState(o.critic);
}

/** The optimizers writeOptimizers saved in `dir`, at the step counts agent.json records. */
export async function readOptimizers(dir: string, steps: OptimizerSteps['optimizerSteps']): Promise<ModelOptimizers> {
  const floats = async (name: string) => new Float32Array(await readBinary(dir, name));
  return { actor: { t: steps.actor, data: await floats('actor-optimizer.bin') }, critic: { t: steps.critic, data: await floats('critic-optimizer.bin') } };
}

export interface ContinuousModel {
  /**
   * The action in [-1, 1]^d for one observation: the policy's deterministic
   * action (mu(s), or tanh of the Gaussian's mean), or with `rng` a draw from a
   * stochastic policy (SAC; deterministic policies ignore it).
   */
  act(s: Float32Array, rng: Rng | null): Float32Array;
  /** Q(s, a) of the deterministic action (the first critic's). */
  value(s: Float32Array): number;
  /** One gradient step on `batch`; `update` counts gradient steps from 1 (delayed actor updates key on it). Returns the step's metrics. */
  update(batch: ReplayBatch, rng: Rng, update: number): Record<string, number>;
  /**
   * Called before each collected step (SAC's gSDE draws its exploration matrix
   * here); `rolloutStart`: the step opens a rollout (the first of a learn()
   * call, or the first after a training phase's boundary, every trainFreq steps).
   */
  beforeCollect?(rng: Rng, rolloutStart: boolean): void;
  /** Transfer: the nets from an agent of the same kind saved in `dir` (targets copied from them); optimizers stay. */
  warmStart(dir: string, who: string): Promise<void>;
  /** Writes the nets and optimizer moments into `dir`; returns what agent.json's state must hold to load them. */
  save(dir: string): Promise<Record<string, unknown>>;
  dispose(): void;
}
