// Network layers as graph ops on parameter symbols laid out as nets.ts lays
// out an Mlp's variables ([W0, b0, W1, b1, ...], W as [in, out]) and cnn.ts a
// conv trunk's, so the same flat weights serve the tfjs and the ONNX paths.
import type { CnnOptions } from '../cnn.js';
import { cnnLayers } from '../cnn.js';
import type { Activation } from '../nets.js';
import type { Graph, Sym } from './graph.js';

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
 * [rows, H W C] scaled by 1/255 (as the first kernel scaled), the relu convolutions, and the relu dense
 * layer on the features flattened in cnn.ts's (H, W, C) order. `params` are
 * cnn.ts's variables ([K0, b0, ..., Wdense, bdense], kernels [k, k, C_in,
 * C_out]); the graph transposes the kernels and the images to ONNX's NCHW
 * layout itself, so the flat weights stay cnn.ts's.
 */
export function cnnForward(g: Graph, params: readonly Sym[], x: Sym, inputShape: readonly [number, number, number], options: CnnOptions): Sym {
  const layers = cnnLayers(inputShape, options);
  const rows = x.shape[0]!;
  let h = g.transpose(g.reshape(x, [rows, ...inputShape]), [0, 3, 1, 2]);
  layers.forEach((layer, l) => {
    // The scaling by 1/255 folded into the first kernel: a few thousand weights rather than every pixel.
    const kernel = g.transpose(l === 0 ? g.mul(params[0]!, 1 / 255) : params[2 * l]!, [3, 2, 0, 1]);
    h = g.relu(g.conv(h, kernel, params[2 * l + 1]!, { strides: [layer.s, layer.s] }));
  });
  const last = layers[layers.length - 1]!;
  const flat = g.reshape(g.transpose(h, [0, 2, 3, 1]), [rows, last.outH * last.outW * last.outC]);
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
