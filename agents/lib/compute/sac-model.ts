// SAC's networks on ONNX Runtime: a squashed Gaussian actor (an MLP whose last
// layer gives the mean and log-std of each action dimension, log-std clamped
// to [-20, 2] as Stable-Baselines3 does, a = tanh(mean + std * eps)), twin
// critics Q_i(s, a) = MLP([s, a]) with Polyak-averaged targets, and the
// entropy coefficient alpha = exp(logAlpha), fixed or tuned towards a target
// entropy. Each gradient step is one critic graph run, one actor graph run
// (the critics' weights fed, not updated) and, when tuned, one scalar Adam
// step on logAlpha in JS; the Gaussian draws eps are made on the host from the
// agent's seeded generator and fed in (reparameterization: gradients flow
// through mean and std, eps is a constant).
//
// The log-density of the squashed action (Haarnoja et al. 2018, appendix C):
//   log pi(a|s) = sum_j [ log N(u_j; mean_j, std_j) - log(1 - tanh(u_j)^2) ]
// with log N(u; mean, std) = -eps^2 / 2 - log std - log(2 pi) / 2 and
// log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), exact where 1 - tanh^2
// rounds to 0 in float32 (SB3 adds 1e-6 inside the log instead).
//
// With useSde the actor is gsde.ts's instead: the MLP gives the mean alone,
// a learned [h, A] log-std matrix (appended to the actor's parameters, saved
// as actor-log-std.bin) scales a unit-normal matrix drawn once per gradient
// step and shared by the step's next and current actions (as SB3's
// reset_noise per gradient step), and collection acts with SdeNoise's theta.
//
// With a conv trunk (the cnn policy: uint8 image observations, layers.ts's
// trunkFeatures) the actor reads s through a trunk of its own, and the twin
// critics through one trunk that both Q heads share (the target critics
// through their Polyak copy of it). That is SB3's SAC layout: with its default
// share_features_extractor=False the actor and the critic module each build
// a feature extractor, and the critic module's one extractor feeds all its Q
// networks (ContinuousCritic). Separate actor and critic trunks keep the
// actor's loss from moving the features the critics regress on; one trunk
// for both heads runs the critic side's convolutions once per batch instead
// of twice (TD3 and DDPG here give every critic its own). Files: actor-cnn,
// critic-cnn (read by critic and critic2) and criticTarget-cnn, cnn.ts's
// format. gSDE's features are then the last hidden layer over the trunk's
// features (the trunk's own output when `hidden` is empty).
import type { Rng } from '../../../core/rng.js';
import { readBinary, writeBinary } from '../../agent.js';
import type { ContinuousModel, ModelOptimizers } from '../continuous-model.js';
import { restoreOptimizers, writeOptimizers } from '../continuous-model.js';
import { cnnWeightCount } from '../cnn.js';
import { mlpShapes } from '../nets.js';
import type { ReplayBatch } from '../replay.js';
import { BatchFeeds, criticName, criticQ, disposeAll, featureDim, firstCriticValue, netShapes, qRegression, readNets, saveNet, splitCritics, tdTarget } from './actor-critic.js';
import { Graph } from './graph.js';
import type { Sym } from './graph.js';
import type { SdeNoiseState } from './gsde.js';
import { gsdeHead, gsdePolicy, sdeLatentDim, SdeNoise } from './gsde.js';
import type { ConvTrunk } from './layers.js';
import { mlpForward, trunkFeatures } from './layers.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';
import { concatFloat32, ParamLayout, polyakUpdate, Trainer } from './trainer.js';

export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;

export interface SacSpec {
  obsDim: number;
  actionDim: number;
  hidden: readonly number[];
  batchSize: number;
  gamma: number;
  tau: number;
  learningRate: number;
  /** Gradient steps per target update. */
  targetUpdateInterval: number;
  /** 'auto': alpha tuned towards targetEntropy; 'fixed': alpha stays at its initial value. */
  entCoef: 'auto' | 'fixed';
  targetEntropy: number;
  /** gSDE exploration (gsde.ts) instead of a fresh Gaussian draw per step. */
  useSde: boolean;
  /** gSDE: steps between draws of the exploration matrix within a rollout (<= 0: only at rollout starts). */
  sdeSampleFreq: number;
  /** The conv trunk of the cnn policy (obsDim is then H W C): one under the actor, one under both critics (the header). */
  trunk?: ConvTrunk;
}

/** alpha = exp(logAlpha) and its Adam state (float64 on the host; saved in agent.json, which keeps every bit). */
export interface EntropyState {
  logAlpha: number;
  m: number;
  v: number;
  t: number;
}

export interface SacWeights {
  /** The actor's trunk (cnn policy) and MLP weights, then (useSde) the log-std matrix. */
  actor: Float32Array;
  /** The critics' trunk (cnn policy), then both critics' MLPs, one after the other. */
  critic: Float32Array;
  criticTarget: Float32Array;
}

/**
 * One Adam step (PyTorch's formulation, as nets.ts's Optimizer) on
 * SB3's entropy loss -logAlpha (mean log pi + targetEntropy), whose gradient
 * is -(meanLogProb + targetEntropy): alpha grows while the policy's entropy
 * (-meanLogProb) is below the target, and shrinks while it is above.
 */
export function entropyStep(s: EntropyState, meanLogProb: number, targetEntropy: number, learningRate: number): EntropyState {
  const g = -(meanLogProb + targetEntropy);
  const t = s.t + 1;
  const m = 0.9 * s.m + 0.1 * g;
  const v = 0.999 * s.v + 0.001 * g * g;
  const step = (learningRate / (1 - 0.9 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8));
  return { logAlpha: s.logAlpha - step, m, v, t };
}

/**
 * The squashed Gaussian policy head: `out` [rows, 2A] of the actor MLP is the
 * mean and the (clamped) log-std; with `eps` [rows, A] the action
 * tanh(mean + std eps) and its log-density [rows] (the formula above).
 */
export function squashedGaussian(g: Graph, out: Sym, eps: Sym): { mean: Sym; logStd: Sym; action: Sym; logProb: Sym } {
  const a = out.shape[1]! / 2;
  const [mean, rawLogStd] = g.split(out, 1, [a, a]) as [Sym, Sym];
  const logStd = g.clip(rawLogStd, LOG_STD_MIN, LOG_STD_MAX);
  const u = g.add(mean, g.mul(g.exp(logStd), eps));
  const gaussian = g.sub(g.sub(g.mul(g.square(eps), -0.5), logStd), 0.5 * Math.log(2 * Math.PI));
  const logDet = g.mul(g.sub(g.sub(Math.LN2, u), g.softplus(g.mul(u, -2))), 2);
  return { mean, logStd, action: g.tanh(u), logProb: g.sum(g.sub(gaussian, logDet), [1]) };
}

/**
 * The actor's policy on observations `x` from its parameters (the trunk's
 * first, under the cnn policy; gSDE's log-std matrix last): the squashed
 * Gaussian with the draws `eps` [rows, A], or gSDE's with the unit-normal
 * matrix `eps` [h, A].
 */
export function sacPolicy(g: Graph, spec: Pick<SacSpec, 'useSde' | 'trunk'>, params: readonly Sym[], x: Sym, eps: Sym): { action: Sym; logProb: Sym } {
  const { features, rest } = trunkFeatures(g, spec.trunk, params, x);
  return spec.useSde ? gsdePolicy(g, rest, features, eps) : squashedGaussian(g, mlpForward(g, rest, features, 'relu'), eps);
}

/** The actor's loss mean(alpha log pi(a|s) - min(Q1, Q2)(s, a)), a = sacPolicy's reparameterized action, and the mean log pi. */
export function actorLoss(g: Graph, spec: Pick<SacSpec, 'useSde' | 'trunk'>, actorParams: readonly Sym[], criticParams: readonly Sym[], obs: Sym, eps: Sym, alpha: Sym): { loss: Sym; meanLogProb: Sym } {
  const pi = sacPolicy(g, spec, actorParams, obs, eps);
  const [q1, q2] = twinQ(g, criticParams, obs, pi.action, spec.trunk);
  return { loss: g.mean(g.sub(g.mul(pi.logProb, alpha), g.min(q1, q2))), meanLogProb: g.mean(pi.logProb) };
}

/** Q1 and Q2 [rows] of (s, a) from the critics' parameters (the shared trunk's, when there is one, then each head's MLP). */
export function twinQ(g: Graph, params: readonly Sym[], obs: Sym, actions: Sym, trunk?: ConvTrunk): [Sym, Sym] {
  const { features, rest } = trunkFeatures(g, trunk, params, obs);
  return splitCritics(rest, 2).map((p) => criticQ(g, p, features, actions)) as [Sym, Sym];
}

export class OnnxSacModel implements ContinuousModel {
  readonly criticTarget: Float32Array;
  private readonly targetFeeds: Record<string, Tensor>;
  private readonly batch: BatchFeeds;
  private readonly eps: Float32Array;
  private readonly nextEps: Float32Array;
  private readonly alpha = new Float32Array(1);
  private readonly one: Float32Array;
  /** gSDE's collection noise (null without useSde). */
  readonly sde: SdeNoise | null;
  entropy: EntropyState;

  private constructor(
    readonly spec: SacSpec,
    private readonly actorLayout: ParamLayout,
    private readonly criticLayout: ParamLayout,
    private readonly actor: Trainer,
    private readonly critic: Trainer,
    private readonly actSession: Session,
    private readonly valueSession: Session,
    batch: BatchFeeds,
    entropy: EntropyState,
  ) {
    this.batch = batch;
    this.criticTarget = new Float32Array(criticLayout.size);
    this.targetFeeds = criticLayout.views(this.criticTarget, 'tc');
    const [rows, cols] = OnnxSacModel.noiseShape(spec);
    this.eps = new Float32Array(rows * cols);
    this.nextEps = new Float32Array(rows * cols);
    this.one = new Float32Array(spec.obsDim);
    this.entropy = { ...entropy };
    this.sde = spec.useSde ? new SdeNoise(sdeLatentDim(featureDim(spec.obsDim, spec.trunk), spec.hidden), spec.actionDim, spec.sdeSampleFreq) : null;
  }

  /** The actor MLP's layer sizes, from the observation (or its trunk's features): mean and log-std per action dimension, or (useSde) the mean alone. */
  static actorSizes(spec: SacSpec): number[] {
    return [featureDim(spec.obsDim, spec.trunk), ...spec.hidden, (spec.useSde ? 1 : 2) * spec.actionDim];
  }

  /** The shape of the log-std matrix of gSDE (features x actions), or null without it. */
  static logStdShape(spec: SacSpec): [number, number] | null {
    return spec.useSde ? [sdeLatentDim(featureDim(spec.obsDim, spec.trunk), spec.hidden), spec.actionDim] : null;
  }

  /** The noise fed per gradient step: eps [batch, A] for each action, or gSDE's one unit-normal matrix [h, A]. */
  static noiseShape(spec: SacSpec): [number, number] {
    return OnnxSacModel.logStdShape(spec) ?? [spec.batchSize, spec.actionDim];
  }

  /** Each critic MLP's layer sizes, from the observation (or the critics' trunk's features) and the action to Q. */
  static criticSizes(spec: SacSpec): number[] {
    return [featureDim(spec.obsDim, spec.trunk) + spec.actionDim, ...spec.hidden, 1];
  }

  static async create(
    spec: SacSpec,
    weights: SacWeights,
    entropy: EntropyState,
    optimizers?: ModelOptimizers,
    /** gSDE's saved collection noise (agent.json's state.sdeNoise). */
    sdeState?: unknown,
  ): Promise<OnnxSacModel> {
    const { obsDim, actionDim, batchSize: b, trunk } = spec;
    const logStdShape = OnnxSacModel.logStdShape(spec);
    const actorLayout = new ParamLayout([...netShapes(OnnxSacModel.actorSizes(spec), trunk), ...(logStdShape ? [logStdShape] : [])]);
    const noiseShape = OnnxSacModel.noiseShape(spec);
    const criticSizes = OnnxSacModel.criticSizes(spec);
    const criticLayout = new ParamLayout([...netShapes(criticSizes, trunk), ...mlpShapes(criticSizes)]);
    const batch = new BatchFeeds(b, obsDim, actionDim);
    const minQ = (g: Graph, params: readonly Sym[], x: Sym, a: Sym) => {
      const [q1, q2] = twinQ(g, params, x, a, trunk);
      return { q1, min: g.min(q1, q2) };
    };
    const critic = await Trainer.create(
      {
        layout: criticLayout,
        build(g, params) {
          const x = batch.inputs(g);
          const alpha = g.input('alpha', []);
          const next = sacPolicy(g, spec, actorLayout.inputs(g, 'pa'), x.nextObs, g.input('nextEps', noiseShape));
          const soft = g.sub(minQ(g, criticLayout.inputs(g, 'tc'), x.nextObs, next.action).min, g.mul(next.logProb, alpha));
          const y = tdTarget(g, x.rewards, x.terminated, soft, spec.gamma);
          // SB3: 0.5 * the sum over critics of the mean squared error.
          return qRegression(g, twinQ(g, params, x.obs, x.actions, trunk), y, 0.5);
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
          const { loss, meanLogProb } = actorLoss(g, spec, params, criticLayout.inputs(g, 'c'), obs, g.input('eps', noiseShape), g.input('alpha', []));
          return { loss, outputs: { meanLogProb } };
        },
      },
      weights.actor,
      spec.learningRate,
    );
    const act = new Graph('float32');
    const actNet = trunkFeatures(act, trunk, actorLayout.inputs(act, 'p'), act.input('x', [-1, obsDim]));
    if (spec.useSde) {
      // The mean and the features z(s); SdeNoise adds z(s) theta on the host.
      const { latent, mean } = gsdeHead(act, actNet.rest.slice(0, -1), actNet.features);
      act.output('mean', mean);
      act.output('latent', latent);
    } else {
      const head = mlpForward(act, actNet.rest, actNet.features, 'relu');
      const [mean, logStd] = act.split(head, 1, [actionDim, actionDim]) as [Sym, Sym];
      act.output('mean', mean);
      act.output('logStd', act.clip(logStd, LOG_STD_MIN, LOG_STD_MAX));
    }
    const value = new Graph('float32');
    const vx = value.input('x', [1, obsDim]);
    const vNet = trunkFeatures(value, trunk, actorLayout.inputs(value, 'p'), vx);
    const vMean = spec.useSde ? gsdeHead(value, vNet.rest.slice(0, -1), vNet.features).mean : value.split(mlpForward(value, vNet.rest, vNet.features, 'relu'), 1, [actionDim, actionDim])[0]!;
    value.output('q', minQ(value, criticLayout.inputs(value, 'c'), vx, value.tanh(vMean)).q1);
    const model = new OnnxSacModel(spec, actorLayout, criticLayout, actor, critic, await Session.create(toOnnx(act, 'act')), await Session.create(toOnnx(value, 'value')), batch, entropy);
    model.criticTarget.set(weights.criticTarget);
    if (sdeState !== undefined) model.sde?.setState(sdeState);
    restoreOptimizers(actor, critic, optimizers);
    return model;
  }

  static async readWeights(spec: SacSpec, dir: string, who: string): Promise<SacWeights> {
    const sizes = OnnxSacModel.criticSizes(spec);
    // The first critic's files carry the shared trunk (critic-cnn, criticTarget-cnn), the second's its MLP alone.
    const critics = async (suffix: string) => concatFloat32([await readNets(dir, [`${criticName(0)}${suffix}`], sizes, who, spec.trunk), await readNets(dir, [`${criticName(1)}${suffix}`], sizes, who)]);
    let actor = await readNets(dir, ['actor'], OnnxSacModel.actorSizes(spec), who, spec.trunk);
    const logStdShape = OnnxSacModel.logStdShape(spec);
    if (logStdShape) {
      const logStd = new Float32Array(await readBinary(dir, 'actor-log-std.bin'));
      if (logStd.length !== logStdShape[0] * logStdShape[1]) throw new Error(`${who}: ${dir}/actor-log-std.bin holds ${logStd.length} values, this agent's gSDE log-std matrix is [${logStdShape.join(', ')}]`);
      actor = concatFloat32([actor, logStd]);
    }
    return { actor, critic: await critics(''), criticTarget: await critics('Target') };
  }

  /** The log-std matrix of gSDE (a view of the actor's parameters). */
  private logStd(): Float32Array {
    return this.actor.params.subarray(this.actorLayout.offsets[this.actorLayout.offsets.length - 1]!);
  }

  /** gSDE: a new exploration matrix when SdeNoise's schedule says so. */
  beforeCollect(rng: Rng, rolloutStart: boolean): void {
    this.sde?.beforeStep(rng, this.logStd(), rolloutStart);
  }

  /**
   * tanh(mean) or, with `rng`, tanh(mean + std * eps), eps ~ N(0, I) from rng;
   * with gSDE tanh(mean + z(s) theta), theta drawn from rng on first use.
   */
  act(s: Float32Array, rng: Rng | null): Float32Array {
    const a = this.spec.actionDim;
    this.one.set(s);
    const out = this.actSession.run({ ...this.actor.paramFeeds, x: new Tensor('float32', this.one, [1, this.spec.obsDim]) });
    const mean = out.mean!.data as Float32Array;
    if (this.sde && rng) {
      if (this.sde.draws === 0) this.sde.draw(rng, this.logStd());
      return this.sde.act(mean, out.latent!.data as Float32Array, new Float32Array(a));
    }
    if (this.sde) return Float32Array.from(mean, Math.tanh);
    const logStd = out.logStd!.data as Float32Array;
    const action = new Float32Array(a);
    for (let j = 0; j < a; j++) action[j] = Math.tanh(rng ? mean[j]! + Math.exp(logStd[j]!) * rng.normal() : mean[j]!);
    return action;
  }

  value(s: Float32Array): number {
    return firstCriticValue(this.valueSession, this.actor, this.critic, this.criticLayout, this.one, s);
  }

  get alphaValue(): number {
    return Math.exp(this.entropy.logAlpha);
  }

  update(batch: ReplayBatch, rng: Rng, update: number): Record<string, number> {
    const spec = this.spec;
    this.batch.set(batch);
    // gSDE: one unit-normal matrix for both actions of the step (eps); otherwise one draw per row and action each.
    if (!this.sde) for (let i = 0; i < this.nextEps.length; i++) this.nextEps[i] = rng.normal();
    for (let i = 0; i < this.eps.length; i++) this.eps[i] = rng.normal();
    const [rows, cols] = OnnxSacModel.noiseShape(spec);
    this.alpha[0] = this.alphaValue;
    const alpha = new Tensor('float32', this.alpha, []);
    const c = this.critic.step({
      ...this.batch.feeds,
      ...this.targetFeeds,
      ...this.actorLayout.views(this.actor.params, 'pa'),
      nextEps: new Tensor('float32', this.sde ? this.eps : this.nextEps, [rows, cols]),
      alpha,
    });
    const a = this.actor.step({ obs: this.batch.feeds.obs!, eps: new Tensor('float32', this.eps, [rows, cols]), alpha, ...this.criticLayout.views(this.critic.params, 'c') });
    const meanLogProb = (a.outputs.meanLogProb!.data as Float32Array)[0]!;
    const metrics = { criticLoss: c.loss, actorLoss: a.loss, meanQ: (c.outputs.meanQ!.data as Float32Array)[0]!, entropy: -meanLogProb, entCoef: this.alpha[0] };
    if (spec.entCoef === 'auto') this.entropy = entropyStep(this.entropy, meanLogProb, spec.targetEntropy, spec.learningRate);
    if (update % spec.targetUpdateInterval === 0) polyakUpdate(this.criticTarget, this.critic.params, spec.tau);
    return metrics;
  }

  async warmStart(dir: string, who: string): Promise<void> {
    const w = await OnnxSacModel.readWeights(this.spec, dir, who);
    this.actor.setParams(w.actor);
    this.critic.setParams(w.critic);
    this.criticTarget.set(w.critic);
  }

  async save(dir: string): Promise<Record<string, unknown>> {
    const logStdShape = OnnxSacModel.logStdShape(this.spec);
    const { trunk } = this.spec;
    const actorNet = logStdShape ? this.actor.params.subarray(0, this.actor.params.length - logStdShape[0] * logStdShape[1]) : this.actor.params;
    await saveNet(dir, 'actor', OnnxSacModel.actorSizes(this.spec), actorNet, trunk);
    if (logStdShape) await writeBinary(dir, 'actor-log-std.bin', this.logStd());
    // The shared trunk goes with the first critic's MLP; the second critic's MLP is the rest.
    const trunkSize = trunk ? cnnWeightCount(trunk.inputShape, trunk.options) : 0;
    const first = trunkSize + (this.criticLayout.size - trunkSize) / 2;
    const sizes = OnnxSacModel.criticSizes(this.spec);
    for (const [suffix, data] of [['', this.critic.params], ['Target', this.criticTarget]] as const) {
      await saveNet(dir, `${criticName(0)}${suffix}`, sizes, data.subarray(0, first), trunk);
      await saveNet(dir, `${criticName(1)}${suffix}`, sizes, data.subarray(first), undefined);
    }
    const steps = await writeOptimizers(dir, { actor: this.actor.getState(), critic: this.critic.getState() });
    const sdeNoise: SdeNoiseState | undefined = this.sde?.getState();
    return { ...steps, entropy: { ...this.entropy }, ...(sdeNoise ? { sdeNoise } : {}) };
  }

  dispose(): void {
    disposeAll(this.actor, this.critic, this.actSession, this.valueSession);
  }
}
