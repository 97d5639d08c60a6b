// The multi-agent learner API, mirroring the single-agent one (agents/agent.ts):
// a learner is created from a name and plain hyperparameters (validated against
// the spec at the top of its file), learns from a game (core/multi-agent.ts)
// with typed optional hooks, acts for any agent of the game, reports per-step
// diagnostics for replays, and saves its full training state (tables or
// networks, optimizer, replay buffer, the self-play opponent pool, generators,
// counters) to a directory from which `loadLearner` resumes it exactly.
//
// Training semantics shared by all learners:
// - `learn({ game, totalSteps })` trains until the learner's step counter
//   reaches `totalSteps`. A step is one game step: a joint step of a parallel
//   game, or one move of a turn-based game (the opponents' moves count too),
//   counted over every game copy passed in.
// - Each learn call starts fresh episodes, seeded from the learner's generator,
//   so a run is a pure function of the learner's seed and state.
// - Terminated transitions do not bootstrap; truncated ones do.
// - Sides (core of self-play and team rewards): the agents are split into
//   sides (`defaultSides`: players of a two-player game, teams named by a
//   prefix like blue_0 / red_1, or one side of everybody for a cooperative game
//   like agent_0..agent_2). In a competitive game the learner controls one side
//   per episode (or every side, in pure self-play) and opponents the others.
import { readFile } from 'node:fs/promises';
import { ensureDir, writeFileAtomic } from '../../core/files.js';
import { join } from 'node:path';
import type { AgentId, Game, GameKind, PerAgent } from '../../core/multi-agent.js';
import type { Rng } from '../../core/rng.js';
import type { Space, SpaceJSON } from '../../core/spaces.js';
import { spaceFromJSON, spacesEqual, spaceToJSON, describeSpace } from '../../core/spaces.js';
import { NamedRegistry } from '../../core/named-registry.js';
import type { DiscretizeObservationOptions } from '../../core/wrappers/discretize-observation.js';
import type { Diagnostics } from '../agent.js';
import type { ParamSpec, Resolved } from '../lib/hparams.js';
import { resolveHyperparameters } from '../lib/hparams.js';
import { checkGpuBackend, initBackend, resolveBackend } from '../lib/backend.js';
import { readMlp } from '../lib/nets.js';

// ---------------------------------------------------------------- the shape of a game

/** What a learner needs to know about a game: its agents and their spaces (plain data, saved with the learner). */
export interface GameShape {
  readonly id: string;
  readonly kind: GameKind;
  readonly possibleAgents: readonly AgentId[];
  readonly observationSpaces: Readonly<PerAgent<Space>>;
  readonly actionSpaces: Readonly<PerAgent<Space>>;
}

export function gameShape(game: Game | GameShape): GameShape {
  if ('observationSpaces' in game) return game;
  const observationSpaces: PerAgent<Space> = {};
  const actionSpaces: PerAgent<Space> = {};
  for (const a of game.possibleAgents) {
    observationSpaces[a] = game.observationSpace(a);
    actionSpaces[a] = game.actionSpace(a);
  }
  return { id: game.spec.id, kind: game.spec.kind, possibleAgents: [...game.possibleAgents], observationSpaces, actionSpaces };
}

/** Throws when `game` does not have the agents and spaces of `shape` (the game a learner was created for). */
export function assertSameShape(who: string, shape: GameShape, game: Game): void {
  const problems: string[] = [];
  if (game.spec.kind !== shape.kind) problems.push(`it is ${game.spec.kind}, the learner's game is ${shape.kind}`);
  if (game.possibleAgents.join() !== shape.possibleAgents.join()) {
    problems.push(`its agents are ${game.possibleAgents.join(', ')}, the learner's are ${shape.possibleAgents.join(', ')}`);
  } else {
    for (const a of shape.possibleAgents) {
      if (!spacesEqual(game.observationSpace(a), shape.observationSpaces[a]!)) {
        problems.push(`${a} observes ${describeSpace(game.observationSpace(a))}, the learner expects ${describeSpace(shape.observationSpaces[a]!)}`);
      }
      if (!spacesEqual(game.actionSpace(a), shape.actionSpaces[a]!)) {
        problems.push(`${a} acts in ${describeSpace(game.actionSpace(a))}, the learner expects ${describeSpace(shape.actionSpaces[a]!)}`);
      }
    }
  }
  if (problems.length > 0) throw new TypeError(`${who}: the game ${game.spec.id} does not fit the learner (made for ${shape.id}): ${problems.join('; ')}`);
}

/**
 * The default split of agents into sides: agents named `<team>_<n>` group by
 * team when there are at least two teams (blue_0, blue_1 | red_0, red_1); two
 * agents otherwise face each other (player_0 | player_1, paddle_0 | paddle_1);
 * more agents of one name form one cooperative side (agent_0, agent_1, agent_2).
 */
export function defaultSides(agents: readonly AgentId[]): AgentId[][] {
  const groups = new Map<string, AgentId[]>();
  for (const a of agents) {
    const team = /^(.*)_\d+$/.exec(a)?.[1] ?? a;
    if (!groups.has(team)) groups.set(team, []);
    groups.get(team)!.push(a);
  }
  if (groups.size >= 2) return [...groups.values()];
  if (agents.length === 2) return [[agents[0]!], [agents[1]!]];
  return [[...agents]];
}

/** Checks that `sides` partitions the agents (each agent on exactly one side). */
export function checkSides(who: string, agents: readonly AgentId[], sides: readonly (readonly AgentId[])[]): AgentId[][] {
  const seen = new Set<AgentId>();
  for (const side of sides) {
    if (side.length === 0) throw new RangeError(`${who}: a side has no agents`);
    for (const a of side) {
      if (!agents.includes(a)) throw new RangeError(`${who}: sides name ${JSON.stringify(a)}, which is not an agent of the game (${agents.join(', ')})`);
      if (seen.has(a)) throw new RangeError(`${who}: ${a} is on more than one side`);
      seen.add(a);
    }
  }
  const missing = agents.filter((a) => !seen.has(a));
  if (missing.length > 0) throw new RangeError(`${who}: sides leave out ${missing.join(', ')}`);
  return sides.map((s) => [...s]);
}

// ---------------------------------------------------------------- policies and opponents

export interface PolicyInput {
  /** The agent to act for. */
  readonly agent: AgentId;
  /** The generator the policy draws from (owned by the caller: a match or a learner). */
  readonly rng: Rng;
}

/**
 * A policy for one agent's decision: the fixed opponents (random legal moves,
 * a scripted team, a minimax player) and a learner's `policy()` alike.
 */
export type Policy = (obs: unknown, input: PolicyInput) => unknown;

// ---------------------------------------------------------------- learning

export interface LearnerContext {
  readonly game: GameShape;
  /** Seeds every random choice (initial weights, exploration, opponents, minibatches). */
  readonly seed: number;
  /** Neural-net backend for learners that use one (see agents/lib/backend.ts). */
  readonly backend?: string;
  /** The split of agents into sides (default: `defaultSides`). */
  readonly sides?: readonly (readonly AgentId[])[];
  /** Tabular learners on Box observations: the grid that turns an observation into a table row. */
  readonly discretize?: DiscretizeObservationOptions;
}

export interface MultiEpisodeEndEvent {
  /** Learner step count when the episode ended. */
  readonly step: number;
  /** Episodes finished so far in this learner's life, this one included. */
  readonly episode: number;
  /** Each agent's return (the game's rewards, before any team averaging or shaping). */
  readonly returns: Readonly<PerAgent<number>>;
  /** Per side: the mean return of its agents (the team return). */
  readonly teamReturns: readonly number[];
  /** Game steps in the episode. */
  readonly length: number;
  readonly truncated: boolean;
  /** Per side, who played it: 'learner', 'pool:<snapshot id>' or the name of a fixed opponent. */
  readonly controllers: readonly string[];
}

export interface MultiUpdateEvent {
  readonly step: number;
  /** Losses and other scalars, e.g. { loss, epsilon, poolSize }. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Optional, typed callbacks: named read-only values, never the trainer's internals. */
export interface MultiLearnHooks {
  onEpisodeEnd?(event: MultiEpisodeEndEvent): void;
  onUpdate?(event: MultiUpdateEvent): void;
  /** Asked after every game step (of all copies at once); true ends `learn` early. */
  shouldStop?(state: { readonly step: number }): boolean;
}

/**
 * An extra reward for the learner's transitions, e.g. potential-based shaping
 * F = gamma * phi(next) - phi(obs) (Ng et al. 1999), which keeps the optimal
 * policies. Hooks and evaluations still see the game's own rewards.
 */
export type RewardShaping = (t: { readonly agent: AgentId; readonly obs: unknown; readonly nextObs: unknown; readonly done: boolean }) => number;

export interface MultiLearnOptions {
  /** The game, or several copies of it stepped in lockstep (one batched forward pass for all). */
  readonly game: Game | readonly Game[];
  readonly totalSteps: number;
  /** The step count that annealed schedules run over (default totalSteps); see agents/agent.ts. */
  readonly scheduleSteps?: number;
  readonly hooks?: MultiLearnHooks;
  /** Fixed opponents to train against (competitive games), by name: random, scripted, minimax. */
  readonly opponents?: Readonly<Record<string, Policy>>;
  readonly rewardShaping?: RewardShaping;
  /**
   * A policy to learn from while the learner's own policy is young
   * (kickstarting; learners that support it say so in their hyperparameters,
   * shared-ppo's kickstartCoef): its action in each of the learner's decisions
   * becomes a supervised target whose weight fades out.
   */
  readonly teacher?: Policy;
}

export interface MultiLearnResult {
  readonly steps: number;
  readonly episodes: number;
  readonly seconds: number;
}

export interface MultiAgentLearner {
  readonly algorithm: string;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly context: LearnerContext;
  /** Game steps taken in `learn` so far. */
  readonly stepCount: number;
  /** Snapshots in the self-play opponent pool. */
  readonly poolSize: number;
  learn(options: MultiLearnOptions): Promise<MultiLearnResult>;
  /** One agent's action (greedy or the policy's mode when deterministic; else exploring, from a generator separate from training's). */
  act(agent: AgentId, obs: unknown, options?: { deterministic?: boolean }): unknown;
  /** Every listed agent's action in one batched pass (a parallel game's live agents). */
  actAll(obs: Readonly<PerAgent<unknown>>, options?: { deterministic?: boolean }): PerAgent<unknown>;
  /** Q-values or action probabilities (illegal moves: probability 0) and the critic's value, for replays. */
  diagnostics(agent: AgentId, obs: unknown): Diagnostics;
  /** The learner as a Policy for matches and leagues. */
  policy(options?: { deterministic?: boolean }): Policy;
  save(dir: string): Promise<void>;
  dispose(): void;
}

/** A learner as a Policy: `act` with the given determinism (the policy's rng is not used). */
export function learnerPolicy(learner: Pick<MultiAgentLearner, 'act'>, deterministic: boolean): Policy {
  return (obs, { agent }) => learner.act(agent, obs, { deterministic });
}

// ---------------------------------------------------------------- registry

export interface LearnerDefinition<S extends ParamSpec = ParamSpec> {
  readonly name: string;
  readonly description: string;
  readonly hyperparameters: S;
  /** It keys tables by observation, so float Box observations need a grid: the context's `discretize`. */
  readonly takesDiscretize?: boolean;
  /**
   * For learners with nets (all of which train on ONNX Runtime, which 'auto'
   * picks): whether they also have a TensorFlow.js implementation. create and
   * load then receive a context whose backend is a concrete name, never 'auto'.
   */
  readonly backends?: { readonly tfjs: boolean };
  create(hp: Resolved<S>, context: LearnerContext): MultiAgentLearner | Promise<MultiAgentLearner>;
  load(hp: Resolved<S>, context: LearnerContext, manifest: LearnerManifest, dir: string): MultiAgentLearner | Promise<MultiAgentLearner>;
}

const definitions = new NamedRegistry<LearnerDefinition>({ kind: 'multi-agent learner', registrar: 'registerLearner', versioned: false });

export function registerLearner<S extends ParamSpec>(definition: LearnerDefinition<S>): void {
  definitions.add(definition.name, definition as unknown as LearnerDefinition);
}

export function listLearners(): LearnerDefinition[] {
  return definitions.list();
}

export function learnerDefinition(name: string): LearnerDefinition {
  return definitions.get(name);
}

export interface CreateLearnerContext extends Omit<LearnerContext, 'game'> {
  /** The game (or its shape) the learner will play. */
  readonly game: Game | GameShape;
}

/** Creates learner `name` with hyperparameters validated against its spec. */
export async function createLearner(name: string, hyperparameters: Readonly<Record<string, unknown>>, context: CreateLearnerContext): Promise<MultiAgentLearner> {
  const d = learnerDefinition(name);
  if (!Number.isInteger(context.seed)) throw new TypeError(`createLearner(${name}): seed must be an integer, got ${String(context.seed)}`);
  const shape = gameShape(context.game);
  const sides = checkSides(`createLearner(${name})`, shape.possibleAgents, context.sides ?? defaultSides(shape.possibleAgents));
  const backend = d.backends ? resolveBackend(context.backend) : context.backend;
  await checkGpuBackend(backend);
  return d.create(resolveHyperparameters(name, d.hyperparameters, hyperparameters), { ...context, game: shape, sides, ...(backend !== undefined ? { backend } : {}) });
}

// ---------------------------------------------------------------- saving

export const LEARNER_FORMAT = 'arena.multi-learner/1';
const MANIFEST = 'learner.json';

/** learner.json: what every saved learner has, plus the algorithm's own JSON state. */
export interface LearnerManifest {
  readonly format: typeof LEARNER_FORMAT;
  readonly algorithm: string;
  readonly hyperparameters: Record<string, unknown>;
  readonly context: {
    game: { id: string; kind: GameKind; possibleAgents: AgentId[]; observationSpaces: PerAgent<SpaceJSON>; actionSpaces: PerAgent<SpaceJSON> };
    seed: number;
    backend?: string;
    sides: AgentId[][];
    discretize?: DiscretizeObservationOptions;
  };
  readonly stepCount: number;
  /** Algorithm-specific JSON (counters, generator states, file names of binary parts). */
  readonly state: Record<string, unknown>;
}

/** Writes learner.json atomically (temp file then rename). */
export async function writeLearnerManifest(dir: string, learner: MultiAgentLearner, state: Record<string, unknown>): Promise<void> {
  await ensureDir(dir);
  const c = learner.context;
  const spacesJSON = (spaces: Readonly<PerAgent<Space>>) => Object.fromEntries(Object.entries(spaces).map(([a, s]) => [a, spaceToJSON(s)]));
  const manifest: LearnerManifest = {
    format: LEARNER_FORMAT,
    algorithm: learner.algorithm,
    hyperparameters: { ...learner.hyperparameters },
    context: {
      game: {
        id: c.game.id,
        kind: c.game.kind,
        possibleAgents: [...c.game.possibleAgents],
        observationSpaces: spacesJSON(c.game.observationSpaces),
        actionSpaces: spacesJSON(c.game.actionSpaces),
      },
      seed: c.seed,
      ...(c.backend !== undefined ? { backend: c.backend } : {}),
      sides: (c.sides ?? defaultSides(c.game.possibleAgents)).map((s) => [...s]),
      ...(c.discretize !== undefined ? { discretize: c.discretize } : {}),
    },
    stepCount: learner.stepCount,
    state,
  };
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** A net a learner saved (nets.ts's files) as plain weights, checked to have `sizes`; `who` names the learner in errors. */
export async function readLearnerNet(dir: string, name: string, sizes: readonly number[], who: string): Promise<Float32Array> {
  const net = await readMlp(dir, name);
  if (net.sizes.join() !== sizes.join()) throw new Error(`${who}: ${dir}/${name} is a net of sizes [${net.sizes.join(', ')}], this learner's is [${sizes.join(', ')}]`);
  return net.data;
}

/** Loads a learner saved with `save(dir)`; `backend` overrides the saved one. */
export async function loadLearner(dir: string, options: { backend?: string } = {}): Promise<MultiAgentLearner> {
  const path = join(dir, MANIFEST);
  let manifest: LearnerManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as LearnerManifest;
  } catch (e) {
    throw new Error(`loadLearner: cannot read ${path}: ${(e as Error).message}`);
  }
  if (manifest.format !== LEARNER_FORMAT) throw new Error(`loadLearner: ${path} has format ${JSON.stringify(manifest.format)}, expected ${LEARNER_FORMAT}`);
  const d = learnerDefinition(manifest.algorithm);
  const g = manifest.context.game;
  const spaces = (json: PerAgent<SpaceJSON>, what: string) =>
    Object.fromEntries(Object.entries(json).map(([a, s]) => [a, spaceFromJSON(s, `${path}: context.game.${what}.${a}`)]));
  // 'auto' on loading keeps the backend the learner was saved from, so a
  // resumed run continues exactly. Manifests written before 'auto' meant ONNX
  // Runtime for the learners recorded 'auto' itself (or nothing), which then
  // meant TensorFlow.js.
  const asked = options.backend === 'auto' ? undefined : options.backend;
  let backend = asked ?? manifest.context.backend;
  if (d.backends && (backend === undefined || backend === 'auto')) backend = d.backends.tfjs ? await initBackend('auto') : 'onnx';
  await checkGpuBackend(backend);
  const context: LearnerContext = {
    game: { id: g.id, kind: g.kind, possibleAgents: g.possibleAgents, observationSpaces: spaces(g.observationSpaces, 'observationSpaces'), actionSpaces: spaces(g.actionSpaces, 'actionSpaces') },
    seed: manifest.context.seed,
    sides: manifest.context.sides,
    ...(backend !== undefined ? { backend } : {}),
    ...(manifest.context.discretize !== undefined ? { discretize: manifest.context.discretize } : {}),
  };
  return d.load(resolveHyperparameters(manifest.algorithm, d.hyperparameters, manifest.hyperparameters), context, manifest, dir);
}

/** Diagnostics of every agent of a parallel step (what a replay records as per-agent overlays). */
export function diagnosticsFor(learner: Pick<MultiAgentLearner, 'diagnostics'>, obs: Readonly<PerAgent<unknown>>): PerAgent<Diagnostics> {
  const out: PerAgent<Diagnostics> = {};
  for (const [agent, o] of Object.entries(obs)) out[agent] = learner.diagnostics(agent, o);
  return out;
}
