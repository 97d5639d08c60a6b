// DDPG's and TD3's networks on ONNX Runtime: a deterministic actor
// mu(s) = tanh(MLP(s)) and one or two critics Q_i(s, a) = MLP([s, a]), with
// target copies; for image observations (the cnn policy) each net reads s
// through a conv trunk of its own (layers.ts's trunkFeatures; uint8 pixels
// scaled by 1/255 as PPO's and DQN's trunks do). SB3 also separates the
// actor's extractor from the critics', but its twin critics share one (its
// ContinuousCritic runs one extractor under both Q heads, as sac-model.ts
// does); TD3's two critic trunks here are a layout of their own, kept because
// the saved files name one trunk per critic. Each gradient step is one critic graph run (targets from the
// target actor, with TD3's clipped smoothing noise fed in, and the smaller of
// the target critics; the sum over critics of the mean squared error; the
// generated backward pass and Adam) and, when due, one actor graph run
// (-mean Q_1(s, mu(s)) with the critics' weights fed as inputs that the
// backward pass leaves alone). Targets move by Polyak averaging in a JS loop
// over the flat vectors (polyakUpdate). Parameters are flat in the order the
// tfjs nets save them, so checkpoints are the same files on both backends.
// SAC's model (sac-model.ts) builds on the pieces here: the batch feeds, the
// critics and their regression, TD targets, reading saved nets, Q_1's value
// and disposal.
import type { Rng } from '../../../core/rng.js';
import type { ContinuousModel, ModelOptimizers } from '../continuous-model.js';
import { restoreOptimizers, writeOptimizers } from '../continuous-model.js';
import { cnnWeightCount, cnnWeightShapes, readCnnWeights, saveCnnData } from '../cnn.js';
import { mlpShapes, readMlp, saveMlpData } from '../nets.js';
import type { ReplayBatch } from '../replay.js';
import { Graph } from './graph.js';
import type { Sym } from './graph.js';
import type { ConvTrunk } from './layers.js';
import { mlpForward, trunkFeatures } from './layers.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';
import { concatFloat32, ParamLayout, polyakUpdate, Trainer } from './trainer.js';

export interface DeterministicSpec {
  /** Names the agent in errors. */
  algorithm: string;
  obsDim: number;
  actionDim: number;
  hidden: readonly number[];
  batchSize: number;
  gamma: number;
  tau: number;
  learningRate: number;
  /** Critic steps per actor and target update. */
  policyDelay: number;
  /** 1 (DDPG) or 2 (TD3's twin critics). */
  critics: 1 | 2;
  /** TD3's target policy smoothing: N(0, noise^2) clipped to +-noiseClip, added to mu'(s') (0: none). */
  targetNoise: number;
  targetNoiseClip: number;
  /** The conv trunk each net reads image observations through (the cnn policy; obsDim is then H W C), saved as `<net>-cnn`. */
  trunk?: ConvTrunk;
}

/** The initial weights, each flat in nets.ts's order (critics one after the other). */
export interface DeterministicWeights {
  actor: Float32Array;
  critic: Float32Array;
  actorTarget: Float32Array;
  criticTarget: Float32Array;
}

/** The checkpoint's file names of critic i's net (DDPG's 'critic', TD3's second 'critic2'). */
export const criticName = (i: number): string => (i === 0 ? 'critic' : `critic${i + 1}`);

/** Q(s, a) as [rows] of the critic whose parameters are `params` (its trunk's first, when it reads s through one). */
export function criticQ(g: Graph, params: readonly Sym[], obs: Sym, actions: Sym, trunk?: ConvTrunk): Sym {
  const { features, rest } = trunkFeatures(g, trunk, params, obs);
  const q = mlpForward(g, rest, g.concat([features, actions], 1), 'relu');
  return g.reshape(q, [q.shape[0]!]);
}

/** What a net's first layer reads of an observation: the trunk's features, or the observation. */
export const featureDim = (obsDim: number, trunk: ConvTrunk | undefined): number => (trunk ? trunk.options.dense : obsDim);

/**
 * The critics' regression on the targets y (DDPG's, TD3's and SAC's critic
 * loss): the sum over the critics laid out in `params` of the mean squared
 * error of Q_i(s, a), times `scale` when given, and the first critic's mean Q
 * as an output.
 */
export function criticRegression(g: Graph, params: readonly Sym[], critics: number, obs: Sym, actions: Sym, y: Sym, options: { trunk?: ConvTrunk; scale?: number } = {}): { loss: Sym; outputs: { meanQ: Sym } } {
  return qRegression(g, splitCritics(params, critics).map((p) => criticQ(g, p, obs, actions, options.trunk)), y, options.scale);
}

/** criticRegression's loss and output from the critics' Q values `qs` [rows] (SAC's twin heads on one trunk compute them together). */
export function qRegression(g: Graph, qs: readonly Sym[], y: Sym, scale?: number): { loss: Sym; outputs: { meanQ: Sym } } {
  const sum = qs.map((q) => g.mean(g.square(g.sub(q, y)))).reduce((s, l) => g.add(s, l));
  return { loss: scale === undefined ? sum : g.mul(sum, scale), outputs: { meanQ: g.mean(qs[0]!) } };
}

/** A net's parameter shapes: its trunk's (if any), then its MLP's of layer sizes `sizes`. */
export function netShapes(sizes: readonly number[], trunk: ConvTrunk | undefined): number[][] {
  return [...(trunk ? cnnWeightShapes(trunk.inputShape, trunk.options) : []), ...mlpShapes(sizes)];
}

/** Writes one net held flat as `name` (nets.ts's files) and its trunk as `name-cnn` (cnn.ts's). */
export async function saveNet(dir: string, name: string, sizes: readonly number[], data: Float32Array, trunk: ConvTrunk | undefined): Promise<void> {
  const n = trunk ? cnnWeightCount(trunk.inputShape, trunk.options) : 0;
  if (trunk) await saveCnnData(trunk.inputShape, trunk.options, data.subarray(0, n), dir, `${name}-cnn`);
  await saveMlpData({ sizes: [...sizes], activation: 'relu', data: data.subarray(n) }, dir, name);
}

/** Splits the symbols of several critics laid out one after the other. */
export function splitCritics(params: readonly Sym[], critics: number): Sym[][] {
  const per = params.length / critics;
  return Array.from({ length: critics }, (_, i) => params.slice(i * per, (i + 1) * per));
}

/** The batch inputs every critic graph declares, and host buffers they read. */
export class BatchFeeds {
  readonly feeds: Record<string, Tensor>;
  private readonly arrays: Record<'obs' | 'actions' | 'nextObs' | 'rewards' | 'terminated', Float32Array>;

  constructor(
    readonly rows: number,
    readonly obsDim: number,
    readonly actionDim: number,
  ) {
    this.arrays = {
      obs: new Float32Array(rows * obsDim),
      actions: new Float32Array(rows * actionDim),
      nextObs: new Float32Array(rows * obsDim),
      rewards: new Float32Array(rows),
      terminated: new Float32Array(rows),
    };
    const a = this.arrays;
    this.feeds = {
      obs: new Tensor('float32', a.obs, [rows, obsDim]),
      actions: new Tensor('float32', a.actions, [rows, actionDim]),
      nextObs: new Tensor('float32', a.nextObs, [rows, obsDim]),
      rewards: new Tensor('float32', a.rewards, [rows]),
      terminated: new Tensor('float32', a.terminated, [rows]),
    };
  }

  /** Declares the inputs in `g`. */
  inputs(g: Graph): Record<'obs' | 'actions' | 'nextObs' | 'rewards' | 'terminated', Sym> {
    const b = this.rows;
    return {
      obs: g.input('obs', [b, this.obsDim]),
      actions: g.input('actions', [b, this.actionDim]),
      nextObs: g.input('nextObs', [b, this.obsDim]),
      rewards: g.input('rewards', [b]),
      terminated: g.input('terminated', [b]),
    };
  }

  set(batch: ReplayBatch): void {
    if (batch.size !== this.rows) throw new RangeError(`BatchFeeds.set: a batch of ${batch.size} rows for graphs of ${this.rows}`);
    for (const k of ['obs', 'actions', 'nextObs', 'rewards', 'terminated'] as const) this.arrays[k].set(batch[k]);
  }
}

/** TD3's target policy smoothing noise: clip(N(0, std^2), -clip, clip) into each element of `out`, drawn in order from `rng`. */
export function smoothingNoise(rng: Rng, out: Float32Array, std: number, clip: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = Math.min(clip, Math.max(-clip, rng.normal() * std));
  return out;
}

/** y = r + gamma (1 - terminated) next: no bootstrap from a terminal state. */
export function tdTarget(g: Graph, rewards: Sym, terminated: Sym, next: Sym, gamma: number): Sym {
  return g.add(rewards, g.mul(g.mul(g.sub(1, terminated), gamma), next));
}

/**
 * Q_1(s, a(s)) from a value graph that reads the actor's parameters (p0, ...),
 * the critics' (c0, ...) and one row `x`; `one` is the model's [obsDim] row buffer.
 */
export function firstCriticValue(valueSession: Session, actor: Trainer, critic: Trainer, criticLayout: ParamLayout, one: Float32Array, s: Float32Array): number {
  one.set(s);
  const out = valueSession.run({ ...actor.paramFeeds, ...criticLayout.views(critic.params, 'c'), x: new Tensor('float32', one, [1, one.length]) }, { q: null });
  return (out.q!.data as Float32Array)[0]!;
}

/** Frees a model's trainers and sessions (their ONNX Runtime sessions hold native memory). */
export function disposeAll(...parts: { dispose(): void }[]): void {
  for (const part of parts) part.dispose();
}

/** A forward graph's session: the net's parameters as p0, p1, ... (and others) plus `x` rows of any count. */
async function forwardSession(build: (g: Graph) => void): Promise<Session> {
  const g = new Graph('float32');
  build(g);
  return Session.create(toOnnx(g, 'forward'));
}

export class OnnxDeterministicModel implements ContinuousModel {
  private readonly actorTarget: Float32Array;
  private readonly criticTarget: Float32Array;
  private readonly targetFeeds: Record<string, Tensor>;
  private readonly batch: BatchFeeds;
  private readonly noise: Float32Array;
  private readonly noiseFeed: Record<string, Tensor>;
  private readonly one: Float32Array;

  private constructor(
    readonly spec: DeterministicSpec,
    private readonly actorLayout: ParamLayout,
    private readonly criticLayout: ParamLayout,
    private readonly actor: Trainer,
    private readonly critic: Trainer,
    private readonly actSession: Session,
    private readonly valueSession: Session,
    batch: BatchFeeds,
  ) {
    this.batch = batch;
    this.actorTarget = new Float32Array(actorLayout.size);
    this.criticTarget = new Float32Array(criticLayout.size);
    this.targetFeeds = { ...actorLayout.views(this.actorTarget, 'ta'), ...criticLayout.views(this.criticTarget, 'tc') };
    this.noise = new Float32Array(spec.batchSize * spec.actionDim);
    this.noiseFeed = spec.targetNoise > 0 ? { noise: new Tensor('float32', this.noise, [spec.batchSize, spec.actionDim]) } : {};
    this.one = new Float32Array(spec.obsDim);
  }

  static async create(spec: DeterministicSpec, weights: DeterministicWeights, optimizers?: ModelOptimizers): Promise<OnnxDeterministicModel> {
    const { obsDim, actionDim, batchSize: b, trunk } = spec;
    const actorLayout = new ParamLayout(netShapes(actorSizesOf(spec), trunk));
    const criticLayout = new ParamLayout(Array.from({ length: spec.critics }, () => netShapes(criticSizesOf(spec), trunk)).flat());
    const batch = new BatchFeeds(b, obsDim, actionDim);
    const mu = (g: Graph, params: readonly Sym[], x: Sym) => {
      const { features, rest } = trunkFeatures(g, trunk, params, x);
      return g.tanh(mlpForward(g, rest, features, 'relu'));
    };
    const q = (g: Graph, params: readonly Sym[], obs: Sym, actions: Sym) => criticQ(g, params, obs, actions, trunk);
    const critic = await Trainer.create(
      {
        layout: criticLayout,
        build(g, params) {
          const x = batch.inputs(g);
          let nextA = mu(g, actorLayout.inputs(g, 'ta'), x.nextObs);
          // TD3: a' = clip(mu'(s') + clip(noise), -1, 1); the noise comes clipped from the host.
          if (spec.targetNoise > 0) nextA = g.clip(g.add(nextA, g.input('noise', [b, actionDim])), -1, 1);
          const targets = splitCritics(criticLayout.inputs(g, 'tc'), spec.critics).map((p) => q(g, p, x.nextObs, nextA));
          const next = targets.reduce((m, q) => g.min(m, q));
          const y = tdTarget(g, x.rewards, x.terminated, next, spec.gamma);
          return criticRegression(g, params, spec.critics, x.obs, x.actions, y, trunk ? { trunk } : {});
        },
      },
      weights.critic,
      spec.learningRate,
    );
    const actor = await Trainer.create(
      {
        layout: actorLayout,
        build(g, params) {
          const obs = g.input('obs', [b, obsDim]);
          const q1 = splitCritics(criticLayout.inputs(g, 'c'), spec.critics)[0]!;
          return { loss: g.neg(g.mean(q(g, q1, obs, mu(g, params, obs)))) };
        },
      },
      weights.actor,
      spec.learningRate,
    );
    const actSession = await forwardSession((g) => g.output('mu', mu(g, actorLayout.inputs(g, 'p'), g.input('x', [-1, obsDim]))));
    const valueSession = await forwardSession((g) => {
      const x = g.input('x', [1, obsDim]);
      const q1 = splitCritics(criticLayout.inputs(g, 'c'), spec.critics)[0]!;
      g.output('q', q(g, q1, x, mu(g, actorLayout.inputs(g, 'p'), x)));
    });
    const model = new OnnxDeterministicModel(spec, actorLayout, criticLayout, actor, critic, actSession, valueSession, batch);
    model.actorTarget.set(weights.actorTarget);
    model.criticTarget.set(weights.criticTarget);
    restoreOptimizers(actor, critic, optimizers);
    return model;
  }

  /** The initial weights of a `spec` model drawn from saved nets in `dir` (nets.ts's files, cnn.ts's for trunks), checked against its sizes. */
  static async readWeights(spec: DeterministicSpec, dir: string, who: string): Promise<DeterministicWeights> {
    const names = (suffix: string) => Array.from({ length: spec.critics }, (_, i) => criticName(i) + suffix);
    return {
      actor: await readNets(dir, ['actor'], actorSizesOf(spec), who, spec.trunk),
      actorTarget: await readNets(dir, ['actorTarget'], actorSizesOf(spec), who, spec.trunk),
      critic: await readNets(dir, names(''), criticSizesOf(spec), who, spec.trunk),
      criticTarget: await readNets(dir, names('Target'), criticSizesOf(spec), who, spec.trunk),
    };
  }

  act(s: Float32Array): Float32Array {
    const out = new Float32Array(this.spec.actionDim);
    this.one.set(s);
    this.actSession.run({ ...this.actor.paramFeeds, x: new Tensor('float32', this.one, [1, this.spec.obsDim]) }, { mu: new Tensor('float32', out, [1, this.spec.actionDim]) });
    return out;
  }

  value(s: Float32Array): number {
    return firstCriticValue(this.valueSession, this.actor, this.critic, this.criticLayout, this.one, s);
  }

  update(batch: ReplayBatch, rng: Rng, update: number): Record<string, number> {
    const spec = this.spec;
    this.batch.set(batch);
    if (spec.targetNoise > 0) smoothingNoise(rng, this.noise, spec.targetNoise, spec.targetNoiseClip);
    const r = this.critic.step({ ...this.batch.feeds, ...this.targetFeeds, ...this.noiseFeed });
    const metrics: Record<string, number> = { criticLoss: r.loss, meanQ: (r.outputs.meanQ!.data as Float32Array)[0]!, actorLoss: Number.NaN };
    if (update % spec.policyDelay === 0) {
      metrics.actorLoss = this.actor.step({ obs: this.batch.feeds.obs!, ...this.criticLayout.views(this.critic.params, 'c') }).loss;
      polyakUpdate(this.actorTarget, this.actor.params, spec.tau);
      polyakUpdate(this.criticTarget, this.critic.params, spec.tau);
    }
    return metrics;
  }

  async warmStart(dir: string, who: string): Promise<void> {
    const spec = this.spec;
    const actor = await readNets(dir, ['actor'], actorSizesOf(spec), who, spec.trunk);
    const critic = await readNets(dir, Array.from({ length: spec.critics }, (_, i) => criticName(i)), criticSizesOf(spec), who, spec.trunk);
    this.actor.setParams(actor);
    this.critic.setParams(critic);
    this.actorTarget.set(actor);
    this.criticTarget.set(critic);
  }

  async save(dir: string): Promise<Record<string, unknown>> {
    const { spec } = this;
    const [actorSizes, criticSizes] = [actorSizesOf(spec), criticSizesOf(spec)];
    await saveNet(dir, 'actor', actorSizes, this.actor.params, spec.trunk);
    await saveNet(dir, 'actorTarget', actorSizes, this.actorTarget, spec.trunk);
    const per = this.criticLayout.size / spec.critics;
    for (let i = 0; i < spec.critics; i++) {
      await saveNet(dir, criticName(i), criticSizes, this.critic.params.subarray(i * per, (i + 1) * per), spec.trunk);
      await saveNet(dir, `${criticName(i)}Target`, criticSizes, this.criticTarget.subarray(i * per, (i + 1) * per), spec.trunk);
    }
    return writeOptimizers(dir, { actor: this.actor.getState(), critic: this.critic.getState() });
  }

  dispose(): void {
    disposeAll(this.actor, this.critic, this.actSession, this.valueSession);
  }
}

/** The actor's MLP layer sizes: from the observation (or its trunk's features) to the actions. */
export const actorSizesOf = (spec: DeterministicSpec): number[] => [featureDim(spec.obsDim, spec.trunk), ...spec.hidden, spec.actionDim];
/** A critic's MLP layer sizes: from the observation (or its trunk's features) and the action to Q. */
export const criticSizesOf = (spec: DeterministicSpec): number[] => [featureDim(spec.obsDim, spec.trunk) + spec.actionDim, ...spec.hidden, 1];

/** The nets `names` saved in `dir` (after each its trunk `name-cnn`, when `trunk`), each of layer sizes `sizes`, as one flat vector. */
export async function readNets(dir: string, names: readonly string[], sizes: readonly number[], who: string, trunk?: ConvTrunk): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const name of names) {
    if (trunk) parts.push(await readCnnWeights(dir, `${name}-cnn`, trunk.inputShape, trunk.options, who));
    const net = await readMlp(dir, name);
    if (net.sizes.join() !== sizes.join()) throw new Error(`${who}: ${dir}/${name} is a net of sizes [${net.sizes.join(', ')}], this agent's ${name} is [${sizes.join(', ')}]`);
    parts.push(net.data);
  }
  return parts.length === 1 ? parts[0]! : concatFloat32(parts);
}
