import { describe, expect, it } from 'vitest';
import { gradients } from '../../../agents/lib/compute/grad.js';
import { Graph, GraphError } from '../../../agents/lib/compute/graph.js';
import type { Sym } from '../../../agents/lib/compute/graph.js';
import { check } from './finite-differences.js';
import { toOnnx } from '../../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../../agents/lib/compute/session.js';
import { squashedGaussian } from '../../../agents/lib/compute/sac-model.js';

describe('gradients against finite differences (float64)', () => {
  it.each([
    ['add', 'add'],
    ['sub', 'sub'],
    ['mul', 'mul'],
    ['div', 'div'],
    ['min', 'min'],
    ['max', 'max'],
  ] as const)('%s, with broadcasting both ways', async (_name, op) => {
    // b's values stay away from 0 (div) and from a's (min/max kinks).
    const b = [3.1, -2.7, 4.4];
    await check({ a: { shape: [2, 3] }, b: { shape: [3], values: b } }, (g, x) => g[op](x.a!, x.b!));
    await check({ a: { shape: [2, 1] }, b: { shape: [2, 3], values: [3.1, -2.7, 4.4, 2.9, -3.3, 3.8] } }, (g, x) => g[op](x.a!, x.b!));
    await check({ a: { shape: [2, 3] } }, (g, x) => g[op](x.a!, 2.5));
  });

  it.each([
    ['neg', (g: Graph, x: Sym) => g.neg(x)],
    ['tanh', (g: Graph, x: Sym) => g.tanh(x)],
    ['exp', (g: Graph, x: Sym) => g.exp(x)],
    ['square', (g: Graph, x: Sym) => g.square(x)],
    ['identity', (g: Graph, x: Sym) => g.identity(x)],
  ] as const)('%s', async (_name, f) => {
    await check({ x: { shape: [3, 4] } }, (g, x) => f(g, x.x!));
  });

  // Inputs away from the kinks at 0 (relu, abs) and inside the domain (log, sqrt).
  const awayFromZero = [0.7, -1.3, 0.2, -0.4, 1.9, -0.9];
  it.each([
    ['relu', (g: Graph, x: Sym) => g.relu(x), awayFromZero],
    ['abs', (g: Graph, x: Sym) => g.abs(x), awayFromZero],
    ['log', (g: Graph, x: Sym) => g.log(x), [0.7, 1.3, 0.2, 0.4, 1.9, 0.9]],
    ['sqrt', (g: Graph, x: Sym) => g.sqrt(x), [0.7, 1.3, 0.2, 0.4, 1.9, 0.9]],
    ['clip', (g: Graph, x: Sym) => g.clip(x, -1, 1), awayFromZero],
    ['huber (delta 1)', (g: Graph, x: Sym) => g.huber(x), awayFromZero],
    ['huber (delta 0.5)', (g: Graph, x: Sym) => g.huber(x, 0.5), awayFromZero],
  ] as const)('%s', async (_name, f, values) => {
    await check({ x: { shape: [2, 3], values: [...values] } }, (g, x) => f(g, x.x!));
  });

  it('where, to both branches', async () => {
    await check({ c: { shape: [2, 3], dtype: 'bool', values: [1, 0, 0, 1, 1, 0] }, a: { shape: [2, 3] }, b: { shape: [3] } }, (g, x) => g.where(x.c!, x.a!, x.b!));
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('gemm (transA %s, transB %s), with a bias', async (transA, transB) => {
    await check({ a: { shape: transA ? [4, 3] : [3, 4] }, b: { shape: transB ? [5, 4] : [4, 5] }, c: { shape: [5] } }, (g, x) => g.gemm(x.a!, x.b!, x.c!, { transA, transB }));
  });

  it('dense + relu + dense: an MLP layer stack', async () => {
    await check({ x: { shape: [5, 3] }, w0: { shape: [3, 4] }, b0: { shape: [4] }, w1: { shape: [4, 2] }, b1: { shape: [2] } }, (g, x) =>
      g.dense(g.tanh(g.dense(x.x!, x.w0!, x.b0!)), x.w1!, x.b1!),
    );
  });

  it('sum and mean over axes, kept or dropped; sum of squares', async () => {
    await check({ x: { shape: [2, 3, 4] } }, (g, x) => g.sum(x.x!, [1]));
    await check({ x: { shape: [2, 3, 4] } }, (g, x) => g.sum(x.x!, [0, 2], true));
    await check({ x: { shape: [2, 3, 4] } }, (g, x) => g.mean(x.x!, [-1]));
    await check({ x: { shape: [2, 3] } }, (g, x) => g.mean(x.x!));
    await check({ x: { shape: [2, 3] } }, (g, x) => g.sumSquares(x.x!));
  });

  it('reduceMax along an axis', async () => {
    await check({ x: { shape: [3, 4] } }, (g, x) => g.reduceMax(x.x!, 1));
    await check({ x: { shape: [3, 4] } }, (g, x) => g.reduceMax(x.x!, 0, true));
  });

  it('logSoftmax and softmax', async () => {
    await check({ x: { shape: [3, 4] } }, (g, x) => g.logSoftmax(x.x!));
    await check({ x: { shape: [3, 4] } }, (g, x) => g.softmax(x.x!, 0));
  });

  it('gatherActions (GatherElements) and its index input', async () => {
    await check({ q: { shape: [4, 3] }, a: { shape: [4], dtype: 'int64', values: [2, 0, 0, 1] } }, (g, x) => g.gatherActions(x.q!, x.a!));
  });

  it('reshape, flatten, expand, concat and split', async () => {
    await check({ x: { shape: [2, 6] } }, (g, x) => g.reshape(x.x!, [3, 4]));
    await check({ x: { shape: [2, 3, 2] } }, (g, x) => g.flatten(x.x!));
    await check({ x: { shape: [1, 3] } }, (g, x) => g.expand(x.x!, [4, 3]));
    await check({ a: { shape: [2, 3] }, b: { shape: [2, 1] } }, (g, x) => g.concat([x.a!, x.b!], 1));
    await check({ x: { shape: [2, 5] } }, (g, x) => {
      const [p, q] = g.split(x.x!, 1, [2, 3]);
      return g.concat([g.mul(p!, 3), g.exp(q!)], 1);
    });
  });

  it('a value used twice sums its gradients; integer paths (argmax) carry none', async () => {
    // double DQN's target: the online net's argmax picks, the values come from elsewhere.
    await check({ q: { shape: [3, 4] }, t: { shape: [3, 4] } }, (g, x) => g.add(g.sum(g.mul(x.q!, g.exp(x.q!)), [1]), g.gatherActions(g.mul(x.t!, x.q!), g.argmax(x.q!, 1))));
  });

  it('gives zeros for a parameter the loss does not use, and rejects a non-scalar loss and unknown ops', () => {
    const g = new Graph('float64');
    const x = g.input('x', [3]);
    const unused = g.input('u', [2, 2]);
    const [gx, gu] = gradients(g, g.sum(x), [x, unused]);
    expect(gx!.shape).toEqual([3]);
    expect(gu!.shape).toEqual([2, 2]);
    expect(g.nodes.find((n) => n.outputs[0]!.id === gu!.id)?.op).toBe('Expand');
    expect(() => gradients(g, x, [x])).toThrow(/loss must be a scalar, got shape \[3\]/);
    const y = g.node('Erf', [x], [3], 'float64');
    expect(() => gradients(g, g.sum(y), [x])).toThrow(/no gradient rule for ONNX op Erf/);
    expect(() => g.add(g.input('p', [2, 3]), g.input('q', [4]))).toThrow(GraphError);
    expect(() => g.add(g.input('r', [2, 3]), g.input('s', [4]))).toThrow(/Add: shapes \[2, 3\] and \[4\] do not broadcast/);
  });
});

describe('gradients of the continuous-control ops against finite differences (float64)', () => {
  it('softplus, away from the kink of its max(x, 0) + log(1 + exp(-|x|)) form at 0, and its values', async () => {
    await check({ x: { shape: [2, 3], values: [0.7, -1.3, 0.2, -0.4, 1.9, -30] } }, (g, x) => g.softplus(x.x!));
    const g = new Graph('float64');
    g.output('y', g.softplus(g.input('x', [4])));
    const session = await Session.create(toOnnx(g));
    const xs = [-50, -1, 0.5, 800];
    const y = session.run({ x: new Tensor('float64', Float64Array.from(xs), [4]) }).y!.data as Float64Array;
    xs.forEach((x, i) => expect(Math.abs(y[i]! - (x > 30 ? x : Math.log1p(Math.exp(x))))).toBeLessThan(1e-15 * Math.max(1, Math.abs(x))));
    session.dispose();
  });

  it("SAC's squashed Gaussian log-density, through mean and log-std (eps held fixed), log-std inside its clamp", async () => {
    // Mean and log-std in [-2, 2) (inside [-20, 2]), eps fixed: the reparameterized sample's gradient.
    await check({ out: { shape: [3, 4] }, eps: { shape: [3, 2], differentiate: false } }, (g, x) => {
      const pi = squashedGaussian(g, x.out!, x.eps!);
      return g.concat([g.reshape(pi.logProb, [3, 1]), pi.action], 1);
    });
  });
});
