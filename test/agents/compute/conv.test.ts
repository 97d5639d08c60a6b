import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../agents/lib/backend.js';
import { cnn } from '../../../agents/lib/cnn.js';
import { cnnForward } from '../../../agents/lib/compute/layers.js';
import { gradients } from '../../../agents/lib/compute/grad.js';
import { Graph, GraphError } from '../../../agents/lib/compute/graph.js';
import type { Sym } from '../../../agents/lib/compute/graph.js';
import { toOnnx } from '../../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../../agents/lib/compute/session.js';
import { Rng } from '../../../core/rng.js';
import { expectCentralDifferences } from './finite-differences.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// The trunk's convolutions are Gathers of whole rows under matrix products
// (layers.ts's cnnForward). These checks run in float32, as the trunk does, and
// the ops are linear: the loss sum(y * W) is linear in each input, so a central
// difference with any step is exact but for rounding. With step 0.5 and the loss
// summed in float64 from the float32 outputs (each off by ~1e-6 here), the
// difference is off by ~1e-5 at most; 1e-4 (relative to the larger of 1 and the
// gradient) leaves room for that, while a wrong rule (a row added to the wrong
// place, a repeated row counted once) is off by O(1).
const H = 0.5;
const TOLERANCE = 1e-4;

type Shapes = Record<string, number[]>;

async function checkLinear(shapes: Shapes, f: (g: Graph, x: Record<string, Sym>) => Sym, seed = 1): Promise<void> {
  const rng = new Rng(seed);
  const g = new Graph('float32');
  const syms: Record<string, Sym> = {};
  const values: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    syms[name] = g.input(name, shape);
    values[name] = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
  }
  const y = f(g, syms);
  const weights = Array.from({ length: y.shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(0.5, 1.5));
  const grads = gradients(g, g.sum(g.mul(y, g.constant(weights, y.shape))), Object.values(syms));
  g.output('loss64', g.sum(g.mul(g.cast(y, 'float64'), g.constant(weights, y.shape, 'float64'))));
  Object.keys(shapes).forEach((name, i) => g.output(`grad_${name}`, grads[i]!));
  const session = await Session.create(toOnnx(g));
  const feeds = () => Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, new Tensor('float32', values[name]!, shape)]));
  const lossAt = () => (session.run(feeds(), { loss64: null }).loss64!.data as Float64Array)[0]!;
  const analytic = session.run(feeds());
  const names = Object.keys(shapes);
  expectCentralDifferences(values, Object.fromEntries(names.map((name) => [name, analytic[`grad_${name}`]!.data as Float32Array])), lossAt, H, TOLERANCE);
  session.dispose();
}

describe('the window ops against finite differences (float32, exact for linear ops)', () => {
  it('gatherRows, rows repeated and rows left out, and its scatter-add gradient', async () => {
    const rows = [3, 0, 3, 5, 1, 3];
    await checkLinear({ x: [6, 4] }, (g, v) => g.gatherRows(v.x!, g.constant(rows, [rows.length], 'int64')));
    await checkLinear({ x: [7, 2, 3] }, (g, v) => g.gatherRows(v.x!, g.constant([6, 6, 2], [3], 'int64')));
  });

  it('transpose (the trunk turns rows into columns and back)', async () => {
    await checkLinear({ x: [2, 3, 4, 5] }, (g, v) => g.transpose(v.x!, [0, 3, 1, 2]));
    await checkLinear({ x: [3, 5] }, (g, v) => g.transpose(v.x!, [1, 0]));
  });

  it('reshapes a dynamic batch (an acting graph): one -1 in, one -1 out, run by ONNX Runtime', async () => {
    const g = new Graph('float32');
    const x = g.input('x', [-1, 6]);
    expect(() => g.reshape(x, [4, 3])).toThrow(/reshape: \[-1, 6\] cannot become \[4, 3\]/);
    expect(() => g.reshape(x, [-1, 5])).toThrow(/cannot become \[-1, 5\]/);
    const y = g.reshape(g.transpose(g.reshape(x, [-1, 2, 3]), [0, 2, 1]), [-1, 6]);
    expect(y.shape).toEqual([-1, 6]);
    g.output('y', y);
    const session = await Session.create(toOnnx(g));
    const out = session.run({ x: new Tensor('float32', Float32Array.from({ length: 12 }, (_, i) => i), [2, 6]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
    expect(out.y!.dims).toEqual([2, 6]);
    session.dispose();
  });

  it('refuses shapes that do not fit, naming them', () => {
    const g = new Graph('float32');
    const x = g.input('x', [4, 3]);
    expect(() => g.gatherRows(x, g.constant([0.5], [1]))).toThrow(/gatherRows: rows must be int64 \[M\], got float32 \[1\]/);
    expect(() => g.scatterRowsAdd(x, g.constant([0, 1], [2], 'int64'), g.input('u', [2, 4]))).toThrow(/scatterRowsAdd: updates \[2, 4\] for 2 rows of \[4, 3\]/);
    expect(() => g.transpose(g.input('t', [2, 3]), [0, 0])).toThrow(/not a permutation/);
    expect(() => g.transpose(x, [0, 0])).toThrow(GraphError);
  });
});

describe("cnnForward: cnn.ts's trunk as graph ops on its own weights", () => {
  it('gives the features and the weight gradients of the tfjs trunk (float32, to 1e-4 of the largest value of each tensor)', async () => {
    // 21 rows under a 4x4 kernel at stride 2: the last row is skipped, as a stride that does not divide the image skips it.
    const shape = [21, 18, 4] as const;
    const options = { filters: [4, 8], kernels: [4, 3], strides: [2, 1], dense: 16 };
    const rows = 3;
    const trunk = cnn(shape, new Rng(5), options);
    // Biases are zeros at init: other values, so that a misplaced bias shows.
    trunk.variables.forEach((v, i) => {
      if (v.shape.length === 1) v.assign(tf.tensor1d(Float32Array.from({ length: v.size }, (_, k) => 0.01 * ((i + k) % 7) - 0.03)));
    });
    const rng = new Rng(6);
    const x = Float32Array.from({ length: rows * shape[0] * shape[1] * shape[2] }, () => rng.uniform(0, 255));
    const w = Float32Array.from({ length: rows * options.dense }, () => rng.uniform(-1, 1));
    const expected = tf.tidy(() => {
      const xt = tf.tensor2d(x, [rows, x.length / rows]);
      const features = trunk.apply(xt).dataSync();
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(trunk.applyForGradients(xt), tf.tensor2d(w, [rows, options.dense]))) as tf.Scalar, trunk.variables);
      return { features: Array.from(features), grads: trunk.variables.map((v) => Array.from(grads[v.name]!.dataSync())) };
    });
    const g = new Graph('float32');
    const params = trunk.variables.map((v, i) => g.input(`p${i}`, v.shape));
    const features = cnnForward(g, params, g.input('x', [rows, x.length / rows]), shape, options);
    const grads = gradients(g, g.sum(g.mul(features, g.constant(w, [rows, options.dense]))), params);
    g.output('features', features);
    grads.forEach((gr, i) => g.output(`g${i}`, gr));
    const session = await Session.create(toOnnx(g));
    const out = session.run({ x: new Tensor('float32', x, [rows, x.length / rows]), ...Object.fromEntries(trunk.variables.map((v, i) => [`p${i}`, new Tensor('float32', v.dataSync() as Float32Array, v.shape)])) });
    const near = (got: ArrayLike<number>, want: number[], what: string) => {
      const scale = Math.max(1, ...want.map(Math.abs));
      want.forEach((v, i) => expect(Math.abs(got[i]! - v), `${what}[${i}]: ${got[i]} vs ${v}`).toBeLessThan(1e-4 * scale));
    };
    near(out.features!.data as Float32Array, expected.features, 'features');
    expected.grads.forEach((want, i) => near(out[`g${i}`]!.data as Float32Array, want, `gradient of variable ${i}`));
    session.dispose();
    trunk.dispose();
  });

  // The first Gather moves runs of u pixels (u C floats): u divides the stride, the kernel and the width.
  it.each([
    { shape: [21, 18, 4] as const, options: { filters: [4, 8], kernels: [4, 3], strides: [2, 1], dense: 16 }, run: 2 },
    { shape: [21, 19, 4] as const, options: { filters: [4, 8], kernels: [4, 3], strides: [2, 1], dense: 16 }, run: 1 },
    { shape: [20, 18, 2] as const, options: { filters: [4, 8], kernels: [6, 2], strides: [3, 2], dense: 16 }, run: 3 },
  ])('gives the same features in a graph of any batch (acting: the pixel-major layout), at 1 and 3 rows: $shape, runs of $run pixels', async ({ shape, options, run }) => {
    const trunk = cnn(shape, new Rng(7), options);
    trunk.variables.forEach((v, i) => {
      if (v.shape.length === 1) v.assign(tf.tensor1d(Float32Array.from({ length: v.size }, (_, k) => 0.01 * ((i + k) % 5) - 0.02)));
    });
    const g = new Graph('float32');
    const params = trunk.variables.map((v, i) => g.input(`p${i}`, v.shape));
    const dim = shape[0] * shape[1] * shape[2];
    g.output('features', cnnForward(g, params, g.input('x', [-1, dim]), shape, options));
    // The pixel-major layout gathers on the pixel axis: a Gather that is not on axis 0.
    const gathers = g.nodes.filter((n) => n.op === 'Gather' && (n.attrs.axis as { int: number }).int === 1);
    expect(gathers).toHaveLength(options.filters.length);
    expect(gathers[0]!.inputs[0]!.shape).toEqual([-1, (shape[0] * shape[1]) / run, run * shape[2]]);
    const session = await Session.create(toOnnx(g));
    const weights = Object.fromEntries(trunk.variables.map((v, i) => [`p${i}`, new Tensor('float32', v.dataSync() as Float32Array, v.shape)]));
    const rng = new Rng(8);
    for (const rows of [1, 3]) {
      const x = Float32Array.from({ length: rows * dim }, () => rng.uniform(0, 255));
      const want = tf.tidy(() => Array.from(trunk.apply(tf.tensor2d(x, [rows, dim])).dataSync()));
      const got = session.run({ x: new Tensor('float32', x, [rows, dim]), ...weights }).features!;
      expect(got.dims).toEqual([rows, options.dense]);
      const scale = Math.max(1, ...want.map(Math.abs));
      want.forEach((v, i) => expect(Math.abs((got.data as Float32Array)[i]! - v), `rows ${rows}, feature ${i}`).toBeLessThan(1e-4 * scale));
    }
    session.dispose();
    trunk.dispose();
  });

  it('refuses to differentiate a Gather off axis 0, naming it', () => {
    const g = new Graph('float32');
    const x = g.input('x', [2, 5, 3]);
    const y = g.gather(x, g.constant([4, 0, 4], [3], 'int64'), 1);
    expect(y.shape).toEqual([2, 3, 3]);
    expect(() => gradients(g, g.sum(y), [x])).toThrow(/no gradient rule for ONNX op Gather on axis 1 \(only axis 0\)/);
    expect(() => g.gather(x, g.constant([0], [1], 'int64'), 3)).toThrow(/gather: axis 3 is out of range for rank 3/);
  });
});
