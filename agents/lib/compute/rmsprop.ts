// RMSprop as graph ops on flat vectors, in PyTorch's form (SB3's A2C
// optimizer, agents/a2c.ts's RmsProp): after global-norm clipping,
// v <- alpha v + (1 - alpha) g^2 and p <- p - lr g / (sqrt(v) + eps), eps
// outside the square root, no momentum, no centering.
import { clipGlobalNorm } from './adam.js';
import type { Graph, Sym } from './graph.js';

export interface RmsPropOptions {
  alpha: number;
  epsilon: number;
  /** Clip of the gradients' global norm; Infinity or 0 for none. */
  maxGradNorm: number;
}

/** Emits clipping and one RMSprop step; returns the new p and v and the pre-clip gradient norm. */
export function rmspropStep(g: Graph, grad: Sym, state: { p: Sym; v: Sym; learningRate: Sym }, options: RmsPropOptions): { p: Sym; v: Sym; gradNorm: Sym } {
  const { grad: gr, gradNorm } = clipGlobalNorm(g, grad, options.maxGradNorm);
  const v = g.add(g.mul(state.v, options.alpha), g.mul(g.square(gr), 1 - options.alpha));
  const p = g.sub(state.p, g.mul(g.div(gr, g.add(g.sqrt(v), options.epsilon)), state.learningRate));
  return { p, v, gradNorm };
}
