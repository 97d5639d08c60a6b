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
 * bdense], kernels [k, k, C_in, C_out]), used as they are stored.
 *
 * Each convolution is one matrix product over the whole batch (im2col): the
 * activations are kept feature-major, [features, rows], so that a constant
 * Gather of whole rows lays every kernel window out as the columns of a
 * [k k C_in, positions x rows] matrix, and the kernel [k k C_in, C_out] times it
 * gives [C_out, positions x rows] at once. The gradients are the Gemm's and the
 * Gather's (a scatter-add of the same rows), so the backward pass is two large
 * matrix products and a scatter per layer. ONNX Runtime's own Conv works image
 * by image with small products, and its backward needed a dilated Conv and a
 * ConvTranspose: this layout took a Nature-CNN training step on 64 frames of
 * 48x48x4 from 16-17 to 11-12 ms (`npm run bench:nets` compares it with PyTorch).
 */
export function cnnForward(g: Graph, params: readonly Sym[], x: Sym, inputShape: readonly [number, number, number], options: CnnOptions): Sym {
  const layers = cnnLayers(inputShape, options);
  const rows = x.shape[0]!;
  // n values per row of the batch, or -1 where the batch is dynamic (an acting graph's [-1, H W C] input).
  const perBatch = (n: number) => (rows === -1 ? -1 : n * rows);
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
    const columns = g.reshape(g.gatherRows(h, g.constant(index, [index.length], 'int64')), [window, perBatch(positions)]);
    // The scaling by 1/255 folded into the first kernel: a few thousand weights rather than every pixel.
    const kernel = g.reshape(l === 0 ? g.mul(params[0]!, 1 / 255) : params[2 * l]!, [window, outC]);
    const out = g.relu(g.gemm(kernel, columns, g.reshape(params[2 * l + 1]!, [outC, 1]), { transA: true }));
    h = g.reshape(out, [outC * positions, rows]);
    rowOf = (y, xx, c, next) => (c * next.inH + y) * next.inW + xx;
  });
  const last = layers[layers.length - 1]!;
  const positions = last.outH * last.outW;
  const flat = g.reshape(g.transpose(g.reshape(h, [last.outC, positions, rows]), [2, 1, 0]), [rows, positions * last.outC]);
  return g.relu(g.dense(flat, params[2 * layers.length]!, params[2 * layers.length + 1]!));
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
