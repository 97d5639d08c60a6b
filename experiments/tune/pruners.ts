// Pruners: which started trial goes on to a further rung (a larger step
// budget) and which stops where it is. Losses are lower-is-better (the study
// turns a maximized objective around); a failed trial reports Infinity.
//
// - none: every trial runs its whole budget in one go (one rung).
// - median (as Optuna's MedianPruner, at rungs rather than every report): a
//   trial reporting at a rung below the last stops when at least `minTrials`
//   trials have completed and its loss is worse than the median of theirs at
//   that rung; otherwise it goes on to the next rung.
// - asha (asynchronous successive halving, Li et al. 2020, "A System for
//   Massively Parallel Hyperparameter Tuning"): a trial reports at a rung and
//   waits; whenever a job is wanted, the highest rung k (below the last) whose
//   top floor(n_k / eta) trials include one not yet promoted promotes it to
//   rung k + 1; with none to promote, a new trial starts at the first rung.
//   Ties go to the earlier trial. With a finite number of trials the top
//   1/eta of a small rung can be nobody (8 trials, eta 3: 2 reach the second
//   rung, floor(2/3) = 0 the third), so when the study has nothing else to
//   run and no trial has reached the last rung, the best trial of the highest
//   rung reached is promoted (`finish`): a study always ends with a trial run
//   to the full budget.
import { median } from '../stats.js';

/** A job for a trial already started: take it to rung `rung`. */
export interface Promotion {
  readonly trial: number;
  readonly rung: number;
}

export interface Pruner {
  /** Trial `trial` reached rung `rung` with `loss`. */
  report(trial: number, rung: number, loss: number): void;
  /** The next started trial to take further, or null (then a new trial starts, if any remain). */
  next(): Promotion | null;
  /** With nothing running and no trial left to start: a last promotion to make, or null (the study ends). */
  finish?(): Promotion | null;
}

export class NoPruner implements Pruner {
  report(): void {}
  next(): Promotion | null {
    return null;
  }
}

export class MedianPruner implements Pruner {
  /** Per rung, the losses of the trials that went on to complete (filled in when they do). */
  private readonly completed: number[][];
  /** Each running trial's losses so far. */
  private readonly reported = new Map<number, number[]>();
  private readonly queue: Promotion[] = [];

  constructor(
    private readonly rungs: number,
    private readonly minTrials: number,
  ) {
    this.completed = Array.from({ length: rungs }, () => []);
  }

  report(trial: number, rung: number, loss: number): void {
    const losses = this.reported.get(trial) ?? [];
    losses[rung] = loss;
    this.reported.set(trial, losses);
    if (rung === this.rungs - 1) {
      losses.forEach((l, k) => this.completed[k]!.push(l));
      return;
    }
    const others = this.completed[rung]!;
    if (others.length >= this.minTrials && !(loss <= median(others))) return; // pruned
    this.queue.push({ trial, rung: rung + 1 });
  }

  next(): Promotion | null {
    return this.queue.shift() ?? null;
  }
}

export class AshaPruner implements Pruner {
  /** Per rung, the trials that reported there with their losses, in report order. */
  private readonly results: Map<number, number>[];
  /** Per rung, the trials promoted from it. */
  private readonly promoted: Set<number>[];

  constructor(
    private readonly rungs: number,
    private readonly eta: number,
  ) {
    this.results = Array.from({ length: rungs }, () => new Map());
    this.promoted = Array.from({ length: rungs }, () => new Set());
  }

  report(trial: number, rung: number, loss: number): void {
    this.results[rung]!.set(trial, loss);
  }

  next(): Promotion | null {
    for (let k = this.rungs - 2; k >= 0; k--) {
      const ranked = [...this.results[k]!].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
      const top = ranked.slice(0, Math.floor(ranked.length / this.eta));
      const candidate = top.find(([trial]) => !this.promoted[k]!.has(trial));
      if (candidate) {
        this.promoted[k]!.add(candidate[0]);
        return { trial: candidate[0], rung: k + 1 };
      }
    }
    return null;
  }

  finish(): Promotion | null {
    if (this.results[this.rungs - 1]!.size > 0) return null;
    for (let k = this.rungs - 2; k >= 0; k--) {
      const ranked = [...this.results[k]!].filter(([trial]) => !this.promoted[k]!.has(trial)).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
      const best = ranked[0];
      if (best && Number.isFinite(best[1])) {
        this.promoted[k]!.add(best[0]);
        return { trial: best[0], rung: k + 1 };
      }
      if (this.results[k]!.size > 0 && this.promoted[k]!.size > 0) return null; // its best went on already and is still below the last rung
    }
    return null;
  }
}

export function makePruner(kind: 'none' | 'median' | 'asha', rungs: number, options: { eta: number; minTrials: number }): Pruner {
  if (kind === 'asha') return new AshaPruner(rungs, options.eta);
  if (kind === 'median') return new MedianPruner(rungs, options.minTrials);
  return new NoPruner();
}
