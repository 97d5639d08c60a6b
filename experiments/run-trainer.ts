// The interface between executeRun (execute-run.ts: schedules, files, checkpoints,
// resume) and what trains: an agent on a single-agent env (execute-run.ts) or a
// multi-agent learner on a game (game-trainer.ts).
import type { EpisodeLine, EvalLine } from './types.js';

/** Seeds of evaluation and recording episodes, kept apart from training seeds. */
export const EVAL_SEED_OFFSET = 1_000_000;
export const RECORD_SEED_OFFSET = 2_000_000;

/** What a trainer reports as it learns; executeRun writes it to metrics.jsonl. */
export interface TrainerHooks {
  onEpisodeEnd(e: Omit<EpisodeLine, 'type' | 'time'>): void;
  onUpdate(u: { readonly step?: number; readonly metrics: Readonly<Record<string, number>> }): void;
  /** Asked after every env step; true ends the segment early. */
  shouldStop(state: { readonly step: number }): boolean;
}

/**
 * What executeRun drives: an agent on a single-agent env (execute-run.ts) or a
 * multi-agent learner on a game (game-trainer.ts). Evaluations and recordings must
 * not change training (deterministic acting, generators of their own).
 */
export interface RunTrainer {
  readonly stepCount: number;
  /** Trains on fresh envs until the step counter reaches `end` (schedules run over spec.totalSteps). */
  learn(end: number, hooks: TrainerHooks): Promise<void>;
  /** One evaluation (spec.eval.episodes deterministic episodes from a fixed seed). */
  evaluate(): Omit<EvalLine, 'step' | 'time'>;
  /** Recorded episode `index` of the recording at `step`. */
  record(step: number, index: number): { readonly return: number; readonly length: number };
  save(dir: string): Promise<void>;
  dispose(): void;
}

