// The contract between the off-policy continuous-control loop (agents/ddpg.ts,
// which also runs td3 and sac) and one agent's networks on one compute path:
// acting in the rescaled action box [-1, 1]^d, one gradient step on a replay
// minibatch, and the files and state a checkpoint holds.
import type { Rng } from '../../core/rng.js';
import type { ReplayBatch } from './replay.js';

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
