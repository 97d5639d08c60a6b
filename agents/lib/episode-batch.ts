// The steps of whole episodes REINFORCE collects for one update, in growable
// flat arrays: encoded observations, stored actions, rewards, where each
// complete episode starts and ends, and the final observations of truncated
// episodes (to bootstrap from).
/** Steps of the episodes collected for one update, in growable flat arrays (they double when full, rarely). */
export class EpisodeBatch {
  x: Float32Array;
  actions: Float32Array;
  rewards = new Float64Array(1024);
  /** Where each complete episode starts and ends (end exclusive), and the row of its final obs in `finalX` or -1. */
  readonly episodes: { start: number; end: number; finalRow: number }[] = [];
  finalX: Float32Array;
  finals = 0;
  /** Steps stored; those after the last complete episode belong to the one running. */
  size = 0;

  constructor(
    readonly inputDim: number,
    readonly actionDim: number,
  ) {
    this.x = new Float32Array(1024 * inputDim);
    this.actions = new Float32Array(1024 * actionDim);
    this.finalX = new Float32Array(4 * inputDim);
  }

  /** Steps of the complete episodes. */
  get complete(): number {
    return this.episodes.length ? this.episodes[this.episodes.length - 1]!.end : 0;
  }

  add(x: Float32Array, action: ArrayLike<number>, reward: number): void {
    if (this.size === this.rewards.length) {
      const grow = <T extends Float32Array | Float64Array>(a: T, width: number): T => {
        const b = new (a.constructor as new (n: number) => T)(2 * this.rewards.length * width);
        b.set(a);
        return b;
      };
      this.x = grow(this.x, this.inputDim);
      this.actions = grow(this.actions, this.actionDim);
      this.rewards = grow(this.rewards, 1);
    }
    this.x.set(x, this.size * this.inputDim);
    for (let d = 0; d < this.actionDim; d++) this.actions[this.size * this.actionDim + d] = action[d]!;
    this.rewards[this.size] = reward;
    this.size += 1;
  }

  /** Closes the running episode; `finalX` is its last observation when it was truncated (to bootstrap from), else null. */
  endEpisode(finalX: Float32Array | null): void {
    let finalRow = -1;
    if (finalX) {
      if ((this.finals + 1) * this.inputDim > this.finalX.length) {
        const b = new Float32Array(2 * this.finalX.length);
        b.set(this.finalX);
        this.finalX = b;
      }
      this.finalX.set(finalX, this.finals * this.inputDim);
      finalRow = this.finals++;
    }
    this.episodes.push({ start: this.complete, end: this.size, finalRow });
  }

  clear(): void {
    this.episodes.length = 0;
    this.size = 0;
    this.finals = 0;
  }
}
