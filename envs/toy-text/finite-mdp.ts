/**
 * Finite MDPs written as tables: a textbook MDP (a few named states and
 * actions, transition probabilities and rewards) becomes an env that can be
 * simulated, learned from, and solved by dynamic programming through the
 * transition table it exposes (see core/tabular.ts), in a few lines:
 *
 *   const env = finiteMdpEnv({
 *     transitions: {
 *       A: { stay: [[1, 'A', 1]], go: [[1, 'B', 0]] },
 *       B: { stay: [[1, 'B', 0]], go: [[0.8, 'end', 20], [0.2, 'A', 0]] },
 *     },
 *     terminalStates: ['end'],
 *   }, { maxEpisodeSteps: 100 });
 *
 * Observation: Discrete(nS): the index of the current state, in the order of
 *   `states` (or of first mention in the tables when `states` is not given).
 *
 * Action: Discrete(nA): the index of an action, in the order of `actions` (or
 *   of first mention). Every non-terminal state must define every action.
 *
 * Reward: the reward of the outcome drawn, as written in the table.
 *
 * Start state: drawn from `initialStateDistrib` (a probability per state),
 *   or `initialState`, or else the first state.
 *
 * Episode end: terminated on an outcome whose `terminated` flag is true; the
 *   flag defaults to whether the next state is listed in `terminalStates`. A
 *   state without a row in `transitions` is terminal if every outcome entering
 *   it terminates. Terminal states are absorbing in P (probability 1 of
 *   staying, reward 0, terminated), as in FrozenLake, so planners can sweep
 *   over them. Truncated only by a time limit (`maxEpisodeSteps`).
 *
 * Info: `{ prob }`, the probability of the outcome that happened (1 at reset).
 *
 * Tables: `transitions[state][action]` is a list of outcomes
 *   `[probability, nextState, reward, terminated?]`. States and actions are
 *   named by string or by index; the rows can be objects keyed by name or index,
 *   or plain nested arrays. The outcome probabilities of each state and action
 *   must be non-negative and sum to 1 within 1e-9; errors name the state, the
 *   action and what is wrong.
 */
import type { Env, EnvSpec, RenderState } from '../../core/env.js';
import { actionChecking, orderEnforcing } from '../../core/env.js';
import type { RegisterOptions } from '../../core/registry.js';
import { register } from '../../core/registry.js';
import type { TabularMDP, Transition } from '../../core/tabular.js';
import { freezeTable, TabularEnv } from '../../core/tabular.js';
import { timeLimit } from '../../core/wrappers/time-limit.js';

/** How far a row's probabilities may be from summing to 1 (room for decimal fractions like 0.1 + 0.2 + 0.7). */
export const PROBABILITY_TOLERANCE = 1e-9;

/** A state or action, by name or by index. */
export type Ref = string | number;

/** One outcome of an action: probability, next state, reward, and whether the episode ends (default: next state is terminal). */
export type OutcomeSpec = readonly [prob: number, next: Ref, reward: number, terminated?: boolean];

type Row<T> = Readonly<Record<string, T>> | readonly T[];

export interface FiniteMdpSpec {
  /** State names, or the number of states (named by index). Default: states in order of first mention. */
  readonly states?: readonly string[] | number;
  /** Action names, or the number of actions. Default: actions in order of first mention. */
  readonly actions?: readonly string[] | number;
  /** transitions[state][action] = the outcomes of taking action in state. */
  readonly transitions: Row<Row<readonly OutcomeSpec[]>>;
  /** States where episodes end: entering one terminates. */
  readonly terminalStates?: readonly Ref[];
  /** The start state (default: the first state); or ... */
  readonly initialState?: Ref;
  /** ... a probability for each start state, by name or index (the missing ones are 0). */
  readonly initialStateDistrib?: Row<number>;
}

/** The compiled table, with the names that go with the indices. */
export interface FiniteMdpModel extends TabularMDP {
  readonly stateNames: readonly string[];
  readonly actionNames: readonly string[];
}

const WHERE = 'finiteMdp';

const isIndexLike = (r: Ref): boolean => (typeof r === 'number' ? Number.isInteger(r) && r >= 0 : /^(0|[1-9]\d*)$/.test(r));
const show = (r: Ref): string => (typeof r === 'number' ? String(r) : `'${r}'`);
const entries = <T>(row: Row<T>): [string, T][] => Object.entries(row as Record<string, T>);

/**
 * Names for `what` (states or actions): the given list, or n indices, or (when
 * not given) the references in order of first mention, which must then be all
 * indices or all names.
 */
function resolveNames(what: 'state' | 'action', given: readonly string[] | number | undefined, mentioned: readonly Ref[]): string[] {
  if (typeof given === 'number') {
    if (!Number.isInteger(given) || given < 1) throw new RangeError(`${WHERE}: ${what}s must be a positive integer or a list of names, got ${given}`);
    return Array.from({ length: given }, (_, i) => String(i));
  }
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length === 0 || !given.every((n) => typeof n === 'string')) {
      throw new TypeError(`${WHERE}: ${what}s must be a non-empty list of names (strings) or a count, got ${JSON.stringify(given)}`);
    }
    const dup = given.find((n, i) => given.indexOf(n) !== i);
    if (dup !== undefined) throw new RangeError(`${WHERE}: ${what} name '${dup}' appears twice in ${what}s`);
    return [...given];
  }
  if (mentioned.every(isIndexLike)) {
    const n = 1 + Math.max(...mentioned.map(Number));
    return Array.from({ length: n }, (_, i) => String(i));
  }
  const index = mentioned.find(isIndexLike);
  if (index !== undefined) {
    throw new TypeError(
      `${WHERE}: the tables mix ${what} names and indices (e.g. ${show(index)}); pass ${what}s: [...] to name them, so that indices can be resolved`,
    );
  }
  return [...new Set(mentioned.map(String))];
}

/** Index of a reference: a name first, else an index in range; errors list the known names. */
function resolver(what: 'state' | 'action', names: readonly string[]): (ref: Ref, where: string) => number {
  const byName = new Map(names.map((n, i) => [n, i]));
  return (ref, where) => {
    if (typeof ref === 'string' && byName.has(ref)) return byName.get(ref)!;
    if (isIndexLike(ref) && Number(ref) < names.length) return Number(ref);
    const known = names.length <= 20 ? names.map((n) => `'${n}'`).join(', ') : `${names.length} ${what}s`;
    throw new RangeError(`${WHERE}: ${where}: unknown ${what} ${JSON.stringify(ref)}; ${what}s are ${known} (or indices 0..${names.length - 1})`);
  };
}

function checkOutcome(o: unknown, where: string): asserts o is OutcomeSpec {
  if (!Array.isArray(o) || (o.length !== 3 && o.length !== 4)) {
    throw new TypeError(`${WHERE}: ${where} must be [probability, nextState, reward] or [probability, nextState, reward, terminated], got ${JSON.stringify(o)}`);
  }
  const [p, next, r, term] = o as unknown[];
  if (typeof p !== 'number' || !Number.isFinite(p)) throw new TypeError(`${WHERE}: ${where}: probability must be a finite number, got ${JSON.stringify(p)}`);
  if (p < 0) throw new RangeError(`${WHERE}: ${where}: probability ${p} is negative`);
  if (typeof next !== 'string' && typeof next !== 'number') throw new TypeError(`${WHERE}: ${where}: next state must be a name or an index, got ${JSON.stringify(next)}`);
  if (typeof r !== 'number' || !Number.isFinite(r)) throw new TypeError(`${WHERE}: ${where}: reward must be a finite number, got ${JSON.stringify(r)}`);
  if (term !== undefined && typeof term !== 'boolean') throw new TypeError(`${WHERE}: ${where}: terminated must be true or false, got ${JSON.stringify(term)}`);
}

/** Checks a finite MDP written as tables and compiles it into a TabularMDP (Gymnasium's P layout) with names. */
export function finiteMdpModel(mdp: FiniteMdpSpec): FiniteMdpModel {
  if (typeof mdp !== 'object' || mdp === null || typeof mdp.transitions !== 'object' || mdp.transitions === null) {
    throw new TypeError(`${WHERE}: expected { transitions: { [state]: { [action]: [[prob, next, reward, terminated?], ...] } } }, got ${JSON.stringify(mdp)}`);
  }
  const rows = entries(mdp.transitions);
  if (rows.length === 0) throw new RangeError(`${WHERE}: transitions is empty; give at least one state's actions`);
  const at = (s: string, a?: string, i?: number): string =>
    `transitions[${JSON.stringify(s)}]${a !== undefined ? `[${JSON.stringify(a)}]` : ''}${i !== undefined ? `[${i}]` : ''}`;

  // First pass: shapes, and every state and action mentioned, in order.
  const mentionedStates: Ref[] = [];
  const mentionedActions: Ref[] = [];
  for (const [s, actions] of rows) {
    mentionedStates.push(s);
    if (typeof actions !== 'object' || actions === null) throw new TypeError(`${WHERE}: ${at(s)} must map actions to outcome lists, got ${JSON.stringify(actions)}`);
    for (const [a, outcomes] of entries(actions)) {
      mentionedActions.push(a);
      if (!Array.isArray(outcomes) || outcomes.length === 0) {
        throw new TypeError(`${WHERE}: ${at(s, a)} must be a non-empty list of [probability, nextState, reward, terminated?], got ${JSON.stringify(outcomes)}`);
      }
      outcomes.forEach((o, i) => {
        checkOutcome(o, at(s, a, i));
        mentionedStates.push(o[1]);
      });
    }
  }
  mentionedStates.push(...(mdp.terminalStates ?? []));
  if (mdp.initialState !== undefined) mentionedStates.push(mdp.initialState);
  const stateNames = resolveNames('state', mdp.states, mentionedStates);
  const actionNames = resolveNames('action', mdp.actions, mentionedActions);
  const stateOf = resolver('state', stateNames);
  const actionOf = resolver('action', actionNames);
  const nS = stateNames.length;
  const nA = actionNames.length;

  const terminal = new Set<number>();
  if (mdp.terminalStates !== undefined && !Array.isArray(mdp.terminalStates)) {
    throw new TypeError(`${WHERE}: terminalStates must be a list of states, got ${JSON.stringify(mdp.terminalStates)}`);
  }
  for (const ref of mdp.terminalStates ?? []) terminal.add(stateOf(ref, 'terminalStates'));

  // Second pass: resolve names, check each row's probabilities.
  const P: (Transition[][] | undefined)[] = new Array(nS);
  /** Whether some outcome enters the state without terminating (then it needs its own row). */
  const enteredAlive = new Array<string | undefined>(nS);
  for (const [sKey, actions] of rows) {
    const s = stateOf(sKey, at(sKey));
    if (P[s] !== undefined) throw new RangeError(`${WHERE}: ${at(sKey)}: state '${stateNames[s]}' has two rows (by name and by index)`);
    if (terminal.has(s)) {
      throw new RangeError(`${WHERE}: ${at(sKey)}: state '${stateNames[s]}' is listed in terminalStates, so it must not have transitions (episodes end on entering it)`);
    }
    const row = new Array<Transition[] | undefined>(nA);
    for (const [aKey, outcomes] of entries(actions)) {
      const a = actionOf(aKey, at(sKey, aKey));
      if (row[a] !== undefined) throw new RangeError(`${WHERE}: ${at(sKey, aKey)}: action '${actionNames[a]}' is given twice (by name and by index)`);
      let total = 0;
      row[a] = outcomes.map((o, i) => {
        const where = at(sKey, aKey, i);
        const next = stateOf(o[1], where);
        const isTerminal = terminal.has(next);
        if (o[3] === false && isTerminal) {
          throw new RangeError(`${WHERE}: ${where}: terminated is false but the next state '${stateNames[next]}' is listed in terminalStates`);
        }
        const terminated = o[3] ?? isTerminal;
        if (!terminated) enteredAlive[next] ??= where;
        total += o[0];
        return [o[0], next, o[2], terminated];
      });
      if (!(Math.abs(total - 1) <= PROBABILITY_TOLERANCE)) {
        throw new RangeError(
          `${WHERE}: ${at(sKey, aKey)}: the probabilities of state '${stateNames[s]}', action '${actionNames[a]}' sum to ${total}, not 1 (tolerance ${PROBABILITY_TOLERANCE})`,
        );
      }
    }
    const missing = actionNames.filter((_, a) => row[a] === undefined);
    if (missing.length > 0) {
      throw new RangeError(
        `${WHERE}: ${at(sKey)}: state '${stateNames[s]}' does not define action${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}; ` +
          `every non-terminal state needs an outcome list for every action`,
      );
    }
    P[s] = row as Transition[][];
  }

  // Initial distribution: explicit, a single state, or the first state.
  const initialStateDistrib = new Float64Array(nS);
  if (mdp.initialStateDistrib !== undefined && mdp.initialState !== undefined) {
    throw new TypeError(`${WHERE}: give initialState or initialStateDistrib, not both`);
  }
  if (mdp.initialStateDistrib !== undefined) {
    if (typeof mdp.initialStateDistrib !== 'object' || mdp.initialStateDistrib === null) {
      throw new TypeError(`${WHERE}: initialStateDistrib must map states to probabilities, got ${JSON.stringify(mdp.initialStateDistrib)}`);
    }
    let total = 0;
    for (const [key, p] of entries(mdp.initialStateDistrib)) {
      const where = `initialStateDistrib[${JSON.stringify(key)}]`;
      const s = stateOf(key, where);
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) throw new RangeError(`${WHERE}: ${where}: probability must be a non-negative number, got ${JSON.stringify(p)}`);
      initialStateDistrib[s] = p;
      total += p;
    }
    if (!(Math.abs(total - 1) <= PROBABILITY_TOLERANCE)) {
      throw new RangeError(`${WHERE}: initialStateDistrib sums to ${total}, not 1 (tolerance ${PROBABILITY_TOLERANCE})`);
    }
  } else {
    initialStateDistrib[mdp.initialState !== undefined ? stateOf(mdp.initialState, 'initialState') : 0] = 1;
  }

  // States without a row: terminal if every way in terminates; absorbing in P.
  for (let s = 0; s < nS; s++) {
    if (P[s] !== undefined) continue;
    if (enteredAlive[s] !== undefined) {
      throw new RangeError(
        `${WHERE}: state '${stateNames[s]}' has no transitions but ${enteredAlive[s]} enters it without ending the episode; ` +
          `give its row in transitions, or list it in terminalStates`,
      );
    }
    terminal.add(s);
    P[s] = Array.from({ length: nA }, (): Transition[] => [[1, s, 0, true]]);
  }
  for (const s of terminal) {
    if (initialStateDistrib[s]! > 0) throw new RangeError(`${WHERE}: start state '${stateNames[s]}' is terminal; an episode must start in a state with transitions`);
  }

  return { nS, nA, P: freezeTable(P as Transition[][][]), initialStateDistrib, stateNames: Object.freeze(stateNames), actionNames: Object.freeze(actionNames) };
}

// ---------------------------------------------------------------- env

export class FiniteMdpEnv extends TabularEnv {
  readonly stateNames: readonly string[];
  readonly actionNames: readonly string[];

  constructor(mdp: FiniteMdpSpec | FiniteMdpModel, spec: EnvSpec = { id: 'FiniteMDP-v0', kwargs: {} }) {
    const model = 'P' in mdp ? mdp : finiteMdpModel(mdp);
    super(spec, model);
    this.stateNames = model.stateNames;
    this.actionNames = model.actionNames;
  }

  renderState(): RenderState {
    return {
      state: this.state,
      stateName: this.state >= 0 ? this.stateNames[this.state]! : null,
      lastAction: this.lastAction,
      lastActionName: this.lastAction === null ? null : this.actionNames[this.lastAction]!,
    };
  }
}

export interface FiniteMdpEnvOptions {
  /** The env id in specs and error messages (default 'FiniteMDP-v0'). */
  id?: string;
  /** Truncate episodes after this many steps (default: no time limit). */
  maxEpisodeSteps?: number;
}

/**
 * An env for `mdp`, wrapped the way `make` wraps registered envs: an action
 * check, the time limit when given, and order enforcing.
 */
export function finiteMdpEnv(mdp: FiniteMdpSpec, options: FiniteMdpEnvOptions = {}): Env<number, number> {
  const { id = 'FiniteMDP-v0', maxEpisodeSteps } = options;
  const spec: EnvSpec = { id, kwargs: {}, ...(maxEpisodeSteps !== undefined ? { maxEpisodeSteps } : {}) };
  let env: Env<number, number> = actionChecking(new FiniteMdpEnv(mdp, spec));
  if (maxEpisodeSteps !== undefined) env = timeLimit(env, maxEpisodeSteps);
  return orderEnforcing(env);
}

/**
 * Registers `mdp` under `id` so that `make(id)` builds it. The tables are
 * checked now, so a mistake shows up at registration rather than at first use.
 */
export function registerFiniteMdp(id: string, mdp: FiniteMdpSpec, options: Omit<RegisterOptions, 'kwargs' | 'kernel'> = {}): void {
  const model = finiteMdpModel(mdp);
  register(id, (_kwargs, spec) => new FiniteMdpEnv(model, spec), options);
}
