import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../agents/lib/backend.js';
import { Graph } from '../../../agents/lib/compute/graph.js';
import type { Sym } from '../../../agents/lib/compute/graph.js';
import { categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, ppoGraphTerms, weightedMean } from '../../../agents/lib/compute/policy-ops.js';
import { toOnnx } from '../../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../../agents/lib/compute/session.js';
import * as dist from '../../../agents/lib/distributions.js';
import { ppoTerms } from '../../../agents/lib/ppo-loss.js';
import { Rng } from '../../../core/rng.js';
import { check } from './finite-differences.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const B = 5;
const w = { shape: [B], values: Array(B).fill(1 / B), differentiate: false };

describe('policy-gradient ops: gradients against finite differences (float64)', () => {
  it('categorical log-prob of the taken actions', async () => {
    await check({ logits: { shape: [B, 3] }, a: { shape: [B], dtype: 'int64', values: [0, 2, 1, 2, 0] } }, (g, x) => categoricalLogProb(g, x.logits!, x.a!));
  });

  it('categorical entropy', async () => {
    await check({ logits: { shape: [B, 4] } }, (g, x) => categoricalEntropy(g, x.logits!));
  });

  it('Gaussian log-prob, in the means, the log stds and the actions', async () => {
    await check({ mean: { shape: [B, 2] }, logStd: { shape: [2] }, a: { shape: [B, 2] } }, (g, x) => gaussianLogProb(g, x.mean!, x.logStd!, x.a!));
  });

  it('Gaussian entropy', async () => {
    await check({ logStd: { shape: [3] } }, (g, x) => gaussianEntropy(g, x.logStd!));
  });

  it('weighted mean over rows', async () => {
    await check({ x: { shape: [B] }, w: { shape: [B] } }, (g, x) => weightedMean(g, x.x!, x.w!));
  });

  // Log-ratios in (-2, 2) put most rows outside the clip range 0.2, on both sides, so both branches of min and clip carry gradients.
  const ppoInputs = { logp: { shape: [B] }, oldLogp: { shape: [B] }, advantages: { shape: [B] }, value: { shape: [B] }, oldValues: { shape: [B] }, returns: { shape: [B] }, w, clip: { shape: [], values: [0.2], differentiate: false } };
  const terms = (g: Graph, x: Record<string, Sym>, clipVf: number) =>
    ppoGraphTerms(g, { logp: x.logp!, oldLogp: x.oldLogp!, advantages: x.advantages!, value: x.value!, oldValues: x.oldValues!, returns: x.returns!, w: x.w! }, x.clip!, clipVf);

  it.each([
    ['clipped surrogate', 'policyLoss', 0],
    ['value loss', 'valueLoss', 0],
    ['clipped value loss (clip_range_vf 0.3)', 'valueLoss', 0.3],
    ['approximate KL', 'approxKl', 0],
  ] as const)('PPO %s', async (_name, term, clipVf) => {
    await check({ ...ppoInputs } as Parameters<typeof check>[0], (g, x) => terms(g, x, clipVf)[term]);
  });
});

/** Runs a float32 graph built by `f` on `feeds` and returns its outputs' values. */
async function run(f: (g: Graph) => Record<string, Sym>, feeds: Record<string, { data: Float32Array | BigInt64Array; shape: number[] }>): Promise<Record<string, Float32Array>> {
  const g = new Graph('float32');
  for (const [name, s] of Object.entries(f(g))) g.output(name, s);
  const session = await Session.create(toOnnx(g));
  const out = session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new Tensor(v.data instanceof BigInt64Array ? 'int64' : 'float32', v.data, v.shape)])));
  session.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
}

describe('policy-gradient ops against the hand-computed PPO loss and the tfjs functions', () => {
  it("gives ppo-loss.test.ts's hand-computed policy loss 0.25 and value losses 0.5625 / 0.685, with two rows of padding", async () => {
    // The four rows of test/agents/ppo-loss.test.ts (one of each case of the clipped min), padded to 6 rows of weight 0.
    const ratios = [1.5, 0.5, 1.1, 0.7, 3, 0.1];
    const oldLogp = Float32Array.from([-1, -0.5, -2, -1.2, 0, 0]);
    const f32 = (a: number[]) => ({ data: Float32Array.from(a), shape: [6] });
    const feeds = {
      logp: { data: oldLogp.map((l, i) => l + Math.log(ratios[i]!)), shape: [6] },
      oldLogp: { data: oldLogp, shape: [6] },
      advantages: f32([2, -1, -3, 1, 5, 5]),
      value: f32([1, 2, 0, -1, 9, 9]),
      oldValues: f32([0.5, 2, 0.8, 0, 0, 0]),
      returns: f32([0, 2.5, 1, -1, 0, 0]),
      w: f32([0.25, 0.25, 0.25, 0.25, 0, 0]),
      clip: { data: Float32Array.of(0.2), shape: [] },
    };
    const build = (clipVf: number) => (g: Graph) => {
      const x = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, g.input(k, v.shape)]));
      const t = ppoGraphTerms(g, { logp: x.logp!, oldLogp: x.oldLogp!, advantages: x.advantages!, value: x.value!, oldValues: x.oldValues!, returns: x.returns!, w: x.w! }, x.clip!, clipVf);
      return { ...t };
    };
    const plain = await run(build(0), feeds);
    const clipped = await run(build(0.3), feeds);
    // float32 inputs: a few ulps of the values.
    expect(plain.policyLoss![0]).toBeCloseTo(0.25, 6);
    expect(plain.valueLoss![0]).toBeCloseTo(0.5625, 6);
    expect(clipped.valueLoss![0]).toBeCloseTo(0.685, 6);
    // |r - 1| = 0.5, 0.5, 0.1, 0.3: three of the four beyond 0.2 (the padded rows, far beyond, weigh 0).
    expect(plain.clipFraction![0]).toBeCloseTo(0.75, 6);
  });

  it('agree with distributions.ts and ppo-loss.ts on random float32 batches (to 1e-5 relative)', async () => {
    const rng = new Rng(3);
    const r = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-2, 2));
    const rows = 7;
    const d = { logits: r(rows * 3), a: BigInt64Array.from({ length: rows }, () => BigInt(rng.integers(0, 3))), mean: r(rows * 2), logStd: r(2), act: r(rows * 2) };
    const v = { oldLogp: r(rows), advantages: r(rows), value: r(rows), oldValues: r(rows), returns: r(rows) };
    const out = await run(
      (g) => {
        const logits = g.input('logits', [rows, 3]);
        const mean = g.input('mean', [rows, 2]);
        const logStd = g.input('logStd', [2]);
        const logp = categoricalLogProb(g, logits, g.input('a', [rows], 'int64'));
        const x = Object.fromEntries(Object.keys(v).map((k) => [k, g.input(k, [rows])]));
        const t = ppoGraphTerms(g, { logp, oldLogp: x.oldLogp!, advantages: x.advantages!, value: x.value!, oldValues: x.oldValues!, returns: x.returns!, w: g.constant(Array(rows).fill(1 / rows), [rows]) }, g.scalar(0.2), 0.5);
        return { catLogp: logp, catEntropy: categoricalEntropy(g, logits), gLogp: gaussianLogProb(g, mean, logStd, g.input('act', [rows, 2])), gEntropy: gaussianEntropy(g, logStd), ...t };
      },
      {
        logits: { data: d.logits, shape: [rows, 3] },
        a: { data: d.a, shape: [rows] },
        mean: { data: d.mean, shape: [rows, 2] },
        logStd: { data: d.logStd, shape: [2] },
        act: { data: d.act, shape: [rows, 2] },
        ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, { data: x, shape: [rows] }])),
      },
    );
    const expected = tf.tidy(() => {
      const logits = tf.tensor2d(d.logits, [rows, 3]);
      const logStd = tf.tensor1d(d.logStd);
      const logp = dist.categoricalLogProb(logits, tf.tensor1d(Int32Array.from(d.a, Number), 'int32'));
      const t = ppoTerms({ logp, ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tf.tensor1d(x)])) } as Parameters<typeof ppoTerms>[0], 0.2, 0.5);
      const all: Record<string, tf.Tensor> = {
        catLogp: logp,
        catEntropy: dist.categoricalEntropy(logits),
        gLogp: dist.gaussianLogProb(tf.tensor2d(d.mean, [rows, 2]), logStd, tf.tensor2d(d.act, [rows, 2])),
        gEntropy: dist.gaussianEntropy(logStd),
        ...t,
      };
      return Object.fromEntries(Object.entries(all).map(([k, x]) => [k, Array.from(x.dataSync())]));
    });
    for (const [name, values] of Object.entries(expected)) {
      const got = Array.from(out[name]!);
      expect(got.length, name).toBe(values.length);
      got.forEach((x, i) => expect(Math.abs(x - values[i]!), `${name}[${i}]: ${x} vs ${values[i]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(values[i]!))));
    }
  });
});
