// SAC: Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic
// Algorithms and Applications"), as Stable-Baselines3 does it: a squashed
// Gaussian policy a = tanh(u), u ~ N(mean(s), std(s)^2) (log-density with the
// tanh correction), twin critics with Polyak-averaged targets regressed on
//   y = r + gamma (1 - terminated) (min(Q1', Q2')(s', a') - alpha log pi(a'|s')),
// a' ~ pi(.|s'), the actor on mean(alpha log pi(a|s) - min(Q1, Q2)(s, a)) with
// a reparameterized sample, and the entropy coefficient alpha either fixed
// (entCoef 'fixed', alpha = entCoefInit) or tuned ('auto', SB3's default) by
// Adam on -log(alpha) (log pi + target entropy), target entropy -dim(A).
// Each gradient step: critic, actor, then alpha (alpha in this step's losses is
// its value before the step, as in SB3); critic targets every
// targetUpdateInterval steps. Collection samples from the policy (uniform
// below learningStarts); act() samples unless `deterministic` (tanh(mean)).
// The loop is agents/lib/continuous-agent.ts's, the nets
// agents/lib/compute/sac-model.ts's.
//
// SAC runs on ONNX Runtime only: 'auto' means 'onnx' for it, and a
// TensorFlow.js backend asked for by name is refused. Checkpoints hold actor,
// critic, critic2 and the critics' targets in nets.ts's files, both
// optimizers' moments, alpha and its Adam state, the generator, the counters
// and (saveReplay) the replay buffer: resume is exact. With useSde the actor
// explores with gSDE (agents/lib/compute/gsde.ts); its log-std matrix and the
// collection's exploration matrix are saved too.
//
// The cnn policy (uint8 image observations [H, W, C]; policy 'auto' or 'cnn',
// cnn.ts's hyperparameters): a conv trunk of its own under the actor and one
// under the twin critics, which both Q heads share, as SB3's SAC does
// (sac-model.ts's header says why); each trunk's weights are drawn before its
// MLPs'. gSDE works on it: its features are the actor's last hidden layer over
// the trunk's features.
import { Rng } from '../core/rng.js';
import type { AgentContext } from './agent.js';
import { registerAgent } from './agent.js';
import { requireOnnx } from './lib/backend.js';
import type { EntropyState, SacSpec } from './lib/compute/sac-model.js';
import { OnnxSacModel } from './lib/compute/sac-model.js';
import type { ConvTrunk } from './lib/compute/layers.js';
import { concatFloat32 } from './lib/compute/trainer.js';
import { cnnInit, cnnPolicyHyperparameters, cnnTrunk } from './lib/cnn.js';
import { checkSpaces, ContinuousAgent, loadReplay, LOOP_HYPERPARAMETERS, loopState, SAVE_REPLAY_HYPERPARAMETER } from './lib/continuous-agent.js';
import type { ContinuousModel, OptimizerSteps } from './lib/continuous-model.js';
import { readOptimizers } from './lib/continuous-model.js';
import type { Resolved } from './lib/hparams.js';
import { bool, choice, int, layerMemory, list, num } from './lib/hparams.js';
import { mlpInit } from './lib/nets.js';

export const SAC_HYPERPARAMETERS = {
  learningRate: num(3e-4, 'Adam step size of the actor, the critics and the entropy coefficient (SB3)', { min: 0, exclusiveMin: true }),
  ...LOOP_HYPERPARAMETERS,
  tau: num(0.005, 'Polyak coefficient of the target critics (1: copy)', { min: 0, max: 1, exclusiveMin: true }),
  gradientSteps: int(1, 'gradient steps per training phase', { min: 1 }),
  targetUpdateInterval: int(1, 'gradient steps per target update', { min: 1 }),
  entCoef: choice('auto', ['auto', 'fixed'] as const, "entropy coefficient alpha: 'auto' tunes it towards entropy -dim(A), 'fixed' keeps entCoefInit"),
  entCoefInit: num(1, 'initial (auto) or constant (fixed) entropy coefficient alpha (SB3: 1)', { min: 0, exclusiveMin: true }),
  hidden: list([256, 256], 'hidden layer sizes of the actor and of each critic (relu; SB3 SAC)', { memory: layerMemory(5) }),
  ...cnnPolicyHyperparameters('a conv trunk of its own under the actor and one under the twin critics (shared by both, as SB3)', 'the actor and the critics'),
  useSde: bool(false, 'generalized state-dependent exploration (gSDE, Raffin et al. 2021): noise z(s) theta from the last hidden features, theta drawn at each rollout start'),
  sdeSampleFreq: int(-1, 'gSDE: steps between draws of the exploration matrix within a rollout (-1: only at the start of each rollout of trainFreq steps)', { min: -1 }),
  logStdInit: num(-3, "gSDE: initial value of every entry of the learned log-std matrix (SB3's log_std_init)"),
  ...SAVE_REPLAY_HYPERPARAMETER,
} as const;

export type SacHyperparameters = Resolved<typeof SAC_HYPERPARAMETERS>;

function check(hp: SacHyperparameters, context: AgentContext): { obsDim: number; actionDim: number; trunk: ConvTrunk | undefined } {
  requireOnnx('sac', context.backend);
  const { obs, act } = checkSpaces('sac', context);
  return { obsDim: obs.low.length, actionDim: act.low.length, trunk: cnnTrunk('sac', context, hp) };
}

/** The model spec of a SAC agent with these hyperparameters (bench:nets builds its model the same way). */
export function sacSpec(hp: SacHyperparameters, obsDim: number, actionDim: number, trunk: ConvTrunk | undefined): SacSpec {
  if (hp.useSde && hp.sdeSampleFreq === 0) throw new RangeError('sac: sdeSampleFreq must be -1 (draw only at rollout starts) or >= 1, got 0');
  return { ...hp, obsDim, actionDim, targetEntropy: -actionDim, ...(trunk ? { trunk } : {}) };
}

function makeAgent(hp: SacHyperparameters, context: AgentContext, model: ContinuousModel, rng: Rng, saved?: ConstructorParameters<typeof ContinuousAgent>[6]): ContinuousAgent {
  return new ContinuousAgent('sac', hp, context, model, null, rng, saved);
}

function isEntropyState(x: unknown): x is EntropyState {
  const e = x as EntropyState | undefined;
  return typeof e?.logAlpha === 'number' && typeof e.m === 'number' && typeof e.v === 'number' && typeof e.t === 'number';
}

registerAgent({
  name: 'sac',
  warmStartsFrom: ['sac'],
  description:
    'SAC (Haarnoja et al. 2018): squashed Gaussian policy, twin soft Q critics with Polyak targets, automatic or fixed entropy coefficient; Box actions; ONNX Runtime',
  hyperparameters: SAC_HYPERPARAMETERS,
  backends: { tfjs: false },
  async create(hp, context) {
    const { obsDim, actionDim, trunk } = check(hp, context);
    const rng = new Rng(context.seed);
    const sp = sacSpec(hp, obsDim, actionDim, trunk);
    const init = { activation: 'relu', init: 'orthogonal', hiddenGain: Math.SQRT2 } as const;
    // The cnn policy's trunks (cnn.ts's init): the actor's before its MLP, the critics' before both of theirs.
    const trunkInit = () => (trunk ? [cnnInit(trunk.inputShape, rng, trunk.options)] : []);
    // Output gain 0.01: mean and log-std start near 0 (std near 1).
    const logStdShape = OnnxSacModel.logStdShape(sp);
    const logStd = logStdShape ? [new Float32Array(logStdShape[0] * logStdShape[1]).fill(hp.logStdInit)] : [];
    const actor = concatFloat32([...trunkInit(), ...mlpInit(OnnxSacModel.actorSizes(sp), rng, { ...init, outputGain: 0.01 }), ...logStd]);
    const critic = concatFloat32([...trunkInit(), ...[0, 1].flatMap(() => mlpInit(OnnxSacModel.criticSizes(sp), rng, { ...init, outputGain: 1 }))]);
    const model = await OnnxSacModel.create(sp, { actor, critic, criticTarget: critic }, { logAlpha: Math.log(hp.entCoefInit), m: 0, v: 0, t: 0 });
    return makeAgent(hp, context, model, rng);
  },
  async load(hp, context, manifest, dir) {
    const { obsDim, actionDim, trunk } = check(hp, context);
    const s = loopState('sac', manifest, false);
    const steps = (s as Partial<OptimizerSteps>).optimizerSteps;
    const entropy = (s as { entropy?: unknown }).entropy;
    if (!steps || !isEntropyState(entropy)) throw new Error('sac: agent.json has no complete state (optimizerSteps, entropy)');
    if (hp.useSde && s.sdeNoise === undefined) throw new Error('sac: agent.json has no gSDE noise state (sdeNoise) for an agent with useSde');
    const sp = sacSpec(hp, obsDim, actionDim, trunk);
    const model = await OnnxSacModel.create(sp, await OnnxSacModel.readWeights(sp, dir, 'sac'), entropy, await readOptimizers(dir, steps), s.sdeNoise);
    return makeAgent(hp, context, model, Rng.fromState(s.rng), { state: s, replay: await loadReplay(dir, s, hp.bufferSize, obsDim, actionDim) });
  },
});
