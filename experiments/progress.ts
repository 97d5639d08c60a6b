// Progress for `arena run`: on a terminal, a live multi-line display (one bar
// per active run with steps/s and the latest returns, and an overall bar with
// an ETA); elsewhere (CI, a log file) plain lines: runs starting and ending,
// and each run's progress every tenth of its budget.
import cliProgress from 'cli-progress';
import type { Reporter } from './run-experiment.js';
import type { RunOutcome, RunProgress } from './execute-run.js';
import type { PlannedRun } from './types.js';

function runLabel(run: PlannedRun): string {
  return `${run.spec.variant}/seed-${run.spec.seed}`;
}

/** Where the runs execute: a number of local workers, or (Infinity) a queue's workers. */
function fmtWhere(concurrency: number): string {
  return Number.isFinite(concurrency) ? `on ${concurrency} worker(s)` : 'through the queue';
}

function fmtReturn(x: number | null): string {
  return x === null ? '-' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function fmtSteps(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k` : String(n);
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function outcomeText(outcome: RunOutcome): string {
  const resumed = outcome.resumedFrom !== null ? `, resumed from step ${outcome.resumedFrom}` : '';
  const base = `${outcome.status} at step ${outcome.step} in ${fmtDuration(outcome.seconds)}${resumed}`;
  return outcome.error ? `${base}: ${outcome.error.message.split('\n')[0]}` : base;
}

/** Shared bookkeeping: steps done per run, for the overall ETA. */
class Totals {
  readonly done = new Map<PlannedRun, number>();
  total = 0;
  started = performance.now();
  startedSteps = 0;

  reset(plan: readonly PlannedRun[]): void {
    this.total = plan.reduce((a, r) => a + r.spec.totalSteps, 0);
    this.started = performance.now();
  }
  stepsDone(): number {
    let sum = 0;
    for (const v of this.done.values()) sum += v;
    return sum;
  }
  eta(): number {
    const done = this.stepsDone();
    const seconds = (performance.now() - this.started) / 1000;
    const rate = (done - this.startedSteps) / seconds;
    return rate > 0 ? (this.total - done) / rate : Infinity;
  }
}

/** Plain lines for logs and CI. */
export class LineReporter implements Reporter {
  private readonly totals = new Totals();
  private readonly nextTenth = new Map<PlannedRun, number>();
  private ended = 0;
  private count = 0;

  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  start(plan: readonly PlannedRun[], skipped: readonly PlannedRun[], concurrency: number): void {
    this.totals.reset(plan);
    this.count = plan.length;
    const skip = skipped.length > 0 ? ` (${skipped.length} finished run(s) skipped)` : '';
    this.write(`running ${plan.length} run(s) ${fmtWhere(concurrency)}${skip}`);
  }
  runStarted(run: PlannedRun): void {
    this.nextTenth.set(run, 1);
    this.write(`  start  ${runLabel(run)}  (${fmtSteps(run.spec.totalSteps)} steps)`);
  }
  runProgress(run: PlannedRun, p: RunProgress): void {
    if (!this.totals.done.has(run)) this.totals.startedSteps += p.step;
    this.totals.done.set(run, p.step);
    const tenth = this.nextTenth.get(run) ?? 1;
    if (p.step * 10 < tenth * p.totalSteps) return;
    this.nextTenth.set(run, Math.floor((p.step * 10) / p.totalSteps) + 1);
    const pct = Math.min(100, Math.floor((p.step / p.totalSteps) * 100));
    this.write(
      `  ${String(pct).padStart(3)}%  ${runLabel(run)}  step ${fmtSteps(p.step)}  ${Math.round(p.fps)} steps/s  return ${fmtReturn(p.recentReturn)}  eval ${fmtReturn(p.evalReturn)}  (all runs: ETA ${fmtDuration(this.totals.eta())})`,
    );
  }
  runEnded(run: PlannedRun, outcome: RunOutcome): void {
    this.ended += 1;
    this.totals.done.set(run, run.spec.totalSteps);
    this.write(`  end    ${runLabel(run)}  ${outcomeText(outcome)}  [${this.ended}/${this.count}]`);
  }
  message(text: string): void {
    this.write(text);
  }
  end(): void {}
}

/** A live display for terminals: one bar per active run and an overall bar. */
export class LiveReporter implements Reporter {
  private readonly totals = new Totals();
  private multi: cliProgress.MultiBar | null = null;
  private overall: cliProgress.SingleBar | null = null;
  private readonly bars = new Map<PlannedRun, cliProgress.SingleBar>();
  private ended = 0;
  private count = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  start(plan: readonly PlannedRun[], skipped: readonly PlannedRun[], concurrency: number): void {
    this.totals.reset(plan);
    this.count = plan.length;
    const skip = skipped.length > 0 ? ` (${skipped.length} finished run(s) skipped)` : '';
    this.stream.write(`running ${plan.length} run(s) ${fmtWhere(concurrency)}${skip}\n`);
    this.multi = new cliProgress.MultiBar(
      {
        stream: this.stream,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        fps: 8,
        autopadding: true,
        format: (options, params, payload: Record<string, string>) => {
          const bar = cliProgress.Format.BarFormat(params.progress, options);
          return `${payload.label!.padEnd(28)} ${bar} ${payload.detail}`;
        },
      },
      cliProgress.Presets.shades_classic,
    );
    this.overall = this.multi.create(Math.max(1, this.totals.total), 0, { label: 'all runs', detail: `0/${plan.length} runs done` });
  }
  runStarted(): void {
    // A run's bar appears with its first progress: runs waiting on a queue get none.
  }
  runProgress(run: PlannedRun, p: RunProgress): void {
    if (!this.totals.done.has(run)) this.totals.startedSteps += p.step;
    this.totals.done.set(run, p.step);
    if (!this.bars.has(run)) this.bars.set(run, this.multi!.create(run.spec.totalSteps, 0, { label: runLabel(run), detail: 'starting' }));
    this.bars.get(run)!.update(Math.min(p.step, p.totalSteps), {
      label: runLabel(run),
      detail: `${fmtSteps(p.step)}/${fmtSteps(p.totalSteps)}  ${Math.round(p.fps)} steps/s  return ${fmtReturn(p.recentReturn)}  eval ${fmtReturn(p.evalReturn)}`,
    });
    this.updateOverall();
  }
  runEnded(run: PlannedRun, outcome: RunOutcome): void {
    this.ended += 1;
    this.totals.done.set(run, run.spec.totalSteps);
    const bar = this.bars.get(run);
    if (bar) {
      this.multi!.remove(bar);
      this.bars.delete(run);
    }
    this.multi!.log(`${runLabel(run)}: ${outcomeText(outcome)}\n`);
    this.updateOverall();
  }
  message(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else this.stream.write(`${text}\n`);
  }
  end(): void {
    this.updateOverall();
    this.multi?.stop();
  }
  private updateOverall(): void {
    const eta = this.totals.eta();
    this.overall?.update(Math.min(this.totals.stepsDone(), this.totals.total), {
      label: 'all runs',
      detail: `${this.ended}/${this.count} runs done  ETA ${this.ended === this.count ? '0s' : fmtDuration(eta)}`,
    });
  }
}

/** The live display on a terminal, plain lines otherwise. */
export function defaultReporter(): Reporter {
  return process.stdout.isTTY ? new LiveReporter() : new LineReporter();
}
