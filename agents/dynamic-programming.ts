// Dynamic programming on a known finite MDP (Sutton & Barto, chapter 4):
// value iteration and policy iteration over the transition table P[s][a] of
// core/tabular.ts, as pure functions, and registered as the planning agents
// 'value-iteration' and 'policy-iteration'. A planner takes no env steps: its
// learn() reads the env's model through tabularModel(env) and solves it.
//
// Backups follow the table's flags: an outcome with terminated = true ends the
// episode, so its target is the reward alone (no bootstrap from the next
// state's value), exactly as the learning agents treat a terminated step.
import type { Env } from '../core/env.js';
import type { DiscreteSpace } from '../core/spaces.js';
import { describeSpace } from '../core/spaces.js';
import type { TabularMDP } from '../core/tabular.js';
import { tabularModel } from '../core/tabular.js';
import type { Agent, AgentContext, AgentManifest, Diagnostics, LearnOptions, LearnResult } from './agent.js';
import { readBinary, registerAgent, writeBinary, writeManifest } from './agent.js';
import type { Resolved } from './lib/hparams.js';
import { int, num } from './lib/hparams.js';

export interface PlanningOptions {
  /** Discount factor in [0, 1]; with 1, every policy considered must reach a terminal state. */
  readonly gamma: number;
  /** Stop when a sweep changes no value by more than theta (default 1e-10). */
  readonly theta?: number;
  /** Give up after this many sweeps (value iteration) or improvements (policy iteration); default 10000. */
  readonly maxIterations?: number;
  /** Policy iteration: cap on the sweeps of each policy evaluation (default 1000). */
  readonly maxEvaluationSweeps?: number;
}

export interface PlanningResult {
  /** State values of the returned policy (value iteration: the last sweep's estimate). */
  readonly V: Float64Array;
  /** Action values, row-major: Q[s * nA + a]. */
  readonly Q: Float64Array;
  /** The greedy action of each state (lowest index on ties). */
  readonly policy: Int32Array;
  /** Value-iteration sweeps, or policy evaluation-and-improvement rounds. */
  readonly iterations: number;
  /** Sweeps over the state space in all (equal to iterations for value iteration). */
  readonly sweeps: number;
  /** Whether the stopping rule was met within maxIterations. */
  readonly converged: boolean;
  /** Largest value change in the last sweep. */
  readonly delta: number;
}

function checkOptions(caller: string, mdp: TabularMDP, o: PlanningOptions): Required<PlanningOptions> {
  const theta = o.theta ?? 1e-10;
  const maxIterations = o.maxIterations ?? 10_000;
  const maxEvaluationSweeps = o.maxEvaluationSweeps ?? 1000;
  if (typeof o.gamma !== 'number' || !(o.gamma >= 0 && o.gamma <= 1)) throw new RangeError(`${caller}: gamma must be a number in [0, 1], got ${String(o.gamma)}`);
  if (!(theta > 0)) throw new RangeError(`${caller}: theta must be a number > 0, got ${theta}`);
  for (const [k, v] of [['maxIterations', maxIterations], ['maxEvaluationSweeps', maxEvaluationSweeps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${caller}: ${k} must be an integer >= 1, got ${v}`);
  }
  if (!(mdp.nS >= 1 && mdp.nA >= 1 && mdp.P.length === mdp.nS)) throw new RangeError(`${caller}: malformed MDP: nS ${mdp.nS}, nA ${mdp.nA}, P has ${mdp.P.length} rows`);
  return { gamma: o.gamma, theta, maxIterations, maxEvaluationSweeps };
}

/** Q(s, a) = sum over outcomes of p * (r + gamma * V(s')), with no V(s') term for terminating outcomes. */
export function actionValue(mdp: TabularMDP, V: ArrayLike<number>, gamma: number, s: number, a: number): number {
  let q = 0;
  for (const [p, next, r, terminated] of mdp.P[s]![a]!) q += p * (r + (terminated ? 0 : gamma * V[next]!));
  return q;
}

/** The full action-value table of V, row-major. */
export function actionValues(mdp: TabularMDP, V: ArrayLike<number>, gamma: number): Float64Array {
  const Q = new Float64Array(mdp.nS * mdp.nA);
  for (let s = 0; s < mdp.nS; s++) for (let a = 0; a < mdp.nA; a++) Q[s * mdp.nA + a] = actionValue(mdp, V, gamma, s, a);
  return Q;
}

/** The greedy policy of a row-major Q (lowest action index on ties, so that it is deterministic). */
export function greedyPolicy(Q: Float64Array, nS: number, nA: number): Int32Array {
  const policy = new Int32Array(nS);
  for (let s = 0; s < nS; s++) {
    let best = 0;
    for (let a = 1; a < nA; a++) if (Q[s * nA + a]! > Q[s * nA + best]!) best = a;
    policy[s] = best;
  }
  return policy;
}

/**
 * Value iteration (Sutton & Barto 4.4): in-place sweeps of
 * V(s) <- max_a Q(s, a) until the largest change in a sweep is below theta.
 */
export function valueIteration(mdp: TabularMDP, options: PlanningOptions): PlanningResult {
  const { gamma, theta, maxIterations } = checkOptions('valueIteration', mdp, options);
  const { nS, nA } = mdp;
  const V = new Float64Array(nS);
  let iterations = 0;
  let delta = Infinity;
  while (iterations < maxIterations && !(delta < theta)) {
    delta = 0;
    for (let s = 0; s < nS; s++) {
      let best = -Infinity;
      for (let a = 0; a < nA; a++) best = Math.max(best, actionValue(mdp, V, gamma, s, a));
      delta = Math.max(delta, Math.abs(best - V[s]!));
      V[s] = best;
    }
    iterations++;
  }
  const Q = actionValues(mdp, V, gamma);
  return { V, Q, policy: greedyPolicy(Q, nS, nA), iterations, sweeps: iterations, converged: delta < theta, delta };
}

/**
 * Iterative policy evaluation (Sutton & Barto 4.1): in-place sweeps of
 * V(s) <- Q(s, policy[s]) from `V` (updated in place) until a sweep changes no
 * value by more than theta. Returns the sweeps made and the last change.
 */
export function evaluatePolicy(
  mdp: TabularMDP,
  policy: Int32Array,
  V: Float64Array,
  options: { gamma: number; theta: number; maxSweeps: number },
): { sweeps: number; delta: number } {
  let sweeps = 0;
  let delta = Infinity;
  while (sweeps < options.maxSweeps && !(delta < options.theta)) {
    delta = 0;
    for (let s = 0; s < mdp.nS; s++) {
      const v = actionValue(mdp, V, options.gamma, s, policy[s]!);
      delta = Math.max(delta, Math.abs(v - V[s]!));
      V[s] = v;
    }
    sweeps++;
  }
  return { sweeps, delta };
}

/**
 * Policy iteration (Sutton & Barto 4.3): evaluate the current policy, then make
 * it greedy, until it stops changing and its evaluation has converged. Each
 * evaluation continues from the previous values and stops after
 * maxEvaluationSweeps sweeps, so a policy that never terminates (possible with
 * gamma = 1, e.g. the all-zeros starting policy walking into a wall) gets very
 * negative values instead of an endless evaluation, and is improved away
 * (modified policy iteration, Sutton & Barto 4.6). A state keeps its action
 * unless another one is better by more than theta, which stops the loop from
 * cycling between equally good policies (exercise 4.4).
 */
export function policyIteration(mdp: TabularMDP, options: PlanningOptions): PlanningResult {
  const { gamma, theta, maxIterations, maxEvaluationSweeps } = checkOptions('policyIteration', mdp, options);
  const { nS, nA } = mdp;
  const policy = new Int32Array(nS);
  const V = new Float64Array(nS);
  let iterations = 0;
  let sweeps = 0;
  let delta = Infinity;
  let converged = false;
  while (!converged && iterations < maxIterations) {
    const evaluation = evaluatePolicy(mdp, policy, V, { gamma, theta, maxSweeps: maxEvaluationSweeps });
    sweeps += evaluation.sweeps;
    delta = evaluation.delta;
    let changed = false;
    for (let s = 0; s < nS; s++) {
      const current = actionValue(mdp, V, gamma, s, policy[s]!);
      let best = policy[s]!;
      let bestValue = current;
      for (let a = 0; a < nA; a++) {
        const q = actionValue(mdp, V, gamma, s, a);
        if (q > bestValue) {
          best = a;
          bestValue = q;
        }
      }
      // theta bounds the evaluation error, so smaller gains may be noise.
      if (best !== policy[s] && bestValue - current > theta) {
        policy[s] = best;
        changed = true;
      }
    }
    iterations++;
    converged = !changed && delta < theta;
  }
  return { V, Q: actionValues(mdp, V, gamma), policy, iterations, sweeps, converged, delta };
}

// ---------------------------------------------------------------- agents

export const hyperparameters = {
  gamma: num(0.99, 'discount factor', { min: 0, max: 1 }),
  theta: num(1e-10, 'stop when a sweep changes no value by more than this', { min: 0, exclusiveMin: true }),
  maxIterations: int(10_000, 'cap on sweeps (value iteration) or policy improvements (policy iteration)', { min: 1 }),
};
type Hyperparameters = Resolved<typeof hyperparameters>;

type Planner = typeof valueIteration;

/** Table files of a saved planner, next to agent.json (native byte order, like every writeBinary file). */
const FILES = { V: 'values.f64', Q: 'q-table.f64', policy: 'policy.i32' } as const;

function discreteSpace(algorithm: string, space: AgentContext['observationSpace'], what: string): DiscreteSpace {
  if (space.type !== 'discrete') {
    throw new TypeError(`${algorithm}: needs a Discrete ${what} space (a finite MDP), got ${describeSpace(space)}`);
  }
  return space;
}

class PlanningAgent implements Agent {
  readonly stepCount = 0;
  private readonly obsSpace: DiscreteSpace;
  private readonly actSpace: DiscreteSpace;
  private solution: PlanningResult | null;

  constructor(
    readonly algorithm: string,
    private readonly plan: Planner,
    readonly hyperparameters: Hyperparameters,
    readonly context: AgentContext,
    solution: PlanningResult | null = null,
  ) {
    this.obsSpace = discreteSpace(algorithm, context.observationSpace, 'observation');
    this.actSpace = discreteSpace(algorithm, context.actionSpace, 'action');
    this.solution = solution;
  }

  /** The last plan (V, Q, policy), or null before learn(). */
  get result(): PlanningResult | null {
    return this.solution;
  }

  /** Plans on the env's model; takes no env steps, so `totalSteps` does not matter. */
  async learn(options: LearnOptions): Promise<LearnResult> {
    const started = performance.now();
    const env: Env | undefined = options.env;
    if (!env) throw new TypeError(`${this.algorithm}: learn needs { env }, a single env with a transition table (e.g. make('FrozenLake-v1'))`);
    let mdp: TabularMDP;
    try {
      mdp = tabularModel(env);
    } catch (e) {
      throw new TypeError(`${this.algorithm} plans on a known model, but ${(e as Error).message}`);
    }
    if (mdp.nS !== this.obsSpace.n || mdp.nA !== this.actSpace.n) {
      throw new RangeError(
        `${this.algorithm}: the env's model has ${mdp.nS} states and ${mdp.nA} actions, but the agent was created for ` +
          `${describeSpace(this.obsSpace)} observations and ${describeSpace(this.actSpace)} actions`,
      );
    }
    const { gamma, theta, maxIterations } = this.hyperparameters;
    this.solution = this.plan(mdp, { gamma, theta, maxIterations });
    const { iterations, sweeps, delta, converged } = this.solution;
    options.hooks?.onUpdate?.({ step: 0, metrics: { iterations, sweeps, delta, converged: converged ? 1 : 0 } });
    return { steps: 0, episodes: 0, seconds: (performance.now() - started) / 1000 };
  }

  private planned(caller: string): PlanningResult {
    if (!this.solution) throw new Error(`${this.algorithm}: ${caller}() before learn(); call learn({ env }) to plan on the env's model first`);
    return this.solution;
  }

  private stateOf(obs: unknown): number {
    const s = (obs as number) - this.obsSpace.start;
    if (!Number.isInteger(s) || s < 0 || s >= this.obsSpace.n) {
      throw new RangeError(`${this.algorithm}: observation ${String(obs)} is not in ${describeSpace(this.obsSpace)}`);
    }
    return s;
  }

  /** The planned policy's action (a planner's policy is deterministic either way). */
  act(obs: unknown): number {
    return this.planned('act').policy[this.stateOf(obs)]! + this.actSpace.start;
  }

  diagnostics(obs: unknown): Diagnostics {
    const { Q, V } = this.planned('diagnostics');
    const s = this.stateOf(obs);
    const nA = this.actSpace.n;
    return { qValues: Array.from(Q.subarray(s * nA, (s + 1) * nA)), value: V[s]! };
  }

  async save(dir: string): Promise<void> {
    const solution = this.solution;
    if (solution) {
      await writeBinary(dir, FILES.V, solution.V);
      await writeBinary(dir, FILES.Q, solution.Q);
      await writeBinary(dir, FILES.policy, solution.policy);
    }
    const { iterations, sweeps, delta, converged } = solution ?? {};
    await writeManifest(dir, this, solution ? { planned: true, values: FILES.V, qTable: FILES.Q, policy: FILES.policy, iterations, sweeps, delta, converged } : { planned: false });
  }

  dispose(): void {}
}

async function loadSolution(manifest: AgentManifest, dir: string, nS: number, nA: number): Promise<PlanningResult | null> {
  const state = manifest.state as { planned?: boolean; values?: string; qTable?: string; policy?: string; iterations?: number; sweeps?: number; delta?: number; converged?: boolean };
  if (!state.planned) return null;
  const V = new Float64Array(await readBinary(dir, state.values!));
  const Q = new Float64Array(await readBinary(dir, state.qTable!));
  const policy = new Int32Array(await readBinary(dir, state.policy!));
  if (V.length !== nS || Q.length !== nS * nA || policy.length !== nS) {
    throw new RangeError(`${manifest.algorithm}: saved tables in ${dir} do not fit ${nS} states x ${nA} actions (V ${V.length}, Q ${Q.length}, policy ${policy.length})`);
  }
  return { V, Q, policy, iterations: state.iterations ?? 0, sweeps: state.sweeps ?? 0, delta: state.delta ?? 0, converged: state.converged ?? false };
}

for (const [name, plan, description] of [
  ['value-iteration', valueIteration, 'value iteration on the env\'s known transition table (Sutton & Barto 4.4); no env steps'],
  ['policy-iteration', policyIteration, 'policy iteration on the env\'s known transition table (Sutton & Barto 4.3); no env steps'],
] as const) {
  registerAgent({
    name,
    description,
    hyperparameters,
    create: (hp, context) => new PlanningAgent(name, plan, hp, context),
    load: async (hp, context, manifest, dir) => {
      const nS = discreteSpace(name, context.observationSpace, 'observation').n;
      const nA = discreteSpace(name, context.actionSpace, 'action').n;
      return new PlanningAgent(name, plan, hp, context, await loadSolution(manifest, dir, nS, nA));
    },
  });
}
