// Checks the ONNX agents' and learners' tests share: every metric of two runs
// within a tolerance, saved weights within a tolerance, a save/load between
// two learn calls that continues exactly, two learners playing a game side
// by side to the same moves, and whether TensorFlow.js was loaded.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Agent, Diagnostics } from '../../../agents/agent.js';
import { loadAgent } from '../../../agents/agent.js';
import type { MultiAgentLearner } from '../../../agents/multi/learner.js';
import { loadLearner } from '../../../agents/multi/learner.js';
import type { TurnBasedEnv } from '../../../core/multi-agent.js';

const require = createRequire(import.meta.url);

/**
 * Whether any TensorFlow.js package was loaded in this process (vitest runs
 * each test file in a process of its own, whose require cache this reads).
 */
export const tfjsLoaded = (): boolean => Object.keys(require.cache).some((path) => path.includes('/node_modules/@tensorflow/'));

/** Every file an agent saved, as bytes. */
export function savedFiles(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** A saved file's bytes as float32 values. */
export const floats = (b: Buffer): Float32Array => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);

/** The largest absolute difference between two arrays of the same length. */
export function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Two directories hold the same files, byte for byte. */
export function expectSameFiles(gotDir: string, wantDir: string): void {
  const got = savedFiles(gotDir);
  const want = savedFiles(wantDir);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const f of Object.keys(want)) expect(got[f]!.equals(want[f]!), f).toBe(true);
}

/** A saved manifest (agent.json, learner.json) with the backend it records left out (the one thing that differs between the backends' saves). */
export function manifestWithoutBackend(dir: string, manifest: string): unknown {
  const m = JSON.parse(readFileSync(join(dir, manifest), 'utf8')) as { context: Record<string, unknown> };
  delete m.context['backend'];
  return m;
}

/** `got` and `want` hold the same files, every one byte for byte but the manifest, which differs only in its backend. */
export function expectSameSave(got: string, want: string, manifest: 'agent.json' | 'learner.json'): void {
  const files = (dir: string) => Object.fromEntries(Object.entries(savedFiles(dir)).filter(([f]) => f !== manifest));
  const a = files(got);
  const b = files(want);
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const f of Object.keys(b)) expect(a[f]!.equals(b[f]!), f).toBe(true);
  expect(manifestWithoutBackend(got, manifest)).toEqual(manifestWithoutBackend(want, manifest));
}

/** The same files were saved, and every weight file's values are within `tolerance` (absolute) of `want`'s. */
export function expectNearWeights(got: Record<string, Buffer>, want: Record<string, Buffer>, tolerance: number): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const f of Object.keys(want).filter((n) => n.endsWith('.weights.bin'))) expect(worstDiff(floats(got[f]!), floats(want[f]!)), f).toBeLessThan(tolerance);
}

/** Both runs logged the same updates with the same metrics, each within `tolerance` relative (to the larger of 1 and the value). */
export function expectSameMetrics(got: readonly Record<string, number>[], want: readonly Record<string, number>[], tolerance: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((m, i) => {
    const w = want[i]!;
    expect(Object.keys(m).sort()).toEqual(Object.keys(w).sort());
    for (const [k, v] of Object.entries(m)) expect(Math.abs(v - w[k]!), `update ${i}, ${k}: ${v} vs ${w[k]}`).toBeLessThan(tolerance * Math.max(1, Math.abs(w[k]!)));
  });
}

/** How a saved agent or learner comes back for expectExactResume: its loader, and what to check of it before it trains on. */
export interface Resume<T> {
  load(dir: string): Promise<T>;
  /** Checks the loaded one, saved after training to `mid` steps. */
  check(loaded: T, mid: number): void;
}

/** An agent loaded on `backend`, at the step count it was saved at. */
export const agentResume = (backend: string): Resume<Agent> => ({
  load: (dir) => loadAgent(dir, { backend }),
  check: (agent, mid) => expect(agent.stepCount).toBe(mid),
});

/** A learner loaded on the backend it recorded, which must be `backend`. */
export const learnerResume = (backend: string): Resume<MultiAgentLearner> => ({
  load: (dir) => loadLearner(dir),
  check: (learner) => expect(learner.context.backend).toBe(backend),
});

/**
 * An agent or a learner trained to `mid` then `end` steps, and one saved at
 * `mid`, loaded (`resume`) and taken on to `end`, save the same bytes (and
 * pass `compare`, when given, before they are disposed). Returns the names of
 * the files compared.
 */
export async function expectExactResume<T extends { save(dir: string): Promise<void>; dispose(): void }>(
  make: () => Promise<T>,
  train: (x: T, totalSteps: number) => Promise<unknown>,
  mid: number,
  end: number,
  resume: Resume<T>,
  tempDir: () => string,
  compare?: (straight: T, loaded: T) => void,
): Promise<string[]> {
  const straight = await make();
  await train(straight, mid);
  await train(straight, end);
  const straightDir = tempDir();
  await straight.save(straightDir);
  const first = await make();
  await train(first, mid);
  const midDir = tempDir();
  await first.save(midDir);
  first.dispose();
  const loaded = await resume.load(midDir);
  resume.check(loaded, mid);
  await train(loaded, end);
  const loadedDir = tempDir();
  await loaded.save(loadedDir);
  expectSameFiles(loadedDir, straightDir);
  compare?.(straight, loaded);
  straight.dispose();
  loaded.dispose();
  return Object.keys(savedFiles(straightDir));
}

/** The metrics of a learner's updates, and the files it saves, when it is made and trained on `backend`. */
export async function learnerRun(backend: string, make: (backend: string) => Promise<MultiAgentLearner>, train: (learner: MultiAgentLearner, onUpdate: (u: { metrics: Record<string, number> }) => void) => Promise<unknown>, tempDir: () => string): Promise<{ metrics: Record<string, number>[]; files: Record<string, Buffer> }> {
  const learner = await make(backend);
  const metrics: Record<string, number>[] = [];
  await train(learner, (u) => metrics.push(u.metrics));
  const dir = tempDir();
  await learner.save(dir);
  learner.dispose();
  return { metrics, files: savedFiles(dir) };
}

/**
 * `turns` moves of `game` (reset with seed 0) with `want` choosing: at each,
 * `compare` checks `got`'s diagnostics against `want`'s, and both take the
 * same greedy move.
 */
export function expectSamePlay(got: MultiAgentLearner, want: MultiAgentLearner, game: TurnBasedEnv, turns: number, compare: (got: Diagnostics, want: Diagnostics) => void): void {
  game.reset({ seed: 0 });
  for (let k = 0; k < turns; k++) {
    const obs = game.last().obs;
    compare(got.diagnostics(game.agentSelection, obs), want.diagnostics(game.agentSelection, obs));
    const action = want.act(game.agentSelection, obs, { deterministic: true });
    expect(got.act(game.agentSelection, obs, { deterministic: true })).toBe(action);
    game.step(action);
  }
}
