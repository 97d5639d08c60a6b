// DDPG: Deep Deterministic Policy Gradient (Lillicrap et al. 2016,
// "Continuous control with deep reinforcement learning"), as Stable-Baselines3
// does it (TD3's code with one critic, no target-policy smoothing and a policy
// delay of 1) and CleanRL's ddpg_continuous_action.py.
//
// An actor mu(s) = tanh(MLP(s)) in [-1, 1]^d (the action Box rescaled), a
// critic Q(s, a) = MLP([s, a]) on the concatenated state and rescaled action,
// and target copies mu', Q' that trail them by Polyak averaging. The loop
// (collect with mu(s) + noise, clipped; replay; updates) is
// agents/lib/continuous-agent.ts's. Each gradient step on a minibatch:
//   targets y = r + gamma (1 - terminated) Q'(s', mu'(s'));
//   Adam on the critic's mean (Q(s, a) - y)^2; every policyDelay-th critic
//   step, Adam on the actor's -mean Q(s, mu(s)), then both targets move:
//   theta' <- tau theta + (1 - tau) theta'.
//
// Nets: relu MLPs, orthogonal init (hidden gain sqrt 2), the actor's output
// layer at gain 0.01 so that mu starts near 0 (Lillicrap et al. draw it in
// +-3e-3 for the same reason), the critic's at 1. Like SB3's predict, act()
// returns mu(s) whether or not `deterministic` is set: the policy is
// deterministic, and exploration noise belongs to data collection.
//
// Two compute paths with the same files: tfjs (TfjsDdpgModel below, on the
// backend initBackend picks) and, for backend 'onnx', ONNX Runtime
// (agents/lib/compute/actor-critic.ts, one graph run per critic or actor step).
// The cnn policy (a conv trunk of its own under the actor and under the
// critic, cnn.ts's, as TD3's) runs on ONNX Runtime only.
import { Rng } from '../core/rng.js';
import type { AgentContext } from './agent.js';
import { registerAgent } from './agent.js';
import { initBackend, tf, usesOnnx } from './lib/backend.js';
import type { DeterministicSpec } from './lib/compute/actor-critic.js';
import { actorSizesOf, criticSizesOf, OnnxDeterministicModel } from './lib/compute/actor-critic.js';
import type { ConvTrunk } from './lib/compute/layers.js';
import { cnnInit, cnnPolicyHyperparameters, cnnTrunk } from './lib/cnn.js';
import { concatFloat32 } from './lib/compute/trainer.js';
import type { ContinuousModel, ModelOptimizers, OptimizerSteps } from './lib/continuous-model.js';
import { readOptimizers, restoreOptimizers, writeOptimizers } from './lib/continuous-model.js';
import { checkNoise, checkSpaces, ContinuousAgent, explorationNoise, loadReplay, LOOP_HYPERPARAMETERS, loopState, NOISE_HYPERPARAMETERS, SAVE_REPLAY_HYPERPARAMETER } from './lib/continuous-agent.js';
import type { Resolved } from './lib/hparams.js';
import { int, layerMemory, list, num } from './lib/hparams.js';
import type { Mlp } from './lib/nets.js';
import { applyForGradients, copyWeights, getWeights, loadMlp, loadWeightsInto, mlpFromData, mlpInit, Optimizer, saveMlp } from './lib/nets.js';
import type { ReplayBatch } from './lib/replay.js';

export const DDPG_HYPERPARAMETERS = {
  learningRate: num(1e-3, 'Adam step size of the actor and of the critic (SB3)', { min: 0, exclusiveMin: true }),
  ...LOOP_HYPERPARAMETERS,
  policyDelay: int(1, 'critic steps per actor and target update (DDPG: 1; TD3 uses 2)', { min: 1 }),
  ...NOISE_HYPERPARAMETERS,
  noiseStd: num(0.1, 'noise scale sigma, in units of half the action range', { min: 0 }),
  hidden: list([400, 300], 'hidden layer sizes of the actor and of the critic (relu; SB3 DDPG)', { memory: layerMemory(4) }),
  ...cnnPolicyHyperparameters('a conv trunk of its own under the actor and under the critic (backend onnx)', 'the actor and critic'),
  ...SAVE_REPLAY_HYPERPARAMETER,
} as const;

export type DdpgHyperparameters = Resolved<typeof DDPG_HYPERPARAMETERS>;

/** TD targets y = r + gamma (1 - terminated) Q'(s', mu'(s')): no bootstrap from a terminal state, full bootstrap otherwise (truncation included). */
export function tdTargets(rewards: tf.Tensor1D, terminated: tf.Tensor1D, nextQ: tf.Tensor1D, gamma: number): tf.Tensor1D {
  return tf.tidy(() => tf.add(rewards, tf.mul(tf.mul(tf.sub(1, terminated), gamma), nextQ)));
}

interface Nets {
  actor: Mlp;
  critic: Mlp;
  actorTarget: Mlp;
  criticTarget: Mlp;
}

const NET_NAMES = ['actor', 'critic', 'actorTarget', 'criticTarget'] as const;

/** DDPG's nets and updates on TensorFlow.js. */
class TfjsDdpgModel implements ContinuousModel {
  private readonly actorOptimizer: Optimizer;
  private readonly criticOptimizer: Optimizer;

  constructor(
    private readonly hp: DdpgHyperparameters,
    private readonly nets: Nets,
    optimizers?: ModelOptimizers,
  ) {
    this.actorOptimizer = new Optimizer(nets.actor.variables, hp.learningRate);
    this.criticOptimizer = new Optimizer(nets.critic.variables, hp.learningRate);
    restoreOptimizers(this.actorOptimizer, this.criticOptimizer, optimizers);
  }

  act(s: Float32Array): Float32Array {
    const out = tf.tidy(() => mu(this.nets.actor, tf.tensor2d(s, [1, s.length])));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  value(s: Float32Array): number {
    const out = tf.tidy(() => {
      const x = tf.tensor2d(s, [1, s.length]);
      return q(this.nets.critic, x, mu(this.nets.actor, x));
    });
    const value = out.dataSync()[0]!;
    out.dispose();
    return value;
  }

  update(b: ReplayBatch, _rng: Rng, update: number): Record<string, number> {
    const hp = this.hp;
    const { actor, critic, actorTarget, criticTarget } = this.nets;
    const n = b.size;
    const obsDim = b.obs.length / n;
    const obs = tf.tensor2d(b.obs, [n, obsDim]);
    const actions = tf.tensor2d(b.actions, [n, b.actions.length / n]);
    const nextObs = tf.tensor2d(b.nextObs, [n, obsDim]);
    const rewards = tf.tensor1d(b.rewards);
    const terminated = tf.tensor1d(b.terminated);
    const y = tf.tidy(() => tdTargets(rewards, terminated, q(criticTarget, nextObs, mu(actorTarget, nextObs)), hp.gamma));
    const criticLoss = this.criticOptimizer.step(() => tf.mean(tf.square(tf.sub(q(critic, obs, actions, true), y))) as tf.Scalar).loss;
    let actorLoss = Number.NaN;
    if (update % hp.policyDelay === 0) {
      actorLoss = this.actorOptimizer.step(() => tf.neg(tf.mean(q(critic, obs, mu(actor, obs, true), true))) as tf.Scalar).loss;
      copyWeights(actorTarget, actor, hp.tau);
      copyWeights(criticTarget, critic, hp.tau);
    }
    tf.dispose([obs, actions, nextObs, rewards, terminated, y]);
    return { criticLoss, actorLoss };
  }

  async warmStart(dir: string, who: string): Promise<void> {
    await loadWeightsInto(this.nets.actor, dir, 'actor', who);
    await loadWeightsInto(this.nets.critic, dir, 'critic', who);
    copyWeights(this.nets.actorTarget, this.nets.actor);
    copyWeights(this.nets.criticTarget, this.nets.critic);
  }

  async save(dir: string): Promise<Record<string, unknown>> {
    for (const name of NET_NAMES) await saveMlp(this.nets[name], dir, name);
    return writeOptimizers(dir, { actor: this.actorOptimizer.getState(), critic: this.criticOptimizer.getState() });
  }

  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    for (const name of NET_NAMES) this.nets[name].dispose();
  }
}

/** mu(s) = tanh(actor(s)), in [-1, 1]^d; `forGradients` when the loss differentiates through it. */
function mu(actor: Mlp, obs: tf.Tensor2D, forGradients = false): tf.Tensor2D {
  return tf.tanh(forGradients ? applyForGradients(actor, obs) : actor.apply(obs));
}

/** Q(s, a) as a vector [batch]. */
function q(critic: Mlp, obs: tf.Tensor2D, actions: tf.Tensor2D, forGradients = false): tf.Tensor1D {
  const x = tf.concat([obs, actions], 1);
  return tf.reshape(forGradients ? applyForGradients(critic, x) : critic.apply(x), [-1]) as tf.Tensor1D;
}

/**
 * The initial weights of DDPG's four nets (actor, critic, then their targets,
 * drawn in that order from `rng` whatever the backend; the targets then start
 * as copies of the online nets). With a conv trunk, each net's trunk weights
 * (cnn.ts's init) are drawn before its MLP's and come first.
 */
export function initialWeights(actorSizes: readonly number[], criticSizes: readonly number[], rng: Rng, trunk?: ConvTrunk): { actor: Float32Array[]; critic: Float32Array[] } {
  const init = { activation: 'relu', init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
  const trunkOf = () => (trunk ? [cnnInit(trunk.inputShape, rng, trunk.options)] : []);
  const actor = [...trunkOf(), ...mlpInit(actorSizes, rng, { ...init, outputGain: 0.01 })];
  const critic = [...trunkOf(), ...mlpInit(criticSizes, rng, { ...init, outputGain: 1 })];
  // The targets' own draws keep a seed's stream as it was when they were separate nets.
  mlpInit(actorSizes, rng, init);
  mlpInit(criticSizes, rng, init);
  return { actor, critic };
}

function onnxSpec(hp: DdpgHyperparameters, obsDim: number, actionDim: number, trunk: ConvTrunk | undefined): DeterministicSpec {
  return { ...hp, algorithm: 'ddpg', obsDim, actionDim, critics: 1, targetNoise: 0, targetNoiseClip: 0, ...(trunk ? { trunk } : {}) };
}

/** The conv trunk of the cnn policy (undefined for the mlp policy); on a tfjs backend the cnn policy is refused, saying where it runs. */
function trunkOf(hp: DdpgHyperparameters, context: AgentContext): ConvTrunk | undefined {
  const trunk = cnnTrunk('ddpg', context, hp);
  if (trunk && !usesOnnx(context.backend)) {
    throw new Error(`ddpg: the cnn policy (image observations, policy '${hp.policy}') runs on backend 'onnx' only, got backend '${context.backend}'; use backend onnx (or auto), or policy 'mlp' on flat observations`);
  }
  return trunk;
}

function makeAgent(hp: DdpgHyperparameters, context: AgentContext, model: ContinuousModel, rng: Rng, saved?: ConstructorParameters<typeof ContinuousAgent>[6]): ContinuousAgent {
  return new ContinuousAgent('ddpg', hp, context, model, explorationNoise(hp, checkSpaces('ddpg', context).act.low.length), rng, saved);
}

registerAgent({
  name: 'ddpg',
  warmStartsFrom: ['ddpg'],
  description:
    'DDPG (Lillicrap et al. 2016): deterministic tanh actor, Q(s, a) critic, Polyak-averaged target nets, replay, Gaussian or Ornstein-Uhlenbeck exploration; Box actions',
  hyperparameters: DDPG_HYPERPARAMETERS,
  backends: { tfjs: true },
  async create(hp, context) {
    checkNoise('ddpg', hp);
    const { obs, act } = checkSpaces('ddpg', context);
    const obsDim = obs.low.length;
    const actionDim = act.low.length;
    const trunk = trunkOf(hp, context);
    const spec = onnxSpec(hp, obsDim, actionDim, trunk);
    const rng = new Rng(context.seed);
    const [actorSizes, criticSizes] = [actorSizesOf(spec), criticSizesOf(spec)];
    const w = initialWeights(actorSizes, criticSizes, rng, trunk);
    let model: ContinuousModel;
    if (usesOnnx(context.backend)) {
      const actor = concatFloat32(w.actor);
      const critic = concatFloat32(w.critic);
      model = await OnnxDeterministicModel.create(spec, { actor, critic, actorTarget: actor, criticTarget: critic });
    } else {
      await initBackend(context.backend ?? 'auto');
      const actor = mlpFromData(actorSizes, 'relu', w.actor);
      const critic = mlpFromData(criticSizes, 'relu', w.critic);
      model = new TfjsDdpgModel(hp, { actor, critic, actorTarget: mlpFromData(actorSizes, 'relu', getWeights(actor).data), criticTarget: mlpFromData(criticSizes, 'relu', getWeights(critic).data) });
    }
    return makeAgent(hp, context, model, rng);
  },
  async load(hp, context, manifest, dir) {
    checkNoise('ddpg', hp);
    const s = loopState('ddpg', manifest, true);
    const steps = (s as Partial<OptimizerSteps>).optimizerSteps;
    if (!steps) throw new Error('ddpg: agent.json has no complete state (optimizerSteps)');
    const { obs, act } = checkSpaces('ddpg', context);
    const obsDim = obs.low.length;
    const actionDim = act.low.length;
    const trunk = trunkOf(hp, context);
    const optimizers = await readOptimizers(dir, steps);
    let model: ContinuousModel;
    if (usesOnnx(context.backend)) {
      const spec = onnxSpec(hp, obsDim, actionDim, trunk);
      model = await OnnxDeterministicModel.create(spec, await OnnxDeterministicModel.readWeights(spec, dir, 'ddpg'), optimizers);
    } else {
      await initBackend(context.backend ?? 'auto');
      const [actor, critic, actorTarget, criticTarget] = await Promise.all(NET_NAMES.map((name) => loadMlp(dir, name)));
      model = new TfjsDdpgModel(hp, { actor: actor!, critic: critic!, actorTarget: actorTarget!, criticTarget: criticTarget! }, optimizers);
    }
    return makeAgent(hp, context, model, Rng.fromState(s.rng), { state: s, replay: await loadReplay(dir, s, hp.bufferSize, obsDim, actionDim) });
  },
});
