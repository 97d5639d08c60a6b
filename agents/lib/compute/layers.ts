// Network layers as graph ops on parameter symbols laid out as nets.ts lays
// out an Mlp's variables ([W0, b0, W1, b1, ...], W as [in, out]) and cnn.ts a
// conv trunk's, so the same flat weights serve the tfjs and the ONNX paths.
import type { CnnOptions } from '../cnn.js';
import { cnnLayers } from '../cnn.js';
import type { Activation } from '../nets.js';
import type { Graph, Sym } from './graph.js';

type CnnLayer = ReturnType<typeof cnnLayers>[number];

export function activate(g: Graph, x: Sym, activation: Activation): Sym {
  return activation === 'relu' ? g.relu(x) : activation === 'tanh' ? g.tanh(x) : x;
}

/** An MLP's forward pass (Mlp.apply's function): one Gemm per layer, the activation after each but the last (after the last too when `activateLast`). */
export function mlpForward(g: Graph, params: readonly Sym[], x: Sym, activation: Activation, activateLast = false): Sym {
  const layers = params.length / 2;
  let h = x;
  for (let l = 0; l < layers; l++) {
    h = g.dense(h, params[2 * l]!, params[2 * l + 1]!);
    if (l + 1 < layers || activateLast) h = activate(g, h, activation);
  }
  return h;
}

/**
 * A conv trunk's forward pass (cnn.ts's Cnn.apply): raw observations x
 * [rows, H W C] scaled by 1/255 (as the first kernel scaled), the relu
 * convolutions, and the relu dense layer on the features flattened in cnn.ts's
 * (H, W, C) order. `params` are cnn.ts's variables ([K0, b0, ..., Wdense,
 * bdense], kernels [k, k, C_in, C_out]), used as they are stored; the scaling
 * by 1/255 is folded into the first kernel (a few thousand weights rather than
 * every pixel).
 *
 * Each convolution is one matrix product over the whole batch (im2col), its
 * windows laid out by a constant Gather. How the activations are kept depends
 * on the graph: a graph of a fixed batch (a training step) keeps them
 * feature-major, where a Gather copies whole rows of the batch and its
 * gradient is a scatter-add of the same rows (featureMajorConvs); a graph of
 * any batch (acting) keeps them pixel-major, where a Gather copies whole
 * pixels, C values each, which at batch 1 is 4-64 times fewer copies than the
 * feature-major layout's single floats (pixelMajorConvs). Both give the same
 * numbers. ONNX Runtime's own Conv works image by image with small products,
 * its backward needs a dilated Conv and a ConvTranspose, and its kernels in
 * ONNX's [C_out, C_in, k, k] order would be transposed from cnn.ts's at every
 * run: the im2col layouts took a Nature-CNN training step on 64 frames of
 * 48x48x4 from 16-17 to 11-12 ms, and acting at batch 1 from ~0.45 to ~0.2 ms
 * (`npm run bench:nets` compares both with PyTorch).
 */
export function cnnForward(g: Graph, params: readonly Sym[], x: Sym, inputShape: readonly [number, number, number], options: CnnOptions): Sym {
  const layers = cnnLayers(inputShape, options);
  const kernels = layers.map((_, l) => (l === 0 ? g.mul(params[0]!, 1 / 255) : params[2 * l]!));
  const biases = layers.map((_, l) => params[2 * l + 1]!);
  const flat = x.shape[0] === -1 ? pixelMajorConvs(g, kernels, biases, x, layers) : featureMajorConvs(g, kernels, biases, x, layers);
  return g.relu(g.dense(flat, params[2 * layers.length]!, params[2 * layers.length + 1]!));
}

/**
 * The convolutions on a batch of fixed size, activations [features, rows]: a
 * Gather of whole rows lays every kernel window out as the columns of a
 * [k k C_in, positions x rows] matrix, and the kernel [k k C_in, C_out] times it
 * gives [C_out, positions x rows] at once. Returns [rows, features] in (H, W, C) order.
 */
function featureMajorConvs(g: Graph, kernels: readonly Sym[], biases: readonly Sym[], x: Sym, layers: readonly CnnLayer[]): Sym {
  const rows = x.shape[0]!;
  let h = g.transpose(x, [1, 0]); // [H W C, rows]
  // Where the value at (y, x, channel c) of a layer's input sits among h's rows: (H, W, C) order for
  // the observation, then (C, H, W) for each convolution's output ([C_out, positions x rows]).
  let rowOf = (y: number, xx: number, c: number, l: CnnLayer) => (y * l.inW + xx) * l.inC + c;
  layers.forEach((layer, l) => {
    const { k, s, inC, outH, outW, outC } = layer;
    const positions = outH * outW;
    const window = k * k * inC;
    // Column (oy, ox) of the window matrix holds, in row (ky, kx, c) (the kernel's order), input (oy s + ky, ox s + kx, c).
    const index = new Array<number>(window * positions);
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        for (let c = 0; c < inC; c++) {
          const j = ((ky * k + kx) * inC + c) * positions;
          for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) index[j + oy * outW + ox] = rowOf(oy * s + ky, ox * s + kx, c, layer);
        }
      }
    }
    const columns = g.reshape(g.gatherRows(h, g.constant(index, [index.length], 'int64')), [window, positions * rows]);
    const out = g.relu(g.gemm(g.reshape(kernels[l]!, [window, outC]), columns, g.reshape(biases[l]!, [outC, 1]), { transA: true }));
    h = g.reshape(out, [outC * positions, rows]);
    rowOf = (y, xx, c, next) => (c * next.inH + y) * next.inW + xx;
  });
  const last = layers[layers.length - 1]!;
  const positions = last.outH * last.outW;
  return g.reshape(g.transpose(g.reshape(h, [last.outC, positions, rows]), [2, 1, 0]), [rows, positions * last.outC]);
}

/**
 * The convolutions on a batch of any size, activations [rows, pixels, C] (the
 * observation's own (H, W, C) order, and each convolution's output's): a
 * Gather on the pixel axis lays every window out as a row of a
 * [rows x positions, k k C_in] matrix, whose product with the kernel is the
 * next layer's [rows, positions, C_out]. The Gather moves runs of u pixels
 * side by side in a row (u C values each), u the largest number dividing the
 * stride, the kernel and the row's width: a window's pixels then come as k
 * rows of k / u runs in the kernel's own (ky, kx, c) order, and the first
 * Nature-CNN layer (kernel 8, stride 4) copies 16 floats at a time instead of
 * 4. Forward only (gradients refuses a Gather off axis 0). Returns [rows,
 * features] in (H, W, C) order.
 */
function pixelMajorConvs(g: Graph, kernels: readonly Sym[], biases: readonly Sym[], x: Sym, layers: readonly CnnLayer[]): Sym {
  let h = x;
  layers.forEach((layer, l) => {
    const { k, s, inH, inW, inC, outH, outW, outC } = layer;
    const u = gcd(gcd(s, k), inW);
    const runs = inW / u;
    // Window (oy, ox)'s runs: k rows of k / u runs each, starting at pixel (oy s + ky, ox s), a multiple of u.
    const index: number[] = [];
    for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) for (let ky = 0; ky < k; ky++) for (let r = 0; r < k / u; r++) index.push((oy * s + ky) * runs + (ox * s) / u + r);
    const windows = g.reshape(g.gather(g.reshape(h, [-1, inH * runs, u * inC]), g.constant(index, [index.length], 'int64'), 1), [-1, k * k * inC]);
    h = g.relu(g.gemm(windows, g.reshape(kernels[l]!, [k * k * inC, outC]), biases[l]!));
  });
  const last = layers[layers.length - 1]!;
  return g.reshape(h, [-1, last.outH * last.outW * last.outC]);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A conv trunk under a net (a cnn policy): the image [H, W, C] it reads and cnn.ts's options. */
export interface ConvTrunk {
  inputShape: [number, number, number];
  options: CnnOptions;
}

/**
 * The features a net's layers read: with a trunk, cnnForward of x under the
 * first of `params` (the trunk's 2 per convolution + 2), else x itself; and
 * the parameters after the trunk's.
 */
export function trunkFeatures(g: Graph, trunk: ConvTrunk | undefined, params: readonly Sym[], x: Sym): { features: Sym; rest: Sym[] } {
  if (!trunk) return { features: x, rest: [...params] };
  const n = 2 * trunk.options.filters.length + 2;
  return { features: cnnForward(g, params.slice(0, n), x, trunk.inputShape, trunk.options), rest: params.slice(n) };
}
