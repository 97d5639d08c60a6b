// n-step transitions for replay (Sutton & Barto 7.1; Hessel et al. 2018,
// "Rainbow", section 2): each env stream keeps its last n steps; once it has
// n, the oldest becomes the transition (s_t, a_t, R, s_{t+n}) with
// R = r_t + gamma r_{t+1} + ... + gamma^(n-1) r_{t+n-1}, bootstrapped with
// gamma^n. When an episode ends, every step still waiting becomes a shorter
// transition ending there: s' is the episode's real last observation and the
// horizon m < n is how many steps it spans, so a learner bootstraps with
// gamma^m after a truncation and not at all after a termination (the flags
// are the ending step's). `flush` ends the waiting steps of every stream
// where they are (a learn call stops; its episodes are abandoned), as
// transitions that bootstrap from the last observation.
//
// With n = 1 this stores exactly what ReplayBuffer.addVector stores. Vector
// env rows marked autoreset (next-step mode) are not transitions and are
// skipped, as there.
import type { VectorStepResult } from '../../core/vector.js';
import type { ReplayBuffer } from './replay.js';

export class NStepCollector {
  private readonly obs: Float32Array;
  private readonly actions: Float32Array;
  private readonly rewards: Float64Array;
  /** Per stream: the slot (in 0..n-1) of its oldest waiting step, and how many wait. */
  private readonly head: Int32Array;
  private readonly count: Int32Array;
  private readonly next: Float32Array;

  /**
   * `stored` is told the replay slot of each finished transition (a
   * prioritized sampler gives it its priority there).
   */
  constructor(
    readonly buffer: ReplayBuffer,
    readonly numEnvs: number,
    readonly n: number,
    readonly gamma: number,
    private readonly stored: (slot: number) => void = () => {},
  ) {
    if (!Number.isInteger(n) || n < 1 || n > 0xffff) throw new RangeError(`NStepCollector: n must be an integer in [1, 65535], got ${n}`);
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`NStepCollector: numEnvs must be a positive integer, got ${numEnvs}`);
    this.obs = new Float32Array(numEnvs * n * buffer.obsDim);
    this.actions = new Float32Array(numEnvs * n * buffer.actionDim);
    this.rewards = new Float64Array(numEnvs * n);
    this.head = new Int32Array(numEnvs);
    this.count = new Int32Array(numEnvs);
    this.next = new Float32Array(buffer.obsDim);
  }

  /** Steps waiting in stream `env`. */
  pending(env: number): number {
    return this.count[env]!;
  }

  /** Takes one vector step: `obs` (numEnvs x obsDim) is what the agent acted on, `actions` (numEnvs x actionDim) what it stores. Returns the transitions stored. */
  addVector(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    step: Pick<VectorStepResult, 'obs' | 'finalObs' | 'rewards' | 'terminations' | 'truncations' | 'autoreset'>,
  ): number {
    const d = this.buffer.obsDim;
    const da = this.buffer.actionDim;
    const n = this.n;
    let added = 0;
    for (let i = 0; i < this.numEnvs; i++) {
      if (step.autoreset[i]) continue;
      const at = i * n + ((this.head[i]! + this.count[i]!) % n);
      for (let k = 0; k < d; k++) this.obs[at * d + k] = obs[i * d + k]!;
      for (let k = 0; k < da; k++) this.actions[at * da + k] = actions[i * da + k]!;
      this.rewards[at] = step.rewards[i]!;
      this.count[i] += 1;
      const terminated = step.terminations[i] !== 0;
      const truncated = step.truncations[i] !== 0;
      if (terminated || truncated) {
        // finalObs is `obs` itself in next-step mode and the kept-aside row in same-step mode.
        added += this.drain(i, step.finalObs, terminated, truncated);
      } else if (this.count[i] === n) {
        added += this.emit(i, step.obs, false, false);
      }
    }
    return added;
  }

  /** Stores the waiting steps of every stream as transitions bootstrapping from `lastObs` (numEnvs x obsDim, each stream's current observation). */
  flush(lastObs: ArrayLike<number>): number {
    let added = 0;
    for (let i = 0; i < this.numEnvs; i++) added += this.drain(i, lastObs, false, false);
    return added;
  }

  private drain(i: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean): number {
    let added = 0;
    while (this.count[i]! > 0) added += this.emit(i, nextObs, terminated, truncated);
    return added;
  }

  /** Stores stream i's oldest waiting step with the rewards of all its waiting steps, and drops it. */
  private emit(i: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean): number {
    const d = this.buffer.obsDim;
    const da = this.buffer.actionDim;
    const n = this.n;
    const m = this.count[i]!;
    const first = i * n + this.head[i]!;
    // R = r_0 + gamma (r_1 + gamma (... + gamma r_{m-1})), in float64.
    let ret = 0;
    for (let k = m - 1; k >= 0; k--) ret = this.rewards[i * n + ((this.head[i]! + k) % n)]! + this.gamma * ret;
    for (let k = 0; k < d; k++) this.next[k] = nextObs[i * d + k]!;
    const slot = this.buffer.add(this.obs.subarray(first * d, first * d + d), da === 1 ? this.actions[first]! : this.actions.subarray(first * da, first * da + da), ret, this.next, terminated, truncated, m);
    this.stored(slot);
    this.head[i] = (this.head[i]! + 1) % n;
    this.count[i] -= 1;
    return 1;
  }
}
