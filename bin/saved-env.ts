// Where a trained agent comes from for `arena eval`, `arena export` and
// `arena serve`: a run directory (run.json and its checkpoint) or a directory
// written by `arena train --save`, whose env it records there as env.json
// (the agent's own files name only its spaces).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBinary } from '../agents/agent.js';
import { recipe } from '../agents/recipes/index.js';
import type { Env } from '../core/env.js';
import type { RunRecord } from '../experiments/types.js';
import { findIntactCheckpoint } from '../experiments/checkpoint.js';
import { readRunRecord } from '../experiments/store.js';
import { make } from '../core/registry.js';

export const SAVED_ENV_FILE = 'env.json';
const FORMAT = 'arena.saved-env/1';

export interface SavedEnv {
  readonly format: typeof FORMAT;
  /** Registry id, e.g. CartPole-v1. */
  readonly id: string;
  /** make() keyword arguments. */
  readonly kwargs: Record<string, unknown>;
  /** The recipe whose env wrapper (e.g. a discretization) the agent acted through, if any. */
  readonly recipe?: string;
}

/** Writes env.json into `dir` atomically. */
export async function writeSavedEnv(dir: string, env: { id: string; kwargs?: Record<string, unknown>; recipe?: string }): Promise<void> {
  const record: SavedEnv = { format: FORMAT, id: env.id, kwargs: env.kwargs ?? {}, ...(env.recipe !== undefined ? { recipe: env.recipe } : {}) };
  await writeBinary(dir, SAVED_ENV_FILE, new TextEncoder().encode(JSON.stringify(record, null, 2) + '\n'));
}

/** env.json of a save directory, or null when the agent was saved without one (by code, or before it existed). */
export async function readSavedEnv(dir: string): Promise<SavedEnv | null> {
  const path = join(dir, SAVED_ENV_FILE);
  if (!existsSync(path)) return null;
  let record: SavedEnv;
  try {
    record = JSON.parse(await readFile(path, 'utf8')) as SavedEnv;
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (record?.format !== FORMAT || typeof record.id !== 'string' || typeof record.kwargs !== 'object' || record.kwargs === null) {
    throw new Error(`${path} is not an ${FORMAT} record (needs format, id and kwargs)`);
  }
  return record;
}

/** The env a saved agent acts on: make(id, kwargs), through its recipe's wrapper when it has one. */
export function makeSavedEnv(env: { id: string; kwargs: Record<string, unknown>; recipe?: string }): Env {
  const made = make(env.id, env.kwargs);
  const wrap = env.recipe !== undefined ? recipe(env.recipe).wrapEnv : undefined;
  return wrap ? wrap(made) : made;
}

/** A trained agent's directory and what is known of its env. */
export type AgentSource =
  | { readonly kind: 'run'; readonly runDir: string; readonly record: RunRecord; readonly agentDir: string; readonly warnings: readonly string[] }
  | { readonly kind: 'save'; readonly agentDir: string; readonly env: SavedEnv | null };

/**
 * Tells a run directory (run.json) from a save directory (agent.json) and
 * finds the agent in it; anything else gets an error saying what `path` is
 * and what was expected.
 */
export async function agentSource(path: string): Promise<AgentSource> {
  if (!existsSync(path)) throw new Error(`${path} does not exist; give a run directory (with run.json) or a directory saved by \`arena train --save\` (with agent.json)`);
  if (!statSync(path).isDirectory()) throw new Error(`${path} is a file; give a run directory (with run.json) or a directory saved by \`arena train --save\` (with agent.json)`);
  if (existsSync(join(path, 'run.json'))) {
    const record = await readRunRecord(path);
    const found = await findIntactCheckpoint(path);
    if (!found) throw new Error(`${path} has no checkpoint yet (status ${record.status}, step ${record.step})`);
    return { kind: 'run', runDir: path, record, agentDir: found.dir, warnings: found.warnings };
  }
  if (existsSync(join(path, 'agent.json'))) return { kind: 'save', agentDir: path, env: await readSavedEnv(path) };
  const learner = existsSync(join(path, 'learner.json')) ? ' (it holds a multi-agent learner, learner.json)' : '';
  throw new Error(`${path} is neither a run directory (no run.json) nor a saved agent directory (no agent.json, as \`arena train --save\` writes)${learner}`);
}
