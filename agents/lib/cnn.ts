// A small convolutional trunk for pixel observations, in the style of the
// Nature DQN (Mnih et al. 2015) that CleanRL's and SB3's Atari PPO use:
// convolutions with relu (by default 32 8x8 stride 4, 64 4x4 stride 2, 64 3x3
// stride 1, "valid" padding), flattened, then one dense relu layer. Policy
// and value heads go on top of its output (agents/ppo.ts).
//
// Input rows are raw image observations, uint8 values 0..255 as float32,
// H x W x C row-major (channels last, as the envs and frameStack's
// channelsLast produce); the trunk scales them by 1/255 itself, so the
// rollout buffers hold the env's values unchanged.
//
// Like agents/lib/nets.ts: raw tf.variables (no tf.layers), orthogonal init
// from our own Rng (each conv kernel as a (k k C_in) x C_out matrix, gain
// sqrt 2, biases 0, as CleanRL's layer_init), and save/load as a model JSON
// plus a float32 weights file.
//
// Gradients: the wasm backend has no kernel for a convolution's filter
// gradient (Conv2DBackpropFilter), so each convolution carries its own
// gradient: the input gradient by a transposed convolution (which wasm has),
// the filter gradient as one more convolution, of the input with the batch
// as channels by dy as the filter, dilated by the stride:
//   dK[ky, kx, c, f] = sum over b, i, j of x[b, s i + ky, s j + kx, c] dy[b, i, j, f].
// (An im2col gather and a matrix product gave the same numbers 20x slower on
// wasm.) The first layer skips its input gradient (the input is data). The
// forward values are tf.conv2d's, with or without gradients.
//
// The cnn policy's hyperparameters (policy, cnnFilters, cnnKernels,
// cnnStrides, cnnDense) and the choice of the trunk from them and the
// observation space are declared here once for the agents that have one
// (PPO, DQN, TD3, DDPG, SAC).
import { join } from 'node:path';
import type { Rng } from '../../core/rng.js';
import type { BoxSpace, Space } from '../../core/spaces.js';
import { describeSpace } from '../../core/spaces.js';
import type { AgentContext } from '../agent.js';
import { tf } from './backend.js';
import type { ConvTrunk } from './compute/layers.js';
import { choice, int, list } from './hparams.js';
import { denseForGradients, getWeights, orthogonal } from './nets.js';
import type { TensorHeader } from './tensor-file.js';
import { readTensors, writeTensors } from './tensor-file.js';

export interface CnnOptions {
  /** Output channels of each convolution. */
  readonly filters: readonly number[];
  /** Square kernel size of each convolution. */
  readonly kernels: readonly number[];
  /** Stride of each convolution. */
  readonly strides: readonly number[];
  /** Units of the dense layer after the convolutions (the trunk's output size). */
  readonly dense: number;
}

export const NATURE_CNN: CnnOptions = { filters: [32, 64, 64], kernels: [8, 4, 3], strides: [4, 2, 1], dense: 512 };

/**
 * The cnn policy's entries of an agent's hyperparameter table, defaults
 * NATURE_CNN: `trunk` says where the trunk sits (policy's description),
 * `featuresReadBy` what reads its features (cnnDense's), when it says so.
 */
export function cnnPolicyHyperparameters(trunk: string, featuresReadBy?: string) {
  return {
    policy: choice('auto', ['auto', 'mlp', 'cnn'] as const, `'cnn': ${trunk}, for uint8 image observations [H, W, C]; 'auto': cnn for those, else mlp`),
    cnnFilters: list([...NATURE_CNN.filters], 'output channels of each convolution (cnn policy; Nature DQN)'),
    cnnKernels: list([...NATURE_CNN.kernels], 'square kernel size of each convolution (cnn policy)'),
    cnnStrides: list([...NATURE_CNN.strides], 'stride of each convolution (cnn policy)'),
    cnnDense: int(NATURE_CNN.dense, `units of the dense relu layer after the convolutions${featuresReadBy ? `: the features ${featuresReadBy} read` : ''} (cnn policy)`, { min: 1 }),
  } as const;
}

/** The values of cnnPolicyHyperparameters' entries. */
export interface CnnPolicyOptions {
  readonly policy: 'auto' | 'mlp' | 'cnn';
  readonly cnnFilters: readonly number[];
  readonly cnnKernels: readonly number[];
  readonly cnnStrides: readonly number[];
  readonly cnnDense: number;
}

/** The trunk options of the cnn* hyperparameters. */
export function cnnOptionsOf(hp: Omit<CnnPolicyOptions, 'policy'>): CnnOptions {
  return { filters: hp.cnnFilters, kernels: hp.cnnKernels, strides: hp.cnnStrides, dense: hp.cnnDense };
}

/** A uint8 Box of shape [H, W, C]: what the cnn policy takes. */
export function isImageSpace(space: Space): space is BoxSpace {
  return space.type === 'box' && space.dtype === 'uint8' && space.shape.length === 3;
}

/** Whether the nets get the conv trunk: policy 'cnn', or 'auto' on an image space; 'cnn' on a space that is not an image throws, naming `algorithm`. */
export function wantsCnn(algorithm: string, space: Space, policy: CnnPolicyOptions['policy']): boolean {
  const image = isImageSpace(space);
  if (policy === 'cnn' && !image) throw new TypeError(`${algorithm}: policy 'cnn' needs an image observation space, a uint8 Box [H, W, C], got ${describeSpace(space)}`);
  return policy === 'cnn' || (policy === 'auto' && image);
}

/**
 * The conv trunk the nets read observations through (wantsCnn), or
 * undefined; an image too small for the kernels throws, saying so.
 */
export function cnnTrunk(algorithm: string, context: AgentContext, hp: CnnPolicyOptions): ConvTrunk | undefined {
  const o = context.observationSpace;
  if (!wantsCnn(algorithm, o, hp.policy)) return undefined;
  const options = cnnOptionsOf(hp);
  cnnLayers((o as BoxSpace).shape, options);
  return { inputShape: (o as BoxSpace).shape as [number, number, number], options };
}

export interface Cnn extends CnnOptions {
  /** [H, W, C] of one observation. */
  readonly inputShape: readonly [number, number, number];
  /** Values per observation row, H W C. */
  readonly inputSize: number;
  /** Features per row (= dense). */
  readonly outputSize: number;
  /** [K0, b0, K1, b1, ..., Wdense, bdense]; kernels are [k, k, C_in, C_out]. */
  readonly variables: tf.Variable[];
  /** Features of [rows, H W C] raw observations; call inside tf.tidy. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** The same function, for losses (gradients the wasm backend can run, see the header). */
  applyForGradients(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

interface Layer {
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly k: number;
  readonly s: number;
}

/** The layer geometry of `options` on inputs of `inputShape`; throws when an image is too small for the kernels. */
export function cnnLayers(inputShape: readonly number[], options: CnnOptions): Layer[] {
  const { filters, kernels, strides, dense } = options;
  const describe = () => `[${inputShape.join(', ')}] with kernels [${kernels.join(', ')}] and strides [${strides.join(', ')}]`;
  if (inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`cnn: the input must be an image [H, W, C], got [${inputShape.join(', ')}]`);
  }
  if (filters.length === 0 || kernels.length !== filters.length || strides.length !== filters.length) {
    throw new RangeError(`cnn: filters, kernels and strides need one entry per convolution, got ${filters.length}, ${kernels.length} and ${strides.length}`);
  }
  if (![...filters, ...kernels, ...strides, dense].every((v) => Number.isInteger(v) && v >= 1)) throw new RangeError('cnn: filters, kernels, strides and dense must be positive integers');
  const layers: Layer[] = [];
  let [h, w, c] = inputShape as [number, number, number];
  for (let l = 0; l < filters.length; l++) {
    const k = kernels[l]!;
    const s = strides[l]!;
    if (h < k || w < k) throw new RangeError(`cnn: an input of ${describe()} leaves a ${h}x${w} map for convolution ${l + 1}'s ${k}x${k} kernel`);
    const outH = Math.floor((h - k) / s) + 1;
    const outW = Math.floor((w - k) / s) + 1;
    layers.push({ inH: h, inW: w, inC: c, outH, outW, outC: filters[l]!, k, s });
    [h, w, c] = [outH, outW, filters[l]!];
  }
  return layers;
}

type ConvFn = (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;

/** conv2d + bias with the hand-written gradient of the header; `inputGradient` false returns zeros for x. */
function convForGradients(layer: Layer, inputGradient: boolean): ConvFn {
  const { inH, inW, inC, outC, k, s } = layer;
  return tf.customGrad(((x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, kernel]);
    return {
      value: tf.add(tf.conv2d(x, kernel, s, 'valid'), bias),
      gradFunc: (dy: tf.Tensor4D, [xs, ks]: tf.Tensor[]) => {
        const rows = dy.shape[0];
        // [C, H, W, B] convolved with [outH, outW, B, F] at dilation s: [C, k', k', F] with k' >= k (rows and
        // columns past the last window, when (H - k) is not a multiple of s, give extra entries: cut off).
        const full = tf.conv2d(tf.transpose(xs!, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid', 'NHWC', s);
        const dKernel = tf.transpose(full.shape[1] === k && full.shape[2] === k ? full : tf.slice(full, [0, 0, 0, 0], [inC, k, k, outC]), [1, 2, 0, 3]);
        const dx = inputGradient ? tf.conv2dTranspose(dy, ks as tf.Tensor4D, [rows, inH, inW, inC], s, 'valid') : tf.zerosLike(xs!);
        return [dx, dKernel, tf.sum(tf.reshape(dy, [-1, outC]), 0)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as ConvFn;
}

function fromVariables(inputShape: readonly [number, number, number], options: CnnOptions, variables: tf.Variable[]): Cnn {
  const layers = cnnLayers(inputShape, options);
  const last = layers[layers.length - 1]!;
  const flat = last.outH * last.outW * last.outC;
  const inputSize = inputShape[0] * inputShape[1] * inputShape[2];
  // Gradient functions, made once: every call reuses them.
  const convs = layers.map((layer, l) => convForGradients(layer, l > 0));
  const nConv = layers.length;
  const image = (x: tf.Tensor2D): tf.Tensor4D => tf.reshape(tf.mul(x, 1 / 255), [-1, ...inputShape]);
  const head = (h: tf.Tensor4D, dense: (x: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D => tf.relu(dense(tf.reshape(h, [-1, flat])));
  return {
    ...options,
    filters: [...options.filters],
    kernels: [...options.kernels],
    strides: [...options.strides],
    inputShape,
    inputSize,
    outputSize: options.dense,
    variables,
    apply(x) {
      let h = image(x);
      for (let l = 0; l < nConv; l++) h = tf.relu(tf.add(tf.conv2d(h, variables[2 * l] as tf.Tensor4D, layers[l]!.s, 'valid'), variables[2 * l + 1]!)) as tf.Tensor4D;
      return head(h, (f) => tf.add(tf.matMul(f, variables[2 * nConv]! as tf.Tensor2D), variables[2 * nConv + 1]!));
    },
    applyForGradients(x) {
      let h = image(x);
      for (let l = 0; l < nConv; l++) h = tf.relu(convs[l]!(h, variables[2 * l] as tf.Tensor4D, variables[2 * l + 1] as tf.Tensor1D));
      return head(h, (f) => denseForGradients(f, variables[2 * nConv] as tf.Tensor2D, variables[2 * nConv + 1] as tf.Tensor1D));
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}

/** The weight shapes of a trunk: [k, k, C_in, C_out] and [C_out] per convolution, then [flat, dense] and [dense]. */
export function cnnWeightShapes(inputShape: readonly number[], options: CnnOptions): number[][] {
  const layers = cnnLayers(inputShape, options);
  const last = layers[layers.length - 1]!;
  return [...layers.flatMap((l) => [[l.k, l.k, l.inC, l.outC], [l.outC]]), [last.outH * last.outW * last.outC, options.dense], [options.dense]];
}

/** The number of weights of a trunk. */
export function cnnWeightCount(inputShape: readonly number[], options: CnnOptions): number {
  return cnnWeightShapes(inputShape, options).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
}

/**
 * A trunk's initial weights, flat in variable order, drawn from `rng`:
 * orthogonal kernels (each a (k k C_in) x C_out matrix) and dense weights
 * with gain sqrt 2, zero biases. The compute path (compute/layers.ts) reads
 * the same numbers as the tfjs trunk that `cnn` builds from them.
 */
export function cnnInit(inputShape: readonly number[], rng: Rng, options: CnnOptions = NATURE_CNN): Float32Array {
  const shapes = cnnWeightShapes(inputShape, options);
  const data = new Float32Array(shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0));
  let o = 0;
  for (const shape of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.length > 1) {
      const cols = shape[shape.length - 1]!;
      data.set(orthogonal(size / cols, cols, Math.SQRT2, rng), o);
    }
    o += size;
  }
  return data;
}

/** A tfjs trunk for images of `inputShape` [H, W, C] holding `data` (flat, in variable order). */
export function cnnFromData(inputShape: readonly number[], options: CnnOptions, data: Float32Array): Cnn {
  const shapes = cnnWeightShapes(inputShape, options);
  let o = 0;
  const variables = shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = tf.tidy(() => tf.variable(tf.tensor(data.subarray(o, o + size), shape), true));
    o += size;
    return v;
  });
  if (o !== data.length) throw new RangeError(`cnnFromData: ${data.length} values for a trunk of ${o}`);
  return fromVariables(inputShape as [number, number, number], options, variables);
}

/** A trunk for images of `inputShape` [H, W, C], weights drawn from `rng` (cnnInit). */
export function cnn(inputShape: readonly number[], rng: Rng, options: CnnOptions = NATURE_CNN): Cnn {
  return cnnFromData(inputShape, options, cnnInit(inputShape, rng, options));
}

/** All weights as one Float32Array in variable order. */
export function getCnnWeights(net: Cnn): Float32Array {
  return getWeights(net).data;
}

function setCnnWeights(net: Cnn, data: Float32Array, where: string): void {
  const expected = net.variables.reduce((a, v) => a + v.size, 0);
  if (data.length !== expected) throw new RangeError(`${where}: got ${data.length} values, the net has ${expected}`);
  let o = 0;
  for (const v of net.variables) {
    tf.tidy(() => v.assign(tf.tensor(data.subarray(o, o + v.size), v.shape)));
    o += v.size;
  }
}

export const CNN_FORMAT = 'arena.cnn/1';

export interface CnnJSON extends TensorHeader {
  format: typeof CNN_FORMAT;
  inputShape: number[];
  filters: number[];
  kernels: number[];
  strides: number[];
  dense: number;
}

const sameArchitecture = (json: CnnJSON, net: CnnOptions & { inputShape: readonly number[] }): boolean =>
  [json.inputShape, json.filters, json.kernels, json.strides, [json.dense]].map((a) => a.join()).join('|') ===
  [net.inputShape, net.filters, net.kernels, net.strides, [net.dense]].map((a) => a.join()).join('|');

const describeNet = (n: { inputShape: readonly number[]; filters: readonly number[]; kernels: readonly number[]; strides: readonly number[]; dense: number }): string =>
  `input [${n.inputShape.join(', ')}], filters [${n.filters.join(', ')}], kernels [${n.kernels.join(', ')}], strides [${n.strides.join(', ')}], dense ${n.dense}`;

/** Writes `<name>.json` (architecture and weight layout) and `<name>.weights.bin` (float32, little-endian) into `dir` (tensor-file.ts's format). */
export async function saveCnn(net: Cnn, dir: string, name = 'cnn'): Promise<void> {
  await saveCnnData(net.inputShape, net, getCnnWeights(net), dir, name);
}

/** saveCnn's files for a trunk held as flat weights (the ONNX compute path's). */
export async function saveCnnData(inputShape: readonly number[], options: CnnOptions, data: Float32Array, dir: string, name = 'cnn'): Promise<void> {
  const architecture = { inputShape: [...inputShape], filters: [...options.filters], kernels: [...options.kernels], strides: [...options.strides], dense: options.dense };
  await writeTensors(dir, name, CNN_FORMAT, architecture, cnnWeightShapes(inputShape, options), data, 'saveCnnData');
}

/** A trunk written by saveCnn as plain data (its JSON and float32 weights), for readers that do not run it on tfjs (the ONNX export). */
export async function readCnn(dir: string, name: string, who: string): Promise<{ json: CnnJSON; data: Float32Array }> {
  const { header, data } = await readTensors<CnnJSON>(dir, name, CNN_FORMAT, who);
  return { json: header, data };
}

/** A trunk written by saveCnn as its architecture and flat weights, checked to fit one another (what loadCnn builds from). */
export async function readCnnData(dir: string, name: string, who: string): Promise<{ inputShape: [number, number, number]; options: CnnOptions; data: Float32Array }> {
  const { json, data } = await readCnn(dir, name, who);
  const options: CnnOptions = { filters: json.filters, kernels: json.kernels, strides: json.strides, dense: json.dense };
  const shapes = cnnWeightShapes(json.inputShape, options);
  if (shapes.map((s) => s.join('x')).join() !== json.weights.map((w) => w.shape.join('x')).join()) {
    throw new Error(`${who}: ${join(dir, `${name}.json`)} lists weight shapes that do not fit its architecture (${describeNet(json)})`);
  }
  return { inputShape: json.inputShape as [number, number, number], options, data };
}

/** Loads a trunk written by saveCnn. */
export async function loadCnn(dir: string, name = 'cnn'): Promise<Cnn> {
  const { inputShape, options, data } = await readCnnData(dir, name, 'loadCnn');
  return cnnFromData(inputShape, options, data);
}

/** Overwrites `net`'s weights with the trunk saved as `name` in `dir` (warm starts); the architecture must match. */
export async function loadCnnWeightsInto(net: Cnn, dir: string, name: string, who: string): Promise<void> {
  setCnnWeights(net, await readCnnWeights(dir, name, net.inputShape, net, who), who);
}

/** The weights of the trunk saved as `name` in `dir`, which must have the architecture of `inputShape` and `options`; `who` names the caller in errors. */
export async function readCnnWeights(dir: string, name: string, inputShape: readonly number[], options: CnnOptions, who: string): Promise<Float32Array> {
  const { json, data } = await readCnn(dir, name, who);
  const want = { inputShape, ...options };
  if (!sameArchitecture(json, want)) throw new Error(`${who}: ${join(dir, `${name}.json`)} is a trunk with ${describeNet(json)}; this agent's is ${describeNet(want)}`);
  return data;
}
