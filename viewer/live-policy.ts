// A trained policy as the viewer's "play live" page runs it in the browser:
// the description the server sends (which nets, how observations are encoded
// and normalized, how the action is read off the head), the one binary packet
// that carries it with the weights, and the plain-JS forward pass. No Node or
// DOM APIs: the server (live-source.ts), the browser page and the Node tests
// share this file.
//
// The action is what the agent's deterministic `act` returns, as the ONNX
// export (agents/export/onnx.ts) computes it: the first argmax of the logits
// or Q-values (plus the Discrete space's start), the Gaussian mean clipped to
// the action Box, DDPG's and TD3's tanh output or SAC's tanh(mean) mapped onto
// the Box and clipped, a tabular agent's greedy action. The cnn policy's trunk
// is the policy's (shared with its value net), except for DDPG, TD3 and SAC,
// whose critic reads the observation through a trunk of its own. Observation
// normalization (PPO/A2C normalizeObs) is computed in float64 as the agents
// do; layers are accumulated in float64 and rounded to float32 after each one,
// as float32 tensors store them.
import type { BoxSpace, SpaceJSON } from '../core/spaces.js';
import { describeSpace, spaceFromJSON } from '../core/spaces.js';

export const LIVE_FORMAT = 'arena.live/1';
/** The packet's content type. */
export const LIVE_PACKET_TYPE = 'application/octet-stream';

export type LiveActivation = 'tanh' | 'relu' | 'linear';

/** An `arena.mlp/1` net: layer sizes, hidden activation, weights [W0 (in x out), b0, W1, b1, ...] from `offset` in the packet's floats. */
export interface LiveMlp {
  readonly sizes: readonly number[];
  readonly activation: LiveActivation;
  readonly offset: number;
}

/** An `arena.cnn/1` trunk (NHWC, valid padding, relu): kernels [k, k, C_in, C_out] and biases per conv, then a dense relu layer [in x dense]. */
export interface LiveCnn {
  readonly inputShape: readonly [number, number, number];
  readonly filters: readonly number[];
  readonly kernels: readonly number[];
  readonly strides: readonly number[];
  readonly dense: number;
  readonly offset: number;
}

/** How the action is read off the network. */
export type LiveHead =
  /** Policy-gradient logits: argmax is the action, softmax the probabilities shown. */
  | { readonly kind: 'logits'; readonly net: LiveMlp }
  /** A Gaussian policy's mean, clipped to the action Box. */
  | { readonly kind: 'mean'; readonly net: LiveMlp }
  /** DQN's Q-values, argmax. */
  | { readonly kind: 'q'; readonly net: LiveMlp }
  /** Dueling DQN: Q = V + A - mean(A) on the trunk's activated features. */
  | { readonly kind: 'dueling'; readonly trunk: LiveMlp; readonly value: LiveMlp; readonly advantage: LiveMlp }
  /**
   * DDPG, TD3, SAC: center + half * tanh(mean), clipped to the Box; the critic
   * Q(s, tanh(mean)) as the value. The mean is the actor's output, or (`split`,
   * SAC) the first half of it (the second is the log-std), clipped to
   * +-`meanClip` when given (SAC's gSDE).
   */
  | { readonly kind: 'tanh-box'; readonly net: LiveMlp; readonly split?: boolean; readonly meanClip?: number }
  /** A tabular agent: the greedy action of each state (0-based), its Q-table (states x actions, row-major), a planner's V(s). */
  | { readonly kind: 'table'; readonly greedy: readonly number[]; readonly q: readonly number[]; readonly values?: readonly number[] };

export interface LivePolicySpec {
  readonly algorithm: string;
  readonly observationSpace: SpaceJSON;
  readonly actionSpace: SpaceJSON;
  /** clip((x - mean) / std, +-clip), float64; std is sqrt(var + 1e-8). */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[]; readonly clip: number };
  readonly cnn?: LiveCnn;
  readonly head: LiveHead;
  /** A state-value net on the features (the critic, REINFORCE's baseline); for a tanh-box head the critic on [features, mu]. */
  readonly value?: LiveMlp;
  /** The critic's own trunk under a tanh-box head (DDPG's, TD3's and SAC's cnn policy): the value net reads its features instead of the policy's. */
  readonly valueCnn?: LiveCnn;
}

/** What the play-live page needs: the env to make in the browser and the policy to act in it. */
export interface LiveSpec {
  readonly format: typeof LIVE_FORMAT;
  readonly env: { readonly id: string; readonly kwargs: Readonly<Record<string, unknown>>; readonly wrappers: readonly { readonly name: string; readonly args: Readonly<Record<string, unknown>> }[] };
  /** The checkpoint's training step. */
  readonly trainingStep: number;
  readonly policy: LivePolicySpec;
  /** Float32 values after the JSON in the packet. */
  readonly weights: number;
}

// ---------------------------------------------------------------- packet

/**
 * The packet: a uint32 (little-endian) byte length of the JSON spec, the spec
 * as UTF-8, zero bytes up to a multiple of 4, then the weights as float32
 * little-endian.
 */
export function encodeLivePacket(spec: LiveSpec, weights: Float32Array): Uint8Array {
  if (spec.weights !== weights.length) throw new Error(`live packet: the spec counts ${spec.weights} weights, ${weights.length} given`);
  const json = new TextEncoder().encode(JSON.stringify(spec));
  const start = Math.ceil((4 + json.length) / 4) * 4;
  const out = new Uint8Array(start + weights.length * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 4);
  for (let i = 0; i < weights.length; i++) view.setFloat32(start + 4 * i, weights[i]!, true);
  return out;
}

/** Reads a packet written by encodeLivePacket; a malformed one gets an error saying what is wrong. */
export function decodeLivePacket(bytes: ArrayBuffer | Uint8Array): { spec: LiveSpec; weights: Float32Array } {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (u8.byteLength < 4) throw new Error(`live packet: ${u8.byteLength} bytes, too short for its header`);
  const n = view.getUint32(0, true);
  if (4 + n > u8.byteLength) throw new Error(`live packet: the header announces ${n} bytes of JSON, the packet holds ${u8.byteLength - 4}`);
  const spec = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + n))) as LiveSpec;
  if (spec?.format !== LIVE_FORMAT) throw new Error(`live packet: format ${JSON.stringify(spec?.format)}, expected ${LIVE_FORMAT}`);
  const start = Math.ceil((4 + n) / 4) * 4;
  if (u8.byteLength - start !== spec.weights * 4) throw new Error(`live packet: ${u8.byteLength - start} bytes of weights, the spec counts ${spec.weights} float32 values`);
  const weights = new Float32Array(spec.weights);
  for (let i = 0; i < weights.length; i++) weights[i] = view.getFloat32(start + 4 * i, true);
  return { spec, weights };
}

// ---------------------------------------------------------------- forward pass

/** What the policy thinks of a state, for the overlay (as core/episode.ts's FrameOverlays). */
export interface LiveOverlays {
  probs?: number[];
  qValues?: number[];
  value?: number;
}

export interface LivePolicy {
  /** The deterministic action for one observation: an integer for a Discrete space, a Float32Array for a Box. */
  act(obs: unknown): number | Float32Array;
  /** The action with the overlay's numbers. */
  actWithOverlays(obs: unknown): { action: number | Float32Array; overlays: LiveOverlays };
  /** Float32 values the weights must hold (the largest offset + size any net reads). */
  readonly weightsNeeded: number;
}

/** Float32 values of an MLP of these sizes. */
export function mlpSize(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
  return n;
}

/** Float32 values of a CNN trunk. */
export function cnnSize(c: Omit<LiveCnn, 'offset'>): number {
  let [h, w, ch] = c.inputShape;
  let n = 0;
  for (let l = 0; l < c.filters.length; l++) {
    const k = c.kernels[l]!;
    const s = c.strides[l]!;
    n += k * k * ch * c.filters[l]! + c.filters[l]!;
    h = Math.floor((h - k) / s) + 1;
    w = Math.floor((w - k) / s) + 1;
    ch = c.filters[l]!;
  }
  return n + h * w * ch * c.dense + c.dense;
}

function activate(x: number, a: LiveActivation): number {
  return a === 'relu' ? (x > 0 ? x : 0) : a === 'tanh' ? Math.tanh(x) : x;
}

/** x (float32 values) through the MLP; the last layer linear unless `activateLast`. */
function mlp(net: LiveMlp, w: Float32Array, x: Float32Array, activateLast = false): Float32Array {
  if (x.length !== net.sizes[0]) throw new Error(`live policy: a net of input size ${net.sizes[0]} got ${x.length} values`);
  let o = net.offset;
  let h = x;
  for (let l = 0; l + 1 < net.sizes.length; l++) {
    const [nIn, nOut] = [net.sizes[l]!, net.sizes[l + 1]!];
    const out = new Float32Array(nOut);
    const bias = o + nIn * nOut;
    const last = l + 2 === net.sizes.length;
    for (let j = 0; j < nOut; j++) {
      let s = 0;
      for (let i = 0; i < nIn; i++) s += h[i]! * w[o + i * nOut + j]!;
      s = Math.fround(s) + w[bias + j]!;
      out[j] = !last || activateLast ? activate(Math.fround(s), net.activation) : s;
    }
    o = bias + nOut;
    h = out;
  }
  return h;
}

/** The CNN trunk on pixels (0-255, HWC order): /255, valid convolutions with relu, flattened HWC, a dense relu layer. */
function cnn(c: LiveCnn, w: Float32Array, pixels: Float32Array): Float32Array {
  let [H, W, C] = c.inputShape;
  if (pixels.length !== H * W * C) throw new Error(`live policy: the CNN takes ${H}x${W}x${C} values, got ${pixels.length}`);
  let x = new Float32Array(pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(pixels[i]! / 255);
  let o = c.offset;
  for (let l = 0; l < c.filters.length; l++) {
    const [k, s, F] = [c.kernels[l]!, c.strides[l]!, c.filters[l]!];
    const oh = Math.floor((H - k) / s) + 1;
    const ow = Math.floor((W - k) / s) + 1;
    const bias = o + k * k * C * F;
    const out = new Float32Array(oh * ow * F);
    const acc = new Float64Array(F);
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        acc.fill(0);
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const src = ((y * s + ky) * W + (xx * s + kx)) * C;
            const wk = o + (ky * k + kx) * C * F;
            for (let ci = 0; ci < C; ci++) {
              const v = x[src + ci]!;
              if (v === 0) continue;
              const wr = wk + ci * F;
              for (let f = 0; f < F; f++) acc[f]! += v * w[wr + f]!;
            }
          }
        }
        const dst = (y * ow + xx) * F;
        for (let f = 0; f < F; f++) {
          const v = Math.fround(Math.fround(acc[f]!) + w[bias + f]!);
          out[dst + f] = v > 0 ? v : 0;
        }
      }
    }
    o = bias + F;
    x = out;
    [H, W, C] = [oh, ow, F];
  }
  return mlp({ sizes: [H * W * C, c.dense], activation: 'relu', offset: o }, w, x, true);
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function softmax(v: Float32Array): number[] {
  const m = Math.max(...v);
  const e = Array.from(v, (x) => Math.exp(x - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

function clip(x: Float32Array, b: BoxSpace): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(Math.max(x[i]!, b.low[i]!), b.high[i]!);
  return x;
}

/** The last weight a net reads, plus one. */
const mlpEnd = (n: LiveMlp): number => n.offset + mlpSize(n.sizes);

/** A policy that acts from `weights` as `spec` describes. */
export function livePolicy(spec: LivePolicySpec, weights: Float32Array): LivePolicy {
  const head = spec.head;
  const obsSpace = spaceFromJSON(spec.observationSpace, 'live policy: observationSpace');
  const actSpace = spaceFromJSON(spec.actionSpace, 'live policy: actionSpace');
  if (obsSpace.type !== 'box' && obsSpace.type !== 'discrete') throw new Error(`live policy: the observation space ${describeSpace(obsSpace)} is neither Box nor Discrete`);
  if (actSpace.type !== 'box' && actSpace.type !== 'discrete') throw new Error(`live policy: the action space ${describeSpace(actSpace)} is neither Box nor Discrete`);
  const discreteObs = obsSpace.type === 'discrete';
  const obsSize = discreteObs ? obsSpace.n : obsSpace.low.length;
  const obsStart = discreteObs ? obsSpace.start : 0;
  const actStart = actSpace.type === 'discrete' ? actSpace.start : 0;
  const box = actSpace.type === 'box' ? actSpace : null;
  if ((head.kind === 'mean' || head.kind === 'tanh-box') !== (box !== null)) throw new Error(`live policy: a ${head.kind} head does not act in ${describeSpace(actSpace)}`);
  const nets: LiveMlp[] =
    head.kind === 'table' ? [] : head.kind === 'dueling' ? [head.trunk, head.value, head.advantage] : [head.net];
  if (spec.value) nets.push(spec.value);
  const trunks = [spec.cnn, spec.valueCnn].filter((c): c is LiveCnn => c !== undefined);
  const weightsNeeded = Math.max(0, ...nets.map(mlpEnd), ...trunks.map((c) => c.offset + cnnSize(c)));
  if (weights.length < weightsNeeded) throw new Error(`live policy: the nets read ${weightsNeeded} weights, ${weights.length} given`);

  const stateIndex = (obs: unknown): number => {
    const s = typeof obs === 'number' ? obs - obsStart : NaN;
    if (!Number.isInteger(s) || s < 0 || s >= obsSize) throw new Error(`live policy: observation ${String(obs)} is not a state of Discrete(${obsSize}, start ${obsStart})`);
    return s;
  };

  /** The network input before any trunk: a Box flattened (normalized when the agent normalizes), a Discrete state one-hot. */
  const encode = (obs: unknown): Float32Array => {
    let x: Float32Array;
    if (discreteObs) {
      x = new Float32Array(obsSize);
      x[stateIndex(obs)] = 1;
    } else {
      const values = obs as ArrayLike<number>;
      if (values?.length !== obsSize) throw new Error(`live policy: an observation has ${obsSize} values, got ${values?.length}`);
      x = Float32Array.from(values);
    }
    if (spec.normalize) {
      const { mean, std, clip: c } = spec.normalize;
      for (let i = 0; i < x.length; i++) x[i] = Math.min(Math.max((x[i]! - mean[i]!) / std[i]!, -c), c);
    }
    return x;
  };

  const actWithOverlays = (obs: unknown): { action: number | Float32Array; overlays: LiveOverlays } => {
    if (head.kind === 'table') {
      const s = stateIndex(obs);
      const n = head.q.length / obsSize;
      const qValues = head.q.slice(s * n, (s + 1) * n);
      return { action: head.greedy[s]! + actStart, overlays: head.values ? { qValues, value: head.values[s]! } : { qValues } };
    }
    const input = encode(obs);
    // The policy's features: through the CNN when it has one.
    const x = spec.cnn ? cnn(spec.cnn, weights, input) : input;
    const value = spec.value && head.kind !== 'tanh-box' ? mlp(spec.value, weights, x)[0]! : undefined;
    const withValue = (o: LiveOverlays): LiveOverlays => (value !== undefined ? { ...o, value } : o);
    switch (head.kind) {
      case 'logits': {
        const logits = mlp(head.net, weights, x);
        return { action: argmax(logits) + actStart, overlays: withValue({ probs: softmax(logits) }) };
      }
      case 'mean':
        return { action: clip(mlp(head.net, weights, x), box!), overlays: withValue({}) };
      case 'q': {
        const q = mlp(head.net, weights, x);
        return { action: argmax(q) + actStart, overlays: { qValues: Array.from(q) } };
      }
      case 'dueling': {
        const h = mlp(head.trunk, weights, x, true);
        const adv = mlp(head.advantage, weights, h);
        const v = mlp(head.value, weights, h)[0]!;
        const meanAdv = Math.fround(adv.reduce((a, b) => a + b, 0) / adv.length);
        const q = adv.map((a) => Math.fround(v + Math.fround(a - meanAdv)));
        return { action: argmax(q) + actStart, overlays: { qValues: Array.from(q) } };
      }
      case 'tanh-box': {
        const out = mlp(head.net, weights, x);
        const mean = head.split ? out.subarray(0, out.length / 2) : out;
        const c = head.meanClip;
        const mu = mean.map((v) => Math.tanh(c === undefined ? v : Math.min(Math.max(v, -c), c)));
        const action = new Float32Array(mu.length);
        for (let i = 0; i < mu.length; i++) action[i] = (box!.low[i]! + box!.high[i]!) / 2 + ((box!.high[i]! - box!.low[i]!) / 2) * mu[i]!;
        const criticFeatures = spec.valueCnn ? cnn(spec.valueCnn, weights, input) : x;
        const overlays: LiveOverlays = spec.value ? { value: mlp(spec.value, weights, Float32Array.from([...criticFeatures, ...mu]))[0]! } : {};
        return { action: clip(action, box!), overlays };
      }
    }
  };
  return { act: (obs) => actWithOverlays(obs).action, actWithOverlays, weightsNeeded };
}
