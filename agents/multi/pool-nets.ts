// What the two self-play learners' nets have in common (shared-q.ts for
// shared-dqn, shared-ppo-nets.ts for shared-ppo): the part of their interface
// the loop and the checkpoints use (PoolNets), and on each compute path the
// pool's snapshots of the net that acts (the Q-network, or the actor), saved
// and read as nets.ts's files and checked on reading to have the live net's
// sizes. On TensorFlow.js (TfjsPoolNets) a snapshot is a frozen tfjs copy and
// one Adam optimizer covers the nets' variables; on ONNX Runtime
// (OnnxPoolNets) a snapshot is a flat weight vector, nothing to free.
import type { Activation, Mlp, Optimizer } from '../lib/nets.js';
import { getWeights, mlpFromData, saveMlp, saveMlpData } from '../lib/nets.js';
import { readLearnerNet } from './learner.js';

/** What a self-play learner's nets give its loop and its checkpoints, whatever else they do (S: a snapshot). */
export interface PoolNets<S> {
  learningRate: number;
  /** A frozen copy of the net that acts (the Q-network, or the actor). */
  snapshot(): S;
  saveSnapshot(snapshot: S, dir: string, name: string): Promise<void>;
  loadSnapshot(dir: string, name: string): Promise<S>;
  disposeSnapshot(snapshot: S): void;
  optimizerState(): { t: number; data: Float32Array };
  setOptimizerState(state: { t: number; data: Float32Array }): void;
  /** Writes the learner's nets (nets.ts's files). */
  saveNets(dir: string): Promise<void>;
  dispose(): void;
}

export abstract class TfjsPoolNets {
  protected constructor(
    /** The net the pool snapshots. */
    private readonly pooled: Mlp,
    protected readonly optimizer: Optimizer,
    /** The learner's name, for errors. */
    private readonly who: string,
  ) {}

  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  set learningRate(lr: number) {
    this.optimizer.learningRate = lr;
  }

  snapshot(): Mlp {
    return mlpFromData(this.pooled.sizes, this.pooled.activation, getWeights(this.pooled).data);
  }

  saveSnapshot(snapshot: Mlp, dir: string, name: string): Promise<void> {
    return saveMlp(snapshot, dir, name);
  }

  async loadSnapshot(dir: string, name: string): Promise<Mlp> {
    return mlpFromData(this.pooled.sizes, this.pooled.activation, await readLearnerNet(dir, name, this.pooled.sizes, this.who));
  }

  disposeSnapshot(snapshot: Mlp): void {
    snapshot.dispose();
  }

  optimizerState(): { t: number; data: Float32Array } {
    return this.optimizer.getState();
  }

  setOptimizerState(state: { t: number; data: Float32Array }): void {
    this.optimizer.setState(state);
  }
}

export abstract class OnnxPoolNets {
  protected constructor(
    /** The layer sizes of the net the pool snapshots. */
    private readonly pooledSizes: readonly number[],
    private readonly pooledActivation: Activation,
    /** The learner's name, for errors. */
    private readonly who: string,
  ) {}

  saveSnapshot(snapshot: Float32Array, dir: string, name: string): Promise<void> {
    return saveMlpData({ sizes: this.pooledSizes, activation: this.pooledActivation, data: snapshot }, dir, name);
  }

  loadSnapshot(dir: string, name: string): Promise<Float32Array> {
    return readLearnerNet(dir, name, this.pooledSizes, this.who);
  }

  disposeSnapshot(): void {}
}
