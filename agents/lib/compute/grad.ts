// Reverse-mode automatic differentiation on a Graph: `gradients(g, loss, wrt)`
// walks the nodes that lie between `wrt` and the scalar `loss` backwards and
// emits their gradient ops as new nodes of the same graph, so forward,
// backward and optimizer run as one ONNX graph. Only values that depend on
// `wrt` get gradients (targets, masks and integer indices are constants to
// it, as a stop-gradient would make them). Each rule below is the textbook
// derivative of its ONNX op; test/agents/compute/grad.test.ts checks every one
// against finite differences.
import type { Graph, GraphNode, Sym } from './graph.js';
import { GraphError } from './graph.js';

interface RuleContext {
  readonly g: Graph;
  readonly node: GraphNode;
  /** The gradient arriving at each output (zeros are never passed: a missing one is null). */
  readonly gy: readonly (Sym | null)[];
  /** Whether input i needs a gradient. */
  need(i: number): boolean;
}

type Rule = (c: RuleContext) => (Sym | null)[];

/** Sums `grad` (of a broadcast result) back to `shape`, the shape of the operand that was broadcast. */
export function unbroadcast(g: Graph, grad: Sym, shape: readonly number[]): Sym {
  if (grad.shape.join() === shape.join()) return grad;
  const lead = grad.shape.length - shape.length;
  const axes: number[] = [];
  grad.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  // Only leading axes to drop (a bias broadcast over rows): one ReduceSum gives the shape itself.
  if (axes.every((a) => a < lead)) return g.sum(grad, axes, false);
  return g.reshape(g.sum(grad, axes, true), shape);
}

const only = (c: RuleContext, i: number, f: () => Sym): Sym | null => (c.need(i) ? f() : null);

function gemmRule(c: RuleContext): (Sym | null)[] {
  const { g, node } = c;
  const [a, b, bias] = node.inputs as [Sym, Sym, Sym | undefined];
  const gy = c.gy[0]!;
  const ta = 'transA' in node.attrs;
  const tb = 'transB' in node.attrs;
  // y = op(a) op(b) + c; the four cases of which operand was transposed.
  const ga = only(c, 0, () =>
    !ta ? g.gemm(gy, b, undefined, { transB: !tb }) : g.gemm(b, gy, undefined, { transA: tb, transB: true }),
  );
  const gb = only(c, 1, () =>
    !tb ? g.gemm(a, gy, undefined, { transA: !ta }) : g.gemm(gy, a, undefined, { transA: true, transB: ta }),
  );
  return bias ? [ga, gb, only(c, 2, () => unbroadcast(g, gy, bias.shape))] : [ga, gb];
}

/** The gradient of the sum over axes `axes` of x (kept or dropped), spread back over x's shape. */
function spread(g: Graph, gy: Sym, x: Sym, axes: readonly number[]): Sym {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return g.expand(g.reshape(gy, kept), x.shape);
}

function intsOf(g: Graph, s: Sym): number[] {
  const c = g.constants.find((k) => k.sym.id === s.id);
  if (!c || !(c.data instanceof BigInt64Array)) throw new GraphError('autodiff: expected a constant int64 operand');
  return Array.from(c.data, Number);
}

const RULES: Record<string, Rule> = {
  Identity: (c) => [c.gy[0]!],
  Add: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    return [only(c, 0, () => unbroadcast(c.g, c.gy[0]!, a.shape)), only(c, 1, () => unbroadcast(c.g, c.gy[0]!, b.shape))];
  },
  Sub: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    return [only(c, 0, () => unbroadcast(c.g, c.gy[0]!, a.shape)), only(c, 1, () => unbroadcast(c.g, c.g.neg(c.gy[0]!), b.shape))];
  },
  Mul: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    const gy = c.gy[0]!;
    return [only(c, 0, () => unbroadcast(c.g, c.g.mul(gy, b), a.shape)), only(c, 1, () => unbroadcast(c.g, c.g.mul(gy, a), b.shape))];
  },
  Div: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    const y = c.node.outputs[0]!;
    const gy = c.gy[0]!;
    // d(a/b)/db = -(a/b)/b
    return [only(c, 0, () => unbroadcast(c.g, c.g.div(gy, b), a.shape)), only(c, 1, () => unbroadcast(c.g, c.g.neg(c.g.div(c.g.mul(gy, y), b)), b.shape))];
  },
  // Ties send the gradient to the first operand, as tfjs and PyTorch's minimum/maximum do.
  Min: (c) => pickRule(c, c.g.lessOrEqual(c.node.inputs[0]!, c.node.inputs[1]!)),
  Max: (c) => pickRule(c, c.g.greaterOrEqual(c.node.inputs[0]!, c.node.inputs[1]!)),
  Neg: (c) => [c.g.neg(c.gy[0]!)],
  // The gradient passes where relu(x) > 0. Greater + Where: ONNX Runtime's Sign (then Mul) took 3x as long here.
  Relu: (c) => [c.g.where(c.g.greater(c.node.outputs[0]!, 0), c.gy[0]!, 0)],
  Tanh: (c) => {
    const y = c.node.outputs[0]!;
    return [c.g.mul(c.gy[0]!, c.g.sub(1, c.g.mul(y, y)))];
  },
  Exp: (c) => [c.g.mul(c.gy[0]!, c.node.outputs[0]!)],
  Log: (c) => [c.g.div(c.gy[0]!, c.node.inputs[0]!)],
  Sqrt: (c) => [c.g.div(c.gy[0]!, c.g.mul(c.node.outputs[0]!, 2))],
  Abs: (c) => [c.g.mul(c.gy[0]!, c.g.sign(c.node.inputs[0]!))],
  Where: (c) => {
    const [cond, a, b] = c.node.inputs as [Sym, Sym, Sym];
    const gy = c.gy[0]!;
    return [null, only(c, 1, () => unbroadcast(c.g, c.g.where(cond, gy, 0), a.shape)), only(c, 2, () => unbroadcast(c.g, c.g.where(cond, 0, gy), b.shape))];
  },
  Gemm: gemmRule,
  ReduceSum: (c) => [spread(c.g, c.gy[0]!, c.node.inputs[0]!, intsOf(c.g, c.node.inputs[1]!)), null],
  ReduceSumSquare: (c) => {
    const x = c.node.inputs[0]!;
    return [c.g.mul(c.g.mul(x, 2), c.gy[0]!)];
  },
  ReduceMax: (c) => {
    // To every element equal to the maximum (PyTorch's amax splits ties; ties are measure-zero for learned values).
    const x = c.node.inputs[0]!;
    const axes = (c.node.attrs.axes as { ints: number[] }).ints;
    const y = spread(c.g, c.node.outputs[0]!, x, axes);
    return [c.g.where(c.g.equal(x, y), spread(c.g, c.gy[0]!, x, axes), 0)];
  },
  LogSoftmax: (c) => {
    const axis = (c.node.attrs.axis as { int: number }).int;
    const gy = c.gy[0]!;
    return [c.g.sub(gy, c.g.mul(c.g.exp(c.node.outputs[0]!), c.g.sum(gy, [axis], true)))];
  },
  Softmax: (c) => {
    const axis = (c.node.attrs.axis as { int: number }).int;
    const y = c.node.outputs[0]!;
    const gy = c.gy[0]!;
    return [c.g.mul(y, c.g.sub(gy, c.g.sum(c.g.mul(gy, y), [axis], true)))];
  },
  GatherElements: (c) => {
    const [x, index] = c.node.inputs as [Sym, Sym];
    const axis = (c.node.attrs.axis as { int: number }).int;
    return [c.g.scatterAdd(c.g.expand(c.g.scalar(0, x.dtype), x.shape), index, c.gy[0]!, axis), null];
  },
  Gather: (c) => {
    const [x, rows] = c.node.inputs as [Sym, Sym];
    const axis = (c.node.attrs.axis as { int: number }).int;
    if (axis !== 0) throw new GraphError(`gradients: no gradient rule for ONNX op Gather on axis ${axis} (only axis 0)`);
    return [c.g.scatterRowsAdd(c.g.expand(c.g.scalar(0, x.dtype), x.shape), rows, c.gy[0]!), null];
  },
  Reshape: (c) => [c.g.reshape(c.gy[0]!, c.node.inputs[0]!.shape), null],
  Transpose: (c) => {
    const perm = (c.node.attrs.perm as { ints: number[] }).ints;
    return [c.g.transpose(c.gy[0]!, perm.map((_, i) => perm.indexOf(i)))];
  },
  Expand: (c) => [unbroadcast(c.g, c.gy[0]!, c.node.inputs[0]!.shape), null],
  Concat: (c) => {
    const axis = (c.node.attrs.axis as { int: number }).int;
    return c.g.split(c.gy[0]!, axis, c.node.inputs.map((x) => x.shape[axis]!));
  },
  Split: (c) => {
    const x = c.node.inputs[0]!;
    const axis = (c.node.attrs.axis as { int: number }).int;
    const parts = c.node.outputs.map((o, i) => c.gy[i] ?? c.g.expand(c.g.scalar(0, x.dtype), o.shape));
    return [c.g.concat(parts, axis), null];
  },
};

/** Min and Max: the gradient goes to a where `first` holds, else to b. */
function pickRule(c: RuleContext, first: Sym): (Sym | null)[] {
  const [a, b] = c.node.inputs as [Sym, Sym];
  const gy = c.gy[0]!;
  return [only(c, 0, () => unbroadcast(c.g, c.g.where(first, gy, 0), a.shape)), only(c, 1, () => unbroadcast(c.g, c.g.where(first, 0, gy), b.shape))];
}

/** Ops whose outputs are piecewise constant or integer: no gradient flows through them. */
const CONSTANT_OPS = new Set(['Sign', 'ArgMax', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Equal', 'Cast', 'ScatterElements', 'ScatterND']);

const isFloat = (s: Sym): boolean => s.dtype === 'float32' || s.dtype === 'float64';

/**
 * d loss / d x for each x of `wrt`, as new nodes of `g` (`loss` must be a
 * scalar). A value of `wrt` that `loss` does not depend on gets zeros.
 */
export function gradients(g: Graph, loss: Sym, wrt: readonly Sym[]): Sym[] {
  if (loss.shape.length !== 0) throw new GraphError(`gradients: the loss must be a scalar, got shape [${loss.shape.join(', ')}]`);
  // Forward: which values depend on wrt. The node list is in creation order, which is topological.
  const forward = g.nodes.slice();
  const active = new Set(wrt.map((s) => s.id));
  for (const n of forward) {
    if (CONSTANT_OPS.has(n.op)) continue;
    if (n.inputs.some((x) => active.has(x.id))) for (const o of n.outputs) if (isFloat(o)) active.add(o.id);
  }
  const pending = new Map<number, Sym[]>();
  const collect = (s: Sym): Sym | null => {
    const parts = pending.get(s.id);
    if (!parts) return null;
    let total = parts[0]!;
    for (let i = 1; i < parts.length; i++) total = g.add(total, parts[i]!);
    return total;
  };
  pending.set(loss.id, [g.scalar(1, loss.dtype)]);
  for (let k = forward.length - 1; k >= 0; k--) {
    const node = forward[k]!;
    if (!node.outputs.some((o) => active.has(o.id) && pending.has(o.id))) continue;
    const rule = RULES[node.op];
    if (!rule) throw new GraphError(`gradients: no gradient rule for ONNX op ${node.op}`);
    const gy = node.outputs.map(collect);
    const grads = rule({ g, node, gy, need: (i) => active.has(node.inputs[i]!.id) });
    grads.forEach((gx, i) => {
      const x = node.inputs[i]!;
      if (!gx || !active.has(x.id)) return;
      const list = pending.get(x.id);
      if (list) list.push(gx);
      else pending.set(x.id, [gx]);
    });
  }
  return wrt.map((x) => collect(x) ?? g.expand(g.scalar(0, x.dtype), x.shape));
}

