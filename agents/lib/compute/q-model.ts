// DQN's networks on ONNX Runtime: a Q-network (one MLP, or a dueling trunk
// with value and advantage heads, optionally on cnn.ts's conv trunk for image
// observations, layers.ts's cnnForward, as PPO's cnn policy) whose whole update -- TD targets from the
// target net (max, or the online net's argmax for double DQN) with a per-row
// discount (gamma^m, 0 after a termination), Q(s, a) by a gather along the
// action axis, Huber or squared loss (with prioritized replay: weighted per
// row by importance-sampling weights, and |Q(s, a) - y| an output for the new
// priorities), the generated backward
// pass, gradient clipping and Adam -- is one graph run per gradient step, and
// a forward graph for acting at any batch size (with the online weights or
// any other vector of them, e.g. a frozen snapshot). With `nextMasks` (shared
// DQN on board games) the update also takes the legal moves of s': a* ranges
// over them only, and an s' without any is worth 0. Parameters are flat, in the
// order of the tfjs Q-network's variables (the conv trunk's, then part by
// part, [W0, b0, W1, b1, ...]), so checkpoints are the same files on both backends.
import { cnnWeightCount, cnnWeightShapes, readCnnWeights, saveCnnData } from '../cnn.js';
import type { Activation } from '../nets.js';
import { ILLEGAL } from '../masks.js';
import { mlpShapes, mlpWeightCount, readMlp, saveMlpData } from '../nets.js';
import { Graph } from './graph.js';
import type { Sym } from './graph.js';
import type { ConvTrunk } from './layers.js';
import { mlpForward, trunkFeatures } from './layers.js';
import type { GpuProvider } from './providers.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';
import { concatFloat32, ParamLayout, polyakUpdate, Trainer } from './trainer.js';

/** One MLP of the Q-network: its saved name, layer sizes and whether its last layer is activated (a dueling trunk). */
export interface QPart {
  name: string;
  sizes: number[];
  activateLast: boolean;
}

/** A conv trunk under the Q-network (the cnn policy); the parts then read its features. */
export type QTrunk = ConvTrunk;

export interface QModelSpec {
  parts: QPart[];
  /** The conv trunk, saved as `<online|target>-cnn` (cnn.ts's files); inputDim is then H W C. */
  trunk?: QTrunk;
  dueling: boolean;
  activation: Activation;
  inputDim: number;
  nActions: number;
  batchSize: number;
  gamma: number;
  loss: 'huber' | 'mse';
  doubleQ: boolean;
  maxGradNorm: number;
  learningRate: number;
  /** The update takes importance-sampling weights and returns per-row |TD errors| (prioritized replay). */
  prioritizedReplay: boolean;
  /** The update takes the legal moves of each s' (a 0/1 mask per action): a* is the legal argmax, an s' with none is worth 0. */
  nextMasks?: boolean;
  /** A GPU execution provider for the sessions (backend 'cuda' or 'webgpu'), else the CPU. */
  provider?: GpuProvider;
}

/** A minibatch with encoded inputs; actions are indices from 0. */
export interface QBatch {
  obs: Float32Array;
  nextObs: Float32Array;
  actions: ArrayLike<number>;
  rewards: Float32Array;
  /** What Q_target(s', a*) is multiplied by: gamma^m for a transition of m steps, 0 when it terminated. */
  discounts: Float32Array;
  /** Importance-sampling weights of the rows (prioritized replay only). */
  weights?: Float32Array;
  /** The legal moves of each s', nActions 0/1 values per row (a model built with nextMasks only). */
  nextMasks?: Float32Array;
}

/** The flat parameters' shapes: the conv trunk's (if any), then each part's. */
function qShapes(spec: QModelSpec): number[][] {
  return [...(spec.trunk ? cnnWeightShapes(spec.trunk.inputShape, spec.trunk.options) : []), ...spec.parts.flatMap((p) => mlpShapes(p.sizes))];
}

/** Q-values [rows, actions] of `x` under the parameters `params` (symbols in qShapes' order). */
function qForward(g: Graph, spec: QModelSpec, params: readonly Sym[], x: Sym): Sym {
  const { features, rest } = trunkFeatures(g, spec.trunk, params, x);
  const split: Sym[][] = [];
  let o = 0;
  for (const p of spec.parts) {
    const n = 2 * (p.sizes.length - 1);
    split.push(rest.slice(o, o + n));
    o += n;
  }
  if (!spec.dueling) return mlpForward(g, split[0]!, features, spec.activation);
  const h = mlpForward(g, split[0]!, features, spec.activation, true);
  const a = mlpForward(g, split[2]!, h, spec.activation);
  // Q = V + A - mean(A) (Wang et al. 2016, eq. 9)
  return g.add(mlpForward(g, split[1]!, h, spec.activation), g.sub(a, g.mean(a, [1], true)));
}

/**
 * Q_target(s', a*) [B] with a* the legal argmax of Q_target(s', .), or of
 * `qNextOnline` (double DQN), over the moves `masks` [B, n] allows; 0 for a
 * row without any (an off-turn s' at a time limit). Illegal values are set to
 * ILLEGAL, as tfjs's maskLogits does, so both paths pick the same a*.
 */
function legalNextValue(g: Graph, qNextTarget: Sym, qNextOnline: Sym | null, masks: Sym): Sym {
  const legal = g.greater(masks, 0);
  const any = g.greater(g.sum(masks, [1]), 0);
  if (qNextOnline) return g.mul(g.gatherActions(qNextTarget, g.argmax(g.where(legal, qNextOnline, ILLEGAL), 1)), g.cast(any, g.float));
  return g.where(any, g.reduceMax(g.where(legal, qNextTarget, ILLEGAL), 1), 0);
}

export class OnnxQModel {
  /** Whether the nets sit on a conv trunk (the cnn policy). */
  readonly cnn: boolean;
  private readonly target: Float32Array;
  private readonly targetFeeds: Record<string, Tensor>;
  private readonly batchFeeds: Record<string, Tensor>;
  private readonly actions: BigInt64Array;
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly rewards: Float32Array;
  private readonly discounts: Float32Array;
  private readonly weights: Float32Array;
  private readonly nextMasks: Float32Array;

  private constructor(
    readonly spec: QModelSpec,
    private readonly layout: ParamLayout,
    private readonly trainer: Trainer,
    private readonly actSession: Session,
  ) {
    const { batchSize: b, inputDim } = spec;
    this.target = new Float32Array(layout.size);
    this.targetFeeds = layout.views(this.target, 't');
    this.obs = new Float32Array(b * inputDim);
    this.nextObs = new Float32Array(b * inputDim);
    this.actions = new BigInt64Array(b);
    this.rewards = new Float32Array(b);
    this.discounts = new Float32Array(b);
    this.weights = new Float32Array(spec.prioritizedReplay ? b : 0);
    this.nextMasks = new Float32Array(spec.nextMasks ? b * spec.nActions : 0);
    this.cnn = spec.trunk !== undefined;
    this.batchFeeds = {
      obs: new Tensor('float32', this.obs, [b, inputDim]),
      nextObs: new Tensor('float32', this.nextObs, [b, inputDim]),
      actions: new Tensor('int64', this.actions, [b]),
      rewards: new Tensor('float32', this.rewards, [b]),
      discounts: new Tensor('float32', this.discounts, [b]),
      ...(spec.prioritizedReplay ? { weights: new Tensor('float32', this.weights, [b]) } : {}),
      ...(spec.nextMasks ? { nextMasks: new Tensor('float32', this.nextMasks, [b, spec.nActions]) } : {}),
    };
  }

  /** Builds the sessions; `online` holds the initial weights (flat: the trunk's, then the parts' in order), and the target net starts as a copy. */
  static async create(spec: QModelSpec, online: Float32Array): Promise<OnnxQModel> {
    const layout = new ParamLayout(qShapes(spec));
    const b = spec.batchSize;
    const trainer = await Trainer.create(
      {
        layout,
        build(g, params): { loss: Sym; outputs: Record<string, Sym> } {
          const obs = g.input('obs', [b, spec.inputDim]);
          const nextObs = g.input('nextObs', [b, spec.inputDim]);
          const actions = g.input('actions', [b], 'int64');
          const rewards = g.input('rewards', [b]);
          const discounts = g.input('discounts', [b]);
          const targetParams = layout.inputs(g, 't');
          const qNextTarget = qForward(g, spec, targetParams, nextObs);
          const next = spec.nextMasks
            ? legalNextValue(g, qNextTarget, spec.doubleQ ? qForward(g, spec, params, nextObs) : null, g.input('nextMasks', [b, spec.nActions]))
            : spec.doubleQ
              ? g.gatherActions(qNextTarget, g.argmax(qForward(g, spec, params, nextObs), 1))
              : g.reduceMax(qNextTarget, 1);
          // y = r + gamma^m (1 - terminated) Q_target(s', a*), the discount given per row: only termination cuts the return.
          const y = g.add(rewards, g.mul(discounts, next));
          const q = g.gatherActions(qForward(g, spec, params, obs), actions);
          const d = g.sub(q, y);
          const perRow = spec.loss === 'huber' ? g.huber(d) : g.square(d);
          if (!spec.prioritizedReplay) return { loss: g.mean(perRow), outputs: { meanQ: g.mean(q) } };
          return { loss: g.mean(g.mul(g.input('weights', [b]), perRow)), outputs: { meanQ: g.mean(q), tdErrors: g.abs(d) } };
        },
        adam: { maxGradNorm: spec.maxGradNorm > 0 ? spec.maxGradNorm : Infinity },
        ...(spec.provider ? { provider: spec.provider } : {}),
      },
      online,
      spec.learningRate,
    );
    const g = new Graph('float32');
    g.output('q', qForward(g, spec, layout.inputs(g, 'p'), g.input('x', [-1, spec.inputDim])));
    const model = new OnnxQModel(spec, layout, trainer, await Session.create(toOnnx(g, 'act'), spec.provider));
    model.syncTarget(1);
    return model;
  }

  get learningRate(): number {
    return this.trainer.learningRate;
  }

  set learningRate(lr: number) {
    this.trainer.learningRate = lr;
  }

  /** The online net's parameters, flat (a view the next update overwrites: copy to keep). */
  get params(): Float32Array {
    return this.trainer.params;
  }

  /** The target net's parameters, flat (live: syncTarget writes them in place). */
  get targetParams(): Float32Array {
    return this.target;
  }

  /** Q-values of `rows` encoded inputs, row by row, under the online net or the flat parameters `params` (e.g. a frozen snapshot). */
  qValues(x: Float32Array, rows: number, params?: Float32Array): Float32Array {
    const q = new Float32Array(rows * this.spec.nActions);
    this.actSession.run({ ...(params ? this.layout.views(params, 'p') : this.trainer.paramFeeds), x: new Tensor('float32', x.subarray(0, rows * this.spec.inputDim), [rows, this.spec.inputDim]) }, { q: new Tensor('float32', q, [rows, this.spec.nActions]) });
    return q;
  }

  /** One gradient step on `batch` (which has weights if and only if the model was built for prioritized replay). */
  update(batch: QBatch): { loss: number; gradNorm: number; meanQ: number; tdErrors?: Float32Array } {
    if (this.spec.prioritizedReplay !== (batch.weights !== undefined)) {
      throw new Error(`OnnxQModel.update: the model was built ${this.spec.prioritizedReplay ? 'for' : 'without'} prioritized replay, the batch ${batch.weights ? 'has' : 'has no'} weights`);
    }
    if ((this.spec.nextMasks === true) !== (batch.nextMasks !== undefined)) {
      throw new Error(`OnnxQModel.update: the model was built ${this.spec.nextMasks ? 'for' : 'without'} the legal moves of s', the batch ${batch.nextMasks ? 'has' : 'has no'} nextMasks`);
    }
    this.obs.set(batch.obs.subarray(0, this.obs.length));
    this.nextObs.set(batch.nextObs.subarray(0, this.nextObs.length));
    for (let j = 0; j < this.actions.length; j++) this.actions[j] = BigInt(batch.actions[j]!);
    this.rewards.set(batch.rewards.subarray(0, this.rewards.length));
    this.discounts.set(batch.discounts.subarray(0, this.discounts.length));
    if (batch.weights) this.weights.set(batch.weights.subarray(0, this.weights.length));
    if (batch.nextMasks) this.nextMasks.set(batch.nextMasks.subarray(0, this.nextMasks.length));
    const r = this.trainer.step({ ...this.batchFeeds, ...this.targetFeeds });
    const out: { loss: number; gradNorm: number; meanQ: number; tdErrors?: Float32Array } = { loss: r.loss, gradNorm: r.gradNorm, meanQ: (r.outputs.meanQ!.data as Float32Array)[0]! };
    if (r.outputs.tdErrors) out.tdErrors = Float32Array.from(r.outputs.tdErrors.data as Float32Array);
    return out;
  }

  /** target <- tau * online + (1 - tau) * target, in float32 as the tfjs path computes it. */
  syncTarget(tau: number): void {
    polyakUpdate(this.target, this.trainer.params, tau);
  }

  optimizerState(): { t: number; data: Float32Array } {
    return this.trainer.getState();
  }

  setOptimizerState(state: { t: number; data: Float32Array }): void {
    this.trainer.setState(state);
  }

  /** Writes the online and target nets as `online-<part>` and `target-<part>` (nets.ts's files). */
  async saveNets(dir: string): Promise<void> {
    for (const which of ['online', 'target'] as const) {
      const flat = which === 'online' ? this.trainer.params : this.target;
      let o = 0;
      const trunk = this.spec.trunk;
      if (trunk) {
        o = cnnWeightCount(trunk.inputShape, trunk.options);
        await saveCnnData(trunk.inputShape, trunk.options, flat.subarray(0, o), dir, `${which}-cnn`);
      }
      for (const p of this.spec.parts) {
        const n = mlpWeightCount(p.sizes);
        await saveMlpData({ sizes: p.sizes, activation: this.spec.activation, data: flat.subarray(o, o + n) }, dir, `${which}-${p.name}`);
        o += n;
      }
    }
  }

  /** Sets the online (or target) net from `prefix-<part>` files in `dir` (and `prefix-cnn`), which must have this model's sizes; `who` names the caller in errors. */
  async loadNet(dir: string, prefix: string, which: 'online' | 'target', who: string): Promise<void> {
    const data = await readQNet(dir, prefix, this.spec.parts, who, this.spec.trunk);
    if (which === 'online') this.trainer.setParams(data);
    else this.target.set(data);
  }

  dispose(): void {
    this.trainer.dispose();
    this.actSession.dispose();
  }
}

/** The parts `prefix-<part>` saved in `dir` (after the conv trunk `prefix-cnn` when given) as one flat vector, checked against the expected architecture. */
export async function readQNet(dir: string, prefix: string, parts: readonly QPart[], who: string, trunk?: QTrunk): Promise<Float32Array> {
  const datas: Float32Array[] = trunk ? [await readCnnWeights(dir, `${prefix}-cnn`, trunk.inputShape, trunk.options, who)] : [];
  for (const p of parts) {
    const net = await readMlp(dir, `${prefix}-${p.name}`);
    if (net.sizes.join() !== p.sizes.join()) throw new Error(`${who}: ${dir} has a net of sizes [${net.sizes.join(', ')}], this agent's is [${p.sizes.join(', ')}]`);
    datas.push(net.data);
  }
  return concatFloat32(datas);
}
