// Network layers as graph ops on parameter symbols laid out as nets.ts lays
// out an Mlp's variables ([W0, b0, W1, b1, ...], W as [in, out]), so the same
// flat weights serve the tfjs and the ONNX paths.
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
