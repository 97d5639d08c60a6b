// Global-norm gradient clipping and Adam as graph ops on flat vectors: the
// parameters, both moments and the gradient are each one [N] tensor, so the
// update is a dozen elementwise nodes whatever the net (one set per tensor
// cost about 1 us per node more). The formulation is nets.ts's Optimizer's
// (PyTorch's Adam): m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
// p <- p - stepSize * m / (sqrt(v) / sqrt(1 - b2^t) + eps) with
// stepSize = lr / (1 - b1^t); both corrections are computed in float64
// outside the graph and fed as scalars, the second as its reciprocal vScale
// (ONNX Runtime's Div took 5x a Mul's time on a 67k-element vector), so the
// update agrees with the Optimizer's to float32 rounding. Clipping scales g by
// min(1, maxNorm / (norm + 1e-6)) as that Optimizer does.
import type { Graph, Sym } from './graph.js';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Clip of the gradients' global norm; Infinity (the default) or 0 for none. */
  maxGradNorm?: number;
}

export interface AdamScalars {
  stepSize: number;
  /** 1 / sqrt(1 - beta2^t). */
  vScale: number;
}

/** The two per-step scalars of Adam's bias correction, for step count `t` (1 on the first step). */
export function adamScalars(learningRate: number, t: number, options: AdamOptions = {}): AdamScalars {
  const { beta1 = 0.9, beta2 = 0.999 } = options;
  return { stepSize: learningRate / (1 - beta1 ** t), vScale: 1 / Math.sqrt(1 - beta2 ** t) };
}

/** Emits clipping (when asked) and one Adam step; returns the new p, m, v and the pre-clip gradient norm. */
export function adamStep(
  g: Graph,
  grad: Sym,
  state: { p: Sym; m: Sym; v: Sym; stepSize: Sym; vScale: Sym },
  options: AdamOptions = {},
): { p: Sym; m: Sym; v: Sym; gradNorm: Sym } {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, maxGradNorm = Infinity } = options;
  const { grad: gr, gradNorm } = clipGlobalNorm(g, grad, maxGradNorm);
  const m = g.add(g.mul(state.m, beta1), g.mul(gr, 1 - beta1));
  const v = g.add(g.mul(state.v, beta2), g.mul(g.square(gr), 1 - beta2));
  const denom = g.add(g.mul(g.sqrt(v), state.vScale), epsilon);
  const p = g.sub(state.p, g.mul(g.div(m, denom), state.stepSize));
  return { p, m, v, gradNorm };
}

/** The gradient's global norm and the gradient scaled by min(1, maxNorm / (norm + 1e-6)) (unscaled when maxNorm is Infinity or 0). */
export function clipGlobalNorm(g: Graph, grad: Sym, maxGradNorm: number): { grad: Sym; gradNorm: Sym } {
  const gradNorm = g.sqrt(g.sumSquares(grad));
  if (!(Number.isFinite(maxGradNorm) && maxGradNorm > 0)) return { grad, gradNorm };
  return { grad: g.mul(grad, g.min(g.div(maxGradNorm, g.add(gradNorm, 1e-6)), 1)), gradNorm };
}
