/**
 * Bandit-v0: the k-armed bandit of Sutton & Barto (Reinforcement Learning: An
 * Introduction, ch. 2): one state, k arms, each pull pays a reward drawn from
 * the pulled arm's distribution. The arm means are fixed by the kwargs (drawn
 * from `taskSeed`, or given as `means`), so every env made with the same
 * kwargs (training, evaluation, recording) faces the same task; only the
 * reward noise and the drift come from the reset seed.
 *
 * Observation: Discrete(1): always 0 (a bandit has a single state).
 *
 * Action: Discrete(k): the arm to pull.
 *
 * Reward:
 *   | arms        | reward of arm a          | means q*(a) drawn from taskSeed |
 *   |-------------|--------------------------|---------------------------------|
 *   | 'gaussian'  | N(q*(a), rewardStd^2)    | N(meanCenter, 1)                |
 *   | 'bernoulli' | 1 with probability q*(a) | U(0, 1)                         |
 *   The 10-armed testbed is the default: gaussian, k = 10, rewardStd 1,
 *   meanCenter 0.
 *
 * Drift (`drift` > 0, Sutton & Barto exercise 2.5): after every pull each mean
 *   takes an independent random-walk step N(0, drift^2) (BanditDrifting-v0:
 *   0.01, all means starting equal at meanCenter); Bernoulli means are clipped
 *   to [0, 1]. The best arm then changes over time.
 *
 * Start state: the only state, 0. `reset({ seed })` restarts the task: the
 *   means go back to their initial values and the noise is reseeded; a reset
 *   without a seed continues (the means keep their drift), as the learner's
 *   next episode is the next pull of the same bandit.
 *
 * Episode end: terminated after every pull: a bandit is a one-step episodic
 *   task (no next state to bootstrap from). No time limit.
 *
 * Info (core/bandit.ts): `{ optimalArm, optimalMean }` at reset and step, plus
 *   `armMean` at a step (the pulled arm's mean at the pull), so regret and the
 *   share of optimal pulls can be measured.
 *
 * kwargs:
 *   k            number of arms, an integer >= 2 (default 10; equal to
 *                means.length when means is given)
 *   arms         'gaussian' (default) or 'bernoulli'
 *   means        null (default: drawn from taskSeed) or an array of k numbers
 *                (Bernoulli: probabilities in [0, 1])
 *   taskSeed     integer seeding the draw of the means (default 0)
 *   equalStart   all means start at meanCenter (0.5 for Bernoulli) instead of
 *                being drawn (default false; BanditDrifting-v0 sets it)
 *   meanCenter   mean of the Gaussian means' draw (default 0; Sutton & Barto's
 *                gradient-bandit figure 2.5 uses 4)
 *   rewardStd    standard deviation of Gaussian rewards, > 0 (default 1)
 *   drift        standard deviation of each mean's random-walk step per pull,
 *                >= 0 (default 0: stationary)
 */
import type { Env, EnvSpec, Info, RenderState, ResetArgs, ResetResult, StepResult } from '../../core/env.js';
import { Rng, reseed } from '../../core/rng.js';
import type { DiscreteSpace } from '../../core/spaces.js';
import { discrete } from '../../core/spaces.js';

export type ArmKind = 'gaussian' | 'bernoulli';

export interface BanditKwargs {
  k?: number;
  arms?: ArmKind;
  means?: readonly number[] | null;
  taskSeed?: number;
  equalStart?: boolean;
  meanCenter?: number;
  rewardStd?: number;
  drift?: number;
}

/** The registered defaults (the registry accepts exactly these keys). */
export const BANDIT_DEFAULTS: Required<BanditKwargs> = {
  k: 10,
  arms: 'gaussian',
  means: null,
  taskSeed: 0,
  equalStart: false,
  meanCenter: 0,
  rewardStd: 1,
  drift: 0,
};

/** The initial arm means of a bandit with these kwargs (checked), as the env starts every seeded reset. */
export function banditMeans(id: string, kwargs: BanditKwargs): Float64Array {
  const kw = { ...BANDIT_DEFAULTS, ...kwargs };
  const bad = (what: string): never => {
    throw new TypeError(`${id}: ${what}`);
  };
  if (kw.arms !== 'gaussian' && kw.arms !== 'bernoulli') bad(`arms must be 'gaussian' or 'bernoulli', got ${JSON.stringify(kw.arms)}`);
  if (!Number.isInteger(kw.k) || kw.k < 2) bad(`k must be an integer >= 2, got ${JSON.stringify(kw.k)}`);
  if (!Number.isInteger(kw.taskSeed)) bad(`taskSeed must be an integer, got ${JSON.stringify(kw.taskSeed)}`);
  if (typeof kw.equalStart !== 'boolean') bad(`equalStart must be true or false, got ${JSON.stringify(kw.equalStart)}`);
  if (typeof kw.meanCenter !== 'number' || !Number.isFinite(kw.meanCenter)) bad(`meanCenter must be a finite number, got ${JSON.stringify(kw.meanCenter)}`);
  if (typeof kw.rewardStd !== 'number' || !(kw.rewardStd > 0) || !Number.isFinite(kw.rewardStd)) bad(`rewardStd must be a finite number > 0, got ${JSON.stringify(kw.rewardStd)}`);
  if (typeof kw.drift !== 'number' || !(kw.drift >= 0) || !Number.isFinite(kw.drift)) bad(`drift must be a finite number >= 0, got ${JSON.stringify(kw.drift)}`);
  if (kw.means !== null) {
    if (!Array.isArray(kw.means) || kw.means.length !== kw.k) bad(`means must be null or an array of k = ${kw.k} numbers, got ${JSON.stringify(kw.means)}`);
    kw.means.forEach((m, a) => {
      if (typeof m !== 'number' || !Number.isFinite(m)) bad(`means[${a}] must be a finite number, got ${JSON.stringify(m)}`);
      if (kw.arms === 'bernoulli' && !(m >= 0 && m <= 1)) bad(`means[${a}] = ${m} is not a probability in [0, 1] (Bernoulli arms)`);
    });
    if (kw.equalStart) bad('give either means or equalStart, not both');
    return Float64Array.from(kw.means);
  }
  if (kw.equalStart) return new Float64Array(kw.k).fill(kw.arms === 'bernoulli' ? 0.5 : kw.meanCenter);
  const rng = new Rng(kw.taskSeed);
  return Float64Array.from({ length: kw.k }, () => (kw.arms === 'bernoulli' ? rng.random() : rng.normal(kw.meanCenter, 1)));
}

/** The best arm (lowest index on ties) of `means`. */
function best(means: Float64Array): number {
  let b = 0;
  for (let a = 1; a < means.length; a++) if (means[a]! > means[b]!) b = a;
  return b;
}

export class BanditEnv implements Env<number, number> {
  readonly observationSpace: DiscreteSpace = discrete(1);
  readonly actionSpace: DiscreteSpace;
  private readonly initialMeans: Float64Array;
  /** The arm means now (they move when drift > 0). */
  readonly means: Float64Array;
  private readonly arms: ArmKind;
  private readonly rewardStd: number;
  private readonly drift: number;
  private rng: Rng | null = null;
  private lastArm = -1;
  private lastReward = 0;
  private pulls = 0;

  constructor(
    kwargs: BanditKwargs = {},
    readonly spec: EnvSpec = { id: 'Bandit-v0', kwargs: { ...BANDIT_DEFAULTS, ...kwargs } },
  ) {
    this.initialMeans = banditMeans(spec.id, kwargs);
    this.means = Float64Array.from(this.initialMeans);
    this.actionSpace = discrete(this.means.length);
    const kw = { ...BANDIT_DEFAULTS, ...kwargs };
    this.arms = kw.arms;
    this.rewardStd = kw.rewardStd;
    this.drift = kw.drift;
  }

  get unwrapped(): Env {
    return this as Env;
  }

  private optimum(): { optimalArm: number; optimalMean: number } {
    const optimalArm = best(this.means);
    return { optimalArm, optimalMean: this.means[optimalArm]! };
  }

  reset(args: ResetArgs = {}): ResetResult<number> {
    if (args.seed !== undefined) {
      this.means.set(this.initialMeans);
      this.pulls = 0;
      this.lastArm = -1;
    }
    this.rng = reseed(this.rng, args.seed);
    return { obs: 0, info: this.optimum() };
  }

  step(action: number): StepResult<number> {
    const rng = this.rng ?? (this.rng = reseed(null, undefined));
    const armMean = this.means[action]!;
    const info: Info = { ...this.optimum(), armMean };
    const reward = this.arms === 'bernoulli' ? (rng.random() < armMean ? 1 : 0) : rng.normal(armMean, this.rewardStd);
    if (this.drift > 0) {
      for (let a = 0; a < this.means.length; a++) {
        const m = this.means[a]! + rng.normal(0, this.drift);
        this.means[a] = this.arms === 'bernoulli' ? Math.min(Math.max(m, 0), 1) : m;
      }
    }
    this.lastArm = action;
    this.lastReward = reward;
    this.pulls += 1;
    return { obs: 0, reward, terminated: true, truncated: false, info };
  }

  renderState(): RenderState {
    return { k: this.means.length, means: Array.from(this.means), pulls: this.pulls, lastArm: this.lastArm, lastReward: this.lastReward };
  }

  close(): void {}
}
