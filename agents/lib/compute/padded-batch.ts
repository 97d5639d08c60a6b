// Fixed-capacity feeds for an update graph whose minibatches vary in size:
// each column (observations, actions, returns, ...) is a preallocated buffer
// of `capacity` rows viewed by a tensor, filled with the rows in use and
// zeros after them, and the row weights `w` are 1/size on the rows in use and
// 0 on the padding, for policy-ops.ts's weighted means: one graph of static
// shape serves every size up to the capacity, and the padding (finite zeros
// of weight 0) adds exactly nothing to the loss or its gradients.
import type { Graph, Sym } from './graph.js';
import { Tensor } from './session.js';

export interface Column {
  readonly name: string;
  /** Numbers per row (its shape is then [capacity, width]; 0 gives a 1-D column [capacity]). */
  readonly width: number;
  /** int64 for action indices, else float32. */
  readonly int?: boolean;
}

export class PaddedBatch {
  readonly feeds: Record<string, Tensor>;
  private readonly buffers: Record<string, Float32Array | BigInt64Array>;
  private readonly w: Float32Array;

  constructor(
    readonly capacity: number,
    private readonly columns: readonly Column[],
  ) {
    this.w = new Float32Array(capacity);
    this.buffers = {};
    this.feeds = { w: new Tensor('float32', this.w, [capacity]) };
    for (const c of columns) {
      const n = capacity * Math.max(1, c.width);
      const buf = c.int ? new BigInt64Array(n) : new Float32Array(n);
      this.buffers[c.name] = buf;
      this.feeds[c.name] = c.int ? new Tensor('int64', buf as BigInt64Array, shapeOf(c, capacity)) : new Tensor('float32', buf as Float32Array, shapeOf(c, capacity));
    }
  }

  /** The graph inputs of `columns` and the row weights `w`, for capacity rows. */
  static inputs(g: Graph, capacity: number, columns: readonly Column[]): Record<string, Sym> & { w: Sym } {
    const out: Record<string, Sym> = { w: g.input('w', [capacity]) };
    for (const c of columns) out[c.name] = g.input(c.name, shapeOf(c, capacity), c.int ? 'int64' : g.float);
    return out as Record<string, Sym> & { w: Sym };
  }

  /** Copies the first `size` rows of each column's source (by name), zeroes the rest, and sets the row weights. */
  fill(sources: Readonly<Record<string, ArrayLike<number>>>, size: number): void {
    if (!(size >= 1 && size <= this.capacity)) throw new RangeError(`PaddedBatch.fill: ${size} rows for a capacity of ${this.capacity}`);
    for (const c of this.columns) {
      const src = sources[c.name];
      if (!src) throw new Error(`PaddedBatch.fill: no values for column ${JSON.stringify(c.name)}`);
      const n = size * Math.max(1, c.width);
      const buf = this.buffers[c.name]!;
      if (buf instanceof BigInt64Array) {
        for (let i = 0; i < n; i++) buf[i] = BigInt(src[i]!);
        buf.fill(0n, n);
      } else {
        for (let i = 0; i < n; i++) buf[i] = src[i]!;
        buf.fill(0, n);
      }
    }
    this.w.fill(Math.fround(1 / size), 0, size);
    this.w.fill(0, size);
  }
}

function shapeOf(c: Column, capacity: number): number[] {
  return c.width === 0 ? [capacity] : [capacity, c.width];
}
