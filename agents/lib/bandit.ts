// The loop shared by the multi-armed bandit agents (epsilon-greedy, UCB1,
// Thompson sampling, gradient bandit). A bandit has one state, so an agent is
// a `BanditPolicy`: a few per-arm tables, a rule to pick an arm while
// learning, an update from (arm, reward), and a greedy arm for evaluation.
// Everything else lives here once: pulls and episodes, hooks, regret, saving,
// loading and warm starts.
//
// One step of the loop:
//   1. arm = policy.select(rng, step)
//   2. step the env: reward (and, from a bandit env, the means: core/bandit.ts)
//   3. policy.update(arm, reward)
//   4. log: onUpdate { regret, cumulativeRegret, optimalAction } at every pull
//      of an env that reports its means; onEpisodeEnd when the episode ends
//      (every pull on Bandit-v0)
//
// `regret` is the pull's pseudo-regret (best mean minus the pulled arm's mean)
// and `optimalAction` is 1 or 0: averaged over a run's log window
// (experiments/execute-run.ts) they are the mean regret per pull and the share of
// optimal pulls there; `cumulativeRegret` is the running sum (kept in the
// checkpoint, so a resumed run continues it).
import { join } from 'node:path';
import { banditStep } from '../../core/bandit.js';
import type { Env } from '../../core/env.js';
import type { RngState } from '../../core/rng.js';
import { Rng } from '../../core/rng.js';
import type { DiscreteSpace } from '../../core/spaces.js';
import { describeSpace } from '../../core/spaces.js';
import type { Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from '../agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from '../agent.js';
import type { ParamSpec, Resolved } from './hparams.js';
import { choice, num } from './hparams.js';

/** One bandit algorithm: its per-arm tables and how it picks and learns. */
export interface BanditPolicy {
  /** Named per-arm tables (estimates, counts, preferences, posterior parameters): the whole learned state, saved and restored by name. */
  readonly tables: Readonly<Record<string, Float64Array>>;
  /** The arm to pull while learning; `step` is the agent's pull count before this pull. */
  select(rng: Rng, step: number): number;
  /** Learns from one pull of `arm` that paid `reward`. */
  update(arm: number, reward: number): void;
  /** The arm a deterministic policy pulls (its best estimate; the first on ties). */
  greedy(): number;
  /** What the viewer shows as Q-values: the per-arm estimates (or preferences). */
  values(): Float64Array;
  /** The probabilities of each arm under the learning policy, when they have a closed form. */
  probs?(step: number, out: Float64Array): Float64Array;
}

/** Table files are `<name>.f64` next to agent.json. */
interface SavedState {
  tables: Record<string, string>;
  rng: RngState;
  actRng: RngState;
  episodes: number;
  cumulativeRegret: number;
}

export class BanditAgent implements Agent {
  private readonly nA: number;
  private readonly actSpace: DiscreteSpace;
  private rng: Rng;
  private actRng: Rng;
  private steps = 0;
  private episodes = 0;
  /** Sum of the pseudo-regret of every pull so far (on envs that report their means). */
  cumulativeRegret = 0;

  constructor(
    readonly algorithm: string,
    readonly hyperparameters: Readonly<Record<string, unknown>>,
    readonly context: AgentContext,
    readonly policy: BanditPolicy,
  ) {
    const obs = context.observationSpace;
    if (obs.type !== 'discrete' || obs.n !== 1) {
      throw new TypeError(`${algorithm}: a bandit agent needs a Discrete(1) observation space (a bandit has one state, e.g. Bandit-v0), got ${describeSpace(obs)}`);
    }
    if (context.actionSpace.type !== 'discrete') throw new TypeError(`${algorithm}: a bandit agent needs a Discrete action space (the arms), got ${describeSpace(context.actionSpace)}`);
    this.actSpace = context.actionSpace;
    this.nA = this.actSpace.n;
    const root = new Rng(context.seed);
    this.rng = new Rng(root.nextSeed());
    this.actRng = new Rng(root.nextSeed());
  }

  get stepCount(): number {
    return this.steps;
  }

  private checkEnv(env: Env): void {
    const a = env.actionSpace;
    if (a.type !== 'discrete' || a.n !== this.nA || a.start !== this.actSpace.start || env.observationSpace.type !== 'discrete' || env.observationSpace.n !== 1) {
      throw new RangeError(
        `${this.algorithm}: the env has ${describeSpace(env.observationSpace)} observations and ${describeSpace(a)} actions, but the agent was created for Discrete(1) and ${describeSpace(this.actSpace)}`,
      );
    }
  }

  async learn({ env, vecEnv, totalSteps, hooks }: LearnOptions): Promise<LearnResult> {
    const started = performance.now();
    if (!env || vecEnv) throw new TypeError(`${this.algorithm}: learn needs { env }, a single env (bandit agents do not use vector envs)`);
    if (!Number.isInteger(totalSteps) || totalSteps < 0) throw new RangeError(`${this.algorithm}: totalSteps must be a non-negative integer, got ${totalSteps}`);
    this.checkEnv(env);
    const firstEpisode = this.episodes;
    let needsReset = true;
    let firstReset = true;
    let episodeReturn = 0;
    let episodeLength = 0;
    while (this.steps < totalSteps) {
      if (needsReset) {
        // Each learn call starts from a reset seeded by the agent's generator (on a bandit env it restarts the task).
        env.reset(firstReset ? { seed: this.rng.nextSeed() } : {});
        firstReset = false;
        needsReset = false;
      }
      const arm = this.policy.select(this.rng, this.steps);
      const r = env.step(arm + this.actSpace.start);
      this.steps += 1;
      this.policy.update(arm, r.reward);
      const pull = banditStep(r.info);
      if (pull) {
        this.cumulativeRegret += pull.regret;
        hooks?.onUpdate?.({ step: this.steps, metrics: { regret: pull.regret, cumulativeRegret: this.cumulativeRegret, optimalAction: pull.optimal ? 1 : 0 } });
      }
      episodeReturn += r.reward;
      episodeLength += 1;
      if (r.terminated || r.truncated) {
        this.episodes += 1;
        hooks?.onEpisodeEnd?.({ step: this.steps, episode: this.episodes, return: episodeReturn, length: episodeLength, truncated: !r.terminated });
        episodeReturn = 0;
        episodeLength = 0;
        needsReset = true;
      }
      if (hooks?.shouldStop?.({ step: this.steps })) break;
    }
    return { steps: this.steps, episodes: this.episodes - firstEpisode, seconds: (performance.now() - started) / 1000 };
  }

  /** The greedy arm when deterministic, else the learning policy's choice (from a generator of its own, so acting does not change training). */
  act(_obs: unknown, options: { deterministic?: boolean } = {}): number {
    return (options.deterministic ? this.policy.greedy() : this.policy.select(this.actRng, this.steps)) + this.actSpace.start;
  }

  diagnostics(): Diagnostics {
    const probs = this.policy.probs?.(this.steps, new Float64Array(this.nA));
    return { qValues: Array.from(this.policy.values()), ...(probs ? { probs: Array.from(probs) } : {}) };
  }

  async save(dir: string): Promise<void> {
    const tables: Record<string, string> = {};
    for (const [name, table] of Object.entries(this.policy.tables)) {
      tables[name] = `${name}.f64`;
      await writeBinary(dir, tables[name], table);
    }
    const state: SavedState = { tables, rng: this.rng.getState(), actRng: this.actRng.getState(), episodes: this.episodes, cumulativeRegret: this.cumulativeRegret };
    await writeManifest(dir, this, { ...state });
  }

  private async readTables(dir: string, state: Partial<SavedState>, who: string): Promise<void> {
    for (const [name, table] of Object.entries(this.policy.tables)) {
      const file = state.tables?.[name];
      if (typeof file !== 'string') throw new Error(`${who}: ${join(dir, 'agent.json')} names no file for the table "${name}"`);
      const saved = new Float64Array(await readBinary(dir, file));
      if (saved.length !== table.length) throw new RangeError(`${who}: ${join(dir, file)} holds ${saved.length} values, expected ${table.length} (one per arm)`);
      table.set(saved);
    }
  }

  /** Transfer: the learned tables of a saved agent of the same algorithm and number of arms; counters and generators stay this agent's own. */
  async warmStart(dir: string, from: AgentManifest): Promise<void> {
    if (from.algorithm !== this.algorithm) throw new TypeError(`warmStart: a ${this.algorithm} agent takes the tables of a ${this.algorithm} agent, not ${from.algorithm} (${dir})`);
    await this.readTables(dir, from.state as Partial<SavedState>, `warmStart(${this.algorithm})`);
  }

  /** Rebuilds a saved agent: tables, generators, counters and the regret so far, so training continues exactly. */
  async restore(manifest: AgentManifest, dir: string): Promise<this> {
    const state = manifest.state as unknown as SavedState;
    await this.readTables(dir, state, this.algorithm);
    this.rng = Rng.fromState(state.rng);
    this.actRng = Rng.fromState(state.actRng);
    this.steps = manifest.stepCount;
    this.episodes = state.episodes;
    this.cumulativeRegret = state.cumulativeRegret;
    return this;
  }

  dispose(): void {}
}

/** Registers a bandit agent: its spec and a maker of its policy for k arms. */
export function registerBanditAgent<S extends ParamSpec>(
  name: string,
  description: string,
  hyperparameters: S,
  makePolicy: (hp: Resolved<S>, arms: number, algorithm: string) => BanditPolicy,
): void {
  const build = (hp: Resolved<S>, context: AgentContext): BanditAgent => {
    const arms = context.actionSpace.type === 'discrete' ? context.actionSpace.n : 0;
    return new BanditAgent(name, hp, context, makePolicy(hp, arms, name));
  };
  registerAgent<S>({
    name,
    description,
    hyperparameters,
    create: (hp, context) => build(hp, context),
    load: (hp, context, manifest, dir) => build(hp, context).restore(manifest, dir),
  });
}

// ---------------------------------------------------------------- action-value estimates

export type EstimateKind = 'sample-average' | 'constant';

/** How epsilon-greedy and UCB estimate each arm's value (Sutton & Barto 2.4-2.6). */
export function estimateHyperparameters(defaults: { estimate?: EstimateKind; initialValue?: number } = {}) {
  return {
    estimate: choice(defaults.estimate ?? 'sample-average', ['sample-average', 'constant'] as const, "value update: sample average (step 1/N(a)) or constant step size alpha (tracks a drifting arm)"),
    alpha: num(0.1, "constant step size of the value update (estimate: 'constant')", { min: 0, max: 1, exclusiveMin: true }),
    initialValue: num(defaults.initialValue ?? 0, 'initial estimate of every arm (above the true means: optimistic, which explores early)'),
  };
}

/** Q(a) and N(a) for k arms, and the incremental update Q(a) += step * (r - Q(a)). */
export class ValueEstimates {
  readonly q: Float64Array;
  readonly n: Float64Array;
  constructor(
    arms: number,
    private readonly hp: { estimate: EstimateKind; alpha: number; initialValue: number },
  ) {
    this.q = new Float64Array(arms).fill(hp.initialValue);
    this.n = new Float64Array(arms);
  }

  update(arm: number, reward: number): void {
    this.n[arm]! += 1;
    const step = this.hp.estimate === 'sample-average' ? 1 / this.n[arm]! : this.hp.alpha;
    this.q[arm]! += step * (reward - this.q[arm]!);
  }
}
