// A symbolic tensor graph with static shapes, built op by op and emitted as
// ONNX (serialize.ts). Each method adds one ONNX node (opset 17) and returns
// its output symbol; shapes are inferred here so that the autodiff (grad.ts)
// knows every broadcast it has to undo. Float ops run in the graph's float
// type ('float32' for training, 'float64' for the gradient checks); numbers
// passed where a tensor is expected become scalar constants of that type.
export type DType = 'float32' | 'float64' | 'int64' | 'bool';

/** A value of the graph: an input, a constant or a node's output. */
export interface Sym {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type Attr = { int: number } | { float: number } | { ints: readonly number[] } | { string: string };

export interface GraphNode {
  readonly op: string;
  readonly inputs: readonly Sym[];
  readonly outputs: readonly Sym[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

export interface GraphInput {
  readonly name: string;
  readonly sym: Sym;
}

export interface GraphConstant {
  readonly sym: Sym;
  readonly data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

export class GraphError extends Error {
  override name = 'GraphError';
}

type Operand = Sym | number;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** numpy's broadcast of two shapes, or an error naming the op. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new GraphError(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** An axis in [-rank, rank) as its non-negative index. */
function axisOf(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new GraphError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export class Graph {
  readonly nodes: GraphNode[] = [];
  readonly inputs: GraphInput[] = [];
  readonly constants: GraphConstant[] = [];
  readonly outputs: { name: string; sym: Sym }[] = [];
  private nextId = 0;
  private readonly scalars = new Map<string, Sym>();

  constructor(readonly float: 'float32' | 'float64' = 'float32') {}

  private sym(shape: readonly number[], dtype: DType): Sym {
    return { id: this.nextId++, shape: [...shape], dtype };
  }

  /** Adds a node with one output of the given shape and type. */
  node(op: string, inputs: readonly Sym[], shape: readonly number[], dtype: DType, attrs: Record<string, Attr> = {}): Sym {
    const out = this.sym(shape, dtype);
    this.nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  }

  /** A graph input; a size of -1 leaves that dimension to the feeds (forward graphs only: the autodiff needs static shapes). */
  input(name: string, shape: readonly number[], dtype: DType = this.float): Sym {
    if (this.inputs.some((i) => i.name === name)) throw new GraphError(`input ${JSON.stringify(name)} is declared twice`);
    const s = this.sym(shape, dtype);
    this.inputs.push({ name, sym: s });
    return s;
  }

  output(name: string, sym: Sym): void {
    if (this.outputs.some((o) => o.name === name) || this.inputs.some((i) => i.name === name)) throw new GraphError(`output name ${JSON.stringify(name)} is already used`);
    this.outputs.push({ name, sym });
  }

  /** A constant tensor (an ONNX initializer). */
  constant(data: ArrayLike<number>, shape: readonly number[], dtype: DType = this.float): Sym {
    if (data.length !== size(shape)) throw new GraphError(`constant: ${data.length} values for shape [${shape.join(', ')}]`);
    const s = this.sym(shape, dtype);
    const stored =
      dtype === 'float32' ? Float32Array.from(data) : dtype === 'float64' ? Float64Array.from(data) : dtype === 'int64' ? BigInt64Array.from(Array.from(data, (x) => BigInt(x))) : Uint8Array.from(data);
    this.constants.push({ sym: s, data: stored });
    return s;
  }

  /** A scalar constant of the graph's float type (one per distinct value). */
  scalar(value: number, dtype: DType = this.float): Sym {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
    let s = this.scalars.get(key);
    if (!s) {
      s = this.constant([value], [], dtype);
      this.scalars.set(key, s);
    }
    return s;
  }

  private ints(values: readonly number[]): Sym {
    return this.constant(values, [values.length], 'int64');
  }

  private operand(x: Operand, like: Sym): Sym {
    return typeof x === 'number' ? this.scalar(x, like.dtype) : x;
  }

  private binary(op: string, a: Operand, b: Operand, dtype?: DType): Sym {
    if (typeof a === 'number' && typeof b === 'number') throw new GraphError(`${op}: at least one operand must be a tensor`);
    const like = typeof a === 'number' ? (b as Sym) : a;
    const x = this.operand(a, like);
    const y = this.operand(b, like);
    if (x.dtype !== y.dtype) throw new GraphError(`${op}: operand types differ (${x.dtype}, ${y.dtype})`);
    return this.node(op, [x, y], broadcastShapes(x.shape, y.shape, op), dtype ?? x.dtype);
  }

  // ------------------------------------------------------------ elementwise
  add(a: Operand, b: Operand): Sym {
    return this.binary('Add', a, b);
  }
  sub(a: Operand, b: Operand): Sym {
    return this.binary('Sub', a, b);
  }
  mul(a: Operand, b: Operand): Sym {
    return this.binary('Mul', a, b);
  }
  div(a: Operand, b: Operand): Sym {
    return this.binary('Div', a, b);
  }
  min(a: Operand, b: Operand): Sym {
    return this.binary('Min', a, b);
  }
  max(a: Operand, b: Operand): Sym {
    return this.binary('Max', a, b);
  }
  greater(a: Operand, b: Operand): Sym {
    return this.binary('Greater', a, b, 'bool');
  }
  lessOrEqual(a: Operand, b: Operand): Sym {
    return this.binary('LessOrEqual', a, b, 'bool');
  }
  greaterOrEqual(a: Operand, b: Operand): Sym {
    return this.binary('GreaterOrEqual', a, b, 'bool');
  }
  equal(a: Operand, b: Operand): Sym {
    return this.binary('Equal', a, b, 'bool');
  }

  private unary(op: string, x: Sym): Sym {
    return this.node(op, [x], x.shape, x.dtype);
  }
  neg(x: Sym): Sym {
    return this.unary('Neg', x);
  }
  relu(x: Sym): Sym {
    return this.unary('Relu', x);
  }
  tanh(x: Sym): Sym {
    return this.unary('Tanh', x);
  }
  exp(x: Sym): Sym {
    return this.unary('Exp', x);
  }
  log(x: Sym): Sym {
    return this.unary('Log', x);
  }
  sqrt(x: Sym): Sym {
    return this.unary('Sqrt', x);
  }
  abs(x: Sym): Sym {
    return this.unary('Abs', x);
  }
  sign(x: Sym): Sym {
    return this.unary('Sign', x);
  }
  identity(x: Sym): Sym {
    return this.unary('Identity', x);
  }
  square(x: Sym): Sym {
    return this.mul(x, x);
  }

  /** where(cond, a, b): a where cond holds, else b (broadcasting). */
  where(cond: Sym, a: Operand, b: Operand): Sym {
    const like = typeof a === 'number' ? (b as Sym) : a;
    const x = this.operand(a, like);
    const y = this.operand(b, like);
    const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, 'Where'), y.shape, 'Where');
    return this.node('Where', [cond, x, y], shape, x.dtype);
  }

  cast(x: Sym, dtype: DType): Sym {
    const to = { float32: 1, int64: 7, bool: 9, float64: 11 }[dtype];
    return this.node('Cast', [x], x.shape, dtype, { to: { int: to } });
  }

  /** min(max(x, lo), hi). */
  clip(x: Sym, lo: Operand, hi: Operand): Sym {
    return this.min(this.max(x, lo), hi);
  }

  /**
   * Elementwise Huber loss of the errors `d`, as PyTorch's huber_loss (its
   * smooth_l1_loss when delta is 1): 0.5 d^2 within delta, delta (|d| - 0.5 delta) beyond.
   */
  huber(d: Sym, delta = 1): Sym {
    const err = this.abs(d);
    const quadratic = this.min(err, delta);
    const linear = this.sub(err, quadratic);
    return this.add(this.mul(this.square(quadratic), 0.5), delta === 1 ? linear : this.mul(linear, delta));
  }

  // ------------------------------------------------------------ linear algebra
  /** op(a) op(b) (+ c), op transposing when asked: ONNX Gemm on 2-D operands. */
  gemm(a: Sym, b: Sym, c?: Sym, options: { transA?: boolean; transB?: boolean } = {}): Sym {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new GraphError(`gemm: needs 2-D operands, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
    const [m, k] = options.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [k2, n] = options.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (k !== k2) throw new GraphError(`gemm: inner sizes differ (${k} and ${k2}) for [${a.shape.join(', ')}] x [${b.shape.join(', ')}]`);
    if (c) broadcastShapes([m, n], c.shape, 'gemm bias');
    const attrs: Record<string, Attr> = {};
    if (options.transA) attrs.transA = { int: 1 };
    if (options.transB) attrs.transB = { int: 1 };
    return this.node('Gemm', c ? [a, b, c] : [a, b], [m, n], a.dtype, attrs);
  }

  matmul(a: Sym, b: Sym): Sym {
    return this.gemm(a, b);
  }

  /** x W + b, one Gemm. */
  dense(x: Sym, w: Sym, b: Sym): Sym {
    return this.gemm(x, w, b);
  }

  // ------------------------------------------------------------ reductions
  /** Sum over `axes` (all when omitted). */
  sum(x: Sym, axes?: readonly number[], keepdims = false): Sym {
    const rank = x.shape.length;
    const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => axisOf(a, rank, 'sum')).sort((p, q) => p - q);
    const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.node('ReduceSum', [x, this.ints(ax)], shape, x.dtype, { keepdims: { int: keepdims ? 1 : 0 } });
  }

  mean(x: Sym, axes?: readonly number[], keepdims = false): Sym {
    const rank = x.shape.length;
    const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => axisOf(a, rank, 'mean'));
    const count = ax.reduce((a, i) => a * x.shape[i]!, 1);
    return this.mul(this.sum(x, ax, keepdims), 1 / count);
  }

  /** The sum of squares of all elements, a scalar. */
  sumSquares(x: Sym): Sym {
    return this.node('ReduceSumSquare', [x], [], x.dtype, { keepdims: { int: 0 } });
  }

  reduceMax(x: Sym, axis: number, keepdims = false): Sym {
    const a = axisOf(axis, x.shape.length, 'reduceMax');
    const shape = keepdims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
    return this.node('ReduceMax', [x], shape, x.dtype, { axes: { ints: [a] }, keepdims: { int: keepdims ? 1 : 0 } });
  }

  /** Index of the largest element along `axis` (the first on ties), int64, axis removed. */
  argmax(x: Sym, axis: number): Sym {
    const a = axisOf(axis, x.shape.length, 'argmax');
    return this.node('ArgMax', [x], x.shape.filter((_, i) => i !== a), 'int64', { axis: { int: a }, keepdims: { int: 0 }, select_last_index: { int: 0 } });
  }

  logSoftmax(x: Sym, axis = -1): Sym {
    return this.node('LogSoftmax', [x], x.shape, x.dtype, { axis: { int: axisOf(axis, x.shape.length, 'logSoftmax') } });
  }

  softmax(x: Sym, axis = -1): Sym {
    return this.node('Softmax', [x], x.shape, x.dtype, { axis: { int: axisOf(axis, x.shape.length, 'softmax') } });
  }

  // ------------------------------------------------------------ indexing and shapes
  /** ONNX GatherElements: out[i][j] = x[i][index[i][j]] along axis 1 (and so on for other axes). */
  gatherElements(x: Sym, index: Sym, axis: number): Sym {
    if (index.dtype !== 'int64') throw new GraphError(`gatherElements: index must be int64, got ${index.dtype}`);
    if (index.shape.length !== x.shape.length) throw new GraphError(`gatherElements: index rank ${index.shape.length} differs from the data's ${x.shape.length}`);
    return this.node('GatherElements', [x, index], index.shape, x.dtype, { axis: { int: axisOf(axis, x.shape.length, 'gatherElements') } });
  }

  /** Adds `updates` into a copy of `x` at `index` along `axis` (ScatterElements, reduction add). */
  scatterAdd(x: Sym, index: Sym, updates: Sym, axis: number): Sym {
    return this.node('ScatterElements', [x, index, updates], x.shape, x.dtype, { axis: { int: axisOf(axis, x.shape.length, 'scatterAdd') }, reduction: { string: 'add' } });
  }

  /** ONNX Gather on axis 0: rows `rows[i]` of x [D, ...] as [rows.length, ...] (rows a constant, int64 [M]). */
  gatherRows(x: Sym, rows: Sym): Sym {
    return this.gather(x, rows, 0, 'gatherRows');
  }

  /**
   * ONNX Gather on `axis`: the slices index[i] of x along it, as the axis's new
   * entries (index int64 [M]). Only axis 0 has a gradient (gradients refuses
   * the others): a forward graph may gather on any axis.
   */
  gather(x: Sym, index: Sym, axis: number, op = 'gather'): Sym {
    if (index.dtype !== 'int64' || index.shape.length !== 1) throw new GraphError(`${op}: rows must be int64 [M], got ${index.dtype} [${index.shape.join(', ')}]`);
    const a = axisOf(axis, x.shape.length, op);
    return this.node('Gather', [x, index], x.shape.map((d, i) => (i === a ? index.shape[0]! : d)), x.dtype, { axis: { int: a } });
  }

  /** Adds row i of `updates` [M, ...] into row rows[i] of a copy of x [D, ...], repeated rows summing (ScatterND, reduction add). */
  scatterRowsAdd(x: Sym, rows: Sym, updates: Sym): Sym {
    if (rows.dtype !== 'int64' || rows.shape.length !== 1) throw new GraphError(`scatterRowsAdd: rows must be int64 [M], got ${rows.dtype} [${rows.shape.join(', ')}]`);
    if (updates.shape.join() !== [rows.shape[0]!, ...x.shape.slice(1)].join()) throw new GraphError(`scatterRowsAdd: updates [${updates.shape.join(', ')}] for ${rows.shape[0]} rows of [${x.shape.join(', ')}]`);
    return this.node('ScatterND', [x, this.reshape(rows, [rows.shape[0]!, 1]), updates], x.shape, x.dtype, { reduction: { string: 'add' } });
  }

  /** Row i's element at column actions[i]: [B, A] and int64 [B] give [B]. */
  gatherActions(x: Sym, actions: Sym): Sym {
    if (x.shape.length !== 2 || actions.shape.length !== 1 || actions.shape[0] !== x.shape[0]) {
      throw new GraphError(`gatherActions: needs [B, A] values and [B] actions, got [${x.shape.join(', ')}] and [${actions.shape.join(', ')}]`);
    }
    const rows = x.shape[0]!;
    return this.reshape(this.gatherElements(x, this.reshape(actions, [rows, 1]), 1), [rows]);
  }

  /**
   * ONNX Reshape. A shape with a dynamic size (-1, a forward graph's batch)
   * becomes a shape with one -1, which ONNX infers from the rest; the static
   * sizes of both must then divide one another.
   */
  reshape(x: Sym, shape: readonly number[]): Sym {
    const dynamic = (s: readonly number[]) => s.filter((d) => d === -1).length;
    const known = (s: readonly number[]) => size(s.filter((d) => d !== -1));
    const fits =
      dynamic(x.shape) === 0
        ? size(shape) === size(x.shape)
        : dynamic(shape) === 1 && (known(x.shape) % known(shape) === 0 || known(shape) % known(x.shape) === 0);
    if (!fits) throw new GraphError(`reshape: [${x.shape.join(', ')}] cannot become [${shape.join(', ')}]`);
    if (shape.join() === x.shape.join()) return x;
    return this.node('Reshape', [x, this.ints(shape)], shape, x.dtype);
  }

  /** [d0, d1, ...] to [d0, d1 * ...]. */
  flatten(x: Sym): Sym {
    return this.reshape(x, [x.shape[0]!, size(x.shape.slice(1))]);
  }

  expand(x: Sym, shape: readonly number[]): Sym {
    const out = broadcastShapes(x.shape, shape, 'expand');
    if (out.join() === x.shape.join()) return x;
    return this.node('Expand', [x, this.ints(shape)], out, x.dtype);
  }

  concat(xs: readonly Sym[], axis: number): Sym {
    if (xs.length === 0) throw new GraphError('concat: needs at least one tensor');
    if (xs.length === 1) return xs[0]!;
    const rank = xs[0]!.shape.length;
    const a = axisOf(axis, rank, 'concat');
    for (const x of xs) {
      if (x.shape.length !== rank || x.shape.some((d, i) => i !== a && d !== xs[0]!.shape[i])) throw new GraphError(`concat: shapes ${xs.map((s) => `[${s.shape.join(', ')}]`).join(', ')} differ off axis ${a}`);
    }
    const shape = xs[0]!.shape.map((d, i) => (i === a ? xs.reduce((t, x) => t + x.shape[a]!, 0) : d));
    return this.node('Concat', xs, shape, xs[0]!.dtype, { axis: { int: a } });
  }

  /** Splits `x` along `axis` into pieces of the given sizes. */
  split(x: Sym, axis: number, sizes: readonly number[]): Sym[] {
    const a = axisOf(axis, x.shape.length, 'split');
    if (sizes.reduce((t, s) => t + s, 0) !== x.shape[a]) throw new GraphError(`split: sizes [${sizes.join(', ')}] do not add up to ${x.shape[a]}`);
    const outputs = sizes.map((s) => this.sym(x.shape.map((d, i) => (i === a ? s : d)), x.dtype));
    this.nodes.push({ op: 'Split', inputs: [x, this.ints(sizes)], outputs, attrs: { axis: { int: a } } });
    return outputs;
  }

  /** ONNX Transpose: axis i of the result is axis perm[i] of x. */
  transpose(x: Sym, perm: readonly number[]): Sym {
    if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i)) throw new GraphError(`transpose: [${perm.join(', ')}] is not a permutation of ${x.shape.length} axes`);
    return this.node('Transpose', [x], perm.map((p) => x.shape[p]!), x.dtype, { perm: { ints: [...perm] } });
  }

  // ------------------------------------------------------------ continuous control (SAC)
  /**
   * log(1 + exp(x)) as max(x, 0) + log(1 + exp(-|x|)): no overflow for large
   * x, and built from ops with gradient rules (ONNX Runtime's CPU Softplus is
   * float32 only, so it could not be checked in float64).
   */
  softplus(x: Sym): Sym {
    return this.add(this.max(x, 0), this.log(this.add(this.exp(this.neg(this.abs(x))), 1)));
  }
}
