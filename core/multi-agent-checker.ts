// checkGame: a conformance check for multi-agent games, in the spirit of
// PettingZoo's api_test and parallel_api_test. It runs a game through seeded
// episodes with random (legal, where the game has action masks) actions and
// collects every problem it finds, each kind reported once, so that a game
// author sees the whole list at once (as core/checker.ts's checkEnv does for
// single-agent envs).
//
// Over 500 lines on purpose: one check of two APIs, each rule a short function
// reporting into one list; split by API, the shared rules would be written twice.
//
// Both APIs: valid and stable spaces per agent; observation dicts covering
// exactly the live agents (parallel) or per-agent records covering exactly
// `agents` (turn-based); observations in their spaces; finite rewards; boolean
// flags; agents that leave never coming back within the episode; masks
// consistent with the rules (a masked-in action is accepted, a masked-out one is
// rejected, or penalized in illegalMove: 'penalty' mode, never passed
// silently); seeded determinism (same seed and actions, same trajectory, also
// after a reset from the middle of an episode); a plain-JSON renderState; a
// state() inside its stateSpace; close() twice.
import { EnvUsageError } from './env.js';
import type {
  AgentId,
  Game,
  IllegalMoveMode,
  ParallelEnv,
  ParallelStepResult,
  PerAgent,
  TurnBasedEnv,
} from './multi-agent.js';
import { actionMaskOf, isTurnBased } from './multi-agent.js';
import { Rng } from './rng.js';
import type { Space, SpaceValue } from './spaces.js';
import { contains, describeSpace, describeValue, sample, spacesEqual } from './spaces.js';
import { checkSpace, jsonProblem, Problems } from './check-helpers.js';

export class GameCheckError extends Error {
  override name = 'GameCheckError';
  constructor(
    readonly gameId: string,
    readonly problems: readonly string[],
  ) {
    super(`${gameId} failed checkGame:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface CheckGameOptions {
  /** Steps (parallel) or moves (turn-based) per rollout (default 300). */
  steps?: number;
  /** Seed for the resets and the checker's own action sampling (default 123). */
  seed?: number;
  /** What an illegal (masked-out) move must do; default: the game's `illegalMove` kwarg, else either. */
  illegalMove?: IllegalMoveMode;
}

export interface CheckGameReport {
  readonly warnings: string[];
}

// ---------------------------------------------------------------- small shared checks

function fingerprint(x: unknown): string {
  return JSON.stringify(x, (_, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v;
  });
}

function sameKeys(obj: unknown, expected: readonly AgentId[]): boolean {
  if (typeof obj !== 'object' || obj === null) return false;
  const keys = Object.keys(obj);
  return keys.length === expected.length && expected.every((a) => Object.hasOwn(obj, a));
}

function keysOf(obj: unknown): string {
  return typeof obj === 'object' && obj !== null ? `[${Object.keys(obj).join(', ')}]` : describeValue(obj);
}

/** A legal action when the observation has a mask with a legal entry, else a sample of the action space. */
function pickAction(space: Space, obs: unknown, rng: Rng): SpaceValue {
  const mask = actionMaskOf(obs);
  if (mask) {
    const legal: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] === 1) legal.push(i);
    if (legal.length > 0) return legal[rng.integers(0, legal.length)]!;
  }
  return sample(space, rng);
}

/** A masked-out action, when the mask has both legal and illegal entries. */
function illegalAction(obs: unknown): number | null {
  const mask = actionMaskOf(obs);
  if (!mask || !mask.includes(1)) return null;
  const i = mask.indexOf(0);
  return i >= 0 ? i : null;
}

function checkSpaces(game: Game, problems: Problems): boolean {
  let ok = true;
  const agents = game.possibleAgents;
  if (!Array.isArray(agents) || agents.length === 0 || !agents.every((a) => typeof a === 'string')) {
    problems.add('possibleAgents', `possibleAgents must be a non-empty array of agent ids, got ${describeValue(agents)}`);
    return false;
  }
  if (new Set(agents).size !== agents.length) problems.add('possibleAgents', `possibleAgents has duplicates: ${agents.join(', ')}`);
  for (const agent of agents) {
    for (const [name, get] of [
      ['observationSpace', (a: AgentId) => game.observationSpace(a)],
      ['actionSpace', (a: AgentId) => game.actionSpace(a)],
    ] as const) {
      let space: Space;
      try {
        space = get(agent);
      } catch (e) {
        problems.add(`${name} throws`, `${name}(${agent}) threw: ${(e as Error).message}`);
        ok = false;
        continue;
      }
      if (!checkSpace(space, `${name}(${agent})`, problems, `space ${name}(${agent})`)) {
        ok = false;
        continue;
      }
      if (!spacesEqual(space, get(agent))) problems.add(`${name} stable`, `${name}(${agent}) returned different spaces on two calls`);
    }
    const mask = game.observationSpace(agent);
    if (mask?.type === 'dict' && 'actionMask' in mask.spaces) {
      const act = game.actionSpace(agent);
      const m = mask.spaces.actionMask!;
      const n = m.type === 'multi-binary' ? m.n : m.type === 'box' ? m.low.length : -1;
      if (act?.type !== 'discrete' || n !== act.n) {
        problems.add('mask space', `observationSpace(${agent}) has an actionMask of ${describeSpace(m)}, which does not match the action space ${describeSpace(act)} (one mask entry per discrete action)`);
      }
    }
  }
  if (typeof game.state === 'function') {
    if (game.stateSpace === undefined) problems.add('stateSpace', 'the game has state() but no stateSpace');
    else if (!checkSpace(game.stateSpace, 'stateSpace', problems, 'space stateSpace')) ok = false;
  }
  return ok;
}

function checkCommon(game: Game, problems: Problems, where: string): void {
  const rs = jsonProblem(game.renderState(), `renderState()`, new Set());
  if (rs) problems.add(`render ${where}`, `${where}: ${rs}`);
  if (typeof game.state === 'function' && game.stateSpace !== undefined) {
    const s = game.state();
    if (!contains(game.stateSpace, s)) problems.add('state', `${where}: state() ${describeValue(s)} is not in the stateSpace ${describeSpace(game.stateSpace)}`);
  }
}

/** The first check of both APIs: the spec's id and the spaces (bad spaces end the check at once); the options' defaults and the lists to fill. */
function beginCheck(game: Game, options: CheckGameOptions): { steps: number; seed: number; id: string; problems: Problems; warnings: string[] } {
  const id = game.spec?.id ?? '(game without spec)';
  const problems = new Problems();
  if (typeof game.spec?.id !== 'string') problems.add('spec', 'spec.id is missing');
  if (!checkSpaces(game, problems)) throw new GameCheckError(id, problems.list);
  return { steps: options.steps ?? 300, seed: options.seed ?? 123, id, problems, warnings: [] };
}

/** The last check of both APIs: close() twice; then every problem found is thrown, or the warnings returned. */
function finish(game: Game, id: string, problems: Problems, warnings: string[]): CheckGameReport {
  checkClose(game, problems);
  if (problems.list.length > 0) throw new GameCheckError(id, problems.list);
  return { warnings };
}

function checkClose(game: Game, problems: Problems): void {
  try {
    game.close();
    game.close();
  } catch (e) {
    problems.add('close', `close() twice threw: ${(e as Error).message}`);
  }
}

function expectedIllegalMode(game: Game, options: CheckGameOptions): IllegalMoveMode | undefined {
  const fromKwargs = game.spec?.kwargs?.illegalMove;
  return options.illegalMove ?? (fromKwargs === 'error' || fromKwargs === 'penalty' ? fromKwargs : undefined);
}

/**
 * Checks `game` against its API (parallel or turn-based, by `spec.kind`).
 * Throws GameCheckError listing every problem; returns warnings.
 */
export function checkGame(game: Game, options: CheckGameOptions = {}): CheckGameReport {
  return isTurnBased(game) ? checkTurnBasedEnv(game, options) : checkParallelEnv(game as ParallelEnv, options);
}

// ---------------------------------------------------------------- parallel

interface ParallelRecord {
  actions: PerAgent<unknown>;
  print: string;
}

interface ParallelTrace {
  /** Fingerprints of the first reset and of every step (its result and the live agents after it). */
  prints: string[];
  /** The first episode's actions, for replays. */
  firstEpisode: ParallelRecord[];
  /** Step index (in the first episode) and agent where a masked-out action could be tried. */
  illegalProbe: { step: number; agent: AgentId; action: number } | null;
  /** Step index (in the first episode) right after which some agent was done while others were live. */
  deadProbe: { step: number; dead: AgentId } | null;
}

function parallelRollout(env: ParallelEnv, seed: number, steps: number, problems: Problems | null): ParallelTrace {
  const rng = new Rng(seed);
  const trace: ParallelTrace = { prints: [], firstEpisode: [], illegalProbe: null, deadProbe: null };
  const first = env.reset({ seed });
  let lastObs: PerAgent<unknown> = { ...first.obs };
  if (problems) checkParallelReset(env, first, problems, 'reset');
  trace.prints.push(fingerprint({ obs: first.obs, agents: env.agents }));
  let episode = 0;
  let removed = new Set<AgentId>();
  for (let t = 0; t < steps; t++) {
    if (env.agents.length === 0) {
      const r = env.reset();
      if (problems) checkParallelReset(env, r, problems, 'reset after an episode');
      lastObs = { ...r.obs };
      trace.prints.push(fingerprint({ obs: r.obs, agents: env.agents }));
      episode += 1;
      removed = new Set();
      continue;
    }
    const live = [...env.agents];
    const actions: PerAgent<unknown> = {};
    for (const a of live) actions[a] = pickAction(env.actionSpace(a), lastObs[a], rng);
    if (episode === 0 && trace.illegalProbe === null) {
      for (const a of live) {
        const bad = illegalAction(lastObs[a]);
        if (bad !== null) {
          trace.illegalProbe = { step: trace.firstEpisode.length, agent: a, action: bad };
          break;
        }
      }
    }
    let r: ParallelStepResult<unknown>;
    try {
      r = env.step(actions);
    } catch (e) {
      problems?.add('step threw', `step ${t}: step(${describeValue(actions)}) threw on actions sampled from the action spaces (legal by the masks): ${(e as Error).message}`);
      return trace;
    }
    if (problems) checkParallelStep(env, r, live, removed, t, problems);
    for (const a of live) {
      if (r.terminations?.[a] === true || r.truncations?.[a] === true) removed.add(a);
    }
    lastObs = { ...lastObs, ...r.obs };
    const print = fingerprint({ r, agents: env.agents });
    trace.prints.push(print);
    if (episode === 0) {
      trace.firstEpisode.push({ actions, print });
      const dead = live.find((a) => removed.has(a));
      if (trace.deadProbe === null && dead !== undefined && env.agents.length > 0) trace.deadProbe = { step: trace.firstEpisode.length, dead };
    }
  }
  return trace;
}

function checkParallelReset(env: ParallelEnv, r: { obs: PerAgent<unknown>; infos: PerAgent<unknown> }, problems: Problems, where: string): void {
  const agents = env.agents;
  if (!Array.isArray(agents) || agents.length === 0) {
    problems.add('reset agents', `${where}: agents is ${describeValue(agents)}; after reset at least one agent must be live`);
    return;
  }
  const unknown = agents.filter((a) => !env.possibleAgents.includes(a));
  if (unknown.length > 0) problems.add('agents unknown', `${where}: agents ${unknown.join(', ')} are not in possibleAgents`);
  if (!sameKeys(r.obs, agents)) problems.add('reset obs keys', `${where}: obs has keys ${keysOf(r.obs)}, expected exactly the live agents [${agents.join(', ')}]`);
  if (!sameKeys(r.infos, agents)) problems.add('reset info keys', `${where}: infos has keys ${keysOf(r.infos)}, expected exactly the live agents [${agents.join(', ')}]`);
  for (const a of agents) {
    if (!contains(env.observationSpace(a), r.obs?.[a])) {
      problems.add('reset obs', `${where}: observation of ${a} ${describeValue(r.obs?.[a])} is not in its observation space ${describeSpace(env.observationSpace(a))}`);
    }
  }
}

function checkParallelStep(env: ParallelEnv, r: ParallelStepResult<unknown>, live: AgentId[], removed: Set<AgentId>, t: number, problems: Problems): void {
  const at = `step ${t}`;
  const expected = `expected exactly the agents that acted [${live.join(', ')}]`;
  for (const key of ['obs', 'rewards', 'terminations', 'truncations', 'infos'] as const) {
    if (!sameKeys(r[key], live)) problems.add(`${key} keys`, `${at}: ${key} has keys ${keysOf(r[key])}, ${expected}`);
  }
  for (const a of live) {
    const obs = r.obs?.[a];
    if (obs !== undefined && !contains(env.observationSpace(a), obs)) {
      problems.add('obs', `${at}: observation of ${a} ${describeValue(obs)} is not in its observation space ${describeSpace(env.observationSpace(a))}`);
    }
    const reward = r.rewards?.[a];
    if (typeof reward !== 'number' || !Number.isFinite(reward)) problems.add('reward', `${at}: reward of ${a} is ${describeValue(reward)}, not a finite number`);
    for (const flag of ['terminations', 'truncations'] as const) {
      const v = r[flag]?.[a];
      if (typeof v !== 'boolean') problems.add(flag, `${at}: ${flag}[${a}] is ${describeValue(v)}, not a boolean`);
    }
    const info = r.infos?.[a];
    if (typeof info !== 'object' || info === null) problems.add('info', `${at}: infos[${a}] is ${describeValue(info)}, not an object`);
  }
  const after = env.agents;
  for (const a of after) {
    if (removed.has(a)) problems.add('came back', `${at}: ${a} is live again after it was done earlier in the episode (agents never come back)`);
    else if (!live.includes(a)) problems.add('appeared', `${at}: ${a} joined agents during the episode`);
  }
  for (const a of live) {
    const done = r.terminations?.[a] === true || r.truncations?.[a] === true;
    if (done && after.includes(a)) problems.add('done stays', `${at}: ${a} is terminated or truncated but still in agents`);
    if (!done && !after.includes(a)) problems.add('left silently', `${at}: ${a} left agents without being terminated or truncated`);
  }
}

function mustThrow(problems: Problems, kind: string, what: string, fn: () => unknown): boolean {
  try {
    fn();
  } catch {
    return true;
  }
  problems.add(kind, what);
  return false;
}

/** Checks that a parallel game keeps its contract; throws GameCheckError listing every problem. */
export function checkParallelEnv(env: ParallelEnv, options: CheckGameOptions = {}): CheckGameReport {
  const { steps, seed, id, problems, warnings } = beginCheck(env, options);

  // seeded resets
  const r0 = env.reset({ seed });
  const again = env.reset({ seed });
  if (fingerprint(r0.obs) !== fingerprint(again.obs)) {
    problems.add('reset seed', `reset({ seed: ${seed} }) twice gave different observations: ${describeValue(r0.obs)} and ${describeValue(again.obs)}`);
  }
  const other = env.reset({ seed: seed + 1 });
  if (fingerprint(r0.obs) === fingerprint(other.obs)) warnings.push(`reset with seeds ${seed} and ${seed + 1} gave the same observations (fine if the start is fixed)`);
  checkCommon(env, problems, 'after reset');
  if (typeof env.renderHeader === 'function') {
    const h = jsonProblem(env.renderHeader(), 'renderHeader()', new Set());
    if (h) problems.add('header', h);
  }

  // malformed actions are rejected, with the state left as it was
  env.reset({ seed });
  const live = [...env.agents];
  if (live.length > 0) {
    const rng = new Rng(seed);
    const full: PerAgent<unknown> = {};
    for (const a of live) full[a] = sample(env.actionSpace(a), rng);
    const { [live[0]!]: _, ...missing } = full;
    mustThrow(problems, 'missing action', `step() without an action for the live agent ${live[0]} did not throw`, () => env.step(missing));
    mustThrow(problems, 'unknown agent', 'step() with an action for an agent that is not in the game did not throw', () =>
      env.step({ ...full, 'not-an-agent': full[live[0]!] }),
    );
  }

  // rollouts: validated, then again for determinism (starting mid-episode, so reset must clear everything)
  const a = parallelRollout(env, seed, steps, problems);
  checkCommon(env, problems, 'after steps');
  if (!env.spec?.nondeterministic) {
    const b = parallelRollout(env, seed, steps, null);
    compareTraces(a.prints, b.prints, seed, problems);
  }

  // an agent that is done cannot act again
  if (a.deadProbe) {
    const { step, dead } = a.deadProbe;
    if (replayParallel(env, seed, a.firstEpisode.slice(0, step), problems)) {
      const rng = new Rng(seed + 7);
      const actions: PerAgent<unknown> = {};
      for (const ag of env.agents) actions[ag] = sample(env.actionSpace(ag), rng);
      actions[dead] = sample(env.actionSpace(dead), rng);
      mustThrow(problems, 'dead acts', `step() with an action for ${dead}, which was done, did not throw`, () => env.step(actions));
    }
  }

  // a masked-out action is rejected or penalized
  if (a.illegalProbe) {
    const { step, agent, action } = a.illegalProbe;
    const history = a.firstEpisode;
    if (replayParallel(env, seed, history.slice(0, step), problems)) {
      const actions = { ...history[step]!.actions, [agent]: action };
      probeIllegal(
        problems,
        expectedIllegalMode(env, options),
        `${agent}'s masked-out action ${action}`,
        () => {
          const r = env.step(actions);
          return { reward: r.rewards[agent], done: r.terminations[agent] === true };
        },
        () => fingerprint({ r: env.step(history[step]!.actions), agents: env.agents }) === history[step]!.print,
      );
    }
  }

  return finish(env, id, problems, warnings);
}

/** Resets with `seed` and replays recorded actions; false (with a problem) when the replay diverges. */
function replayParallel(env: ParallelEnv, seed: number, records: ParallelRecord[], problems: Problems): boolean {
  const step = (rec: ParallelRecord) => fingerprint({ r: env.step(rec.actions), agents: env.agents });
  return replay(env, seed, records, step, problems, `replaying the same actions after reset({ seed: ${seed} }) gave a different step`);
}

/** Resets with `seed` and replays recorded moves; false (with a problem) when the replay diverges. */
function replayTurns(env: TurnBasedEnv, seed: number, records: TurnRecord[], problems: Problems): boolean {
  const step = (rec: TurnRecord) => {
    env.step(rec.action);
    return turnFingerprint(env);
  };
  return replay(env, seed, records, step, problems, `replaying the same moves after reset({ seed: ${seed} }) gave a different game`);
}

/** The replay both APIs share: `step` plays one record and returns the fingerprint to compare with the recorded one. */
function replay<R extends { print: string }>(game: Game, seed: number, records: readonly R[], step: (rec: R) => string, problems: Problems, diverged: string): boolean {
  game.reset({ seed });
  for (const rec of records) {
    if (step(rec) !== rec.print) {
      problems.add('determinism', `not deterministic: ${diverged}`);
      return false;
    }
  }
  return true;
}

function compareTraces(a: string[], b: string[], seed: number, problems: Problems): void {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const detail = (s: string) => (s.length > 160 ? `${s.slice(0, 157)}...` : s);
      problems.add(
        'determinism',
        `not deterministic: with seed ${seed} and the same actions, record ${i} differs (a reset from mid-episode must clear all state): ${detail(a[i]!)} vs ${detail(b[i]!)}`,
      );
      return;
    }
  }
  if (a.length !== b.length) problems.add('determinism', `not deterministic: with seed ${seed} the two rollouts had ${a.length} and ${b.length} records`);
}

/**
 * Plays a masked-out move. 'error' mode: it must throw and leave the state as
 * it was (`unchanged` replays the recorded move and compares). 'penalty' mode:
 * the offender must get a negative reward and be done. Either way, never a
 * silent pass.
 */
function probeIllegal(
  problems: Problems,
  mode: IllegalMoveMode | undefined,
  what: string,
  play: () => { reward: number | undefined; done: boolean },
  unchanged: () => boolean,
): void {
  let outcome: { reward: number | undefined; done: boolean } | null = null;
  let threw: unknown = null;
  try {
    outcome = play();
  } catch (e) {
    threw = e;
  }
  if (threw !== null) {
    if (mode === 'penalty') problems.add('illegal', `${what} threw in illegalMove: 'penalty' mode (expected the offender to lose): ${(threw as Error).message}`);
    else if (!(threw instanceof EnvUsageError)) problems.add('illegal error type', `${what} threw ${(threw as Error)?.name ?? typeof threw}, expected a usage error (EnvUsageError or IllegalMoveError)`);
    try {
      if (!unchanged()) problems.add('illegal state', `${what} was rejected, but the game state changed: the recorded move then gave a different result`);
    } catch (e) {
      problems.add('illegal state', `${what} was rejected, but the recorded move then threw: ${(e as Error).message}`);
    }
    return;
  }
  const penalized = typeof outcome!.reward === 'number' && outcome!.reward < 0 && outcome!.done;
  if (mode === 'error') problems.add('illegal', `${what} did not throw in illegalMove: 'error' mode`);
  else if (!penalized) {
    problems.add('illegal', `${what} passed silently: it must throw, or end the game with a negative reward for the offender (got reward ${describeValue(outcome!.reward)}, done ${outcome!.done})`);
  }
}

// ---------------------------------------------------------------- turn-based

interface TurnRecord {
  action: unknown;
  print: string;
}

interface TurnTrace {
  prints: string[];
  firstEpisode: TurnRecord[];
  illegalProbe: { step: number; agent: AgentId; action: number } | null;
  /** Step index (in the first episode) where a done agent was selected. */
  deadProbe: number | null;
}

function turnFingerprint(env: TurnBasedEnv): string {
  const agent = env.agentSelection;
  let last: unknown = null;
  if (env.agents.length > 0) last = env.last();
  return fingerprint({ agents: env.agents, agent, last, rewards: env.rewards });
}

function turnRollout(env: TurnBasedEnv, seed: number, steps: number, problems: Problems | null): TurnTrace {
  const rng = new Rng(seed);
  const trace: TurnTrace = { prints: [], firstEpisode: [], illegalProbe: null, deadProbe: null };
  env.reset({ seed });
  if (problems) checkTurnReset(env, problems, 'reset');
  trace.prints.push(turnFingerprint(env));
  let episode = 0;
  let removed = new Set<AgentId>();
  for (let t = 0; t < steps; t++) {
    if (env.agents.length === 0) {
      env.reset();
      if (problems) checkTurnReset(env, problems, 'reset after a game');
      trace.prints.push(turnFingerprint(env));
      episode += 1;
      removed = new Set();
      continue;
    }
    const at = `step ${t}`;
    const agent = env.agentSelection;
    const before = [...env.agents];
    if (problems && !before.includes(agent)) problems.add('selection', `${at}: agentSelection ${describeValue(agent)} is not in agents [${before.join(', ')}]`);
    const l = env.last();
    if (problems) checkLast(env, agent, l, at, problems);
    const done = l.termination === true || l.truncation === true;
    const action = done ? null : pickAction(env.actionSpace(agent), l.obs, rng);
    if (episode === 0) {
      if (done && trace.deadProbe === null) trace.deadProbe = trace.firstEpisode.length;
      if (!done && trace.illegalProbe === null) {
        const bad = illegalAction(l.obs);
        if (bad !== null) trace.illegalProbe = { step: trace.firstEpisode.length, agent, action: bad };
      }
    }
    if (problems && !done) {
      const mask = actionMaskOf(l.obs);
      if (mask && !mask.includes(1)) problems.add('no legal move', `${at}: it is ${agent}'s turn but its action mask allows no move`);
    }
    try {
      env.step(action);
    } catch (e) {
      problems?.add(
        done ? 'dead step threw' : 'step threw',
        done
          ? `${at}: step(null) for the done agent ${agent} threw: ${(e as Error).message}`
          : `${at}: step(${describeValue(action)}) for ${agent} threw on an action that is legal by the mask (or sampled from the action space): ${(e as Error).message}`,
      );
      return trace;
    }
    if (done) removed.add(agent);
    if (problems) checkTurnAfterStep(env, before, agent, done, removed, at, problems);
    const print = turnFingerprint(env);
    trace.prints.push(print);
    if (episode === 0) trace.firstEpisode.push({ action, print });
  }
  return trace;
}

function checkRecords(env: TurnBasedEnv, problems: Problems, where: string): void {
  const agents = env.agents;
  for (const key of ['rewards', 'cumulativeRewards', 'terminations', 'truncations', 'infos'] as const) {
    if (!sameKeys(env[key], agents)) problems.add(`${key} keys`, `${where}: ${key} has keys ${keysOf(env[key])}, expected exactly agents [${agents.join(', ')}]`);
  }
  for (const a of agents) {
    const r = env.rewards?.[a];
    if (typeof r !== 'number' || !Number.isFinite(r)) problems.add('reward', `${where}: rewards[${a}] is ${describeValue(r)}, not a finite number`);
    for (const flag of ['terminations', 'truncations'] as const) {
      const v = env[flag]?.[a];
      if (typeof v !== 'boolean') problems.add(flag, `${where}: ${flag}[${a}] is ${describeValue(v)}, not a boolean`);
    }
    const obs = env.observe(a);
    if (!contains(env.observationSpace(a), obs)) {
      problems.add('obs', `${where}: observe(${a}) ${describeValue(obs)} is not in its observation space ${describeSpace(env.observationSpace(a))}`);
    }
  }
}

function checkTurnReset(env: TurnBasedEnv, problems: Problems, where: string): void {
  const agents = env.agents;
  if (!Array.isArray(agents) || agents.length === 0) {
    problems.add('reset agents', `${where}: agents is ${describeValue(agents)}; after reset at least one agent must be in the game`);
    return;
  }
  const unknown = agents.filter((a) => !env.possibleAgents.includes(a));
  if (unknown.length > 0) problems.add('agents unknown', `${where}: agents ${unknown.join(', ')} are not in possibleAgents`);
  if (!agents.includes(env.agentSelection)) problems.add('selection', `${where}: agentSelection ${describeValue(env.agentSelection)} is not in agents`);
  checkRecords(env, problems, where);
  for (const a of agents) {
    if (env.cumulativeRewards?.[a] !== 0) problems.add('reset rewards', `${where}: cumulativeRewards[${a}] is ${describeValue(env.cumulativeRewards?.[a])}; a reset must clear it to 0`);
    if (env.terminations?.[a] || env.truncations?.[a]) problems.add('reset done', `${where}: ${a} is already done right after reset`);
  }
}

function checkLast(env: TurnBasedEnv, agent: AgentId, l: ReturnType<TurnBasedEnv['last']>, at: string, problems: Problems): void {
  if (!contains(env.observationSpace(agent), l.obs)) {
    problems.add('last obs', `${at}: last().obs for ${agent} ${describeValue(l.obs)} is not in its observation space ${describeSpace(env.observationSpace(agent))}`);
  }
  if (fingerprint(l.obs) !== fingerprint(env.observe(agent))) problems.add('last observe', `${at}: last().obs differs from observe(${agent})`);
  if (typeof l.reward !== 'number' || !Number.isFinite(l.reward)) problems.add('last reward', `${at}: last().reward is ${describeValue(l.reward)}, not a finite number`);
  if (l.reward !== env.cumulativeRewards[agent]) problems.add('last cumulative', `${at}: last().reward ${l.reward} is not cumulativeRewards[${agent}] ${env.cumulativeRewards[agent]}`);
  if (typeof l.termination !== 'boolean' || typeof l.truncation !== 'boolean') {
    problems.add('last flags', `${at}: last() flags are ${describeValue(l.termination)} / ${describeValue(l.truncation)}, not booleans`);
  }
  if (typeof l.info !== 'object' || l.info === null) problems.add('last info', `${at}: last().info is ${describeValue(l.info)}, not an object`);
}

function checkTurnAfterStep(env: TurnBasedEnv, before: AgentId[], agent: AgentId, wasDone: boolean, removed: Set<AgentId>, at: string, problems: Problems): void {
  const after = env.agents;
  for (const a of after) {
    if (removed.has(a)) problems.add('came back', `${at}: ${a} is in agents again after it was removed earlier in the game (agents never come back)`);
    else if (!before.includes(a)) problems.add('appeared', `${at}: ${a} joined agents during the game`);
  }
  if (wasDone && after.includes(agent)) problems.add('dead stays', `${at}: step(null) for the done agent ${agent} did not remove it from agents`);
  if (!wasDone) {
    for (const a of before) if (!after.includes(a)) problems.add('left silently', `${at}: ${a} left agents without a step(null) after being done`);
  }
  if (after.length > 0 && !after.includes(env.agentSelection)) problems.add('selection', `${at}: agentSelection ${describeValue(env.agentSelection)} is not in agents [${after.join(', ')}]`);
  checkRecords(env, problems, at);
}

/** Checks that a turn-based game keeps its contract; throws GameCheckError listing every problem. */
export function checkTurnBasedEnv(env: TurnBasedEnv, options: CheckGameOptions = {}): CheckGameReport {
  const { steps, seed, id, problems, warnings } = beginCheck(env, options);

  env.reset({ seed });
  const p0 = turnFingerprint(env);
  env.reset({ seed });
  if (turnFingerprint(env) !== p0) problems.add('reset seed', `reset({ seed: ${seed} }) twice gave different starts`);
  env.reset({ seed: seed + 1 });
  if (turnFingerprint(env) === p0) warnings.push(`reset with seeds ${seed} and ${seed + 1} gave the same start (fine if the start is fixed)`);
  checkCommon(env, problems, 'after reset');
  if (typeof env.renderHeader === 'function') {
    const h = jsonProblem(env.renderHeader(), 'renderHeader()', new Set());
    if (h) problems.add('header', h);
  }

  // step(null) is only for done agents
  env.reset({ seed });
  const mover = env.agentSelection;
  mustThrow(problems, 'null for live', `step(null) for ${mover}, whose turn it is, did not throw (a live agent must act)`, () => env.step(null));

  const a = turnRollout(env, seed, steps, problems);
  checkCommon(env, problems, 'after steps');
  if (!env.spec?.nondeterministic) {
    const b = turnRollout(env, seed, steps, null);
    compareTraces(a.prints, b.prints, seed, problems);
  }

  // a done agent accepts only null
  if (a.deadProbe !== null && replayTurns(env, seed, a.firstEpisode.slice(0, a.deadProbe), problems)) {
    const dead = env.agentSelection;
    mustThrow(problems, 'dead acts', `step() with an action for ${dead}, which is done, did not throw (only step(null) is valid)`, () =>
      env.step(sample(env.actionSpace(dead), new Rng(seed))),
    );
  }

  // a masked-out move is rejected or penalized
  if (a.illegalProbe) {
    const { step, agent, action } = a.illegalProbe;
    const history = a.firstEpisode;
    if (replayTurns(env, seed, history.slice(0, step), problems)) {
      probeIllegal(
        problems,
        expectedIllegalMode(env, options),
        `${agent}'s masked-out move ${action}`,
        () => {
          env.step(action);
          const reward = Object.hasOwn(env.rewards, agent) ? env.rewards[agent] : undefined;
          return { reward, done: env.terminations[agent] === true || !env.agents.includes(agent) };
        },
        () => {
          env.step(history[step]!.action);
          return turnFingerprint(env) === history[step]!.print;
        },
      );
    }
  }

  return finish(env, id, problems, warnings);
}

