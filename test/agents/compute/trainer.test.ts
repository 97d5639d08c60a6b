import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamScalars } from '../../../agents/lib/compute/adam.js';
import { gradients } from '../../../agents/lib/compute/grad.js';
import { Graph } from '../../../agents/lib/compute/graph.js';
import { mlpForward } from '../../../agents/lib/compute/layers.js';
import { toOnnx } from '../../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../../agents/lib/compute/session.js';
import { ParamLayout, Trainer } from '../../../agents/lib/compute/trainer.js';
import type { TrainerSpec } from '../../../agents/lib/compute/trainer.js';
import { initBackend, tf } from '../../../agents/lib/backend.js';
import { getWeights, mlp, mlpShapes, Optimizer } from '../../../agents/lib/nets.js';
import { Rng } from '../../../core/rng.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const SIZES = [3, 5, 2];
const BATCH = 6;

/** An MSE regression step of a tanh MLP, inputs x [BATCH, 3] and y [BATCH, 2]. */
function mseSpec(maxGradNorm?: number, epsilon?: number): TrainerSpec {
  return {
    layout: new ParamLayout(mlpShapes(SIZES)),
    build(g, params) {
      const x = g.input('x', [BATCH, SIZES[0]!]);
      const y = g.input('y', [BATCH, SIZES[2]!]);
      const out = mlpForward(g, params, x, 'tanh');
      return { loss: g.mean(g.square(g.sub(out, y))), outputs: { out } };
    },
    adam: { ...(maxGradNorm ? { maxGradNorm } : {}), ...(epsilon ? { epsilon } : {}) },
  };
}

function batch(seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  return { x: Float32Array.from({ length: BATCH * SIZES[0]! }, () => rng.uniform(-1, 1)), y: Float32Array.from({ length: BATCH * SIZES[2]! }, () => rng.uniform(-1, 1)) };
}

const feeds = (b: { x: Float32Array; y: Float32Array }) => ({ x: new Tensor('float32', b.x, [BATCH, SIZES[0]!]), y: new Tensor('float32', b.y, [BATCH, SIZES[2]!]) });

/** The initial weights of nets.ts's tanh MLP for `seed`, flat in its variable order. */
function initialWeights(seed: number): Float32Array {
  const net = mlp(SIZES, new Rng(seed), { activation: 'tanh' });
  const w = getWeights(net).data;
  net.dispose();
  return w;
}

describe('Session', () => {
  it('runs synchronously with the same results as the public async run, and writes preallocated outputs in place', async () => {
    const g = new Graph('float32');
    const a = g.input('a', [2, 3]);
    const b = g.input('b', [3]);
    g.output('s', g.tanh(g.add(a, b)));
    g.output('n', g.sumSquares(a));
    const bytes = toOnnx(g);
    const feedsAB = { a: new Tensor('float32', Float32Array.from([0.1, -0.2, 0.3, 1, 2, -3]), [2, 3]), b: new Tensor('float32', Float32Array.from([0.5, 0, -0.5]), [3]) };
    const reference = await (await ort.InferenceSession.create(bytes)).run(feedsAB);
    const session = await Session.create(bytes);
    expect(session.inputNames).toEqual(['a', 'b']);
    const sync = session.run(feedsAB);
    expect(Array.from(sync.s!.data as Float32Array)).toEqual(Array.from(reference.s!.data as Float32Array));
    expect(Array.from(sync.n!.data as Float32Array)).toEqual(Array.from(reference.n!.data as Float32Array));
    const backing = new Float32Array(10).fill(-7);
    session.run(feedsAB, { s: new Tensor('float32', backing.subarray(2, 8), [2, 3]) });
    expect(Array.from(backing.subarray(2, 8))).toEqual(Array.from(reference.s!.data as Float32Array));
    expect([backing[0], backing[1], backing[8], backing[9]]).toEqual([-7, -7, -7, -7]);
    expect(() => session.run({ a: feedsAB.a })).toThrow(/input "b" is not fed/);
    session.dispose();
    expect(() => session.run(feedsAB)).toThrow(/disposed/);
  });
});

describe('Trainer', () => {
  it("computes a 2-layer MLP's gradient as hand-written backpropagation does", async () => {
    // float64 graph vs backpropagation written out in float64 below.
    const layout = new ParamLayout(mlpShapes(SIZES));
    const g = new Graph('float64');
    const params = layout.inputs(g, 'p');
    const x = g.input('x', [BATCH, 3]);
    const y = g.input('y', [BATCH, 2]);
    const loss = g.mean(g.square(g.sub(mlpForward(g, params, x, 'tanh'), y)));
    gradients(g, loss, params).forEach((gr, i) => g.output(`g${i}`, gr));
    const session = await Session.create(toOnnx(g));
    const w = Float64Array.from(initialWeights(4));
    const b = batch(5);
    const out = session.run({
      ...Object.fromEntries(layout.shapes.map((s, i) => [`p${i}`, new Tensor('float64', w.slice(layout.offsets[i]!, layout.offsets[i]! + s.reduce((p, q) => p * q, 1)), [...s])])),
      x: new Tensor('float64', Float64Array.from(b.x), [BATCH, 3]),
      y: new Tensor('float64', Float64Array.from(b.y), [BATCH, 2]),
    });
    const [W0, B0, W1, B1] = layout.offsets;
    const expected = new Float64Array(layout.size);
    for (let r = 0; r < BATCH; r++) {
      const h = [0, 0, 0, 0, 0].map((_, j) => Math.tanh(w[B0! + j]! + [0, 1, 2].reduce((s, i) => s + b.x[r * 3 + i]! * w[W0! + i * 5 + j]!, 0)));
      const o = [0, 1].map((k) => w[B1! + k]! + h.reduce((s, hj, j) => s + hj * w[W1! + j * 2 + k]!, 0));
      const dO = o.map((ok, k) => (2 * (ok - b.y[r * 2 + k]!)) / (BATCH * 2));
      dO.forEach((d, k) => {
        expected[B1! + k]! += d;
        h.forEach((hj, j) => (expected[W1! + j * 2 + k]! += hj * d));
      });
      h.forEach((hj, j) => {
        const dh = dO.reduce((s, d, k) => s + d * w[W1! + j * 2 + k]!, 0) * (1 - hj * hj);
        expected[B0! + j]! += dh;
        for (let i = 0; i < 3; i++) expected[W0! + i * 5 + j]! += b.x[r * 3 + i]! * dh;
      });
    }
    const actual = layout.shapes.flatMap((_, i) => Array.from(out[`g${i}`]!.data as Float64Array));
    // Same float64 arithmetic in another order: equal to ~1e-16 relative.
    actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `gradient ${i}`).toBeLessThan(1e-13));
    session.dispose();
  });

  it("moves every parameter by lr * sign(gradient) on Adam's first step (m / sqrt(v) is +-1 after bias correction)", async () => {
    const w = initialWeights(1);
    const trainer = await Trainer.create(mseSpec(), w, 0.01);
    const b = batch(2);
    trainer.step(feeds(b));
    const moved = trainer.params;
    // float32: the step is 0.01 * g / (|g| + 1e-8) applied to weights of order 1, so within a few float32 ulps of 0.01.
    for (let i = 0; i < w.length; i++) expect(Math.abs(Math.abs(moved[i]! - w[i]!) - 0.01), `parameter ${i}`).toBeLessThan(2e-7);
    expect(trainer.t).toBe(1);
    expect(adamScalars(0.01, 1)).toEqual({ stepSize: 0.01 / (1 - 0.9), vScale: 1 / Math.sqrt(1 - 0.999) });
    trainer.dispose();
  });

  // epsilon 0.1 is of the order of sqrt(v): there, where epsilon is added (outside the square root,
  // after the bias correction) changes every update by far more than the tolerance below.
  it.each([1e-8, 0.1])("takes the same 10 Adam steps, with gradient clipping, as nets.ts's Optimizer on tfjs (epsilon %s)", async (epsilon) => {
    const w = initialWeights(3);
    // A clip of 0.5 binds on the first steps (their norms are about 1): both clipping branches run.
    const trainer = await Trainer.create(mseSpec(0.5, epsilon), w, 0.05);
    const net = mlp(SIZES, new Rng(3), { activation: 'tanh' });
    const optimizer = new Optimizer(net.variables, 0.05, { maxGradNorm: 0.5, epsilon });
    const norms: number[][] = [];
    for (let s = 0; s < 10; s++) {
      const b = batch(10 + s);
      const mine = trainer.step(feeds(b));
      const x = tf.tensor2d(b.x, [BATCH, 3]);
      const y = tf.tensor2d(b.y, [BATCH, 2]);
      const theirs = optimizer.step(() => tf.mean(tf.square(tf.sub(net.apply(x), y))) as tf.Scalar);
      tf.dispose([x, y]);
      expect(mine.loss).toBeCloseTo(theirs.loss, 5);
      norms.push([mine.gradNorm, theirs.gradNorm]);
    }
    expect(norms.some(([n]) => n! > 0.5) && norms.some(([n]) => n! < 0.5)).toBe(true);
    for (const [a, b] of norms) expect(a).toBeCloseTo(b!, 5);
    // float32 on both sides, summed in different orders: gradients differ by ~1e-7 relative, and Adam's
    // m / sqrt(v) passes that on; 10 steps of at most lr = 0.05 stay within 1e-5 of each other.
    const theirs = getWeights(net).data;
    trainer.params.forEach((p, i) => expect(Math.abs(p - theirs[i]!), `parameter ${i}`).toBeLessThan(1e-5));
    const state = optimizer.getState();
    const mine = trainer.getState();
    expect(mine.t).toBe(state.t);
    mine.data.forEach((m, i) => expect(Math.abs(m - state.data[i]!), `moment ${i}`).toBeLessThan(1e-6));
    optimizer.dispose();
    net.dispose();
    trainer.dispose();
  });

  it('is deterministic, and resumes bit for bit from its parameters and state', async () => {
    const w = initialWeights(7);
    const run = async (steps: number, from?: { params: Float32Array; state: { t: number; data: Float32Array }; first: number }) => {
      const trainer = await Trainer.create(mseSpec(1), from?.params ?? w, 0.01);
      if (from) trainer.setState(from.state);
      const losses: number[] = [];
      for (let s = from?.first ?? 0; s < steps; s++) losses.push(trainer.step(feeds(batch(100 + s))).loss);
      const result = { params: trainer.params.slice(), state: trainer.getState(), losses };
      trainer.dispose();
      return result;
    };
    const a = await run(20);
    const b = await run(20);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(b.losses).toEqual(a.losses);
    const half = await run(12);
    const resumed = await run(20, { params: half.params, state: half.state, first: 12 });
    expect([...half.losses, ...resumed.losses]).toEqual(a.losses);
    expect(Array.from(resumed.params)).toEqual(Array.from(a.params));
    expect(Array.from(resumed.state.data)).toEqual(Array.from(a.state.data));
  });

  it('rejects parameters and states of the wrong size', async () => {
    await expect(Trainer.create(mseSpec(), new Float32Array(3), 0.01)).rejects.toThrow(/setParams: got 3 values, the parameters have 32/);
    const trainer = await Trainer.create(mseSpec(), initialWeights(1), 0.01);
    expect(() => trainer.setState({ t: 1, data: new Float32Array(5) })).toThrow(/setState: got 5 values, expected 64/);
    trainer.dispose();
  });
});
