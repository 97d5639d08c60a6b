// Env throughput benchmark: steps per second for each classic env through
// make(), vector envs, the batched CartPole at 1, 1024 and 16384 copies, and
// CarRacing-v3 with pixels and with features, the MuJoCo Hopper-v5 and
// Humanoid-v5 (single env, sync vector env, and bare mj_step on the single- and
// multi-threaded wasm builds), single thread; then the CarRacing centerline
// driver's lap times and scores. When python3 can import
// gymnasium, the same run measures Gymnasium with
// ../shared/anchors/gym_throughput.py and prints Arena/Gymnasium ratios: these
// machines are shared and noisy, so only ratios measured side by side in one
// run mean much.
//
//   npm run bench                      # Arena, then Gymnasium if available
//   ARENA_GYM_PYTHON=/path/to/python npm run bench
//   ARENA_ANCHORS=/path/to/anchors npm run bench
//   ARENA_BENCH_FILTER=batched npm run bench   # only cases whose name matches
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../envs/index.js';
import type { Env } from '../core/env.js';
import { make } from '../core/registry.js';
import type { CarRacingEnv } from '../envs/car-racing/car-racing.js';
import { centerlineDriver } from '../envs/car-racing/driver.js';
import { Rng } from '../core/rng.js';
import { sample } from '../core/spaces.js';
import type { SpaceValue } from '../core/spaces.js';
import { makeVec } from '../core/vector.js';
import { HOPPER_XML } from '../envs/mujoco/models/hopper.js';
import type { Mujoco as MainModule } from '../envs/mujoco/wasm.js';
import { HUMANOID_XML } from '../envs/mujoco/models/humanoid.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

interface Case {
  /** Name shared with gym_throughput.py's `case` field, when there is a counterpart. */
  name: string;
  gymCase?: string;
  /** The MuJoCo wasm build the case runs on, loaded before setup (cases that step bare physics). */
  mujocoBuild?: MujocoBuild;
  /** Builds the case (only when it is selected) and returns its runner: `iterations` iterations in, env steps out. */
  setup(): (iterations: number) => number;
}

/** Median steps/s over three timed trials, after a warm-up, each trial about `seconds` long. */
function measure(c: Case, seconds = 0.6): number {
  const run = c.setup();
  let iterations = 64;
  // Warm up the JIT and find an iteration count that takes about `seconds`.
  for (;;) {
    const t0 = performance.now();
    run(iterations);
    const dt = (performance.now() - t0) / 1000;
    if (dt > seconds / 4) {
      iterations = Math.max(1, Math.round((iterations * seconds) / dt));
      break;
    }
    iterations *= 4;
  }
  const rates: number[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const t0 = performance.now();
    const steps = run(iterations);
    rates.push(steps / ((performance.now() - t0) / 1000));
  }
  if (process.env.ARENA_BENCH_VERBOSE) process.stderr.write(`    trials: ${rates.map(fmtRate).join(' ')}\n`);
  return rates.sort((a, b) => a - b)[1]!;
}

/**
 * A single env stepped with pre-drawn random actions, reset when an episode ends
 * (as gym_throughput.py does). `warmupSteps` are taken in setup, for envs whose
 * code takes longer to reach optimized code than measure's warm-up runs
 * (CarRacing: planck's solver needs a few thousand steps).
 */
function singleEnvCase(id: string, label: 'make()' | 'unwrapped', warmupSteps = 0): Case {
  return {
    name: `${id} ${label} single`,
    gymCase: `${id} ${label} single`,
    setup() {
      const env: Env = label === 'make()' ? make(id) : make(id).unwrapped;
      const rng = new Rng(0);
      const actions: SpaceValue[] = Array.from({ length: 4096 }, () => sample(env.actionSpace, rng));
      env.reset({ seed: 0 });
      let k = 0;
      const run = (n: number): number => {
        for (let i = 0; i < n; i++) {
          const r = env.step(actions[k]!);
          k = (k + 1) & 4095;
          if (r.terminated || r.truncated) env.reset();
        }
        return n;
      };
      run(warmupSteps);
      return run;
    },
  };
}

/** A vector env stepped with actions sampled every step (as gym_throughput.py does with action_space.sample()). */
function vectorCase(id: string, numEnvs: number, mode: 'sync' | 'batched', gymCase?: string): Case {
  return {
    name: `${id} ${mode === 'batched' ? 'batched' : 'sync vector'} x${numEnvs}`,
    ...(gymCase ? { gymCase } : {}),
    setup() {
      const vec = makeVec(id, numEnvs, { vectorizationMode: mode });
      vec.reset({ seed: 0 });
      const rng = new Rng(0);
      const actions = new Int32Array(numEnvs);
      const n = vec.singleActionSpace.type === 'discrete' ? vec.singleActionSpace.n : 0;
      return (iterations) => {
        for (let t = 0; t < iterations; t++) {
          rng.fillIntegers(actions, 0, n);
          vec.step(actions);
        }
        return iterations * numEnvs;
      };
    },
  };
}

/** A vector env of a Box-action env, stepped with actions sampled every step. */
function continuousVectorCase(id: string, numEnvs: number): Case {
  return {
    name: `${id} sync vector x${numEnvs}`,
    setup() {
      const vec = makeVec(id, numEnvs);
      vec.reset({ seed: 0 });
      const rng = new Rng(0);
      const actions = new Float32Array(numEnvs * vec.actionDim);
      return (iterations) => {
        for (let t = 0; t < iterations; t++) {
          for (let i = 0; i < numEnvs; i++) actions.set(sample(vec.singleActionSpace, rng) as Float32Array, i * vec.actionDim);
          vec.step(actions);
        }
        return iterations * numEnvs;
      };
    },
  };
}

const MUJOCO_MODELS: Record<string, { xml: string; frameSkip: number }> = {
  'Hopper-v5': { xml: HOPPER_XML, frameSkip: 4 },
  'Humanoid-v5': { xml: HUMANOID_XML, frameSkip: 5 },
};

type MujocoBuild = 'single-threaded' | 'multi-threaded';
/** The wasm build a `mujocoBuild` case runs on, loaded by main() in that case's process. */
let loadedBuild: MainModule | null = null;

/**
 * Loads one of the two wasm builds (the multi-threaded one needs `navigator`,
 * which Node 20 lacks; given here). Every case runs in its own process, so the
 * other cases never load the multi-threaded build.
 */
async function loadMujocoBuild(build: MujocoBuild): Promise<MainModule> {
  if (build === 'single-threaded') return (await import('@mujoco/mujoco')).default();
  const g = globalThis as { navigator?: { hardwareConcurrency: number } };
  g.navigator ??= { hardwareConcurrency: availableParallelism() };
  return (await import('@mujoco/mujoco/mt')).default();
}

/**
 * The env's physics alone: `frameSkip` mj_step per iteration with random controls, no env code, counted in
 * env steps, reset every 1024 iterations (so the body spends most of the time fallen, in contact with the
 * floor: a different load from the env cases, which reset on termination; compare the two builds, not these
 * with the env cases).
 */
function mujocoBuildCase(id: string, build: MujocoBuild): Case {
  return {
    name: `${id} mj_step x frame skip, ${build} build`,
    mujocoBuild: build,
    setup() {
      const mj = loadedBuild!;
      const { xml, frameSkip } = MUJOCO_MODELS[id]!;
      const model = mj.MjModel.from_xml_string(xml);
      const data = new mj.MjData(model);
      const rng = new Rng(0);
      return (iterations) => {
        const ctrl = data.ctrl as Float64Array;
        for (let i = 0; i < iterations; i++) {
          for (let a = 0; a < ctrl.length; a++) ctrl[a] = rng.uniform(-0.4, 0.4);
          for (let k = 0; k < frameSkip; k++) mj.mj_step(model, data);
          if ((i & 1023) === 1023) mj.mj_resetData(model, data);
        }
        return iterations;
      };
    },
  };
}

function gymnasiumNumbers(): Map<string, number> | string {
  const anchors = process.env.ARENA_ANCHORS ?? resolve(repoRoot, '..', 'shared', 'anchors');
  const script = resolve(anchors, 'gym_throughput.py');
  if (!existsSync(script)) return `no ${script} (set ARENA_ANCHORS to the anchors folder)`;
  const candidates = [process.env.ARENA_GYM_PYTHON, '/tmp/gym/bin/python', 'python3'].filter((p): p is string => Boolean(p));
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', 'import gymnasium, numpy'], { stdio: 'ignore' });
    } catch {
      continue;
    }
    process.stdout.write(`running Gymnasium with ${python} (about a minute)...\n`);
    const out = execFileSync(python, [script], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const numbers = new Map<string, number>();
    for (const line of out.split('\n')) {
      if (!line.trim()) continue;
      const { case: name, steps_per_s: rate } = JSON.parse(line) as { case: string; steps_per_s: number };
      numbers.set(name, rate);
    }
    return numbers;
  }
  return `no python with gymnasium found (tried ${candidates.join(', ')}); see ../shared/anchors/README.md to set one up`;
}

const fmtRate = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : `${(v / 1e3).toFixed(1)}k`);

function allCases(): Case[] {
  const classic = ['CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'Acrobot-v1'];
  const cases: Case[] = [];
  for (const id of classic) {
    cases.push(singleEnvCase(id, 'make()'));
    cases.push(singleEnvCase(id, 'unwrapped'));
  }
  cases.push(vectorCase('CartPole-v1', 16, 'sync', 'CartPole-v1 sync vector x16'));
  cases.push(vectorCase('CartPole-v1', 1, 'batched'));
  cases.push(vectorCase('CartPole-v1', 1024, 'batched', 'CartPole-v1 native vector x1024'));
  cases.push(vectorCase('CartPole-v1', 16384, 'batched', 'CartPole-v1 native vector x16384'));
  cases.push(singleEnvCase('CarRacing-v3', 'make()', 5000)); // pixels
  cases.push(singleEnvCase('CarRacingFeatures-v3', 'make()', 5000));
  for (const id of Object.keys(MUJOCO_MODELS)) {
    cases.push(singleEnvCase(id, 'make()'));
    cases.push(continuousVectorCase(id, 8));
    cases.push(mujocoBuildCase(id, 'single-threaded'));
    cases.push(mujocoBuildCase(id, 'multi-threaded'));
  }
  return cases;
}

/**
 * The scripted centerline driver (envs/car-racing/driver.ts) on CarRacing-v3
 * tracks: lap time in steps and score, per seed and on average. Deterministic,
 * so it runs in this process.
 */
function carRacingLaps(seeds: readonly number[]): void {
  process.stdout.write(`\nCarRacing-v3 centerline driver, seeds ${seeds[0]}..${seeds.at(-1)} (features observation, no time limit)\n`);
  const steps: number[] = [];
  const scores: number[] = [];
  for (const seed of seeds) {
    const env = make('CarRacing-v3', { observation: 'features', maxEpisodeSteps: null });
    env.reset({ seed });
    let score = 0;
    let t = 0;
    let lap = false;
    while (t < 5000) {
      const r = env.step(centerlineDriver(env));
      score += r.reward;
      t++;
      if (r.terminated || r.truncated) {
        lap = r.info.lapFinished === true;
        break;
      }
    }
    const tiles = (env.unwrapped as CarRacingEnv).track.n;
    steps.push(t);
    scores.push(score);
    process.stdout.write(`  seed ${String(seed).padStart(2)}: ${String(tiles).padStart(3)} tiles, ${lap ? 'lap' : 'NO LAP'} in ${String(t).padStart(4)} steps, score ${score.toFixed(1).padStart(6)}${t > 1000 ? ' (over the 1000-step limit)' : ''}\n`);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(`  mean: ${mean(steps).toFixed(0)} steps, score ${mean(scores).toFixed(1)}\n`);
}

/**
 * Measures one case in a fresh Node process, so that no case inherits another's
 * JIT state (type feedback from other envs makes V8 compile shared code less
 * tightly, and the order of cases would change the numbers).
 */
function measureInChild(name: string): number {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--case', name], {
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return (JSON.parse(out.trim().split('\n').pop()!) as { stepsPerSecond: number }).stepsPerSecond;
}

async function main(): Promise<void> {
  const cases = allCases();
  const caseArg = process.argv.indexOf('--case');
  if (caseArg >= 0) {
    const c = cases.find((x) => x.name === process.argv[caseArg + 1]);
    if (!c) throw new Error(`unknown bench case ${JSON.stringify(process.argv[caseArg + 1])}`);
    if (c.mujocoBuild) loadedBuild = await loadMujocoBuild(c.mujocoBuild);
    process.stdout.write(`${JSON.stringify({ stepsPerSecond: measure(c) })}\n`);
    process.exit(0); // the multi-threaded build's worker threads would keep the process alive
  }

  const filter = process.env.ARENA_BENCH_FILTER ? new RegExp(process.env.ARENA_BENCH_FILTER) : null;
  const selected = filter ? cases.filter((c) => filter.test(c.name)) : cases;
  process.stdout.write(`Arena env throughput, single thread, each case in a fresh process (node ${process.version})\n`);
  const arena = new Map<string, number>();
  const width = Math.max(44, ...selected.map((c) => c.name.length));
  for (const c of selected) {
    const rate = measureInChild(c.name);
    arena.set(c.name, rate);
    process.stdout.write(`  ${c.name.padEnd(width)} ${fmtRate(rate).padStart(9)} steps/s\n`);
  }
  if (selected.some((c) => c.name.startsWith('CarRacing'))) {
    process.stdout.write('  targets: CarRacing-v3 (pixels) >= 2k steps/s, CarRacingFeatures-v3 >= 20k steps/s (Gymnasium has no CarRacing anchor)\n');
  }
  for (const id of Object.keys(MUJOCO_MODELS)) {
    const single = arena.get(`${id} mj_step x frame skip, single-threaded build`);
    const multi = arena.get(`${id} mj_step x frame skip, multi-threaded build`);
    if (single !== undefined && multi !== undefined) {
      process.stdout.write(`  ${id}: multi-threaded / single-threaded build ${(multi / single).toFixed(2)}x (Arena loads the single-threaded build)\n`);
    }
  }
  if (selected.some((c) => c.name.startsWith('Hopper-v5'))) {
    process.stdout.write('  reference, not measured in this run: Gymnasium Hopper-v5 with random actions, about 8.4k steps/s on this machine (../shared/anchors/README.md)\n');
  }
  if (!filter || filter.test('CarRacing-v3 centerline driver')) carRacingLaps([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const gym = gymnasiumNumbers();
  if (typeof gym === 'string') {
    process.stdout.write(`\nGymnasium side by side: skipped, ${gym}\n`);
    return;
  }
  process.stdout.write('\nArena / Gymnasium, measured in this run\n');
  process.stdout.write(`  ${'case'.padEnd(44)} ${'Arena'.padStart(9)} ${'Gymnasium'.padStart(10)} ${'ratio'.padStart(8)}\n`);
  for (const c of selected) {
    if (!c.gymCase) continue;
    const g = gym.get(c.gymCase);
    if (g === undefined) continue;
    const a = arena.get(c.name)!;
    process.stdout.write(`  ${c.name.padEnd(44)} ${fmtRate(a).padStart(9)} ${fmtRate(g).padStart(10)} ${`${(a / g).toFixed(1)}x`.padStart(8)}\n`);
  }
  process.stdout.write('\ntargets: CartPole-v1 make() >= 10x Gymnasium make(); batched x16384 >= 1.5x Gymnasium native vector x16384\n');
}

await main();
