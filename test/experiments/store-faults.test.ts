// Faults of the run store, in process: damaged checkpoints (checksums, the
// fallback to the previous one, old checkpoints without checksums), diverged
// training (non-finite losses and weights), a metrics file cut short before a
// resume, a corrupt scheduler.json or run.json, a read-only or full file
// system, and the experiment lock's own rules.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import type { Agent } from '../../agents/agent.js';
import { registerAgent } from '../../agents/agent.js';
import { MODEL_FORMAT } from '../../agents/lib/nets.js';
import { compareRuns } from '../../experiments/compare.js';
import { formatTable } from '../../experiments/comparison-format.js';
import { loadRuns } from '../../experiments/load-runs.js';
import { parseExperimentConfig } from '../../experiments/config.js';
import { ExperimentLockedError, LOCK_FILE, acquireExperimentLock } from '../../experiments/lock.js';
import { findIntactCheckpoint } from '../../experiments/checkpoint.js';
import { executeRun } from '../../experiments/execute-run.js';
import { JsonlWriter } from '../../experiments/store.js';
import type { Executor } from '../../experiments/run-experiment.js';
import { InProcessExecutor, runExperiment } from '../../experiments/run-experiment.js';
import type { PlannedRun, RunRecord, RunSpec, UpdateLine } from '../../experiments/types.js';
import { runNumbers, qLearningSpec } from './helpers/runs.js';

const root = mkdtempSync(join(tmpdir(), 'arena-store-faults-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(root, { recursive: true, force: true });
});

function spec(overrides: Partial<RunSpec> = {}): RunSpec {
  return qLearningSpec('faults', overrides);
}

let count = 0;
function planned(s: RunSpec): PlannedRun {
  return { spec: s, dir: join(root, `run-${count++}`) };
}

function runRecord(dir: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
}

/** Runs `run` until `steps` env steps (single env), so that its last checkpoints are the ones before. */
async function runUntil(run: PlannedRun, steps: number): Promise<void> {
  let n = 0;
  const outcome = await executeRun(run, { control: { shouldStop: () => ++n >= steps } });
  expect(outcome.status).toBe('interrupted');
}

/** Overwrites every 7th byte of a file (same size), as a failing disk or a careless edit would. */
function damage(path: string): void {
  const bytes = readFileSync(path);
  for (let i = 0; i < bytes.length; i += 7) bytes[i] = bytes[i]! ^ 0x5a;
  writeFileSync(path, bytes);
}

/** Whether this process may mount a tmpfs (root in a container that allows it). */
function canMount(): boolean {
  const probe = join(root, 'probe-mount');
  mkdirSync(probe, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
  if (r.status !== 0) return false;
  spawnSync('umount', [probe]);
  return true;
}

describe('checkpoints', () => {
  it('a damaged file fails its checksum; the run resumes from the previous checkpoint and ends with the numbers of a run never damaged', async () => {
    const whole = planned(spec());
    expect((await executeRun(whole)).status).toBe('finished');
    const cut = planned(spec());
    await runUntil(cut, 4500);
    // The latest checkpoint (4000) and the one before it (2000) are both there.
    expect(readdirSync(cut.dir).filter((n) => n.startsWith('checkpoint')).sort()).toEqual(['checkpoint', 'checkpoint.old']);
    const tables = readdirSync(join(cut.dir, 'checkpoint')).filter((n) => n.endsWith('.f64') || n.endsWith('.bin') || n.endsWith('.f32'));
    expect(tables.length).toBeGreaterThan(0);
    damage(join(cut.dir, 'checkpoint', tables[0]!));
    // `arena eval` looks without moving anything: it takes the previous checkpoint and says why.
    const forEval = await findIntactCheckpoint(cut.dir);
    expect(forEval).toMatchObject({ dir: join(cut.dir, 'checkpoint.old'), step: 2000 });
    expect(forEval!.warnings[0]).toMatch(/is damaged: its SHA-256 is .*; using the previous checkpoint at step 2000$/);
    expect(existsSync(join(cut.dir, 'checkpoint', tables[0]!))).toBe(true);

    const resumed = await executeRun(cut, { resume: true });
    expect(resumed.status).toBe('finished');
    expect(resumed.resumedFrom).toBe(2000);
    expect(resumed.warnings).toHaveLength(1);
    expect(resumed.warnings![0]).toContain(`${join(cut.dir, 'checkpoint', tables[0]!)} is damaged: its SHA-256 is`);
    expect(resumed.warnings![0]).toMatch(/resumed from the previous checkpoint at step 2000 instead \(the damaged one is kept in .*checkpoint\.corrupt\)/);
    expect(runRecord(cut.dir).warnings).toEqual(resumed.warnings);
    expect(existsSync(join(cut.dir, 'checkpoint.corrupt', tables[0]!))).toBe(true);
    expect(runNumbers(cut.dir)).toEqual(runNumbers(whole.dir));
  });

  it('with no intact checkpoint left, the run fails naming the damaged file (and changes nothing else)', async () => {
    const run = planned(spec());
    await runUntil(run, 4500);
    damage(join(run.dir, 'checkpoint', 'agent.json'));
    damage(join(run.dir, 'checkpoint.old', 'agent.json'));
    const before = runNumbers(run.dir);
    await expect(findIntactCheckpoint(run.dir)).rejects.toThrow(/^checkpoint damaged: .*checkpoint\/agent\.json is damaged/);
    const outcome = await executeRun(run, { resume: true });
    expect(outcome.status).toBe('failed');
    expect(outcome.error!.message).toMatch(/^checkpoint damaged: .*checkpoint\/agent\.json is damaged: its SHA-256 is [0-9a-f]{64}, the checkpoint manifest says [0-9a-f]{64} \(and the previous checkpoint: .*checkpoint\.old\/agent\.json is damaged/);
    expect(outcome.error!.message).toMatch(/no intact checkpoint to resume from\. Restore the file, or delete .* to start this run over/);
    expect(runRecord(run.dir)).toMatchObject({ status: 'failed', checkpointStep: 4000, error: { message: outcome.error!.message } });
    expect(runNumbers(run.dir)).toEqual(before);
  });

  it('a checkpoint from before checksums (manifest "<step>\\n") still resumes, to the same numbers', async () => {
    const whole = planned(spec());
    await executeRun(whole);
    const old = planned(spec());
    await runUntil(old, 4500);
    writeFileSync(join(old.dir, 'checkpoint', 'complete'), '4000\n');
    rmSync(join(old.dir, 'checkpoint.old'), { recursive: true });
    const resumed = await executeRun(old, { resume: true });
    expect(resumed).toMatchObject({ status: 'finished', resumedFrom: 4000 });
    expect(resumed.warnings).toBeUndefined();
    expect(runNumbers(old.dir)).toEqual(runNumbers(whole.dir));
    // The checkpoints written since carry checksums.
    expect(JSON.parse(readFileSync(join(old.dir, 'checkpoint', 'complete'), 'utf8'))).toMatchObject({ format: 'arena.checkpoint/2', step: 6000 });
  });

  it('a DQN checkpoint from before checksums with a NaN in a weights file fails the resume, naming the file', async () => {
    const run = planned(
      spec({
        algorithm: 'dqn',
        hyperparameters: { learningStarts: 100, bufferSize: 1000, hidden: [8] },
        env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] },
        totalSteps: 1000,
        checkpointEvery: 500,
        eval: { every: 0, episodes: 1 },
        record: { every: 0, episodes: 1, deterministic: true },
      }),
    );
    await runUntil(run, 750);
    const checkpoint = join(run.dir, 'checkpoint');
    writeFileSync(join(checkpoint, 'complete'), '500\n');
    rmSync(join(run.dir, 'checkpoint.old'), { recursive: true, force: true });
    const weights = readdirSync(checkpoint).filter((n) => n.endsWith('.weights.bin')).sort()[0]!;
    const bytes = readFileSync(join(checkpoint, weights));
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    values[3] = NaN;
    writeFileSync(join(checkpoint, weights), new Uint8Array(values.buffer));
    const outcome = await executeRun(run, { resume: true });
    expect(outcome.status).toBe('failed');
    expect(outcome.error!.message).toContain(`non-finite weights in the checkpoint: ${join(checkpoint, weights)} (net ${weights.replace('.weights.bin', '')}) holds 1 NaN or infinite value(s), the first at index 3 (a damaged file, or a run that diverged before checksums)`);
  }, 60_000);

  it('a corrupt scheduler.json is reported as that file and its parse error, and run.json says failed (--workers 0)', async () => {
    const config = parseExperimentConfig(
      `name: sched
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 6000
seeds: [0, 1]
checkpointEvery: 2000
variants:
  - algorithm: q-learning
`,
      'sched.yaml',
    );
    const runsDir = join(root, 'sched-runs');
    const first = await runExperiment(config, { runsDir, executor: stoppingExecutor(4500) });
    expect(first.runs.map((r) => r.outcome?.status)).toEqual(['interrupted', 'interrupted']);
    const dir = first.runs[0]!.run.dir;
    // A checkpoint from before checksums, with no previous one: nothing to fall back on.
    writeFileSync(join(dir, 'checkpoint', 'complete'), '4000\n');
    rmSync(join(dir, 'checkpoint.old'), { recursive: true });
    writeFileSync(join(dir, 'checkpoint', 'scheduler.json'), '{ "step": 4000, "nextEval": ');
    const resumed = await runExperiment(config, { runsDir, executor: new InProcessExecutor(), resume: true });
    const [bad, good] = resumed.runs.map((r) => r.outcome!);
    expect(bad!.status).toBe('failed');
    expect(bad!.error!.message).toContain(`${join(dir, 'checkpoint', 'scheduler.json')} is unreadable: `);
    expect(bad!.error!.message).toMatch(/JSON/);
    expect(bad!.error!.message).not.toMatch(/worker/);
    expect(runRecord(dir)).toMatchObject({ status: 'failed', error: { message: bad!.error!.message } });
    expect(good!.status).toBe('finished');
  });
});

/** Runs in this process, one at a time, stopping every run once `limit` env steps were taken in all. */
function stoppingExecutor(limit: number): Executor {
  let steps = 0;
  return {
    concurrency: 1,
    execute: (run, resume) => executeRun(run, { resume, control: { shouldStop: () => ++steps >= limit } }),
    stop: () => undefined,
    close: async () => undefined,
  };
}

describe('diverged training', () => {
  /** An agent on CliffWalking that reports `metrics(step)` every 100 steps and saves what `save` writes. */
  function fakeAgent(name: string, metrics: (step: number) => Record<string, number>, save: (dir: string) => Promise<void> = async () => {}): void {
    registerAgent({
      name,
      description: 'reports chosen update metrics (tests)',
      hyperparameters: {},
      create: (_hp, context): Agent => {
        let steps = 0;
        return {
          algorithm: name,
          hyperparameters: {},
          context,
          get stepCount() {
            return steps;
          },
          async learn({ env, totalSteps, hooks }) {
            env!.reset({ seed: 0 });
            while (steps < totalSteps) {
              const r = env!.step(0);
              steps += 1;
              if (r.terminated || r.truncated) env!.reset();
              if (steps % 100 === 0) hooks?.onUpdate?.({ step: steps, metrics: metrics(steps) });
              if (hooks?.shouldStop?.({ step: steps })) break;
            }
            return { steps, episodes: 0, seconds: 0 };
          },
          act: () => 0,
          save: async (dir) => {
            await mkdir(dir, { recursive: true });
            await save(dir);
          },
          dispose: () => {},
        };
      },
      load: () => {
        throw new Error('not loadable');
      },
    });
  }

  it('a non-finite loss fails the run with the step and the metric; a metric undefined for an update is counted, not dropped', async () => {
    fakeAgent('test-nan-loss', (step) => ({ valueLoss: step >= 700 ? NaN : 1, explainedVariance: step === 300 ? NaN : 0.5 }));
    const run = planned(spec({ algorithm: 'test-nan-loss', hyperparameters: {}, eval: { every: 0, episodes: 1 }, logEvery: 500 }));
    const outcome = await executeRun(run);
    expect(outcome.status).toBe('failed');
    expect(outcome.error!.message).toMatch(/^training diverged at step 700: metric "valueLoss" is NaN; the run stops here/);
    expect(runRecord(run.dir)).toMatchObject({ status: 'failed', error: { message: outcome.error!.message } });
    const updates = (runNumbers(run.dir).metrics as UpdateLine[]).filter((l) => l.type === 'update');
    expect(updates[0]!.metrics).toEqual({ valueLoss: 1, explainedVariance: 0.5, 'explainedVariance.nonFinite': 1 });
  });

  it('a checkpoint of a net with non-finite weights fails the run, naming the file and the step', async () => {
    fakeAgent(
      'test-nan-weights',
      () => ({ loss: 1 }),
      async (dir) => {
        await writeFile(join(dir, 'agent.json'), '{}');
        await writeFile(join(dir, 'actor.json'), JSON.stringify({ format: MODEL_FORMAT, sizes: [2, 2], activation: 'tanh', weightsFile: 'actor.weights.bin', weights: [] }));
        await writeFile(join(dir, 'actor.weights.bin'), new Uint8Array(new Float32Array([0.5, Infinity, NaN, 1]).buffer));
      },
    );
    const run = planned(spec({ algorithm: 'test-nan-weights', hyperparameters: {}, eval: { every: 0, episodes: 1 } }));
    const outcome = await executeRun(run);
    expect(outcome.status).toBe('failed');
    expect(outcome.error!.message).toBe(
      `non-finite weights at step 2000: ${join(run.dir, 'checkpoint.new', 'actor.weights.bin')} (net actor) holds 2 NaN or infinite value(s), the first at index 1; training diverged (try a lower learning rate or gradient clipping)`,
    );
    // The refused checkpoint is not left half-made.
    expect(existsSync(join(run.dir, 'checkpoint.new'))).toBe(false);
  });
});

describe('a metrics file cut short before a resume', () => {
  it('the resume reports the hole, run.json records it, and compare notes it under the table', async () => {
    const run = planned(spec());
    await runUntil(run, 4500);
    const metricsPath = join(run.dir, 'metrics.jsonl');
    const lines = readFileSync(metricsPath, 'utf8').split('\n').length - 1;
    // Cut to a third, mid-line, as a full disk or a careless edit would.
    truncateSync(metricsPath, Math.floor(readFileSync(metricsPath).length / 3) + 5);
    const resumed = await executeRun(run, { resume: true });
    expect(resumed.status).toBe('finished');
    expect(resumed.warnings).toHaveLength(1);
    const record = runRecord(run.dir);
    expect(record.gaps).toHaveLength(1);
    const gap = record.gaps![0]!;
    expect(gap).toMatchObject({ file: 'metrics.jsonl', beforeStep: 4000 });
    expect(gap.afterStep).toBeGreaterThan(0);
    expect(gap.afterStep).toBeLessThan(4000);
    expect(gap.missing).toBeGreaterThan(lines / 3);
    expect(resumed.warnings![0]).toBe(
      `${metricsPath} is missing ${gap.missing} line(s) written before the checkpoint at step 4000 (its last line before the checkpoint is at step ${gap.afterStep}): the file was cut or edited; the run continues from step 4000, and steps ${gap.afterStep + 1}-4000 stay a hole in its curves (recorded in run.json "gaps")`,
    );
    // The lines after the checkpoint are all there: the hole is only the cut part.
    const steps = (runNumbers(run.dir).metrics as { step: number }[]).map((l) => l.step);
    expect(steps.filter((s) => s > gap.afterStep && s <= 4000)).toEqual([]);
    expect(steps.at(-1)).toBeGreaterThan(5500);

    const table = formatTable(compareRuns(await loadRuns([run.dir]), { x: 'steps' }));
    expect(table).toContain(`${run.dir}: metrics.jsonl: hole after step ${gap.afterStep} up to step 4000: ${gap.missing} line(s) lost before a resume`);

    // Reported once: a later resume of the same run finds no new hole.
    const again = await executeRun(run, { resume: true });
    expect(again.warnings).toBeUndefined();
  });
});

describe('run.json and the file system', () => {
  const CONFIG = `name: store
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 2000
seeds: [0, 1]
variants:
  - algorithm: q-learning
`;

  it('one corrupt run.json does not block --resume of the others; it is left alone, with what to do', async () => {
    const config = parseExperimentConfig(CONFIG, 'store.yaml');
    const runsDir = join(root, 'corrupt-record');
    const first = await runExperiment(config, { runsDir, executor: new InProcessExecutor() });
    const [a, b] = first.runs.map((r) => r.run.dir);
    writeFileSync(join(a!, 'run.json'), '{ "format": "arena.run/1", "status": "runn');
    // The other run was interrupted (so that the resume has something to do).
    writeFileSync(join(b!, 'run.json'), JSON.stringify({ ...runRecord(b!), status: 'interrupted' }));
    const resumed = await runExperiment(config, { runsDir, executor: new InProcessExecutor(), resume: true });
    const [bad, good] = resumed.runs.map((r) => r.outcome!);
    expect(good!.status).toBe('finished');
    expect(bad!.status).toBe('failed');
    expect(bad!.error!.message).toMatch(new RegExp(`^${escape(join(a!, 'run.json'))} is not valid JSON: .*; this run was not resumed \\(the others were\\): move ${escape(join(a!, 'run.json'))} away to resume it from its checkpoint, or delete ${escape(a!)} to start it over$`));
    expect(readFileSync(join(a!, 'run.json'), 'utf8')).toBe('{ "format": "arena.run/1", "status": "runn');
  });

  it('a new experiment on a read-only file system names the path and the cause, not ENOENT', async () => {
    const config = parseExperimentConfig(CONFIG, 'store.yaml');
    const ro = join(root, 'read-only');
    mkdirSync(ro);
    let expected: RegExp;
    if (canMount()) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', ro]);
      mounts.push(ro);
      expected = /read-only file system \(EROFS\); write the runs to a writable place with --runs-dir/;
    } else {
      chmodSync(ro, 0o555); // without root, a directory we may not write to
      expected = /permission denied \(EACCES\)/;
    }
    const runsDir = join(ro, 'runs');
    const failed = runExperiment(config, { runsDir, executor: new InProcessExecutor() });
    await expect(failed).rejects.toThrow(new RegExp(`^cannot create ${escape(join(runsDir, 'store'))} \\(at ${escape(runsDir)}\\): `));
    await expect(failed).rejects.toThrow(expected);
  });

  // A real full disk needs a tmpfs mount (root); cli-store-faults.test.ts injects ENOSPC everywhere.
  it.runIf(canMount())('a full disk (a tiny tmpfs) fails the run with the path and a hint, does not start the others, and leaves no temp files', async () => {
    const small = join(root, 'full');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
    mounts.push(small);
    // DQN's checkpoint holds its replay buffer's filled rows, 42 bytes each on CartPole: 336 kB at step 8000.
    const config = parseExperimentConfig(
      `name: full
env: CartPole-v1
totalSteps: 8000
seeds: [0, 1]
checkpointEvery: 2000
eval: { every: 4000, episodes: 1 }
backend: wasm
variants:
  - algorithm: dqn
    hyperparameters: { learningStarts: 100, bufferSize: 10000, trainFreq: 16, hidden: [8] }
`,
      'full.yaml',
    );
    const outcome = await runExperiment(config, { runsDir: small, executor: new InProcessExecutor() });
    const [first, second] = outcome.runs;
    expect(first!.outcome!.status).toBe('failed');
    expect(first!.outcome!.error!.code).toBe('ENOSPC');
    expect(first!.outcome!.error!.message).toMatch(new RegExp(`^cannot write ${escape(first!.run.dir)}/checkpoint\\.new(/.*)?: no space left on the device \\(ENOSPC\\); free some space \\(or use another --runs-dir\\), then continue with --resume$`));
    expect(outcome.storageFailure).toMatchObject({ code: 'ENOSPC', run: first!.run });
    expect(second!.outcome).toBeNull(); // not started
    expect(runRecord(first!.run.dir)).toMatchObject({ status: 'failed', error: { code: 'ENOSPC' } });
    expect(readdirSync(first!.run.dir).filter((n) => n.endsWith('.tmp') || n === 'checkpoint.new')).toEqual([]);
    expect(existsSync(join(small, 'full', LOCK_FILE))).toBe(false);
  }, 60_000);
});

describe('JSONL lines on a full disk', () => {
  it.runIf(canMount())('on a full disk, a JSONL line that only partly fits is cut back off: no torn line, and the error names the file', () => {
    const small = join(root, 'full-jsonl');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    mounts.push(small);
    const path = join(small, 'metrics.jsonl');
    const writer = new JsonlWriter(path);
    writer.append({ step: 1 });
    // Fill the rest of the file system (the metrics file keeps its one page, mostly empty).
    expect(() => writeFileSync(join(small, 'filler'), Buffer.alloc(128 * 1024))).toThrow(/ENOSPC/);
    let thrown: NodeJS.ErrnoException | undefined;
    try {
      writer.append({ step: 2, text: 'x'.repeat(6000) });
    } catch (e) {
      thrown = e as NodeJS.ErrnoException;
    }
    writer.close();
    expect(thrown?.code).toBe('ENOSPC');
    expect(thrown?.path).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n');
  });

});

describe('the experiment lock', () => {
  it('is exclusive, names its holder, and is released only by its holder', () => {
    const dir = join(root, 'lock-exclusive');
    mkdirSync(dir);
    const lock = acquireExperimentLock(dir, 'arena run a.yaml');
    const text = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
    expect(text).toMatchObject({ pid: process.pid, host: hostname(), command: 'arena run a.yaml' });
    expect(() => acquireExperimentLock(dir, 'arena run b.yaml')).toThrow(ExperimentLockedError);
    expect(() => acquireExperimentLock(dir, 'arena run b.yaml')).toThrow(
      `${dir} is locked by pid ${process.pid} on host ${hostname()}, started ${lock.holder.startedAt} (arena run a.yaml), which is still running; lock file ${join(dir, LOCK_FILE)}`,
    );
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // A release after someone else took the lock leaves theirs alone.
    const second = acquireExperimentLock(dir, 'arena run b.yaml');
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    second.release();
  });

  it('a lock left by a dead process on this host (or whose pid was reused) is stale and taken over; one from another host is not', () => {
    const dir = join(root, 'lock-stale');
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout.trim());
    const stale = { pid: deadPid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'arena run killed.yaml' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
    const lock = acquireExperimentLock(dir, 'arena run again.yaml');
    expect(lock.tookOverFrom).toEqual(stale);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();

    // A pid now used by another process (here: this one, which started at another time than the lock says).
    if (existsSync('/proc/self/stat')) {
      const reused = { ...stale, pid: process.pid, processStart: '1' };
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(reused));
      const again = acquireExperimentLock(dir, 'arena run again.yaml');
      expect(again.tookOverFrom).toEqual(reused);
      again.release();
    }

    const remote = { ...stale, host: `not-${hostname()}` };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(remote));
    expect(() => acquireExperimentLock(dir, 'arena run again.yaml')).toThrow(
      `${dir} is locked by pid ${deadPid} on host not-${hostname()}, started 2026-01-01T00:00:00.000Z (arena run killed.yaml); lock file ${join(dir, LOCK_FILE)}. Wait for it to end; if that process is gone (it ran on another host, so this one cannot check), delete the lock file`,
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
