// `arena run` end to end, as a user runs it: the built CLI in a child process
// with worker threads. A run killed with SIGKILL and resumed ends with the same
// numbers as runs never interrupted, whatever the worker count; a run that
// throws, or whose worker dies, does not stop the others.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../../experiments/store.js';
import type { RunRecord } from '../../experiments/types.js';

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'dist', 'bin', 'arena.js');
const root = mkdtempSync(join(tmpdir(), 'arena-cli-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function arena(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// DQN on the default backend (onnx: less than half of wasm's CPU time for these runs): what is under test is
// the process around the runs; that each backend continues exactly after save and load is dqn.test.ts's.
const CONFIG = `
name: dqn-small
env: CartPole-v1
totalSteps: 4000
seeds: [0, 1]
eval: { every: 1000, episodes: 2 }
record: { every: 2000, episodes: 1 }
checkpointEvery: 1000
logEvery: 500
variants:
  - algorithm: dqn
    hyperparameters: { learningStarts: 200, bufferSize: 2000, batchSize: 32, targetUpdateInterval: 200, hidden: [32, 32] }
  - name: dqn-fast-target
    algorithm: dqn
    hyperparameters: { learningStarts: 200, bufferSize: 2000, batchSize: 32, targetUpdateInterval: 50, hidden: [32, 32] }
`;

/** Every run's numbers (metrics, evaluations, recorded episode returns) without wall-clock fields. */
function experimentNumbers(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const variant of readdirSync(dir).filter((n) => !n.endsWith('.json')).sort()) {
    for (const seed of readdirSync(join(dir, variant)).sort()) {
      const run = join(dir, variant, seed);
      const read = (file: string) =>
        parseJsonl<Record<string, unknown>>(readFileSync(join(run, file), 'utf8')).lines.map(({ time: _t, fps: _f, ...rest }) => rest);
      out[`${variant}/${seed}`] = { metrics: read('metrics.jsonl'), eval: read('eval.jsonl'), episodes: read('episodes/index.jsonl') };
    }
  }
  return out;
}

/** Sends `signal` to `child` as soon as one of `runDirs` has a complete checkpoint (killing it after 60 s without one). */
function signalOnCheckpoint(child: ChildProcess, signal: NodeJS.Signals, runDirs: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (runDirs.some((dir) => existsSync(join(dir, 'checkpoint', 'complete')))) {
        clearInterval(poll);
        child.kill(signal);
        resolve();
      } else if (Date.now() - started > 60_000) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error('no checkpoint within 60 s'));
      }
    }, 20);
  });
}

function status(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord).status;
}

describe('arena run', () => {
  it('refuses a bad config before starting any run', () => {
    writeFileSync(join(root, 'bad.yaml'), CONFIG.replace('totalSteps: 4000', 'totalSteps: -5').replace('hidden: [32, 32] }\n  - name', 'hidden: [32, 32], gama: 0.9 }\n  - name'));
    const r = arena(['run', 'bad.yaml', '--runs-dir', 'bad-runs']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/totalSteps/);
    expect(r.stderr).toMatch(/gama/);
    expect(existsSync(join(root, 'bad-runs', 'dqn-small', 'dqn'))).toBe(false);
  });

  it('killed with SIGKILL and resumed, ends with the numbers of an uninterrupted run, on 1 or 2 workers', async () => {
    writeFileSync(join(root, 'dqn-small.yaml'), CONFIG);
    const whole = arena(['run', 'dqn-small.yaml', '--workers', '1', '--runs-dir', 'whole']);
    expect(whole.stderr).toBe('');
    expect(whole.status).toBe(0);
    expect(whole.stdout).toMatch(/4 finished, 0 failed, 0 interrupted/);
    expect(whole.stdout).toMatch(/arena view whole\/dqn-small/);

    // Start on 2 workers and kill the whole process once some run has saved a checkpoint.
    const child = spawn(process.execPath, [cli, 'run', 'dqn-small.yaml', '--workers', '2', '--runs-dir', 'cut'], { cwd: root, stdio: 'ignore' });
    const exp = join(root, 'cut', 'dqn-small');
    await signalOnCheckpoint(child, 'SIGKILL', ['dqn/seed-0', 'dqn/seed-1'].map((r) => join(exp, r)));
    await new Promise((resolve) => child.once('exit', resolve));
    // The run whose checkpoint triggered the kill was still going (the other may not have started yet).
    const killed = ['dqn/seed-0', 'dqn/seed-1'].find((r) => existsSync(join(exp, r, 'checkpoint', 'complete')))!;
    expect(status(join(exp, killed))).toBe('running');
    expect(existsSync(join(exp, 'dqn-fast-target', 'seed-1', 'run.json'))).toBe(false);

    // The refusal counts the runs the killed process left: 1 or 2, depending on whether the second worker had begun.
    const left = ['dqn/seed-0', 'dqn/seed-1', 'dqn-fast-target/seed-0', 'dqn-fast-target/seed-1'].filter((r) => existsSync(join(exp, r, 'run.json'))).length;
    expect(left).toBeGreaterThanOrEqual(1);
    const again = arena(['run', 'dqn-small.yaml', '--workers', '2', '--runs-dir', 'cut']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`already holds ${left} run(s) of this experiment; continue them with --resume, or start over with --overwrite`);

    const resumed = arena(['run', 'dqn-small.yaml', '--workers', '2', '--runs-dir', 'cut', '--resume']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from step \d+/);
    expect(experimentNumbers(exp)).toEqual(experimentNumbers(join(root, 'whole', 'dqn-small')));
    const record = JSON.parse(readFileSync(join(exp, killed, 'run.json'), 'utf8')) as RunRecord;
    expect(record.attempts).toBe(2);

    // Resuming a finished experiment skips every run.
    const done = arena(['run', 'dqn-small.yaml', '--runs-dir', 'cut', '--resume']);
    expect(done.stdout).toMatch(/running 0 run\(s\) .*4 finished run\(s\) skipped/);

    // arena compare: the table, CSV and the figure.
    const compared = arena(['compare', 'cut/dqn-small', '--csv', 'table.csv']);
    expect(compared.status).toBe(0);
    expect(compared.stdout).toMatch(/^variant\s+seeds\s+status\s+final return \[95% CI\]/m);
    expect(compared.stdout).toMatch(/^dqn\s+2\s+2 finished/m);
    expect(compared.stdout).toMatch(/^dqn-fast-target\s+2\s+2 finished/m);
    expect(readFileSync(join(root, 'table.csv'), 'utf8').split('\n')[0]).toMatch(/^experiment,variant,algorithm,seeds,/);
    expect(readFileSync(join(exp, 'curves.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(exp, 'curves.svg'), 'utf8')).toMatch(/dqn-fast-target/);
  }, 240_000);

  it('stops cleanly on Ctrl-C, marking the running runs interrupted', async () => {
    writeFileSync(join(root, 'dqn-small.yaml'), CONFIG);
    const child = spawn(process.execPath, [cli, 'run', 'dqn-small.yaml', '--workers', '2', '--runs-dir', 'stopped'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exp = join(root, 'stopped', 'dqn-small');
    await signalOnCheckpoint(child, 'SIGINT', [join(exp, 'dqn', 'seed-0')]);
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stdout).toMatch(/stopping: runs end at their next step/);
    expect(stdout).toMatch(/continue with: arena run dqn-small.yaml --resume/);
    expect(status(join(exp, 'dqn', 'seed-0'))).toBe('interrupted');
    // Runs never started are left for --resume.
    expect(existsSync(join(exp, 'dqn-fast-target', 'seed-1', 'run.json'))).toBe(false);
  }, 120_000);

  it('keeps going when one run throws and another run\'s worker dies', () => {
    writeFileSync(
      join(root, 'faulty-agents.mjs'),
      `import { registerAgent } from ${JSON.stringify(join(repo, 'dist', 'index.js'))};
function agent(name, fail) {
  registerAgent({
    name, description: 'fails (tests)', hyperparameters: {},
    create: (_hp, context) => ({
      algorithm: name, hyperparameters: {}, context, stepCount: 0,
      async learn() { fail(); },
      act: () => 0, save: async () => {}, dispose: () => {},
    }),
    load: () => { throw new Error('never saved'); },
  });
}
agent('test-throws', () => { throw new Error('simulated failure in learn'); });
agent('test-crashes', () => { process.exit(7); });
`,
    );
    writeFileSync(
      join(root, 'faulty.yaml'),
      `name: faulty
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 3000
seeds: 1
variants:
  - algorithm: test-throws
  - algorithm: test-crashes
  - algorithm: q-learning
    hyperparameters: { learningRate: 0.2, epsilon: 0.1 }
`,
    );
    const r = arena(['run', 'faulty.yaml', '--workers', '2', '--import', 'faulty-agents.mjs']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/1 finished, 2 failed, 0 interrupted/);
    const exp = join(root, 'runs', 'faulty');
    expect(status(join(exp, 'q-learning', 'seed-0'))).toBe('finished');
    const thrown = JSON.parse(readFileSync(join(exp, 'test-throws', 'seed-0', 'run.json'), 'utf8')) as RunRecord;
    expect(thrown.status).toBe('failed');
    expect(thrown.error!.message).toBe('simulated failure in learn');
    expect(thrown.error!.stack).toMatch(/faulty-agents\.mjs/);
    const crashed = JSON.parse(readFileSync(join(exp, 'test-crashes', 'seed-0', 'run.json'), 'utf8')) as RunRecord;
    expect(crashed.status).toBe('failed');
    expect(crashed.error!.message).toMatch(/worker running it died/);
    expect(r.stdout).toMatch(/failed: runs\/faulty\/test-throws\/seed-0: simulated failure in learn/);

    // arena eval on the finished run: deterministic episodes from its checkpoint, recorded for the viewer.
    const evaluated = arena(['eval', 'runs/faulty/q-learning/seed-0', '--episodes', '5', '--record', '2']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.stdout).toMatch(/faulty\/q-learning\/seed-0 at step 3000: 5 deterministic episodes on CliffWalking-v1 \(seed 0\)/);
    expect(evaluated.stdout).toMatch(/mean return -?\d/);
    const index = parseJsonl<{ file: string; source?: string }>(readFileSync(join(exp, 'q-learning', 'seed-0', 'episodes', 'index.jsonl'), 'utf8')).lines;
    const recorded = index.filter((l) => l.source === 'eval');
    expect(recorded.map((l) => l.file)).toEqual(['eval-step-0000003000-seed-0.json', 'eval-step-0000003000-seed-1.json']);
    for (const l of recorded) expect(existsSync(join(exp, 'q-learning', 'seed-0', 'episodes', l.file))).toBe(true);
    const noCheckpoint = arena(['eval', 'runs/faulty/test-throws/seed-0']);
    expect(noCheckpoint.status).toBe(1);
    expect(noCheckpoint.stderr).toMatch(/has no checkpoint yet \(status failed, step 0\)/);
  }, 120_000);

  it('records a run whose worker dies before the run writes anything', () => {
    // The CLI imports the module too (to check the config); only the workers die.
    writeFileSync(join(root, 'dies-on-import.mjs'), "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.exit(3);\n");
    writeFileSync(
      join(root, 'dies.yaml'),
      `name: dies
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 200 } }
totalSteps: 1000
seeds: 1
variants:
  - algorithm: q-learning
`,
    );
    const r = arena(['run', 'dies.yaml', '--workers', '1', '--import', 'dies-on-import.mjs']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/0 finished, 1 failed, 0 interrupted/);
    const record = JSON.parse(readFileSync(join(root, 'runs', 'dies', 'q-learning', 'seed-0', 'run.json'), 'utf8')) as RunRecord;
    expect(record).toMatchObject({ format: 'arena.run/1', status: 'failed', step: 0, spec: { experiment: 'dies', variant: 'q-learning', seed: 0 } });
    expect(record.error!.message).toMatch(/worker running it died/);
  }, 60_000);
});
