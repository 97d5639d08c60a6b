// Proportional prioritized experience replay (Schaul et al. 2016, "Prioritized
// Experience Replay", section 3.3): slot i of a replay buffer is drawn with
// probability P(i) = p_i / sum_k p_k, where p_i = (|delta_i| + epsilon)^alpha
// and delta_i is the TD error of its last update; a new transition gets the
// largest (|delta| + epsilon) seen so far, so it is drawn at least once soon.
// The bias this brings is corrected by importance-sampling weights
// w_i = (N P(i))^-beta / max_k (N P(k))^-beta = (p_min / p_i)^beta,
// with beta annealed towards 1 by the caller.
//
// The p_i live in a sum tree (for drawing and the total) and a min tree (for
// p_min), both binary trees over a power-of-two number of leaves in one
// Float64Array each (node k has children 2k and 2k + 1, leaves from `leaves`):
// setting a priority and drawing one are O(log capacity). A batch is drawn
// stratified, one draw from each of `size` equal slices of the total (as the
// paper's rank-free variant and Dopamine do), so each row's marginal is P(i).
//
// Binary form (`toBytes` / `fromBytes`, for checkpoints): a 16-byte header of
// little-endian uint32 (magic "ARPP", version 1, capacity, filled slots), the
// largest |delta| + epsilon as a float64, then the filled slots' p_i (float64).
// The trees are rebuilt from the leaves, to the same numbers: every inner
// node is always the sum (min) of its two children.
import type { Rng } from '../../core/rng.js';

const MAGIC = 0x50505241; // "ARPP" read as a little-endian uint32
const VERSION = 1;
const HEADER_BYTES = 16;

/** Sum or min over the leaves of a binary tree, with O(log n) updates. */
class SegmentTree {
  readonly leaves: number;
  readonly nodes: Float64Array;

  constructor(
    capacity: number,
    private readonly combine: (a: number, b: number) => number,
    private readonly empty: number,
  ) {
    let leaves = 1;
    while (leaves < capacity) leaves *= 2;
    this.leaves = leaves;
    this.nodes = new Float64Array(2 * leaves).fill(empty);
  }

  get root(): number {
    return this.nodes[1]!;
  }

  get(i: number): number {
    return this.nodes[this.leaves + i]!;
  }

  set(i: number, value: number): void {
    let k = this.leaves + i;
    this.nodes[k] = value;
    for (k >>= 1; k >= 1; k >>= 1) this.nodes[k] = this.combine(this.nodes[2 * k]!, this.nodes[2 * k + 1]!);
  }

  /** Sets every leaf from `values` (the rest to empty) and recomputes the inner nodes. */
  setAll(values: ArrayLike<number>): void {
    this.nodes.fill(this.empty);
    for (let i = 0; i < values.length; i++) this.nodes[this.leaves + i] = values[i]!;
    for (let k = this.leaves - 1; k >= 1; k--) this.nodes[k] = this.combine(this.nodes[2 * k]!, this.nodes[2 * k + 1]!);
  }
}

export class PrioritizedSampler {
  private readonly sums: SegmentTree;
  private readonly mins: SegmentTree;
  /** Filled slots (the buffer's size). */
  size = 0;
  /** The largest |delta| + epsilon so far (1 before any update), the priority of new transitions before alpha. */
  maxPriority = 1;

  constructor(
    readonly capacity: number,
    readonly alpha: number,
    readonly epsilon: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`PrioritizedSampler: capacity must be a positive integer, got ${capacity}`);
    if (!(alpha >= 0)) throw new RangeError(`PrioritizedSampler: alpha must be >= 0, got ${alpha}`);
    if (!(epsilon > 0)) throw new RangeError(`PrioritizedSampler: epsilon must be > 0, got ${epsilon}`);
    this.sums = new SegmentTree(capacity, (a, b) => a + b, 0);
    this.mins = new SegmentTree(capacity, Math.min, Infinity);
  }

  /** p_i of slot i (0 for an unfilled slot). */
  priority(i: number): number {
    return this.sums.get(i);
  }

  /** The sum of all p_i. */
  get total(): number {
    return this.sums.root;
  }

  /** A transition was stored at `slot`: it gets the largest priority so far. */
  added(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) throw new RangeError(`PrioritizedSampler.added: slot ${slot} is outside [0, ${this.capacity})`);
    this.setLeaf(slot, this.maxPriority ** this.alpha);
    if (slot >= this.size) this.size = slot + 1;
  }

  private setLeaf(slot: number, p: number): void {
    this.sums.set(slot, p);
    this.mins.set(slot, p);
  }

  /** The slot whose share of the total holds `u` in [0, total): the leaf where the running sum first exceeds u. */
  find(u: number): number {
    const nodes = this.sums.nodes;
    let k = 1;
    while (k < this.sums.leaves) {
      const left = nodes[2 * k]!;
      // Going right needs mass on the right: rounding can leave u >= left with an empty right subtree.
      if (u < left || nodes[2 * k + 1]! <= 0) k = 2 * k;
      else {
        u -= left;
        k = 2 * k + 1;
      }
    }
    return k - this.sums.leaves;
  }

  /**
   * Draws `indices.length` slots (row j from the j-th of as many equal slices
   * of the total) into `indices`, and their weights (p_min / p_i)^beta into
   * `weights`. Draws `indices.length` numbers from `rng`.
   */
  sample(rng: Rng, beta: number, indices: Int32Array, weights: Float32Array): void {
    const n = indices.length;
    if (this.size === 0) throw new RangeError('PrioritizedSampler.sample: no transitions stored');
    if (weights.length !== n) throw new RangeError(`PrioritizedSampler.sample: ${weights.length} weights for ${n} rows`);
    const total = this.total;
    const pMin = this.mins.root;
    const slice = total / n;
    for (let j = 0; j < n; j++) {
      const u = Math.min((j + rng.random()) * slice, total);
      const i = this.find(u);
      indices[j] = i;
      weights[j] = (pMin / this.sums.get(i)) ** beta;
    }
  }

  /** New priorities from the TD errors of the rows drawn at `indices`; a slot drawn twice keeps its last row's. */
  update(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    for (let j = 0; j < indices.length; j++) {
      const slot = indices[j]!;
      const d = Math.abs(tdErrors[j]!);
      if (!Number.isFinite(d)) throw new RangeError(`PrioritizedSampler.update: the TD error of row ${j} (slot ${slot}) is ${tdErrors[j]}`);
      if (slot < 0 || slot >= this.size) throw new RangeError(`PrioritizedSampler.update: slot ${slot} is not filled`);
      const p = d + this.epsilon;
      if (p > this.maxPriority) this.maxPriority = p;
      this.setLeaf(slot, p ** this.alpha);
    }
  }

  toBytes(): Uint8Array {
    const n = this.size;
    const bytes = new Uint8Array(HEADER_BYTES + 8 + 8 * n);
    new Uint32Array(bytes.buffer, 0, 4).set([MAGIC, VERSION, this.capacity, n]);
    const f = new Float64Array(bytes.buffer, HEADER_BYTES, 1 + n);
    f[0] = this.maxPriority;
    f.set(this.sums.nodes.subarray(this.sums.leaves, this.sums.leaves + n), 1);
    return bytes;
  }

  /** Restores the priorities written by `toBytes` into a sampler made with the same capacity, alpha and epsilon. */
  static fromBytes(data: ArrayBuffer, capacity: number, alpha: number, epsilon: number): PrioritizedSampler {
    const fail = (why: string): never => {
      throw new Error(`PrioritizedSampler.fromBytes: ${why}`);
    };
    if (data.byteLength < HEADER_BYTES + 8) fail(`${data.byteLength} bytes is shorter than the ${HEADER_BYTES + 8}-byte header`);
    const [magic, version, cap, n] = new Uint32Array(data, 0, 4) as unknown as number[];
    if (magic !== MAGIC) fail('not a priorities file (bad magic number)');
    if (version !== VERSION) fail(`unsupported version ${version}`);
    if (cap !== capacity) fail(`the file holds priorities for capacity ${cap}, expected ${capacity}`);
    if (n! > cap!) fail(`${n} filled slots for capacity ${cap}`);
    if (data.byteLength !== HEADER_BYTES + 8 + 8 * n!) fail(`${data.byteLength} bytes, expected ${HEADER_BYTES + 8 + 8 * n!} for ${n} slots`);
    const f = new Float64Array(data, HEADER_BYTES, 1 + n!);
    const leaves = f.subarray(1);
    if (!(f[0]! > 0) || !leaves.every((p) => p > 0 && Number.isFinite(p))) fail('priorities must be finite and positive');
    const s = new PrioritizedSampler(capacity, alpha, epsilon);
    s.maxPriority = f[0]!;
    s.size = n!;
    s.sums.setAll(leaves);
    s.mins.setAll(leaves);
    return s;
  }
}
