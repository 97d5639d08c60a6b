// The wrappers `makeGame` applies (action check, time limit, order
// enforcing), on a forwarding base that every multi-agent wrapper builds on.
import type { ResetArgs } from '../env.js';
import { EnvUsageError } from '../env.js';
import { contains, describeSpace, describeValue } from '../spaces.js';
import type { AgentId, PerAgent, GameSpec, ParallelEnv, TurnBasedEnv } from './api.js';
import { assertParallelActions, TurnLedger } from './game-helpers.js';

const PARALLEL_GETTERS = ['spec', 'possibleAgents', 'agents', 'unwrapped'] as const;
const PARALLEL_METHODS = ['observationSpace', 'actionSpace', 'reset', 'step', 'renderState', 'close'] as const;
const TURN_GETTERS = [
  'spec',
  'possibleAgents',
  'agents',
  'agentSelection',
  'rewards',
  'cumulativeRewards',
  'terminations',
  'truncations',
  'infos',
  'unwrapped',
] as const;
const TURN_METHODS = ['observationSpace', 'actionSpace', 'reset', 'observe', 'last', 'step', 'renderState', 'close'] as const;

function forwardObject(inner: object, getters: readonly string[], methods: readonly string[], overrides: object): object {
  const source = inner as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const define = (key: string, desc: PropertyDescriptor) => Object.defineProperty(out, key, { ...desc, enumerable: true, configurable: true });
  for (const key of getters) define(key, { get: () => source[key] });
  for (const key of methods) define(key, { value: (...args: unknown[]) => (source[key] as (...a: unknown[]) => unknown).apply(inner, args) });
  // Optional members exist on the wrapper only when the inner game has them.
  if (source.stateSpace !== undefined) define('stateSpace', { get: () => source.stateSpace });
  for (const key of ['state', 'renderHeader']) {
    if (typeof source[key] === 'function') define(key, { value: (...args: unknown[]) => (source[key] as (...a: unknown[]) => unknown).apply(inner, args) });
  }
  for (const key of Object.keys(overrides)) define(key, Object.getOwnPropertyDescriptor(overrides, key)!);
  return out;
}

/** A parallel game that forwards everything to `inner` except what `overrides` replaces. */
export function forwardParallel<O, A>(inner: ParallelEnv, overrides: Partial<Omit<ParallelEnv<O, A>, 'unwrapped'>>): ParallelEnv<O, A> {
  return forwardObject(inner, PARALLEL_GETTERS, PARALLEL_METHODS, overrides) as ParallelEnv<O, A>;
}

/** A turn-based game that forwards everything to `inner` except what `overrides` replaces. */
export function forwardTurnBased<O, A>(inner: TurnBasedEnv, overrides: Partial<Omit<TurnBasedEnv<O, A>, 'unwrapped'>>): TurnBasedEnv<O, A> {
  return forwardObject(inner, TURN_GETTERS, TURN_METHODS, overrides) as TurnBasedEnv<O, A>;
}


/** Checks the action keys and that each live agent's action is in its action space. */
export function parallelActionChecking<O, A>(env: ParallelEnv<O, A>): ParallelEnv<O, A> {
  return forwardParallel<O, A>(env, {
    step(actions: Readonly<PerAgent<A>>) {
      assertParallelActions(env.spec.id, env.possibleAgents, env.agents, actions);
      for (const agent of env.agents) {
        const space = env.actionSpace(agent);
        if (!contains(space, actions[agent])) {
          throw new EnvUsageError(`${env.spec.id}: action ${describeValue(actions[agent])} for ${agent} is not in its action space ${describeSpace(space)}`);
        }
      }
      return env.step(actions);
    },
  });
}

/** Checks that the selected live agent's action is in its action space, and that done agents get null. */
export function turnBasedActionChecking<O, A>(env: TurnBasedEnv<O, A>): TurnBasedEnv<O, A> {
  return forwardTurnBased<O, A>(env, {
    step(action: A | null | undefined) {
      const agent = env.agentSelection;
      const done = env.terminations[agent] === true || env.truncations[agent] === true;
      if (!done) {
        const space = env.actionSpace(agent);
        if (action === null || action === undefined) {
          throw new EnvUsageError(`${env.spec.id}: it is ${agent}'s turn and ${agent} is live; step(null) is only for done agents`);
        }
        if (!contains(space, action)) {
          throw new EnvUsageError(`${env.spec.id}: action ${describeValue(action)} for ${agent} is not in its action space ${describeSpace(space)}`);
        }
      }
      env.step(action);
    },
  });
}

export function checkLimit(maxEpisodeSteps: number, where: string): void {
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new RangeError(`${where}: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
  }
}

/**
 * Truncates every live agent after `maxEpisodeSteps` parallel steps (agents
 * that terminate on that step stay terminated, not truncated). The game itself
 * never knows about the limit.
 */
export function parallelTimeLimit<O, A>(env: ParallelEnv<O, A>, maxEpisodeSteps: number): ParallelEnv<O, A> {
  checkLimit(maxEpisodeSteps, 'parallelTimeLimit');
  let elapsed = 0;
  let cut = false;
  const spec: GameSpec = { ...env.spec, maxEpisodeSteps };
  return forwardParallel<O, A>(env, {
    spec,
    get agents() {
      return cut ? [] : env.agents;
    },
    reset(args?: ResetArgs) {
      elapsed = 0;
      cut = false;
      return env.reset(args);
    },
    step(actions: Readonly<PerAgent<A>>) {
      if (cut) assertParallelActions(spec.id, env.possibleAgents, [], actions);
      const r = env.step(actions);
      elapsed += 1;
      if (elapsed >= maxEpisodeSteps && env.agents.length > 0) {
        for (const agent of env.agents) r.truncations[agent] = true;
        cut = true;
      }
      return r;
    },
  });
}

/**
 * Truncates a turn-based game after `maxEpisodeSteps` moves (steps by live
 * agents). At the limit the wrapper takes over the end of the episode: every
 * agent still live is marked truncated, and the done agents are removed one
 * `step(null)` at a time here, without stepping the game again.
 */
export function turnBasedTimeLimit<O, A>(env: TurnBasedEnv<O, A>, maxEpisodeSteps: number): TurnBasedEnv<O, A> {
  checkLimit(maxEpisodeSteps, 'turnBasedTimeLimit');
  let moves = 0;
  let cut: TurnLedger | null = null;
  const spec: GameSpec = { ...env.spec, maxEpisodeSteps };
  const book = (): TurnBasedEnv | TurnLedger => cut ?? env;
  return forwardTurnBased<O, A>(env, {
    spec,
    get agents() {
      return book().agents;
    },
    get agentSelection() {
      return book().agentSelection;
    },
    get rewards() {
      return book().rewards;
    },
    get cumulativeRewards() {
      return book().cumulativeRewards;
    },
    get terminations() {
      return book().terminations;
    },
    get truncations() {
      return book().truncations;
    },
    get infos() {
      return book().infos;
    },
    last() {
      return cut ? cut.last(env.observe(cut.agentSelection)) : env.last();
    },
    reset(args?: ResetArgs) {
      moves = 0;
      cut = null;
      env.reset(args);
    },
    step(action: A | null | undefined) {
      if (cut) {
        cut.removeSelected(spec.id, action);
        return;
      }
      const agent = env.agentSelection;
      const live = !(env.terminations[agent] || env.truncations[agent]);
      env.step(action);
      if (live) moves += 1;
      const stillLive = env.agents.filter((a) => !(env.terminations[a] || env.truncations[a]));
      if (moves >= maxEpisodeSteps && stillLive.length > 0) {
        cut = TurnLedger.copyOf(env);
        cut.end('truncated', stillLive);
        cut.select(null);
      }
    },
  });
}

/** Stepping before the first reset, or after every agent is done, throws. */
export function parallelOrderEnforcing<O, A>(env: ParallelEnv<O, A>): ParallelEnv<O, A> {
  let started = false;
  return forwardParallel<O, A>(env, {
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      started = true;
      return r;
    },
    step(actions: Readonly<PerAgent<A>>) {
      if (!started) throw new EnvUsageError(`${env.spec.id}: step() called before reset(); call reset() to start an episode`);
      if (env.agents.length === 0) {
        throw new EnvUsageError(`${env.spec.id}: step() called after every agent was done (terminated or truncated); call reset() to start a new episode`);
      }
      return env.step(actions);
    },
  });
}

/** Observing or stepping before the first reset, or stepping after every agent left, throws. */
export function turnBasedOrderEnforcing<O, A>(env: TurnBasedEnv<O, A>): TurnBasedEnv<O, A> {
  let started = false;
  const before = (what: string) => {
    if (!started) throw new EnvUsageError(`${env.spec.id}: ${what} called before reset(); call reset() to start a game`);
  };
  return forwardTurnBased<O, A>(env, {
    reset(args?: ResetArgs) {
      env.reset(args);
      started = true;
    },
    observe(agent: AgentId) {
      before('observe()');
      return env.observe(agent);
    },
    last() {
      before('last()');
      return env.last();
    },
    step(action: A | null | undefined) {
      before('step()');
      if (env.agents.length === 0) {
        throw new EnvUsageError(`${env.spec.id}: step() called after the game ended and every agent left; call reset() to start a new game`);
      }
      env.step(action);
    },
  });
}
