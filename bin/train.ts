// `arena train`: trains one agent on one env from the command line, prints
// progress, evaluates the result and saves the agent. Experiments (many agents
// x seeds, in parallel) come with `arena run`.
import type { Agent, LearnHooks, WarmStartMapping } from '../agents/agent.js';
import type { Env } from '../core/env.js';
import { createAgent, evaluate, warmStart } from '../agents/agent.js';
import { make } from '../core/registry.js';
import { makeVec } from '../core/vector.js';
import { ensureDir } from '../core/files.js';
import { writeSavedEnv } from './saved-env.js';

export interface TrainOptions {
  agent: string;
  env: string;
  steps: number;
  seed: number;
  /** Vector env copies for agents that train on one (PPO, A2C); 0 for a single env. */
  envs: number;
  hyperparameters: Record<string, unknown>;
  /** Keyword arguments for make() (and maxEpisodeSteps). */
  envKwargs?: Record<string, unknown>;
  /** Wraps the training and evaluation envs (e.g. discretization for tabular agents). */
  wrapEnv?: (env: Env) => Env;
  backend: string;
  /** An agent or run directory whose learned values the agent starts from (warmStart), with a state/action mapping for tabular agents on another shape. */
  warmStart?: string;
  warmStartMapping?: WarmStartMapping;
  save?: string;
  /** The recipe the options came from (recorded with a saved agent, whose env its wrapper shapes). */
  recipe?: string;
  evalEpisodes: number;
  /** Where progress lines go (stderr by default). */
  log?: (line: string) => void;
}

export interface TrainReport {
  agent: Agent;
  seconds: number;
  evalMean: number;
  evalStd: number;
}

export async function train(options: TrainOptions): Promise<TrainReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // A directory that cannot be created fails now, not after the training.
  if (options.save) await ensureDir(options.save);
  const wrap = options.wrapEnv ?? ((env: Env) => env);
  const makeEnv = () => wrap(make(options.env, options.envKwargs ?? {}));
  const probe = makeEnv();
  const agent = await createAgent(options.agent, options.hyperparameters, {
    observationSpace: probe.observationSpace,
    actionSpace: probe.actionSpace,
    seed: options.seed,
    backend: options.backend,
  });
  probe.close();
  if (options.warmStart !== undefined) {
    await warmStart(agent, options.warmStart, options.warmStartMapping);
    log(`warm start from ${options.warmStart}`);
  } else if (options.warmStartMapping !== undefined) {
    throw new Error('train: a warm-start mapping needs --warm-start <dir>');
  }
  const recent: number[] = [];
  let lastLog = performance.now();
  const start = performance.now();
  const hooks: LearnHooks = {
    onEpisodeEnd: (e) => {
      recent.push(e.return);
      if (recent.length > 20) recent.shift();
    },
    shouldStop: ({ step }) => {
      const now = performance.now();
      if (now - lastLog > 2000) {
        lastLog = now;
        const mean = recent.length ? (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(1) : '-';
        const rate = Math.round(step / ((now - start) / 1000));
        log(`  step ${step}/${options.steps}  ${recent.length ? `mean return (last ${recent.length}) ${mean}` : ''}  ${rate} steps/s`);
      }
      return false;
    },
  };
  log(`training ${options.agent} on ${options.env} for ${options.steps} steps (seed ${options.seed})`);
  const where = options.envs > 0 ? { vecEnv: makeVec(options.env, options.envs, options.envKwargs ?? {}) } : { env: makeEnv() };
  await agent.learn({ ...where, totalSteps: options.steps, hooks });
  const seconds = (performance.now() - start) / 1000;
  const result = evaluate(agent, makeEnv(), { episodes: options.evalEpisodes, seed: options.seed + 1_000_000 });
  log(`done in ${seconds.toFixed(1)} s; deterministic evaluation over ${options.evalEpisodes} episodes: mean return ${Number(result.mean.toFixed(3))} (std ${Number(result.std.toFixed(3))})`);
  if (options.save) {
    await agent.save(options.save);
    await writeSavedEnv(options.save, { id: options.env, ...(options.envKwargs ? { kwargs: options.envKwargs } : {}), ...(options.recipe !== undefined && options.wrapEnv ? { recipe: options.recipe } : {}) });
    log(`saved to ${options.save} (load with loadAgent)`);
  }
  return { agent, seconds, evalMean: result.mean, evalStd: result.std };
}
