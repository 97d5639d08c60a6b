// The gradient check the compute tests share: a graph's generated gradients
// against central finite differences, in float64.
import { expect } from 'vitest';
import { gradients } from '../../../agents/lib/compute/grad.js';
import { Graph } from '../../../agents/lib/compute/graph.js';
import type { Sym } from '../../../agents/lib/compute/graph.js';
import { toOnnx } from '../../../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../../../agents/lib/compute/session.js';
import { Rng } from '../../../core/rng.js';

// Every op's gradient against central finite differences, in float64 graphs
// (ONNX Runtime's CPU kernels cover all of these ops in double). With step
// h = 1e-5 the central difference is off by O(h^2 f''') ~ 1e-10 and by
// rounding of O(eps f / h) ~ 1e-11 for values of order 1, so 1e-7 (relative to
// the larger of 1 and the gradient) leaves a wide margin while any wrong rule
// (a missing factor, a dropped broadcast) is off by far more.
const H = 1e-5;
const TOLERANCE = 1e-7;

export type Inputs = Record<string, { shape: number[]; values?: number[]; dtype?: 'float64' | 'int64' | 'bool'; differentiate?: boolean }>;

/**
 * Builds f over the inputs, and the scalar loss sum(f(x) * w) with fixed
 * random weights w (so each output element has its own weight), then
 * compares the graph's gradients of every float input with finite differences.
 */
export async function check(inputs: Inputs, f: (g: Graph, x: Record<string, Sym>) => Sym, seed = 1): Promise<void> {
  const rng = new Rng(seed);
  const g = new Graph('float64');
  const syms: Record<string, Sym> = {};
  const values: Record<string, Float64Array | BigInt64Array | Uint8Array> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const dtype = spec.dtype ?? 'float64';
    syms[name] = g.input(name, spec.shape, dtype);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const raw = spec.values ?? Array.from({ length: n }, () => rng.uniform(-2, 2));
    values[name] = dtype === 'int64' ? BigInt64Array.from(raw.map(BigInt)) : dtype === 'bool' ? Uint8Array.from(raw) : Float64Array.from(raw);
  }
  const y = f(g, syms);
  const w = g.constant(
    Array.from({ length: y.shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(0.5, 1.5)),
    y.shape,
  );
  const loss = g.sum(g.mul(y, w));
  const wrt = Object.entries(inputs)
    .filter(([, s]) => (s.dtype ?? 'float64') === 'float64' && s.differentiate !== false)
    .map(([name]) => name);
  const grads = gradients(
    g,
    loss,
    wrt.map((n) => syms[n]!),
  );
  g.output('loss', loss);
  grads.forEach((gr, i) => g.output(`grad_${wrt[i]}`, gr));
  const session = await Session.create(toOnnx(g));
  const feeds = () =>
    Object.fromEntries(
      Object.entries(inputs).map(([name, spec]) => {
        const dtype = spec.dtype ?? 'float64';
        return [name, new Tensor(dtype === 'bool' ? 'bool' : dtype, values[name]!, spec.shape)];
      }),
    );
  const lossAt = () => (session.run(feeds(), { loss: null }).loss!.data as Float64Array)[0]!;
  const analytic = session.run(feeds());
  expectCentralDifferences(
    Object.fromEntries(wrt.map((name) => [name, values[name] as Float64Array])),
    Object.fromEntries(wrt.map((name) => [name, analytic[`grad_${name}`]!.data as Float64Array])),
    lossAt,
    H,
    TOLERANCE,
  );
  session.dispose();
}

/**
 * Each input's analytic gradient against the central difference
 * (loss(x + h) - loss(x - h)) / 2h of `lossAt`, which reads `inputs` (each
 * entry is nudged in place and restored), within `tolerance` relative to the
 * larger of 1 and the difference.
 */
export function expectCentralDifferences(
  inputs: Record<string, Float64Array | Float32Array>,
  analytic: Record<string, ArrayLike<number>>,
  lossAt: () => number,
  h: number,
  tolerance: number,
): void {
  for (const [name, x] of Object.entries(inputs)) {
    const gr = analytic[name]!;
    expect(gr.length, name).toBe(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i]!;
      x[i] = keep + h;
      const up = lossAt();
      x[i] = keep - h;
      const down = lossAt();
      x[i] = keep;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(gr[i]! - numeric), `d loss / d ${name}[${i}]: analytic ${gr[i]}, numeric ${numeric}`).toBeLessThan(tolerance * Math.max(1, Math.abs(numeric)));
    }
  }
}

