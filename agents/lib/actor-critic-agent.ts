// The agent shell PPO and A2C share around their learn loops: the policy
// (actor-critic.ts), the optimizer, the step counters and the return
// normalizer; acting, diagnostics, warm starts, saving and loading, and the
// registration of such an agent. On backend 'onnx' the registration builds
// the policy's ONNX Runtime model (compute/actor-critic-model.ts) for the
// agent's loss and optimizer, which holds the nets and the optimizer state,
// and TensorFlow.js is not loaded.
import { Rng } from '../../core/rng.js';
import type { RngState } from '../../core/rng.js';
import { RunningMeanStd } from '../../core/running-stats.js';
import type { RunningMeanStdState } from '../../core/running-stats.js';
import type { Action, Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from '../agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from '../agent.js';
import type { PolicyOptions, PolicyState, PolicyWeights } from './actor-critic.js';
import { ActorCritic } from './actor-critic.js';
import { gpuProvider, initBackend, tf, usesOnnx } from './backend.js';
import type { ActorCriticLoss, ActorCriticOptimizer, OnnxActorCritic } from './compute/actor-critic-model.js';
import { OnnxActorCritic as OnnxModel } from './compute/actor-critic-model.js';
import type { ParamSpec, Resolved } from './hparams.js';

/** What the agent shell needs of an optimizer: a settable learning rate and exact state. */
export interface OptimizerHandle {
  learningRate: number;
  getState(): { t: number; data: Float32Array };
  setState(state: { t: number; data: Float32Array }): void;
  dispose(): void;
}

/** A tfjs optimizer: also a step on a loss (nets.ts's Adam, A2C's RMSprop). */
export interface StepOptimizer extends OptimizerHandle {
  step(loss: () => tf.Scalar): { loss: number; gradNorm: number };
}

/** The optimizer of an ONNX Runtime model, as the shell sees it (the policy disposes the model itself). */
export function onnxOptimizer(model: OnnxActorCritic): OptimizerHandle {
  return {
    get learningRate() {
      return model.learningRate;
    },
    set learningRate(lr: number) {
      model.learningRate = lr;
    },
    getState: () => model.getOptimizerState(),
    setState: (state) => model.setOptimizerState(state),
    dispose: () => {},
  };
}

/** How an agent trains on backend 'onnx': its loss, optimizer and (initial) learning rate. */
export interface OnnxTraining {
  loss: ActorCriticLoss;
  optimizer: ActorCriticOptimizer;
  learningRate: number;
}

/** The state a loaded actor-critic agent starts from (the policy itself is loaded apart). */
export interface SavedActorCritic {
  counters: Counters;
  optimizer: { t: number; data: Float32Array };
  retRms: RunningMeanStdState | null;
}

/**
 * What PPO and A2C have in common around their learn loops: the policy, the
 * optimizer, the step counters and the return normalizer; acting, diagnostics,
 * warm starts, saving (agent.json's state is an ActorCriticState, the
 * optimizer's moments in optimizer.bin).
 */
export abstract class ActorCriticAgent<H extends { readonly normalizeReward: boolean }> implements Agent {
  abstract readonly algorithm: string;
  protected readonly counters: Counters;
  protected readonly retRms: RunningMeanStd | null;

  constructor(
    readonly hyperparameters: H,
    readonly context: AgentContext,
    protected readonly policy: ActorCritic,
    protected readonly rng: Rng,
    protected readonly optimizer: OptimizerHandle,
    saved?: SavedActorCritic,
  ) {
    this.counters = saved ? { ...saved.counters } : { steps: 0, episodes: 0, updates: 0 };
    if (saved) optimizer.setState(saved.optimizer);
    this.retRms = hyperparameters.normalizeReward ? (saved?.retRms ? RunningMeanStd.fromState(saved.retRms) : new RunningMeanStd(1)) : null;
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  abstract learn(options: LearnOptions): Promise<LearnResult>;

  act(obs: unknown, options: { deterministic?: boolean } = {}): Action {
    return this.policy.act(obs, options.deterministic ?? false, this.rng);
  }

  diagnostics(obs: unknown): Diagnostics {
    return this.policy.diagnostics(obs);
  }

  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    await this.policy.warmStart(dir, from, `warmStart(${this.algorithm} <- ${from.algorithm})`);
  }

  async save(dir: string): Promise<void> {
    const policy = await this.policy.save(dir);
    const opt = this.optimizer.getState();
    await writeBinary(dir, 'optimizer.bin', opt.data);
    await writeManifest(dir, this, {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      optimizerStep: opt.t,
      retRms: this.retRms?.getState() ?? null,
      policy,
    } satisfies ActorCriticState);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.policy.dispose();
  }
}

/** Registers an actor-critic agent (vector envs, 8 copies by default): `build` makes it from a new or a loaded policy. */
export function registerActorCriticAgent<S extends ParamSpec>(spec: {
  readonly name: string;
  readonly description: string;
  readonly hyperparameters: S;
  readonly build: (hp: Resolved<S>, context: AgentContext, policy: ActorCritic, rng: Rng, saved?: SavedActorCritic) => Agent;
  /** The loss and optimizer on backend 'onnx'. */
  readonly onnx: (hp: Resolved<S>) => OnnxTraining;
}): void {
  const { name, build } = spec;
  /** The policy of `weights`: in an ONNX Runtime model on backend 'onnx' (tfjs stays unloaded), else in tfjs variables on the backend asked for. */
  async function prepare(hp: Resolved<S>, context: AgentContext, weights: PolicyWeights): Promise<ActorCritic> {
    if (!usesOnnx(context.backend)) {
      await initBackend(context.backend ?? 'auto');
      return ActorCritic.build(weights, context, opts(hp), null);
    }
    const t = spec.onnx(hp);
    // A GPU backend runs the conv nets (the cnn policy) on its provider; the small MLPs stay on the CPU.
    const provider = weights.spec.trunk ? gpuProvider(context.backend) : undefined;
    const model = await OnnxModel.create({ ...weights.spec, ...(provider ? { provider } : {}) }, t.loss, t.optimizer, weights.params, t.learningRate);
    return ActorCritic.build(weights, context, opts(hp), model);
  }
  // Both agents' hyperparameters include the policy's options (hidden, activation, normalizeObs, ...).
  const opts = (hp: Resolved<S>) => hp as unknown as PolicyOptions;
  registerAgent({
    name,
    description: spec.description,
    hyperparameters: spec.hyperparameters,
    envKind: 'vector',
    defaultEnvs: 8,
    // PolicyNets.warmStart: an actor-critic takes another's nets.
    warmStartsFrom: ['ppo', 'a2c'],
    backends: { tfjs: true },
    async create(hp, context) {
      const rng = new Rng(context.seed);
      return build(hp, context, await prepare(hp, context, ActorCritic.initialWeights(name, context, opts(hp), rng)), rng);
    },
    async load(hp, context, manifest, dir) {
      const s = loadedState(manifest);
      const policy = await prepare(hp, context, await ActorCritic.savedWeights(name, context, opts(hp), dir, s.policy));
      return build(hp, context, policy, Rng.fromState(s.rng), {
        counters: s.counters,
        optimizer: { t: s.optimizerStep, data: new Float32Array(await readBinary(dir, 'optimizer.bin')) },
        retRms: s.retRms,
      });
    },
  });
}

/** What an actor-critic agent saves in agent.json's `state` (binary parts sit next to it). */
export interface ActorCriticState {
  counters: Counters;
  rng: RngState;
  optimizerStep: number;
  retRms: RunningMeanStdState | null;
  policy: PolicyState;
}

/** Reads an actor-critic agent's saved state, checking the fields it needs. */
export function loadedState(manifest: AgentManifest): ActorCriticState {
  const s = manifest.state as unknown as ActorCriticState;
  if (!s?.counters || !s.rng || typeof s.optimizerStep !== 'number' || !s.policy) {
    throw new Error(`${manifest.algorithm}: agent.json has no complete state (counters, rng, optimizerStep, policy)`);
  }
  return s;
}

/** The agent's step, episode and update counts. */
export interface Counters {
  steps: number;
  episodes: number;
  updates: number;
}
