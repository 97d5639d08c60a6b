// Multi-layer perceptrons on raw tfjs variables (about 2.5x less per-call
// overhead than tf.layers for the small nets RL uses), seeded initialization
// from our own Rng, optimizers with global-norm gradient clipping, and file
// save/load (tensor-file.ts's model JSON plus a float32 weights file) that needs no tfjs-node.
import type { Rng } from '../../core/rng.js';
import { tf } from './backend.js';
import type { TensorHeader } from './tensor-file.js';
import { readTensors, writeTensors } from './tensor-file.js';

export type Activation = 'tanh' | 'relu' | 'linear';

export interface MlpOptions {
  /** Hidden-layer activation (the output layer is linear). */
  activation?: Activation;
  /**
   * 'orthogonal' (CleanRL / SB3 style for policy-gradient nets), 'glorot'
   * (uniform, as Keras' default) or 'pytorch' (nn.Linear's default: weights
   * and biases uniform in +-1/sqrt(fan in), what SB3 gives with ortho_init=False).
   */
  init?: 'orthogonal' | 'glorot' | 'pytorch';
  /** Scale of the hidden layers' orthogonal init (default sqrt(2)). */
  hiddenGain?: number;
  /** Scale of the output layer's orthogonal init (e.g. 0.01 for a policy head, 1 for a value head). */
  outputGain?: number;
}

export interface Mlp {
  readonly sizes: readonly number[];
  readonly activation: Activation;
  /** Weights and biases, layer by layer: [W0, b0, W1, b1, ...]. */
  readonly variables: tf.Variable[];
  /** Forward pass; call inside tf.tidy. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

/** An orthogonal matrix (rows x cols) scaled by `gain`: Gram-Schmidt on Gaussian vectors drawn from `rng`. */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  // Orthonormalize the shorter side's vectors, then lay them out as rows x cols.
  const n = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const vecs: Float64Array[] = [];
  while (vecs.length < n) {
    const v = new Float64Array(len);
    for (let i = 0; i < len; i++) v[i] = rng.normal();
    for (const u of vecs) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += v[i]! * u[i]!;
      for (let i = 0; i < len; i++) v[i]! -= dot * u[i]!;
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-8) continue; // degenerate draw: try again
    for (let i = 0; i < len; i++) v[i]! /= norm;
    vecs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows <= cols: vecs are rows; else vecs are columns
      out[r * cols + c] = gain * (rows <= cols ? vecs[r]![c]! : vecs[c]![r]!);
    }
  }
  return out;
}

function glorotUniform(rows: number, cols: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/**
 * The initial weights of an MLP of layer sizes [input, ...hidden, output],
 * drawn from `rng`, one array per variable in Mlp.variables' order ([W0, b0,
 * W1, b1, ...]; W as [in, out], biases zero): the tfjs and the ONNX compute
 * paths start from the same numbers for the same draws.
 */
export function mlpInit(sizes: readonly number[], rng: Rng, options: MlpOptions = {}): Float32Array[] {
  if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(`mlp: sizes must be at least [input, output] positive integers, got [${sizes.join(', ')}]`);
  }
  const init = options.init ?? 'orthogonal';
  const values: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const rows = sizes[l]!;
    const cols = sizes[l + 1]!;
    const isOutput = l + 2 === sizes.length;
    if (init === 'pytorch') {
      const bound = 1 / Math.sqrt(rows);
      const uniform = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-bound, bound));
      values.push(uniform(rows * cols), uniform(cols));
      continue;
    }
    values.push(
      init === 'orthogonal' ? orthogonal(rows, cols, isOutput ? (options.outputGain ?? 1) : (options.hiddenGain ?? Math.SQRT2), rng) : glorotUniform(rows, cols, rng),
      new Float32Array(cols),
    );
  }
  return values;
}

/** Builds an MLP with layer sizes [input, ...hidden, output], weights drawn from `rng`. */
export function mlp(sizes: readonly number[], rng: Rng, options: MlpOptions = {}): Mlp {
  return mlpFromData(sizes, options.activation ?? 'tanh', mlpInit(sizes, rng, options));
}

/** An MLP with the given weights, one array per variable ([W0, b0, W1, b1, ...]) or all of them flat in that order. */
export function mlpFromData(sizes: readonly number[], activation: Activation, values: Float32Array | readonly Float32Array[]): Mlp {
  const shapes = mlpShapes(sizes);
  let o = 0;
  // tidy frees the initial-value tensors; the variables survive it.
  const variables = shapes.map((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = values instanceof Float32Array ? values.subarray(o, o + n) : values[i]!;
    o += n;
    if (v.length !== n) throw new RangeError(`mlp: ${v.length} values for a [${shape.join(', ')}] variable of a net of sizes [${sizes.join(', ')}]`);
    return tf.tidy(() => tf.variable(tf.tensor(v, shape), true));
  });
  if (values instanceof Float32Array && o !== values.length) throw new RangeError(`mlp: got ${values.length} values, a net of sizes [${sizes.join(', ')}] has ${o}`);
  return fromVariables([...sizes], activation, variables);
}

function fromVariables(sizes: number[], activation: Activation, variables: tf.Variable[]): Mlp {
  const layers = variables.length / 2;
  const act = (h: tf.Tensor2D): tf.Tensor2D => (activation === 'tanh' ? tf.tanh(h) : activation === 'relu' ? tf.relu(h) : h);
  return {
    sizes,
    activation,
    variables,
    apply(x) {
      let h = x;
      for (let l = 0; l < layers; l++) {
        h = tf.add(tf.matMul(h, variables[2 * l]!), variables[2 * l + 1]!);
        if (l + 1 < layers) h = act(h);
      }
      return h;
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}

/**
 * x W + b with a hand-written gradient that transposes explicitly. tfjs
 * differentiates matMul into products with a transpose flag, which the wasm
 * backend runs in a plain loop, 3-8x slower than its XNNPACK path (a DDPG
 * update with 400-300 nets is about 4x faster this way). Same forward values;
 * gradients equal up to float rounding.
 */
export function denseForGradients(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  // Made on first use, so that importing this module does not load TensorFlow.js (backend.ts).
  denseGrad ??= tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(ws!)), tf.matMul(tf.transpose(xs!), dy), tf.sum(dy, 0)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as DenseFn;
  return denseGrad(x, w, b);
}
type DenseFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
let denseGrad: DenseFn | null = null;

/** The same function as `net.apply(x)`, built for losses: its gradient takes the fast path (see denseForGradients). */
export function applyForGradients(net: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  const v = net.variables;
  const layers = v.length / 2;
  let h = x;
  for (let l = 0; l < layers; l++) {
    h = denseForGradients(h, v[2 * l] as tf.Tensor2D, v[2 * l + 1] as tf.Tensor1D);
    if (l + 1 < layers) h = net.activation === 'tanh' ? tf.tanh(h) : net.activation === 'relu' ? tf.relu(h) : h;
  }
  return h;
}

/** Copies `source`'s weights into `target` (e.g. a DQN target network, or its conv trunk); `tau` < 1 does Polyak averaging. */
export function copyWeights(target: Pick<Mlp, 'variables'>, source: Pick<Mlp, 'variables'>, tau = 1): void {
  tf.tidy(() => {
    target.variables.forEach((t, i) => {
      const s = source.variables[i]!;
      t.assign(tau === 1 ? s : tf.add(tf.mul(s, tau), tf.mul(t, 1 - tau)));
    });
  });
}

/** All weights (of a net, or any variables) as one Float32Array (layer order) plus their shapes: for saving and comparing. */
export function getWeights(net: { readonly variables: readonly tf.Variable[] }): { data: Float32Array; shapes: number[][] } {
  const parts = net.variables.map((v) => v.dataSync() as Float32Array);
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, shapes: net.variables.map((v) => v.shape) };
}

/** Sets the variables (of a net, or any list) from one Float32Array in getWeights' layout. */
export function setWeights(net: { readonly variables: readonly tf.Variable[] }, data: Float32Array): void {
  let o = 0;
  for (const v of net.variables) {
    const n = v.size;
    if (o + n > data.length) throw new RangeError(`setWeights: ${data.length} values are too few for variables of shapes ${net.variables.map((x) => `[${x.shape.join(', ')}]`).join(', ')}`);
    tf.tidy(() => v.assign(tf.tensor(data.subarray(o, o + n), v.shape)));
    o += n;
  }
  if (o !== data.length) throw new RangeError(`setWeights: got ${data.length} values, the net has ${o}`);
}

export const MODEL_FORMAT = 'arena.mlp/1';

interface ModelJSON extends TensorHeader {
  format: typeof MODEL_FORMAT;
  sizes: number[];
  activation: Activation;
}

/** Writes `<name>.json` (architecture and weight layout) and `<name>.weights.bin` (float32, little-endian) into `dir`. */
export async function saveMlp(net: Mlp, dir: string, name = 'model'): Promise<void> {
  await saveMlpData({ sizes: net.sizes, activation: net.activation, data: getWeights(net).data }, dir, name);
}

/** An MLP as plain data: layer sizes, activation and weights flat in Mlp.variables' order (what saveMlp writes). */
export interface MlpData {
  sizes: readonly number[];
  activation: Activation;
  data: Float32Array;
}

/** The shapes of an MLP's variables ([W0, b0, W1, b1, ...]). */
export function mlpShapes(sizes: readonly number[]): number[][] {
  const shapes: number[][] = [];
  for (let l = 0; l + 1 < sizes.length; l++) shapes.push([sizes[l]!, sizes[l + 1]!], [sizes[l + 1]!]);
  return shapes;
}

/** The number of weights of an MLP of layer sizes `sizes`. */
export function mlpWeightCount(sizes: readonly number[]): number {
  return mlpShapes(sizes).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
}

/** saveMlp for a net held as plain data (the ONNX compute path): the same files (tensor-file.ts's format). */
export async function saveMlpData(net: MlpData, dir: string, name = 'model'): Promise<void> {
  await writeTensors(dir, name, MODEL_FORMAT, { sizes: [...net.sizes], activation: net.activation }, mlpShapes(net.sizes), net.data, 'saveMlp');
}

/** Reads the net saved as `name` in `dir`, checking that its weights fit its layer sizes. */
async function readModel(dir: string, name: string, who: string): Promise<{ json: ModelJSON; data: Float32Array; path: string }> {
  const { header: json, data, path } = await readTensors<ModelJSON>(dir, name, MODEL_FORMAT, who);
  const shapes = Array.isArray(json.sizes) ? mlpShapes(json.sizes) : [];
  if (shapes.map((sh) => sh.join('x')).join() !== json.weights.map((w) => w.shape.join('x')).join() || shapes.length === 0) {
    throw new Error(`${who}: ${path} lists weight shapes that do not fit layer sizes ${JSON.stringify(json.sizes)}`);
  }
  return { json, data, path };
}

/**
 * Overwrites `net`'s weights with the net saved as `name` in `dir` (transfer
 * learning, warm starts). The layer sizes must match; `who` names the caller in
 * errors.
 */
export async function loadWeightsInto(net: Mlp, dir: string, name: string, who: string): Promise<void> {
  setWeights(net, await readMlpWeights(dir, name, net.sizes, who));
}

/** The weights of the net saved as `name` in `dir`, which must have layer sizes `sizes` (loadWeightsInto's check, for nets held as plain data). */
export async function readMlpWeights(dir: string, name: string, sizes: readonly number[], who: string): Promise<Float32Array> {
  const { json, data, path } = await readModel(dir, name, who);
  if (json.sizes.join() !== sizes.join()) {
    throw new Error(`${who}: ${path} is a net of sizes [${json.sizes.join(', ')}], this agent's ${name} is [${sizes.join(', ')}]`);
  }
  return data;
}

/** Reads a net written by saveMlp as plain data. */
export async function readMlp(dir: string, name = 'model'): Promise<MlpData> {
  const { json, data } = await readModel(dir, name, 'loadMlp');
  return { sizes: json.sizes, activation: json.activation, data };
}

/** Loads a net written by saveMlp. */
export async function loadMlp(dir: string, name = 'model'): Promise<Mlp> {
  const { sizes, activation, data } = await readMlp(dir, name);
  return mlpFromData(sizes, activation, data);
}

/**
 * Adam (PyTorch's formulation) on a fixed list of variables, with optional
 * clipping of the gradients' global norm. Written out here rather than using
 * tf.train.adam so that its whole state (moments and step count, with the bias
 * corrections computed in float64 from the count) saves and restores exactly.
 */
export class Optimizer {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly variables: tf.Variable[],
    public learningRate: number,
    private readonly options: { maxGradNorm?: number; epsilon?: number; beta1?: number; beta2?: number } = {},
  ) {
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** One step on `loss` (a scalar function of the variables); returns the loss and the pre-clip gradient norm. */
  step(loss: () => tf.Scalar): { loss: number; gradNorm: number } {
    const { maxGradNorm = Infinity, epsilon = 1e-8, beta1 = 0.9, beta2 = 0.999 } = this.options;
    this.t += 1;
    const stepSize = this.learningRate / (1 - beta1 ** this.t);
    const vCorrection = Math.sqrt(1 - beta2 ** this.t);
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, this.variables);
      let list = this.variables.map((x) => grads[x.name]!);
      const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
      if (Number.isFinite(maxGradNorm)) {
        const factor = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
        list = list.map((g) => tf.mul(g, factor));
      }
      list.forEach((g, i) => {
        const m = this.m[i]!;
        const v = this.v[i]!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), vCorrection), epsilon);
        this.variables[i]!.assign(tf.sub(this.variables[i]!, tf.mul(tf.div(m, denom), stepSize)));
      });
      return tf.stack([value, norm]);
    });
    const [lossValue, gradNorm] = out.dataSync();
    out.dispose();
    return { loss: lossValue!, gradNorm: gradNorm! };
  }

  /** Moments and step count, for checkpoints. */
  getState(): { t: number; data: Float32Array } {
    return { t: this.t, data: getWeights({ variables: [...this.m, ...this.v] }).data };
  }

  setState(state: { t: number; data: Float32Array }): void {
    const slots = [...this.m, ...this.v];
    const expected = slots.reduce((a, x) => a + x.size, 0);
    if (state.data.length !== expected) throw new RangeError(`Optimizer.setState: got ${state.data.length} values, expected ${expected}`);
    let o = 0;
    for (const x of slots) {
      tf.tidy(() => x.assign(tf.tensor(state.data.subarray(o, o + x.size), x.shape)));
      o += x.size;
    }
    this.t = state.t;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
