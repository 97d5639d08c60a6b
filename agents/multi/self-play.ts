// Self-play for competitive games: the learner plays against its current self,
// a pool of its own past checkpoints, or fixed opponents (random, scripted,
// minimax) passed to learn.
//
// Each episode (in each game copy) draws a matchup from the learner's
// generator: the learner takes one side uniformly at random; the other sides
// go to one opponent, chosen with probability proportional to
//   selfPlayWeight   the current learner (every side learns: pure self-play)
//   poolWeight       a snapshot from the pool, sampled uniformly or by recency
//   fixedWeight      a fixed opponent, uniformly among those passed to learn
// (a choice with nothing to offer, such as an empty pool, gets weight 0). Every
// `snapshotEvery` learner updates a frozen copy of the learner joins the pool;
// beyond `poolSize` the oldest leaves. Sampling by recency weights the k-th
// oldest of n snapshots by k (the newest n times as often as the oldest).
// A cooperative game (one side) is always played by the learner alone.
import type { Rng } from '../../core/rng.js';
import { choice, int, num } from '../lib/hparams.js';
import type { Policy } from './learner.js';
import type { BatchActor, Controller } from './runner.js';
import { LEARNER } from './runner.js';

export const SELF_PLAY_HYPERPARAMETERS = {
  snapshotEvery: int(0, 'learner updates between snapshots joining the opponent pool (0: no pool)', { min: 0 }),
  poolSize: int(20, 'snapshots kept in the opponent pool (the oldest leaves first)', { min: 1 }),
  opponentSampling: choice('uniform', ['uniform', 'recency'] as const, "how a pool opponent is drawn: 'uniform' or 'recency' (weight k for the k-th oldest)"),
  selfPlayWeight: num(1, 'competitive games: weight of episodes against the current learner (both sides learn)', { min: 0 }),
  poolWeight: num(1, 'competitive games: weight of episodes against a pool snapshot', { min: 0 }),
  fixedWeight: num(1, 'competitive games: weight of episodes against a fixed opponent given to learn', { min: 0 }),
} as const;

export interface SelfPlaySettings {
  readonly snapshotEvery: number;
  readonly poolSize: number;
  readonly opponentSampling: 'uniform' | 'recency';
  readonly selfPlayWeight: number;
  readonly poolWeight: number;
  readonly fixedWeight: number;
}

export interface Snapshot<S> {
  /** Increasing id (the number of snapshots taken before it). */
  readonly id: number;
  /** The learner's update count when it was taken. */
  readonly update: number;
  readonly data: S;
}

/**
 * The pool of past checkpoints, oldest first. Snapshots that leave it are held
 * in `evicted` until the learner frees them (`drainEvicted`, at the end of a
 * learn call), since an episode in progress may still be playing one.
 */
export class OpponentPool<S> {
  readonly entries: Snapshot<S>[] = [];
  private taken = 0;
  private evicted: S[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.length;
  }

  /** Snapshots taken so far (ids run 0, 1, ...). */
  get count(): number {
    return this.taken;
  }

  add(data: S, update: number): Snapshot<S> {
    const snapshot = { id: this.taken++, update, data };
    this.entries.push(snapshot);
    while (this.entries.length > this.capacity) this.evicted.push(this.entries.shift()!.data);
    return snapshot;
  }

  /** Restores a saved pool (entries oldest first, and the count of snapshots ever taken). */
  restore(entries: readonly Snapshot<S>[], count: number): void {
    this.evicted.push(...this.entries.map((e) => e.data));
    this.entries.length = 0;
    this.entries.push(...entries);
    this.taken = count;
  }

  sample(rng: Rng, mode: 'uniform' | 'recency'): Snapshot<S> {
    const n = this.entries.length;
    if (n === 0) throw new RangeError('OpponentPool.sample: the pool is empty');
    if (mode === 'uniform') return this.entries[rng.integers(0, n)]!;
    return this.entries[rng.choice(recencyWeights(n))]!;
  }

  /** The snapshots that left the pool since the last call, for the learner to free. */
  drainEvicted(): S[] {
    const out = this.evicted;
    this.evicted = [];
    return out;
  }
}

/** Weights 1, 2, ..., n for snapshots oldest to newest. */
export function recencyWeights(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k + 1);
}

export type OpponentChoice = { kind: 'self' } | { kind: 'pool' } | { kind: 'fixed'; name: string };

/** One episode's matchup: the learner's side and who plays the others. */
export interface MatchupDraw {
  readonly learnerSide: number;
  readonly opponent: OpponentChoice;
}

/**
 * Draws a matchup for a game of `nSides` sides (see the header): the learner's
 * side, then the opponent kind by weight, then the fixed opponent by name.
 * With one side, or nothing but self-play available, the learner plays all.
 */
export function drawMatchup(rng: Rng, nSides: number, settings: SelfPlaySettings, poolSize: number, fixedNames: readonly string[]): MatchupDraw {
  if (nSides <= 1) return { learnerSide: 0, opponent: { kind: 'self' } };
  const learnerSide = rng.integers(0, nSides);
  const weights = [settings.selfPlayWeight, poolSize > 0 ? settings.poolWeight : 0, fixedNames.length > 0 ? settings.fixedWeight : 0];
  if (weights[0]! + weights[1]! + weights[2]! === 0) return { learnerSide, opponent: { kind: 'self' } };
  const k = rng.choice(weights);
  if (k === 0) return { learnerSide, opponent: { kind: 'self' } };
  if (k === 1) return { learnerSide, opponent: { kind: 'pool' } };
  return { learnerSide, opponent: { kind: 'fixed', name: fixedNames[rng.integers(0, fixedNames.length)]! } };
}

/** How many multiples of `every` lie in (from, to]: the periodic events a counter passed (0 when every is 0). */
export function passes(from: number, to: number, every: number): number {
  if (every <= 0) return 0;
  return Math.floor(to / every) - Math.floor(from / every);
}

// ---------------------------------------------------------------- matchups as controllers

/** A per-decision Policy as a runner Controller (it draws from `rng`). */
export function policyController(name: string, policy: Policy, rng: Rng): Controller {
  return { name, act: (decisions) => decisions.map((d) => policy(d.obs, { agent: d.agent, rng })) };
}

/**
 * Turns matchup draws into the controllers of each side, for a learn call:
 * snapshot controllers are made once per snapshot (so the copies that meet the
 * same snapshot share one batch), fixed ones once per learn call.
 */
export class Matchmaker<S> {
  private readonly fixed: Map<string, Controller>;
  private readonly snapshots = new Map<number, Controller>();

  constructor(
    private readonly settings: SelfPlaySettings,
    private readonly pool: OpponentPool<S>,
    private readonly nSides: number,
    opponents: Readonly<Record<string, Policy>>,
    private readonly rng: Rng,
    private readonly snapshotController: (snapshot: Snapshot<S>) => BatchActor,
  ) {
    this.fixed = new Map(Object.entries(opponents).map(([name, policy]) => [name, policyController(name, policy, rng)]));
  }

  /** The controllers of each side for one episode. */
  matchup(): Controller[] {
    const draw = drawMatchup(this.rng, this.nSides, this.settings, this.pool.size, [...this.fixed.keys()]);
    let opponent: Controller = LEARNER;
    if (draw.opponent.kind === 'pool') {
      const snapshot = this.pool.sample(this.rng, this.settings.opponentSampling);
      if (!this.snapshots.has(snapshot.id)) this.snapshots.set(snapshot.id, { name: `pool:${snapshot.id}`, act: this.snapshotController(snapshot) });
      opponent = this.snapshots.get(snapshot.id)!;
    } else if (draw.opponent.kind === 'fixed') {
      opponent = this.fixed.get(draw.opponent.name)!;
    }
    return Array.from({ length: this.nSides }, (_, s) => (s === draw.learnerSide ? LEARNER : opponent));
  }
}
