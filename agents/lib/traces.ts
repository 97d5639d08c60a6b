// Eligibility traces over a Q-table (Sutton & Barto 12.5-12.7): e(s, a) per
// entry, kept sparse. Only the entries visited in the current episode can be
// non-zero, so they are listed as they are first visited and every update and
// decay walks that list instead of the whole table; the numbers are exactly
// those of the dense algorithm (no cutoff), in the same order.
//
//   accumulating: e(s, a) += 1 at a visit      replacing: e(s, a) = 1
//   update:       Q += alpha * delta * e        decay:     e *= gamma * lambda
export type TraceKind = 'accumulating' | 'replacing';
export const TRACE_KINDS: readonly TraceKind[] = ['accumulating', 'replacing'];

export class EligibilityTraces {
  readonly e: Float64Array;
  private readonly listed: Uint8Array;
  private readonly active: Int32Array;
  private count = 0;

  constructor(
    size: number,
    private readonly kind: TraceKind,
  ) {
    this.e = new Float64Array(size);
    this.listed = new Uint8Array(size);
    this.active = new Int32Array(size);
  }

  /** Entries that may be non-zero, in order of first visit. */
  get activeCount(): number {
    return this.count;
  }

  visit(i: number): void {
    if (!this.listed[i]) {
      this.listed[i] = 1;
      this.active[this.count++] = i;
    }
    this.e[i] = this.kind === 'accumulating' ? this.e[i]! + 1 : 1;
  }

  /** Q[i] += step * e[i] for every listed entry; returns nothing, allocates nothing. */
  apply(Q: Float64Array, step: number): void {
    for (let k = 0; k < this.count; k++) {
      const i = this.active[k]!;
      Q[i]! += step * this.e[i]!;
    }
  }

  decay(factor: number): void {
    for (let k = 0; k < this.count; k++) this.e[this.active[k]!]! *= factor;
  }

  /** Every trace back to 0 (an episode end, or Watkins's cut after an exploratory action). */
  clear(): void {
    for (let k = 0; k < this.count; k++) {
      const i = this.active[k]!;
      this.e[i] = 0;
      this.listed[i] = 0;
    }
    this.count = 0;
  }
}
