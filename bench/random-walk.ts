// Sutton & Barto's 19-state random walk (example 7.1, figures 7.2 and 12.3):
// states 1-19 between two terminals, the walk starts in the middle (10) and
// steps left or right with probability 1/2; entering the left end pays -1,
// the right end +1, everything else 0; gamma = 1. The true values are
// v(i) = (i - 10) / 10. The prediction problem is played by the control agents
// with a single action (so Q(s, 0) is V(s) and n-step SARSA is n-step TD,
// SARSA(lambda) is TD(lambda)); the error is the RMS over the 19 states after
// each of the first 10 episodes, averaged over those episodes and over runs.
// Run r of every (n or lambda, alpha) sees the same walks (agent seed r), so
// comparisons are paired.
//
//   npm run bench:random-walk                  # n-step and lambda tables, 100 runs
//   npm run bench:random-walk -- --runs 20
import { pathToFileURL } from 'node:url';
import '../envs/index.js';
import '../agents/index.js';
import { createAgent } from '../agents/agent.js';
import type { TabularTdAgent } from '../agents/lib/tabular-td.js';
import type { Env } from '../core/env.js';
import { finiteMdpEnv } from '../envs/toy-text/finite-mdp.js';
import { benchFlags } from './args.js';
import { meanAndError, paired } from './testbed.js';

export const WALK_STATES = 19;

/** The walk as a finite MDP: state i in 0..20, 0 and 20 terminal, one action 'walk'. */
export function randomWalkEnv(): Env<number, number> {
  const transitions: Record<number, { walk: [number, number, number][] }> = {};
  for (let i = 1; i <= WALK_STATES; i++) {
    transitions[i] = { walk: [[0.5, i - 1, i - 1 === 0 ? -1 : 0], [0.5, i + 1, i + 1 === WALK_STATES + 1 ? 1 : 0]] };
  }
  return finiteMdpEnv({ states: WALK_STATES + 2, transitions, terminalStates: [0, WALK_STATES + 1], initialState: 10 });
}

/** The true values v(i) = (i - 10) / 10 of states 1-19. */
export const TRUE_VALUES = Float64Array.from({ length: WALK_STATES }, (_, k) => (k + 1 - 10) / 10);

export interface WalkCase {
  readonly agent: 'n-step-sarsa' | 'sarsa-lambda' | 'q-lambda';
  /** n or lambda, and the rest (traces). */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly alpha: number;
}

/** Per run: the RMS error over states 1-19 after each of the first `episodes` episodes, averaged over them. */
export async function walkErrors(c: WalkCase, runs: number, episodes = 10, seed = 0): Promise<Float64Array> {
  const errors = new Float64Array(runs);
  for (let run = 0; run < runs; run++) {
    const env = randomWalkEnv();
    const agent = (await createAgent(c.agent, { ...c.hyperparameters, learningRate: c.alpha, gamma: 1, epsilon: 0 }, {
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      seed: seed * 1_000_000 + run,
    })) as TabularTdAgent;
    let done = 0;
    let sum = 0;
    try {
      await agent.learn({
      env,
      totalSteps: Number.MAX_SAFE_INTEGER,
      hooks: {
        onEpisodeEnd: () => {
          let se = 0;
          for (let k = 0; k < WALK_STATES; k++) se += (agent.qTable[k + 1]! - TRUE_VALUES[k]!) ** 2;
          sum += Math.sqrt(se / WALK_STATES);
          done += 1;
        },
        shouldStop: () => done >= episodes,
      },
    });
    } catch (e) {
      // Accumulating traces with a large alpha * lambda diverge (Sutton & Barto cut those curves off).
      if (!/diverged/.test((e as Error).message)) throw e;
      errors[run] = Infinity;
      continue;
    }
    errors[run] = sum / episodes;
  }
  return errors;
}

export interface Sweep {
  readonly label: string;
  readonly alphas: readonly number[];
  /** Mean error over runs at each alpha. */
  readonly means: number[];
  /** The per-run errors at the best alpha. */
  readonly best: { readonly alpha: number; readonly mean: number; readonly perRun: Float64Array };
}

/** Errors over a grid of step sizes for one n or lambda; its best alpha. Errors above `cap` (divergence) count as the cap. */
export async function sweepAlpha(label: string, c: Omit<WalkCase, 'alpha'>, alphas: readonly number[], runs: number, seed = 0): Promise<Sweep> {
  const means: number[] = [];
  let best: Sweep['best'] | null = null;
  for (const alpha of alphas) {
    const perRun = await walkErrors({ ...c, alpha }, runs, 10, seed);
    const mean = meanAndError(perRun.map((e) => (Number.isFinite(e) ? e : Infinity))).mean;
    means.push(mean);
    if (best === null || mean < best.mean) best = { alpha, mean, perRun };
  }
  return { label, alphas, means, best: best! };
}

export const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

async function main(): Promise<void> {
  const runs = benchFlags('bench:random-walk', { runs: { value: 'N', help: 'independent runs per setting (default 100, at least 2)' } }).int('runs', 100, 2);
  const started = performance.now();
  const table = async (title: string, sweeps: Sweep[]) => {
    console.log(`\n${title}: RMS error over states 1-19, first 10 episodes, ${runs} runs (mean over runs; alpha across)`);
    console.log(`${''.padEnd(22)}${ALPHAS.map((a) => String(a).padStart(7)).join('')}   best alpha  best error [se]`);
    for (const s of sweeps) {
      const se = meanAndError(s.best.perRun).se;
      console.log(`${s.label.padEnd(22)}${s.means.map((m) => (m > 9.99 ? '  >9.99' : m.toFixed(3).padStart(7))).join('')}   ${String(s.best.alpha).padStart(10)}  ${s.best.mean.toFixed(3)} [${se.toFixed(3)}]`);
    }
    const bestOf = [...sweeps].sort((a, b) => a.best.mean - b.best.mean)[0]!;
    for (const s of sweeps) {
      if (s === bestOf) continue;
      const d = meanAndError(paired(s.best.perRun, bestOf.best.perRun));
      console.log(`  ${s.label} - ${bestOf.label} at their best alphas: ${d.mean.toFixed(4)} [se ${d.se.toFixed(4)}], t = ${(d.mean / d.se).toFixed(1)}`);
    }
  };
  const nSweeps: Sweep[] = [];
  for (const n of [1, 2, 4, 8, 16, 32, 64]) nSweeps.push(await sweepAlpha(`n = ${n}`, { agent: 'n-step-sarsa', hyperparameters: { n } }, ALPHAS, runs));
  await table('n-step TD (n-step-sarsa, one action)', nSweeps);
  for (const traces of ['accumulating', 'replacing'] as const) {
    const lambdaSweeps: Sweep[] = [];
    for (const lambda of [0, 0.4, 0.8, 0.9, 0.95, 0.975, 1]) {
      lambdaSweeps.push(await sweepAlpha(`lambda = ${lambda}`, { agent: 'sarsa-lambda', hyperparameters: { lambda, traces } }, ALPHAS, runs));
    }
    await table(`TD(lambda), ${traces} traces (sarsa-lambda, one action)`, lambdaSweeps);
  }
  console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
