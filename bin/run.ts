// `arena run` and `arena eval`: thin shells over experiments/.
import { relative } from 'node:path';
import { evaluate, loadAgent } from '../agents/agent.js';
import { loadLearner } from '../agents/multi/index.js';
import type { EpisodeRecord } from '../core/episode.js';
import { recordEpisode } from '../core/episode.js';
import { loadExperimentConfig } from '../experiments/config.js';
import { evaluateGameLearner, makeRunGame, recordGameEpisode } from '../experiments/game-trainer.js';
import { defaultReporter, fmtDuration } from '../experiments/progress.js';
import { makeRunEnv } from '../experiments/execute-run.js';
import { recordAgentEpisode, writeEvalEpisodes } from '../experiments/run-episodes.js';
import type { Executor, Reporter } from '../experiments/run-experiment.js';
import { InProcessExecutor, WorkerPoolExecutor, defaultWorkers, runExperiment } from '../experiments/run-experiment.js';
import { mean, median } from '../experiments/stats.js';
import type { RunRecord } from '../experiments/types.js';
import { compareCommand } from './compare.js';
import type { SavedEnv } from './saved-env.js';
import { agentSource, makeSavedEnv, SAVED_ENV_FILE } from './saved-env.js';
import type { VideoFlags } from './video.js';
import { checkVideoFlags, saveVideo } from './video.js';
import type { StoreCommandOptions } from './session.js';
import { importModules, stopOnSignals, storeRunOptions, throwStorageMessage } from './session.js';

export interface RunCommandOptions extends StoreCommandOptions {
  workers?: number;
  /** Allows more workers than WORKERS_PER_CORE per core (experiments/run-experiment.ts). */
  forceWorkers?: boolean;
  import: string[];
  /** After the runs, print the comparison table and write the learning-curve figure. */
  compare?: boolean;
  /** A Redis URL: run on the `arena worker`s of that queue instead of local threads. */
  queue?: string;
  /** With --queue: attempts per run before it is marked failed. */
  attempts?: number;
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
    const outcome = await runExperiment(config, storeRunOptions(configPath, options, executor, reporter, stopping.signal)).catch(throwStorageMessage);
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
  /** Also render the evaluation's episodes (all of them, seeds from --seed on) into a video. */
  video?: VideoFlags;
}

/**
 * `arena eval <run dir | save dir>`: evaluates the run's checkpoint (optionally
 * recording episodes for the viewer), or an agent saved by `arena train --save`.
 */
export async function evalCommand(path: string, options: EvalCommandOptions, out: (line: string) => void): Promise<void> {
  if (options.video) checkVideoFlags(options.video);
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
    printReturns(result, out);
    const play = (seed: number) => recordAgentEpisode(agent, record.spec, env, { seed, trainingStep: agent.stepCount, deterministic });
    if (options.record) {
      await recordEvalEpisodes(runDir, agent.stepCount, options, out, play, (episode) => `return ${round(episode.return)}, ${episode.length} steps`);
    }
    if (options.video) await videoOfEpisodes(options, options.video, play, out);
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
    printReturns(result, out);
    if (options.video) {
      const play = (seed: number) =>
        recordEpisode(env, {
          seed,
          act: (obs) => agent.act(obs, { deterministic }),
          overlays: agent.diagnostics ? (obs) => agent.diagnostics!(obs) : undefined,
          agent: { algorithm: agent.algorithm, deterministic },
          trainingStep: agent.stepCount,
        });
      await videoOfEpisodes(options, options.video, play, out);
    }
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
      await recordEvalEpisodes(
        runDir,
        learner.stepCount,
        options,
        out,
        (seed, index) => recordGameEpisode(learner, spec, game, { index, seed, trainingStep: learner.stepCount, deterministic }),
        (episode) => `learner on side ${episode.recordedSide}: team return ${round(episode.return)}, ${episode.length} steps`,
      );
    }
    if (options.video) {
      await videoOfEpisodes(options, options.video, (seed, index) => recordGameEpisode(learner, spec, game, { index, seed, trainingStep: learner.stepCount, deterministic }), out);
    }
  } finally {
    game.close();
    learner.dispose();
  }
}

/** `--record`: episodes (seeds from `--seed` on) written into the run beside its training recordings (writeEvalEpisodes), each announced with `summary`. */
async function recordEvalEpisodes<E extends { readonly return: number; readonly length: number }>(
  runDir: string,
  step: number,
  options: EvalCommandOptions,
  out: (line: string) => void,
  play: (seed: number, index: number) => E,
  summary: (episode: E) => string,
): Promise<void> {
  const count = typeof options.record === 'number' ? options.record : 1;
  await writeEvalEpisodes(runDir, step, { count, seed: options.seed }, play, (path, episode) => out(`  recorded ${relative(process.cwd(), path)} (${summary(episode)})`));
  out(`watch them: arena view ${relative(process.cwd(), runDir) || '.'}`);
}

/**
 * Plays --episodes episodes as records, reset with seeds --seed, --seed + 1,
 * ... as --record does (so the first is the evaluation's first; `evaluate`
 * seeds only its first reset, so its later episodes can differ), says which,
 * and renders them into the video. The records are small (render states, not
 * pictures); the frames are drawn and encoded one at a time.
 */
async function videoOfEpisodes(
  options: EvalCommandOptions,
  flags: VideoFlags,
  play: (seed: number, index: number) => EpisodeRecord,
  out: (line: string) => void,
): Promise<void> {
  const episodes = Array.from({ length: options.episodes }, (_v, i) => play(options.seed + i, i));
  episodes.forEach((e, i) => out(`  video episode ${i + 1}: reset seed ${e.seed}, return ${round(e.return)}, ${e.length} steps`));
  await saveVideo(episodes, flags, out);
}

/** An evaluation's returns and lengths, as `arena eval` prints them. */
function printReturns(result: { readonly returns: readonly number[]; readonly lengths: readonly number[]; readonly mean: number; readonly std: number }, out: (line: string) => void): void {
  out(`  mean return ${round(result.mean)} (std ${round(result.std)}), median ${round(median(result.returns))}, min ${round(Math.min(...result.returns))}, max ${round(Math.max(...result.returns))}`);
  out(`  mean length ${round(mean(result.lengths))}`);
}

function round(x: number): number {
  return Number(x.toFixed(3));
}
