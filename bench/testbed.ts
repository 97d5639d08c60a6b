// Sutton & Barto's k-armed testbed (Reinforcement Learning: An Introduction,
// section 2.3): many independent runs, each a fresh agent on a fresh bandit
// task, averaged pull by pull into the book's curves (average reward, % of
// optimal pulls) and the mean cumulative regret. Run i of every algorithm
// faces the same task (taskSeed i), so the algorithms are compared on paired
// tasks. Agents and envs go through the public API: createAgent, make, learn.
import '../envs/index.js';
import '../agents/index.js';
import { createAgent } from '../agents/agent.js';
import { make } from '../core/registry.js';

export interface TestbedCase {
  /** A label for tables and figures. */
  readonly label: string;
  readonly agent: string;
  readonly hyperparameters?: Readonly<Record<string, unknown>>;
}

export interface TestbedOptions {
  /** A registered bandit env (default Bandit-v0) and its kwargs (taskSeed is set per run). */
  readonly env?: string;
  readonly kwargs?: Readonly<Record<string, unknown>>;
  readonly runs: number;
  readonly steps: number;
  /** Agent seeds are seed * 1e6 + run. */
  readonly seed?: number;
  /** First taskSeed (run i uses firstTask + i). */
  readonly firstTask?: number;
  /** The per-run averages (reward, optimal share) are over pulls from this one (0-based) to the end; default 0. */
  readonly perRunFrom?: number;
}

export interface TestbedResult {
  readonly label: string;
  /** Per pull t (0-based), averaged over runs. */
  readonly averageReward: Float64Array;
  readonly optimalShare: Float64Array;
  readonly cumulativeRegret: Float64Array;
  /** Per run: its mean reward and share of optimal pulls over pulls perRunFrom.., its final cumulative regret, and its mean reward over the last LAST_PULLS pulls (for spreads and paired differences). */
  readonly perRun: { readonly meanReward: Float64Array; readonly optimalShare: Float64Array; readonly regret: Float64Array; readonly lastReward: Float64Array };
}

/** The per-run `lastReward` is the mean over this many final pulls (all of them when there are fewer). */
export const LAST_PULLS = 100;

export async function runTestbed(c: TestbedCase, options: TestbedOptions): Promise<TestbedResult> {
  const { runs, steps } = options;
  const averageReward = new Float64Array(steps);
  const optimalShare = new Float64Array(steps);
  const cumulativeRegret = new Float64Array(steps);
  const perRun = { meanReward: new Float64Array(runs), optimalShare: new Float64Array(runs), regret: new Float64Array(runs), lastReward: new Float64Array(runs) };
  const lastFrom = Math.max(0, steps - LAST_PULLS);
  const from = options.perRunFrom ?? 0;
  if (!(Number.isInteger(from) && from >= 0 && from < steps)) throw new RangeError(`testbed: perRunFrom must be an integer in [0, steps = ${steps}), got ${from}`);
  const span = steps - from;
  for (let run = 0; run < runs; run++) {
    const env = make(options.env ?? 'Bandit-v0', { ...options.kwargs, taskSeed: (options.firstTask ?? 0) + run });
    const agent = await createAgent(c.agent, c.hyperparameters ?? {}, {
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      seed: (options.seed ?? 0) * 1_000_000 + run,
    });
    let reported = 0;
    await agent.learn({
      env,
      totalSteps: steps,
      hooks: {
        onEpisodeEnd: (e) => {
          averageReward[e.step - 1]! += e.return;
          if (e.step > from) perRun.meanReward[run]! += e.return / span;
          if (e.step > lastFrom) perRun.lastReward[run]! += e.return / (steps - lastFrom);
        },
        onUpdate: (u) => {
          const t = u.step - 1;
          optimalShare[t]! += u.metrics['optimalAction']!;
          cumulativeRegret[t]! += u.metrics['cumulativeRegret']!;
          if (u.step > from) perRun.optimalShare[run]! += u.metrics['optimalAction']! / span;
          perRun.regret[run] = u.metrics['cumulativeRegret']!;
          reported += 1;
        },
      },
    });
    if (reported !== steps) throw new Error(`testbed: ${c.agent} reported ${reported} pulls of ${steps} (is ${options.env ?? 'Bandit-v0'} a bandit env?)`);
    agent.dispose();
    env.close();
  }
  for (let t = 0; t < steps; t++) {
    averageReward[t]! /= runs;
    optimalShare[t]! /= runs;
    cumulativeRegret[t]! /= runs;
  }
  return { label: c.label, averageReward, optimalShare, cumulativeRegret, perRun };
}

/** Mean of x[from..to). */
export function windowMean(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]!;
  return s / (to - from);
}

/** Mean and standard error of the mean of per-run values (pass a paired difference for a paired comparison). */
export function meanAndError(x: ArrayLike<number>): { mean: number; se: number } {
  const n = x.length;
  const mean = windowMean(x, 0, n);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (n - 1) / n) };
}

/** a[i] - b[i]: the paired difference of two cases' per-run values (same tasks). */
export function paired(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
}

/** The testbed cases of the book's figures 2.2-2.4 (and 2.5's gradient bandit with baseline, on the standard testbed). */
export const BOOK_CASES: readonly TestbedCase[] = [
  { label: 'greedy (epsilon 0)', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0 } },
  { label: 'epsilon 0.01', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.01 } },
  { label: 'epsilon 0.1', agent: 'bandit-epsilon-greedy', hyperparameters: { epsilon: 0.1 } },
  { label: 'UCB c = 2', agent: 'bandit-ucb', hyperparameters: { c: 2 } },
  { label: 'gradient alpha 0.1, baseline', agent: 'bandit-gradient', hyperparameters: { alpha: 0.1, baseline: true } },
];
