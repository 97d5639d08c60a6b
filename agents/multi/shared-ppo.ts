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
// a new one, loading a saved one); the learner is shared-ppo-learner.ts, its
// nets on tfjs or ONNX Runtime shared-ppo-nets.ts, one rollout's rows
// stream-buffer.ts.
import { Rng } from '../../core/rng.js';
import { describeSpace } from '../../core/spaces.js';
import type { Resolved } from '../lib/hparams.js';
import { bool, choice, int, list, num } from '../lib/hparams.js';
import { actionSize, ObservationEncoder, sharedSpaces } from './encoding.js';
import type { LearnerContext } from './learner.js';
import { registerLearner } from './learner.js';
import { SELF_PLAY_HYPERPARAMETERS } from './self-play.js';
import type { SharedPpoState } from './shared-ppo-learner.js';
import { SharedPpo } from './shared-ppo-learner.js';
import type { SharedPpoShape } from './shared-ppo-nets.js';
import { createSharedPpo, initialWeights } from './shared-ppo-nets.js';

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

/** The nets' layer sizes for the context's game: encoded rows in, logits or Gaussian means (actor) and a value (critic) out. */
function netShape(hp: SharedPpoHyperparameters, context: LearnerContext): SharedPpoShape {
  const g = context.game;
  const spaces = sharedSpaces('shared-ppo', g.possibleAgents, g.observationSpaces, g.actionSpaces);
  const inputDim = new ObservationEncoder(spaces.observation, g.possibleAgents.length, hp.agentIdInput).inputDim;
  return { actorSizes: [inputDim, ...hp.hidden, actionSize(spaces.action)], criticSizes: [inputDim, ...hp.hidden, 1], discrete: spaces.action.type === 'discrete' };
}

registerLearner({
  name: 'shared-ppo',
  description: 'parameter-shared PPO: one actor-critic for all agents (agent id one-hot input), masked logits, GAE per agent stream, self-play pool; Discrete or Box actions',
  hyperparameters: SHARED_PPO_HYPERPARAMETERS,
  backends: { tfjs: true },
  async create(hp, context) {
    checkSetup(context);
    const root = new Rng(context.seed);
    const rng = new Rng(root.nextSeed());
    const actRng = new Rng(root.nextSeed());
    const shape = netShape(hp, context);
    const nets = await createSharedPpo(hp, context.backend, shape, initialWeights(shape, hp.activation, hp.logStdInit, rng));
    return new SharedPpo(hp, context, nets, rng, actRng);
  },
  async load(hp, context, manifest, dir) {
    checkSetup(context);
    const s = manifest.state as unknown as SharedPpoState;
    if (!s?.counters || !s.rng || !s.actRng || typeof s.optimizerStep !== 'number') throw new Error(`shared-ppo: ${dir}/learner.json has no complete state (counters, generators, optimizerStep)`);
    const nets = await createSharedPpo(hp, context.backend, netShape(hp, context), { dir, logStd: s.logStd ?? null });
    const learner = new SharedPpo(hp, context, nets, Rng.fromState(s.rng), Rng.fromState(s.actRng));
    await learner.restore(dir, s);
    return learner;
  },
});
