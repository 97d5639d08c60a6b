// `arena run` and `arena eval`: thin shells over experiments/.
import { existsSync } from 'node:fs';
import { ensureDir, writeFileAtomic } from '../core/files.js';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { evaluate, loadAgent } from '../agents/agent.js';
import { loadLearner } from '../agents/multi/index.js';
import { evaluateGameLearner, makeRunGame, recordGameEpisode } from '../experiments/game-run.js';
import type { RunRecord } from '../experiments/types.js';
import { mean, median } from '../experiments/stats.js';
import { recordEpisode } from '../core/episode.js';
import { observationRecording } from '../experiments/observation-record.js';
import { loadExperimentConfig } from '../experiments/config.js';
import { defaultReporter } from '../experiments/progress.js';
import { fmtDuration } from '../experiments/progress.js';
import { makeRunEnv } from '../experiments/run.js';
import type { Executor, Reporter } from '../experiments/runner.js';
import { InProcessExecutor, WorkerPoolExecutor, defaultWorkers, runExperiment } from '../experiments/runner.js';
import { EPISODES_DIR, EPISODE_INDEX_FILE, JsonlWriter, storageFailure } from '../experiments/store.js';
import { compareCommand } from './compare.js';
import type { SavedEnv } from './saved-env.js';
import { agentSource, makeSavedEnv, SAVED_ENV_FILE } from './saved-env.js';

export interface RunCommandOptions {
  workers?: number;
  /** Allows more workers than WORKERS_PER_CORE per core (experiments/runner.ts). */
  forceWorkers?: boolean;
  resume?: boolean;
  overwrite?: boolean;
  runsDir: string;
  import: string[];
  /** After the runs, print the comparison table and write the learning-curve figure. */
  compare?: boolean;
  /** A Redis URL: run on the `arena worker`s of that queue instead of local threads. */
  queue?: string;
  /** With --queue: attempts per run before it is marked failed. */
  attempts?: number;
}

/** Imports modules that register extra envs or agents; returns their file URLs for the workers. */
export async function importModules(paths: readonly string[]): Promise<string[]> {
  const urls: string[] = [];
  for (const p of paths) {
    const url = /^[a-z]+:/.test(p) ? p : pathToFileURL(resolve(p)).href;
    try {
      await import(url);
    } catch (e) {
      throw new Error(`--import ${p}: ${(e as Error).message}`);
    }
    urls.push(url);
  }
  return urls;
}

/** The queue executor (loaded on demand: without --queue, BullMQ is never loaded). */
export async function openQueueExecutor(url: string, options: Pick<RunCommandOptions, 'import' | 'attempts'>, reporter: Pick<Reporter, 'message'>): Promise<Executor> {
  const { parseQueueUrl } = await import('../experiments/queue/connection.js');
  const { QueueExecutor } = await import('../experiments/queue/coordinator.js');
  const connection = parseQueueUrl(url);
  const executor = await QueueExecutor.open({ connection, imports: options.import, ...(options.attempts !== undefined ? { attempts: options.attempts } : {}), log: (l) => reporter.message(l) });
  const workers = await executor.workers();
  const slots = workers.reduce((a, w) => a + w.concurrency, 0);
  reporter.message(
    workers.length > 0
      ? `queue ${connection.display}: ${workers.length} worker(s) with ${slots} run slot(s) connected`
      : `queue ${connection.display}: no worker connected yet; runs wait until one starts (arena worker --queue ...)`,
  );
  return executor;
}

/**
 * Ctrl-C and SIGTERM for a long command: the first asks for a stop (`what`
 * says what happens to the work under way) through the returned signal, the
 * second quits at once. `release` removes the handlers.
 */
export function stopOnSignals(say: (line: string) => void, what: string): { signal: AbortSignal; release(): void } {
  const stopping = new AbortController();
  let stops = 0;
  const onSignal = (): void => {
    stops += 1;
    if (stops > 1) process.exit(130);
    say(`stopping: ${what} (Ctrl-C again to quit at once); continue later with --resume`);
    stopping.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stopping.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** A refused write before any run started (experiment.json, the lock) as an error naming the path and what to do; other errors as they are. */
export function storageMessage(e: unknown): unknown {
  const failure = storageFailure(e);
  return failure ? new Error(failure.message) : e;
}

/** `arena run <config>`: returns the process exit code (0 when every run finished). */
export async function runCommand(configPath: string, options: RunCommandOptions): Promise<number> {
  const reporter = defaultReporter();
  // Signals are handled from the start: one arriving while modules load or the experiment is set up stops it before any run.
  const stopping = stopOnSignals((line) => reporter.message(line), 'runs end at their next step and are marked interrupted');
  let executor: Executor | undefined;
  try {
    const imports = await importModules(options.import);
    const config = await loadExperimentConfig(configPath);
    const workers = options.workers ?? defaultWorkers();
    executor = options.queue
      ? await openQueueExecutor(options.queue, options, reporter)
      : workers === 0
        ? new InProcessExecutor()
        : new WorkerPoolExecutor(workers, imports, { force: options.forceWorkers ?? false });
    const started = performance.now();
    const outcome = await runExperiment(config, {
      runsDir: options.runsDir,
      executor,
      reporter,
      source: configPath,
      command: ['arena', ...process.argv.slice(2)].join(' '),
      ...(options.resume ? { resume: true } : {}),
      ...(options.overwrite ? { overwrite: true } : {}),
      signal: stopping.signal,
    }).catch((e: unknown) => {
      throw storageMessage(e);
    });
    const count = (status: string) => outcome.runs.filter((r) => r.outcome?.status === status).length;
    const notRun = outcome.runs.filter((r) => r.outcome === null).length;
    const summary = [`${count('finished')} finished`, `${count('failed')} failed`, `${count('interrupted')} interrupted`];
    if (notRun > 0) summary.push(`${notRun} ${outcome.interrupted || outcome.storageFailure ? 'not started' : 'already finished'}`);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`\n${config.name}: ${summary.join(', ')} in ${fmtDuration((performance.now() - started) / 1000)}; runs in ${outcome.dir}`);
    for (const r of outcome.runs) {
      const where = relative(process.cwd(), r.run.dir) || r.run.dir;
      for (const w of r.outcome?.warnings ?? []) out(`  warning: ${where}: ${w}`);
      if (r.outcome?.status === 'failed') out(`  failed: ${where}: ${r.outcome.error?.message.split('\n')[0] ?? ''}${r.outcome.error?.stack ? ' (stack in run.json)' : ''}`);
    }
    if (outcome.storageFailure) {
      out(`stopped the other runs: ${outcome.storageFailure.message}`);
    }
    const rel = relative(process.cwd(), outcome.dir) || '.';
    const shown = rel.startsWith('..') ? outcome.dir : rel;
    const quoted = shown.includes(' ') ? JSON.stringify(shown) : shown;
    if (options.compare && !outcome.interrupted && outcome.runs.some((r) => r.outcome?.status !== 'failed')) {
      out('');
      await compareCommand([outcome.dir], {}, { stdout: (s) => process.stdout.write(s) });
      out('');
    }
    if (outcome.interrupted || count('interrupted') > 0 || outcome.storageFailure) out(`continue with: arena run ${configPath} --resume${options.queue ? ' --queue <the same URL>' : ''}`);
    if (!options.compare) out(`compare the variants:  npx arena compare ${quoted}`);
    out(`watch the episodes:    npx arena view ${quoted}   (then open the address it prints in a browser)`);
    return outcome.interrupted || count('failed') > 0 || count('interrupted') > 0 ? 1 : 0;
  } finally {
    stopping.release();
    await executor?.close();
  }
}

export interface EvalCommandOptions {
  episodes: number;
  seed: number;
  record?: boolean | number;
  stochastic?: boolean;
  backend?: string;
  import: string[];
  /** For a save directory: the env to evaluate on (over its env.json). */
  env?: string;
  envKwargs?: Record<string, unknown>;
}

/**
 * `arena eval <run dir | save dir>`: evaluates the run's checkpoint (optionally
 * recording episodes for the viewer), or an agent saved by `arena train --save`.
 */
export async function evalCommand(path: string, options: EvalCommandOptions, out: (line: string) => void): Promise<void> {
  await importModules(options.import);
  const source = await agentSource(path);
  if (source.kind === 'save') return evalSavedCommand(source.agentDir, source.env, options, out);
  if (options.env !== undefined || options.envKwargs !== undefined) throw new Error(`eval: --env and --env-kwargs are for a saved agent directory; ${path} is a run, evaluated on its own env`);
  const { runDir, record } = source;
  for (const w of source.warnings) out(`warning: ${w}`);
  const checkpoint = source.agentDir;
  if (record.spec.game) return evalGameCommand(runDir, record, checkpoint, options, out);
  const agent = await loadAgent(checkpoint, options.backend ? { backend: options.backend } : {});
  try {
    const env = makeRunEnv(record.spec);
    const deterministic = !options.stochastic;
    const result = evaluate(agent, env, { episodes: options.episodes, seed: options.seed, deterministic });
    out(
      `${record.spec.experiment}/${record.spec.variant}/seed-${record.spec.seed} at step ${agent.stepCount}: ${options.episodes} ${deterministic ? 'deterministic' : 'stochastic'} episodes on ${record.spec.env.id} (seed ${options.seed})`,
    );
    out(`  mean return ${round(result.mean)} (std ${round(result.std)}), median ${round(median(result.returns))}, min ${round(Math.min(...result.returns))}, max ${round(Math.max(...result.returns))}`);
    out(`  mean length ${round(mean(result.lengths))}`);
    if (options.record) {
      await writeEvalEpisodes(runDir, agent.stepCount, options, out, (seed) => {
        const episode = recordEpisode(env, {
          seed,
          act: (obs) => agent.act(obs, { deterministic }),
          overlays: agent.diagnostics ? (obs) => agent.diagnostics!(obs) : undefined,
          ...observationRecording(env.observationSpace),
          agent: { algorithm: record.spec.algorithm, experiment: record.spec.experiment, variant: record.spec.variant, runSeed: record.spec.seed, deterministic },
          trainingStep: agent.stepCount,
          wrappers: record.spec.env.wrappers,
        });
        return { episode, summary: `return ${round(episode.return)}, ${episode.length} steps` };
      });
    }
    env.close();
  } finally {
    agent.dispose();
  }
}

/** `arena eval` of an agent saved by `arena train --save`: on the env its env.json names, or --env. */
async function evalSavedCommand(dir: string, saved: SavedEnv | null, options: EvalCommandOptions, out: (line: string) => void): Promise<void> {
  if (options.record) throw new Error(`eval: --record writes episodes into a run directory; ${dir} is a saved agent (evaluate it without --record)`);
  const id = options.env ?? saved?.id;
  if (id === undefined) throw new Error(`eval: ${dir} has no ${SAVED_ENV_FILE} naming its env (it was saved without \`arena train --save\`); give --env <id>`);
  const sameEnv = options.env === undefined || options.env === saved?.id;
  const kwargs = options.envKwargs ?? (sameEnv ? saved?.kwargs : undefined) ?? {};
  const agent = await loadAgent(dir, options.backend ? { backend: options.backend } : {});
  try {
    const env = makeSavedEnv({ id, kwargs, ...(sameEnv && saved?.recipe !== undefined ? { recipe: saved.recipe } : {}) });
    const deterministic = !options.stochastic;
    const result = evaluate(agent, env, { episodes: options.episodes, seed: options.seed, deterministic });
    out(`${dir} (${agent.algorithm}) at step ${agent.stepCount}: ${options.episodes} ${deterministic ? 'deterministic' : 'stochastic'} episodes on ${id} (seed ${options.seed})`);
    out(`  mean return ${round(result.mean)} (std ${round(result.std)}), median ${round(median(result.returns))}, min ${round(Math.min(...result.returns))}, max ${round(Math.max(...result.returns))}`);
    out(`  mean length ${round(mean(result.lengths))}`);
    env.close();
  } finally {
    agent.dispose();
  }
}

/** `arena eval` of a run on a multi-agent game: matches against the run's evaluation opponent (or team episodes), and match records. */
async function evalGameCommand(runDir: string, record: RunRecord, checkpoint: string, options: EvalCommandOptions, out: (line: string) => void): Promise<void> {
  const spec = record.spec;
  const learner = await loadLearner(checkpoint, options.backend ? { backend: options.backend } : {});
  const game = makeRunGame(spec);
  try {
    const deterministic = !options.stochastic;
    const r = evaluateGameLearner(learner, spec, game, { episodes: options.episodes, seed: options.seed, deterministic });
    out(
      `${spec.experiment}/${spec.variant}/seed-${spec.seed} at step ${learner.stepCount}: ${options.episodes} ${deterministic ? 'deterministic' : 'stochastic'} ${r.opponent ? `games against ${r.opponent}, both sides in turn,` : 'team episodes'} on ${spec.env.id} (seed ${options.seed})`,
    );
    if (r.opponent) out(`  wins-draws-losses ${r.wins}-${r.draws}-${r.losses} (${Math.round((100 * r.wins!) / options.episodes)}% wins)`);
    out(`  mean team return ${round(r.mean)} (std ${round(r.std)}), min ${round(r.min)}, max ${round(r.max)}`);
    out(`  mean length ${round(mean(r.lengths))}`);
    if (options.record) {
      await writeEvalEpisodes(runDir, learner.stepCount, options, out, (seed, index) => {
        const episode = recordGameEpisode(learner, spec, game, { index, seed, trainingStep: learner.stepCount, deterministic });
        return { episode, summary: `learner on side ${episode.recordedSide}: team return ${round(episode.return)}, ${episode.length} steps` };
      });
    }
  } finally {
    game.close();
    learner.dispose();
  }
}

/**
 * Records `--record` episodes (seeds from `--seed` on) into the run, next to
 * its training recordings and listed in the same index with source 'eval', so
 * the viewer shows them together.
 */
async function writeEvalEpisodes(
  runDir: string,
  step: number,
  options: EvalCommandOptions,
  out: (line: string) => void,
  play: (seed: number, index: number) => { episode: { readonly return: number; readonly length: number }; summary: string },
): Promise<void> {
  const count = typeof options.record === 'number' ? options.record : 1;
  const dir = join(runDir, EPISODES_DIR);
  await ensureDir(dir);
  const index = new JsonlWriter(join(dir, EPISODE_INDEX_FILE));
  try {
    for (let i = 0; i < count; i++) {
      const seed = options.seed + i;
      const { episode, summary } = play(seed, i);
      const file = `eval-step-${String(step).padStart(10, '0')}-seed-${seed}.json`;
      const path = join(dir, file);
      await writeFileAtomic(path, JSON.stringify(episode));
      index.append({ file, step, index: i, return: episode.return, length: episode.length, source: 'eval' });
      out(`  recorded ${relative(process.cwd(), path)} (${summary})`);
    }
  } finally {
    index.close();
  }
  out(`watch them: arena view ${relative(process.cwd(), runDir) || '.'}`);
}

function round(x: number): number {
  return Number(x.toFixed(3));
}

export function checkConfigPath(path: string): void {
  if (!existsSync(path)) throw new Error(`no such config file: ${path}`);
}
