// The worker's side of "everything a run writes goes back through Redis": a
// run executes into a local copy of its directory, and this tailer polls that
// directory and sends what is new as events on the run's stream (recorded
// episodes, JSONL lines, checkpoints, run.json), in an order that keeps the
// coordinator's copy consistent at every point: an episode file before its
// index line, and a checkpoint after every line up to its step.
import { existsSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { CHECKPOINT_DIR, EPISODES_DIR, RUN_FILE } from '../store.js';
import { COMPLETE_MARK, checkpointStep } from '../checkpoint.js';
import type { CheckpointRef, LineCounts, LineFile, RunEvent } from './protocol.js';
import { BLOB_CHUNK, LINES_CHUNK, LINE_FILES, MAX_PENDING_EVENTS, eventFields, keys, packDir, putBlob, sha256 } from './protocol.js';


interface FileTail {
  /** Bytes read so far. */
  offset: number;
  /** Lines read but not sent yet (a send that failed is retried at the next poll). */
  pending: string[];
  /** Lines sent so far (the next line's index in the coordinator's file). */
  sent: number;
  /** Steps of the lines sent since the last checkpoint, oldest first. */
  steps: number[];
  /** Lines up to the last checkpoint's step. */
  covered: number;
}

export class RunTail {
  private readonly files: Map<LineFile, FileTail>;
  private readonly sentEpisodes = new Set<string>();
  private lastRecord: string | null = null;
  private checkpoint: CheckpointRef | null;

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
    private readonly dir: string,
    private readonly token: string,
    /** The checkpoint the run resumed from (its line counts are where the files continue), or null. */
    start: CheckpointRef | null,
  ) {
    this.checkpoint = start;
    this.files = new Map(LINE_FILES.map((f) => [f, { offset: 0, pending: [], sent: start?.counts[f] ?? 0, steps: [], covered: start?.counts[f] ?? 0 }]));
  }

  /** The checkpoint most recently sent (or resumed from). */
  get latestCheckpoint(): CheckpointRef | null {
    return this.checkpoint;
  }

  /**
   * Sends what is new. Returns false without sending when the coordinator is
   * behind by MAX_PENDING_EVENTS (unless `force`, for the last poll of a run,
   * which then waits for it).
   */
  async poll(force = false): Promise<boolean> {
    for (;;) {
      const pending = await this.redis.xlen(keys.events(this.runId));
      if (pending < MAX_PENDING_EVENTS) break;
      // A run the coordinator gave up on (its meta key is gone) is not waited for.
      if (!force || !(await this.wanted())) return false;
      await new Promise((r) => setTimeout(r, 500));
    }
    // The checkpoint's mark first: every line up to its step was written before it, so it is read below.
    const markStep = await this.readMark();
    for (const f of LINE_FILES) await this.readLines(f);
    // Episode files were renamed into place before their index lines were written.
    await this.sendEpisodes();
    for (const f of LINE_FILES) await this.sendLines(f);
    if (markStep !== null && markStep !== this.checkpoint?.step) await this.sendCheckpoint(markStep);
    const recordPath = join(this.dir, RUN_FILE);
    if (existsSync(recordPath)) {
      const text = await readFile(recordPath, 'utf8');
      // A run.json naming a checkpoint not sent yet (its packing met the next swap) waits for it.
      const named = (JSON.parse(text) as { checkpointStep: number | null }).checkpointStep;
      if (text !== this.lastRecord && (named === null || named <= (this.checkpoint?.step ?? -1))) {
        await this.redis.multi().set(keys.record(this.runId), text).xadd(keys.events(this.runId), '*', ...eventFields({ k: 'record', tok: this.token, t: text })).exec();
        this.lastRecord = text;
      }
    }
    return true;
  }

  /** Whether the coordinator still expects this run's output (it deletes the run's meta key when it gives up or ends it). */
  async wanted(): Promise<boolean> {
    return (await this.redis.exists(keys.meta(this.runId))) === 1;
  }

  async send(event: RunEvent): Promise<void> {
    await this.redis.xadd(keys.events(this.runId), '*', ...eventFields(event));
  }

  private async readMark(): Promise<number | null> {
    return checkpointStep(join(this.dir, CHECKPOINT_DIR));
  }

  /** Adds the complete lines appended to `f` since the last poll to its pending lines. */
  private async readLines(f: LineFile): Promise<void> {
    const tail = this.files.get(f)!;
    const path = join(this.dir, f);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return;
    }
    if (size <= tail.offset) return;
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(size - tail.offset);
      await handle.read(buffer, 0, buffer.length, tail.offset);
      const end = buffer.lastIndexOf(10);
      if (end < 0) return;
      tail.offset += end + 1;
      tail.pending.push(...buffer.subarray(0, end).toString('utf8').split('\n'));
    } finally {
      await handle.close();
    }
  }

  /** Sends the pending lines of `f` in entries of at most LINES_CHUNK bytes; each leaves the pending list once sent. */
  private async sendLines(f: LineFile): Promise<void> {
    const tail = this.files.get(f)!;
    while (tail.pending.length > 0) {
      let n = 0;
      let bytes = 0;
      while (n < tail.pending.length && (n === 0 || bytes + tail.pending[n]!.length < LINES_CHUNK)) bytes += tail.pending[n++]!.length + 1;
      const batch = tail.pending.slice(0, n);
      await this.send({ k: 'lines', tok: this.token, f, i: tail.sent, t: `${batch.join('\n')}\n` });
      tail.pending.splice(0, n);
      tail.sent += n;
      for (const line of batch) tail.steps.push((JSON.parse(line) as { step: number }).step);
    }
  }

  private async sendEpisodes(): Promise<void> {
    const dir = join(this.dir, EPISODES_DIR);
    if (!existsSync(dir)) return;
    for (const name of (await readdir(dir)).sort()) {
      if (!name.endsWith('.json') || this.sentEpisodes.has(name)) continue;
      const data = await readFile(join(dir, name));
      const p = `${EPISODES_DIR}/${name}`;
      for (let o = 0; o < data.length || o === 0; o += BLOB_CHUNK) {
        await this.send({ k: 'file', tok: this.token, p, o, n: data.length, d: data.subarray(o, Math.min(data.length, o + BLOB_CHUNK)) });
        if (data.length === 0) break;
      }
      this.sentEpisodes.add(name);
    }
  }

  /** Packs the checkpoint (retrying at the next poll if the run swapped it meanwhile), stores it and announces it. */
  private async sendCheckpoint(step: number): Promise<void> {
    let packed: Buffer;
    try {
      packed = await packDir(join(this.dir, CHECKPOINT_DIR), COMPLETE_MARK);
    } catch {
      return;
    }
    if ((await this.readMark()) !== step) return;
    const counts = {} as LineCounts;
    for (const f of LINE_FILES) {
      const tail = this.files.get(f)!;
      let n = 0;
      while (n < tail.steps.length && tail.steps[n]! <= step) n++;
      tail.covered += n;
      tail.steps.splice(0, n);
      counts[f] = tail.covered;
    }
    const ref: CheckpointRef = { step, blob: `${this.runId}-${step}-${this.token.slice(0, 8)}`, size: packed.length, sha256: sha256(packed), counts };
    await putBlob(this.redis, ref.blob, packed);
    const previous = this.checkpoint;
    await this.redis
      .multi()
      .set(keys.checkpoint(this.runId), JSON.stringify(ref))
      .xadd(keys.events(this.runId), '*', ...eventFields({ k: 'ckpt', tok: this.token, ref }))
      .exec();
    this.checkpoint = ref;
    // The coordinator skips a checkpoint event whose blob is gone: a newer one follows it.
    if (previous && previous.blob !== ref.blob) await this.redis.del(keys.blob(previous.blob));
  }
}
