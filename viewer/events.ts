// Live updates: while any browser listens on /api/events (server-sent
// events), the files of every run are polled (size and mtime, every ~1 s) and
// a change is announced as a `run` event naming the run and the files that
// changed; experiments or runs appearing or going away are a `catalog` event.
// Polling rather than fs.watch: the run store is written by other processes,
// possibly on network storage, where watch events are unreliable, and a stat
// per file per second is cheap.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Response } from 'express';
import { EPISODES_DIR, EPISODE_INDEX_FILE, EVAL_FILE, EXPERIMENT_FILE, METRICS_FILE, RUN_FILE } from '../experiments/store.js';
import type { ViewerEvent } from './api-types.js';
import type { Catalog } from './catalog.js';

/** The files of a run whose changes are announced, by the name events use. */
const WATCHED: readonly [string, string][] = [
  ['run.json', RUN_FILE],
  ['metrics.jsonl', METRICS_FILE],
  ['eval.jsonl', EVAL_FILE],
  ['episodes', join(EPISODES_DIR, EPISODE_INDEX_FILE)],
];

/** Comments sent this often keep proxies and browsers from dropping an idle stream. */
const HEARTBEAT_MS = 15_000;

async function fingerprint(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

export class EventHub {
  private readonly clients = new Set<Response>();
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Last fingerprints: run key -> file name -> size:mtime; plus the catalog's shape. */
  private seen: Map<string, Map<string, string>> | null = null;
  private shape = '';
  private polling = false;
  /** Resolvers of polled(): called when the next poll that starts after them has finished. */
  private pollWaiters: (() => void)[] = [];

  constructor(
    private readonly catalog: Catalog,
    private readonly intervalMs: number,
  ) {}

  /** Adds a browser's event stream; it is removed when the connection closes. */
  add(res: Response): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 2000\n: connected\n\n`);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.start();
  }

  private start(): void {
    if (this.timer) return;
    this.seen = null;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
  }

  /** Ends every stream and stops polling. */
  close(): void {
    this.stop();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private send(event: ViewerEvent): void {
    const text = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const c of this.clients) c.write(text);
  }

  /**
   * Resolves once a poll that starts after this call has finished (its fingerprints recorded and its events
   * sent); polls run only while a stream is open.
   */
  polled(): Promise<void> {
    return new Promise((resolve) => this.pollWaiters.push(resolve));
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const waiters = this.pollWaiters;
    this.pollWaiters = [];
    try {
      const snapshot = await this.catalog.snapshot(0);
      const now = new Map<string, Map<string, string>>();
      const shape: string[] = [];
      for (const e of snapshot.experiments) {
        shape.push(`${e.name}:${e.dir ? await fingerprint(join(e.dir, EXPERIMENT_FILE)) : ''}`);
        for (const r of e.runs) {
          const key = JSON.stringify([r.experiment, r.variant, r.seed]);
          // A run only planned has no files to watch; its first run.json changes the shape (planned -> on disk).
          if (r.planned) {
            shape.push(`${key} planned`);
            continue;
          }
          shape.push(key);
          const files = new Map<string, string>();
          if (r.dir === null) files.set('episode', await fingerprint(snapshot.episodeFile!));
          else for (const [name, rel] of WATCHED) files.set(name, await fingerprint(join(r.dir, rel)));
          now.set(key, files);
        }
      }
      const shapeKey = shape.join('\n');
      if (this.seen !== null) {
        if (shapeKey !== this.shape) this.send({ type: 'catalog' });
        for (const [key, files] of now) {
          const before = this.seen.get(key);
          const changed = [...files].filter(([name, fp]) => before !== undefined && before.get(name) !== fp).map(([name]) => name);
          if (changed.length > 0) {
            const [experiment, variant, seed] = JSON.parse(key) as [string, string, string];
            this.send({ type: 'run', run: { experiment, variant, seed }, files: changed });
          }
        }
      }
      this.seen = now;
      this.shape = shapeKey;
    } catch {
      // A scan racing a writer (a directory removed mid-scan): the next poll sees the settled state.
    } finally {
      this.polling = false;
      for (const resolve of waiters) resolve();
    }
  }
}
