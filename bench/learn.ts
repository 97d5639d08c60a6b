// Learning benchmark: trains each agent recipe over several seeds and prints a
// table: env, agent, steps, wall and CPU seconds of training, deterministic evaluation over 100
// episodes (median and range across seeds), and the steps and wall time to
// first reach the env's solved threshold in periodic evaluation.
//
//   npm run bench:learn                          # every recipe, 5 seeds, 2 at a time
//   npm run bench:learn -- --filter ppo --seeds 3 --parallel 1
//   npm run bench:learn -- --filter ddpg-pendulum --seeds 2 --first-seed 3   # seeds 3 and 4
//   npm run bench:learn -- --json results.json   # also write every run's numbers
//   npm run bench:learn -- --filter dqn-mountaincar --set lrSchedule=linear   # a recipe with other hyperparameters
//   npm run bench:learn -- --filter td3-hopper --seeds 1 --steps 30000   # a short check of a long recipe
//   npm run bench:learn -- --filter dqn-cartpole --backend wasm   # another compute backend (default auto:
//                                                # onnx for every recipe's agent)
//   npm run bench:learn -- --help                # every flag; an unknown flag is an error
//
// Each run is its own process (one core each), so runs in parallel do not share
// a JIT or a tfjs backend. Periodic evaluations pause the training clock: wall
// times are training time only.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../envs/index.js';
import '../agents/index.js';
import type { Agent } from '../agents/agent.js';
import type { Env } from '../core/env.js';
import { createAgent, evaluate } from '../agents/agent.js';
import { make } from '../core/registry.js';
import { makeVec } from '../core/vector.js';
import type { Recipe } from '../agents/recipes/index.js';
import { RECIPES } from '../agents/recipes/index.js';
import { benchFlags } from './args.js';
import { settingsOf } from './overrides.js';

interface RunResult {
  recipe: string;
  /** Hyperparameters set with --set, replacing the recipe's ({} when none). */
  settings: Record<string, unknown>;
  seed: number;
  steps: number;
  seconds: number;
  /** CPU seconds of training (user + system, evaluations excluded): near the wall time an idle core would give, whatever the load. */
  cpuSeconds: number;
  evalMean: number;
  evalStd: number;
  /** Steps and training seconds when the periodic evaluation first reached the threshold, or null. */
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
  curve: { step: number; seconds: number; mean: number }[];
}

async function trainOne(recipe: Recipe, seed: number, overrides: Record<string, unknown>, backend: string): Promise<RunResult> {
  const wrap = recipe.wrapEnv ?? ((e: Env) => e);
  const probe = wrap(make(recipe.env, recipe.envKwargs ?? {}));
  const context = { observationSpace: probe.observationSpace, actionSpace: probe.actionSpace, seed, backend };
  const agent: Agent = await createAgent(recipe.agent, { ...recipe.hyperparameters, ...overrides }, context);
  const evalEnv = wrap(make(recipe.env, recipe.envKwargs ?? {}));
  const curve: RunResult['curve'] = [];
  let paused = 0;
  let solvedAtStep: number | null = null;
  let solvedAtSeconds: number | null = null;
  let nextEval = recipe.evalEvery;
  let cpuPaused = 0;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const start = performance.now();
  const cpuStart = cpu();
  const trainingSeconds = () => (performance.now() - start - paused) / 1000;
  const evalNow = (step: number) => {
    const t0 = performance.now();
    const c0 = cpu();
    const { mean } = evaluate(agent, evalEnv, { episodes: recipe.evalEpisodes ?? 10, seed: 10_000 + step });
    paused += performance.now() - t0;
    cpuPaused += cpu() - c0;
    curve.push({ step, seconds: trainingSeconds(), mean });
    // One line per periodic evaluation on stderr: the parent passes it on, so
    // hour-long runs (Hopper's 1M steps) show where they are.
    process.stderr.write(`${recipe.id} seed ${seed}: step ${step}, eval ${mean.toFixed(1)}, ${trainingSeconds().toFixed(0)} s\n`);
    if (solvedAtStep === null && mean >= recipe.threshold) {
      solvedAtStep = step;
      solvedAtSeconds = trainingSeconds();
    }
  };
  const hooks = {
    shouldStop: ({ step }: { step: number }) => {
      if (step >= nextEval) {
        evalNow(step);
        while (nextEval <= step) nextEval += recipe.evalEvery;
      }
      return false;
    },
  };
  const learnEnv = recipe.nEnvs
    ? { vecEnv: makeVec(recipe.env, recipe.nEnvs, recipe.envKwargs ?? {}) }
    : { env: wrap(make(recipe.env, recipe.envKwargs ?? {})) };
  await agent.learn({ ...learnEnv, totalSteps: recipe.totalSteps, hooks });
  const seconds = trainingSeconds();
  const cpuSeconds = cpu() - cpuStart - cpuPaused;
  const final = evaluate(agent, evalEnv, { episodes: 100, seed: 123_456 });
  agent.dispose();
  return { recipe: recipe.id, settings: overrides, seed, steps: agent.stepCount, seconds, cpuSeconds, evalMean: final.mean, evalStd: final.std, solvedAtStep, solvedAtSeconds, curve };
}

function runInChild(recipe: string, seed: number, overrides: Record<string, unknown>, backend: string, steps: number | undefined): Promise<RunResult> {
  const settings = [...Object.entries(overrides).flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]), ...(steps ? ['--steps', String(steps)] : [])];
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [fileURLToPath(import.meta.url), '--run', recipe, '--seed', String(seed), '--backend', backend, ...settings], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${recipe} seed ${seed} failed: ${stderr || err.message}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RunResult);
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (v: number | null, digits = 1): string => (v === null ? '-' : v.toFixed(digits));

const FLAGS = {
  filter: { value: 'REGEX', help: 'recipes whose id matches (default: every recipe; `npx arena recipes` lists them)' },
  seeds: { value: 'N', help: 'seeds per recipe (default 5)' },
  'first-seed': { value: 'S', help: 'the first seed (default 0): seeds S .. S+N-1' },
  parallel: { value: 'N', help: 'runs at a time, one process each (default 2)' },
  steps: { value: 'N', help: "env steps per run in place of each recipe's budget (a short check of a long recipe)" },
  backend: { value: 'NAME', help: 'compute backend: auto (default: onnx for every net), onnx, wasm, cpu' },
  set: { value: 'KEY=VALUE', repeat: true, help: "a hyperparameter replacing the recipe's (value read as JSON, else a string)" },
  json: { value: 'FILE', help: "also write every run's numbers to FILE" },
  run: { value: 'RECIPE', help: 'internal: train one recipe in this process and print its result as JSON' },
  seed: { value: 'S', help: 'internal, with --run: the seed' },
} as const;

async function main(): Promise<void> {
  const flags = benchFlags('bench:learn', FLAGS);
  const run = flags.string('run');
  const backend = flags.string('backend') ?? 'auto';
  const stepsFlag = flags.string('steps') === undefined ? undefined : flags.int('steps', 0);
  const overrides = settingsOf(flags.list('set'));
  if (run) {
    const found = RECIPES.find((r) => r.id === run);
    if (!found) throw new Error(`unknown recipe ${run}`);
    const recipe = stepsFlag ? { ...found, totalSteps: stepsFlag } : found;
    const result = await trainOne(recipe, flags.int('seed', 0, 0), overrides, backend);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const filterText = flags.string('filter');
  const filter = filterText ? new RegExp(filterText) : null;
  const seeds = flags.int('seeds', 5);
  const firstSeed = flags.int('first-seed', 0, 0);
  const parallel = flags.int('parallel', 2);
  const steps = stepsFlag;
  const recipes = RECIPES.filter((r) => !filter || filter.test(r.id)).map((r) => (steps ? { ...r, totalSteps: steps } : r));
  if (recipes.length === 0) throw new Error(`no recipe matches ${filterText}; recipes: ${RECIPES.map((r) => r.id).join(', ')}`);

  const jobs = recipes.flatMap((r) => Array.from({ length: seeds }, (_, s) => ({ recipe: r, seed: firstSeed + s })));
  const results: RunResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const r = await runInChild(job.recipe.id, job.seed, overrides, backend, steps);
      results.push(r);
      process.stderr.write(
        `  ${r.recipe} seed ${r.seed}: ${r.steps} steps, ${r.seconds.toFixed(1)} s (${r.cpuSeconds.toFixed(1)} CPU s), eval ${r.evalMean.toFixed(1)}, solved at ${fmt(r.solvedAtStep, 0)} steps / ${fmt(r.solvedAtSeconds)} s\n`,
      );
    }
  };
  const changed = Object.keys(overrides).length > 0 ? `, hyperparameters set on every recipe: ${JSON.stringify(overrides)}` : '';
  process.stderr.write(`training ${jobs.length} runs on backend ${backend}, ${parallel} at a time (one process each)${changed}...\n`);
  await Promise.all(Array.from({ length: parallel }, worker));

  const header = [
    'env',
    'agent',
    'recipe',
    'steps',
    'wall s (median)',
    'CPU s (median)',
    'eval 100 ep: median [min, max]',
    'target',
    'seeds at target',
    'threshold',
    'seeds reaching it',
    'steps to threshold (median)',
    'wall s to threshold (median)',
  ];
  const rows = recipes.map((r) => {
    const rs = results.filter((x) => x.recipe === r.id);
    const evals = rs.map((x) => x.evalMean);
    const solved = rs.filter((x) => x.solvedAtStep !== null);
    return [
      r.env,
      r.agent,
      r.id,
      String(r.totalSteps),
      fmt(median(rs.map((x) => x.seconds))),
      fmt(median(rs.map((x) => x.cpuSeconds))),
      `${fmt(median(evals))} [${fmt(Math.min(...evals))}, ${fmt(Math.max(...evals))}]`,
      `>= ${r.target ?? r.threshold}`,
      `${evals.filter((e) => e >= (r.target ?? r.threshold)).length}/${rs.length}`,
      `${r.threshold}`,
      `${solved.length}/${rs.length}`,
      solved.length ? fmt(median(solved.map((x) => x.solvedAtStep!)), 0) : '-',
      solved.length ? fmt(median(solved.map((x) => x.solvedAtSeconds!))) : '-',
    ];
  });
  process.stdout.write(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
  const json = flags.string('json');
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
