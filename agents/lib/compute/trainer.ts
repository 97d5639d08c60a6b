// A loss's whole training step as one ONNX session: forward, the generated
// backward pass, gradient clipping and Adam on a flat parameter vector. The
// parameters live in one Float32Array in the layer order nets.ts saves
// ([W0, b0, W1, b1, ...] per net), fed to the graph as subarray views (the
// binding reads them in place); the new parameters and moments are written
// into a second set of buffers that the next step reads (double buffering:
// ONNX Runtime writes them in place; session.ts says what the binding still
// copies). The optimizer is Adam, or RMSprop (rmsprop.ts) when the spec asks
// for it.
import { adamScalars, adamStep } from './adam.js';
import type { AdamOptions } from './adam.js';
import { gradients } from './grad.js';
import { rmspropStep } from './rmsprop.js';
import type { RmsPropOptions } from './rmsprop.js';
import { Graph } from './graph.js';
import type { Sym } from './graph.js';
import type { GpuProvider } from './providers.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';

/** Where each tensor of a flat parameter vector starts. */
export class ParamLayout {
  readonly offsets: readonly number[];
  readonly size: number;

  constructor(readonly shapes: readonly (readonly number[])[]) {
    const offsets: number[] = [];
    let o = 0;
    for (const s of shapes) {
      offsets.push(o);
      o += s.reduce((a, b) => a * b, 1);
    }
    this.offsets = offsets;
    this.size = o;
  }

  /** Graph inputs `${prefix}0`, `${prefix}1`, ... with these shapes. */
  inputs(g: Graph, prefix: string): Sym[] {
    return this.shapes.map((s, i) => g.input(`${prefix}${i}`, s));
  }

  /** Tensors viewing `flat` (no copy), named as `inputs` names them. */
  views(flat: Float32Array, prefix: string): Record<string, Tensor> {
    if (flat.length !== this.size) throw new RangeError(`ParamLayout.views: ${flat.length} values for a layout of ${this.size}`);
    return Object.fromEntries(this.shapes.map((s, i) => [`${prefix}${i}`, new Tensor('float32', flat.subarray(this.offsets[i]!, this.offsets[i + 1] ?? this.size), [...s])]));
  }
}

/** Arrays laid end to end in one flat vector (a net's variables, or several nets' weights). */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * target <- tau * online + (1 - tau) * target over flat vectors, rounding each
 * product and the sum to float32 as the tfjs path's copyWeights does.
 */
export function polyakUpdate(target: Float32Array, online: Float32Array, tau: number): void {
  if (target.length !== online.length) throw new RangeError(`polyakUpdate: ${online.length} values for a target of ${target.length}`);
  if (tau === 1) {
    target.set(online);
    return;
  }
  const a = Math.fround(tau);
  const b = Math.fround(1 - tau);
  for (let i = 0; i < online.length; i++) target[i] = Math.fround(Math.fround(online[i]! * a) + Math.fround(target[i]! * b));
}

export interface TrainerSpec {
  layout: ParamLayout;
  /**
   * Builds the loss from the parameter symbols (declaring the graph's other
   * inputs itself); `outputs` are extra values to return each step.
   */
  build(g: Graph, params: Sym[]): { loss: Sym; outputs?: Record<string, Sym> };
  adam?: AdamOptions;
  /** RMSprop instead of Adam (its state is then v alone; `adam` is ignored). */
  rmsprop?: RmsPropOptions;
  /** A GPU execution provider to run the step on (providers.ts checks it is present), else the CPU. */
  provider?: GpuProvider;
}

/** One side of the double buffer: parameters and moments, and tensors viewing them. */
interface Side {
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** The parameter tensors p0, p1, ... */
  params: Record<string, Tensor>;
  /** P, m and v as flat tensors. */
  flat: { P: Tensor; m: Tensor; v: Tensor };
}

export class Trainer {
  /** Adam steps taken. */
  t = 0;
  private current = 0;
  private readonly scalars = { stepSize: new Float32Array(1), vScale: new Float32Array(1) };
  private readonly scalarFeeds: Record<string, Tensor>;
  private readonly stats = { loss: new Float32Array(1), gradNorm: new Float32Array(1) };
  private readonly statFetches: Record<string, Tensor>;

  private constructor(
    private readonly session: Session,
    readonly layout: ParamLayout,
    private readonly sides: [Side, Side],
    private readonly extraOutputs: readonly string[],
    private readonly adam: AdamOptions,
    public learningRate: number,
    /** RMSprop (no first moment, the learning rate fed as stepSize) rather than Adam. */
    private readonly rmsprop: boolean,
  ) {
    this.scalarFeeds = { stepSize: new Tensor('float32', this.scalars.stepSize, []), vScale: new Tensor('float32', this.scalars.vScale, []) };
    this.statFetches = { loss: new Tensor('float32', this.stats.loss, []), gradNorm: new Tensor('float32', this.stats.gradNorm, []) };
  }

  /** The training graph of `spec` (for inspection and tests). */
  static graph(spec: TrainerSpec): { graph: Graph; extraOutputs: string[] } {
    const g = new Graph('float32');
    const n = spec.layout.size;
    const params = spec.layout.inputs(g, 'p');
    const { loss, outputs = {} } = spec.build(g, params);
    const grads = gradients(g, loss, params);
    const flat = g.concat(
      grads.map((x) => g.reshape(x, [x.shape.reduce((a, b) => a * b, 1)])),
      0,
    );
    const next = spec.rmsprop
      ? rmspropStep(g, flat, { p: g.input('P', [n]), v: g.input('v', [n]), learningRate: g.input('stepSize', []) }, spec.rmsprop)
      : adamStep(g, flat, { p: g.input('P', [n]), m: g.input('m', [n]), v: g.input('v', [n]), stepSize: g.input('stepSize', []), vScale: g.input('vScale', []) }, spec.adam);
    g.output('P_next', next.p);
    if ('m' in next) g.output('m_next', next.m as Sym);
    g.output('v_next', next.v);
    g.output('loss', loss);
    g.output('gradNorm', next.gradNorm);
    for (const [name, s] of Object.entries(outputs)) g.output(name, s);
    return { graph: g, extraOutputs: Object.keys(outputs) };
  }

  static async create(spec: TrainerSpec, initial: Float32Array, learningRate: number): Promise<Trainer> {
    const { graph, extraOutputs } = Trainer.graph(spec);
    const session = await Session.create(toOnnx(graph, 'train'), spec.provider);
    const n = spec.layout.size;
    const side = (): Side => {
      const p = new Float32Array(n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      return { p, m, v, params: spec.layout.views(p, 'p'), flat: { P: new Tensor('float32', p, [n]), m: new Tensor('float32', m, [n]), v: new Tensor('float32', v, [n]) } };
    };
    const trainer = new Trainer(session, spec.layout, [side(), side()], extraOutputs, spec.adam ?? {}, learningRate, spec.rmsprop !== undefined);
    trainer.setParams(initial);
    return trainer;
  }

  /** The current parameters (a view that the next step leaves alone and the one after overwrites: copy to keep). */
  get params(): Float32Array {
    return this.sides[this.current]!.p;
  }

  /** Tensors viewing the current parameters, named p0, p1, ...: feed them to a forward graph built with `layout.inputs(g, 'p')`. */
  get paramFeeds(): Record<string, Tensor> {
    return this.sides[this.current]!.params;
  }

  setParams(data: Float32Array): void {
    if (data.length !== this.layout.size) throw new RangeError(`Trainer.setParams: got ${data.length} values, the parameters have ${this.layout.size}`);
    this.sides[this.current]!.p.set(data);
  }

  /**
   * One Adam step on the loss, with `feeds` for the graph's own inputs.
   * Returns the loss, the pre-clip gradient norm and the extra outputs.
   */
  step(feeds: Record<string, Tensor>): { loss: number; gradNorm: number; outputs: Record<string, Tensor> } {
    this.t += 1;
    const from = this.sides[this.current]!;
    const to = this.sides[1 - this.current]!;
    let out: Record<string, Tensor>;
    if (this.rmsprop) {
      this.scalars.stepSize[0] = this.learningRate;
      const fetches: Record<string, Tensor | null> = { P_next: to.flat.P, v_next: to.flat.v, ...this.statFetches };
      for (const name of this.extraOutputs) fetches[name] = null;
      out = this.session.run({ ...feeds, ...from.params, P: from.flat.P, v: from.flat.v, stepSize: this.scalarFeeds.stepSize! }, fetches);
    } else {
      const { stepSize, vScale } = adamScalars(this.learningRate, this.t, this.adam);
      this.scalars.stepSize[0] = stepSize;
      this.scalars.vScale[0] = vScale;
      const fetches: Record<string, Tensor | null> = { P_next: to.flat.P, m_next: to.flat.m, v_next: to.flat.v, ...this.statFetches };
      for (const name of this.extraOutputs) fetches[name] = null;
      out = this.session.run({ ...feeds, ...from.params, ...from.flat, ...this.scalarFeeds }, fetches);
    }
    this.current = 1 - this.current;
    return { loss: this.stats.loss[0]!, gradNorm: this.stats.gradNorm[0]!, outputs: out };
  }

  /**
   * Moments and step count, for checkpoints: m then v, in parameter order
   * (nets.ts's Optimizer's layout); with RMSprop v alone (a2c.ts's RmsProp's).
   */
  getState(): { t: number; data: Float32Array } {
    const s = this.sides[this.current]!;
    if (this.rmsprop) return { t: this.t, data: s.v.slice() };
    const data = new Float32Array(2 * this.layout.size);
    data.set(s.m, 0);
    data.set(s.v, this.layout.size);
    return { t: this.t, data };
  }

  setState(state: { t: number; data: Float32Array }): void {
    if (this.rmsprop) {
      if (state.data.length !== this.layout.size) throw new RangeError(`Trainer.setState: got ${state.data.length} values, expected ${this.layout.size}`);
      this.sides[this.current]!.v.set(state.data);
      this.t = state.t;
      return;
    }
    if (state.data.length !== 2 * this.layout.size) throw new RangeError(`Trainer.setState: got ${state.data.length} values, expected ${2 * this.layout.size}`);
    const s = this.sides[this.current]!;
    s.m.set(state.data.subarray(0, this.layout.size));
    s.v.set(state.data.subarray(this.layout.size));
    this.t = state.t;
  }

  dispose(): void {
    this.session.dispose();
  }
}
