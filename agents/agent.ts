// The one agent API. Every algorithm is created from a name and plain
// hyperparameters, learns from an env or a vector env with typed optional
// hooks, acts, reports per-step diagnostics for the viewer, and saves its full
// training state to a directory from which `loadAgent` resumes it exactly.
//
// Training semantics shared by all agents:
// - `learn({ totalSteps })` trains until the agent's own step counter reaches
//   `totalSteps` (env steps, counted over all copies of a vector env), so a
//   loaded agent continues where it was saved.
// - Each `learn` call starts fresh episodes: it resets the env with a seed drawn
//   from the agent's generator, so a run is a pure function of the agent's seed
//   and state.
// - Terminated transitions do not bootstrap; truncated ones (time limits)
//   bootstrap from the value of the last observation.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ensureDir, writeFileAtomic } from '../core/files.js';
import { join } from 'node:path';
import type { Env } from '../core/env.js';
import type { Space, SpaceJSON } from '../core/spaces.js';
import { flatDim, spaceFromJSON, spaceToJSON } from '../core/spaces.js';
import { NamedRegistry } from '../core/named-registry.js';
import type { VectorEnv } from '../core/vector.js';
import type { ParamSpec, Resolved, SpaceDims } from './lib/hparams.js';
import { HyperparameterError, memoryProblems, resolveHyperparameters } from './lib/hparams.js';
import { checkGpuBackend, initBackend, resolveBackend } from './lib/backend.js';

export type Action = number | Float32Array;

export interface AgentContext {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Seeds every random choice the agent makes (initial weights, exploration, minibatches). */
  readonly seed: number;
  /** Neural-net backend for agents that use one ('auto', the default, is resolved by createAgent; see agents/lib/backend.ts). */
  readonly backend?: string;
}

export interface EpisodeEndEvent {
  /** Agent step count when the episode ended. */
  readonly step: number;
  /** Number of episodes finished so far in this agent's life, this one included. */
  readonly episode: number;
  readonly return: number;
  readonly length: number;
  /** Whether it ended by truncation (time limit) rather than termination. */
  readonly truncated: boolean;
}

export interface UpdateEvent {
  readonly step: number;
  /** Losses and other scalars of this update, e.g. { loss, entropy, epsilon }. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Optional, typed callbacks: each gets named read-only values, never the trainer's internals. */
export interface LearnHooks {
  onEpisodeEnd?(event: EpisodeEndEvent): void;
  onUpdate?(event: UpdateEvent): void;
  /** Asked after every env step (or vector step); returning true ends `learn` early. */
  shouldStop?(state: { readonly step: number }): boolean;
}

export interface LearnOptions {
  /** A single env, or ... */
  readonly env?: Env;
  /** ... a vector env (agents that need one, like A2C and PPO, reject a single env with a clear message). */
  readonly vecEnv?: VectorEnv;
  /** Train until the agent's step counter reaches this many env steps. */
  readonly totalSteps: number;
  /**
   * The step count that annealed schedules (learning rate, clip range, epsilon)
   * run over; defaults to `totalSteps`. A runner that trains in segments (to
   * checkpoint between them) passes the whole run's budget here, so the
   * schedules do not restart at every segment.
   */
  readonly scheduleSteps?: number;
  readonly hooks?: LearnHooks;
}

export interface LearnResult {
  /** The agent's step counter at the end. */
  readonly steps: number;
  readonly episodes: number;
  readonly seconds: number;
}

/** What an agent thinks about one observation, recorded in episode files for the viewer. */
export interface Diagnostics {
  readonly qValues?: number[];
  readonly probs?: number[];
  readonly value?: number;
}

export interface Agent {
  readonly algorithm: string;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly context: AgentContext;
  /** Env steps taken in `learn` so far. */
  readonly stepCount: number;
  learn(options: LearnOptions): Promise<LearnResult>;
  act(obs: unknown, options?: { deterministic?: boolean }): Action;
  diagnostics?(obs: unknown): Diagnostics;
  /** Writes the full training state into `dir` (created if needed). */
  save(dir: string): Promise<void>;
  /**
   * Transfer: takes the learned values (network weights, a Q-table) of the
   * agent saved in `dir` (its manifest is `from`), keeping this agent's own
   * counters, generator and optimizer. Use `warmStart(agent, dir)`.
   */
  warmStart?(dir: string, from: AgentManifest, mapping?: WarmStartMapping): Promise<void>;
  /** Its warmStart takes a state/action mapping between differently shaped tasks (the tabular agents). */
  readonly warmStartMaps?: boolean;
  /** Frees tensors and other resources. */
  dispose(): void;
}

/**
 * Transfer between tasks of different shapes (tabular agents): for each of
 * this agent's states (actions), the saved agent's state (action) whose values
 * it starts from, or -1 to keep its own initial value.
 */
export interface WarmStartMapping {
  readonly states?: readonly number[];
  readonly actions?: readonly number[];
}

/** What an algorithm registers: its hyperparameter spec, a constructor, and a loader for its saved state. */
export interface AgentDefinition<S extends ParamSpec = ParamSpec> {
  readonly name: string;
  readonly description: string;
  readonly hyperparameters: S;
  /**
   * How the agent takes its env: 'single' (one env; the default), 'vector'
   * (a vector env; a single env is wrapped) or 'either'.
   */
  readonly envKind?: 'single' | 'vector' | 'either';
  /** Vector-env copies runners give it when a config does not say (agents whose envKind is 'vector'). */
  readonly defaultEnvs?: number;
  /** The algorithms whose saved agents its warmStart takes (configs check a warmStart against it). */
  readonly warmStartsFrom?: readonly string[];
  /**
   * For agents with nets (all of which train on ONNX Runtime, which 'auto'
   * picks): whether they also have a TensorFlow.js implementation. The
   * context create and load receive then names a concrete backend.
   */
  readonly backends?: { readonly tfjs: boolean };
  create(hp: Resolved<S>, context: AgentContext): Agent | Promise<Agent>;
  /** Rebuilds an agent from `manifest.state` and the files next to it in `dir`. */
  load(hp: Resolved<S>, context: AgentContext, manifest: AgentManifest, dir: string): Agent | Promise<Agent>;
}

const definitions = new NamedRegistry<AgentDefinition>({ kind: 'agent', registrar: 'registerAgent', versioned: false });

export function registerAgent<S extends ParamSpec>(definition: AgentDefinition<S>): void {
  definitions.add(definition.name, definition as unknown as AgentDefinition);
}

export function listAgents(): AgentDefinition[] {
  return definitions.list();
}

export function agentDefinition(name: string): AgentDefinition {
  return definitions.get(name);
}

/** Creates agent `name` with hyperparameters validated against its spec. */
export async function createAgent(name: string, hyperparameters: Readonly<Record<string, unknown>>, context: AgentContext): Promise<Agent> {
  const d = agentDefinition(name);
  if (!Number.isInteger(context.seed)) throw new TypeError(`createAgent(${name}): seed must be an integer, got ${String(context.seed)}`);
  const hp = resolveHyperparameters(name, d.hyperparameters, hyperparameters);
  const tooBig = memoryProblems(d.hyperparameters, hp, spaceDims(context));
  if (tooBig.length > 0) throw new HyperparameterError(name, tooBig.map((p) => p.message));
  const resolved = withBackend(d, context);
  await checkGpuBackend(resolved.backend);
  return guarded(await d.create(hp, resolved));
}

/** `context` with 'auto' (or no backend) resolved to the concrete backend the agent runs on, for agents with nets. */
function withBackend(d: AgentDefinition, context: AgentContext): AgentContext {
  if (!d.backends) return context;
  return { ...context, backend: resolveBackend(context.backend) };
}

/** The sizes memory estimates go by: numbers per observation and per action as networks read and write them. */
export function spaceDims(context: Pick<AgentContext, 'observationSpace' | 'actionSpace'>): SpaceDims {
  return { obs: flatDim(context.observationSpace), act: flatDim(context.actionSpace) };
}

/** Throws when an observation of a Box space holds a number that is not finite (a network would turn it into any action). */
export function checkFiniteObservation(who: string, obs: unknown): void {
  if (typeof obs !== 'object' || obs === null || !('length' in obs)) return;
  const a = obs as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`${who}: observation[${i}] is ${v}; observations must be finite numbers`);
  }
}

/**
 * Refuses to save into a directory that holds another kind of saved agent (or
 * a multi-agent learner): algorithms name their files differently, so the
 * two would end up mixed. The same algorithm replaces its own files.
 */
async function checkSaveDirectory(algorithm: string, dir: string): Promise<void> {
  for (const [file, kind] of [[MANIFEST, 'agent'], [LEARNER_MANIFEST, 'learner']] as const) {
    let saved: { algorithm?: unknown };
    try {
      saved = JSON.parse(await readFile(join(dir, file), 'utf8')) as { algorithm?: unknown };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw new Error(`${algorithm}.save: ${join(dir, file)} is there but unreadable (${(e as Error).message}); save into another directory, or delete it first`);
    }
    if (kind === 'agent' && saved.algorithm === algorithm) continue;
    throw new Error(
      `${algorithm}.save: ${dir} holds a saved ${typeof saved.algorithm === 'string' ? saved.algorithm : 'unknown'} ${kind}; save into another directory, or delete that one first (its files would mix with this agent's)`,
    );
  }
}

/**
 * The API's checks around an algorithm's own methods, for every agent in one
 * place: after dispose() every other method throws a clear error (not a
 * TypeError from a freed tensor), dispose() twice is harmless, and act() and
 * diagnostics() refuse a Box observation with NaN or an infinity (tabular
 * agents already refuse anything but an integer state).
 */
function guarded(agent: Agent): Agent {
  let disposed = false;
  const box = agent.context.observationSpace.type === 'box';
  const wrap = <K extends 'act' | 'diagnostics' | 'learn' | 'save' | 'warmStart'>(name: K, checkObs: boolean): void => {
    const method = agent[name] as ((...args: unknown[]) => unknown) | undefined;
    if (!method) return;
    const fail = () => new Error(`${agent.algorithm}: ${name}() called after dispose(); create or load the agent again`);
    const async = name === 'learn' || name === 'save' || name === 'warmStart';
    (agent as unknown as Record<string, unknown>)[name] = (...args: unknown[]): unknown => {
      if (disposed) {
        if (async) return Promise.reject(fail());
        throw fail();
      }
      if (checkObs && box) checkFiniteObservation(`${agent.algorithm}.${name}`, args[0]);
      if (name === 'save') return checkSaveDirectory(agent.algorithm, args[0] as string).then(() => method.apply(agent, args));
      return method.apply(agent, args);
    };
  };
  wrap('act', true);
  wrap('diagnostics', true);
  wrap('learn', false);
  wrap('save', false);
  wrap('warmStart', false);
  const dispose = agent.dispose.bind(agent);
  agent.dispose = () => {
    if (disposed) return;
    disposed = true;
    dispose();
  };
  return agent;
}

// ---------------------------------------------------------------- saving

export const AGENT_FORMAT = 'arena.agent/1';
const MANIFEST = 'agent.json';
/** A multi-agent learner's manifest (agents/multi/learner.ts), which save() does not write over either. */
const LEARNER_MANIFEST = 'learner.json';

/** agent.json: what every saved agent has, plus the algorithm's own JSON state. */
export interface AgentManifest {
  readonly format: typeof AGENT_FORMAT;
  readonly algorithm: string;
  readonly hyperparameters: Record<string, unknown>;
  readonly context: { observationSpace: SpaceJSON; actionSpace: SpaceJSON; seed: number; backend?: string };
  readonly stepCount: number;
  /** Algorithm-specific JSON (counters, generator state, file names of binary parts). */
  readonly state: Record<string, unknown>;
}

/** Writes agent.json atomically (temp file then rename), so a crash never leaves half a manifest. */
export async function writeManifest(dir: string, agent: Agent, state: Record<string, unknown>): Promise<void> {
  await ensureDir(dir);
  const manifest: AgentManifest = {
    format: AGENT_FORMAT,
    algorithm: agent.algorithm,
    hyperparameters: { ...agent.hyperparameters },
    context: {
      observationSpace: spaceToJSON(agent.context.observationSpace),
      actionSpace: spaceToJSON(agent.context.actionSpace),
      seed: agent.context.seed,
      ...(agent.context.backend !== undefined ? { backend: agent.context.backend } : {}),
    },
    stepCount: agent.stepCount,
    state,
  };
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** Writes a binary file atomically next to the manifest. */
export async function writeBinary(dir: string, name: string, data: ArrayBufferView): Promise<void> {
  await ensureDir(dir);
  await writeFileAtomic(join(dir, name), data);
}

/** Reads a binary file saved by writeBinary as a fresh ArrayBuffer. */
export async function readBinary(dir: string, name: string): Promise<ArrayBuffer> {
  const buf = await readFile(join(dir, name));
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/**
 * Loads an agent saved with `save(dir)` (e.g. by `arena train --save`) or the
 * checkpoint of a run directory; `backend` overrides the saved one.
 */
export async function loadAgent(path: string, options: { backend?: string } = {}): Promise<Agent> {
  const dir = agentDirectory(path);
  const manifestPath = join(dir, MANIFEST);
  return loadManifestAgent(dir, manifestPath, options);
}

async function loadManifestAgent(dir: string, path: string, options: { backend?: string }): Promise<Agent> {
  let manifest: AgentManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as AgentManifest;
  } catch (e) {
    throw new Error(`loadAgent: cannot read ${path}: ${(e as Error).message}`);
  }
  if (manifest.format !== AGENT_FORMAT) throw new Error(`loadAgent: ${path} has format ${JSON.stringify(manifest.format)}, expected ${AGENT_FORMAT}`);
  const d = agentDefinition(manifest.algorithm);
  // 'auto' on loading keeps the backend the agent was saved from, so a resumed
  // run continues exactly. Manifests written before 'auto' meant ONNX Runtime
  // recorded 'auto' itself (or nothing), which then meant TensorFlow.js for
  // the agents that have it.
  const asked = options.backend === 'auto' ? undefined : options.backend;
  let backend = asked ?? manifest.context.backend;
  if (d.backends && (backend === undefined || backend === 'auto')) backend = d.backends.tfjs ? await initBackend('auto') : 'onnx';
  const context: AgentContext = {
    observationSpace: spaceFromJSON(manifest.context.observationSpace, `${path}: context.observationSpace`),
    actionSpace: spaceFromJSON(manifest.context.actionSpace, `${path}: context.actionSpace`),
    seed: manifest.context.seed,
    ...(backend !== undefined ? { backend } : {}),
  };
  const hp = resolveHyperparameters(manifest.algorithm, d.hyperparameters, manifest.hyperparameters);
  const resolved = withBackend(d, context);
  await checkGpuBackend(resolved.backend);
  return guarded(await d.load(hp, resolved, manifest, dir));
}

/** The directory holding agent.json for `path`: an agent directory, a run directory (its checkpoint/), or an error. */
export function agentDirectory(path: string): string {
  if (existsSync(join(path, MANIFEST))) return path;
  if (existsSync(join(path, 'checkpoint', MANIFEST))) return join(path, 'checkpoint');
  const why = !existsSync(path)
    ? 'it does not exist'
    : existsSync(join(path, 'run.json'))
      ? 'it is a run directory (run.json) whose run has no checkpoint yet'
      : existsSync(join(path, LEARNER_MANIFEST))
        ? `it holds a multi-agent learner (${LEARNER_MANIFEST}), not a single agent`
        : `it is neither a saved agent directory (arena train --save) nor a run directory (run.json)`;
  throw new Error(`${path} holds no saved agent (no ${MANIFEST}, nor checkpoint/${MANIFEST}): ${why}`);
}

/**
 * Warm start (transfer): copies the learned values of the agent saved at
 * `path` (an agent directory or a run directory) into `agent`, a fresh agent of
 * a compatible algorithm with the same network sizes or table shape, e.g. a
 * Q-table from a smaller budget, or PPO weights from a related env. Tabular
 * agents also start from a table of another shape through an explicit
 * `mapping` of states and actions.
 */
export async function warmStart(agent: Agent, path: string, mapping?: WarmStartMapping): Promise<void> {
  const dir = agentDirectory(path);
  if (!agent.warmStart) throw new TypeError(`warmStart: ${agent.algorithm} agents cannot warm start`);
  if (mapping !== undefined && !agent.warmStartMaps) {
    throw new TypeError(`warmStart: ${agent.algorithm} agents take no state/action mapping (the tabular agents do); their warm start needs the same shapes`);
  }
  let manifest: AgentManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as AgentManifest;
  } catch (e) {
    throw new Error(`warmStart: cannot read ${join(dir, MANIFEST)}: ${(e as Error).message}`);
  }
  if (manifest.format !== AGENT_FORMAT) throw new Error(`warmStart: ${join(dir, MANIFEST)} has format ${JSON.stringify(manifest.format)}, expected ${AGENT_FORMAT}`);
  await agent.warmStart(dir, manifest, mapping);
}

// ---------------------------------------------------------------- evaluation

export interface EvaluationResult {
  readonly returns: number[];
  readonly lengths: number[];
  readonly mean: number;
  readonly std: number;
}

/** Evaluation episodes on an env without a time limit stop after this many steps (a greedy policy can loop forever). */
export const EVALUATION_STEP_CAP = 10_000;

/**
 * Runs `episodes` episodes with the agent acting (deterministically by default)
 * on `env`; the first reset uses `seed`, later ones continue its stream. An
 * episode stops after `maxSteps` steps (default: none when the env has a time
 * limit, else EVALUATION_STEP_CAP).
 */
export function evaluate(agent: Agent, env: Env, options: { episodes?: number; seed?: number; deterministic?: boolean; maxSteps?: number } = {}): EvaluationResult {
  const episodes = options.episodes ?? 10;
  const deterministic = options.deterministic ?? true;
  const maxSteps = options.maxSteps ?? (env.spec.maxEpisodeSteps !== undefined ? Infinity : EVALUATION_STEP_CAP);
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluate: episodes must be a positive integer, got ${episodes}`);
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    let { obs } = env.reset(ep === 0 && options.seed !== undefined ? { seed: options.seed } : {});
    let total = 0;
    let length = 0;
    for (;;) {
      const r = env.step(agent.act(obs, { deterministic }));
      total += r.reward;
      length += 1;
      obs = r.obs;
      if (r.terminated || r.truncated || length >= maxSteps) break;
    }
    returns.push(total);
    lengths.push(length);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / episodes;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
  return { returns, lengths, mean, std };
}
