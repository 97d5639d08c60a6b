// checkEnv: a conformance check for any Env, in the spirit of Gymnasium's
// check_env. It runs the env through a few seeded episodes and collects every
// problem it finds (instead of stopping at the first) so that an env author
// sees the whole list at once.
import type { Env, StepResult } from './env.js';
import { Rng } from './rng.js';
import type { SpaceValue } from './spaces.js';
import { contains, describeSpace, describeValue, sample } from './spaces.js';
import { checkSpace, jsonProblem, Problems } from './check-helpers.js';

export class EnvCheckError extends Error {
  override name = 'EnvCheckError';
  constructor(
    readonly envId: string,
    readonly problems: readonly string[],
  ) {
    super(`${envId} failed checkEnv:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface CheckEnvOptions {
  /** Steps to take in the determinism and step checks (default 300). */
  steps?: number;
  /** Seed for the checker's own action sampling and the env resets (default 123). */
  seed?: number;
}

export interface CheckEnvReport {
  /** Things that are legal but suspicious (e.g. different seeds giving identical starts). */
  readonly warnings: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Trace {
  obs: unknown[];
  rewards: number[];
  flags: string[];
}

/** Runs `steps` seeded steps (resetting on episode end) and records what came out. */
function rollout(env: Env, seed: number, steps: number, problems: Problems, validate: boolean): Trace {
  const rng = new Rng(seed);
  const trace: Trace = { obs: [], rewards: [], flags: [] };
  const first = env.reset({ seed });
  trace.obs.push(first.obs);
  for (let t = 0; t < steps; t++) {
    const action = sample(env.actionSpace, rng) as SpaceValue;
    let r: StepResult<unknown>;
    try {
      r = env.step(action);
    } catch (e) {
      problems.add('step threw', `step(${describeValue(action)}) threw on a sampled action: ${(e as Error).message}`);
      return trace;
    }
    if (validate) checkStep(env, r, t, problems);
    trace.obs.push(r.obs);
    trace.rewards.push(r.reward);
    trace.flags.push(`${r.terminated}/${r.truncated}`);
    if (r.terminated || r.truncated) trace.obs.push(env.reset().obs);
  }
  return trace;
}

function checkStep(env: Env, r: StepResult<unknown>, t: number, problems: Problems): void {
  const at = `step ${t}`;
  if (!contains(env.observationSpace, r.obs)) {
    problems.add('obs', `${at}: observation ${describeValue(r.obs)} is not in the observation space ${describeSpace(env.observationSpace)}`);
  }
  if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) problems.add('reward', `${at}: reward ${describeValue(r.reward)} is not a finite number`);
  if (typeof r.terminated !== 'boolean') problems.add('terminated', `${at}: terminated is ${describeValue(r.terminated)}, not a boolean`);
  if (typeof r.truncated !== 'boolean') problems.add('truncated', `${at}: truncated is ${describeValue(r.truncated)}, not a boolean`);
  if (typeof r.info !== 'object' || r.info === null) problems.add('info', `${at}: info is ${describeValue(r.info)}, not an object`);
}

/**
 * Checks that `env` keeps the Env contract: valid spaces, observations inside
 * the observation space, finite rewards, boolean flags, deterministic seeded
 * resets and steps, a JSON-serializable renderState, and a close() that can be
 * called twice. Throws EnvCheckError listing every problem; returns warnings.
 */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): CheckEnvReport {
  const steps = options.steps ?? 300;
  const seed = options.seed ?? 123;
  const id = env.spec?.id ?? '(env without spec)';
  const problems = new Problems();
  const warnings: string[] = [];

  if (typeof env.spec?.id !== 'string') problems.add('spec', 'spec.id is missing');
  const obsOk = checkSpace(env.observationSpace, 'observationSpace', problems);
  const actOk = checkSpace(env.actionSpace, 'actionSpace', problems);
  if (!obsOk || !actOk) throw new EnvCheckError(id, problems.list);

  // reset
  const r0 = env.reset({ seed });
  if (!contains(env.observationSpace, r0.obs)) {
    problems.add('reset obs', `reset: observation ${describeValue(r0.obs)} is not in the observation space ${describeSpace(env.observationSpace)}`);
  }
  if (typeof r0.info !== 'object' || r0.info === null) problems.add('reset info', `reset: info is ${describeValue(r0.info)}, not an object`);
  const again = env.reset({ seed });
  if (!sameValue(r0.obs, again.obs)) problems.add('reset seed', `reset({ seed: ${seed} }) twice gave different observations: ${describeValue(r0.obs)} and ${describeValue(again.obs)}`);
  const other = env.reset({ seed: seed + 1 });
  if (sameValue(r0.obs, other.obs)) warnings.push(`reset with seeds ${seed} and ${seed + 1} gave the same observation (fine if the start state is fixed)`);

  // renderState after reset
  const rs = jsonProblem(env.renderState(), 'renderState()', new Set());
  if (rs) problems.add('render', rs);

  // steps and determinism
  const a = rollout(env, seed, steps, problems, true);
  const rsAfter = jsonProblem(env.renderState(), 'renderState() after steps', new Set());
  if (rsAfter) problems.add('render after', rsAfter);
  if (!env.spec?.nondeterministic) {
    const b = rollout(env, seed, steps, new Problems(), false);
    const n = Math.min(a.obs.length, b.obs.length);
    let diverged = a.obs.length !== b.obs.length;
    for (let i = 0; i < n && !diverged; i++) {
      if (!sameValue(a.obs[i], b.obs[i])) {
        problems.add('determinism', `not deterministic: with seed ${seed} and the same actions, observation ${i} differs: ${describeValue(a.obs[i])} vs ${describeValue(b.obs[i])}`);
        diverged = true;
      }
    }
    for (let i = 0; i < a.rewards.length && !diverged; i++) {
      if (!Object.is(a.rewards[i], b.rewards[i]) || a.flags[i] !== b.flags[i]) {
        problems.add('determinism', `not deterministic: with seed ${seed} and the same actions, step ${i} gave reward/flags ${a.rewards[i]} ${a.flags[i]} vs ${b.rewards[i]} ${b.flags[i]}`);
        diverged = true;
      }
    }
  }

  try {
    env.close();
    env.close();
  } catch (e) {
    problems.add('close', `close() twice threw: ${(e as Error).message}`);
  }

  if (problems.list.length > 0) throw new EnvCheckError(id, problems.list);
  return { warnings };
}
