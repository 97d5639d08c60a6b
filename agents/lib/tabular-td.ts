// The loop shared by the tabular agents that learn Q(s, a) from experience:
// the one-step TD agents (Q-learning, SARSA, Expected SARSA), which differ only
// in the TD target each agent file writes out as a `TdRule`, and the agents
// whose update spans several steps (Monte Carlo control, n-step SARSA,
// SARSA(lambda), Q(lambda)), which bring a `TabularLearner`. Everything else
// lives here once: the Q-table, exploration, episodes and hooks, saving,
// loading and warm starts.
//
// One step of the loop, in order (Sutton & Barto 6.4-6.6):
//   1. act: a = exploration policy at s (unless the learner already picked it)
//   2. step the env: r, s', terminated, truncated
//   3. SARSA-like learners: pick a' at s' from the current Q, before the update
//   4. learner.observe(s, a, r, s', a'): for a TD rule, target = rule.target(...):
//      r alone when terminated; on truncation (a time limit) the episode ends but
//      s' is not terminal, so the target bootstraps; Q(s, a) += alpha * (target - Q(s, a))
//   5. at an episode end, learner.endEpisode (Monte Carlo updates, n-step
//      flushes), then onEpisodeEnd and onUpdate { epsilon, tdError }
// A learn call that stops inside an episode cuts it there: the learner flushes
// what it can as at a truncation (n-step) or drops it (Monte Carlo), in the
// same way whether or not a checkpoint follows, so resumed runs stay exact.
//
// Randomness: one generator seeded from the agent's seed drives training (the
// seed of each learn call's first reset and every exploration draw); act()
// outside learn draws from a second one, so evaluating an agent between two
// learn calls does not change how it trains.
//
// Over 500 lines: the one agent class of seven tabular algorithms (its loop,
// warm starts with state/action maps, saving and loading) with the learner
// contract it drives; split, each half would be read only with the other.
import { join } from 'node:path';
import type { Env } from '../../core/env.js';
import type { RngState } from '../../core/rng.js';
import { Rng } from '../../core/rng.js';
import type { DiscreteSpace, Space, SpaceJSON } from '../../core/spaces.js';
import { describeSpace, spaceFromJSON } from '../../core/spaces.js';
import type { Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult, WarmStartMapping } from '../agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from '../agent.js';
import type { ExplorationKind, ExplorationParams } from './exploration.js';
import { argmax, EXPLORATION_KINDS, explorationAction, explorationProbs } from './exploration.js';
import type { ParamSpec, Resolved } from './hparams.js';
import { choice, HyperparameterError, int, num } from './hparams.js';
import type { Schedule } from './schedules.js';
import { constantSchedule, exponentialSchedule, linearSchedule } from './schedules.js';

export type EpsilonScheduleKind = 'constant' | 'linear' | 'exponential';
export const EPSILON_SCHEDULES: readonly EpsilonScheduleKind[] = ['constant', 'linear', 'exponential'];

/** epsilon and its schedule (constant, or decaying linearly or exponentially with the step count), as the tabular and bandit agents take them. */
export function epsilonHyperparameters(defaults: { epsilon?: number; epsilonDecaySteps?: number } = {}) {
  return {
    epsilonSchedule: choice('constant', EPSILON_SCHEDULES, 'how epsilon moves from epsilon to epsilonEnd over epsilonDecaySteps steps'),
    epsilon: num(defaults.epsilon ?? 0.1, 'epsilon-greedy: probability of a random action (the start value when it decays)', { min: 0, max: 1 }),
    epsilonEnd: num(0.01, 'epsilon after epsilonDecaySteps steps (linear or exponential schedule)', { min: 0, max: 1 }),
    epsilonDecaySteps: int(defaults.epsilonDecaySteps ?? 100_000, 'env steps over which epsilon decays to epsilonEnd', { min: 1 }),
  };
}

/** The resolved values of epsilonHyperparameters. */
export type EpsilonHyperparameters = { epsilonSchedule: EpsilonScheduleKind; epsilon: number; epsilonEnd: number; epsilonDecaySteps: number };

/**
 * The hyperparameter table of the tabular TD agents (Q-learning, SARSA,
 * Expected SARSA share every entry; only what exploration means for the target
 * differs, hence its description is the agent's).
 */
export function tabularTdHyperparameters(explorationDescription: string) {
  return {
    learningRate: num(0.1, 'step size alpha of the TD update', { min: 0, max: 1, exclusiveMin: true }),
    gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
    exploration: choice('epsilon-greedy', EXPLORATION_KINDS, explorationDescription),
    ...epsilonHyperparameters(),
    temperature: num(1, 'softmax: Boltzmann temperature (higher is more uniform)', { min: 0, exclusiveMin: true }),
    ucbC: num(1, 'ucb: weight c of the bonus c * sqrt(ln N(s) / N(s, a))', { min: 0 }),
    thompsonStd: num(1, 'thompson: prior sd of each Q(s, a); a draw is N(Q(s, a), (thompsonStd / sqrt(N(s, a) + 1))^2)', { min: 0, exclusiveMin: true }),
    initialQ: num(0, 'initial value of every Q(s, a) (above the true values: optimistic, which explores)'),
  };
}

/** The resolved hyperparameters the shared loop reads. */
export type TabularTdHyperparameters = EpsilonHyperparameters & {
  learningRate: number;
  gamma: number;
  exploration: ExplorationKind;
  temperature: number;
  ucbC: number;
  thompsonStd: number;
  initialQ: number;
};

/** What a TD target sees of one transition (s, a, r, s'). */
export interface TdStep {
  readonly reward: number;
  /** s' is terminal: nothing follows, so the target must not bootstrap. */
  readonly terminated: boolean;
  /** Q(s', .), the next state's row of the table (before this step's update). */
  readonly nextQ: Float64Array;
  /** a', the exploration policy's action at s' (only when the rule sets usesNextAction; else -1). */
  readonly nextAction: number;
  /** pi(. | s'), the exploration policy's probabilities at s' (computed on demand). */
  nextProbs(): Float64Array;
}

export interface TdRule {
  /** SARSA: the target needs a', so the loop picks it (and later takes it) before the update. */
  readonly usesNextAction: boolean;
  /** The TD target for Q(s, a). */
  target(step: TdStep, gamma: number): number;
}

/** One transition as a learner sees it. */
export interface TabularTransition {
  readonly s: number;
  readonly a: number;
  readonly reward: number;
  readonly s2: number;
  /** a', the exploration policy's action at s' (when the learner uses it and s' is not terminal; else -1). */
  readonly a2: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/** What a learner may read and change: the table and the agent's settings. */
export interface TabularLearnerContext {
  /** Q(s, a) at Q[s * nA + a]. */
  readonly Q: Float64Array;
  readonly nS: number;
  readonly nA: number;
  readonly alpha: number;
  readonly gamma: number;
  /** pi(. | s) of the exploration policy now (a shared buffer: read it before the next call). */
  probs(s: number): Float64Array;
}

/** A multi-step update rule (Monte Carlo, n-step, eligibility traces). */
export interface TabularLearner {
  /** The loop picks a' at s' before observe (and takes it next), as SARSA does. */
  readonly usesNextAction: boolean;
  /** Per-(s, a) tables of its own to save with the agent (e.g. Monte Carlo's return counts). */
  readonly tables?: Readonly<Record<string, Float64Array>>;
  /** Learns from one transition; returns the summed |error| of the updates it made (for the logs). */
  observe(t: TabularTransition): number;
  /** The episode ended (cut = false, after observe saw terminated or truncated) or a learn call stopped inside it (cut = true); returns summed |error|. */
  endEpisode(cut: boolean): number;
}

/** A learner from the agent's resolved hyperparameters. */
export type LearnerFactory = (hp: Readonly<Record<string, unknown>> & TabularTdHyperparameters, context: TabularLearnerContext) => TabularLearner;

/** The one-step TD rule as a learner: Q(s, a) += alpha * (target - Q(s, a)). */
export function tdRuleLearner(rule: TdRule): LearnerFactory {
  return (_hp, ctx) => {
    const { Q, nA, gamma } = ctx;
    let nextState = 0;
    const step = {
      reward: 0,
      terminated: false,
      nextQ: Q.subarray(0, nA),
      nextAction: -1,
      nextProbs: (): Float64Array => ctx.probs(nextState),
    };
    return {
      usesNextAction: rule.usesNextAction,
      observe(t) {
        nextState = t.s2;
        step.reward = t.reward;
        step.terminated = t.terminated;
        step.nextQ = Q.subarray(t.s2 * nA, (t.s2 + 1) * nA);
        step.nextAction = t.a2;
        const i = t.s * nA + t.a;
        const tdError = rule.target(step, gamma) - Q[i]!;
        Q[i]! += ctx.alpha * tdError;
        return Math.abs(tdError);
      },
      endEpisode: () => 0,
    };
  };
}

/** Table files of a saved agent, next to agent.json (native byte order, like every writeBinary file). */
const FILES = { qTable: 'q-table.f64', visitCounts: 'visit-counts.f64' } as const;

/** What agent.json's `state` holds for a tabular TD agent. */
interface SavedState {
  qTable: string;
  visitCounts: string;
  /** The learner's own tables, by name (Monte Carlo's return counts). */
  tables?: Record<string, string>;
  rng: RngState;
  actRng: RngState;
  episodes: number;
  /** For people reading the file: epsilon at the saved step (it follows from stepCount and the schedule). */
  epsilon: number;
}

/** epsilon as a function of the agent's step counter, so that it resumes exactly from a checkpoint. */
export function epsilonSchedule(algorithm: string, hp: EpsilonHyperparameters): Schedule {
  switch (hp.epsilonSchedule) {
    case 'constant':
      return constantSchedule(hp.epsilon);
    case 'linear': {
      const byProgress = linearSchedule(hp.epsilon, hp.epsilonEnd);
      return (step) => byProgress(step / hp.epsilonDecaySteps);
    }
    case 'exponential':
      if (!(hp.epsilonEnd > 0 && hp.epsilonEnd <= hp.epsilon)) {
        throw new HyperparameterError(algorithm, [
          `epsilonEnd must be a number in (0, epsilon = ${hp.epsilon}] with epsilonSchedule 'exponential' (epsilon decays by a constant factor per step), got ${hp.epsilonEnd}`,
        ]);
      }
      // The per-step factor that reaches epsilonEnd after exactly epsilonDecaySteps steps.
      return exponentialSchedule(hp.epsilon, hp.epsilonEnd, (hp.epsilonEnd / hp.epsilon) ** (1 / hp.epsilonDecaySteps));
  }
}

function discreteSpace(algorithm: string, space: Space, what: 'observation' | 'action'): DiscreteSpace {
  if (space.type === 'discrete') return space;
  const hint =
    what === 'observation' && space.type === 'box'
      ? '; wrap a Box env with discretizeObservation(env, { bins, low, high }) (core/wrappers/discretize-observation.ts) to make its observations Discrete'
      : '';
  throw new TypeError(`${algorithm}: a tabular agent needs a Discrete ${what} space, got ${describeSpace(space)}${hint}`);
}

export class TabularTdAgent implements Agent {
  /** Q(s, a) at qTable[s * nA + a]. */
  readonly qTable: Float64Array;
  /** N(s, a): how many times learn() took action a in state s. */
  readonly visitCounts: Float64Array;
  private readonly nS: number;
  private readonly nA: number;
  private readonly obsSpace: DiscreteSpace;
  private readonly actSpace: DiscreteSpace;
  /** Row views into qTable and visitCounts, made once so the loop does not allocate. */
  private readonly qRows: Float64Array[];
  private readonly countRows: Float64Array[];
  private readonly probs: Float64Array;
  private readonly epsilonAt: Schedule;
  /** Reused by every exploration call; only `epsilon` changes. */
  private readonly explore: { -readonly [K in keyof ExplorationParams]: ExplorationParams[K] };
  private rng: Rng;
  private actRng: Rng;
  private steps = 0;
  private episodes = 0;
  private readonly learner: TabularLearner;

  constructor(
    readonly algorithm: string,
    makeLearner: LearnerFactory,
    readonly hyperparameters: TabularTdHyperparameters,
    readonly context: AgentContext,
  ) {
    this.obsSpace = discreteSpace(algorithm, context.observationSpace, 'observation');
    this.actSpace = discreteSpace(algorithm, context.actionSpace, 'action');
    this.nS = this.obsSpace.n;
    this.nA = this.actSpace.n;
    this.qTable = new Float64Array(this.nS * this.nA).fill(hyperparameters.initialQ);
    this.visitCounts = new Float64Array(this.nS * this.nA);
    this.qRows = Array.from({ length: this.nS }, (_, s) => this.qTable.subarray(s * this.nA, (s + 1) * this.nA));
    this.countRows = Array.from({ length: this.nS }, (_, s) => this.visitCounts.subarray(s * this.nA, (s + 1) * this.nA));
    this.probs = new Float64Array(this.nA);
    this.epsilonAt = epsilonSchedule(algorithm, hyperparameters);
    const { exploration, temperature, ucbC, thompsonStd } = hyperparameters;
    this.explore = { kind: exploration, epsilon: this.epsilonAt(0), temperature, ucbC, thompsonStd };
    const root = new Rng(context.seed);
    this.rng = new Rng(root.nextSeed());
    this.actRng = new Rng(root.nextSeed());
    this.learner = makeLearner(hyperparameters, {
      Q: this.qTable,
      nS: this.nS,
      nA: this.nA,
      alpha: hyperparameters.learningRate,
      gamma: hyperparameters.gamma,
      probs: (s) => {
        this.explore.epsilon = this.epsilonAt(this.steps);
        return explorationProbs(this.qRows[s]!, this.countRows[s]!, this.explore, this.probs);
      },
    });
  }

  get stepCount(): number {
    return this.steps;
  }

  get episodeCount(): number {
    return this.episodes;
  }

  /** epsilon of the schedule at the current step (epsilon-greedy exploration only uses it). */
  get epsilon(): number {
    return this.epsilonAt(this.steps);
  }

  private stateOf(obs: unknown): number {
    const s = (obs as number) - this.obsSpace.start;
    if (!Number.isInteger(s) || s < 0 || s >= this.nS) {
      throw new RangeError(`${this.algorithm}: observation ${String(obs)} is not in ${describeSpace(this.obsSpace)}`);
    }
    return s;
  }

  private checkEnv(env: Env): void {
    const obs = discreteSpace(this.algorithm, env.observationSpace, 'observation');
    const act = discreteSpace(this.algorithm, env.actionSpace, 'action');
    if (obs.n !== this.nS || obs.start !== this.obsSpace.start || act.n !== this.nA || act.start !== this.actSpace.start) {
      throw new RangeError(
        `${this.algorithm}: the env has ${describeSpace(obs)} observations and ${describeSpace(act)} actions, but the agent was created for ` +
          `${describeSpace(this.obsSpace)} and ${describeSpace(this.actSpace)}`,
      );
    }
  }

  /** An action of the exploration policy in state s, from the training generator. */
  private behave(s: number): number {
    const row = this.qRows[s]!;
    for (let b = 0; b < this.nA; b++) {
      if (!Number.isFinite(row[b]!)) {
        throw new RangeError(
          `${this.algorithm}: the Q-values diverged by step ${this.steps} (Q(${s}, ${b}) = ${row[b]}); lower learningRate (with accumulating traces, alpha must shrink as lambda grows)`,
        );
      }
    }
    this.explore.epsilon = this.epsilonAt(this.steps);
    return explorationAction(row, this.countRows[s]!, this.explore, this.rng);
  }

  async learn({ env, vecEnv, totalSteps, hooks }: LearnOptions): Promise<LearnResult> {
    const started = performance.now();
    if (!env || vecEnv) throw new TypeError(`${this.algorithm}: learn needs { env }, a single env (tabular agents do not use vector envs)`);
    if (!Number.isInteger(totalSteps) || totalSteps < 0) throw new RangeError(`${this.algorithm}: totalSteps must be a non-negative integer, got ${totalSteps}`);
    this.checkEnv(env);
    const { countRows, learner } = this;
    const firstEpisode = this.episodes;
    // What the learner sees; one object, refilled each step.
    const t = { s: 0, a: 0, reward: 0, s2: 0, a2: -1, terminated: false, truncated: false };

    let s = -1; // -1: the env needs a reset
    let a = -1; // -1: the action at s is not chosen yet
    let firstReset = true;
    let episodeReturn = 0;
    let episodeLength = 0;
    let absTdErrors = 0;
    while (this.steps < totalSteps) {
      if (s < 0) {
        // Each learn call starts from a reset seeded by the agent's generator; later resets continue the env's stream.
        s = this.stateOf(env.reset(firstReset ? { seed: this.rng.nextSeed() } : {}).obs);
        firstReset = false;
      }

      // 1-2. act in s and observe the transition.
      if (a < 0) a = this.behave(s);
      countRows[s]![a]! += 1;
      const r = env.step(a + this.actSpace.start);
      this.steps += 1;
      const s2 = this.stateOf(r.obs);

      // 3. SARSA-like learners: the next action, from the current Q. Never
      // taken after a truncation, but the target still bootstraps from it.
      const a2 = learner.usesNextAction && !r.terminated ? this.behave(s2) : -1;

      // 4. learn.
      t.s = s;
      t.a = a;
      t.reward = r.reward;
      t.s2 = s2;
      t.a2 = a2;
      t.terminated = r.terminated;
      t.truncated = r.truncated;
      absTdErrors += learner.observe(t);

      // 5. log.
      episodeReturn += r.reward;
      episodeLength += 1;
      if (r.terminated || r.truncated) {
        absTdErrors += learner.endEpisode(false);
        this.episodes += 1;
        hooks?.onEpisodeEnd?.({ step: this.steps, episode: this.episodes, return: episodeReturn, length: episodeLength, truncated: !r.terminated });
        hooks?.onUpdate?.({ step: this.steps, metrics: { epsilon: this.epsilonAt(this.steps), tdError: absTdErrors / episodeLength } });
        episodeReturn = 0;
        episodeLength = 0;
        absTdErrors = 0;
        s = -1;
        a = -1;
      } else {
        s = s2;
        a = a2;
      }
      if (hooks?.shouldStop?.({ step: this.steps })) break;
    }
    // Stopped inside an episode: the learner finishes or drops what is pending (the next learn call starts a fresh episode).
    if (s >= 0) learner.endEpisode(true);
    return { steps: this.steps, episodes: this.episodes - firstEpisode, seconds: (performance.now() - started) / 1000 };
  }

  /** Greedy (first best action on ties) when deterministic, else the exploration policy. */
  act(obs: unknown, options: { deterministic?: boolean } = {}): number {
    const s = this.stateOf(obs);
    if (options.deterministic) return argmax(this.qRows[s]!) + this.actSpace.start;
    this.explore.epsilon = this.epsilonAt(this.steps);
    return explorationAction(this.qRows[s]!, this.countRows[s]!, this.explore, this.actRng) + this.actSpace.start;
  }

  /** Q(s, .) and the exploration policy's probabilities at s. */
  diagnostics(obs: unknown): Diagnostics {
    const s = this.stateOf(obs);
    this.explore.epsilon = this.epsilonAt(this.steps);
    const probs = explorationProbs(this.qRows[s]!, this.countRows[s]!, this.explore, new Float64Array(this.nA));
    return { qValues: Array.from(this.qRows[s]!), probs: Array.from(probs) };
  }

  /** warmStart takes a state/action mapping between tasks of different shapes. */
  readonly warmStartMaps = true;

  /**
   * Transfer: copies the Q-table saved in `dir` (by any tabular agent, or by
   * value or policy iteration). Over the same numbers of states and actions
   * it is copied whole; between different shapes only through `mapping`
   * (states[s] and actions[a] name the saved state and action whose value
   * Q(s, a) starts from; -1 keeps initialQ). Visit counts, generator and
   * counters stay this agent's own.
   */
  async warmStart(dir: string, from: AgentManifest, mapping?: WarmStartMapping): Promise<void> {
    const who = `warmStart(${this.algorithm} <- ${from.algorithm})`;
    const file = from.state?.['qTable'];
    if (typeof file !== 'string') throw new Error(`warmStart: the ${from.algorithm} agent saved in ${dir} has no Q-table`);
    const count = (json: unknown, what: string): number => {
      const space = spaceFromJSON(json as SpaceJSON, `${join(dir, 'agent.json')}: context.${what}`);
      if (space.type !== 'discrete') throw new TypeError(`${who}: the saved agent's ${what} is ${describeSpace(space)}, not Discrete`);
      return space.n;
    };
    const oldS = count(from.context.observationSpace, 'observationSpace');
    const oldA = count(from.context.actionSpace, 'actionSpace');
    const saved = await readTable(dir, file, oldS * oldA, who);
    const { nS, nA } = this;
    if (mapping === undefined) {
      if (oldS !== nS || oldA !== nA) {
        throw new RangeError(
          `${who}: the table saved in ${dir} is ${oldS} states x ${oldA} actions, this agent's is ${nS} x ${nA}; ` +
            'give a mapping { states, actions }: states[s] is the saved state whose values state s starts from (-1: keep initialQ), and likewise for actions',
        );
      }
      this.qTable.set(saved);
      return;
    }
    const states = mappingFor(who, 'states', mapping.states, nS, oldS);
    const actions = mappingFor(who, 'actions', mapping.actions, nA, oldA);
    for (let s = 0; s < nS; s++) {
      if (states[s]! < 0) continue;
      for (let a = 0; a < nA; a++) if (actions[a]! >= 0) this.qTable[s * nA + a] = saved[states[s]! * oldA + actions[a]!]!;
    }
  }

  async save(dir: string): Promise<void> {
    await writeBinary(dir, FILES.qTable, this.qTable);
    await writeBinary(dir, FILES.visitCounts, this.visitCounts);
    const tables: Record<string, string> = {};
    for (const [name, table] of Object.entries(this.learner.tables ?? {})) {
      tables[name] = `${name}.f64`;
      await writeBinary(dir, tables[name], table);
    }
    const state: SavedState = {
      qTable: FILES.qTable,
      visitCounts: FILES.visitCounts,
      ...(Object.keys(tables).length > 0 ? { tables } : {}),
      rng: this.rng.getState(),
      actRng: this.actRng.getState(),
      episodes: this.episodes,
      epsilon: this.epsilon,
    };
    await writeManifest(dir, this, { ...state });
  }

  /** Rebuilds an agent saved by `save`: tables, generators and counters, so training continues exactly. */
  static async load(algorithm: string, makeLearner: LearnerFactory, hp: TabularTdHyperparameters, context: AgentContext, manifest: AgentManifest, dir: string): Promise<TabularTdAgent> {
    const agent = new TabularTdAgent(algorithm, makeLearner, hp, context);
    const state = manifest.state as unknown as SavedState;
    agent.qTable.set(await readTable(dir, state.qTable, agent.qTable.length, algorithm));
    agent.visitCounts.set(await readTable(dir, state.visitCounts, agent.visitCounts.length, algorithm));
    for (const [name, table] of Object.entries(agent.learner.tables ?? {})) table.set(await readTable(dir, state.tables?.[name], table.length, algorithm));
    agent.rng = Rng.fromState(state.rng);
    agent.actRng = Rng.fromState(state.actRng);
    agent.steps = manifest.stepCount;
    agent.episodes = state.episodes;
    return agent;
  }

  dispose(): void {}
}

/** A checked mapping: one entry per state (action) of this agent, each -1 or a saved index; the identity when omitted and the sizes agree. */
function mappingFor(who: string, what: 'states' | 'actions', given: readonly number[] | undefined, mine: number, saved: number): readonly number[] {
  if (given === undefined) {
    if (mine !== saved) throw new RangeError(`${who}: mapping.${what} is needed: this agent has ${mine} ${what}, the saved one ${saved}`);
    return Array.from({ length: mine }, (_, i) => i);
  }
  if (!Array.isArray(given) || given.length !== mine) {
    throw new RangeError(`${who}: mapping.${what} must list ${mine} entries (one per ${what === 'states' ? 'state' : 'action'} of this agent), got ${Array.isArray(given) ? `${given.length}` : JSON.stringify(given)}`);
  }
  given.forEach((v, i) => {
    if (!Number.isInteger(v) || v < -1 || v >= saved) throw new RangeError(`${who}: mapping.${what}[${i}] must be -1 or a saved index in [0, ${saved}), got ${JSON.stringify(v)}`);
  });
  return given;
}

async function readTable(dir: string, file: unknown, length: number, who: string): Promise<Float64Array> {
  if (typeof file !== 'string') throw new Error(`${who}: ${join(dir, 'agent.json')} names no table file (got ${JSON.stringify(file)})`);
  const table = new Float64Array(await readBinary(dir, file));
  if (table.length !== length) throw new RangeError(`${who}: ${join(dir, file)} holds ${table.length} values, expected ${length} (states x actions)`);
  return table;
}

/** Registers a tabular TD agent: its name, spec and TD rule; the loop above does the rest. */
export function registerTabularTdAgent<S extends ParamSpec>(
  name: string,
  description: string,
  // The spec must resolve to (at least) the hyperparameters the loop reads.
  hyperparameters: S & (Resolved<S> extends TabularTdHyperparameters ? unknown : never),
  rule: TdRule,
): void {
  registerTabularAgent(name, description, hyperparameters, tdRuleLearner(rule));
}

/** Every tabular agent registered so far: each warm starts from any of them (the list grows as they register). */
const TABULAR_AGENTS: string[] = [];

/** Registers a tabular agent with a multi-step learner (Monte Carlo, n-step, traces); the loop above does the rest. */
export function registerTabularAgent<S extends ParamSpec>(
  name: string,
  description: string,
  hyperparameters: S & (Resolved<S> extends TabularTdHyperparameters ? unknown : never),
  makeLearner: LearnerFactory,
): void {
  TABULAR_AGENTS.push(name);
  registerAgent<S>({
    name,
    description,
    hyperparameters,
    // warmStart takes any saved Q-table (a mapping where the shapes differ).
    warmStartsFrom: TABULAR_AGENTS,
    create: (hp, context) => new TabularTdAgent(name, makeLearner, hp as TabularTdHyperparameters, context),
    load: (hp, context, manifest, dir) => TabularTdAgent.load(name, makeLearner, hp as TabularTdHyperparameters, context, manifest, dir),
  });
}

