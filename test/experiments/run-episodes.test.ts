// A run's recorded episodes: file names that sort by step, `arena eval
// --record` episodes written whole beside the training recordings and
// appended to the same index with source 'eval', and an agent's episode
// recorded with the run's metadata, the same for the same seed.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { createAgent } from '../../agents/agent.js';
import { make } from '../../core/registry.js';
import { episodeFileName, evalEpisodeFileName, recordAgentEpisode, writeEvalEpisodes } from '../../experiments/run-episodes.js';
import { EPISODES_DIR, EPISODE_INDEX_FILE, parseJsonl } from '../../experiments/store.js';
import type { EpisodeIndexLine, RunSpec } from '../../experiments/types.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('run-episodes');

describe('episode file names', () => {
  it('pad the step to ten digits, so that names sort by step', () => {
    expect(episodeFileName(3000, 1)).toBe('step-0000003000-1.json');
    expect(evalEpisodeFileName(3000, 7)).toBe('eval-step-0000003000-seed-7.json');
    const steps = [100_000, 999, 20_000, 5];
    expect(steps.map((s) => episodeFileName(s, 0)).sort()).toEqual([...steps].sort((a, b) => a - b).map((s) => episodeFileName(s, 0)));
  });
});

describe('writeEvalEpisodes', () => {
  it('writes each episode whole and appends its line to the run index after the training ones', async () => {
    const runDir = tempDir();
    mkdirSync(join(runDir, EPISODES_DIR));
    const training: EpisodeIndexLine = { file: episodeFileName(0, 0), step: 0, index: 0, return: 9, length: 9 };
    writeFileSync(join(runDir, EPISODES_DIR, EPISODE_INDEX_FILE), `${JSON.stringify(training)}\n`);
    const played: [number, number][] = [];
    const heard: { path: string; listed: number }[] = [];
    await writeEvalEpisodes(
      runDir,
      1500,
      { count: 3, seed: 40 },
      (seed, index) => {
        played.push([seed, index]);
        return { return: seed / 2, length: seed + 1, marker: `episode ${index}` };
      },
      (path) => heard.push({ path, listed: readFileSync(join(runDir, EPISODES_DIR, EPISODE_INDEX_FILE), 'utf8').trim().split('\n').length }),
    );
    expect(played).toEqual([
      [40, 0],
      [41, 1],
      [42, 2],
    ]);
    const index = parseJsonl<EpisodeIndexLine>(readFileSync(join(runDir, EPISODES_DIR, EPISODE_INDEX_FILE), 'utf8')).lines;
    expect(index).toEqual([
      training,
      { file: 'eval-step-0000001500-seed-40.json', step: 1500, index: 0, return: 20, length: 41, source: 'eval' },
      { file: 'eval-step-0000001500-seed-41.json', step: 1500, index: 1, return: 20.5, length: 42, source: 'eval' },
      { file: 'eval-step-0000001500-seed-42.json', step: 1500, index: 2, return: 21, length: 43, source: 'eval' },
    ]);
    for (const [i, line] of index.slice(1).entries()) {
      expect(JSON.parse(readFileSync(join(runDir, EPISODES_DIR, line.file), 'utf8'))).toEqual({ return: line.return, length: line.length, marker: `episode ${i}` });
    }
    // Each file is announced once it is listed in the index.
    expect(heard).toEqual(index.slice(1).map((line, i) => ({ path: join(runDir, EPISODES_DIR, line.file), listed: i + 2 })));
    expect(readdirSync(join(runDir, EPISODES_DIR)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('creates the episodes folder of a run that recorded none', async () => {
    const runDir = tempDir();
    await writeEvalEpisodes(runDir, 0, { count: 1, seed: 0 }, () => ({ return: 1, length: 1 }), () => {});
    expect(readdirSync(join(runDir, EPISODES_DIR)).sort()).toEqual(['eval-step-0000000000-seed-0.json', EPISODE_INDEX_FILE].sort());
  });
});

describe('recordAgentEpisode', () => {
  const spec: RunSpec = {
    experiment: 'exp',
    variant: 'greedy',
    seed: 4,
    algorithm: 'q-learning',
    hyperparameters: {},
    env: { id: 'FrozenLake-v1', kwargs: { isSlippery: true }, wrappers: [] },
    envs: 0,
    totalSteps: 100,
    eval: { every: 0, episodes: 1 },
    record: { every: 0, episodes: 1, deterministic: false },
    checkpointEvery: 100,
    logEvery: 1,
    backend: 'auto',
  };

  it("carries the run's metadata and the agent's overlays, and replays the same for the same seed", async () => {
    const env = make(spec.env.id, { ...spec.env.kwargs });
    const agent = await createAgent(spec.algorithm, spec.hyperparameters, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: spec.seed, backend: 'auto' });
    try {
      const first = recordAgentEpisode(agent, spec, env, { seed: 11, trainingStep: 250, deterministic: true });
      expect(first.seed).toBe(11);
      expect(first.trainingStep).toBe(250);
      expect(first.agent).toEqual({ algorithm: 'q-learning', experiment: 'exp', variant: 'greedy', runSeed: 4, deterministic: true });
      expect(first.env).toMatchObject({ id: 'FrozenLake-v1', kwargs: { isSlippery: true } });
      expect(first.frames.length).toBeGreaterThan(0);
      expect(first.frames.some((f) => f.overlays !== undefined)).toBe(true);
      const again = recordAgentEpisode(agent, spec, env, { seed: 11, trainingStep: 250, deterministic: true });
      expect(again).toEqual(first);
    } finally {
      agent.dispose();
      env.close();
    }
  });
});
