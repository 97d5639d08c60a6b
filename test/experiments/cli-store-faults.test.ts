// `arena run` against the run store's faults, as users meet them: the built CLI
// in child processes. Two processes on one experiment (fresh + fresh, resume +
// resume, --overwrite during a run): the second is refused, naming the
// holder, and the first ends intact; a lock left by a SIGKILLed process is
// taken over; SIGTERM releases the lock. A full disk in one run stops the
// others; a corrupt checkpoint file is reported as what it is.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../experiments/types.js';
import { runNumbers } from './helpers/runs.js';

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'dist', 'bin', 'arena.js');
const root = mkdtempSync(join(tmpdir(), 'arena-cli-faults-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function arena(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `arena` in the background; `exited` resolves with its exit code (or the signal's name) and its output. */
function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<{ code: number | string; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code: code ?? signal!, stdout, stderr })),
  );
  return { child, exited };
}

async function waitFor(what: string, ready: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!ready()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// `Gated-v0`: CliffWalking whose steps wait while the file named by ARENA_TEST_GATE is missing,
// so a run holds its experiment for as long as a test needs. Without the variable it never waits.
writeFileSync(
  join(root, 'gated-env.mjs'),
  `import { existsSync } from 'node:fs';
import { make, register, transformObservation } from ${JSON.stringify(join(repo, 'dist', 'index.js'))};
const gate = process.env.ARENA_TEST_GATE;
const nap = new Int32Array(new SharedArrayBuffer(4));
let open = !gate;
register('Gated-v0', () => transformObservation(make('CliffWalking-v1', { maxEpisodeSteps: null }), (obs) => {
  while (!open) {
    if (existsSync(gate)) open = true;
    else Atomics.wait(nap, 0, 0, 20);
  }
  return obs;
}), { maxEpisodeSteps: 200 });
`,
);

function config(name: string, learningRate: number): string {
  return `name: ${name}
env: Gated-v0
totalSteps: 20000
seeds: [0, 1]
eval: { every: 5000, episodes: 2 }
checkpointEvery: 5000
logEvery: 1000
variants:
  - algorithm: q-learning
    hyperparameters: { learningRate: ${learningRate}, epsilon: 0.1 }
`;
}

/** Every run's numbers in an experiment directory, by `<variant>/<seed>`. */
function experimentNumbers(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const variant of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const seed of readdirSync(join(dir, variant)).sort()) out[`${variant}/${seed}`] = runNumbers(join(dir, variant, seed));
  }
  return out;
}

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
}

const LOCKED = (pid: number, command: string) =>
  new RegExp(`is locked by pid ${pid} on host ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, started \\S+ \\(${command}\\), which is still running; lock file \\S+/arena\\.lock\\. Wait for it to end`);

describe('two arena processes on one experiment', () => {
  writeFileSync(join(root, 'a.yaml'), config('shared', 0.2));
  writeFileSync(join(root, 'b.yaml'), config('shared', 0.5));
  const imports = ['--import', 'gated-env.mjs', '--workers', '2'];

  it('fresh + fresh and --overwrite during a run: the second is refused naming the first; the first ends intact', async () => {
    const reference = arena(['run', 'a.yaml', ...imports, '--runs-dir', 'reference']);
    expect(reference.status).toBe(0);

    const gate = join(root, 'gate-1');
    const exp = join(root, 'r1', 'shared');
    const first = start(['run', 'a.yaml', ...imports, '--runs-dir', 'r1'], { ARENA_TEST_GATE: gate });
    await waitFor('the first run to start', () => existsSync(join(exp, 'q-learning', 'seed-1', 'run.json')));

    const fresh = arena(['run', 'a.yaml', ...imports, '--runs-dir', 'r1']);
    expect(fresh.status).toBe(1);
    expect(fresh.stderr).toMatch(LOCKED(first.child.pid!, `arena run a\\.yaml --import gated-env\\.mjs --workers 2 --runs-dir r1`));
    const overwrite = arena(['run', 'b.yaml', ...imports, '--runs-dir', 'r1', '--overwrite']);
    expect(overwrite.status).toBe(1);
    expect(overwrite.stderr).toMatch(LOCKED(first.child.pid!, `arena run a\\.yaml --import gated-env\\.mjs --workers 2 --runs-dir r1`));

    writeFileSync(gate, '');
    const done = await first.exited;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/2 finished, 0 failed, 0 interrupted/);
    // Everything is the first config's: the experiment, every run's spec, and the numbers of an undisturbed run.
    const experiment = JSON.parse(readFileSync(join(exp, 'experiment.json'), 'utf8')) as { config: { variants: { hyperparameters: Record<string, unknown> }[] } };
    expect(experiment.config.variants[0]!.hyperparameters.learningRate).toBe(0.2);
    for (const seed of [0, 1]) expect(record(join(exp, 'q-learning', `seed-${seed}`))).toMatchObject({ status: 'finished', spec: { hyperparameters: { learningRate: 0.2 } } });
    expect(experimentNumbers(exp)).toEqual(experimentNumbers(join(root, 'reference', 'shared')));
    expect(existsSync(join(exp, 'arena.lock'))).toBe(false);
  }, 180_000);

  it('resume + resume after a SIGKILL: the first resume takes over the stale lock, the second is refused; the result is intact', async () => {
    const gate = join(root, 'gate-2');
    const exp = join(root, 'r2', 'shared');
    const killed = start(['run', 'a.yaml', ...imports, '--runs-dir', 'r2'], { ARENA_TEST_GATE: gate });
    await waitFor('the run to start', () => existsSync(join(exp, 'q-learning', 'seed-1', 'run.json')));
    killed.child.kill('SIGKILL');
    expect((await killed.exited).code).toBe('SIGKILL');
    // The lock is left behind, naming a process that no longer exists.
    expect(JSON.parse(readFileSync(join(exp, 'arena.lock'), 'utf8'))).toMatchObject({ pid: killed.child.pid, host: hostname() });

    const first = start(['run', 'a.yaml', ...imports, '--runs-dir', 'r2', '--resume'], { ARENA_TEST_GATE: gate });
    await waitFor('the resume to take the lock', () => {
      try {
        return (JSON.parse(readFileSync(join(exp, 'arena.lock'), 'utf8')) as { pid: number }).pid === first.child.pid;
      } catch {
        return false;
      }
    });
    const second = arena(['run', 'a.yaml', ...imports, '--runs-dir', 'r2', '--resume']);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(LOCKED(first.child.pid!, 'arena run a\\.yaml --import gated-env\\.mjs --workers 2 --runs-dir r2 --resume'));
    expect(second.stdout).not.toMatch(/resumed/);

    writeFileSync(gate, '');
    const done = await first.exited;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`took over the lock of pid ${killed.child.pid}, which is no longer running`));
    expect(experimentNumbers(exp)).toEqual(experimentNumbers(join(root, 'reference', 'shared')));
    expect(existsSync(join(exp, 'arena.lock'))).toBe(false);
  }, 180_000);

  it('Ctrl-C (the runs stop at their next step) and SIGTERM twice (quit at once) both release the lock', async () => {
    const graceful = join(root, 'r3', 'shared');
    const gate = join(root, 'gate-3');
    const stopped = start(['run', 'a.yaml', ...imports, '--runs-dir', 'r3'], { ARENA_TEST_GATE: gate });
    await waitFor('the run to start', () => existsSync(join(graceful, 'q-learning', 'seed-1', 'run.json')));
    expect(existsSync(join(graceful, 'arena.lock'))).toBe(true);
    stopped.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(gate, '');
    const ended = await stopped.exited;
    expect(ended.code).toBe(1);
    expect(ended.stdout).toMatch(/0 finished, 0 failed, 2 interrupted/);
    expect(existsSync(join(graceful, 'arena.lock'))).toBe(false);

    const abrupt = join(root, 'r4', 'shared');
    const quit = start(['run', 'a.yaml', ...imports, '--runs-dir', 'r4'], { ARENA_TEST_GATE: join(root, 'gate-never') });
    await waitFor('the run to start', () => existsSync(join(abrupt, 'q-learning', 'seed-1', 'run.json')));
    expect(existsSync(join(abrupt, 'arena.lock'))).toBe(true);
    // The first SIGTERM asks the runs to stop (they wait at the gate); the second quits at once.
    quit.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    quit.child.kill('SIGTERM');
    expect((await quit.exited).code).toBe(130);
    expect(existsSync(join(abrupt, 'arena.lock'))).toBe(false);
  }, 120_000);
});

describe('a full disk and a corrupt checkpoint, through worker threads', () => {
  it('a run whose write fails with ENOSPC is marked failed with the path and a hint; the other runs stop cleanly; no temp file is left', () => {
    // An agent whose checkpoint write fails as on a full disk, after leaving a temp file, as writeFile does.
    writeFileSync(
      join(root, 'disk-full.mjs'),
      `import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAgent } from ${JSON.stringify(join(repo, 'dist', 'index.js'))};
registerAgent({
  name: 'test-disk-full', description: 'fails its first checkpoint with ENOSPC (tests)', hyperparameters: {},
  create: (_hp, context) => {
    let steps = 0;
    return {
      algorithm: 'test-disk-full', hyperparameters: {}, context, get stepCount() { return steps; },
      async learn({ env, totalSteps, hooks }) {
        env.reset({ seed: 0 });
        while (steps < totalSteps) {
          const r = env.step(0);
          steps += 1;
          if (r.terminated || r.truncated) env.reset();
          if (hooks?.shouldStop?.({ step: steps })) break;
        }
        return { steps, episodes: 0, seconds: 0 };
      },
      act: () => 0,
      async save(dir) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'weights.bin.tmp'), 'half');
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      },
      dispose: () => {},
    };
  },
  load: () => { throw new Error('never saved'); },
});
`,
    );
    writeFileSync(
      join(root, 'full.yaml'),
      `name: full
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
seeds: 1
variants:
  - name: long
    algorithm: q-learning
    totalSteps: 50000000
    checkpointEvery: 25000000
  - algorithm: test-disk-full
    totalSteps: 4000
    checkpointEvery: 1000
  - name: later
    algorithm: q-learning
    totalSteps: 1000
`,
    );
    const r = arena(['run', 'full.yaml', '--workers', '2', '--import', 'disk-full.mjs']);
    const exp = join(root, 'runs', 'full');
    const failedDir = join(exp, 'test-disk-full', 'seed-0');
    // Paths as given: --runs-dir is relative here.
    const message = `cannot write runs/full/test-disk-full/seed-0/checkpoint.new: no space left on the device (ENOSPC); free some space (or use another --runs-dir), then continue with --resume`;
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/0 finished, 1 failed, 1 interrupted, 1 not started/);
    expect(r.stdout).toContain(`failed: runs/full/test-disk-full/seed-0: ${message}`);
    expect(r.stdout).toContain(`stopped the other runs: ${message}`);
    expect(r.stdout).toMatch(/continue with: arena run full\.yaml --resume/);
    expect(record(failedDir)).toMatchObject({ status: 'failed', error: { message, code: 'ENOSPC', path: 'runs/full/test-disk-full/seed-0/checkpoint.new' } });
    expect(record(join(exp, 'long', 'seed-0')).status).toBe('interrupted');
    expect(existsSync(join(exp, 'later', 'seed-0'))).toBe(false);
    expect(readdirSync(failedDir).filter((n) => n.endsWith('.tmp') || n.startsWith('checkpoint.'))).toEqual([]);
    expect(existsSync(join(exp, 'arena.lock'))).toBe(false);
  }, 120_000);

  it('a corrupt checkpoint/scheduler.json is reported as that file and its parse error, not as a dead worker, also with --workers 0', () => {
    writeFileSync(
      join(root, 'sched.yaml'),
      `name: sched
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 4000
checkpointEvery: 2000
seeds: 1
variants:
  - algorithm: q-learning
`,
    );
    // The run to damage is made without worker threads (--workers 0): its resumes are what is under test.
    expect(arena(['run', 'sched.yaml', '--workers', '0']).status).toBe(0);
    const dir = join(root, 'runs', 'sched', 'q-learning', 'seed-0');
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...record(dir), status: 'interrupted' }));
    // A checkpoint from before checksums (nothing else would notice), with its previous one gone.
    writeFileSync(join(dir, 'checkpoint', 'complete'), '4000\n');
    rmSync(join(dir, 'checkpoint.old'), { recursive: true, force: true });
    writeFileSync(join(dir, 'checkpoint', 'scheduler.json'), '{"step": 40');
    // In this process (--workers 0) and in a worker thread: the same report, and run.json says failed.
    for (const workers of ['0', '1']) {
      const r = arena(['run', 'sched.yaml', '--workers', workers, '--resume']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('failed: runs/sched/q-learning/seed-0: checkpoint damaged: runs/sched/q-learning/seed-0/checkpoint/scheduler.json is unreadable: ');
      expect(r.stdout).not.toMatch(/worker running it died/);
      expect(record(dir)).toMatchObject({ status: 'failed' });
      expect(record(dir).error!.message).toMatch(/scheduler\.json is unreadable: .*JSON/);
    }
  }, 120_000);

  it('a damaged checkpoint file and a cut metrics.jsonl: the resume warns about both, falls back a checkpoint, and compare marks the hole', () => {
    writeFileSync(
      join(root, 'damaged.yaml'),
      `name: damaged
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 6000
checkpointEvery: 2000
seeds: 1
variants:
  - algorithm: q-learning
`,
    );
    // The reference and the run to damage are made without worker threads (--workers 0); the resume goes through one.
    expect(arena(['run', 'damaged.yaml', '--workers', '0', '--runs-dir', 'whole']).status).toBe(0);
    expect(arena(['run', 'damaged.yaml', '--workers', '0']).status).toBe(0);
    const rel = 'runs/damaged/q-learning/seed-0';
    const dir = join(root, rel);
    // As if it had been stopped after its last checkpoint, then damaged: a byte in every 7 of agent.json, and metrics cut to half.
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...record(dir), status: 'interrupted' }));
    const manifest = readFileSync(join(dir, 'checkpoint', 'agent.json'));
    for (let i = 0; i < manifest.length; i += 7) manifest[i] = manifest[i]! ^ 0x20;
    writeFileSync(join(dir, 'checkpoint', 'agent.json'), manifest);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'));
    writeFileSync(join(dir, 'metrics.jsonl'), metrics.subarray(0, metrics.length >> 2));

    const r = arena(['run', 'damaged.yaml', '--workers', '1', '--resume']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`warning: ${rel}: ${rel}/checkpoint/agent\\.json is damaged: its SHA-256 is [0-9a-f]{64}, the checkpoint manifest says [0-9a-f]{64}; resumed from the previous checkpoint at step 4000 instead`));
    expect(r.stdout).toMatch(new RegExp(`warning: ${rel}: ${rel}/metrics\\.jsonl is missing \\d+ line\\(s\\) written before the checkpoint at step 4000 \\(its last line before the checkpoint is at step \\d+\\)`));
    expect(r.stdout).toMatch(/resumed from step 4000/);
    // Apart from the hole, the numbers are those of the run never damaged.
    const whole = runNumbers(join(root, 'whole', 'damaged', 'q-learning', 'seed-0'));
    const resumed = runNumbers(dir);
    expect(resumed.evals).toEqual(whole.evals);
    const gap = record(dir).gaps![0]!;
    const outside = (l: unknown) => (l as { step: number }).step <= gap.afterStep || (l as { step: number }).step > gap.beforeStep;
    expect(resumed.metrics).toEqual(whole.metrics.filter(outside));

    const compared = arena(['compare', 'runs/damaged', '--no-figure']);
    expect(compared.status).toBe(0);
    expect(compared.stdout).toContain(`${dir}: metrics.jsonl: hole after step ${gap.afterStep} up to step 4000: ${gap.missing} line(s) lost before a resume`);
  }, 120_000);
});
