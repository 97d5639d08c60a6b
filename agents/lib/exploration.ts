// Exploration strategies for agents with a discrete action set, as pure
// functions of one state's action values `q` (a row of a Q-table, or a
// network's output): epsilon-greedy, softmax (Boltzmann), UCB and Thompson
// sampling over a Gaussian belief about each Q(s, a). Each comes
// in two forms: an action drawn from the given Rng, and the full probability
// distribution over actions (what Expected SARSA averages over and what the
// viewer shows). Greedy choices break ties uniformly at random, since a fresh
// Q-table is all ties and "lowest index wins" would bias early exploration
// toward action 0 (a wall, in many grid worlds).
//
// Nothing here allocates: distributions are written into an `out` array.
import type { Rng } from '../../core/rng.js';

export type ExplorationKind = 'epsilon-greedy' | 'softmax' | 'ucb' | 'thompson';
export const EXPLORATION_KINDS: readonly ExplorationKind[] = ['epsilon-greedy', 'softmax', 'ucb', 'thompson'];

/** Index of the largest value, the first one on ties: the deterministic greedy action (no generator). */
export function argmax(q: ArrayLike<number>): number {
  let best = 0;
  for (let a = 1; a < q.length; a++) if (q[a]! > q[best]!) best = a;
  return best;
}

function maxOf(q: ArrayLike<number>): number {
  let m = q[0]!;
  for (let a = 1; a < q.length; a++) if (q[a]! > m) m = q[a]!;
  return m;
}

/**
 * A uniformly random index among those with `pick(a)` true (`count` of them),
 * drawing from `rng` only when there is more than one, so a unique answer
 * costs no random number.
 */
function pickAmong(n: number, count: number, pick: (a: number) => boolean, rng: Rng): number {
  let k = count > 1 ? rng.integers(0, count) : 0;
  for (let a = 0; a < n; a++) {
    if (pick(a) && k-- === 0) return a;
  }
  throw new Error('pickAmong: count does not match the picked entries');
}

/** The greedy action, ties broken uniformly at random. */
export function greedyAction(q: ArrayLike<number>, rng: Rng): number {
  const m = maxOf(q);
  let ties = 0;
  for (let a = 0; a < q.length; a++) if (q[a] === m) ties++;
  return pickAmong(q.length, ties, (a) => q[a] === m, rng);
}

// ---------------------------------------------------------------- epsilon-greedy

/** With probability epsilon a uniformly random action, else the greedy one (ties at random). */
export function epsilonGreedyAction(q: ArrayLike<number>, epsilon: number, rng: Rng): number {
  // The explore draw happens even when epsilon is 0, so the random stream does
  // not depend on the schedule's value.
  if (rng.random() < epsilon) return rng.integers(0, q.length);
  return greedyAction(q, rng);
}

/** epsilon / n for every action, plus (1 - epsilon) shared equally by the tied maxima. */
export function epsilonGreedyProbs(q: ArrayLike<number>, epsilon: number, out: Float64Array): Float64Array {
  const n = q.length;
  const m = maxOf(q);
  let ties = 0;
  for (let a = 0; a < n; a++) if (q[a] === m) ties++;
  for (let a = 0; a < n; a++) out[a] = epsilon / n + (q[a] === m ? (1 - epsilon) / ties : 0);
  return out;
}

// ---------------------------------------------------------------- softmax

/** Boltzmann probabilities exp(q[a] / T) / sum_b exp(q[b] / T), computed stably (shifted by the max). */
export function softmaxProbs(q: ArrayLike<number>, temperature: number, out: Float64Array): Float64Array {
  const n = q.length;
  const m = maxOf(q);
  let total = 0;
  for (let a = 0; a < n; a++) {
    out[a] = Math.exp((q[a]! - m) / temperature);
    total += out[a]!;
  }
  for (let a = 0; a < n; a++) out[a]! /= total;
  return out;
}

/** An action drawn from the Boltzmann distribution at `temperature` (one uniform draw). */
export function softmaxAction(q: ArrayLike<number>, temperature: number, rng: Rng): number {
  const n = q.length;
  const m = maxOf(q);
  let total = 0;
  for (let a = 0; a < n; a++) total += Math.exp((q[a]! - m) / temperature);
  let r = rng.random() * total;
  for (let a = 0; a < n; a++) {
    r -= Math.exp((q[a]! - m) / temperature);
    if (r < 0) return a;
  }
  return n - 1; // rounding left r just above 0
}

// ---------------------------------------------------------------- UCB

/**
 * UCB1 for one state: untried actions first (uniformly at random among them),
 * then the action maximizing q[a] + c * sqrt(ln t / N[a]), where N[a] counts
 * the times a was taken in this state and t = sum of N, the visits to the state
 * (Auer et al. 2002; Sutton & Barto section 2.7). Ties at random.
 */
export function ucbAction(q: ArrayLike<number>, counts: ArrayLike<number>, c: number, rng: Rng): number {
  const n = q.length;
  let untried = 0;
  for (let a = 0; a < n; a++) if (counts[a] === 0) untried++;
  if (untried > 0) return pickAmong(n, untried, (a) => counts[a] === 0, rng);
  const lnT = Math.log(sum(counts));
  const best = ucbBest(q, counts, c, lnT);
  let ties = 0;
  for (let a = 0; a < n; a++) if (score(q, counts, c, lnT, a) === best) ties++;
  return pickAmong(n, ties, (a) => score(q, counts, c, lnT, a) === best, rng);
}

/** The distribution ucbAction draws from: uniform over the untried actions, or over the maximizers of the UCB score. */
export function ucbProbs(q: ArrayLike<number>, counts: ArrayLike<number>, c: number, out: Float64Array): Float64Array {
  const n = q.length;
  let untried = 0;
  for (let a = 0; a < n; a++) if (counts[a] === 0) untried++;
  if (untried > 0) {
    for (let a = 0; a < n; a++) out[a] = counts[a] === 0 ? 1 / untried : 0;
    return out;
  }
  const lnT = Math.log(sum(counts));
  const best = ucbBest(q, counts, c, lnT);
  let ties = 0;
  for (let a = 0; a < n; a++) if (score(q, counts, c, lnT, a) === best) ties++;
  for (let a = 0; a < n; a++) out[a] = score(q, counts, c, lnT, a) === best ? 1 / ties : 0;
  return out;
}

/** The UCB score q[a] + c * sqrt(ln t / N[a]) of action a, with t = sum of the counts (all positive). */
export function ucbScore(q: ArrayLike<number>, counts: ArrayLike<number>, c: number, a: number): number {
  return score(q, counts, c, Math.log(sum(counts)), a);
}

function sum(x: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < x.length; i++) t += x[i]!;
  return t;
}

function score(q: ArrayLike<number>, counts: ArrayLike<number>, c: number, lnT: number, a: number): number {
  return q[a]! + c * Math.sqrt(lnT / counts[a]!);
}

function ucbBest(q: ArrayLike<number>, counts: ArrayLike<number>, c: number, lnT: number): number {
  let best = -Infinity;
  for (let a = 0; a < q.length; a++) best = Math.max(best, score(q, counts, c, lnT, a));
  return best;
}

// ---------------------------------------------------------------- Thompson sampling

/**
 * Thompson sampling with a Gaussian belief per action: Q(s, a) is believed to
 * be N(q[a], (std / sqrt(N[a] + 1))^2), so it narrows as a is taken; draw one
 * value per action and take the largest (Thompson 1933; for Q-tables as in
 * Dearden et al. 1998's Bayesian Q-learning, with this simple variance).
 */
export function thompsonAction(q: ArrayLike<number>, counts: ArrayLike<number>, std: number, rng: Rng): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let a = 0; a < q.length; a++) {
    const v = rng.normal(q[a]!, std / Math.sqrt(counts[a]! + 1));
    if (v > bestValue) {
      bestValue = v;
      best = a;
    }
  }
  return best;
}

/** Standard normal CDF through erf (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Simpson intervals per action when integrating the Thompson probabilities. */
const THOMPSON_INTERVALS = 96;

/**
 * The probability that each action's draw is the largest:
 * P(a) = integral of phi_a(x) * prod_{b != a} Phi_b(x) dx, by Simpson's rule over
 * q[a] +- 8 sd_a (where phi_a has its mass), normalized to sum to 1. Accurate to
 * about 1e-3 (tested against sampling frequencies); Expected SARSA and the
 * viewer use it.
 */
export function thompsonProbs(q: ArrayLike<number>, counts: ArrayLike<number>, std: number, out: Float64Array): Float64Array {
  const n = q.length;
  let total = 0;
  for (let a = 0; a < n; a++) {
    const sa = std / Math.sqrt(counts[a]! + 1);
    const lo = q[a]! - 8 * sa;
    const h = (16 * sa) / THOMPSON_INTERVALS;
    let sum = 0;
    for (let k = 0; k <= THOMPSON_INTERVALS; k++) {
      const x = lo + k * h;
      const z = (x - q[a]!) / sa;
      let f = Math.exp(-0.5 * z * z) / (sa * Math.sqrt(2 * Math.PI));
      for (let b = 0; b < n; b++) if (b !== a) f *= normalCdf((x - q[b]!) / (std / Math.sqrt(counts[b]! + 1)));
      sum += (k === 0 || k === THOMPSON_INTERVALS ? 1 : k % 2 === 1 ? 4 : 2) * f;
    }
    out[a] = (sum * h) / 3;
    total += out[a]!;
  }
  for (let a = 0; a < n; a++) out[a]! /= total;
  return out;
}

// ---------------------------------------------------------------- one entry point

/** The parameters of every strategy; each reads only its own. */
export interface ExplorationParams {
  readonly kind: ExplorationKind;
  /** epsilon-greedy: probability of a uniformly random action. */
  readonly epsilon: number;
  /** softmax: temperature T (higher is more uniform). */
  readonly temperature: number;
  /** ucb: weight c of the exploration bonus. */
  readonly ucbC: number;
  /** thompson: prior standard deviation of each Q(s, a) (the belief's sd is thompsonStd / sqrt(N + 1)). */
  readonly thompsonStd: number;
}

/** An action of the exploration policy; `counts` are the state's visit counts (used by UCB only). */
export function explorationAction(q: ArrayLike<number>, counts: ArrayLike<number>, p: ExplorationParams, rng: Rng): number {
  switch (p.kind) {
    case 'epsilon-greedy':
      return epsilonGreedyAction(q, p.epsilon, rng);
    case 'softmax':
      return softmaxAction(q, p.temperature, rng);
    case 'ucb':
      return ucbAction(q, counts, p.ucbC, rng);
    case 'thompson':
      return thompsonAction(q, counts, p.thompsonStd, rng);
  }
}

/** The exploration policy's probabilities of each action, written into `out`. */
export function explorationProbs(q: ArrayLike<number>, counts: ArrayLike<number>, p: ExplorationParams, out: Float64Array): Float64Array {
  switch (p.kind) {
    case 'epsilon-greedy':
      return epsilonGreedyProbs(q, p.epsilon, out);
    case 'softmax':
      return softmaxProbs(q, p.temperature, out);
    case 'ucb':
      return ucbProbs(q, counts, p.ucbC, out);
    case 'thompson':
      return thompsonProbs(q, counts, p.thompsonStd, out);
  }
}
