// The parameter-shared PPO learner itself (the algorithm is described in
// shared-ppo.ts, which declares its hyperparameters and registers it): the
// rollout loop over the learner's decisions, the update, acting for every
// agent, pool snapshots, and its checkpoint state. One job: a learner object
// (collection, update and checkpoint all read the same nets, generators and
// counters; splitting them would only pass those around).
import { join } from 'node:path';
import type { AgentId, Game, PerAgent } from '../../core/multi-agent.js';
import { actionMaskOf } from '../../core/multi-agent.js';
import type { Rng, RngState } from '../../core/rng.js';
import type { BoxSpace, Space } from '../../core/spaces.js';
import type { Diagnostics } from '../agent.js';
import { writeBinary } from '../agent.js';
import { standardize } from '../lib/advantages.js';
import type { MinibatchStats } from '../lib/ppo-loss.js';
import { lastApproxKl, meanStats, stopsEarly } from '../lib/ppo-loss.js';
import { shuffle } from '../lib/rollout.js';
import { readArray } from '../lib/tensor-file.js';
import { pickCategorical, pickGaussian } from '../lib/sampling.js';
import { linearSchedule } from '../lib/schedules.js';
import { streamGae } from './advantages.js';
import { actionSize, agentIndexOf, ObservationEncoder, sharedSpaces } from './encoding.js';
import type { LearnerContext, MultiAgentLearner, MultiLearnOptions, MultiLearnResult, Policy } from './learner.js';
import { assertSameShape, learnerPolicy, writeLearnerManifest } from './learner.js';
import { maskedSoftmax } from '../lib/masks.js';
import type { Decision, Transition } from './runner.js';
import { MatchRunner } from './runner.js';
import type { Snapshot } from './self-play.js';
import { Matchmaker, OpponentPool, passes } from './self-play.js';
import type { SharedPpoHyperparameters } from './shared-ppo.js';
import type { SharedPpoNets } from './shared-ppo-nets.js';
import { StreamBuffer } from './stream-buffer.js';

interface Counters {
  steps: number;
  episodes: number;
  /** PPO iterations (rollout + update). */
  updates: number;
}

/** What learner.json's `state` holds. */
export interface SharedPpoState {
  counters: Counters;
  rng: RngState;
  actRng: RngState;
  optimizerStep: number;
  logStd: number[] | null;
  pool: { id: number; update: number; logStd: number[] | null }[];
  poolCount: number;
}

/** A frozen actor for the pool (S: the nets' snapshot) and its log std. */
interface ActorSnapshot<S> {
  readonly actor: S;
  readonly logStd: Float64Array | null;
}

export class SharedPpo<S> implements MultiAgentLearner {
  readonly algorithm = 'shared-ppo';
  readonly encoder: ObservationEncoder;
  private readonly counters: Counters = { steps: 0, episodes: 0, updates: 0 };
  private readonly pool: OpponentPool<ActorSnapshot<S>>;
  private readonly agents: readonly AgentId[];
  private readonly actionSpace: Space;
  private readonly discrete: boolean;
  /** Policy outputs per row: logits or Gaussian means. */
  private readonly nOut: number;
  private readonly actionDim: number;
  private readonly std: Float64Array;
  private readonly logStdCache: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    readonly hyperparameters: SharedPpoHyperparameters,
    readonly context: LearnerContext,
    /** The actor and critic on the context's backend (shared-ppo-nets.ts). */
    private readonly nets: SharedPpoNets<S>,
    private rng: Rng,
    private actRng: Rng,
  ) {
    const g = context.game;
    this.agents = g.possibleAgents;
    const spaces = sharedSpaces('shared-ppo', this.agents, g.observationSpaces, g.actionSpaces);
    this.actionSpace = spaces.action;
    this.discrete = spaces.action.type === 'discrete';
    this.nOut = actionSize(spaces.action);
    this.actionDim = this.discrete ? 1 : this.nOut;
    this.encoder = new ObservationEncoder(spaces.observation, this.agents.length, hyperparameters.agentIdInput);
    this.std = new Float64Array(this.actionDim);
    this.logStdCache = new Float64Array(this.actionDim);
    this.scratch = new Float64Array(this.nOut);
    this.pool = new OpponentPool(hyperparameters.poolSize);
    this.readStd();
  }

  get stepCount(): number {
    return this.counters.steps;
  }

  get poolSize(): number {
    return this.pool.size;
  }

  private readStd(): void {
    const v = this.nets.logStd();
    if (!v) return;
    for (let d = 0; d < this.actionDim; d++) {
      this.logStdCache[d] = v[d]!;
      this.std[d] = Math.exp(v[d]!);
    }
  }

  async learn({ game, totalSteps, scheduleSteps, hooks = {}, opponents = {}, rewardShaping, teacher }: MultiLearnOptions): Promise<MultiLearnResult> {
    const start = performance.now();
    const hp = this.hyperparameters;
    const games: readonly Game[] = Array.isArray(game) ? game : [game as Game];
    for (const g of games) assertSameShape('shared-ppo.learn', this.context.game, g);
    if (!(totalSteps >= 0)) throw new RangeError(`shared-ppo.learn: totalSteps must be a non-negative number, got ${String(totalSteps)}`);
    if (hp.kickstartCoef > 0 && !teacher) throw new TypeError('shared-ppo.learn: kickstartCoef > 0 needs a teacher policy to learn from (learn({ teacher }); a config\'s `teacher` key)');
    const c = this.counters;
    const firstEpisode = c.episodes;
    if (c.steps < totalSteps) {
      const sides = this.context.sides!;
      const turnBased = games[0]!.spec.kind === 'turn-based';
      const buf = new StreamBuffer(this.encoder.inputDim, this.discrete ? this.nOut : 0, this.actionDim);
      const lastRow = new Int32Array(games.length * this.agents.length);
      const matchmaker = new Matchmaker(hp, this.pool, sides.length, opponents, this.rng, (s) => this.snapshotActor(s));
      const budget = scheduleSteps ?? totalSteps;
      // The teacher is asked through a rollout whose update gives its actions a weight (kickstarting), else not at all.
      let rolloutTeacher: Policy | null = null;
      const runner = new MatchRunner(games, sides, {
        matchup: () => matchmaker.matchup(),
        decide: (decisions, tags) => this.decide(decisions, tags, buf, lastRow, rolloutTeacher),
        record: (t) => this.close(t, buf, lastRow),
        episodeEnd: (e) => {
          c.episodes += 1;
          hooks.onEpisodeEnd?.({ step: c.steps, episode: c.episodes, returns: e.returns, teamReturns: e.teamReturns, length: e.length, truncated: e.truncated, controllers: e.controllers });
        },
      }, { teamReward: hp.teamReward, ...(rewardShaping ? { rewardShaping } : {}) });
      runner.start(games.map(() => this.rng.nextSeed()));
      let stopped = false;
      while (c.steps < totalSteps && !stopped) {
        const progress = Math.min(1, c.steps / budget);
        rolloutTeacher = teacher && this.kickstartWeight(progress) > 0 ? teacher : null;
        // 1. collect
        buf.size = 0;
        lastRow.fill(-1);
        for (let t = 0; t < hp.nSteps && !stopped; t++) {
          c.steps += runner.step();
          stopped = hooks.shouldStop?.({ step: c.steps }) === true;
        }
        if (turnBased && !stopped) {
          runner.restart = false;
          while (runner.active > 0 && !stopped) {
            c.steps += runner.step();
            stopped = hooks.shouldStop?.({ step: c.steps }) === true;
          }
          runner.restart = true;
          if (!stopped) runner.resume();
        }
        if (stopped) break;
        // 2. targets
        this.bootstrapValues(buf);
        streamGae(buf, hp.gamma, hp.gaeLambda, buf.advantages, buf.returns);
        // 3. update
        const metrics = await this.update(buf, progress);
        c.updates += 1;
        // 4. pool
        if (passes(c.updates - 1, c.updates, hp.snapshotEvery) > 0) this.pool.add(this.snapshot(), c.updates);
        // 5. log
        hooks.onUpdate?.({ step: c.steps, metrics: { ...metrics, poolSize: this.pool.size } });
      }
      this.disposeEvicted();
    }
    return { steps: c.steps, episodes: c.episodes - firstEpisode, seconds: (performance.now() - start) / 1000 };
  }

  /**
   * Picks the action of row `row` of a forward output (width `width`): sampled,
   * or the mode when deterministic. Returns the env action, and writes the
   * stored action (index, or the unclipped sample) at stored[storedOffset];
   * returns log pi of it in `logp[0]`.
   */
  private pick(out: Float32Array, row: number, width: number, mask: Uint8Array | null, rng: Rng, deterministic: boolean, logStd: Float64Array | null, stored: Float32Array | null, storedOffset: number, logp: Float64Array): number | Float32Array {
    const o = row * width;
    if (this.discrete) {
      const a = pickCategorical(out, o, this.nOut, mask, rng, deterministic, this.scratch);
      if (stored) stored[storedOffset] = a;
      logp[0] = Math.log(this.scratch[a]!);
      return a + (this.actionSpace as { start: number }).start;
    }
    const { low, high } = this.actionSpace as BoxSpace;
    const env = new Float32Array(this.nOut);
    logp[0] = pickGaussian(out, o, logStd!, rng, deterministic, low, high, stored, storedOffset, env, 0);
    return env;
  }

  /** The kickstarting weight at `progress` (0 to 1) of the budget. */
  private kickstartWeight(progress: number): number {
    const hp = this.hyperparameters;
    return hp.kickstartCoef * Math.max(0, 1 - progress / hp.kickstartFraction);
  }

  /** Stores the teacher's env action for row k as `actions` are stored (an index from 0; a Box vector), checking it is one. */
  private storeTeacherAction(action: unknown, buf: StreamBuffer, k: number, dec: Decision): void {
    const agent = dec.agent;
    if (this.discrete) {
      const { n, start } = this.actionSpace as { n: number; start: number };
      const a = typeof action === 'number' ? action - start : Number.NaN;
      if (!Number.isInteger(a) || a < 0 || a >= n) throw new TypeError(`shared-ppo: the teacher's action for ${agent} is ${JSON.stringify(action)}, not one of the ${n} actions from ${start}`);
      if (dec.mask && !dec.mask[a]) throw new TypeError(`shared-ppo: the teacher's action for ${agent} is ${JSON.stringify(action)}, an illegal move there`);
      buf.teacher[k] = a;
      return;
    }
    const v = action as ArrayLike<number> | null;
    if (v === null || typeof v !== 'object' || v.length !== this.actionDim) throw new TypeError(`shared-ppo: the teacher's action for ${agent} is not a vector of ${this.actionDim} numbers`);
    for (let d = 0; d < this.actionDim; d++) buf.teacher[k * this.actionDim + d] = v[d]!;
  }

  /** Samples actions for the learner's decisions from one forward pass and opens their rows (with the teacher's action when kickstarting). */
  private decide(decisions: readonly Decision[], tags: Int32Array, buf: StreamBuffer, lastRow: Int32Array, teacher: Policy | null): unknown[] {
    const n = decisions.length;
    const d = this.encoder.inputDim;
    const x = new Float32Array(n * d);
    decisions.forEach((dec, j) => this.encoder.encode(dec.obs, dec.agentIndex, x, j * d));
    const out = this.nets.forward(x, n, true);
    const logp = new Float64Array(1);
    return decisions.map((dec, j) => {
      const k = buf.push();
      buf.x.set(x.subarray(j * d, (j + 1) * d), k * d);
      if (this.discrete) {
        if (dec.mask) for (let a = 0; a < this.nOut; a++) buf.masks[k * this.nOut + a] = dec.mask[a]!;
        else buf.masks.fill(1, k * this.nOut, (k + 1) * this.nOut);
      }
      const action = this.pick(out, j, this.nOut + 1, dec.mask, this.rng, false, this.logStdCache, buf.actions, k * this.actionDim, logp);
      buf.logProbs[k] = logp[0]!;
      buf.values[k] = out[j * (this.nOut + 1) + this.nOut]!;
      if (teacher) this.storeTeacherAction(teacher(dec.obs, { agent: dec.agent, rng: this.rng }), buf, k, dec);
      const prev = lastRow[dec.stream]!;
      if (prev >= 0) buf.nextRow[prev] = k;
      lastRow[dec.stream] = k;
      tags[j] = k;
      return action;
    });
  }

  /** Closes a row: reward, flags, the observation it closed on (for a bootstrap); an ended stream starts afresh. */
  private close(t: Transition, buf: StreamBuffer, lastRow: Int32Array): void {
    const k = t.tag;
    buf.rewards[k] = t.reward * this.hyperparameters.rewardScale;
    buf.terminated[k] = t.terminated ? 1 : 0;
    buf.closed[k] = 1;
    this.encoder.encode(t.nextObs, t.agentIndex, buf.nextX, k * this.encoder.inputDim);
    if (t.terminated || t.truncated) lastRow[t.stream] = -1;
  }

  /** V of the closing observation of every row without a next row in the rollout (truncations and the rollout's end). */
  private bootstrapValues(buf: StreamBuffer): void {
    const d = this.encoder.inputDim;
    const rows: number[] = [];
    for (let k = 0; k < buf.size; k++) if (buf.closed[k] && !buf.terminated[k] && buf.nextRow[k]! < 0) rows.push(k);
    if (rows.length === 0) return;
    const x = new Float32Array(rows.length * d);
    rows.forEach((k, j) => x.set(buf.nextX.subarray(k * d, (k + 1) * d), j * d));
    const values = new Float32Array(rows.length);
    this.nets.values(x, rows.length, values);
    rows.forEach((k, j) => (buf.bootstrap[k] = values[j]!));
  }

  /** nEpochs passes of shuffled minibatches over the rollout's closed rows. */
  private async update(buf: StreamBuffer, progress: number): Promise<Record<string, number>> {
    const hp = this.hyperparameters;
    const lr = hp.lrSchedule === 'linear' ? linearSchedule(hp.learningRate, 0)(progress) : hp.learningRate;
    this.nets.learningRate = lr;
    const rows = new Int32Array(buf.size);
    let n = 0;
    for (let k = 0; k < buf.size; k++) if (buf.closed[k]) rows[n++] = k;
    if (n === 0) return { learningRate: lr, epochs: 0 };
    const d = this.encoder.inputDim;
    const stats: MinibatchStats = { onnx: this.nets.onnx, rows: [], tensors: [] };
    await this.nets.prepare(Math.min(hp.batchSize, n));
    let epochs = 0;
    const clip = hp.clipRange;
    const kickstart = this.kickstartWeight(progress);
    for (let epoch = 0; epoch < hp.nEpochs; epoch++) {
      shuffle(rows, n, this.rng);
      for (let from = 0; from < n; from += hp.batchSize) {
        const batch = rows.slice(from, Math.min(from + hp.batchSize, n));
        const m = batch.length;
        const x = new Float32Array(m * d);
        const masks = new Float32Array(m * this.nOut);
        const actions = new Float32Array(m * this.actionDim);
        const teacherActions = kickstart > 0 ? new Float32Array(m * this.actionDim) : null;
        const oldLogp = new Float32Array(m);
        const adv = new Float32Array(m);
        const ret = new Float32Array(m);
        batch.forEach((k, j) => {
          x.set(buf.x.subarray(k * d, (k + 1) * d), j * d);
          if (this.discrete) masks.set(buf.masks.subarray(k * this.nOut, (k + 1) * this.nOut), j * this.nOut);
          actions.set(buf.actions.subarray(k * this.actionDim, (k + 1) * this.actionDim), j * this.actionDim);
          teacherActions?.set(buf.teacher.subarray(k * this.actionDim, (k + 1) * this.actionDim), j * this.actionDim);
          oldLogp[j] = buf.logProbs[k]!;
          adv[j] = buf.advantages[k]!;
          ret[j] = buf.returns[k]!;
        });
        if (hp.normalizeAdvantage) standardize(adv, m);
        // `values` is read only with value clipping, which shared-PPO does not do.
        this.nets.step({ obs: x, actions, logProbs: oldLogp, values: ret, advantages: adv, returns: ret, masks, ...(teacherActions ? { teacher: teacherActions } : {}) }, m, clip, kickstart, stats);
      }
      epochs += 1;
      if (stopsEarly(hp.targetKl, () => lastApproxKl(stats))) break;
    }
    this.readStd();
    const { mean, metrics } = meanStats(stats);
    return {
      ...metrics,
      ...(kickstart > 0 ? { kickstartCoef: kickstart, kickstartLoss: mean[5]! } : hp.kickstartCoef > 0 ? { kickstartCoef: 0 } : {}),
      learningRate: lr,
      epochs,
      rows: n,
      ...(this.discrete ? {} : { std: this.std[0]! }),
    };
  }

  private snapshot(): ActorSnapshot<S> {
    return { actor: this.nets.snapshot(), logStd: this.discrete ? null : this.logStdCache.slice() };
  }

  /** Frees the snapshots that left the pool. */
  private disposeEvicted(): void {
    for (const s of this.pool.drainEvicted()) this.nets.disposeSnapshot(s.actor);
  }

  /** A pool snapshot as an opponent: samples from its (masked) policy. */
  private snapshotActor(snapshot: Snapshot<ActorSnapshot<S>>) {
    return (decisions: readonly Decision[]) => {
      const d = this.encoder.inputDim;
      const x = new Float32Array(decisions.length * d);
      decisions.forEach((dec, j) => this.encoder.encode(dec.obs, dec.agentIndex, x, j * d));
      const out = this.nets.snapshotForward(snapshot.data.actor, x, decisions.length);
      const logp = new Float64Array(1);
      return decisions.map((dec, j) => this.pick(out, j, out.length / decisions.length, dec.mask, this.rng, false, snapshot.data.logStd, null, 0, logp));
    };
  }

  /** Every listed agent's action from one forward pass: the mode when deterministic, else sampled (from a generator separate from training's). */
  actAll(obs: Readonly<PerAgent<unknown>>, options: { deterministic?: boolean } = {}): PerAgent<unknown> {
    const { entries, x } = this.encoder.encodeAll('shared-ppo', this.agents, obs);
    const out = this.nets.forward(x, entries.length, false);
    const logp = new Float64Array(1);
    const result: PerAgent<unknown> = {};
    entries.forEach(([agent, o], j) => (result[agent] = this.pick(out, j, out.length / entries.length, actionMaskOf(o), this.actRng, options.deterministic ?? false, this.logStdCache, null, 0, logp)));
    return result;
  }

  act(agent: AgentId, obs: unknown, options: { deterministic?: boolean } = {}): unknown {
    return this.actAll({ [agent]: obs }, options)[agent];
  }

  /** Action probabilities (0 for illegal moves; Discrete actions) and the critic's value. */
  diagnostics(agent: AgentId, obs: unknown): Diagnostics {
    const x = new Float32Array(this.encoder.inputDim);
    this.encoder.encode(obs, agentIndexOf('shared-ppo', this.agents, agent), x, 0);
    const out = this.nets.forward(x, 1, true);
    const value = out[this.nOut]!;
    if (!this.discrete) return { value };
    return { probs: Array.from(maskedSoftmax(out, 0, this.nOut, actionMaskOf(obs), new Float64Array(this.nOut))), value };
  }

  policy(options: { deterministic?: boolean } = {}): Policy {
    return learnerPolicy(this, options.deterministic ?? true);
  }

  async save(dir: string): Promise<void> {
    await this.nets.saveNets(dir);
    const opt = this.nets.optimizerState();
    await writeBinary(dir, 'optimizer.bin', opt.data);
    for (const s of this.pool.entries) await this.nets.saveSnapshot(s.data.actor, dir, `pool-${s.id}`);
    const logStd = this.nets.logStd();
    const state: SharedPpoState = {
      counters: { ...this.counters },
      rng: this.rng.getState(),
      actRng: this.actRng.getState(),
      optimizerStep: opt.t,
      logStd: logStd ? Array.from(logStd) : null,
      pool: this.pool.entries.map((s) => ({ id: s.id, update: s.update, logStd: s.data.logStd ? Array.from(s.data.logStd) : null })),
      poolCount: this.pool.count,
    };
    await writeLearnerManifest(dir, this, state as unknown as Record<string, unknown>);
  }

  async restore(dir: string, s: SharedPpoState): Promise<void> {
    Object.assign(this.counters, s.counters);
    this.nets.setOptimizerState({ t: s.optimizerStep, data: await readArray(join(dir, 'optimizer.bin'), Float32Array, 2 * this.nets.size, 'shared-ppo', "Adam's two moments of the nets need") });
    const entries: Snapshot<ActorSnapshot<S>>[] = [];
    for (const e of s.pool) entries.push({ id: e.id, update: e.update, data: { actor: await this.nets.loadSnapshot(dir, `pool-${e.id}`), logStd: e.logStd ? Float64Array.from(e.logStd) : null } });
    this.pool.restore(entries, s.poolCount);
    this.disposeEvicted();
  }

  dispose(): void {
    this.nets.dispose();
    for (const s of this.pool.entries) this.nets.disposeSnapshot(s.data.actor);
    this.disposeEvicted();
  }
}
