// Parameter-shared PPO: one actor and one critic for every agent (PPO-clip,
// Schulman et al. 2017, shared as in Terry et al. 2020 and MAPPO's
// decentralized form, Yu et al. 2022), each agent's input row being its own
// observation plus a one-hot of its index (encoding.ts). Discrete actions
// (with action masks: illegal logits are set to -1e9 when acting and in the
// loss) or Box actions (a diagonal Gaussian with a state-independent log std,
// clipped to the bounds for the game, as agents/ppo.ts). In competitive games
// the learner meets its current self, a pool of snapshots of its actor, and
// fixed opponents (self-play.ts).
//
// Each iteration:
//   collect  nSteps game steps in every copy: one forward pass (actor and
//            critic) for all learner decisions of all copies, actions sampled
//            from the (masked) policy; opponents act in batches. Turn-based
//            games then finish the games in progress (no new ones start), so
//            that every transition closes inside the rollout
//   targets  GAE(lambda) over each agent's chain of decisions (advantages.ts),
//            on rewards times rewardScale; a transition cut by a truncation or
//            the rollout's end bootstraps from V of the observation it closed
//            on (every row closes inside its rollout: a parallel step closes
//            all of its decisions, and turn-based games are played out)
//   update   nEpochs passes of shuffled minibatches, one Adam step each on
//              L = -mean(min(r A, clip(r, 1 - c, 1 + c) A)) + vfCoef mean((V - R)^2) - entCoef H
//            (A normalized per minibatch), stopping early past targetKl
//            plus, when kickstarting (Schmitt et al. 2018, "Kickstarting deep
//            reinforcement learning"), k(t) times the cross-entropy from a
//            teacher policy's action in each decision (-mean log pi(a_teacher)),
//            k falling linearly from kickstartCoef to 0 over the first
//            kickstartFraction of the budget: the policy starts where the
//            teacher is and RL takes it on from there
//   pool     every snapshotEvery updates a copy of the actor joins the pool;
//            pool opponents sample from their policy
//   log      onEpisodeEnd per episode, onUpdate per iteration
//
// This file declares the learner's hyperparameters and registers it (building
// a new one, loading a saved one); the learner is shared-ppo-learner.ts, one
// rollout's rows stream-buffer.ts.
import { Rng } from '../../core/rng.js';
import { describeSpace } from '../../core/spaces.js';
import { newVariable } from '../lib/actor-critic.js';
import { initBackend, tf, usesOnnx } from '../lib/backend.js';
import type { ActorCriticLoss, ActorCriticNetSpec } from '../lib/compute/actor-critic-model.js';
import { OnnxActorCritic } from '../lib/compute/actor-critic-model.js';
import type { Resolved } from '../lib/hparams.js';
import { bool, choice, int, list, num } from '../lib/hparams.js';
import type { Mlp } from '../lib/nets.js';
import { getWeights, loadMlp, mlp } from '../lib/nets.js';
import { actionSize, ObservationEncoder, sharedSpaces } from './encoding.js';
import type { LearnerContext } from './learner.js';
import { registerLearner } from './learner.js';
import { SELF_PLAY_HYPERPARAMETERS } from './self-play.js';
import type { SharedPpoState } from './shared-ppo-learner.js';
import { SharedPpo } from './shared-ppo-learner.js';


export const SHARED_PPO_HYPERPARAMETERS = {
  nSteps: int(128, 'game steps per copy in each rollout (turn-based games then finish the games in progress)', { min: 1 }),
  batchSize: int(256, 'rows per minibatch', { min: 1 }),
  nEpochs: int(4, 'passes over each rollout', { min: 1 }),
  learningRate: num(3e-4, 'Adam step size (the start value when annealed)', { min: 0, exclusiveMin: true }),
  lrSchedule: choice('linear', ['constant', 'linear'] as const, "'linear' anneals the learning rate to 0 over the budget"),
  gamma: num(0.99, "discount per step of the agent's own decisions", { min: 0, max: 1 }),
  gaeLambda: num(0.95, 'GAE lambda', { min: 0, max: 1 }),
  clipRange: num(0.2, 'PPO clip epsilon on the probability ratio', { min: 0, exclusiveMin: true }),
  normalizeAdvantage: bool(true, 'normalize advantages to mean 0, std 1 in each minibatch'),
  entCoef: num(0.01, 'entropy bonus coefficient', { min: 0 }),
  vfCoef: num(0.5, 'value loss coefficient (mean squared error, without 1/2)', { min: 0 }),
  rewardScale: num(1, 'rewards are multiplied by this before learning (keeps value losses, which share the gradient clip with the policy, small)', { min: 0, exclusiveMin: true }),
  maxGradNorm: num(0.5, 'clip of the global gradient norm', { min: 0, exclusiveMin: true }),
  targetKl: num(0, 'stop the epochs once the approximate KL exceeds this (0: never)', { min: 0 }),
  hidden: list([64, 64], 'hidden layer sizes of the actor and of the critic'),
  activation: choice('tanh', ['tanh', 'relu'] as const, 'hidden-layer activation'),
  logStdInit: num(0, 'initial log standard deviation of the Gaussian policy (Box actions)'),
  agentIdInput: bool(true, "append a one-hot of the agent's index to its observation"),
  teamReward: bool(true, "parallel games: learn from the side's mean reward of each step (the shared team reward)"),
  kickstartCoef: num(0, "kickstarting: start weight of the cross-entropy to the teacher's actions (needs a teacher; 0: off)", { min: 0 }),
  kickstartFraction: num(0.25, 'kickstarting: fraction of the budget over which that weight falls linearly to 0', { min: 0, max: 1, exclusiveMin: true }),
  ...SELF_PLAY_HYPERPARAMETERS,
} as const;

export type SharedPpoHyperparameters = Resolved<typeof SHARED_PPO_HYPERPARAMETERS>;

function checkSetup(context: LearnerContext): void {
  for (const a of context.game.possibleAgents) {
    const s = context.game.actionSpaces[a]!;
    if (s.type !== 'discrete' && !(s.type === 'box' && s.dtype === 'float32')) throw new TypeError(`shared-ppo: needs Discrete or float32 Box action spaces, ${a} has ${describeSpace(s)}`);
  }
}

/** On backend 'onnx', the ONNX Runtime model that acts and trains from these nets' weights (compute/actor-critic-model.ts), else null. */
async function onnxModel(hp: SharedPpoHyperparameters, context: LearnerContext, actor: Mlp, critic: Mlp, logStd: tf.Variable | null): Promise<OnnxActorCritic | null> {
  if (!usesOnnx(context.backend)) return null;
  const discrete = logStd === null;
  const spec: ActorCriticNetSpec = { actorSizes: actor.sizes, criticSizes: critic.sizes, activation: actor.activation, discrete, ...(discrete ? { masked: true } : {}) };
  const loss: ActorCriticLoss = { kind: 'ppo', vfCoef: hp.vfCoef, entCoef: hp.entCoef, clipRangeVf: 0, ...(hp.kickstartCoef > 0 ? { imitation: true } : {}) };
  const params = getWeights({ variables: [...actor.variables, ...critic.variables, ...(logStd ? [logStd] : [])] }).data;
  return OnnxActorCritic.create(spec, loss, { kind: 'adam', epsilon: 1e-5, maxGradNorm: hp.maxGradNorm }, params, hp.learningRate);
}

registerLearner({
  name: 'shared-ppo',
  description: 'parameter-shared PPO: one actor-critic for all agents (agent id one-hot input), masked logits, GAE per agent stream, self-play pool; Discrete or Box actions',
  hyperparameters: SHARED_PPO_HYPERPARAMETERS,
  backends: { tfjs: true },
  async create(hp, context) {
    checkSetup(context);
    // On 'onnx' the tfjs variables still hold the nets for saving and pool snapshots (which act on tfjs).
    await initBackend(usesOnnx(context.backend) ? 'auto' : (context.backend ?? 'auto'));
    const g = context.game;
    const spaces = sharedSpaces('shared-ppo', g.possibleAgents, g.observationSpaces, g.actionSpaces);
    const encoder = new ObservationEncoder(spaces.observation, g.possibleAgents.length, hp.agentIdInput);
    const nOut = actionSize(spaces.action);
    const root = new Rng(context.seed);
    const rng = new Rng(root.nextSeed());
    const actRng = new Rng(root.nextSeed());
    const init = { activation: hp.activation, init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    const actor = mlp([encoder.inputDim, ...hp.hidden, nOut], rng, { ...init, outputGain: 0.01 });
    const critic = mlp([encoder.inputDim, ...hp.hidden, 1], rng, { ...init, outputGain: 1 });
    const logStd = spaces.action.type === 'box' ? newVariable(tf.fill([nOut], hp.logStdInit)) : null;
    return new SharedPpo(hp, context, actor, critic, logStd, rng, actRng, await onnxModel(hp, context, actor, critic, logStd));
  },
  async load(hp, context, manifest, dir) {
    checkSetup(context);
    await initBackend(usesOnnx(context.backend) ? 'auto' : (context.backend ?? 'auto'));
    const s = manifest.state as unknown as SharedPpoState;
    if (!s?.counters || !s.rng || !s.actRng || typeof s.optimizerStep !== 'number') throw new Error(`shared-ppo: ${dir}/learner.json has no complete state (counters, generators, optimizerStep)`);
    const actor = await loadMlp(dir, 'actor');
    const critic = await loadMlp(dir, 'critic');
    const logStd = s.logStd ? newVariable(tf.tensor1d(s.logStd)) : null;
    const learner = new SharedPpo(hp, context, actor, critic, logStd, Rng.fromState(s.rng), Rng.fromState(s.actRng), await onnxModel(hp, context, actor, critic, logStd));
    await learner.restore(dir, s);
    return learner;
  },
});
