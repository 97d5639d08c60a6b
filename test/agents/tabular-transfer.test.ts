// Tabular warm start between tasks of different shapes: a FrozenLake 4x4
// Q-table seeds an 8x8 one through an explicit state mapping (each 8x8 cell
// starts from the 4x4 cell covering it), and every missing or malformed
// mapping is refused with what to give.
import { describe, expect, it } from 'vitest';
import { createAgent, warmStart } from '../../agents/agent.js';
import '../../agents/index.js';
import type { TabularTdAgent } from '../../agents/lib/tabular-td.js';
import type { Env } from '../../core/env.js';
import { make } from '../../core/registry.js';
import '../../envs/index.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('tabular-transfer');

function contextOf(env: Env, seed = 0) {
  return { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed };
}

async function savedTeacher(): Promise<{ dir: string; q: Float64Array }> {
  const env = make('FrozenLake-v1');
  const teacher = (await createAgent('q-learning', { learningRate: 0.1 }, contextOf(env))) as TabularTdAgent;
  await teacher.learn({ env, totalSteps: 20_000 });
  const dir = tempDir();
  await teacher.save(dir);
  return { dir, q: Float64Array.from(teacher.qTable) };
}

/** 8x8 cell (r, c) <- 4x4 cell (r / 2, c / 2). */
const coarse = Array.from({ length: 64 }, (_, s) => Math.floor(Math.floor(s / 8) / 2) * 4 + Math.floor((s % 8) / 2));

describe('tabular warm start with a mapping', () => {
  it('copies Q(states[s], actions[a]) into Q(s, a); -1 keeps initialQ', async () => {
    const { dir, q } = await savedTeacher();
    const student = (await createAgent('sarsa-lambda', { initialQ: 0.5 }, contextOf(make('FrozenLake8x8-v1')))) as TabularTdAgent;
    const states = coarse.map((s, i) => (i === 63 ? -1 : s));
    await warmStart(student, dir, { states });
    for (let s = 0; s < 64; s++) {
      for (let a = 0; a < 4; a++) expect(student.qTable[s * 4 + a]).toBe(s === 63 ? 0.5 : q[coarse[s]! * 4 + a]);
    }
    // Actions reordered, one kept at its initial value.
    const other = (await createAgent('q-learning', { initialQ: -1 }, contextOf(make('FrozenLake8x8-v1')))) as TabularTdAgent;
    await warmStart(other, dir, { states: coarse, actions: [3, 2, 1, -1] });
    expect(Array.from(other.qTable.subarray(0, 4))).toEqual([q[3], q[2], q[1], -1]);
    expect(other.stepCount).toBe(0);
  });

  it('without a mapping, or with a bad one, says what to give', async () => {
    const { dir } = await savedTeacher();
    const student = await createAgent('q-learning', {}, contextOf(make('FrozenLake8x8-v1')));
    await expect(warmStart(student, dir)).rejects.toThrow(
      /warmStart\(q-learning <- q-learning\): the table saved in .* is 16 states x 4 actions, this agent's is 64 x 4; give a mapping \{ states, actions \}: states\[s\] is the saved state whose values state s starts from \(-1: keep initialQ\)/,
    );
    await expect(warmStart(student, dir, { actions: [0, 1, 2, 3] })).rejects.toThrow(/mapping\.states is needed: this agent has 64 states, the saved one 16/);
    await expect(warmStart(student, dir, { states: coarse.slice(1) })).rejects.toThrow(/mapping\.states must list 64 entries \(one per state of this agent\), got 63/);
    await expect(warmStart(student, dir, { states: coarse.map((s) => s + 1) })).rejects.toThrow(/mapping\.states\[\d+\] must be -1 or a saved index in \[0, 16\), got 16/);
    await expect(warmStart(student, dir, { states: coarse, actions: [0, 1, 2, 4] })).rejects.toThrow(/mapping\.actions\[3\] must be -1 or a saved index in \[0, 4\), got 4/);
    const bandit = await createAgent('bandit-ucb', {}, contextOf(make('Bandit-v0')));
    await expect(warmStart(bandit, dir, { states: [0] })).rejects.toThrow(/bandit-ucb agents take no state\/action mapping \(the tabular agents do\)/);
  });
});
