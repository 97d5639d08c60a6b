// A2C: synchronous advantage actor-critic (Mnih et al. 2016, "Asynchronous
// Methods for Deep Reinforcement Learning", in its synchronous form from OpenAI
// Baselines), as Stable-Baselines3's A2C does it.
//
// Each iteration: nSteps steps from every copy of a vector env with the current
// policy (5 x nEnvs transitions by default); advantages by GAE(lambda), which
// with the default lambda = 1 are the n-step returns minus V: each step looks
// ahead to the end of the rollout and bootstraps from V(obs) there (truncated
// episodes bootstrap from V(final obs), terminated ones do not, autoreset rows
// are skipped; agents/lib/advantages.ts); then ONE gradient step on all of it:
//   L = -mean(A log pi(a|s)) + vfCoef * mean((V - R)^2) - entCoef * H
// with the global gradient norm clipped to maxGradNorm.
//
// The optimizer is SB3's: RMSprop in PyTorch's form (alpha 0.99, eps 1e-5
// added outside the square root, no momentum), written out below so its state
// saves exactly. 'adam' selects the Adam of agents/lib/nets.ts (eps 1e-5)
// instead. The networks, the action sampling, observation and reward
// normalization and the rollout collection are the actor-critic library's
// (agents/lib/actor-critic.ts, rollout.ts), shared with PPO: A2C is
// PPO with one epoch, one minibatch, no ratio clipping and no advantage
// normalization.
import type { Rng } from '../core/rng.js';
import type { AgentContext, LearnOptions, LearnResult } from './agent.js';
import type { ActorCritic } from './lib/actor-critic.js';
import { newVariable, POLICY_HYPERPARAMETERS } from './lib/actor-critic.js';
import type { SavedActorCritic, StepOptimizer } from './lib/actor-critic-agent.js';
import { ActorCriticAgent, onnxOptimizer, registerActorCriticAgent } from './lib/actor-critic-agent.js';
import { computeGae, validRows } from './lib/advantages.js';
import { tf } from './lib/backend.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, int, layerMemory, list, num } from './lib/hparams.js';
import { getWeights, Optimizer } from './lib/nets.js';
import { collectRollout, explainedVariance, Minibatch, RolloutBuffer, startSession, trainingVectorEnv } from './lib/rollout.js';
import { linearSchedule } from './lib/schedules.js';

export const A2C_HYPERPARAMETERS = {
  nSteps: int(5, 'steps per env in each rollout: the n of the n-step returns', { min: 1 }),
  learningRate: num(7e-4, 'optimizer step size (the start value when annealed)', { min: 0, exclusiveMin: true }),
  lrSchedule: choice('constant', ['constant', 'linear'] as const, "'linear' anneals the learning rate to 0 over the learn call"),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  gaeLambda: num(1, 'GAE lambda (1: plain n-step returns)', { min: 0, max: 1 }),
  entCoef: num(0, 'entropy bonus coefficient', { min: 0 }),
  vfCoef: num(0.5, 'value loss coefficient (the loss is mean squared error, without 1/2)', { min: 0 }),
  maxGradNorm: num(0.5, 'clip of the global gradient norm', { min: 0, exclusiveMin: true }),
  optimizer: choice('rmsprop', ['rmsprop', 'adam'] as const, "'rmsprop' (SB3's A2C) or 'adam'"),
  rmsAlpha: num(0.99, 'RMSprop smoothing constant of the squared-gradient average', { min: 0, max: 1, exclusiveMax: true }),
  optimizerEps: num(1e-5, 'epsilon of RMSprop (outside the square root) or Adam', { min: 0, exclusiveMin: true }),
  normalizeAdvantage: bool(false, 'normalize advantages to mean 0, std 1 in each rollout'),
  hidden: list([64, 64], 'hidden layer sizes of the actor and of the critic', { memory: layerMemory(2) }),
  activation: choice('tanh', ['tanh', 'relu'] as const, 'hidden-layer activation'),
  ...POLICY_HYPERPARAMETERS,
} as const;

export type A2cHyperparameters = Resolved<typeof A2C_HYPERPARAMETERS>;

/**
 * RMSprop as PyTorch (and so SB3's A2C) computes it: v = alpha v + (1 - alpha) g^2,
 * p -= lr g / (sqrt(v) + eps), after clipping the gradients' global norm.
 * (TensorFlow's RMSprop puts eps inside the square root: a different optimizer at eps 1e-5.)
 */
export class RmsProp implements StepOptimizer {
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly variables: tf.Variable[],
    public learningRate: number,
    private readonly options: { alpha: number; epsilon: number; maxGradNorm: number },
  ) {
    this.v = variables.map((x) => newVariable(tf.zerosLike(x), false));
  }

  step(loss: () => tf.Scalar): { loss: number; gradNorm: number } {
    const { alpha, epsilon, maxGradNorm } = this.options;
    this.t += 1;
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, this.variables);
      const list = this.variables.map((x) => grads[x.name]!);
      const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
      const factor = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
      list.forEach((g0, i) => {
        const g = tf.mul(g0, factor);
        const v = this.v[i]!;
        v.assign(tf.add(tf.mul(v, alpha), tf.mul(tf.square(g), 1 - alpha)));
        this.variables[i]!.assign(tf.sub(this.variables[i]!, tf.mul(tf.div(g, tf.add(tf.sqrt(v), epsilon)), this.learningRate)));
      });
      return tf.stack([value, norm]);
    });
    const [lossValue, gradNorm] = out.dataSync();
    out.dispose();
    return { loss: lossValue!, gradNorm: gradNorm! };
  }

  getState(): { t: number; data: Float32Array } {
    return { t: this.t, data: getWeights({ variables: this.v }).data };
  }

  setState(state: { t: number; data: Float32Array }): void {
    const expected = this.v.reduce((a, x) => a + x.size, 0);
    if (state.data.length !== expected) throw new RangeError(`RmsProp.setState: got ${state.data.length} values, expected ${expected}`);
    let o = 0;
    for (const x of this.v) {
      x.assign(tf.tensor(state.data.subarray(o, o + x.size), x.shape));
      o += x.size;
    }
    this.t = state.t;
  }

  dispose(): void {
    for (const x of this.v) x.dispose();
  }
}

class A2c extends ActorCriticAgent<A2cHyperparameters> {
  readonly algorithm = 'a2c';

  /** The optimizer on the tfjs variables, or null on backend 'onnx' (the policy's ONNX model then steps). */
  private readonly tfOptimizer: StepOptimizer | null;

  constructor(hyperparameters: A2cHyperparameters, context: AgentContext, policy: ActorCritic, rng: Rng, saved?: SavedActorCritic) {
    const hp = hyperparameters;
    const tfOptimizer = policy.onnx
      ? null
      : hp.optimizer === 'rmsprop'
        ? new RmsProp(policy.variables, hp.learningRate, { alpha: hp.rmsAlpha, epsilon: hp.optimizerEps, maxGradNorm: hp.maxGradNorm })
        : new Optimizer(policy.variables, hp.learningRate, { maxGradNorm: hp.maxGradNorm, epsilon: hp.optimizerEps });
    super(hyperparameters, context, policy, rng, tfOptimizer ?? onnxOptimizer(policy.onnx!), saved);
    this.tfOptimizer = tfOptimizer;
  }

  async learn({ env, vecEnv, totalSteps, scheduleSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const policy = this.policy;
    const vec = trainingVectorEnv('a2c', this.context, env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`a2c.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const buf = new RolloutBuffer(hp.nSteps, vec.numEnvs, policy);
    const batch = new Minibatch(buf.size, policy);
    const lastValues = new Float32Array(vec.numEnvs);
    await policy.onnx?.prepare(buf.size);
    if (this.counters.steps < totalSteps) {
      const session = startSession(vec, policy, this.rng);
      while (this.counters.steps < totalSteps) {
        const progress = Math.min(1, this.counters.steps / (scheduleSteps ?? totalSteps));
        // 1. collect nSteps x nEnvs transitions
        if (collectRollout(policy, buf, session, this.rng, this.counters, hooks, this.retRms, hp)) break;
        // 2. targets: n-step returns (GAE with lambda = 1 by default)
        policy.values(session.x, vec.numEnvs, lastValues);
        computeGae(buf, lastValues, hp.gamma, hp.gaeLambda, buf.advantages, buf.returns);
        // 3. one gradient step on the whole rollout (real transitions only)
        const lr = hp.lrSchedule === 'linear' ? linearSchedule(hp.learningRate, 0)(progress) : hp.learningRate;
        this.optimizer.learningRate = lr;
        const n = validRows(buf.autoreset, buf.size, buf.rows);
        if (n === 0) continue; // a rollout of autoreset rows only (nSteps 1): nothing to learn from
        const { loss, gradNorm, stats } = this.step(batch, batch.gather(buf, 0, n, hp.normalizeAdvantage), hooks.onUpdate !== undefined);
        this.counters.updates += 1;
        // 4. log
        if (hooks.onUpdate) {
          const [policyLoss, valueLoss, entropy] = stats!;
          const metrics = { policyLoss: policyLoss!, valueLoss: valueLoss!, entropy: entropy!, loss, gradNorm, explainedVariance: explainedVariance(buf, n), learningRate: lr };
          hooks.onUpdate({ step: this.counters.steps, metrics });
        }
      }
    }
    return { steps: this.counters.steps, episodes: this.counters.episodes, seconds: (performance.now() - start) / 1000 };
  }

  /** One gradient step on the first `size` gathered rows; with `wantStats`, also the policy loss, value loss and entropy. */
  private step(batch: Minibatch, size: number, wantStats: boolean): { loss: number; gradNorm: number; stats: Float32Array | null } {
    const onnx = this.policy.onnx;
    if (onnx) return onnx.step(batch, size);
    const hp = this.hyperparameters;
    const t = batch.tensors(size);
    const stats: tf.Tensor1D[] = [];
    const { loss, gradNorm } = this.tfOptimizer!.step(() => {
      const { logp, entropy, value } = this.policy.evaluate(t.obs, t.actions);
      const policyLoss = tf.neg(tf.mean(tf.mul(t.advantages, logp)));
      const valueLoss = tf.mean(tf.square(tf.sub(value, t.returns)));
      if (wantStats) stats.push(tf.keep(tf.stack([policyLoss, valueLoss, entropy]) as tf.Tensor1D));
      return tf.add(policyLoss, tf.sub(tf.mul(hp.vfCoef, valueLoss), tf.mul(hp.entCoef, entropy))) as tf.Scalar;
    });
    tf.dispose(Object.values(t));
    const values = wantStats ? (stats[0]!.dataSync() as Float32Array) : null;
    tf.dispose(stats);
    return { loss, gradNorm, stats: values };
  }
}

registerActorCriticAgent({
  name: 'a2c',
  description: 'A2C: synchronous advantage actor-critic with n-step returns (GAE optional), RMSprop as SB3; discrete or Box actions; needs a vector env (a single env is wrapped)',
  hyperparameters: A2C_HYPERPARAMETERS,
  build: (hp, context, policy, rng, saved) => new A2c(hp, context, policy, rng, saved),
  onnx: (hp) => ({
    loss: { kind: 'a2c', vfCoef: hp.vfCoef, entCoef: hp.entCoef },
    optimizer: hp.optimizer === 'rmsprop' ? { kind: 'rmsprop', alpha: hp.rmsAlpha, epsilon: hp.optimizerEps, maxGradNorm: hp.maxGradNorm } : { kind: 'adam', epsilon: hp.optimizerEps, maxGradNorm: hp.maxGradNorm },
    learningRate: hp.learningRate,
  }),
});
