// `arena tune --queue` end to end with real processes (build first): a private
// redis-server, `arena worker`s and the coordinator, each in its own temporary
// directory. An ASHA study of tabular Q-learning through the queue, with a
// worker SIGKILLed while it runs a promoted trial and the coordinator
// SIGKILLed mid-study and resumed with --resume --queue, ends with the trials,
// objectives, best.yaml and run numbers of the same study on this process's
// executor.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { envRegistration, register } from '../../core/registry.js';
import type { RedisServer } from '../../experiments/queue/local-server.js';
import { startRedis } from '../../experiments/queue/local-server.js';
import { InProcessExecutor } from '../../experiments/run-experiment.js';
import { parseStudyConfig } from '../../experiments/tune/config.js';
import type { StudyFile } from '../../experiments/tune/study.js';
import { runStudy } from '../../experiments/tune/study.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { SLOW_ENV, cliProcesses, numbers, stopWorkers, waitFor } from './helpers/queue.js';
// @ts-expect-error: a plain JavaScript fixture without types
import { registerSlowEnv } from './fixtures/slow-env.mjs';

registerSlowEnv({ envRegistration, register });

const tempDir = tempDirs('tune-queue');
const { arena, worker } = cliProcesses(tempDir);
const PASSWORD = 'tune-queue-secret-24c1';
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis(tempDir(), PASSWORD);
});
afterAll(async () => {
  await redis?.stop();
});

/** Rungs at 200, 400, 800 and 1600 steps; two seeds per trial, two trials in flight (parallel 4). */
const STUDY = `name: qtune
env: { id: SlowCliffWalking-v1, kwargs: { maxEpisodeSteps: 40 } }
totalSteps: 1600
checkpointEvery: 200
eval: { every: 200, episodes: 1 }
seeds: 2
tune:
  trials: 6
  sampler: random
  seed: 5
  pruner: asha
  eta: 2
  parallel: 4
variants:
  - name: q
    algorithm: q-learning
    search:
      learningRate: { loguniform: [0.05, 1] }
      epsilon: { uniform: [0.01, 0.4] }
`;

const studyFile = (dir: string) => JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as StudyFile;
const trialsOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'trials.json'), 'utf8')) as { trials: unknown[] }).trials;

/** Every trial run's evaluations and metric lines, without wall-clock fields: a lost or doubled piece shows here. */
function runNumbers(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const trial of readdirSync(dir).filter((n) => n.startsWith('trial-')).sort()) {
    for (const seed of readdirSync(join(dir, trial)).sort()) out[`${trial}/${seed}`] = { eval: numbers(join(dir, trial, seed), 'eval.jsonl'), metrics: numbers(join(dir, trial, seed), 'metrics.jsonl') };
  }
  return out;
}

describe('arena tune --queue', () => {
  it('survives a worker killed in a promoted trial and a killed coordinator, to the results of the study run locally', async () => {
    const url = redis.url(1);
    const dir = tempDir();
    writeFileSync(join(dir, 'study.yaml'), STUDY);
    const workers = [worker(url, { lockMs: 3000 }), worker(url, { lockMs: 3000 })];
    const first = arena(['tune', 'study.yaml', '--queue', url, '--import', SLOW_ENV], dir);
    const studyDir = join(dir, 'runs', 'qtune');

    // A promoted trial starts from its rung's checkpoint on one of the workers: that worker is killed at once.
    const promoted = /start {2}qtune\/(trial-\d+\/seed-\d) from step (\d+) \(attempt 1/;
    const [victim, match] = await Promise.race(workers.map((w) => w.when(promoted).then((m) => [w, m] as const)));
    victim.child.kill('SIGKILL');
    await victim.exited;
    const [, killedRun, fromStep] = match as unknown as [string, string, string];
    const spare = worker(url, { lockMs: 3000 });
    const alive = [workers.find((w) => w !== victim)!, spare];

    // The coordinator is killed once a few more results are logged, before the study ends.
    const logged = (): number => {
      try {
        return studyFile(studyDir).jobs.length;
      } catch {
        return 0; // not written yet, or being replaced
      }
    };
    await waitFor('results after the worker was killed', () => logged() >= 6);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(studyFile(studyDir).finished).toBe(false);
    const second = arena(['tune', 'study.yaml', '--queue', url, '--import', SLOW_ENV, '--resume'], dir);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toMatch(/resuming: \d+ result\(s\) from study\.json/);
    await stopWorkers(...alive);

    // The killed worker never ended the promoted run; another worker took it over from a checkpoint at or past its rung's start.
    expect(victim.output().slice(match.index! + match[0].length)).not.toMatch(new RegExp(`end {4}qtune/${killedRun}:`));
    const resumedFrom = alive.map((w) => new RegExp(`start {2}qtune/${killedRun} from step (\\d+) `).exec(w.output())).find((m) => m !== null);
    expect(resumedFrom, alive.map((w) => w.output()).join('\n')).toBeDefined();
    expect(Number(resumedFrom![1])).toBeGreaterThanOrEqual(Number(fromStep));
    // Runs paused at rungs ended as paused jobs.
    expect(alive.map((w) => w.output()).join('')).toMatch(/end {4}qtune\/trial-\d+\/seed-\d: paused at step (200|400|800)\b/);

    // The same study on this process's executor: the same trials, results, table, best.yaml and run numbers.
    const local = await runStudy(parseStudyConfig(STUDY, 'study.yaml'), { runsDir: tempDir(), executor: new InProcessExecutor() });
    expect(local.interrupted).toBe(false);
    expect(local.trials.filter((t) => t.status === 'pruned').length).toBeGreaterThan(0);
    expect(local.trials.filter((t) => t.status === 'complete').length).toBeGreaterThan(0);
    const queued = studyFile(studyDir);
    expect(queued.finished).toBe(true);
    expect(queued.trials).toEqual(studyFile(local.dir).trials);
    expect(queued.jobs).toEqual(studyFile(local.dir).jobs);
    expect(trialsOf(studyDir)).toEqual(trialsOf(local.dir));
    expect(readFileSync(join(studyDir, 'best.yaml'), 'utf8')).toBe(readFileSync(join(local.dir, 'best.yaml'), 'utf8'));
    expect(runNumbers(studyDir)).toEqual(runNumbers(local.dir));
  }, 120_000);
});
