// TD3: Twin Delayed DDPG (Fujimoto et al. 2018, "Addressing Function
// Approximation Error in Actor-Critic Methods"), as Stable-Baselines3 does it.
// DDPG's deterministic actor mu(s) = tanh(MLP(s)) with three changes:
//   - twin critics Q1, Q2 (one Adam over both), each regressed on the same
//     target y = r + gamma (1 - terminated) min(Q1', Q2')(s', a'), the loss the
//     sum of their mean squared errors (clipped double Q-learning);
//   - target policy smoothing: a' = clip(mu'(s') + clip(eps, -c, c), -1, 1),
//     eps ~ N(0, targetPolicyNoise^2) per element, c = targetNoiseClip (in
//     units of half the action range, as actions are rescaled to [-1, 1]);
//   - delayed updates: the actor (on -mean Q1(s, mu(s))) and all targets move
//     every policyDelay-th critic step.
// Exploration, replay and the loop are DDPG's (agents/lib/continuous-agent.ts).
//
// TD3 runs on ONNX Runtime only (agents/lib/compute/actor-critic.ts, the graphs
// DDPG's backend 'onnx' uses, with two critics and the smoothing noise fed in):
// 'auto' means 'onnx' for it, and a TensorFlow.js backend asked for by name is
// refused. Checkpoints hold actor, critic, critic2 and their targets in
// nets.ts's files, both optimizers' moments, the generator, the noise state,
// the counters and (saveReplay) the replay buffer: resume is exact.
import { Rng } from '../core/rng.js';
import type { AgentContext } from './agent.js';
import { registerAgent } from './agent.js';
import { requireOnnx } from './lib/backend.js';
import type { DeterministicSpec } from './lib/compute/actor-critic.js';
import { actorSizesOf, criticSizesOf, OnnxDeterministicModel } from './lib/compute/actor-critic.js';
import type { ConvTrunk } from './lib/compute/layers.js';
import { cnnInit, cnnPolicyHyperparameters, cnnTrunk } from './lib/cnn.js';
import { concatFloat32 } from './lib/compute/trainer.js';
import { checkNoise, checkSpaces, ContinuousAgent, explorationNoise, loadReplay, LOOP_HYPERPARAMETERS, loopState, NOISE_HYPERPARAMETERS, SAVE_REPLAY_HYPERPARAMETER } from './lib/continuous-agent.js';
import type { ContinuousModel, OptimizerSteps } from './lib/continuous-model.js';
import { readOptimizers } from './lib/continuous-model.js';
import type { Resolved } from './lib/hparams.js';
import { int, layerMemory, list, num } from './lib/hparams.js';
import { mlpInit } from './lib/nets.js';

export const TD3_HYPERPARAMETERS = {
  learningRate: num(1e-3, 'Adam step size of the actor and of the critics (SB3)', { min: 0, exclusiveMin: true }),
  ...LOOP_HYPERPARAMETERS,
  policyDelay: int(2, 'critic steps per actor and target update', { min: 1 }),
  targetPolicyNoise: num(0.2, 'std of the Gaussian noise added to the target action (target policy smoothing; 0: none)', { min: 0 }),
  targetNoiseClip: num(0.5, 'clip of that noise, +-', { min: 0, exclusiveMin: true }),
  ...NOISE_HYPERPARAMETERS,
  hidden: list([400, 300], 'hidden layer sizes of the actor and of each critic (relu; SB3 TD3)', { memory: layerMemory(6) }),
  ...cnnPolicyHyperparameters('a conv trunk of its own under the actor and under each critic', 'the actor and critics'),
  ...SAVE_REPLAY_HYPERPARAMETER,
} as const;

export type Td3Hyperparameters = Resolved<typeof TD3_HYPERPARAMETERS>;

function check(hp: Td3Hyperparameters, context: AgentContext): { obsDim: number; actionDim: number; trunk: ConvTrunk | undefined } {
  requireOnnx('td3', context.backend);
  checkNoise('td3', hp);
  const { obs, act } = checkSpaces('td3', context);
  return { obsDim: obs.low.length, actionDim: act.low.length, trunk: cnnTrunk('td3', context, hp) };
}

/** The model spec of a TD3 agent with these hyperparameters (bench:nets builds its model the same way). */
export function td3Spec(hp: Td3Hyperparameters, obsDim: number, actionDim: number, trunk: ConvTrunk | undefined): DeterministicSpec {
  return { ...hp, algorithm: 'td3', obsDim, actionDim, critics: 2, targetNoise: hp.targetPolicyNoise, targetNoiseClip: hp.targetNoiseClip, ...(trunk ? { trunk } : {}) };
}

function makeAgent(hp: Td3Hyperparameters, context: AgentContext, model: ContinuousModel, actionDim: number, rng: Rng, saved?: ConstructorParameters<typeof ContinuousAgent>[6]): ContinuousAgent {
  return new ContinuousAgent('td3', hp, context, model, explorationNoise(hp, actionDim), rng, saved);
}

registerAgent({
  name: 'td3',
  warmStartsFrom: ['td3'],
  description:
    'TD3 (Fujimoto et al. 2018): DDPG with twin critics, target policy smoothing and delayed actor and target updates; Box actions; ONNX Runtime',
  hyperparameters: TD3_HYPERPARAMETERS,
  backends: { tfjs: false },
  async create(hp, context) {
    const { obsDim, actionDim, trunk } = check(hp, context);
    const sp = td3Spec(hp, obsDim, actionDim, trunk);
    const rng = new Rng(context.seed);
    const init = { activation: 'relu', init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    // Each net: its trunk's weights (cnn policy, cnn.ts's init), then its MLP's.
    const net = (sizes: number[], outputGain: number) => [...(trunk ? [cnnInit(trunk.inputShape, rng, trunk.options)] : []), ...mlpInit(sizes, rng, { ...init, outputGain })];
    const actor = concatFloat32(net(actorSizesOf(sp), 0.01));
    const critic = concatFloat32([0, 1].flatMap(() => net(criticSizesOf(sp), 1)));
    const model = await OnnxDeterministicModel.create(sp, { actor, critic, actorTarget: actor, criticTarget: critic });
    return makeAgent(hp, context, model, actionDim, rng);
  },
  async load(hp, context, manifest, dir) {
    const { obsDim, actionDim, trunk } = check(hp, context);
    const s = loopState('td3', manifest, true);
    const steps = (s as Partial<OptimizerSteps>).optimizerSteps;
    if (!steps) throw new Error('td3: agent.json has no complete state (optimizerSteps)');
    const sp = td3Spec(hp, obsDim, actionDim, trunk);
    const model = await OnnxDeterministicModel.create(sp, await OnnxDeterministicModel.readWeights(sp, dir, 'td3'), await readOptimizers(dir, steps));
    return makeAgent(hp, context, model, actionDim, Rng.fromState(s.rng), { state: s, replay: await loadReplay(dir, s, hp.bufferSize, obsDim, actionDim) });
  },
});
