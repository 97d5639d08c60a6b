// Independent Q-learning (Tan 1993, "Multi-agent reinforcement learning:
// independent vs. cooperative agents"): each agent learns its own Q-table by
// Q-learning and treats the others, teammates and opponents alike, as part of
// its environment. Observations become table rows by `tableKeyer`
// (encoding.ts): Discrete and integer-valued observations such as a board
// exactly, float Box ones through a grid given as the context's `discretize`.
//
// The loop, per game step of every copy (runner.ts):
//   act     each learner decision: epsilon-greedy over the legal moves of the
//           agent's table row (ties at random); opponents act for their sides
//   update  each closed transition (s, a, r, s'):
//             Q(s, a) += alpha * (r + gamma * max_{a' legal at s'} Q(s', a') - Q(s, a))
//           with r alone when s' is terminal (a truncated s' bootstraps). In a
//           turn-based game s' is the agent's next turn, after the opponent's
//           reply; in a parallel game with teamReward, r is the side's mean
//           reward of the step (the shared team reward of a cooperative game)
//   pool    every snapshotEvery updates a copy of the tables joins the
//           self-play pool (self-play.ts); pool opponents play greedily
//   log     onEpisodeEnd per episode; onUpdate at each episode end with epsilon,
//           the mean |TD error| since the last one and the pool size
//
// epsilon falls linearly from `epsilon` to `epsilonEnd` over the first
// explorationFraction of the budget (scheduleSteps, else totalSteps), a
// function of the step count, so a loaded learner resumes exactly.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/files.js';
import { join } from 'node:path';
import type { AgentId, Game, PerAgent } from '../../core/multi-agent.js';
import { actionMaskOf } from '../../core/multi-agent.js';
import type { RngState } from '../../core/rng.js';
import { Rng } from '../../core/rng.js';
import type { DiscreteSpace } from '../../core/spaces.js';
import { describeSpace } from '../../core/spaces.js';
import type { Diagnostics } from '../agent.js';
import { writeBinary } from '../agent.js';
import { readArray } from '../lib/tensor-file.js';
import type { Resolved } from '../lib/hparams.js';
import { bool, num } from '../lib/hparams.js';
import { linearSchedule } from '../lib/schedules.js';
import type { TableKey } from './encoding.js';
import { agentIndexOf, tableKeyer } from './encoding.js';
import type { LearnerContext, LearnerManifest, MultiAgentLearner, MultiLearnOptions, MultiLearnResult, Policy } from './learner.js';
import { assertSameShape, learnerPolicy, registerLearner, writeLearnerManifest } from './learner.js';
import { maskedArgmax, maskedEpsilonGreedy, maskedGreedy, maskedMax, randomLegal } from '../lib/masks.js';
import type { Decision, Transition } from './runner.js';
import { MatchRunner } from './runner.js';
import type { Snapshot } from './self-play.js';
import { Matchmaker, OpponentPool, passes, SELF_PLAY_HYPERPARAMETERS } from './self-play.js';

export const IQL_HYPERPARAMETERS = {
  learningRate: num(0.1, 'step size alpha of the TD update', { min: 0, max: 1, exclusiveMin: true }),
  gamma: num(0.99, "discount per step of the agent's own decisions", { min: 0, max: 1 }),
  epsilon: num(0.3, 'epsilon-greedy: probability of a random legal action at the start', { min: 0, max: 1 }),
  epsilonEnd: num(0.05, 'epsilon after explorationFraction of the budget', { min: 0, max: 1 }),
  explorationFraction: num(0.5, 'fraction of the training budget (scheduleSteps, else totalSteps) over which epsilon falls', { min: 0, max: 1, exclusiveMin: true }),
  initialQ: num(0, 'value of every new table row'),
  shareTable: bool(false, 'one table for all agents (when an observation means the same to every agent, e.g. a board from the mover\'s view)'),
  teamReward: bool(true, "parallel games: learn from the side's mean reward of each step (the shared team reward)"),
  ...SELF_PLAY_HYPERPARAMETERS,
} as const;

export type IqlHyperparameters = Resolved<typeof IQL_HYPERPARAMETERS>;

type Table = Map<TableKey, Float64Array>;

interface Counters {
  steps: number;
  episodes: number;
  /** Q-table updates (one per closed transition). */
  updates: number;
}

interface IqlState {
  counters: Counters;
  rng: RngState;
  actRng: RngState;
  tables: number;
  pool: { id: number; update: number }[];
  poolCount: number;
  epsilon: number;
}

class Iql implements MultiAgentLearner {
  readonly algorithm = 'iql';
  /** One table per agent (or one shared). */
  readonly tables: Table[];
  private readonly counters: Counters = { steps: 0, episodes: 0, updates: 0 };
  private readonly pool: OpponentPool<Table[]>;
  private readonly keyers: ((obs: unknown) => TableKey)[];
  private readonly agents: readonly AgentId[];
  private readonly nActions: number;
  private readonly actionStart: number;
  private rng: Rng;
  private actRng: Rng;
  private epsilon: number;
  /** The open decision of each stream: its table row key and action index. */
  private pendingKey: TableKey[] = [];
  private pendingAction: Int32Array = new Int32Array(0);

  constructor(
    readonly hyperparameters: IqlHyperparameters,
    readonly context: LearnerContext,
  ) {
    const g = context.game;
    this.agents = g.possibleAgents;
    const act = g.actionSpaces[this.agents[0]!]!;
    for (const a of this.agents) {
      const s = g.actionSpaces[a]!;
      if (s.type !== 'discrete') throw new TypeError(`iql: needs Discrete action spaces, ${a} has ${describeSpace(s)}`);
      if (describeSpace(s) !== describeSpace(act)) throw new TypeError(`iql: every agent needs the same action space; ${a} has ${describeSpace(s)}, ${this.agents[0]} ${describeSpace(act)}`);
    }
    this.nActions = (act as DiscreteSpace).n;
    this.actionStart = (act as DiscreteSpace).start;
    this.keyers = this.agents.map((a) => tableKeyer(g.observationSpaces[a]!, context.discretize));
    this.tables = Array.from({ length: hyperparameters.shareTable ? 1 : this.agents.length }, () => new Map());
    this.pool = new OpponentPool(hyperparameters.poolSize);
    const root = new Rng(context.seed);
    this.rng = new Rng(root.nextSeed());
    this.actRng = new Rng(root.nextSeed());
    this.epsilon = hyperparameters.epsilon;
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  get poolSize(): number {
    return this.pool.size;
  }

  private tableOf(agentIndex: number): number {
    return this.hyperparameters.shareTable ? 0 : agentIndex;
  }

  /** The row of `key`, made (filled with initialQ) on first use. */
  private row(table: Table, key: TableKey): Float64Array {
    let r = table.get(key);
    if (!r) {
      r = new Float64Array(this.nActions).fill(this.hyperparameters.initialQ);
      table.set(key, r);
    }
    return r;
  }

  /** max over legal a' of Q(s', a') without making a row (an unseen s' is worth initialQ); 0 when nothing is legal. */
  private nextValue(table: Table, key: TableKey, mask: Uint8Array | null): number {
    const r = table.get(key);
    const m = r ? maskedMax(r, 0, this.nActions, mask) : mask === null || mask.includes(1) ? this.hyperparameters.initialQ : -Infinity;
    return m === -Infinity ? 0 : m;
  }

  async learn({ game, totalSteps, scheduleSteps, hooks = {}, opponents = {}, rewardShaping }: MultiLearnOptions): Promise<MultiLearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const games: readonly Game[] = Array.isArray(game) ? game : [game as Game];
    for (const g of games) assertSameShape('iql.learn', this.context.game, g);
    if (!(totalSteps >= 0)) throw new RangeError(`iql.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    const c = this.counters;
    const firstEpisode = c.episodes;
    if (c.steps < totalSteps) {
      const sides = this.context.sides!;
      const epsilonAt = linearSchedule(hp.epsilon, hp.epsilonEnd, hp.explorationFraction);
      const budget = scheduleSteps ?? totalSteps;
      this.pendingKey = new Array<TableKey>(games.length * this.agents.length).fill(0);
      this.pendingAction = new Int32Array(games.length * this.agents.length);
      const matchmaker = new Matchmaker(hp, this.pool, sides.length, opponents, this.rng, (s) => this.snapshotActor(s));
      let absTd = 0;
      let tdCount = 0;
      const runner = new MatchRunner(games, sides, {
        matchup: () => matchmaker.matchup(),
        // 1. act
        decide: (decisions, tags) => this.decide(decisions, tags),
        // 2. update
        record: (t) => {
          const td = this.update(t);
          absTd += Math.abs(td);
          tdCount += 1;
          const before = c.updates;
          c.updates += 1;
          // 3. pool
          if (passes(before, c.updates, hp.snapshotEvery) > 0) this.pool.add(this.tables.map(cloneTable), c.updates);
        },
        // 4. log
        episodeEnd: (e) => {
          c.episodes += 1;
          hooks.onEpisodeEnd?.({ step: c.steps, episode: c.episodes, returns: e.returns, teamReturns: e.teamReturns, length: e.length, truncated: e.truncated, controllers: e.controllers });
          hooks.onUpdate?.({ step: c.steps, metrics: { epsilon: this.epsilon, tdError: tdCount > 0 ? absTd / tdCount : 0, poolSize: this.pool.size, updates: c.updates } });
          absTd = 0;
          tdCount = 0;
        },
      }, { teamReward: hp.teamReward, ...(rewardShaping ? { rewardShaping } : {}) });
      runner.start(games.map(() => this.rng.nextSeed()));
      while (c.steps < totalSteps) {
        this.epsilon = epsilonAt(Math.min(1, c.steps / budget));
        c.steps += runner.step();
        if (hooks.shouldStop?.({ step: c.steps })) break;
      }
      this.pool.drainEvicted();
    }
    return { steps: c.steps, episodes: c.episodes - firstEpisode, seconds: (performance.now() - start) / 1000 };
  }

  private decide(decisions: readonly Decision[], tags: Int32Array): number[] {
    return decisions.map((d, j) => {
      const key = this.keyers[d.agentIndex]!(d.obs);
      const row = this.row(this.tables[this.tableOf(d.agentIndex)]!, key);
      const a = maskedEpsilonGreedy(row, 0, this.nActions, d.mask, this.epsilon, this.rng);
      this.pendingKey[d.stream] = key;
      this.pendingAction[d.stream] = a;
      tags[j] = d.stream;
      return a + this.actionStart;
    });
  }

  /** The Q-learning update of one closed transition; returns the TD error. */
  private update(t: Transition): number {
    const hp = this.hyperparameters;
    const table = this.tables[this.tableOf(t.agentIndex)]!;
    const row = this.row(table, this.pendingKey[t.tag]!);
    const a = this.pendingAction[t.tag]!;
    const target = t.terminated ? t.reward : t.reward + hp.gamma * this.nextValue(table, this.keyers[t.agentIndex]!(t.nextObs), t.nextMask);
    const td = target - row[a]!;
    row[a]! += hp.learningRate * td;
    return td;
  }

  /** A pool snapshot as an opponent: greedy over its tables (ties at random), a random legal move in unseen states. */
  private snapshotActor(snapshot: Snapshot<Table[]>) {
    return (decisions: readonly Decision[]) =>
      decisions.map((d) => {
        const row = snapshot.data[this.tableOf(d.agentIndex)]!.get(this.keyers[d.agentIndex]!(d.obs));
        const a = row ? maskedGreedy(row, 0, this.nActions, d.mask, this.rng) : randomLegal(this.nActions, d.mask, this.rng);
        return a + this.actionStart;
      });
  }

  /** Greedy over the legal moves (lowest index on ties; an unseen state plays its first legal move) when deterministic, else epsilon-greedy. */
  act(agent: AgentId, obs: unknown, options: { deterministic?: boolean } = {}): number {
    const i = agentIndexOf('iql', this.agents, agent);
    const mask = actionMaskOf(obs);
    const row = this.tables[this.tableOf(i)]!.get(this.keyers[i]!(obs)) ?? new Float64Array(this.nActions).fill(this.hyperparameters.initialQ);
    const a = options.deterministic ? maskedArgmax(row, 0, this.nActions, mask) : maskedEpsilonGreedy(row, 0, this.nActions, mask, this.epsilon, this.actRng);
    return a + this.actionStart;
  }

  actAll(obs: Readonly<PerAgent<unknown>>, options: { deterministic?: boolean } = {}): PerAgent<number> {
    const out: PerAgent<number> = {};
    for (const [agent, o] of Object.entries(obs)) out[agent] = this.act(agent, o, options);
    return out;
  }

  /** Q(s, .) of the agent's table and the epsilon-greedy probabilities over the legal moves. */
  diagnostics(agent: AgentId, obs: unknown): Diagnostics {
    const i = agentIndexOf('iql', this.agents, agent);
    const mask = actionMaskOf(obs);
    const row = this.tables[this.tableOf(i)]!.get(this.keyers[i]!(obs)) ?? new Float64Array(this.nActions).fill(this.hyperparameters.initialQ);
    const legal = Array.from({ length: this.nActions }, (_, a) => mask === null || mask[a] === 1);
    const nLegal = legal.filter(Boolean).length;
    const best = nLegal > 0 ? maskedMax(row, 0, this.nActions, mask) : 0;
    const ties = legal.filter((l, a) => l && row[a] === best).length;
    const probs = legal.map((l, a) => (l ? this.epsilon / nLegal + (row[a] === best ? (1 - this.epsilon) / ties : 0) : 0));
    return { qValues: Array.from(row), probs };
  }

  policy(options: { deterministic?: boolean } = {}): Policy {
    return learnerPolicy(this, options.deterministic ?? true);
  }

  async save(dir: string): Promise<void> {
    for (let t = 0; t < this.tables.length; t++) await saveTable(dir, `table-${t}`, this.tables[t]!);
    for (const s of this.pool.entries) for (let t = 0; t < s.data.length; t++) await saveTable(dir, `pool-${s.id}-table-${t}`, s.data[t]!);
    const state: IqlState = {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      actRng: this.actRng.getState(),
      tables: this.tables.length,
      pool: this.pool.entries.map((s) => ({ id: s.id, update: s.update })),
      poolCount: this.pool.count,
      epsilon: this.epsilon,
    };
    await writeLearnerManifest(dir, this, state as unknown as Record<string, unknown>);
  }

  static async load(hp: IqlHyperparameters, context: LearnerContext, manifest: LearnerManifest, dir: string): Promise<Iql> {
    const learner = new Iql(hp, context);
    const s = manifest.state as unknown as IqlState;
    if (!s?.counters || !s.rng || !s.actRng || s.tables !== learner.tables.length) throw new Error(`iql: ${dir}/learner.json has no complete state (counters, generators, ${learner.tables.length} tables)`);
    for (let t = 0; t < learner.tables.length; t++) await loadTable(dir, `table-${t}`, learner.tables[t]!, learner.nActions);
    const entries: Snapshot<Table[]>[] = [];
    for (const e of s.pool) {
      const tables: Table[] = [];
      for (let t = 0; t < learner.tables.length; t++) {
        const table: Table = new Map();
        await loadTable(dir, `pool-${e.id}-table-${t}`, table, learner.nActions);
        tables.push(table);
      }
      entries.push({ id: e.id, update: e.update, data: tables });
    }
    learner.pool.restore(entries, s.poolCount);
    Object.assign(learner.counters, s.counters);
    learner.rng = Rng.fromState(s.rng);
    learner.actRng = Rng.fromState(s.actRng);
    learner.epsilon = s.epsilon;
    return learner;
  }

  dispose(): void {}
}

function cloneTable(table: Table): Table {
  const out: Table = new Map();
  for (const [k, v] of table) out.set(k, v.slice());
  return out;
}

/** A table as `<name>.keys.json` (row keys in order) and `<name>.q.f64` (the rows, concatenated). */
async function saveTable(dir: string, name: string, table: Table): Promise<void> {
  const keys = [...table.keys()];
  const values = new Float64Array(keys.length * (table.values().next().value?.length ?? 0));
  let o = 0;
  for (const row of table.values()) {
    values.set(row, o);
    o += row.length;
  }
  await writeBinary(dir, `${name}.q.f64`, values);
  await writeFileAtomic(join(dir, `${name}.keys.json`), JSON.stringify(keys));
}

async function loadTable(dir: string, name: string, table: Table, nActions: number): Promise<void> {
  const keysPath = join(dir, `${name}.keys.json`);
  let keys: TableKey[];
  try {
    keys = JSON.parse(await readFile(keysPath, 'utf8')) as TableKey[];
  } catch (e) {
    throw new Error(`iql: cannot read ${keysPath}: ${(e as Error).message}`);
  }
  if (!Array.isArray(keys)) throw new Error(`iql: ${keysPath} is not a list of row keys`);
  const values = await readArray(join(dir, `${name}.q.f64`), Float64Array, keys.length * nActions, 'iql', `its ${keys.length} rows of ${nActions} actions in ${keysPath} need`);
  table.clear();
  keys.forEach((k, r) => table.set(k, values.slice(r * nActions, (r + 1) * nActions)));
}

registerLearner({
  name: 'iql',
  description: 'independent Q-learning: a Q-table per agent (Discrete, integer or discretized observations), team rewards, self-play pool; Discrete actions',
  hyperparameters: IQL_HYPERPARAMETERS,
  takesDiscretize: true,
  create: (hp, context) => new Iql(hp, context),
  load: (hp, context, manifest, dir) => Iql.load(hp, context, manifest, dir),
});
