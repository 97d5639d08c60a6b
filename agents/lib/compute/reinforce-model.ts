// REINFORCE's networks on ONNX Runtime: the policy MLP (logits, or Gaussian
// means with a state-independent log std) and the optional value MLP, each
// with its own Adam (as agents/reinforce.ts on tfjs): a forward graph for
// acting and for the baseline's values at any batch size, and one update
// graph per net -- the policy's -mean(w log pi(a|s)) - entCoef H, the value
// net's mean((V - G)^2) -- with the generated backward pass and optional
// grad-norm clipping. Parameters are flat in the tfjs variables' order
// (policy [W0, b0, ...] then the log std; value [W0, b0, ...]), the only copy
// of the nets on backend 'onnx', saved by agents/reinforce.ts as the tfjs
// variables' files. A batch of whole episodes has
// any length: the update graphs are padded (padded-batch.ts) and rebuilt at
// twice the capacity when an update outgrows them.
import type { Activation } from '../nets.js';
import { mlpShapes } from '../nets.js';
import { Graph } from './graph.js';
import { mlpForward } from './layers.js';
import { PaddedBatch } from './padded-batch.js';
import type { Column } from './padded-batch.js';
import { categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, weightedMean } from './policy-ops.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';
import { ParamLayout, Trainer } from './trainer.js';
import type { TrainerSpec } from './trainer.js';

export interface ReinforceNetSpec {
  policySizes: readonly number[];
  /** The value MLP's sizes (output 1), or null without a baseline. */
  valueSizes: readonly number[] | null;
  activation: Activation;
  discrete: boolean;
  entCoef: number;
  /** Clip of each net's global gradient norm (0: none). */
  maxGradNorm: number;
}

/** One net with its Adam: the parameters acting reads, the update graph (built on demand) and the optimizer state until it exists. */
class NetTrainer {
  readonly params: Float32Array;
  readonly feeds: Record<string, Tensor>;
  private trainer: Trainer | null = null;
  private rows: PaddedBatch | null = null;
  private state: { t: number; data: Float32Array };

  constructor(
    readonly layout: ParamLayout,
    private readonly build: (capacity: number) => TrainerSpec,
    private readonly columns: readonly Column[],
    public learningRate: number,
  ) {
    this.params = new Float32Array(layout.size);
    this.feeds = layout.views(this.params, 'p');
    this.state = { t: 0, data: new Float32Array(2 * layout.size) };
  }

  setParams(data: Float32Array): void {
    if (data.length !== this.layout.size) throw new RangeError(`OnnxReinforce: got ${data.length} parameters, the net has ${this.layout.size}`);
    this.params.set(data);
    this.trainer?.setParams(data);
  }

  getState(): { t: number; data: Float32Array } {
    return this.trainer ? this.trainer.getState() : { t: this.state.t, data: this.state.data.slice() };
  }

  setState(state: { t: number; data: Float32Array }): void {
    if (state.data.length !== 2 * this.layout.size) throw new RangeError(`OnnxReinforce: optimizer state of ${state.data.length} values, Adam on this net has ${2 * this.layout.size}`);
    if (this.trainer) this.trainer.setState(state);
    else this.state = { t: state.t, data: state.data.slice() };
  }

  /** Makes the update graph hold at least `rows` rows (doubling from 64). */
  async prepare(rows: number): Promise<void> {
    if (this.rows && rows <= this.rows.capacity) return;
    let capacity = this.rows?.capacity ?? 64;
    while (capacity < rows) capacity *= 2;
    const state = this.getState();
    this.trainer?.dispose();
    this.trainer = await Trainer.create(this.build(capacity), this.params, this.learningRate);
    this.trainer.setState(state);
    this.rows = new PaddedBatch(capacity, this.columns);
  }

  step(sources: Record<string, ArrayLike<number>>, size: number): { loss: number; gradNorm: number; outputs: Record<string, Tensor> } {
    if (!this.trainer || !this.rows || size > this.rows.capacity) throw new Error(`OnnxReinforce: ${size} rows before prepare(${size})`);
    this.rows.fill(sources, size);
    this.trainer.learningRate = this.learningRate;
    const out = this.trainer.step(this.rows.feeds);
    this.params.set(this.trainer.params);
    return out;
  }

  dispose(): void {
    this.trainer?.dispose();
  }
}

export class OnnxReinforce {
  readonly policy: NetTrainer;
  readonly value: NetTrainer | null;
  readonly inputDim: number;
  readonly nOut: number;
  /** The policy's weights without the log std: the acting graph's parameters. */
  private readonly actFeeds: Record<string, Tensor>;
  private disposed = false;

  private constructor(
    readonly spec: ReinforceNetSpec,
    private readonly actSession: Session,
    private readonly valueSession: Session | null,
    learningRates: { policy: number; value: number },
  ) {
    const { policySizes, valueSizes, activation, discrete, entCoef, maxGradNorm } = spec;
    this.inputDim = policySizes[0]!;
    this.nOut = policySizes[policySizes.length - 1]!;
    const din = this.inputDim;
    const adam = { epsilon: 1e-8, maxGradNorm: maxGradNorm > 0 ? maxGradNorm : Infinity };
    const policyLayout = new ParamLayout([...mlpShapes(policySizes), ...(discrete ? [] : [[this.nOut]])]);
    const policyColumns: Column[] = [{ name: 'obs', width: din }, discrete ? { name: 'actions', width: 0, int: true } : { name: 'actions', width: this.nOut }, { name: 'weights', width: 0 }];
    const nLayers = 2 * (policySizes.length - 1);
    this.policy = new NetTrainer(
      policyLayout,
      (capacity) => ({
        layout: policyLayout,
        build(g, params) {
          const x = PaddedBatch.inputs(g, capacity, policyColumns);
          const head = mlpForward(g, params.slice(0, nLayers), x.obs!, activation);
          const logStd = discrete ? null : params[nLayers]!;
          const logp = logStd ? gaussianLogProb(g, head, logStd, x.actions!) : categoricalLogProb(g, head, x.actions!);
          const entropy = logStd ? gaussianEntropy(g, logStd) : weightedMean(g, categoricalEntropy(g, head), x.w);
          // -mean(log pi * w) - entCoef H (reinforce.ts's order of operations)
          return { loss: g.sub(g.neg(weightedMean(g, g.mul(logp, x.weights!), x.w)), g.mul(entropy, entCoef)), outputs: { entropy } };
        },
        adam,
      }),
      policyColumns,
      learningRates.policy,
    );
    if (valueSizes) {
      const valueLayout = new ParamLayout(mlpShapes(valueSizes));
      const valueColumns: Column[] = [{ name: 'obs', width: din }, { name: 'returns', width: 0 }];
      this.value = new NetTrainer(
        valueLayout,
        (capacity) => ({
          layout: valueLayout,
          build(g, params) {
            const x = PaddedBatch.inputs(g, capacity, valueColumns);
            const v = g.reshape(mlpForward(g, params, x.obs!, activation), [capacity]);
            return { loss: weightedMean(g, g.square(g.sub(v, x.returns!)), x.w) };
          },
          adam,
        }),
        valueColumns,
        learningRates.value,
      );
    } else {
      this.value = null;
    }
    this.actFeeds = Object.fromEntries(Object.entries(this.policy.feeds).slice(0, nLayers));
  }

  /** The acting graphs; `policy` and `value` are the initial flat weights (value null without a baseline). */
  static async create(spec: ReinforceNetSpec, policy: Float32Array, value: Float32Array | null, learningRates: { policy: number; value: number }): Promise<OnnxReinforce> {
    const din = spec.policySizes[0]!;
    const forward = (sizes: readonly number[], name: string) => {
      const g = new Graph('float32');
      const layout = new ParamLayout(mlpShapes(sizes));
      g.output(name, mlpForward(g, layout.inputs(g, 'p'), g.input('x', [-1, din]), spec.activation));
      return Session.create(toOnnx(g, name));
    };
    const act = await forward(spec.policySizes, 'out');
    const values = spec.valueSizes ? await forward(spec.valueSizes, 'v') : null;
    const model = new OnnxReinforce(spec, act, values, learningRates);
    model.policy.setParams(policy);
    if (model.value && value) model.value.setParams(value);
    return model;
  }

  /** The policy head's outputs (logits or means) of `rows` encoded inputs, rows x nOut. */
  forward(x: Float32Array, rows: number): Float32Array {
    const out = new Float32Array(rows * this.nOut);
    this.actSession.run({ ...this.actFeeds, x: new Tensor('float32', x.subarray(0, rows * this.inputDim), [rows, this.inputDim]) }, { out: new Tensor('float32', out, [rows, this.nOut]) });
    return out;
  }

  /** V of `rows` encoded inputs (a baseline is needed). */
  values(x: Float32Array, rows: number): Float32Array {
    if (!this.value || !this.valueSession) throw new Error('OnnxReinforce.values: this agent has no baseline');
    const out = new Float32Array(rows);
    this.valueSession.run({ ...this.value.feeds, x: new Tensor('float32', x.subarray(0, rows * this.inputDim), [rows, this.inputDim]) }, { v: new Tensor('float32', out, [rows, 1]) });
    return out;
  }

  /** The Gaussian policy's log std (the policy's last parameters), null for a categorical one. */
  logStd(): Float32Array | null {
    return this.spec.discrete ? null : this.policy.params.subarray(this.policy.layout.size - this.nOut);
  }

  /** Builds (or grows) both update graphs for batches of `rows` steps. */
  async prepare(rows: number): Promise<void> {
    await this.policy.prepare(rows);
    await this.value?.prepare(rows);
  }

  /** One policy step on `size` steps: observations, actions (indices or samples) and policy-gradient weights. Returns the loss, gradient norm and entropy. */
  policyStep(obs: Float32Array, actions: Float32Array, weights: Float32Array, size: number): { loss: number; gradNorm: number; entropy: number } {
    const r = this.policy.step({ obs, actions, weights }, size);
    return { loss: r.loss, gradNorm: r.gradNorm, entropy: (r.outputs.entropy!.data as Float32Array)[0]! };
  }

  /** One value step on `size` steps toward the returns; returns the loss. */
  valueStep(obs: Float32Array, returns: Float32Array, size: number): number {
    if (!this.value) throw new Error('OnnxReinforce.valueStep: this agent has no baseline');
    return this.value.step({ obs, returns }, size).loss;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.policy.dispose();
    this.value?.dispose();
    this.actSession.dispose();
    this.valueSession?.dispose();
  }
}
