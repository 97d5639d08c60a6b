// The hyperparameter tables of every agent and multi-agent learner, as data:
// names in order, kinds, defaults, ranges, choices, descriptions, and what the
// memory estimate of a sizing hyperparameter gives for its default. The
// fixture was written from the tables as they stood before the agents'
// shared entries were declared once (commit e0eaaca), so a change that moves
// an entry must leave `arena agents <name>` and every check as they were.
// Changes made on purpose since: DDPG's five cnn-policy entries (its conv trunk);
// SAC's five (its conv trunks, after hidden).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../agents/index.js';
import '../../agents/multi/index.js';
import { listAgents } from '../../agents/agent.js';
import type { ParamSpec } from '../../agents/lib/hparams.js';
import { describeSpec } from '../../agents/lib/hparams.js';
import { listLearners } from '../../agents/multi/learner.js';

const FIXTURE = new URL('../fixtures/hyperparameters/tables.json', import.meta.url);
/** Space sizes at which each memory estimate is evaluated. */
const DIMS = { obs: 7, act: 3 };

/** A spec as plain data: each entry's fields, its memory estimate at its default, and its `arena agents` row. */
export function tableData(spec: ParamSpec): unknown[] {
  const rows = describeSpec(spec);
  return Object.entries(spec).map(([key, p], i) => {
    const { memory, ...fields } = p as typeof p & { memory?: (v: never, d: typeof DIMS) => unknown };
    return { key, ...fields, memory: memory ? memory(p.default as never, DIMS) : null, row: rows[i] };
  });
}

const current = (): Record<string, unknown[]> =>
  Object.fromEntries([...listAgents(), ...listLearners()].map((d) => [d.name, tableData(d.hyperparameters)]));

describe('hyperparameter tables', () => {
  const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown[]>;
  const now = current();

  it('every agent and learner of the fixture is still registered, and no other', () => {
    expect(Object.keys(now).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const name of Object.keys(expected)) {
    it(`${name}: the same entries in the same order, with the same defaults, ranges, descriptions and memory estimates`, () => {
      expect(now[name]).toEqual(expected[name]);
    });
  }
});
