// `arena tune`: a thin shell over experiments/tune/study.ts.
import { relative } from 'node:path';
import type { Executor } from '../experiments/run-experiment.js';
import { WorkerPoolExecutor } from '../experiments/run-experiment.js';
import { loadStudyConfig } from '../experiments/tune/config.js';
import { formatNumber } from '../experiments/format.js';
import { fmtDuration } from '../experiments/progress.js';
import { defaultStudyReporter, summaryText } from '../experiments/tune/progress.js';
import { runStudy } from '../experiments/tune/study.js';
import { BEST_CONFIG, FIGURE_NAME, TRIALS_CSV } from '../experiments/tune/files.js';
import { openQueueExecutor } from './run.js';
import type { StoreCommandOptions } from './session.js';
import { importModules, stopOnSignals, storeRunOptions, throwStorageMessage } from './session.js';

export interface TuneCommandOptions extends StoreCommandOptions {
  /** Runs at once (worker threads, or jobs on the queue); overrides the config's tune.parallel. */
  parallel?: number;
  /** A Redis URL: run the trials on the `arena worker`s of that queue instead of local threads. */
  queue?: string;
  /** With --queue: attempts per run before it is marked failed. */
  attempts?: number;
  import: string[];
}

/** `arena tune <config>`: returns the exit code (0 when the study ended, 1 when it was stopped). */
export async function tuneCommand(configPath: string, options: TuneCommandOptions): Promise<number> {
  const reporter = defaultStudyReporter();
  const stopping = stopOnSignals((line) => reporter.message(line), 'running trials end at their next step');
  let executor: Executor | undefined;
  try {
    const imports = await importModules(options.import);
    const loaded = await loadStudyConfig(configPath);
    const study = options.parallel !== undefined ? { ...loaded, tune: { ...loaded.tune, parallel: options.parallel } } : loaded;
    executor = options.queue ? await openQueueExecutor(options.queue, options, reporter) : new WorkerPoolExecutor(study.tune.parallel, imports);
    const started = performance.now();
    const outcome = await runStudy(study, storeRunOptions(configPath, options, executor, reporter, stopping.signal)).catch(throwStorageMessage);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    const count = (s: string) => outcome.trials.filter((t) => t.status === s).length;
    const best = outcome.best ? { name: outcome.best.name, objective: outcome.best.objective! } : null;
    const summary = { trials: study.tune.trials, complete: count('complete'), pruned: count('pruned') + count('paused'), failed: count('failed'), running: 0, best };
    const rel = relative(process.cwd(), outcome.dir) || '.';
    out(`\n${study.experiment.name}: ${summaryText(summary)} in ${fmtDuration((performance.now() - started) / 1000)}`);
    const saved = outcome.stepsWithoutPruning > 0 ? (1 - outcome.steps / outcome.stepsWithoutPruning) * 100 : 0;
    out(`env steps: ${formatNumber(outcome.steps)} executed, ${formatNumber(outcome.stepsWithoutPruning)} without pruning (${saved.toFixed(0)}% saved)`);
    for (const t of outcome.trials) if (t.status === 'failed') out(`  failed: ${t.name}: ${t.error ?? ''}`);
    if (outcome.interrupted) {
      out(`continue with: arena tune ${configPath} --resume${options.queue ? ' --queue <the same URL>' : ''}`);
      return 1;
    }
    out(`trials table: ${rel}/${TRIALS_CSV} (and trials.json); figure: ${rel}/${FIGURE_NAME}.svg`);
    if (outcome.best) out(`best config:  ${rel}/${BEST_CONFIG}  (arena run ${rel}/${BEST_CONFIG} re-runs it)`);
    out(`watch the trials: npx arena view ${rel}`);
    return 0;
  } finally {
    stopping.release();
    await executor?.close();
  }
}
