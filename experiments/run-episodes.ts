// A run's recorded episodes (`<run>/episodes/`): recording one episode of a
// single-agent run's agent (game-trainer.ts's recordGameEpisode is the games'
// twin), the names of the files, and the episodes `arena eval --record` writes
// next to the training recordings, listed in the same index with source
// 'eval' so the viewer shows them together.
import { join } from 'node:path';
import type { Agent } from '../agents/agent.js';
import type { Env } from '../core/env.js';
import type { EpisodeRecord } from '../core/episode.js';
import { recordEpisode } from '../core/episode.js';
import { ensureDir, writeFileAtomic } from '../core/files.js';
import { observationRecording } from './observation-record.js';
import { EPISODES_DIR, EPISODE_INDEX_FILE, JsonlWriter } from './store.js';
import type { EpisodeIndexLine, RunSpec } from './types.js';

/** A training recording's file: by the step it was made at and its index among that step's recordings. */
export function episodeFileName(step: number, index: number): string {
  return `step-${String(step).padStart(10, '0')}-${index}.json`;
}

/** An `arena eval --record` episode's file: by the checkpoint's step and the episode's seed. */
export function evalEpisodeFileName(step: number, seed: number): string {
  return `eval-step-${String(step).padStart(10, '0')}-seed-${seed}.json`;
}

/** One episode of `agent` on `env` (the run's env), recorded with what the viewer shows of the run, the agent and its observations. */
export function recordAgentEpisode(agent: Agent, spec: RunSpec, env: Env, options: { readonly seed: number; readonly trainingStep: number; readonly deterministic: boolean }): EpisodeRecord {
  const { deterministic } = options;
  return recordEpisode(env, {
    seed: options.seed,
    act: (obs) => agent.act(obs, { deterministic }),
    overlays: agent.diagnostics ? (obs) => agent.diagnostics!(obs) : undefined,
    ...observationRecording(env.observationSpace),
    agent: { algorithm: spec.algorithm, experiment: spec.experiment, variant: spec.variant, runSeed: spec.seed, deterministic },
    trainingStep: options.trainingStep,
    wrappers: spec.env.wrappers,
  });
}

/**
 * Records `count` episodes with seeds `seed`, `seed + 1`, ... by `play(seed,
 * index)` into the run at `runDir`, each as one file written whole, and
 * appends their lines to the episode index; `recorded` hears of each file once
 * it is listed.
 */
export async function writeEvalEpisodes<E extends { readonly return: number; readonly length: number }>(
  runDir: string,
  step: number,
  episodes: { readonly count: number; readonly seed: number },
  play: (seed: number, index: number) => E,
  recorded: (path: string, episode: E) => void,
): Promise<void> {
  const dir = join(runDir, EPISODES_DIR);
  await ensureDir(dir);
  const index = new JsonlWriter(join(dir, EPISODE_INDEX_FILE));
  try {
    for (let i = 0; i < episodes.count; i++) {
      const seed = episodes.seed + i;
      const episode = play(seed, i);
      const file = evalEpisodeFileName(step, seed);
      const path = join(dir, file);
      await writeFileAtomic(path, JSON.stringify(episode));
      index.append({ file, step, index: i, return: episode.return, length: episode.length, source: 'eval' } satisfies EpisodeIndexLine);
      recorded(path, episode);
    }
  } finally {
    index.close();
  }
}
