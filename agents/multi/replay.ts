// A replay buffer of encoded transitions with the next observation's action
// mask, for the shared DQN: masked TD targets take the max over the moves that
// are legal in s' only. A ring of preallocated typed arrays; `null` masks are
// stored as all ones.
import type { Rng } from '../../core/rng.js';

export interface MaskedBatch {
  size: number;
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly terminated: Float32Array;
  readonly nextMasks: Float32Array;
}

export class MaskedReplay {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly rewards: Float32Array;
  readonly actions: Int32Array;
  readonly terminated: Uint8Array;
  readonly nextMasks: Uint8Array;
  private pos = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly inputDim: number,
    readonly nActions: number,
  ) {
    this.obs = new Float32Array(capacity * inputDim);
    this.nextObs = new Float32Array(capacity * inputDim);
    this.rewards = new Float32Array(capacity);
    this.actions = new Int32Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.nextMasks = new Uint8Array(capacity * nActions);
  }

  get size(): number {
    return this.count;
  }

  /** Stores one transition (rows of `inputDim` encoded values at the given offsets). */
  add(x: Float32Array, xOffset: number, action: number, reward: number, nextX: Float32Array, nextOffset: number, nextMask: Uint8Array | null, terminated: boolean): void {
    const d = this.inputDim;
    const k = this.pos;
    this.obs.set(x.subarray(xOffset, xOffset + d), k * d);
    this.nextObs.set(nextX.subarray(nextOffset, nextOffset + d), k * d);
    this.actions[k] = action;
    this.rewards[k] = reward;
    this.terminated[k] = terminated ? 1 : 0;
    if (nextMask) this.nextMasks.set(nextMask, k * this.nActions);
    else this.nextMasks.fill(1, k * this.nActions, (k + 1) * this.nActions);
    this.pos = (k + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  batch(size: number): MaskedBatch {
    return {
      size,
      obs: new Float32Array(size * this.inputDim),
      nextObs: new Float32Array(size * this.inputDim),
      actions: new Int32Array(size),
      rewards: new Float32Array(size),
      terminated: new Float32Array(size),
      nextMasks: new Float32Array(size * this.nActions),
    };
  }

  /** Fills `out` with transitions drawn uniformly (with replacement) from `rng`. */
  sample(rng: Rng, out: MaskedBatch): void {
    if (this.count === 0) throw new RangeError('MaskedReplay.sample: the buffer is empty');
    const d = this.inputDim;
    const n = this.nActions;
    for (let j = 0; j < out.size; j++) {
      const k = rng.integers(0, this.count);
      out.obs.set(this.obs.subarray(k * d, (k + 1) * d), j * d);
      out.nextObs.set(this.nextObs.subarray(k * d, (k + 1) * d), j * d);
      out.actions[j] = this.actions[k]!;
      out.rewards[j] = this.rewards[k]!;
      out.terminated[j] = this.terminated[k]!;
      for (let a = 0; a < n; a++) out.nextMasks[j * n + a] = this.nextMasks[k * n + a]!;
    }
  }

  /** The whole buffer as bytes: position and count, then the arrays (for exact resumes). */
  toBytes(): Uint8Array {
    const parts: ArrayBufferView[] = [new Float64Array([this.pos, this.count]), this.obs, this.nextObs, this.rewards, this.actions, this.terminated, this.nextMasks];
    const total = parts.reduce((a, p) => a + p.byteLength, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
      o += p.byteLength;
    }
    return out;
  }

  static fromBytes(bytes: ArrayBuffer, capacity: number, inputDim: number, nActions: number): MaskedReplay {
    const r = new MaskedReplay(capacity, inputDim, nActions);
    const expected = 16 + (2 * capacity * inputDim + 2 * capacity) * 4 + capacity + capacity * nActions;
    if (bytes.byteLength !== expected) throw new RangeError(`MaskedReplay.fromBytes: got ${bytes.byteLength} bytes, expected ${expected} (capacity ${capacity}, input ${inputDim}, actions ${nActions})`);
    let o = 0;
    const take = (n: number) => {
      const slice = bytes.slice(o, o + n);
      o += n;
      return slice;
    };
    const header = new Float64Array(take(16));
    r.pos = header[0]!;
    r.count = header[1]!;
    r.obs.set(new Float32Array(take(capacity * inputDim * 4)));
    r.nextObs.set(new Float32Array(take(capacity * inputDim * 4)));
    r.rewards.set(new Float32Array(take(capacity * 4)));
    r.actions.set(new Int32Array(take(capacity * 4)));
    r.terminated.set(new Uint8Array(take(capacity)));
    r.nextMasks.set(new Uint8Array(take(capacity * nActions)));
    return r;
  }
}
