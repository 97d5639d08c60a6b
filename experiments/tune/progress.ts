// Progress of `arena tune`: one line per job started and ended, and on a
// terminal a bar of trials done (complete, pruned or failed) with the running
// count and the best objective so far; elsewhere (CI, a log) the lines alone.
import cliProgress from 'cli-progress';
import { formatNumber } from '../format.js';
import type { StudyConfig } from './config.js';
import type { StudyReporter, StudySummary } from './study.js';

/** The counts and best-so-far text of a summary. */
export function summaryText(s: StudySummary): string {
  const best = s.best ? `best ${formatNumber(s.best.objective)} (${s.best.name})` : 'best -';
  return `${s.complete} complete, ${s.pruned} pruned, ${s.failed} failed, ${s.running} running; ${best}`;
}

const done = (s: StudySummary): number => s.complete + s.pruned + s.failed;

export class StudyLineReporter implements StudyReporter {
  private rungs: readonly number[] = [];

  constructor(protected readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  start(study: StudyConfig, replayed: number): void {
    this.rungs = study.rungs;
    const t = study.tune;
    const rungs = study.rungs.length > 1 ? `, rungs at ${study.rungs.join(', ')} steps` : '';
    this.write(`study ${study.experiment.name}: ${t.trials} trials x ${study.experiment.seeds.length} seeds, ${t.sampler} sampler, pruner ${t.pruner}${rungs}, ${t.parallel} run(s) at once`);
    if (replayed > 0) this.write(`resuming: ${replayed} result(s) from study.json`);
  }
  jobStarted(trial: string, rung: number, budget: number, _summary: StudySummary): void {
    this.write(`${trial}: ${rung > 0 ? 'promoted, ' : ''}running to ${budget} steps${this.rungs.length > 1 ? ` (rung ${rung + 1}/${this.rungs.length})` : ''}`);
  }
  runProgress(): void {}
  jobEnded(trial: string, rung: number, objective: number | null, s: StudySummary): void {
    this.write(`${trial}: objective ${formatNumber(objective)} at ${this.rungs[rung]} steps; ${done(s)}/${s.trials} trials done: ${summaryText(s)}`);
  }
  message(text: string): void {
    this.write(text);
  }
  end(): void {}
}

/** On a terminal: the lines above a live bar of trials done. */
export class StudyLiveReporter extends StudyLineReporter {
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    super((line) => (this.multi ? this.multi.log(`${line}\n`) : this.stream.write(`${line}\n`)));
  }

  override start(study: StudyConfig, replayed: number): void {
    super.start(study, replayed);
    this.multi = new cliProgress.MultiBar(
      { stream: this.stream, hideCursor: true, clearOnComplete: false, barsize: 24, fps: 4, format: (options, params, payload: Record<string, string>) => `trials ${cliProgress.Format.BarFormat(params.progress, options)} ${payload.detail}` },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multi.create(study.tune.trials, 0, { detail: '' });
  }
  override jobStarted(trial: string, rung: number, budget: number, s: StudySummary): void {
    super.jobStarted(trial, rung, budget, s);
    this.update(s);
  }
  override jobEnded(trial: string, rung: number, objective: number | null, s: StudySummary): void {
    super.jobEnded(trial, rung, objective, s);
    this.update(s);
  }
  override end(): void {
    this.multi?.stop();
    this.multi = null;
  }
  private update(s: StudySummary): void {
    this.bar?.update(done(s), { detail: `${done(s)}/${s.trials}: ${summaryText(s)}` });
  }
}

export function defaultStudyReporter(): StudyReporter {
  return process.stdout.isTTY ? new StudyLiveReporter() : new StudyLineReporter();
}
