// A Graph as an ONNX ModelProto (IR version 8, opset 17), encoded to the
// bytes onnxruntime reads. Nodes that no output needs are left out; values
// are named v<id> except the graph's inputs and outputs, which keep their
// names (an output that is an input or a constant goes through Identity).
import onnx from 'onnx-proto';
import type { Attr, DType, Graph, Sym } from './graph.js';

const { onnx: O } = onnx;

export const OPSET = 17;

const ELEM: Record<DType, number> = {
  float32: O.TensorProto.DataType.FLOAT,
  float64: O.TensorProto.DataType.DOUBLE,
  int64: O.TensorProto.DataType.INT64,
  bool: O.TensorProto.DataType.BOOL,
};

function valueInfo(name: string, s: Sym): onnx.onnx.IValueInfoProto {
  return {
    name,
    // A negative size is a dimension fixed only when the graph runs (e.g. the rows of an acting batch).
    type: { tensorType: { elemType: ELEM[s.dtype], shape: { dim: s.shape.map((d, i) => (d < 0 ? { dimParam: `d${i}` } : { dimValue: d })) } } },
  };
}

function attribute(name: string, a: Attr): onnx.onnx.IAttributeProto {
  const T = O.AttributeProto.AttributeType;
  if ('int' in a) return { name, type: T.INT, i: a.int };
  if ('float' in a) return { name, type: T.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  return { name, type: T.STRING, s: new TextEncoder().encode(a.string) };
}

/** The graph with the given outputs (all of g.outputs by default) as ONNX model bytes. */
export function toOnnx(g: Graph, name = 'arena'): Uint8Array {
  const names = new Map<number, string>();
  for (const i of g.inputs) names.set(i.sym.id, i.name);
  const produced = new Map<number, number>(); // value id -> index of the node producing it
  g.nodes.forEach((n, k) => n.outputs.forEach((o) => produced.set(o.id, k)));
  const extra: onnx.onnx.INodeProto[] = [];
  for (const out of g.outputs) {
    const k = produced.get(out.sym.id);
    if (k !== undefined && !names.has(out.sym.id)) names.set(out.sym.id, out.name);
    else extra.push({ opType: 'Identity', input: [nameOf(out.sym)], output: [out.name] });
  }
  function nameOf(s: Sym): string {
    return names.get(s.id) ?? `v${s.id}`;
  }
  const { needed, keep } = reachable(g);
  const nodes: onnx.onnx.INodeProto[] = g.nodes
    .filter((_, k) => keep[k])
    .map((n) => ({
      opType: n.op,
      input: n.inputs.map(nameOf),
      output: n.outputs.map(nameOf),
      attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
    }));
  const initializer: onnx.onnx.ITensorProto[] = g.constants
    .filter((c) => needed.has(c.sym.id))
    .map((c) => ({
      name: nameOf(c.sym),
      dims: [...c.sym.shape],
      dataType: ELEM[c.sym.dtype],
      rawData: new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength),
    }));
  const model = O.ModelProto.create({
    irVersion: 8,
    producerName: 'arena',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name,
      node: [...nodes, ...extra],
      initializer,
      input: g.inputs.filter((i) => needed.has(i.sym.id)).map((i) => valueInfo(i.name, i.sym)),
      output: g.outputs.map((o) => valueInfo(o.name, o.sym)),
    },
  });
  return O.ModelProto.encode(model).finish();
}

/** The values and nodes some output depends on. */
function reachable(g: Graph): { needed: Set<number>; keep: boolean[] } {
  const needed = new Set<number>(g.outputs.map((o) => o.sym.id));
  const keep: boolean[] = new Array(g.nodes.length).fill(false);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    if (!n.outputs.some((o) => needed.has(o.id))) continue;
    keep[k] = true;
    for (const x of n.inputs) needed.add(x.id);
  }
  return { needed, keep };
}

/** The names of the inputs the serialized graph keeps (those some output depends on). */
export function usedInputs(g: Graph): string[] {
  const { needed } = reachable(g);
  return g.inputs.filter((i) => needed.has(i.sym.id)).map((i) => i.name);
}
