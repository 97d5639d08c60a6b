// One run into its directory: the files it writes, schedules that do not
// perturb training, exact resume from a checkpoint, and failures recorded.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { registerAgent } from '../../agents/agent.js';
import type { Agent } from '../../agents/agent.js';
import { validateEpisodeRecord } from '../../core/episode.js';
import { executeRun, findCheckpoint, segmentEnds } from '../../experiments/execute-run.js';
import { parseJsonl } from '../../experiments/store.js';
import type { EpisodeIndexLine, EvalLine, MetricsLine, PlannedRun, RunRecord, RunSpec } from '../../experiments/types.js';
import { runNumbers, qLearningSpec } from './helpers/runs.js';

const root = mkdtempSync(join(tmpdir(), 'arena-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function spec(overrides: Partial<RunSpec>): RunSpec {
  return qLearningSpec('test', overrides);
}

let count = 0;
function planned(s: RunSpec): PlannedRun {
  return { spec: s, dir: join(root, `run-${count++}`) };
}

function lines<T>(dir: string, file: string): T[] {
  const path = join(dir, file);
  return existsSync(path) ? parseJsonl<T>(readFileSync(path, 'utf8')).lines : [];
}

const numbers = runNumbers;

function runRecord(dir: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
}

describe('segments', () => {
  it('end at every checkpoint and at the budget', () => {
    expect(segmentEnds({ checkpointEvery: 2000, totalSteps: 6000 })).toEqual([2000, 4000, 6000]);
    expect(segmentEnds({ checkpointEvery: 2500, totalSteps: 6000 })).toEqual([2500, 5000, 6000]);
    expect(segmentEnds({ checkpointEvery: 0, totalSteps: 6000 })).toEqual([6000]);
  });
});

describe('executeRun', () => {
  it('writes run.json, metrics, evaluations on schedule, recorded episodes and a checkpoint', async () => {
    const run = planned(spec({ totalSteps: 30_000, eval: { every: 5000, episodes: 2 }, record: { every: 15_000, episodes: 1, deterministic: true }, checkpointEvery: 10_000, logEvery: 2500 }));
    const outcome = await executeRun(run);
    expect(outcome.status).toBe('finished');
    expect(outcome.step).toBe(30_000);
    const record = runRecord(run.dir);
    expect(record).toMatchObject({ format: 'arena.run/1', status: 'finished', step: 30_000, checkpointStep: 30_000, attempts: 1, spec: run.spec });
    expect(record.package.name).toBe('arena-rl');
    expect(record.endedAt).toBeDefined();

    const evals = lines<EvalLine>(run.dir, 'eval.jsonl');
    expect(evals.map((e) => e.step)).toEqual([0, 5000, 10_000, 15_000, 20_000, 25_000, 30_000]);
    for (const e of evals) expect(e.returns).toHaveLength(2);
    // The greedy policy after training walks the cliff edge: -13 (issue 3's check), deterministic episodes agree.
    expect(evals.at(-1)!.mean).toBe(-13);

    const metrics = lines<MetricsLine>(run.dir, 'metrics.jsonl');
    const episodes = metrics.filter((m) => m.type === 'episode');
    const updates = metrics.filter((m) => m.type === 'update');
    expect(episodes.length).toBeGreaterThan(20);
    expect(episodes.at(-1)!.step).toBeLessThanOrEqual(30_000);
    // An update line at the first step at or past each multiple of logEvery (tabular agents update at episode ends).
    expect(updates.length).toBe(12);
    updates.forEach((u, i) => expect(u.step).toBeGreaterThanOrEqual((i + 1) * 2500));
    expect(Object.keys(updates[0]!.type === 'update' ? updates[0]!.metrics : {})).toContain('epsilon');

    const index = lines<EpisodeIndexLine>(run.dir, 'episodes/index.jsonl');
    expect(index.map((l) => l.step)).toEqual([0, 15_000, 30_000]);
    for (const l of index) {
      const episode = JSON.parse(readFileSync(join(run.dir, 'episodes', l.file), 'utf8')) as { frames: unknown[]; return: number; trainingStep: number };
      expect(validateEpisodeRecord(episode)).toEqual([]);
      expect(episode.return).toBe(l.return);
      expect(episode.trainingStep).toBe(l.step);
      expect(episode.frames).toHaveLength(l.length + 1);
    }
    expect(findCheckpoint(run.dir)).toBe(join(run.dir, 'checkpoint'));
  });

  const small = {
    dqn: {
      algorithm: 'dqn',
      hyperparameters: { learningStarts: 200, bufferSize: 2000, batchSize: 32, targetUpdateInterval: 200, trainFreq: 4, hidden: [32, 32] },
      env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] },
      totalSteps: 3000,
      eval: { every: 500, episodes: 2 },
      checkpointEvery: 1000,
      logEvery: 250,
    },
    ppo: {
      algorithm: 'ppo',
      hyperparameters: { nSteps: 64, batchSize: 64, nEpochs: 2, hidden: [32, 32], lrSchedule: 'linear' },
      env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] },
      envs: 4,
      totalSteps: 4096,
      eval: { every: 1024, episodes: 2 },
      checkpointEvery: 1024,
      logEvery: 512,
    },
  } as const;

  for (const [name, overrides] of [['q-learning', {}], ['DQN', small.dqn], ['PPO', small.ppo]] as const) {
    it(`${name}: gives the same training numbers whether or not it evaluates and records along the way`, async () => {
      const base = spec(overrides as Partial<RunSpec>);
      const busy = planned({ ...base, eval: { every: 137, episodes: 2 }, record: { every: 411, episodes: 2, deterministic: true } });
      const quiet = planned({ ...base, eval: { every: 0, episodes: 1 }, record: { every: 0, episodes: 1, deterministic: true } });
      await executeRun(busy);
      await executeRun(quiet);
      const episodesOf = (dir: string) => numbers(dir).metrics.filter((m) => (m as MetricsLine).type === 'episode');
      expect(episodesOf(busy.dir).length).toBeGreaterThan(10);
      expect(episodesOf(busy.dir)).toEqual(episodesOf(quiet.dir));
      expect(numbers(busy.dir).evals.length).toBeGreaterThan(numbers(quiet.dir).evals.length);
    }, 60_000);
  }

  for (const [name, overrides] of [
    ['q-learning on CliffWalking', {}],
    ['DQN on CartPole', small.dqn],
    ['PPO on a vector of 4 CartPoles', small.ppo],
  ] as const) {
    it(`resumed after an interruption, ${name} ends with the same numbers as a run never interrupted`, async () => {
      const s = spec(overrides as Partial<RunSpec>);
      const whole = planned(s);
      const cut = planned(s);
      expect((await executeRun(whole)).status).toBe('finished');
      // Stop in the middle of the second segment: the last checkpoint is the first segment's.
      let steps = 0;
      const stopAt = Math.round(s.checkpointEvery * 1.5);
      const first = await executeRun(cut, { control: { shouldStop: () => ++steps >= stopAt / Math.max(1, s.envs) } });
      expect(first.status).toBe('interrupted');
      expect(runRecord(cut.dir)).toMatchObject({ status: 'interrupted', checkpointStep: s.checkpointEvery });
      const second = await executeRun(cut, { resume: true });
      expect(second).toMatchObject({ status: 'finished', resumedFrom: s.checkpointEvery });
      expect(runRecord(cut.dir)).toMatchObject({ status: 'finished', attempts: 2 });
      const a = numbers(whole.dir);
      const b = numbers(cut.dir);
      expect(b.evals.length).toBeGreaterThan(3);
      expect(b).toEqual(a);
    }, 120_000);
  }

  it('paused at checkpoints (pauseAt) and resumed step by step, a run ends with the same numbers as a run never paused', async () => {
    const s = spec({ totalSteps: 8000, checkpointEvery: 1000 });
    const whole = planned(s);
    const paused = planned(s);
    await executeRun(whole);
    expect(await executeRun(paused, { resume: true, pauseAt: 2000 })).toMatchObject({ status: 'interrupted', step: 2000 });
    expect(runRecord(paused.dir)).toMatchObject({ status: 'interrupted', checkpointStep: 2000, attempts: 1 });
    expect(lines<EvalLine>(paused.dir, 'eval.jsonl').at(-1)!.step).toBe(2000);
    // Asked again to pause at the same point (a study resumed after the pause): nothing runs.
    expect(await executeRun(paused, { resume: true, pauseAt: 2000 })).toMatchObject({ status: 'interrupted', step: 2000 });
    expect(runRecord(paused.dir).attempts).toBe(1);
    expect(await executeRun(paused, { resume: true, pauseAt: 6000 })).toMatchObject({ status: 'interrupted', step: 6000, resumedFrom: 2000 });
    // Killed after the checkpoint at the rung but before run.json said 'interrupted' (as a queue worker's copy can
    // be): resumed with the same pauseAt, it stays at that checkpoint instead of running a segment past the rung.
    writeFileSync(join(paused.dir, 'run.json'), JSON.stringify({ ...runRecord(paused.dir), status: 'running', checkpointStep: 4000 }));
    expect(await executeRun(paused, { resume: true, pauseAt: 6000 })).toMatchObject({ status: 'interrupted', step: 6000 });
    expect(runRecord(paused.dir)).toMatchObject({ status: 'interrupted', step: 6000, checkpointStep: 6000 });
    expect(lines<EvalLine>(paused.dir, 'eval.jsonl').at(-1)!.step).toBe(6000);
    expect(await executeRun(paused, { resume: true })).toMatchObject({ status: 'finished', step: 8000, resumedFrom: 6000 });
    expect(numbers(paused.dir)).toEqual(numbers(whole.dir));
  }, 60_000);

  it('ends with an evaluation and a recording of the final policy when a rollout overshoots the budget inside an earlier segment', async () => {
    // PPO collects 4 x 64 = 256 steps a rollout: the segment to 1000 ends at 1024, past the budget of 1010, so the last segment never runs.
    const run = planned(spec({ ...small.ppo, totalSteps: 1010, checkpointEvery: 1000, eval: { every: 0, episodes: 1 }, record: { every: 0, episodes: 1, deterministic: true } }));
    expect((await executeRun(run)).status).toBe('finished');
    expect(runRecord(run.dir)).toMatchObject({ status: 'finished', step: 1024 });
    expect(lines<EvalLine>(run.dir, 'eval.jsonl').map((e) => e.step)).toEqual([0, 1024]);
    expect(lines<EpisodeIndexLine>(run.dir, 'episodes/index.jsonl').map((e) => e.step)).toEqual([0, 1024]);
  }, 60_000);

  it('writes no update line without update metrics once the agent has reported some (PPO logging twice a rollout); fps-only lines before that', async () => {
    const ppo = planned(spec({ ...small.ppo, totalSteps: 2048, logEvery: 128 }));
    await executeRun(ppo);
    const updates = lines<MetricsLine>(ppo.dir, 'metrics.jsonl').filter((m) => m.type === 'update');
    const keys = updates.map((u) => Object.keys(u.type === 'update' ? u.metrics : {}));
    // Until the first update (after the first rollout of 256 steps) the lines carry fps only; from then on one line per rollout,
    // at the first multiple of 128 after it, each with the update's metrics.
    expect(updates.map((u) => u.step)).toEqual([128, 256, 384, 640, 896, 1152, 1408, 1664, 1920]);
    expect(keys.slice(0, 2)).toEqual([[], []]);
    for (const k of keys.slice(2)) expect(k).toContain('policyLoss');
  }, 60_000);

  it('warm starts a fresh run from another run: the first evaluation already has the teacher\'s policy', async () => {
    const teacher = planned(spec({ totalSteps: 30_000, eval: { every: 0, episodes: 1 } }));
    await executeRun(teacher);
    expect(lines<EvalLine>(teacher.dir, 'eval.jsonl').at(-1)!.mean).toBe(-13);
    const student = planned(spec({ seed: 9, totalSteps: 1000, eval: { every: 0, episodes: 1 }, warmStart: teacher.dir }));
    await executeRun(student);
    expect(lines<EvalLine>(student.dir, 'eval.jsonl')[0]).toMatchObject({ step: 0, mean: -13 });
    const cold = planned(spec({ seed: 9, totalSteps: 1000, eval: { every: 0, episodes: 1 } }));
    await executeRun(cold);
    expect(lines<EvalLine>(cold.dir, 'eval.jsonl')[0]!.mean).toBe(-200);
  });

  it('caps evaluation episodes on an env without a time limit, where a greedy policy can loop forever', async () => {
    const run = planned(spec({ env: { id: 'CliffWalking-v1', kwargs: {}, wrappers: [] }, totalSteps: 1000, eval: { every: 0, episodes: 1 } }));
    expect((await executeRun(run)).status).toBe('finished');
    const first = lines<EvalLine>(run.dir, 'eval.jsonl')[0]!;
    // The untrained greedy policy walks into the top wall for ever: cut at 10000 steps.
    expect(first.lengths).toEqual([10_000]);
    expect(first.mean).toBe(-10_000);
  });

  it('skips a finished run on resume and refuses a changed config', async () => {
    const run = planned(spec({ totalSteps: 2000 }));
    await executeRun(run);
    const before = readFileSync(join(run.dir, 'eval.jsonl'), 'utf8');
    expect(await executeRun(run, { resume: true })).toMatchObject({ status: 'finished', step: 2000 });
    expect(readFileSync(join(run.dir, 'eval.jsonl'), 'utf8')).toBe(before);
    await expect(executeRun({ spec: { ...run.spec, totalSteps: 3000 }, dir: run.dir }, { resume: true })).rejects.toThrow(/config changed/);
  });

  it('records a failure with its error and stack, and keeps what the run wrote', async () => {
    registerAgent({
      name: 'test-failing-agent',
      description: 'fails after 300 steps (tests)',
      hyperparameters: {},
      create: (_hp, context): Agent => {
        let steps = 0;
        return {
          algorithm: 'test-failing-agent',
          hyperparameters: {},
          context,
          get stepCount() {
            return steps;
          },
          async learn({ env, hooks }) {
            env!.reset({ seed: 0 });
            for (;;) {
              const r = env!.step(0);
              steps += 1;
              if (r.terminated || r.truncated) env!.reset();
              if (steps === 300) throw new Error('simulated divergence: loss is NaN');
              hooks?.shouldStop?.({ step: steps });
            }
          },
          act: () => 0,
          save: async () => {},
          dispose: () => {},
        };
      },
      load: () => {
        throw new Error('not saved');
      },
    });
    const run = planned(spec({ algorithm: 'test-failing-agent', hyperparameters: {}, eval: { every: 100, episodes: 1 } }));
    const outcome = await executeRun(run);
    expect(outcome.status).toBe('failed');
    expect(outcome.error!.message).toBe('simulated divergence: loss is NaN');
    const record = runRecord(run.dir);
    expect(record.status).toBe('failed');
    expect(record.error!.stack).toMatch(/simulated divergence[\s\S]*run\.test\.ts/);
    expect(lines<EvalLine>(run.dir, 'eval.jsonl').map((e) => e.step)).toEqual([0, 100, 200]);
    expect(readdirSync(join(run.dir, 'episodes'))).toContain('index.jsonl');
  });
});
