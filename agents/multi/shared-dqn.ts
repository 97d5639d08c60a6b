// Parameter-shared DQN: one Q-network for every agent (Mnih et al. 2015 with
// the sharing of Gupta et al. 2017 and Terry et al. 2020), each agent's input
// row being its observation plus a one-hot of its index (encoding.ts), trained
// on all agents' transitions; each agent learns independently of the others
// (they are part of its environment), and in competitive games against its
// current self, a pool of past snapshots and fixed opponents (self-play.ts).
// Discrete actions; action masks (board games) respected everywhere.
//
// The loop, per game step of every copy (runner.ts):
//   act     one forward pass for every learner decision of every copy;
//           epsilon-greedy over the legal moves (random legal moves until
//           learningStarts transitions are stored); opponents act in batches
//   store   each closed transition (s, a, r, s', mask(s'), terminated)
//   update  every trainFreq stored transitions, once past learningStarts:
//           gradientSteps Adam steps on minibatches, loss Huber(Q(s, a) - y),
//             y = r + gamma * (1 - terminated) * Q_target(s', a*),
//           a* = the legal argmax of Q_target(s', .) (or of Q_online with
//           doubleQ): only legal moves of s' count; an s' without any (an
//           off-turn observation at a time limit) is worth 0
//   target  every targetUpdateInterval gradient steps: target <- tau * online + (1 - tau) * target
//   pool    every snapshotEvery gradient steps a frozen copy of the online net
//           joins the self-play pool; pool opponents play greedily (legal
//           argmax), with opponentEpsilon random moves
//   log     onEpisodeEnd per episode, onUpdate per training round
//
// Epsilon falls linearly over explorationFraction of the budget
// (scheduleSteps, else totalSteps) as a function of the step count. The nets
// and their update run on tfjs or ONNX Runtime (shared-q.ts), with the same
// numbers to float32 rounding and the same checkpoint files.
import type { AgentId, Game, PerAgent } from '../../core/multi-agent.js';
import { actionMaskOf } from '../../core/multi-agent.js';
import type { RngState } from '../../core/rng.js';
import { Rng } from '../../core/rng.js';
import type { DiscreteSpace } from '../../core/spaces.js';
import { describeSpace } from '../../core/spaces.js';
import type { Diagnostics } from '../agent.js';
import { readBinary, writeBinary } from '../agent.js';
import type { Resolved } from '../lib/hparams.js';
import { bool, choice, HyperparameterError, int, list, num } from '../lib/hparams.js';
import { linearSchedule } from '../lib/schedules.js';
import { agentIndexOf, ObservationEncoder, sharedSpaces } from './encoding.js';
import type { LearnerContext, MultiAgentLearner, MultiLearnOptions, MultiLearnResult, Policy } from './learner.js';
import { assertSameShape, learnerPolicy, registerLearner, writeLearnerManifest } from './learner.js';
import { maskedArgmax, maskedMax, randomLegal } from '../lib/masks.js';
import type { MaskedBatch } from './replay.js';
import { MaskedReplay } from './replay.js';
import type { Decision, Transition } from './runner.js';
import { MatchRunner } from './runner.js';
import type { Snapshot } from './self-play.js';
import { Matchmaker, OpponentPool, passes, SELF_PLAY_HYPERPARAMETERS } from './self-play.js';
import type { SharedQNets } from './shared-q.js';
import { createSharedQ, initialWeights } from './shared-q.js';

export const SHARED_DQN_HYPERPARAMETERS = {
  learningRate: num(5e-4, 'Adam step size (the start value when annealed)', { min: 0, exclusiveMin: true }),
  lrSchedule: choice('constant', ['constant', 'linear'] as const, "'linear' anneals the learning rate to 0 over the budget"),
  bufferSize: int(50_000, 'replay buffer capacity in transitions (allocated up front)', { min: 1 }),
  learningStarts: int(1_000, 'stored transitions (of random legal moves) before the first update', { min: 0 }),
  batchSize: int(64, 'transitions per minibatch', { min: 1 }),
  gamma: num(0.99, "discount per step of the agent's own decisions", { min: 0, max: 1 }),
  tau: num(1, 'target update coefficient: 1 copies the online net, < 1 is Polyak averaging', { min: 0, max: 1, exclusiveMin: true }),
  targetUpdateInterval: int(500, 'gradient steps between target network updates', { min: 1 }),
  trainFreq: int(4, 'stored transitions between training rounds', { min: 1 }),
  gradientSteps: int(1, 'gradient steps per training round', { min: 1 }),
  explorationFraction: num(0.3, 'fraction of the training budget over which epsilon falls', { min: 0, max: 1, exclusiveMin: true }),
  explorationInitialEps: num(1, 'epsilon at the start', { min: 0, max: 1 }),
  explorationFinalEps: num(0.05, 'epsilon after the fall', { min: 0, max: 1 }),
  maxGradNorm: num(10, 'clip of the global gradient norm (0: no clipping)', { min: 0 }),
  loss: choice('huber', ['huber', 'mse'] as const, "'huber' (smooth L1) or 'mse'"),
  hidden: list([128, 128], 'hidden layer sizes of the shared Q-network'),
  activation: choice('relu', ['relu', 'tanh'] as const, 'hidden-layer activation'),
  doubleQ: bool(true, 'double DQN: the online net picks the (legal) next action, the target net values it'),
  agentIdInput: bool(true, "append a one-hot of the agent's index to its observation"),
  teamReward: bool(true, "parallel games: learn from the side's mean reward of each step (the shared team reward)"),
  opponentEpsilon: num(0, 'probability of a random legal move by pool opponents', { min: 0, max: 1 }),
  ...SELF_PLAY_HYPERPARAMETERS,
} as const;

export type SharedDqnHyperparameters = Resolved<typeof SHARED_DQN_HYPERPARAMETERS>;

interface Counters {
  steps: number;
  episodes: number;
  /** Transitions stored. */
  transitions: number;
  /** Gradient steps taken. */
  updates: number;
}

interface SharedDqnState {
  counters: Counters;
  rng: RngState;
  actRng: RngState;
  optimizerStep: number;
  epsilon: number;
  pool: { id: number; update: number }[];
  poolCount: number;
}

class SharedDqn<S> implements MultiAgentLearner {
  readonly algorithm = 'shared-dqn';
  readonly encoder: ObservationEncoder;
  private readonly counters: Counters = { steps: 0, episodes: 0, transitions: 0, updates: 0 };
  private readonly pool: OpponentPool<S>;
  private readonly agents: readonly AgentId[];
  private readonly nActions: number;
  private readonly actionStart: number;
  private epsilon: number;
  /** Each stream's open decision: its encoded row and action index. */
  private pendingX = new Float32Array(0);
  private pendingA = new Int32Array(0);
  private readonly nextRow: Float32Array;

  constructor(
    readonly hyperparameters: SharedDqnHyperparameters,
    readonly context: LearnerContext,
    /** The online and target nets on the context's backend (shared-q.ts). */
    private readonly nets: SharedQNets<S>,
    private readonly replay: MaskedReplay,
    private rng: Rng,
    private actRng: Rng,
  ) {
    const g = context.game;
    this.agents = g.possibleAgents;
    const spaces = sharedSpaces('shared-dqn', this.agents, g.observationSpaces, g.actionSpaces);
    const act = spaces.action as DiscreteSpace;
    this.nActions = act.n;
    this.actionStart = act.start;
    this.encoder = new ObservationEncoder(spaces.observation, this.agents.length, hyperparameters.agentIdInput);
    this.nextRow = new Float32Array(this.encoder.inputDim);
    this.pool = new OpponentPool(hyperparameters.poolSize);
    this.epsilon = hyperparameters.explorationInitialEps;
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  get poolSize(): number {
    return this.pool.size;
  }

  async learn({ game, totalSteps, scheduleSteps, hooks = {}, opponents = {}, rewardShaping }: MultiLearnOptions): Promise<MultiLearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const games: readonly Game[] = Array.isArray(game) ? game : [game as Game];
    for (const g of games) assertSameShape('shared-dqn.learn', this.context.game, g);
    if (!(totalSteps >= 0)) throw new RangeError(`shared-dqn.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const c = this.counters;
    const firstEpisode = c.episodes;
    if (c.steps < totalSteps) {
      const sides = this.context.sides!;
      const streams = games.length * this.agents.length;
      this.pendingX = new Float32Array(streams * this.encoder.inputDim);
      this.pendingA = new Int32Array(streams);
      const epsilonAt = linearSchedule(hp.explorationInitialEps, hp.explorationFinalEps, hp.explorationFraction);
      const budget = scheduleSteps ?? totalSteps;
      const batch = this.replay.batch(hp.batchSize);
      const matchmaker = new Matchmaker(hp, this.pool, sides.length, opponents, this.rng, (s) => this.snapshotActor(s));
      const runner = new MatchRunner(games, sides, {
        matchup: () => matchmaker.matchup(),
        // 1. act
        decide: (decisions, tags) => this.decide(decisions, tags),
        record: (t) => {
          // 2. store
          this.store(t);
          // 3. update (4. target and pool updates follow the gradient steps)
          const before = c.transitions;
          c.transitions += 1;
          if (c.transitions > hp.learningStarts && passes(before, c.transitions, hp.trainFreq) > 0) {
            const metrics = this.train(batch);
            // 5. log
            hooks.onUpdate?.({ step: c.steps, metrics });
          }
        },
        episodeEnd: (e) => {
          c.episodes += 1;
          hooks.onEpisodeEnd?.({ step: c.steps, episode: c.episodes, returns: e.returns, teamReturns: e.teamReturns, length: e.length, truncated: e.truncated, controllers: e.controllers });
        },
      }, { teamReward: hp.teamReward, ...(rewardShaping ? { rewardShaping } : {}) });
      runner.start(games.map(() => this.rng.nextSeed()));
      while (c.steps < totalSteps) {
        const progress = Math.min(1, c.steps / budget);
        this.epsilon = epsilonAt(progress);
        if (hp.lrSchedule === 'linear') this.nets.learningRate = hp.learningRate * (1 - progress);
        c.steps += runner.step();
        if (hooks.shouldStop?.({ step: c.steps })) break;
      }
      for (const net of this.pool.drainEvicted()) this.nets.disposeSnapshot(net);
    }
    return { steps: c.steps, episodes: c.episodes - firstEpisode, seconds: (performance.now() - start) / 1000 };
  }

  /** Epsilon-greedy legal actions for every decision, from one forward pass (skipped when every decision explores). */
  private decide(decisions: readonly Decision[], tags: Int32Array): number[] {
    const n = decisions.length;
    const d = this.encoder.inputDim;
    const x = new Float32Array(n * d);
    decisions.forEach((dec, j) => this.encoder.encode(dec.obs, dec.agentIndex, x, j * d));
    const epsilon = this.counters.transitions < this.hyperparameters.learningStarts ? 1 : this.epsilon;
    const explore = decisions.map(() => this.rng.random() < epsilon);
    const q = explore.every(Boolean) ? null : this.nets.qValues(x, n);
    return decisions.map((dec, j) => {
      const a = q === null || explore[j] ? randomLegal(this.nActions, dec.mask, this.rng) : maskedArgmax(q, j * this.nActions, this.nActions, dec.mask);
      this.pendingX.set(x.subarray(j * d, (j + 1) * d), dec.stream * d);
      this.pendingA[dec.stream] = a;
      tags[j] = dec.stream;
      return a + this.actionStart;
    });
  }

  private store(t: Transition): void {
    const d = this.encoder.inputDim;
    this.encoder.encode(t.nextObs, t.agentIndex, this.nextRow, 0);
    this.replay.add(this.pendingX, t.tag * d, this.pendingA[t.tag]!, t.reward, this.nextRow, 0, t.nextMask, t.terminated);
  }

  /** One training round: gradientSteps Adam steps, then the target and pool updates they are due. */
  private train(batch: MaskedBatch): Record<string, number> {
    const hp = this.hyperparameters;
    const c = this.counters;
    let loss = 0;
    let gradNorm = 0;
    for (let g = 0; g < hp.gradientSteps; g++) {
      this.replay.sample(this.rng, batch);
      const r = this.nets.update(batch);
      loss += r.loss;
      gradNorm += r.gradNorm;
      const before = c.updates;
      c.updates += 1;
      if (passes(before, c.updates, hp.targetUpdateInterval) > 0) this.nets.syncTarget(hp.tau);
      if (passes(before, c.updates, hp.snapshotEvery) > 0) this.pool.add(this.nets.snapshot(), c.updates);
    }
    return { loss: loss / hp.gradientSteps, gradNorm: gradNorm / hp.gradientSteps, epsilon: this.epsilon, updates: c.updates, poolSize: this.pool.size };
  }

  /** A pool snapshot as an opponent: legal argmax of its Q-values, a random legal move with opponentEpsilon. */
  private snapshotActor(snapshot: Snapshot<S>) {
    return (decisions: readonly Decision[]) => {
      const d = this.encoder.inputDim;
      const x = new Float32Array(decisions.length * d);
      decisions.forEach((dec, j) => this.encoder.encode(dec.obs, dec.agentIndex, x, j * d));
      const q = this.nets.qValues(x, decisions.length, snapshot.data);
      return decisions.map((dec, j) => {
        const explore = this.hyperparameters.opponentEpsilon > 0 && this.rng.random() < this.hyperparameters.opponentEpsilon;
        return (explore ? randomLegal(this.nActions, dec.mask, this.rng) : maskedArgmax(q, j * this.nActions, this.nActions, dec.mask)) + this.actionStart;
      });
    };
  }

  actAll(obs: Readonly<PerAgent<unknown>>, options: { deterministic?: boolean } = {}): PerAgent<number> {
    const { entries, x } = this.encoder.encodeAll('shared-dqn', this.agents, obs);
    const q = this.nets.qValues(x, entries.length);
    const out: PerAgent<number> = {};
    entries.forEach(([agent, o], j) => {
      const mask = actionMaskOf(o);
      const explore = !options.deterministic && this.actRng.random() < this.epsilon;
      out[agent] = (explore ? randomLegal(this.nActions, mask, this.actRng) : maskedArgmax(q, j * this.nActions, this.nActions, mask)) + this.actionStart;
    });
    return out;
  }

  /** The legal argmax of Q when deterministic, else epsilon-greedy with the current epsilon (drawing from a generator separate from training's). */
  act(agent: AgentId, obs: unknown, options: { deterministic?: boolean } = {}): number {
    return this.actAll({ [agent]: obs }, options)[agent]!;
  }

  /** Q(s, .) and the epsilon-greedy probabilities over the legal moves. */
  diagnostics(agent: AgentId, obs: unknown): Diagnostics {
    const x = new Float32Array(this.encoder.inputDim);
    this.encoder.encode(obs, agentIndexOf('shared-dqn', this.agents, agent), x, 0);
    const q = this.nets.qValues(x, 1);
    const mask = actionMaskOf(obs);
    const legal = Array.from({ length: this.nActions }, (_, a) => mask === null || mask[a] === 1);
    const nLegal = legal.filter(Boolean).length;
    const best = nLegal > 0 ? maskedArgmax(q, 0, this.nActions, mask) : -1;
    const probs = legal.map((l, a) => (l ? this.epsilon / nLegal + (a === best ? 1 - this.epsilon : 0) : 0));
    return { qValues: Array.from(q), probs, value: nLegal > 0 ? maskedMax(q, 0, this.nActions, mask) : 0 };
  }

  policy(options: { deterministic?: boolean } = {}): Policy {
    return learnerPolicy(this, options.deterministic ?? true);
  }

  async save(dir: string): Promise<void> {
    await this.nets.saveNets(dir);
    const opt = this.nets.optimizerState();
    await writeBinary(dir, 'optimizer.bin', opt.data);
    await writeBinary(dir, 'replay.bin', this.replay.toBytes());
    for (const s of this.pool.entries) await this.nets.saveSnapshot(s.data, dir, `pool-${s.id}`);
    const state: SharedDqnState = {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      actRng: this.actRng.getState(),
      optimizerStep: opt.t,
      epsilon: this.epsilon,
      pool: this.pool.entries.map((s) => ({ id: s.id, update: s.update })),
      poolCount: this.pool.count,
    };
    await writeLearnerManifest(dir, this, state as unknown as Record<string, unknown>);
  }

  /** Restores counters, optimizer, pool and epsilon of a saved learner (nets and replay are loaded by the definition). */
  async restore(dir: string, s: SharedDqnState): Promise<void> {
    Object.assign(this.counters, s.counters);
    this.nets.setOptimizerState({ t: s.optimizerStep, data: new Float32Array(await readBinary(dir, 'optimizer.bin')) });
    const entries: Snapshot<S>[] = [];
    for (const e of s.pool) entries.push({ id: e.id, update: e.update, data: await this.nets.loadSnapshot(dir, `pool-${e.id}`) });
    this.pool.restore(entries, s.poolCount);
    for (const net of this.pool.drainEvicted()) this.nets.disposeSnapshot(net);
    this.epsilon = s.epsilon;
  }

  dispose(): void {
    this.nets.dispose();
    for (const s of this.pool.entries) this.nets.disposeSnapshot(s.data);
    for (const net of this.pool.drainEvicted()) this.nets.disposeSnapshot(net);
  }
}

function checkSetup(context: LearnerContext): void {
  for (const a of context.game.possibleAgents) {
    const s = context.game.actionSpaces[a]!;
    if (s.type !== 'discrete') throw new HyperparameterError('shared-dqn', [`needs Discrete action spaces, ${a} has ${describeSpace(s)}`]);
  }
}

registerLearner({
  name: 'shared-dqn',
  description: "parameter-shared DQN: one Q-network for all agents (agent id one-hot input), masked argmax and targets, double DQN, self-play pool; Discrete actions",
  hyperparameters: SHARED_DQN_HYPERPARAMETERS,
  backends: { tfjs: true },
  async create(hp, context) {
    checkSetup(context);
    const g = context.game;
    const spaces = sharedSpaces('shared-dqn', g.possibleAgents, g.observationSpaces, g.actionSpaces);
    const encoder = new ObservationEncoder(spaces.observation, g.possibleAgents.length, hp.agentIdInput);
    const nActions = (spaces.action as DiscreteSpace).n;
    const root = new Rng(context.seed);
    const rng = new Rng(root.nextSeed());
    const actRng = new Rng(root.nextSeed());
    const sizes = [encoder.inputDim, ...hp.hidden, nActions];
    const nets = await createSharedQ(hp, context.backend, sizes, initialWeights(sizes, hp.activation, rng));
    return new SharedDqn(hp, context, nets, new MaskedReplay(hp.bufferSize, encoder.inputDim, nActions), rng, actRng);
  },
  async load(hp, context, manifest, dir) {
    checkSetup(context);
    const s = manifest.state as unknown as SharedDqnState;
    if (!s?.counters || !s.rng || !s.actRng || typeof s.optimizerStep !== 'number') throw new Error(`shared-dqn: ${dir}/learner.json has no complete state (counters, generators, optimizerStep)`);
    const g = context.game;
    const spaces = sharedSpaces('shared-dqn', g.possibleAgents, g.observationSpaces, g.actionSpaces);
    const encoder = new ObservationEncoder(spaces.observation, g.possibleAgents.length, hp.agentIdInput);
    const nActions = (spaces.action as DiscreteSpace).n;
    const nets = await createSharedQ(hp, context.backend, [encoder.inputDim, ...hp.hidden, nActions], { dir });
    const replay = MaskedReplay.fromBytes(await readBinary(dir, 'replay.bin'), hp.bufferSize, encoder.inputDim, nActions);
    const learner = new SharedDqn(hp, context, nets, replay, Rng.fromState(s.rng), Rng.fromState(s.actRng));
    await learner.restore(dir, s);
    return learner;
  },
});

export type { SharedDqnState };
