// Finite MDPs with a known model. Envs with a small discrete state space
// (FrozenLake, CliffWalking) publish their full transition table on
// `env.unwrapped`, in Gymnasium's layout, so that dynamic-programming agents
// (value iteration, policy iteration) can plan on the same numbers the env
// samples from: the env's `step` draws from this table and nothing else.
import type { Env, EnvSpec, RenderState, ResetArgs, ResetResult, StepResult } from './env.js';
import { assertAction, EnvUsageError } from './env.js';
import type { Rng } from './rng.js';
import { reseed } from './rng.js';
import type { DiscreteSpace } from './spaces.js';
import { discrete } from './spaces.js';

/** One outcome of an action: its probability, the next state, the reward, and whether the next state is terminal. */
export type Transition = [prob: number, next: number, reward: number, terminated: boolean];

export interface TabularMDP {
  readonly nS: number;
  readonly nA: number;
  /**
   * P[s][a]: the outcomes of action a in state s, in the env's own order.
   * Outcomes that lead to the same next state are kept apart (not merged), as in
   * Gymnasium, so the table can be compared with Gymnasium's entry by entry.
   */
  readonly P: Transition[][][];
  /** Probability of each state right after reset (sums to 1). */
  readonly initialStateDistrib: Float64Array;
}

/** Whether `x` carries a transition table (nS, nA, P, initialStateDistrib). */
export function isTabularMDP(x: unknown): x is TabularMDP {
  const m = x as Partial<TabularMDP> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isInteger(m.nS) &&
    Number.isInteger(m.nA) &&
    Array.isArray(m.P) &&
    m.initialStateDistrib instanceof Float64Array
  );
}

/**
 * The model of `env`, found on `env.unwrapped` so that it works through any
 * wrapper. The arrays are the env's own (not copies): treat them as read-only.
 */
export function tabularModel(env: Env): TabularMDP {
  const inner = env.unwrapped;
  if (!isTabularMDP(inner)) {
    throw new TypeError(
      `${env.spec.id} has no transition table: tabularModel needs an env whose unwrapped env exposes nS, nA, P and initialStateDistrib (a finite MDP)`,
    );
  }
  return { nS: inner.nS, nA: inner.nA, P: inner.P, initialStateDistrib: inner.initialStateDistrib };
}

/**
 * Draws an index in [0, n) by inverse CDF: the first index whose cumulative
 * probability exceeds a uniform u in [0, 1), Gymnasium's `categorical_sample`
 * rule. Zero-probability entries are never drawn. When rounding leaves the
 * cumulative sum just below u, the last index with positive probability is
 * returned (Gymnasium would return index 0 there, an artifact of numpy's argmax).
 */
function drawIndex(n: number, probAt: (i: number) => number, rng: Rng, caller: string): number {
  const u = rng.random();
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < n; i++) {
    const p = probAt(i);
    cumulative += p;
    if (cumulative > u) return i;
    if (p > 0) lastPositive = i;
  }
  if (lastPositive < 0) throw new RangeError(`${caller}: no outcome has a positive probability`);
  return lastPositive;
}

/** An index drawn from the distribution `probs` (e.g. a start state from initialStateDistrib). */
export function sampleIndex(probs: ArrayLike<number>, rng: Rng): number {
  return drawIndex(probs.length, (i) => probs[i]!, rng, 'sampleIndex');
}

/** One outcome of `transitions` (a P[s][a] list), drawn by cumulative probability. */
export function sampleTransition(transitions: readonly Transition[], rng: Rng): Transition {
  return transitions[drawIndex(transitions.length, (i) => transitions[i]![0], rng, 'sampleTransition')]!;
}

/**
 * Freezes a transition table in place, down to each outcome, and returns it.
 * Planning agents receive the env's own table; freezing turns an accidental
 * write (which would silently change the env's dynamics) into an error.
 */
export function freezeTable(P: Transition[][][]): Transition[][][] {
  for (const row of P) {
    for (const outcomes of row) {
      for (const t of outcomes) Object.freeze(t);
      Object.freeze(outcomes);
    }
    Object.freeze(row);
  }
  return Object.freeze(P) as Transition[][][];
}

/**
 * The base of every env that samples its own TabularMDP (FrozenLake,
 * CliffWalking, finite MDPs): it holds the table, the current state, the last
 * action and the generator, so they all reset and step by the table the same
 * way: the start state from initialStateDistrib, each outcome from P[s][a],
 * both drawn from the env's seeded generator, with `info.prob` as in
 * Gymnasium. A subclass builds its model and says how it is drawn.
 */
export abstract class TabularEnv implements Env<number, number>, TabularMDP {
  readonly observationSpace: DiscreteSpace;
  readonly actionSpace: DiscreteSpace;
  readonly nS: number;
  readonly nA: number;
  readonly P: Transition[][][];
  readonly initialStateDistrib: Float64Array;
  /** Current state (-1 before the first reset). */
  protected state = -1;
  protected lastAction: number | null = null;
  private rng: Rng | null = null;

  constructor(
    readonly spec: EnvSpec,
    model: TabularMDP,
  ) {
    this.nS = model.nS;
    this.nA = model.nA;
    this.P = model.P;
    this.initialStateDistrib = model.initialStateDistrib;
    this.observationSpace = discrete(this.nS);
    this.actionSpace = discrete(this.nA);
  }

  get unwrapped(): Env {
    return this as Env;
  }

  reset(args: ResetArgs = {}): ResetResult<number> {
    this.rng = reseed(this.rng, args.seed);
    this.state = sampleIndex(this.initialStateDistrib, this.rng);
    this.lastAction = null;
    return { obs: this.state, info: { prob: 1 } };
  }

  step(action: number): StepResult<number> {
    if (this.rng === null) throw new EnvUsageError(`${this.spec.id}: step() called before reset(); call reset() to start an episode`);
    const outcomes = this.P[this.state]![action];
    if (outcomes === undefined) assertAction(this, action);
    const [prob, next, reward, terminated] = sampleTransition(outcomes!, this.rng);
    this.state = next;
    this.lastAction = action;
    return { obs: next, reward, terminated, truncated: false, info: { prob } };
  }

  abstract renderState(): RenderState;

  close(): void {}
}
