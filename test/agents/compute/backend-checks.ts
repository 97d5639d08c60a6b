// Checks the ONNX agents' tests share: every metric of two runs within a
// tolerance, a save/load between two learn calls that continues exactly, and
// two learners playing a game side by side to the same moves.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Agent, Diagnostics } from '../../../agents/agent.js';
import { loadAgent } from '../../../agents/agent.js';
import type { MultiAgentLearner } from '../../../agents/multi/learner.js';
import type { TurnBasedEnv } from '../../../core/multi-agent.js';

/** Every file an agent saved, as bytes. */
export function savedFiles(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
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

/**
 * An agent that learns to `mid` then `end` steps, and one saved at `mid`,
 * loaded on `backend` and taken on to `end`, save the same bytes.
 */
export async function expectExactResume(create: () => Promise<Agent>, learn: (agent: Agent, totalSteps: number) => Promise<unknown>, mid: number, end: number, backend: string, tempDir: () => string): Promise<void> {
  const direct = await create();
  await learn(direct, mid);
  await learn(direct, end);
  const directDir = tempDir();
  await direct.save(directDir);
  const first = await create();
  await learn(first, mid);
  const midDir = tempDir();
  await first.save(midDir);
  first.dispose();
  const resumed = await loadAgent(midDir, { backend });
  expect(resumed.stepCount).toBe(mid);
  await learn(resumed, end);
  const resumedDir = tempDir();
  await resumed.save(resumedDir);
  const a = savedFiles(directDir);
  const b = savedFiles(resumedDir);
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const f of Object.keys(a)) expect(b[f]!.equals(a[f]!), f).toBe(true);
  direct.dispose();
  resumed.dispose();
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
