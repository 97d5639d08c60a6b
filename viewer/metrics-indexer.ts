// Background indexing of metrics.jsonl files, so that a run page's training
// curves are ready when a user opens it. Parsing a million-episode file takes
// about half a second of CPU (metrics-store.ts); done on the first request,
// that half second is on the page's critical path. The indexer keeps the
// metrics of the most recently written runs parsed instead: when the viewer
// starts and then every `intervalMs`, it lists the runs, takes the ones whose
// metrics.jsonl changed most recently, and brings their parsed columns up to
// date, one file at a time (a file that only grew is read from where it was
// complete; one that did not change costs a stat). A request for a file being
// indexed waits for that parse rather than starting another, and reads go in
// 1 MB chunks, so requests for other files are served in between.
//
// It keeps at most `maxFiles` files (half of the cache's 16 by default, so
// pages opened on older runs keep theirs), the most recent used last. Nothing
// it does changes an answer: it only moves work ahead of the request.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS_FILE } from '../experiments/store.js';
import type { Catalog } from './catalog.js';
import { METRICS_FILES_KEPT, warmMetrics } from './metrics-store.js';

export interface MetricsIndexerOptions {
  /** How often to look for new or grown metrics files, in ms. */
  readonly intervalMs?: number;
  /** How many of the most recently written metrics files to keep parsed. */
  readonly maxFiles?: number;
}

export class MetricsIndexer {
  private readonly intervalMs: number;
  private readonly maxFiles: number;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly catalog: Catalog,
    options: MetricsIndexerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.maxFiles = Math.min(options.maxFiles ?? Math.floor(METRICS_FILES_KEPT / 2), METRICS_FILES_KEPT);
    if (!(this.intervalMs > 0)) throw new RangeError(`MetricsIndexer: intervalMs must be positive, got ${this.intervalMs}`);
    if (!Number.isInteger(this.maxFiles) || this.maxFiles < 1) throw new RangeError(`MetricsIndexer: maxFiles must be a positive integer, got ${this.maxFiles}`);
  }

  /** Indexes now, then every intervalMs until closed (the timer does not keep the process alive). */
  start(): void {
    if (this.timer || this.closed) return;
    void this.index();
    this.timer = setInterval(() => void this.index(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * One pass: the most recently written metrics files brought up to date,
   * oldest of them first (so the newest ends up most recently used). A pass
   * already running is joined, not doubled.
   */
  index(): Promise<void> {
    this.pass ??= this.run().finally(() => {
      this.pass = null;
    });
    return this.pass;
  }

  /** Resolves when the pass in progress, if any, is done. */
  async idle(): Promise<void> {
    await this.pass;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    let files: { real: string; mtimeMs: number }[];
    try {
      const snapshot = await this.catalog.snapshot(0);
      files = [];
      for (const e of snapshot.experiments) {
        for (const r of e.runs) {
          if (r.dir === null) continue;
          // Only what a request would read: a metrics.jsonl that is a symlink leading out of the root is left alone.
          const real = await this.catalog.insideOrNull(join(r.dir, METRICS_FILE));
          const s = real === null ? null : await stat(real).catch(() => null);
          if (real !== null && s?.isFile() && s.size > 0) files.push({ real, mtimeMs: s.mtimeMs });
        }
      }
    } catch {
      // A scan racing a writer (a run directory removed mid-scan): the next pass sees the settled state.
      return;
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { real } of files.slice(-this.maxFiles)) {
      if (this.closed) return;
      await warmMetrics(real);
    }
  }
}
