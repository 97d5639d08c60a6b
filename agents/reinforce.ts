// REINFORCE: Monte-Carlo policy gradient (Williams 1992; Sutton & Barto,
// Reinforcement Learning, 2nd ed., sections 13.3 and 13.4), optionally with a
// learned state-value baseline.
//
// Each update uses episodesPerUpdate complete episodes of the current policy:
//   1. collect: act by sampling pi(a|s) (a categorical over logits, or a
//      diagonal Gaussian with a state-independent log std whose sample is sent
//      to the env clipped to the Box bounds and stored unclipped for log pi).
//   2. targets: the discounted reward-to-go G_t = r_t + gamma G_{t+1} of each
//      step (rewardToGo below). An episode that terminated ends with G_T = 0.
//      One truncated by a time limit ends with G_T = V(final obs) when the
//      baseline exists; without one the tail past the cut is simply missing
//      (Monte Carlo cannot know it), so late steps of truncated episodes see
//      smaller returns. The weight of each step is A_t = G_t - V(s_t) with the
//      baseline, else G_t; normalizeReturns standardizes the weights over the
//      batch (mean 0, std 1).
//   3. update: one Adam step on the policy loss
//        -mean_t(A_t log pi(a_t|s_t)) - entCoef * mean entropy
//      and, with the baseline, valueSteps Adam steps of the value MLP on
//      mean (V(s_t) - G_t)^2, with its own learning rate (Sutton & Barto's
//      alpha^w). As in nearly every implementation, the gamma^t factor of the
//      textbook update is dropped and steps are averaged, not summed.
//   4. log: returns through onEpisodeEnd, losses through onUpdate.
//
// Nets: separate policy and value MLPs (tanh, 64-64), orthogonal init with
// hidden gain sqrt 2, 0.01 for the policy head and 1 for the value head.
//
// Each learn() call starts a fresh episode, seeded from the agent's generator.
// The episode still running when learn() stops (totalSteps reached or
// shouldStop) counts toward the step counter but is not learned from; complete
// episodes waiting for a full batch get their update then. learn() takes a
// single env. act() draws stochastic actions from a generator of its own, so
// watching or evaluating an agent never changes how it trains.
//
// The nets live on one compute path: tfjs variables, or, on backend 'onnx',
// only the flat parameters of an ONNX Runtime model (agents/lib/compute/
// reinforce-model.ts) that runs the forward passes and both nets' Adam steps,
// so that TensorFlow.js is never loaded. Both start from the same weights
// (ReinforceWeights: drawn from the seeded Rng, or read from the saved
// files) and save the same files from them, so checkpoints move between them.
import type { Env } from '../core/env.js';
import { Rng } from '../core/rng.js';
import type { RngState } from '../core/rng.js';
import type { BoxSpace, DiscreteSpace, SpaceValue } from '../core/spaces.js';
import { describeSpace, flatDim, flatten, spacesEqual } from '../core/spaces.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnHooks, LearnOptions, LearnResult } from './agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from './agent.js';
import { initBackend, tf, usesOnnx } from './lib/backend.js';
import { OnnxReinforce } from './lib/compute/reinforce-model.js';
import { ActorCritic, newVariable } from './lib/actor-critic.js';
import { concatFloat32 } from './lib/compute/trainer.js';
import { standardize } from './lib/advantages.js';
import { EpisodeBatch } from './lib/episode-batch.js';
import { argmaxRow, categoricalEntropy, categoricalLogProb, gaussianEntropy, gaussianLogProb, softmaxRow } from './lib/distributions.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, int, layerMemory, list, num } from './lib/hparams.js';
import type { Activation, Mlp } from './lib/nets.js';
import { getWeights, mlpFromData, mlpInit, mlpWeightCount, Optimizer, readMlp, readMlpWeights, saveMlpData, setWeights } from './lib/nets.js';

export const REINFORCE_HYPERPARAMETERS = {
  learningRate: num(1e-3, 'Adam step size of the policy (and of its log std)', { min: 0, exclusiveMin: true }),
  gamma: num(0.99, 'discount factor of the reward-to-go', { min: 0, max: 1 }),
  episodesPerUpdate: int(1, 'complete episodes per policy update', { min: 1 }),
  baseline: bool(true, 'learn V(s) and weight log pi by G - V(s) (Sutton & Barto 13.4); also bootstraps truncated episodes'),
  valueLearningRate: num(1e-3, 'Adam step size of the value net', { min: 0, exclusiveMin: true }),
  valueSteps: int(5, 'Adam steps of the value net on each batch', { min: 1 }),
  normalizeReturns: bool(true, 'standardize the policy-gradient weights (G, or G - V) over each batch'),
  entCoef: num(0, 'entropy bonus coefficient', { min: 0 }),
  maxGradNorm: num(0, 'clip of the global gradient norm of each net (0: no clipping)', { min: 0 }),
  hidden: list([64, 64], 'hidden layer sizes of the policy and of the value net', { memory: layerMemory(2) }),
  activation: choice('tanh', ['tanh', 'relu'] as const, 'hidden-layer activation'),
  logStdInit: num(0, 'initial log standard deviation of the Gaussian policy (Box actions)'),
} as const;

export type ReinforceHyperparameters = Resolved<typeof REINFORCE_HYPERPARAMETERS>;

/**
 * Discounted reward-to-go of one episode into `out`: G_t = r_t + gamma G_{t+1},
 * starting from G_T = `bootstrap` after the last reward (0 when the episode
 * terminated; V(final obs) when a time limit cut it and a critic exists).
 */
export function rewardToGo(rewards: ArrayLike<number>, gamma: number, bootstrap: number, out: Float64Array | Float32Array): Float64Array | Float32Array {
  let g = bootstrap;
  for (let t = rewards.length - 1; t >= 0; t--) {
    g = rewards[t]! + gamma * g;
    out[t] = g;
  }
  return out;
}

interface Counters {
  steps: number;
  episodes: number;
  updates: number;
}

interface SavedState {
  counters: Counters;
  rng: RngState;
  actRng: RngState;
  logStd: number[] | null;
  optimizerSteps: { policy: number; value: number | null };
}

/** The nets' layer sizes and activation (the policy's output: logits or Gaussian means; the value net's: 1). */
interface ReinforceNetSizes {
  readonly policySizes: readonly number[];
  /** Null without a baseline. */
  readonly valueSizes: readonly number[] | null;
  readonly activation: Activation;
}

/** The nets as plain data: their sizes and flat weights, the policy's with its log std (Box actions) last; what an agent is built from. */
interface ReinforceWeights extends ReinforceNetSizes {
  readonly policy: Float32Array;
  readonly value: Float32Array | null;
}

/** The nets as tfjs variables (a TensorFlow.js backend). */
interface TfjsNets {
  readonly policy: Mlp;
  readonly value: Mlp | null;
  readonly logStd: tf.Variable | null;
}

/** What a loaded agent resumes from besides its nets: counters and both optimizers' states. */
interface SavedOptimizers {
  counters: Counters;
  policyOptimizer: { t: number; data: Float32Array };
  valueOptimizer: { t: number; data: Float32Array } | null;
}

class Reinforce implements Agent {
  readonly algorithm = 'reinforce';
  private readonly counters: Counters;
  /** The tfjs optimizers, or null on backend 'onnx' (the ONNX model then holds both nets' Adam). */
  private readonly policyOptimizer: Optimizer | null;
  private readonly valueOptimizer: Optimizer | null;
  private readonly obsSpace: BoxSpace | DiscreteSpace;
  private readonly actSpace: BoxSpace | DiscreteSpace;
  private readonly inputDim: number;
  /** Policy outputs: logits (Discrete) or Gaussian means (Box). */
  private readonly nOut: number;
  /** Numbers stored per action: 1 (the index) or the Box size. */
  private readonly actionDim: number;
  /** exp(logStd) and logStd, read back after each update (they change only there). */
  private readonly std: Float64Array;
  private readonly x: Float32Array;
  private readonly stored: Float32Array;
  private readonly envAction: Float32Array;
  private readonly scratch: Float64Array;

  constructor(
    readonly hyperparameters: ReinforceHyperparameters,
    readonly context: AgentContext,
    private readonly sizes: ReinforceNetSizes,
    /** The nets as tfjs variables, or null on backend 'onnx'. */
    private readonly nets: TfjsNets | null,
    private readonly rng: Rng,
    private readonly actRng: Rng,
    /** The ONNX Runtime model holding the nets in its flat parameters (backend 'onnx'), or null. */
    private readonly onnx: OnnxReinforce | null,
    saved?: SavedOptimizers,
  ) {
    const hp = hyperparameters;
    this.obsSpace = context.observationSpace as BoxSpace | DiscreteSpace;
    this.actSpace = context.actionSpace as BoxSpace | DiscreteSpace;
    this.inputDim = flatDim(this.obsSpace);
    this.nOut = this.actSpace.type === 'discrete' ? this.actSpace.n : this.actSpace.low.length;
    this.actionDim = this.actSpace.type === 'discrete' ? 1 : this.nOut;
    this.std = new Float64Array(this.actionDim);
    this.x = new Float32Array(this.inputDim);
    this.stored = new Float32Array(this.actionDim);
    this.envAction = new Float32Array(this.actionDim);
    this.scratch = new Float64Array(this.nOut);
    const clip = hp.maxGradNorm > 0 ? { maxGradNorm: hp.maxGradNorm } : {};
    this.policyOptimizer = nets ? new Optimizer(this.policyVariables, hp.learningRate, clip) : null;
    this.valueOptimizer = nets?.value ? new Optimizer(nets.value.variables, hp.valueLearningRate, clip) : null;
    this.counters = saved ? { ...saved.counters } : { steps: 0, episodes: 0, updates: 0 };
    if (saved) {
      (this.policyOptimizer ?? onnx!.policy).setState(saved.policyOptimizer);
      const valueOptimizer = this.valueOptimizer ?? onnx?.value;
      if (valueOptimizer && saved.valueOptimizer) valueOptimizer.setState(saved.valueOptimizer);
    }
    this.readStd();
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  /** Whether the agent has a baseline (a value net). */
  private get hasValue(): boolean {
    return this.sizes.valueSizes !== null;
  }

  /** The tfjs nets (throws on backend 'onnx', where there are none). */
  private get tfjs(): TfjsNets {
    if (!this.nets) throw new Error("reinforce: this agent runs on ONNX Runtime (backend 'onnx'); it has no tfjs variables");
    return this.nets;
  }

  /** The policy's tfjs variables: its layers, then the log std. */
  private get policyVariables(): tf.Variable[] {
    const n = this.tfjs;
    return [...n.policy.variables, ...(n.logStd ? [n.logStd] : [])];
  }

  /** The policy's weights, flat, with the log std last (Box actions). */
  private policyParams(): Float32Array {
    return this.onnx ? this.onnx.policy.params : getWeights({ variables: this.policyVariables }).data;
  }

  /** The value net's weights, flat, or null without a baseline. */
  private valueParams(): Float32Array | null {
    if (!this.hasValue) return null;
    return this.onnx ? this.onnx.value!.params : getWeights(this.tfjs.value!).data;
  }

  async learn({ env, vecEnv, totalSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const trainEnv = this.checkEnv(env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`reinforce.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const c = this.counters;
    if (c.steps < totalSteps) {
      const batch = new EpisodeBatch(this.inputDim, this.actionDim);
      const finalX = new Float32Array(this.inputDim);
      flatten(this.obsSpace, trainEnv.reset({ seed: this.rng.nextSeed() }).obs as SpaceValue, this.x);
      let episodeReturn = 0;
      while (c.steps < totalSteps) {
        // 1. collect one step of the current episode
        const action = this.sample(this.x, this.rng, false, this.stored, this.envAction);
        const r = trainEnv.step(action);
        batch.add(this.x, this.stored, r.reward);
        c.steps += 1;
        episodeReturn += r.reward;
        if (r.terminated || r.truncated) {
          batch.endEpisode(r.terminated ? null : flatten(this.obsSpace, r.obs as SpaceValue, finalX));
          c.episodes += 1;
          const length = batch.size - batch.episodes[batch.episodes.length - 1]!.start;
          hooks.onEpisodeEnd?.({ step: c.steps, episode: c.episodes, return: episodeReturn, length, truncated: !r.terminated });
          episodeReturn = 0;
          flatten(this.obsSpace, trainEnv.reset().obs as SpaceValue, this.x);
          // 2-3. targets and update once the batch is full; 4. log
          if (batch.episodes.length === hp.episodesPerUpdate) await this.updateAndLog(batch, hooks);
        } else {
          flatten(this.obsSpace, r.obs as SpaceValue, this.x);
        }
        if (hooks.shouldStop?.({ step: c.steps })) break;
      }
      // The running episode is dropped; complete ones still waiting are learned from.
      if (batch.episodes.length > 0) await this.updateAndLog(batch, hooks);
    }
    return { steps: c.steps, episodes: c.episodes, seconds: (performance.now() - start) / 1000 };
  }

  private async updateAndLog(batch: EpisodeBatch, hooks: LearnHooks): Promise<void> {
    await this.onnx?.prepare(batch.complete + batch.finals);
    const metrics = this.onnx ? this.updateOnnx(batch, this.onnx) : this.update(batch);
    hooks.onUpdate?.({ step: this.counters.steps, metrics });
  }

  /**
   * The targets of the batch's complete episodes: reward-to-go and the
   * policy-gradient weights (G - V with the baseline, standardized if asked);
   * `values` gives V(s_t) of every step and then V(final obs) of each truncated episode.
   */
  private targets(batch: EpisodeBatch, values: Float32Array | null): { returns: Float32Array; weights: Float32Array } {
    const hp = this.hyperparameters;
    const n = batch.complete;
    const returns = new Float32Array(n);
    const weights = new Float32Array(n);
    for (const ep of batch.episodes) {
      const bootstrap = ep.finalRow >= 0 && values ? values[n + ep.finalRow]! : 0;
      rewardToGo(batch.rewards.subarray(ep.start, ep.end), hp.gamma, bootstrap, returns.subarray(ep.start, ep.end));
    }
    for (let t = 0; t < n; t++) weights[t] = returns[t]! - (values ? values[t]! : 0);
    if (hp.normalizeReturns) standardize(weights, weights.length);
    return { returns, weights };
  }

  /** The policy and value steps on the batch's complete episodes on tfjs; clears the batch. */
  private update(batch: EpisodeBatch): Record<string, number> {
    const hp = this.hyperparameters;
    const n = batch.complete;
    const din = this.inputDim;
    // V(s_t) of every step and V(final obs) of truncated episodes, in one forward pass.
    const nets = this.tfjs;
    let values: Float32Array | null = null;
    if (nets.value) {
      const value = nets.value;
      const out = tf.tidy(() => {
        const steps = tf.tensor2d(batch.x.subarray(0, n * din), [n, din]);
        const x = batch.finals > 0 ? tf.concat([steps, tf.tensor2d(batch.finalX.subarray(0, batch.finals * din), [batch.finals, din])]) : steps;
        return tf.reshape(value.apply(x), [-1]);
      });
      values = out.dataSync() as Float32Array;
      out.dispose();
    }
    const { returns, weights } = this.targets(batch, values);
    const x = tf.tensor2d(batch.x.subarray(0, n * din), [n, din]);
    const actions =
      this.actSpace.type === 'discrete' ? tf.tensor1d(batch.actions.subarray(0, n), 'int32') : tf.tensor2d(batch.actions.subarray(0, n * this.actionDim), [n, this.actionDim]);
    const w = tf.tensor1d(weights);
    const g = tf.tensor1d(returns);
    const entropy: tf.Scalar[] = [];
    const policyStep = this.policyOptimizer!.step(() => {
      const head = nets.policy.apply(x);
      let logp: tf.Tensor1D;
      let h: tf.Scalar;
      if (nets.logStd) {
        logp = gaussianLogProb(head, nets.logStd as tf.Tensor1D, actions as tf.Tensor2D);
        h = gaussianEntropy(nets.logStd as tf.Tensor1D);
      } else {
        logp = categoricalLogProb(head, actions as tf.Tensor1D);
        h = tf.mean(categoricalEntropy(head));
      }
      entropy.push(tf.keep(h));
      return tf.sub(tf.neg(tf.mean(tf.mul(logp, w))), tf.mul(hp.entCoef, h)) as tf.Scalar;
    });
    let valueLoss = Number.NaN;
    if (nets.value && this.valueOptimizer) {
      const value = nets.value;
      for (let k = 0; k < hp.valueSteps; k++) {
        valueLoss = this.valueOptimizer.step(() => tf.mean(tf.square(tf.sub(tf.reshape(value.apply(x), [-1]), g))) as tf.Scalar).loss;
      }
    }
    const h = entropy[0]!.dataSync()[0]!;
    tf.dispose([x, actions, w, g, ...entropy]);
    return this.finishUpdate(batch, { ...policyStep, entropy: h }, valueLoss);
  }

  /** The same update on ONNX Runtime: values, then the policy and value steps, from the batch's arrays. */
  private updateOnnx(batch: EpisodeBatch, onnx: OnnxReinforce): Record<string, number> {
    const n = batch.complete;
    const din = this.inputDim;
    let values: Float32Array | null = null;
    if (this.hasValue) {
      // Steps and final observations in one forward pass, as on tfjs.
      const x = new Float32Array((n + batch.finals) * din);
      x.set(batch.x.subarray(0, n * din));
      x.set(batch.finalX.subarray(0, batch.finals * din), n * din);
      values = onnx.values(x, n + batch.finals);
    }
    const { returns, weights } = this.targets(batch, values);
    const policyStep = onnx.policyStep(batch.x, batch.actions, weights, n);
    let valueLoss = Number.NaN;
    if (this.hasValue) for (let k = 0; k < this.hyperparameters.valueSteps; k++) valueLoss = onnx.valueStep(batch.x, returns, n);
    return this.finishUpdate(batch, policyStep, valueLoss);
  }

  private finishUpdate(batch: EpisodeBatch, policyStep: { loss: number; gradNorm: number; entropy: number }, valueLoss: number): Record<string, number> {
    this.readStd();
    this.counters.updates += 1;
    const metrics: Record<string, number> = {
      policyLoss: policyStep.loss,
      gradNorm: policyStep.gradNorm,
      entropy: policyStep.entropy,
      episodes: batch.episodes.length,
      batchSteps: batch.complete,
      ...(this.hasValue ? { valueLoss } : {}),
      ...(this.actSpace.type === 'box' ? { std: this.std[0]! } : {}),
    };
    batch.clear();
    return metrics;
  }

  /**
   * The action for encoded observation `x`: drawn from `rng`, or the mode when
   * deterministic. Writes what the learner stores (index, or unclipped sample)
   * into `stored` and returns what the env gets (Box: clipped to the bounds, in `envAction`).
   */
  private sample(x: Float32Array, rng: Rng, deterministic: boolean, stored: Float32Array, envAction: Float32Array): Action {
    const out = this.policyOutputs(x);
    if (this.actSpace.type === 'discrete') {
      const a = deterministic ? argmaxRow(out, 0, this.nOut) : rng.choice(softmaxRow(out, 0, this.nOut, this.scratch));
      stored[0] = a;
      return a + this.actSpace.start;
    }
    const { low, high } = this.actSpace;
    for (let d = 0; d < this.actionDim; d++) {
      const a = Math.fround(deterministic ? out[d]! : out[d]! + this.std[d]! * rng.normal());
      stored[d] = a;
      envAction[d] = a < low[d]! ? low[d]! : a > high[d]! ? high[d]! : a;
    }
    return envAction;
  }

  /** The policy head's outputs for one encoded observation. */
  private policyOutputs(x: Float32Array): ArrayLike<number> {
    if (this.onnx) return this.onnx.forward(x, 1);
    const policy = this.tfjs.policy;
    const outT = tf.tidy(() => policy.apply(tf.tensor2d(x, [1, this.inputDim])));
    const out = outT.dataSync();
    outT.dispose();
    return out;
  }

  private readStd(): void {
    if (this.actSpace.type !== 'box') return;
    const v = this.onnx?.logStd() ?? this.tfjs.logStd!.dataSync();
    for (let d = 0; d < this.actionDim; d++) this.std[d] = Math.exp(v[d]!);
  }

  private encode(obs: unknown): Float32Array {
    const ok = this.obsSpace.type === 'discrete' ? Number.isInteger(obs) : (obs as ArrayLike<number> | undefined)?.length === this.inputDim;
    if (!ok) throw new TypeError(`reinforce: expected an observation of ${describeSpace(this.obsSpace)}, got ${String(obs)}`);
    return flatten(this.obsSpace, obs as SpaceValue, new Float32Array(this.inputDim));
  }

  private checkEnv(env: Env | undefined, vecEnv: unknown): Env {
    if (vecEnv) throw new TypeError('reinforce.learn: learns from whole episodes of a single env; pass { env } (vector envs are not supported)');
    if (!env) throw new TypeError('reinforce.learn: needs an env');
    if (!spacesEqual(env.observationSpace, this.context.observationSpace) || !spacesEqual(env.actionSpace, this.context.actionSpace)) {
      throw new TypeError(
        `reinforce.learn: the env's spaces (${describeSpace(env.observationSpace)}, ${describeSpace(env.actionSpace)}) differ from the agent's (${describeSpace(this.context.observationSpace)}, ${describeSpace(this.context.actionSpace)})`,
      );
    }
    return env;
  }

  act(obs: unknown, options: { deterministic?: boolean } = {}): Action {
    return this.sample(this.encode(obs), this.actRng, options.deterministic ?? false, new Float32Array(this.actionDim), new Float32Array(this.actionDim));
  }

  diagnostics(obs: unknown): Diagnostics {
    const x = this.encode(obs);
    if (this.onnx) {
      const logits = this.onnx.forward(x, 1);
      const value = this.hasValue ? { value: this.onnx.values(x, 1)[0]! } : {};
      return this.actSpace.type === 'discrete' ? { probs: Array.from(softmaxRow(logits, 0, this.nOut, this.scratch)), ...value } : value;
    }
    const nets = this.tfjs;
    const out = tf.tidy(() => {
      const input = tf.tensor2d(x, [1, this.inputDim]);
      return nets.value ? tf.concat([nets.policy.apply(input), nets.value.apply(input)], 1) : nets.policy.apply(input);
    });
    const values = out.dataSync();
    out.dispose();
    const value = nets.value ? { value: values[this.nOut]! } : {};
    return this.actSpace.type === 'discrete' ? { probs: Array.from(softmaxRow(values, 0, this.nOut, this.scratch)), ...value } : value;
  }

  /** Transfer: policy (and baseline, when both have one) and log std from the REINFORCE agent saved in `dir`. */
  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    const who = `warmStart(reinforce <- ${from.algorithm})`;
    if (from.algorithm !== 'reinforce') throw new Error(`${who}: ${dir} holds a ${JSON.stringify(from.algorithm)} agent, not reinforce`);
    const policy = this.policyParams().slice();
    const n = mlpWeightCount(this.sizes.policySizes);
    policy.set(await readMlpWeights(dir, 'policy', this.sizes.policySizes, who));
    const value = this.hasValue && from.hyperparameters['baseline'] ? await readMlpWeights(dir, 'value', this.sizes.valueSizes!, who) : null;
    const logStd = (from.state as { logStd?: number[] | null }).logStd;
    if (this.actSpace.type === 'box' && logStd) {
      if (logStd.length !== this.actionDim) throw new Error(`${who}: ${dir} has ${logStd.length} action log stds, this agent ${this.actionDim}`);
      policy.set(logStd, n);
    }
    if (this.onnx) {
      this.onnx.policy.setParams(policy);
      if (value) this.onnx.value!.setParams(value);
    } else {
      setWeights({ variables: this.policyVariables }, policy);
      if (value) setWeights(this.tfjs.value!, value);
    }
    this.readStd();
  }

  async save(dir: string): Promise<void> {
    const { policySizes, valueSizes, activation } = this.sizes;
    const policy = this.policyParams();
    const n = mlpWeightCount(policySizes);
    await saveMlpData({ sizes: policySizes, activation, data: policy.subarray(0, n) }, dir, 'policy');
    const policyOpt = (this.policyOptimizer ?? this.onnx!.policy).getState();
    await writeBinary(dir, 'policy-optimizer.bin', policyOpt.data);
    let valueStep: number | null = null;
    const valueOptimizer = this.valueOptimizer ?? this.onnx?.value;
    if (valueSizes && valueOptimizer) {
      await saveMlpData({ sizes: valueSizes, activation, data: this.valueParams()! }, dir, 'value');
      const valueOpt = valueOptimizer.getState();
      await writeBinary(dir, 'value-optimizer.bin', valueOpt.data);
      valueStep = valueOpt.t;
    }
    const state: SavedState = {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      actRng: this.actRng.getState(),
      logStd: this.actSpace.type === 'box' ? Array.from(policy.subarray(n)) : null,
      optimizerSteps: { policy: policyOpt.t, value: valueStep },
    };
    await writeManifest(dir, this, state as unknown as Record<string, unknown>);
  }

  dispose(): void {
    this.onnx?.dispose();
    this.policyOptimizer?.dispose();
    this.valueOptimizer?.dispose();
    this.nets?.policy.dispose();
    this.nets?.value?.dispose();
    this.nets?.logStd?.dispose();
  }
}

function savedState(manifest: AgentManifest): SavedState {
  const s = manifest.state as unknown as SavedState;
  if (!s?.counters || !s.rng || !s.actRng || !s.optimizerSteps) throw new Error('reinforce: agent.json has no complete state (counters, rng, actRng, optimizerSteps)');
  return s;
}

/**
 * The agent of `weights`: on backend 'onnx' an ONNX Runtime model holds its
 * nets (TensorFlow.js stays unloaded), else tfjs variables on the backend asked for.
 */
async function build(hp: ReinforceHyperparameters, context: AgentContext, weights: ReinforceWeights, rng: Rng, actRng: Rng, saved?: SavedOptimizers): Promise<Reinforce> {
  const { policySizes, valueSizes, activation } = weights;
  const sizes: ReinforceNetSizes = { policySizes, valueSizes, activation };
  const discrete = context.actionSpace.type === 'discrete';
  if (usesOnnx(context.backend)) {
    const onnx = await OnnxReinforce.create({ ...sizes, discrete, entCoef: hp.entCoef, maxGradNorm: hp.maxGradNorm }, weights.policy, weights.value, { policy: hp.learningRate, value: hp.valueLearningRate });
    return new Reinforce(hp, context, sizes, null, rng, actRng, onnx, saved);
  }
  await initBackend(context.backend ?? 'auto');
  const n = mlpWeightCount(policySizes);
  const nets: TfjsNets = {
    policy: mlpFromData(policySizes, activation, weights.policy.subarray(0, n)),
    value: valueSizes ? mlpFromData(valueSizes, activation, weights.value!) : null,
    logStd: discrete ? null : newVariable(tf.tensor1d(weights.policy.subarray(n))),
  };
  return new Reinforce(hp, context, sizes, nets, rng, actRng, null, saved);
}

registerAgent({
  name: 'reinforce',
  warmStartsFrom: ['reinforce'],
  description: 'REINFORCE (Williams 1992): Monte-Carlo policy gradient over whole episodes, optional learned baseline; Discrete or Box actions',
  hyperparameters: REINFORCE_HYPERPARAMETERS,
  backends: { tfjs: true },
  async create(hp, context) {
    ActorCritic.checkSpaces('reinforce', context);
    const rng = new Rng(context.seed);
    const actRng = new Rng(rng.nextSeed());
    const a = context.actionSpace as BoxSpace | DiscreteSpace;
    const input = flatDim(context.observationSpace);
    const out = a.type === 'discrete' ? a.n : a.low.length;
    const init = { activation: hp.activation, init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    const policySizes = [input, ...hp.hidden, out];
    const valueSizes = hp.baseline ? [input, ...hp.hidden, 1] : null;
    // Drawn in this order: the policy's layers, then the value net's.
    const policy = mlpInit(policySizes, rng, { ...init, outputGain: 0.01 });
    const value = valueSizes ? concatFloat32(mlpInit(valueSizes, rng, { ...init, outputGain: 1 })) : null;
    const logStd = a.type === 'box' ? [new Float32Array(out).fill(hp.logStdInit)] : [];
    return build(hp, context, { policySizes, valueSizes, activation: hp.activation, policy: concatFloat32([...policy, ...logStd]), value }, rng, actRng);
  },
  async load(hp, context, manifest, dir) {
    ActorCritic.checkSpaces('reinforce', context);
    const s = savedState(manifest);
    // The nets are what their files say (as loadMlp reads them).
    const policy = await readMlp(dir, 'policy');
    const value = hp.baseline ? await readMlp(dir, 'value') : null;
    const nOut = policy.sizes[policy.sizes.length - 1]!;
    const box = context.actionSpace.type === 'box';
    if (box !== Array.isArray(s.logStd) || (s.logStd && (s.logStd.length !== nOut || !s.logStd.every(Number.isFinite)))) {
      throw new Error(`reinforce: ${dir}/agent.json's logStd is ${JSON.stringify(s.logStd)}, the saved policy's ${box ? `Gaussian needs ${nOut} finite numbers` : 'categorical has none'}`);
    }
    const floats = async (name: string) => new Float32Array(await readBinary(dir, name));
    const weights: ReinforceWeights = {
      policySizes: policy.sizes,
      valueSizes: value?.sizes ?? null,
      activation: policy.activation,
      policy: concatFloat32([policy.data, Float32Array.from(s.logStd ?? [])]),
      value: value?.data ?? null,
    };
    return build(hp, context, weights, Rng.fromState(s.rng), Rng.fromState(s.actRng), {
      counters: s.counters,
      policyOptimizer: { t: s.optimizerSteps.policy, data: await floats('policy-optimizer.bin') },
      valueOptimizer: value && s.optimizerSteps.value !== null ? { t: s.optimizerSteps.value, data: await floats('value-optimizer.bin') } : null,
    });
  },
});
