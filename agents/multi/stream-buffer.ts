// One rollout's rows of a multi-agent learner: one row per learner decision,
// in decision order, with what GAE and the PPO update read (inputs, masks,
// actions, log-probabilities, values, rewards, closing observations), grown on
// demand (shared-PPO's collection, agents/multi/shared-ppo-learner.ts).

/** One rollout's rows (one per learner decision, in decision order), grown on demand. */
export class StreamBuffer {
  size = 0;
  capacity = 0;
  x = new Float32Array(0);
  nextX = new Float32Array(0);
  masks = new Float32Array(0);
  actions = new Float32Array(0);
  /** The teacher's action in each row (kickstarting), stored as `actions` are. */
  teacher = new Float32Array(0);
  logProbs = new Float32Array(0);
  values = new Float32Array(0);
  rewards = new Float64Array(0);
  terminated = new Uint8Array(0);
  closed = new Uint8Array(0);
  nextRow = new Int32Array(0);
  bootstrap = new Float32Array(0);
  advantages = new Float32Array(0);
  returns = new Float32Array(0);

  constructor(
    readonly inputDim: number,
    readonly nMask: number,
    readonly actionDim: number,
  ) {}

  /** A new row (growing the arrays when full). */
  push(): number {
    if (this.size === this.capacity) this.grow(Math.max(256, this.capacity * 2));
    const k = this.size++;
    this.closed[k] = 0;
    this.terminated[k] = 0;
    this.rewards[k] = 0;
    this.nextRow[k] = -1;
    this.bootstrap[k] = 0;
    return k;
  }

  private grow(capacity: number): void {
    const grow = <T extends Float32Array | Float64Array | Uint8Array | Int32Array>(a: T, per: number): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity * per);
      b.set(a);
      return b;
    };
    this.x = grow(this.x, this.inputDim);
    this.nextX = grow(this.nextX, this.inputDim);
    this.masks = grow(this.masks, this.nMask);
    this.actions = grow(this.actions, this.actionDim);
    this.teacher = grow(this.teacher, this.actionDim);
    this.logProbs = grow(this.logProbs, 1);
    this.values = grow(this.values, 1);
    this.rewards = grow(this.rewards, 1);
    this.terminated = grow(this.terminated, 1);
    this.closed = grow(this.closed, 1);
    this.nextRow = grow(this.nextRow, 1);
    this.bootstrap = grow(this.bootstrap, 1);
    this.advantages = grow(this.advantages, 1);
    this.returns = grow(this.returns, 1);
    this.capacity = capacity;
  }
}
