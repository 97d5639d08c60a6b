#!/usr/bin/env node
// The `arena` command: parses arguments and calls the library; no logic of its own.
//
// Startup loads only commander and this file's cheap helpers: each command
// imports its module (and the envs, the agents, ONNX Runtime, TensorFlow.js,
// BullMQ, express or Playwright behind it) when it runs, so `arena --help` or
// `arena compare` does not pay a second of module loading for the others
// (test/project/cli-startup.test.ts checks what --help loads).
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { WarmStartMapping } from '../agents/agent.js';
import { BACKENDS } from '../agents/lib/backend-names.js';
import type { EvalCommandOptions } from './run.js';
import type { ExportCommandOptions } from './export.js';
import type { ServeCommandOptions } from './serve.js';
import type { TuneCommandOptions } from './tune.js';
import type { WorkerCommandOptions } from './queue.js';
import type { VideoFlags } from './video.js';
import { VIDEO_DEFAULTS } from './video.js';
import { DEFAULT_CHROMIUM } from '../viewer/video.js';

/** The video flags as commander gives them (--video absent: no video). */
type VideoOptionValues = Omit<VideoFlags, 'video' | 'chromium'> & { video?: string; chromium: string };

/** The env registry (every simulator, MuJoCo's wasm module among them), for the commands that look envs up. */
async function loadEnvs(): Promise<void> {
  await import('../envs/index.js');
}

/** The env and agent registries, for the commands that build, load or check agents (in this order, as a user module expects). */
async function loadRegistries(): Promise<void> {
  await loadEnvs();
  await import('../agents/index.js');
}

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** The flags of a rendered video (`arena eval --video`, `arena video`): size, frame rate, captions, the Chromium to use. */
function withVideoOptions(cmd: Command): Command {
  return cmd
    .option('--width <px>', 'video width in pixels', positiveInt('--width'), VIDEO_DEFAULTS.width)
    .option('--height <px>', 'video height in pixels', positiveInt('--height'), VIDEO_DEFAULTS.height)
    .option('--fps <n>', 'video frames per second (one frame per recorded step)', positiveInt('--fps'), VIDEO_DEFAULTS.fps)
    .option('--no-overlays', 'video frames without the captions (frame, action, reward, return)')
    .option('--chromium <path>', 'the Chromium that renders the video', DEFAULT_CHROMIUM);
}

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

function jsonObject(name: string) {
  return (value: string): Record<string, unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      throw new InvalidArgumentError(`${name} must be a JSON object, e.g. '{"isSlippery": false}': ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError(`${name} must be a JSON object, got ${value}`);
    return parsed as Record<string, unknown>;
  };
}

/** --warm-start-map: inline JSON, or the path of a JSON file, holding { states?, actions? }. */
function warmStartMap(value: string): WarmStartMapping {
  const text = value.trimStart().startsWith('{') ? value : readText(value);
  const parsed = jsonObject('--warm-start-map')(text);
  const unknown = Object.keys(parsed).filter((k) => k !== 'states' && k !== 'actions');
  if (unknown.length > 0) throw new InvalidArgumentError(`--warm-start-map: unknown key ${JSON.stringify(unknown[0])}; it takes "states" and "actions"`);
  return parsed as WarmStartMapping;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`--warm-start-map: neither JSON nor a readable file: ${(e as Error).message}`);
  }
}

/** The agent directory of eval, export and serve (or serve's model file): the argument or --save, exactly one of them. */
function oneDirectory(command: string, dir: string | undefined, save: string | undefined): string {
  if (dir !== undefined && save !== undefined) throw new InvalidArgumentError(`${command}: give a directory or --save <dir>, not both`);
  const chosen = dir ?? save;
  const file = command === 'serve' ? ', a model file written by `arena export`,' : '';
  if (chosen === undefined) throw new InvalidArgumentError(`${command}: give a run directory${file} or --save <dir> (an agent saved by \`arena train --save\`)`);
  return chosen;
}

const program = new Command()
  .name('arena')
  .description('Arena: reinforcement-learning simulators, agents, experiments and a replay viewer')
  .version(version);

program
  .command('envs')
  .description('list the registered environments with their spaces, episode limit and reward threshold')
  .option('--json', 'print JSON instead of a table')
  .action(async (opts: { json?: boolean }) => {
    await loadEnvs();
    const { envTable } = await import('./env-commands.js');
    process.stdout.write(envTable(Boolean(opts.json)));
  });

program
  .command('games')
  .description('list the registered multi-agent games with their kind, agents and spaces')
  .action(async () => {
    await loadEnvs();
    const { gameTable } = await import('./env-commands.js');
    process.stdout.write(gameTable());
  });

program
  .command('demo')
  .description('run a few episodes of an environment with a random policy and print their returns')
  .option('--env <id>', 'environment id', 'CartPole-v1')
  .option('--episodes <n>', 'number of episodes', positiveInt('--episodes'), 5)
  .option('--seed <n>', 'seed for the env and the random policy', integer('--seed'), 0)
  .action(async (opts: { env: string; episodes: number; seed: number }) => {
    await loadEnvs();
    const { runDemo } = await import('./env-commands.js');
    process.stdout.write(runDemo(opts.env, opts.episodes, opts.seed));
  });

program
  .command('agents [name]')
  .description('list the agents, or one agent\'s hyperparameters with defaults and allowed ranges')
  .action(async (name: string | undefined) => {
    await import('../agents/index.js');
    const { agentTable } = await import('./commands.js');
    process.stdout.write(agentTable(name));
  });

program
  .command('train [agent]')
  .description('train one agent on one env (or a named recipe), evaluate it, and optionally save it')
  .option('--recipe <id>', 'a known-good recipe (agent, env, steps, hyperparameters); other options override it')
  .option('--env <id>', 'environment id')
  .option('--steps <n>', 'env steps to train for', positiveInt('--steps'))
  .option('--seed <n>', 'seed for the agent and its env resets', integer('--seed'), 0)
  .option('--envs <n>', 'train on a vector env of n copies (for PPO and A2C; 0: a single env)', integer('--envs'))
  .option('--hp <key=value...>', 'a hyperparameter, e.g. --hp learningRate=0.001 --hp hidden=[64,64]', [])
  .option('--backend <name>', `neural-net backend: ${BACKENDS.join(', ')} ('auto': onnx for dqn, ddpg, ppo, a2c, reinforce, td3 and sac, tfjs for the rest; 'cuda', 'webgpu': onnx with the conv nets on that GPU provider)`, 'auto')
  .option('--env-kwargs <json>', 'make() keyword arguments as a JSON object, e.g. \'{"isSlippery": false}\' (over a recipe\'s)', jsonObject('--env-kwargs'))
  .option('--warm-start <dir>', "start from the learned values of a saved agent or a run's checkpoint")
  .option('--warm-start-map <json|file>', 'tabular agents on another shape: { "states": [...], "actions": [...] } (JSON, or a .json file)', warmStartMap)
  .option('--save <dir>', 'save the trained agent into this directory')
  .option('--eval-episodes <n>', 'deterministic evaluation episodes after training', positiveInt('--eval-episodes'), 20)
  .action(
    async (
      agentArg: string | undefined,
      opts: {
        recipe?: string;
        env?: string;
        steps?: number;
        seed: number;
        envs?: number;
        hp: string[];
        envKwargs?: Record<string, unknown>;
        warmStart?: string;
        warmStartMap?: WarmStartMapping;
        backend: string;
        save?: string;
        evalEpisodes: number;
      },
    ) => {
      await loadRegistries();
      const { recipe } = await import('../agents/recipes/index.js');
      const { parseHyperparameters } = await import('./commands.js');
      const { train } = await import('./train.js');
      const base = opts.recipe ? recipe(opts.recipe) : undefined;
      const agent = agentArg ?? base?.agent;
      const env = opts.env ?? base?.env;
      if (!agent) throw new Error('train: name an agent (arena train dqn --env CartPole-v1) or a recipe (--recipe ppo-cartpole)');
      if (!env) throw new Error('train: --env is required without a recipe');
      await train({
        agent,
        env,
        steps: opts.steps ?? base?.totalSteps ?? 50_000,
        seed: opts.seed,
        envs: opts.envs ?? base?.nEnvs ?? 0,
        hyperparameters: { ...(base?.hyperparameters ?? {}), ...parseHyperparameters(opts.hp) },
        ...(base?.envKwargs || opts.envKwargs ? { envKwargs: { ...(base?.envKwargs ?? {}), ...(opts.envKwargs ?? {}) } } : {}),
        ...(opts.warmStart !== undefined ? { warmStart: opts.warmStart } : {}),
        ...(opts.warmStartMap !== undefined ? { warmStartMapping: opts.warmStartMap } : {}),
        ...(base?.wrapEnv ? { wrapEnv: base.wrapEnv } : {}),
        ...(opts.recipe !== undefined ? { recipe: opts.recipe } : {}),
        backend: opts.backend,
        evalEpisodes: opts.evalEpisodes,
        ...(opts.save ? { save: opts.save } : {}),
      });
    },
  );

program
  .command('recipes')
  .description('list the training recipes (arena train --recipe <id>)')
  .action(async () => {
    const { recipeTable } = await import('./commands.js');
    process.stdout.write(recipeTable());
  });

program
  .command('run <config>')
  .description('run an experiment config: every (variant, seed) run, in parallel worker threads, into the run store')
  .option('--workers <n>', 'worker threads, at most 4 per core (default: one per core; 0 runs in this process, one at a time); never more start than there are runs', nonNegativeInt('--workers'))
  .option('--force-workers', 'allow --workers above 4 per core')
  .option('--resume', 'continue interrupted, killed or failed runs from their last checkpoint and skip finished ones')
  .option('--overwrite', "delete the experiment's existing runs and start over")
  .option('--runs-dir <dir>', 'where experiments are written', 'runs')
  .option('--import <module...>', 'modules that register extra envs or agents (imported in every worker)', [])
  .option('--compare', 'afterwards, print the comparison table and write the learning-curve figure (as arena compare)')
  .option('--queue <url>', 'run on the `arena worker`s of this Redis queue (redis://[user:password@]host[:port][/db], rediss:// for TLS)')
  .option('--attempts <n>', 'with --queue: attempts per run before it is marked failed', positiveInt('--attempts'), 3)
  .action(async (config: string, opts: { workers?: number; forceWorkers?: boolean; resume?: boolean; overwrite?: boolean; runsDir: string; import: string[]; compare?: boolean; queue?: string; attempts: number }) => {
    if (opts.resume && opts.overwrite) throw new Error('run: --resume and --overwrite contradict each other; choose one');
    if (opts.queue !== undefined && opts.workers !== undefined) throw new Error('run: --workers sets local threads and --queue sends runs to remote workers; choose one');
    const { checkConfigPath } = await import('./session.js');
    checkConfigPath(config);
    await loadRegistries();
    const { runCommand } = await import('./run.js');
    process.exitCode = await runCommand(config, opts);
  });

program
  .command('tune <config>')
  .description('run a hyperparameter study: sample trials from a variant\'s search space, prune them at rungs, write trials.csv, best.yaml and a figure')
  .option('--parallel <n>', "runs at once in worker threads (overrides the config's tune.parallel; a study resumes only with the same value)", positiveInt('--parallel'))
  .option('--resume', 'continue a stopped or killed study: logged results are kept, running trials resume from their checkpoints')
  .option('--overwrite', "delete the study's trials and start over")
  .option('--runs-dir <dir>', 'where studies are written', 'runs')
  .option('--import <module...>', 'modules that register extra envs or agents (imported in every worker)', [])
  .option('--queue <url>', 'run the trials on the `arena worker`s of this Redis queue (tune.parallel runs at once there)')
  .option('--attempts <n>', 'with --queue: attempts per run before it is marked failed', positiveInt('--attempts'), 3)
  .action(async (config: string, opts: TuneCommandOptions) => {
    if (opts.resume && opts.overwrite) throw new Error('tune: --resume and --overwrite contradict each other; choose one');
    const { checkConfigPath } = await import('./session.js');
    checkConfigPath(config);
    await loadRegistries();
    const { tuneCommand } = await import('./tune.js');
    process.exitCode = await tuneCommand(config, opts);
  });

const evalCmd = program
  .command('eval [dir]')
  .description("evaluate a run's checkpoint or an agent saved by `arena train --save` deterministically, optionally recording a run's episodes for the viewer")
  .option('--episodes <n>', 'evaluation episodes', positiveInt('--episodes'), 100)
  .option('--seed <n>', 'seed of the first episode', integer('--seed'), 0)
  .option('--record [n]', 'also record n episodes (default 1) into the run for `arena view`', positiveInt('--record'))
  .option('--stochastic', 'sample actions instead of acting greedily')
  .option('--backend <name>', 'neural-net backend (default: the one the run used)')
  .option('--import <module...>', 'modules that register extra envs or agents', [])
  .option('--env <id>', 'for a saved agent: the env to evaluate on (default: the one its env.json names)')
  .option('--env-kwargs <json>', 'for a saved agent: make() keyword arguments as a JSON object', jsonObject('--env-kwargs'))
  .option('--save <dir>', 'the directory of an agent saved by `arena train --save` (instead of [dir])')
  .option('--video <file>', 'also render the episodes into a video: out.gif or out.mp4 (--episodes defaults to 1 then)');
withVideoOptions(evalCmd)
  .action(async (dir: string | undefined, opts: Omit<EvalCommandOptions, 'video'> & VideoOptionValues & { save?: string }, cmd: Command) => {
    const { video, width, height, fps, overlays, chromium, ...rest } = opts;
    // A video of the default 100 episodes would be hundreds of thousands of frames: one unless asked.
    const episodes = video !== undefined && cmd.getOptionValueSource('episodes') === 'default' ? 1 : rest.episodes;
    const options: EvalCommandOptions = { ...rest, episodes, ...(video !== undefined ? { video: { video, width, height, fps, overlays, chromium } } : {}) };
    const path = oneDirectory('eval', dir, opts.save);
    await loadRegistries();
    const { evalCommand } = await import('./run.js');
    await evalCommand(path, options, (line) => process.stdout.write(`${line}\n`));
  });

const videoCmd = program
  .command('video <source...>')
  .description('render recorded episodes (episode files, or run directories for their newest recording) into one video, played by the viewer\'s own scenes in headless Chromium')
  .requiredOption('--out <file>', 'the video: out.gif or out.mp4');
withVideoOptions(videoCmd)
  .action(async (sources: string[], opts: Omit<VideoOptionValues, 'video'> & { out: string }) => {
    const { out, ...flags } = opts;
    const { videoCommand } = await import('./video.js');
    await videoCommand(sources, { ...flags, video: out }, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('export [dir]')
  .description('export the acting path of a run\'s checkpoint or of an agent saved by `arena train --save` as one ONNX model (observations in, actions out)')
  .option('--save <dir>', 'the directory of an agent saved by `arena train --save` (instead of [dir])')
  .option('--format <name>', 'model format: onnx', 'onnx')
  .option('--out <file>', 'where to write the model', 'policy.onnx')
  .option('--import <module...>', 'modules that register extra envs or agents', [])
  .action(async (dir: string | undefined, opts: ExportCommandOptions & { save?: string }) => {
    const path = oneDirectory('export', dir, opts.save);
    await loadRegistries();
    const { exportCommand } = await import('./export.js');
    await exportCommand(path, opts, version, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('serve [source]')
  .description('serve a policy over HTTP (POST /act, GET /health, GET /spaces): a run directory, an agent saved by `arena train --save`, or a model written by `arena export`')
  .option('--save <dir>', 'the directory of an agent saved by `arena train --save` (instead of [source])')
  .option('--host <address>', 'address to listen on (a loopback address unless --public)', '127.0.0.1')
  .option('--port <n>', 'port (0: any free one)', nonNegativeInt('--port'), 8090)
  .option('--public', 'allow a --host that other machines can reach')
  .option('--allow-host <name...>', "also answer requests whose Host header names this host (besides localhost, 127.0.0.1, [::1] and --host); '*' for any", [])
  .option('--max-batch <n>', 'observations per request, at most', positiveInt('--max-batch'), 1024)
  .option('--import <module...>', 'modules that register extra envs or agents', [])
  .action(async (source: string | undefined, opts: ServeCommandOptions & { save?: string }) => {
    const path = oneDirectory('serve', source, opts.save);
    await loadRegistries();
    const { serveCommand } = await import('./serve.js');
    await serveCommand(path, opts, version, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('compare <paths...>')
  .description('compare the runs of experiments (or single run dirs): final returns with 95% bootstrap CIs, IQM, AUC, time to threshold, and a figure of the learning curves')
  .option('--csv [file]', 'also write the table as CSV (to stdout without a file)')
  .option('--json [file]', 'also write the comparison as JSON (to stdout without a file)')
  .option('--out <dir>', 'where to write curves.svg and curves.png (default: the experiment directory)')
  .option('--x <axis>', "x axis of the figure: 'steps' or 'time'", 'steps')
  .option('--smooth <n>', 'moving-average window over evaluations for the figure', nonNegativeInt('--smooth'), 0)
  .option('--threshold <r>', "return that counts as solved (default: each run's)", Number)
  .option('--no-figure', 'skip the figure')
  .action(
    async (
      paths: string[],
      opts: { csv?: string | boolean; json?: string | boolean; out?: string; x: string; smooth: number; threshold?: number; figure: boolean },
    ) => {
      if (opts.x !== 'steps' && opts.x !== 'time') throw new InvalidArgumentError(`--x must be 'steps' or 'time', got "${opts.x}"`);
      if (opts.threshold !== undefined && !Number.isFinite(opts.threshold)) throw new InvalidArgumentError('--threshold must be a number');
      const { compareCommand } = await import('./compare.js');
      await compareCommand(
        paths,
        {
          ...(opts.csv !== undefined ? { csv: opts.csv } : {}),
          ...(opts.json !== undefined ? { json: opts.json } : {}),
          ...(opts.out !== undefined ? { out: opts.out } : {}),
          x: opts.x,
          smoothing: opts.smooth,
          ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
          figure: opts.figure,
        },
        { stdout: (s) => process.stdout.write(s) },
      );
    },
  );

program
  .command('export-tb <path>')
  .description("write TensorBoard event files (<run dir>/tb/) for the runs of an experiment or a single run, from their metrics.jsonl and eval.jsonl")
  .action(async (path: string) => {
    const { exportTbCommand } = await import('./export-tb.js');
    await exportTbCommand(path, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('view [path]')
  .description('serve the viewer (learning curves, runs, 3D episode replays) over a runs directory, an experiment, a run or an episode file')
  .option('--host <address>', 'address to listen on (127.0.0.1: this machine only)', '127.0.0.1')
  .option('--port <n>', 'port; when busy, the next free one up to 20 further', nonNegativeInt('--port'), 8080)
  .option('--open', 'open the viewer in the default browser')
  .option('--allow-host <name...>', "also answer requests whose Host header names this host (besides localhost, 127.0.0.1, [::1] and --host); '*' for any", [])
  .action(async (path: string | undefined, opts: { host: string; port: number; open?: boolean; allowHost: string[] }) => {
    const { viewCommand } = await import('./view.js');
    await viewCommand(path ?? 'runs', opts);
  });

program
  .command('worker')
  .description('take runs from a Redis queue (filled by `arena run --queue`) and execute them on this machine')
  .requiredOption('--queue <url>', 'the Redis queue: redis://[user:password@]host[:port][/db], rediss:// for TLS')
  .option('--concurrency <n>', 'runs executed at once, one worker thread each', positiveInt('--concurrency'), 1)
  .option('--import <module...>', 'modules that register extra envs or agents (as the coordinator imports them)', [])
  .option('--work-dir <dir>', "where runs write their local copies (default: a folder in the system's temp dir)")
  .option('--lock-duration <ms>', "BullMQ's lock duration: a run whose worker is silent this long goes to another worker", positiveInt('--lock-duration'), 30_000)
  .option('--stalled-interval <ms>', 'how often to look for runs whose worker went silent', positiveInt('--stalled-interval'), 30_000)
  .action(async (opts: WorkerCommandOptions) => {
    await loadRegistries();
    const { workerCommand } = await import('./queue.js');
    await workerCommand(opts);
  });

program
  .command('queue')
  .description('inspect a Redis run queue')
  .command('status')
  .description('the workers connected now and the runs waiting, active, done and failed')
  .requiredOption('--queue <url>', 'the Redis queue: redis://[user:password@]host[:port][/db], rediss:// for TLS')
  .action(async (opts: { queue: string }) => {
    const { queueStatusCommand } = await import('./queue.js');
    await queueStatusCommand(opts.queue, (l) => process.stdout.write(`${l}\n`));
  });

program.parseAsync().catch(async (err: unknown) => {
  // A ConfigError comes only from a command that loaded the config module already, so this import costs nothing then.
  const { ConfigError } = await import('../experiments/config-document.js');
  if (err instanceof ConfigError && err.problems.length > 1) {
    process.stderr.write(`arena: ${err.source}: ${err.problems.length} problems, no run started:\n${err.message.replace(/^/gm, '  ')}\n`);
    process.exitCode = 1;
    return;
  }
  process.stderr.write(`arena: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
