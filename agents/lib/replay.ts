// Experience replay: a ring buffer of transitions (s, a, r, s', terminated,
// truncated, horizon) over flat typed arrays allocated once, sampled uniformly
// with replacement (as Stable-Baselines3's ReplayBuffer and CleanRL do), or at
// slots a sampler chose (`gather`, for prioritized replay), with no
// allocation per add or per sample. The horizon is the number of env steps
// the transition spans: 1, or up to n for an n-step transition, whose reward
// is the discounted sum of its rewards and whose s' is where it bootstraps
// (with gamma^horizon).
//
// Both end flags are kept: a learner bootstraps from s' unless `terminated`.
// For an episode cut by a time limit, s' must be the observation the episode
// really ended on, never the next episode's reset observation: `addVector`
// takes it from the vector env's `finalObs` (same-step autoreset) or `obs`
// (next-step autoreset), and skips next-step autoreset rows, which are not
// transitions.
//
// Binary form (`toBytes` / `fromBytes`, for checkpoints): a 32-byte header of
// little-endian uint32 (magic "ARPL", version, capacity, obsDim, actionDim,
// size, pos, 0), then the filled rows of obs, nextObs, actions, rewards
// (float32), terminated, truncated (uint8), horizons (uint16), each section
// in slot order. Version 1 files (no horizons) load with horizon 1.
import type { Rng } from '../../core/rng.js';
import type { VectorStepResult } from '../../core/vector.js';

/** A sampled minibatch: rows in the order drawn. Make one with `ReplayBuffer.batch` and reuse it. */
export interface ReplayBatch {
  readonly size: number;
  /** size x obsDim */
  readonly obs: Float32Array;
  /** size x actionDim (the index of a discrete action, as a float) */
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  /** size x obsDim */
  readonly nextObs: Float32Array;
  /** 1 or 0, as floats, ready for a tensor. */
  readonly terminated: Float32Array;
  readonly truncated: Float32Array;
  /** Env steps each row spans (1 unless n-step), as floats. */
  readonly horizons: Float32Array;
  /** The slot of each row. */
  readonly indices: Int32Array;
}

const MAGIC = 0x4c505241; // "ARPL" read as a little-endian uint32
const VERSION = 2;
const HEADER_BYTES = 32;

export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly horizons: Uint16Array;
  /** Slot the next transition goes to. */
  pos = 0;
  /** Filled slots: min(transitions added, capacity). */
  size = 0;

  constructor(
    readonly capacity: number,
    readonly obsDim: number,
    readonly actionDim = 1,
  ) {
    for (const [name, v] of [
      ['capacity', capacity],
      ['obsDim', obsDim],
      ['actionDim', actionDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`ReplayBuffer: ${name} must be a positive integer, got ${v}`);
    }
    this.obs = new Float32Array(capacity * obsDim);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.actions = new Float32Array(capacity * actionDim);
    this.rewards = new Float32Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
    this.horizons = new Uint16Array(capacity);
  }

  /** Takes the next slot (overwriting the oldest transition once full) and returns it. */
  private claim(): number {
    const slot = this.pos;
    this.pos = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.size < this.capacity) this.size += 1;
    return slot;
  }

  /**
   * Stores one transition and returns its slot; `obs` and `nextObs` hold
   * obsDim numbers each, `action` a number or actionDim numbers, `horizon`
   * the env steps it spans (1 to 65535).
   */
  add(obs: ArrayLike<number>, action: number | ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean, horizon = 1): number {
    const d = this.obsDim;
    if (obs.length < d || nextObs.length < d) throw new RangeError(`ReplayBuffer.add: observations need ${d} numbers, got ${obs.length} and ${nextObs.length}`);
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > 0xffff) throw new RangeError(`ReplayBuffer.add: horizon must be an integer in [1, 65535], got ${horizon}`);
    const slot = this.claim();
    for (let k = 0; k < d; k++) {
      this.obs[slot * d + k] = obs[k]!;
      this.nextObs[slot * d + k] = nextObs[k]!;
    }
    const da = this.actionDim;
    if (typeof action === 'number') this.actions[slot * da] = action;
    else for (let k = 0; k < da; k++) this.actions[slot * da + k] = action[k]!;
    this.rewards[slot] = reward;
    this.terminated[slot] = terminated ? 1 : 0;
    this.truncated[slot] = truncated ? 1 : 0;
    this.horizons[slot] = horizon;
    return slot;
  }

  /**
   * Stores the transitions of one vector step: `obs` (numEnvs x obsDim) is
   * what the agent acted on, `actions` (numEnvs x actionDim) what it stored
   * for each env, `step` the vector env's result. Rows marked `autoreset` are
   * skipped. Returns the number of transitions stored.
   */
  addVector(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    step: Pick<VectorStepResult, 'obs' | 'finalObs' | 'rewards' | 'terminations' | 'truncations' | 'autoreset'>,
  ): number {
    const d = this.obsDim;
    const da = this.actionDim;
    const n = step.rewards.length;
    let added = 0;
    for (let i = 0; i < n; i++) {
      if (step.autoreset[i]) continue;
      const ended = step.terminations[i] !== 0 || step.truncations[i] !== 0;
      // finalObs is `obs` itself in next-step mode and the kept-aside row in same-step mode.
      const next = ended ? step.finalObs : step.obs;
      const slot = this.claim();
      for (let k = 0; k < d; k++) {
        this.obs[slot * d + k] = obs[i * d + k]!;
        this.nextObs[slot * d + k] = next[i * d + k]!;
      }
      for (let k = 0; k < da; k++) this.actions[slot * da + k] = actions[i * da + k]!;
      this.rewards[slot] = step.rewards[i]!;
      this.terminated[slot] = step.terminations[i]!;
      this.truncated[slot] = step.truncations[i]!;
      this.horizons[slot] = 1;
      added += 1;
    }
    return added;
  }

  /** Arrays for minibatches of `batchSize` rows, to pass to `sample` again and again. */
  batch(batchSize: number): ReplayBatch {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`ReplayBuffer.batch: batchSize must be a positive integer, got ${batchSize}`);
    return {
      size: batchSize,
      obs: new Float32Array(batchSize * this.obsDim),
      actions: new Float32Array(batchSize * this.actionDim),
      rewards: new Float32Array(batchSize),
      nextObs: new Float32Array(batchSize * this.obsDim),
      terminated: new Float32Array(batchSize),
      truncated: new Float32Array(batchSize),
      horizons: new Float32Array(batchSize),
      indices: new Int32Array(batchSize),
    };
  }

  /** Fills `out` with `out.size` transitions drawn uniformly, with replacement, from the filled slots. */
  sample(rng: Rng, out: ReplayBatch): ReplayBatch {
    if (this.size === 0) throw new RangeError('ReplayBuffer.sample: the buffer is empty');
    for (let j = 0; j < out.size; j++) out.indices[j] = rng.integers(0, this.size);
    return this.gather(out);
  }

  /** Fills the rows of `out` with the transitions at the filled slots `out.indices`. */
  gather(out: ReplayBatch): ReplayBatch {
    if (out.obs.length !== out.size * this.obsDim || out.actions.length !== out.size * this.actionDim) {
      throw new RangeError(`ReplayBuffer.gather: the batch was not made for this buffer (obsDim ${this.obsDim}, actionDim ${this.actionDim})`);
    }
    const d = this.obsDim;
    const da = this.actionDim;
    for (let j = 0; j < out.size; j++) {
      const s = out.indices[j]!;
      if (!(s >= 0 && s < this.size)) throw new RangeError(`ReplayBuffer.gather: slot ${s} (row ${j}) is not one of the ${this.size} filled slots`);
      for (let k = 0; k < d; k++) {
        out.obs[j * d + k] = this.obs[s * d + k]!;
        out.nextObs[j * d + k] = this.nextObs[s * d + k]!;
      }
      for (let k = 0; k < da; k++) out.actions[j * da + k] = this.actions[s * da + k]!;
      out.rewards[j] = this.rewards[s]!;
      out.terminated[j] = this.terminated[s]!;
      out.truncated[j] = this.truncated[s]!;
      out.horizons[j] = this.horizons[s]!;
    }
    return out;
  }

  /** Empties the buffer (the arrays keep their old contents, which are never read). */
  clear(): void {
    this.pos = 0;
    this.size = 0;
  }

  /** The filled slots and the ring position, as bytes (see the header comment for the layout). */
  toBytes(): Uint8Array {
    const n = this.size;
    const d = this.obsDim;
    const da = this.actionDim;
    const floats = n * (2 * d + da + 1);
    const bytes = new Uint8Array(HEADER_BYTES + 4 * floats + 4 * n);
    new Uint32Array(bytes.buffer, 0, 8).set([MAGIC, VERSION, this.capacity, d, da, n, this.pos, 0]);
    const f = new Float32Array(bytes.buffer, HEADER_BYTES, floats);
    let o = 0;
    for (const part of [this.obs.subarray(0, n * d), this.nextObs.subarray(0, n * d), this.actions.subarray(0, n * da), this.rewards.subarray(0, n)]) {
      f.set(part, o);
      o += part.length;
    }
    const flags = HEADER_BYTES + 4 * floats;
    bytes.set(this.terminated.subarray(0, n), flags);
    bytes.set(this.truncated.subarray(0, n), flags + n);
    const h = this.horizons.subarray(0, n);
    bytes.set(new Uint8Array(h.buffer, h.byteOffset, h.byteLength), flags + 2 * n);
    return bytes;
  }

  /** Rebuilds a buffer written by `toBytes`; `expected` (capacity and dims) guards against loading the wrong file. */
  static fromBytes(data: ArrayBuffer, expected?: { capacity?: number; obsDim?: number; actionDim?: number }): ReplayBuffer {
    const fail = (why: string): never => {
      throw new Error(`ReplayBuffer.fromBytes: ${why}`);
    };
    if (data.byteLength < HEADER_BYTES) fail(`${data.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
    const [magic, version, capacity, d, da, n, pos] = new Uint32Array(data, 0, 8) as unknown as number[];
    if (magic !== MAGIC) fail('not a replay buffer file (bad magic number)');
    if (version !== 1 && version !== VERSION) fail(`unsupported version ${version}`);
    for (const [name, want, got] of [
      ['capacity', expected?.capacity, capacity],
      ['obsDim', expected?.obsDim, d],
      ['actionDim', expected?.actionDim, da],
    ] as const) {
      if (want !== undefined && want !== got) fail(`the file holds a buffer with ${name} ${got}, expected ${want}`);
    }
    if (n! > capacity! || pos! >= capacity! || (n! < capacity! && pos !== n)) fail(`inconsistent size ${n} and position ${pos} for capacity ${capacity}`);
    const floats = n! * (2 * d! + da! + 1);
    const bytes = HEADER_BYTES + 4 * floats + (version === 1 ? 2 : 4) * n!;
    if (data.byteLength !== bytes) fail(`${data.byteLength} bytes, expected ${bytes} for ${n} transitions`);
    const buf = new ReplayBuffer(capacity!, d!, da!);
    const f = new Float32Array(data, HEADER_BYTES, floats);
    let o = 0;
    for (const part of [buf.obs.subarray(0, n! * d!), buf.nextObs.subarray(0, n! * d!), buf.actions.subarray(0, n! * da!), buf.rewards.subarray(0, n!)]) {
      part.set(f.subarray(o, o + part.length));
      o += part.length;
    }
    const flags = new Uint8Array(data, HEADER_BYTES + 4 * floats, 2 * n!);
    buf.terminated.set(flags.subarray(0, n!));
    buf.truncated.set(flags.subarray(n!));
    // A copy: the section may not start at an even offset of `data`'s buffer.
    if (version === 1) buf.horizons.fill(1, 0, n!);
    else buf.horizons.set(new Uint16Array(data.slice(HEADER_BYTES + 4 * floats + 2 * n!)));
    buf.size = n!;
    buf.pos = pos!;
    return buf;
  }
}
