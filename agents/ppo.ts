// PPO-clip: Proximal Policy Optimization (Schulman et al. 2017), following
// CleanRL's ppo.py / ppo_continuous_action.py and Stable-Baselines3's PPO
// (whose rl-baselines3-zoo hyperparameters the recipes in agents/recipes use).
//
// Each iteration: collect nSteps steps from every copy of a vector env with the
// current policy; compute GAE(lambda) advantages and value targets
// (agents/lib/advantages.ts: truncated episodes bootstrap from V(final obs),
// terminated ones do not, autoreset rows are skipped); then nEpochs passes of
// shuffled minibatches, each one Adam step (eps 1e-5, global grad-norm clip) on
//   L = -mean(min(r A, clip(r, 1 - c, 1 + c) A)) + vfCoef * mean((V - R)^2) - entCoef * H
// with r = pi(a|s) / pi_old(a|s) and A normalized per minibatch.
//
// Details (the "37 implementation details" of Huang et al. 2022, as CleanRL
// and SB3 do them): separate actor and critic MLPs (tanh, 64-64) with
// orthogonal init, gains sqrt(2) for hidden layers, 0.01 for the policy head
// and 1 for the value head; one combined loss and one optimizer step per
// minibatch; a state-independent log std for continuous actions, whose sampled
// (unclipped) action is stored for the log-probabilities while the env gets it
// clipped to the Box bounds; optional observation normalization (running
// mean/std, clipped, saved with the agent) and reward normalization (scaled by
// the running std of the discounted return, as SB3's VecNormalize); optional
// linear annealing of the learning rate and the clip range to 0 over the learn
// call (SB3's lin_<x>; the value at each rollout's start, as CleanRL's
// anneal_lr); optional value clipping in PPO2's form,
// max((V - R)^2, (V_old + clip(V - V_old, +-c_vf) - R)^2); and an optional
// early stop of the epochs once the approximate KL (CleanRL's (r - 1) - log r)
// of the last minibatch exceeds targetKl. The value loss has no factor 1/2, as
// in SB3 (CleanRL halves it): vfCoef values carry over from SB3 recipes. The loss
// and the target-KL stop are agents/lib/ppo-loss.ts, shared with multi/shared-ppo.ts.
//
// Pixel observations (a uint8 Box image [H, W, C]) get a convolutional trunk
// (agents/lib/cnn.ts, Nature-DQN style, scaling pixels by 1/255 itself)
// shared by the policy and value heads, each one linear layer on its
// features, as CleanRL's ppo_atari.py and SB3's CnnPolicy (whose value loss
// then also trains the shared trunk, weighted by vfCoef). `policy: 'auto'`
// picks it for such spaces and the MLPs otherwise.
//
// The defaults are CleanRL ppo.py's (for its 4 envs: minibatches of 128),
// except value clipping, off as in SB3. agents/recipes/ppo.ts holds tuned
// recipes with what they reached. The policy, the agent shell and the rollout
// pieces are agents/lib's actor-critic library (actor-critic.ts,
// actor-critic-agent.ts, rollout.ts), shared with A2C.
//
// Steps are counted per env per vector step, autoreset steps included (as
// CleanRL does with Gymnasium 1.x). A rollout is never cut short, so learn()
// stops at the first multiple of nSteps x nEnvs at or past totalSteps (as SB3).
import type { Rng } from '../core/rng.js';
import type { AgentContext, LearnOptions, LearnResult } from './agent.js';
import type { ActorCritic } from './lib/actor-critic.js';
import { POLICY_HYPERPARAMETERS } from './lib/actor-critic.js';
import type { SavedActorCritic } from './lib/actor-critic-agent.js';
import { ActorCriticAgent, onnxOptimizer, registerActorCriticAgent } from './lib/actor-critic-agent.js';
import { computeGae, validRows } from './lib/advantages.js';
import { cnnPolicyHyperparameters } from './lib/cnn.js';
import { tf } from './lib/backend.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, int, layerMemory, list, num } from './lib/hparams.js';
import { Optimizer } from './lib/nets.js';
import type { MinibatchStats } from './lib/ppo-loss.js';
import { lastApproxKl, meanStats, ppoLoss, ppoTerms, stopsEarly } from './lib/ppo-loss.js';
import { collectRollout, explainedVariance, Minibatch, RolloutBuffer, shuffle, startSession, trainingVectorEnv } from './lib/rollout.js';
import { linearSchedule } from './lib/schedules.js';

export const PPO_HYPERPARAMETERS = {
  nSteps: int(128, 'steps per env in each rollout (a rollout holds nSteps x nEnvs transitions)', { min: 1 }),
  batchSize: int(128, 'minibatch size of each gradient step (SB3 batch_size)', { min: 1 }),
  nEpochs: int(4, 'passes over each rollout', { min: 1 }),
  learningRate: num(2.5e-4, 'Adam step size (the start value when annealed)', { min: 0, exclusiveMin: true }),
  lrSchedule: choice('linear', ['constant', 'linear'] as const, "'linear' anneals the learning rate to 0 over the learn call (CleanRL anneal_lr)"),
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  gaeLambda: num(0.95, 'GAE lambda (1: Monte Carlo up to the rollout end, 0: one-step TD)', { min: 0, max: 1 }),
  clipRange: num(0.2, 'PPO clip epsilon on the probability ratio', { min: 0, exclusiveMin: true }),
  clipSchedule: choice('constant', ['constant', 'linear'] as const, "'linear' anneals the clip range to 0 over the learn call (SB3 lin_0.2)"),
  clipRangeVf: num(0, 'clip of the value change around the rollout value, PPO2 style (0: no value clipping)', { min: 0 }),
  normalizeAdvantage: bool(true, 'normalize advantages to mean 0, std 1 in each minibatch'),
  entCoef: num(0.01, 'entropy bonus coefficient', { min: 0 }),
  vfCoef: num(0.5, 'value loss coefficient (the loss is mean squared error, without 1/2)', { min: 0 }),
  maxGradNorm: num(0.5, 'clip of the global gradient norm', { min: 0, exclusiveMin: true }),
  targetKl: num(0, 'stop the epochs of an update once the approximate KL exceeds this (0: never)', { min: 0 }),
  hidden: list([64, 64], 'hidden layer sizes of the actor and of the critic (mlp policy)', { memory: layerMemory(2) }),
  activation: choice('tanh', ['tanh', 'relu'] as const, 'hidden-layer activation (mlp policy)'),
  ...cnnPolicyHyperparameters('a conv trunk shared by linear policy and value heads'),
  ...POLICY_HYPERPARAMETERS,
} as const;

export type PpoHyperparameters = Resolved<typeof PPO_HYPERPARAMETERS>;

class Ppo extends ActorCriticAgent<PpoHyperparameters> {
  readonly algorithm = 'ppo';

  /** Adam on the tfjs variables, or null on backend 'onnx' (the policy's ONNX model then steps). */
  private readonly tfOptimizer: Optimizer | null;

  constructor(hyperparameters: PpoHyperparameters, context: AgentContext, policy: ActorCritic, rng: Rng, saved?: SavedActorCritic) {
    const tfOptimizer = policy.onnx ? null : new Optimizer(policy.variables, hyperparameters.learningRate, { maxGradNorm: hyperparameters.maxGradNorm, epsilon: 1e-5 });
    super(hyperparameters, context, policy, rng, tfOptimizer ?? onnxOptimizer(policy.onnx!), saved);
    this.tfOptimizer = tfOptimizer;
  }

  async learn({ env, vecEnv, totalSteps, scheduleSteps, hooks = {} }: LearnOptions): Promise<LearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const vec = trainingVectorEnv('ppo', this.context, env, vecEnv);
    if (!(totalSteps >= 0)) throw new RangeError(`ppo.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const buf = new RolloutBuffer(hp.nSteps, vec.numEnvs, this.policy);
    const lastValues = new Float32Array(vec.numEnvs);
    await this.policy.onnx?.prepare(Math.min(hp.batchSize, buf.size));
    if (this.counters.steps < totalSteps) {
      const session = startSession(vec, this.policy, this.rng);
      while (this.counters.steps < totalSteps) {
        // Training progress in [0, 1) at the rollout's start, for the annealed learning rate and clip range (as CleanRL).
        const progress = Math.min(1, this.counters.steps / (scheduleSteps ?? totalSteps));
        // 1. collect a rollout with the current policy
        const stopped = collectRollout(this.policy, buf, session, this.rng, this.counters, hooks, this.retRms, hp);
        if (stopped) break;
        // 2. targets: GAE advantages and returns, bootstrapped from V(obs after the rollout)
        this.policy.values(session.x, vec.numEnvs, lastValues);
        computeGae(buf, lastValues, hp.gamma, hp.gaeLambda, buf.advantages, buf.returns);
        // 3. update
        const metrics = this.update(buf, progress);
        this.counters.updates += 1;
        // 4. log
        hooks.onUpdate?.({ step: this.counters.steps, metrics });
      }
    }
    return { steps: this.counters.steps, episodes: this.counters.episodes, seconds: (performance.now() - start) / 1000 };
  }

  /** nEpochs passes of shuffled minibatches over the rollout's real transitions. */
  private update(buf: RolloutBuffer, progress: number): Record<string, number> {
    const hp = this.hyperparameters;
    const policy = this.policy;
    const lr = hp.lrSchedule === 'linear' ? linearSchedule(hp.learningRate, 0)(progress) : hp.learningRate;
    const clip = hp.clipSchedule === 'linear' ? linearSchedule(hp.clipRange, 0)(progress) : hp.clipRange;
    this.optimizer.learningRate = lr;
    const n = validRows(buf.autoreset, buf.size, buf.rows);
    const mb = new Minibatch(Math.min(hp.batchSize, n), policy);
    const onnx = policy.onnx;
    // Per minibatch: policy loss, value loss, entropy, approx KL, clip fraction (as tensors on tfjs, read back once).
    const stats: MinibatchStats = { onnx: Boolean(onnx), rows: [], tensors: [] };
    let loss = 0;
    let gradNorm = 0;
    let epochs = 0;
    for (let epoch = 0; epoch < hp.nEpochs; epoch++) {
      shuffle(buf.rows, n, this.rng);
      for (let from = 0; from < n; from += hp.batchSize) {
        const size = mb.gather(buf, from, Math.min(from + hp.batchSize, n), hp.normalizeAdvantage);
        if (onnx) {
          const r = onnx.step(mb, size, clip);
          stats.rows.push(r.stats);
          loss = r.loss;
          gradNorm = r.gradNorm;
          continue;
        }
        const t = mb.tensors(size);
        const r = this.tfOptimizer!.step(() => {
          const { logp, entropy, value } = policy.evaluate(t.obs, t.actions);
          const terms = ppoTerms(
            { logp, oldLogp: t.logProbs, advantages: t.advantages, value, oldValues: t.values, returns: t.returns },
            clip,
            hp.clipRangeVf,
          );
          // Diagnostics (off the loss's gradient path), kept past the step's tidy.
          stats.tensors.push(tf.keep(tf.stack([terms.policyLoss, terms.valueLoss, entropy, terms.approxKl, terms.clipFraction]) as tf.Tensor1D));
          return ppoLoss(terms, entropy, hp.vfCoef, hp.entCoef);
        });
        tf.dispose(Object.values(t));
        loss = r.loss;
        gradNorm = r.gradNorm;
      }
      epochs += 1;
      if (stopsEarly(hp.targetKl, () => lastApproxKl(stats))) break;
    }
    policy.readStd();
    if (stats.rows.length + stats.tensors.length === 0) return { learningRate: lr, clipRange: clip, epochs: 0 }; // a rollout of autoreset rows only
    const { metrics } = meanStats(stats);
    return {
      ...metrics,
      loss,
      gradNorm,
      explainedVariance: explainedVariance(buf, n),
      learningRate: lr,
      clipRange: clip,
      epochs,
      ...(policy.discrete ? {} : { std: Math.exp(policy.logStdValues()[0]!) }),
    };
  }
}

registerActorCriticAgent({
  name: 'ppo',
  description: 'PPO-clip (Schulman et al. 2017) with GAE, separate actor and critic MLPs (or a shared CNN trunk for image observations); discrete or Box actions; needs a vector env (a single env is wrapped)',
  hyperparameters: PPO_HYPERPARAMETERS,
  build: (hp, context, policy, rng, saved) => new Ppo(hp, context, policy, rng, saved),
  onnx: (hp) => ({
    loss: { kind: 'ppo', vfCoef: hp.vfCoef, entCoef: hp.entCoef, clipRangeVf: hp.clipRangeVf },
    optimizer: { kind: 'adam', epsilon: 1e-5, maxGradNorm: hp.maxGradNorm },
    learningRate: hp.learningRate,
  }),
});