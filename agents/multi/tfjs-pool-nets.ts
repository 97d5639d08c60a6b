// What the two self-play learners' TensorFlow.js nets have in common
// (shared-q.ts for shared-dqn, shared-ppo-nets.ts for shared-ppo): one Adam
// optimizer over their variables, and the pool's snapshots of the net that
// acts (the Q-network, or the actor): frozen tfjs copies, saved and read as
// nets.ts's files, checked on reading to have the live net's sizes.
import type { Mlp, Optimizer } from '../lib/nets.js';
import { getWeights, mlpFromData, saveMlp } from '../lib/nets.js';
import { readLearnerNet } from './learner.js';

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
