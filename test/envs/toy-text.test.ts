import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../core/checker.js';
import type { Env } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import type { Transition } from '../../core/tabular.js';
import { sampleIndex, sampleTransition, tabularModel } from '../../core/tabular.js';
import { CliffWalkingEnv } from '../../envs/toy-text/cliff-walking.js';
import { FrozenLakeEnv, generateRandomMap, MAPS } from '../../envs/toy-text/frozen-lake.js';
import '../../envs/index.js';
import { CountdownEnv } from '../helpers/fake-envs.js';

// ---------------------------------------------------------------- Gymnasium fixture

interface FixtureRecord {
  env: string;
  kwargs: Record<string, unknown>;
  nS: number;
  nA: number;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  initialStateDistrib: number[];
  P: Record<string, Record<string, Transition[]>>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/gymnasium/toy-text.json', import.meta.url), 'utf8')) as {
  source: string;
  envs: FixtureRecord[];
};

/** Gymnasium's snake_case kwargs (map_name, is_slippery) in our camelCase. */
function camelKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]));
}

/** P keyed by strings ({ "0": { "0": [...] } }) as nested arrays, checking that no state or action is missing or extra. */
function tableFromFixture(rec: FixtureRecord): Transition[][][] {
  expect(Object.keys(rec.P)).toHaveLength(rec.nS);
  return Array.from({ length: rec.nS }, (_, s) => {
    const row = rec.P[String(s)]!;
    expect(Object.keys(row)).toHaveLength(rec.nA);
    return Array.from({ length: rec.nA }, (_, a) => row[String(a)]!);
  });
}

describe(`transition tables match ${fixture.source}`, () => {
  it.each(fixture.envs.map((rec) => [`${rec.env} ${JSON.stringify(rec.kwargs)}`, rec] as const))('%s', (_, rec) => {
    const env = make<number, number>(rec.env, camelKwargs(rec.kwargs));
    const model = tabularModel(env);
    expect(model.nS).toBe(rec.nS);
    expect(model.nA).toBe(rec.nA);
    expect(env.observationSpace).toEqual({ type: 'discrete', n: rec.nS, start: 0 });
    expect(env.actionSpace).toEqual({ type: 'discrete', n: rec.nA, start: 0 });
    // toEqual compares numbers with Object.is, so 0.33333333333333337 and
    // 0.3333333333333333 count as different: the table must match bit for bit,
    // in the same outcome order, with duplicates kept.
    expect(model.P).toEqual(tableFromFixture(rec));
    expect(Array.from(model.initialStateDistrib)).toEqual(rec.initialStateDistrib);
    expect(env.spec.maxEpisodeSteps).toBe(rec.maxEpisodeSteps ?? undefined);
    expect(env.spec.rewardThreshold).toBe(rec.rewardThreshold ?? undefined);
  });

  it('FrozenLake8x8-v1 has the 8x8 table with its own limit and threshold', () => {
    const rec = fixture.envs.find((r) => r.env === 'FrozenLake-v1' && r.kwargs.map_name === '8x8' && r.kwargs.is_slippery === true)!;
    const env = make('FrozenLake8x8-v1');
    expect(tabularModel(env).P).toEqual(tableFromFixture(rec));
    expect(env.spec).toMatchObject({ maxEpisodeSteps: 200, rewardThreshold: 0.85 });
  });

  it('CliffWalkingSlippery-v1 slips to a - 1, a, a + 1 with 1/3 each', () => {
    const env = make('CliffWalkingSlippery-v1');
    const { P } = tabularModel(env);
    const third = 1 / 3; // Gymnasium's 1 / len(deltas): 0.3333333333333333
    // start, action right: up to 24, right into the cliff (back to start, -100), down against the edge
    expect(P[36]![1]).toEqual([
      [third, 24, -1, false],
      [third, 36, -100, false],
      [third, 36, -1, false],
    ]);
    // above the goal, action down: right against the edge, down into the goal, left
    expect(P[35]![2]).toEqual([
      [third, 35, -1, false],
      [third, 47, -1, true],
      [third, 34, -1, false],
    ]);
    expect(env.spec.maxEpisodeSteps).toBeUndefined();
  });
});

// ---------------------------------------------------------------- model contract

describe('tabularModel', () => {
  it('finds the table through the wrappers make adds', () => {
    const env = make('FrozenLake-v1');
    expect(env).not.toBe(env.unwrapped);
    const model = tabularModel(env);
    expect(model.P).toBe((env.unwrapped as FrozenLakeEnv).P);
    expect(model.P[0]![0]).toHaveLength(3);
  });

  it('names the env when it has no table', () => {
    expect(() => tabularModel(new CountdownEnv())).toThrow(/Countdown-v0 has no transition table/);
  });

  it('is frozen so a planner cannot change the dynamics by accident', () => {
    const { P } = tabularModel(make('FrozenLake-v1'));
    expect(() => {
      P[0]![0]![0]![0] = 1;
    }).toThrow(TypeError);
    expect(() => P[0]![0]!.push([1, 0, 0, false])).toThrow(TypeError);
  });

  it('every P[s][a] sums to 1 and ends in valid states', () => {
    for (const id of ['FrozenLake-v1', 'FrozenLake8x8-v1', 'CliffWalking-v1', 'CliffWalkingSlippery-v1']) {
      const { nS, nA, P } = tabularModel(make(id));
      for (let s = 0; s < nS; s++) {
        for (let a = 0; a < nA; a++) {
          const outcomes = P[s]![a]!;
          expect(outcomes.reduce((sum, t) => sum + t[0], 0)).toBeCloseTo(1, 12);
          for (const [, next] of outcomes) expect(next >= 0 && next < nS).toBe(true);
        }
      }
    }
  });
});

describe('sampleTransition', () => {
  it('never draws a zero-probability outcome', () => {
    const rng = new Rng(0);
    const outcomes: Transition[] = [
      [0, 1, 0, false],
      [1, 2, 0, false],
      [0, 3, 0, false],
    ];
    for (let i = 0; i < 1000; i++) expect(sampleTransition(outcomes, rng)[1]).toBe(2);
    // u = 0 is the edge case: the cumulative sum must exceed u strictly
    expect(sampleTransition(outcomes, { random: () => 0 } as Rng)[1]).toBe(2);
  });

  it('falls back to the last positive outcome when rounding leaves the total below u', () => {
    const rng = { random: () => 0.99999999 } as Rng;
    expect(sampleTransition([[0.5, 1, 0, false], [0.49999, 2, 0, false], [0, 3, 0, false]], rng)[1]).toBe(2);
    expect(sampleIndex([0, 0.3, 0.3], rng)).toBe(2);
    expect(() => sampleIndex([0, 0], rng)).toThrow(/no outcome has a positive probability/);
  });
});

// ---------------------------------------------------------------- FrozenLake rules

describe('FrozenLake-v1 rules', () => {
  const LEFT = 0;
  const DOWN = 1;
  const RIGHT = 2;

  it('a scripted path on non-slippery ice reaches the goal with reward 1 and terminates', () => {
    const env = make<number, number>('FrozenLake-v1', { isSlippery: false });
    expect(env.reset({ seed: 0 })).toEqual({ obs: 0, info: { prob: 1 } });
    const path = [RIGHT, RIGHT, DOWN, DOWN, DOWN, RIGHT];
    const states = [1, 2, 6, 10, 14, 15];
    path.forEach((action, i) => {
      const r = env.step(action);
      const last = i === path.length - 1;
      expect(r).toEqual({ obs: states[i], reward: last ? 1 : 0, terminated: last, truncated: false, info: { prob: 1 } });
    });
    expect(env.renderState()).toEqual({ rows: 4, cols: 4, desc: [...MAPS['4x4']!], position: 15, lastAction: RIGHT });
  });

  it('falling into a hole terminates with reward 0; walking into the edge stays put', () => {
    const env = make<number, number>('FrozenLake-v1', { isSlippery: false });
    env.reset({ seed: 0 });
    expect(env.step(LEFT)).toMatchObject({ obs: 0, reward: 0, terminated: false });
    expect(env.step(DOWN)).toMatchObject({ obs: 4, reward: 0, terminated: false });
    expect(env.step(RIGHT)).toMatchObject({ obs: 5, reward: 0, terminated: true, truncated: false });
    expect(() => env.step(RIGHT)).toThrow(EnvUsageError);
  });

  it('rewardSchedule and successRate enter the table as Gymnasium computes them', () => {
    const { P } = tabularModel(make('FrozenLake-v1', { successRate: 0.8, rewardSchedule: [10, -5, -0.1] }));
    // (1 - 0.8) / 2 in doubles, not 0.1
    expect(P[0]![DOWN]).toEqual([
      [0.09999999999999998, 0, -0.1, false],
      [0.8, 4, -0.1, false],
      [0.09999999999999998, 1, -0.1, false],
    ]);
    expect(P[4]![RIGHT]![1]).toEqual([0.8, 5, -5, true]);
    expect(P[14]![RIGHT]![1]).toEqual([0.8, 15, 10, true]);
    // holes and the goal are absorbing with reward 0 whatever the schedule
    expect(P[5]![LEFT]).toEqual([[1, 5, 0, true]]);
    expect(P[15]![LEFT]).toEqual([[1, 15, 0, true]]);
  });

  it('same seed and same actions give the same trajectory on slippery ice; another seed does not', () => {
    const run = (seed: number) => {
      const env = make<number, number>('FrozenLake-v1', { maxEpisodeSteps: null });
      const actions = new Rng(7);
      const trace: unknown[] = [env.reset({ seed }).obs];
      for (let t = 0; t < 500; t++) {
        const r = env.step(actions.integers(0, 4));
        trace.push([r.obs, r.reward, r.terminated, r.info.prob]);
        // reset without a seed continues the generator, so later episodes depend on the first seed too
        if (r.terminated) trace.push(env.reset().obs);
      }
      return trace;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('empirical transition frequencies on slippery ice match P', () => {
    // Random actions from every reachable state; count next states per (s, a).
    const env = make<number, number>('FrozenLake-v1', { maxEpisodeSteps: null, successRate: 0.6 });
    const { nS, nA, P } = tabularModel(env);
    const counts = Array.from({ length: nS * nA }, () => new Float64Array(nS));
    const actions = new Rng(11);
    let s = env.reset({ seed: 2024 }).obs;
    for (let t = 0; t < 200_000; t++) {
      const a = actions.integers(0, nA);
      const r = env.step(a);
      counts[s * nA + a]![r.obs]! += 1;
      s = r.terminated ? env.reset().obs : r.obs;
    }
    let checked = 0;
    for (let si = 0; si < nS; si++) {
      for (let a = 0; a < nA; a++) {
        const row = counts[si * nA + a]!;
        const n = row.reduce((x, y) => x + y, 0);
        // Only pairs with enough visits for the normal approximation (n p >= 200 for p >= 0.2).
        if (n < 1000) continue;
        const expected = new Float64Array(nS);
        for (const [p, next] of P[si]![a]!) expected[next]! += p;
        for (let next = 0; next < nS; next++) {
          const p = expected[next]!;
          // Each frequency is binomial(n, p) / n with standard error sqrt(p (1 - p) / n).
          // 5 standard errors make a false alarm about 6e-7 per comparison (about a
          // hundred random ones here; the largest deviation seen is 3.0), while a wrong
          // probability (0.2 for 0.6 at n >= 1000) misses by 13 or more standard errors.
          // A next state P cannot reach (p = 0, tolerance 0) must never occur.
          const tolerance = 5 * Math.sqrt((p * (1 - p)) / n);
          expect(Math.abs(row[next]! / n - p)).toBeLessThanOrEqual(tolerance);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('a custom map works and its start tiles share the start distribution', () => {
    const env = make<number, number>('FrozenLake-v1', { desc: ['SFG', 'HFS'], isSlippery: false });
    const model = tabularModel(env);
    expect(model.nS).toBe(6);
    expect(env.observationSpace).toEqual({ type: 'discrete', n: 6, start: 0 });
    expect(Array.from(model.initialStateDistrib)).toEqual([0.5, 0, 0, 0, 0, 0.5]);
    const starts = new Set<number>();
    for (let seed = 0; seed < 50; seed++) starts.add(env.reset({ seed }).obs);
    expect([...starts].sort()).toEqual([0, 5]);
    expect(env.renderState()).toMatchObject({ rows: 2, cols: 3, desc: ['SFG', 'HFS'] });
  });

  it('bad kwargs throw errors that say what and where', () => {
    const bad = (kwargs: Record<string, unknown>) => () => make('FrozenLake-v1', kwargs);
    expect(bad({ desc: ['SFFF', 'FHF', 'FFFG'] })).toThrow(/FrozenLake-v1: desc row 1 has 3 columns but row 0 has 4/);
    expect(bad({ desc: ['SFF', 'FXF', 'FFG'] })).toThrow(/desc row 1, column 1 is "X"; tiles are S \(start\), F \(frozen\), H \(hole\), G \(goal\)/);
    expect(bad({ desc: ['FFF', 'FHF', 'FFG'] })).toThrow(/desc has no start tile S/);
    expect(bad({ desc: ['SFF', 'FHF', 'FFF'] })).toThrow(/desc has no goal tile G/);
    expect(bad({ desc: [] })).toThrow(/desc must be a non-empty array of strings/);
    expect(bad({ desc: 'SFFG' })).toThrow(/desc must be a non-empty array of strings/);
    expect(bad({ desc: ['SF', 3] })).toThrow(/desc row 1 must be a non-empty string/);
    expect(bad({ mapName: '5x5' })).toThrow(/unknown mapName "5x5"; use "4x4" or "8x8", or pass desc or randomMap/);
    expect(bad({ mapName: 'toString' })).toThrow(/unknown mapName "toString"/);
    expect(bad({ successRate: 1.5 })).toThrow(/successRate must be a probability in \[0, 1\], got 1.5/);
    expect(bad({ successRate: -0.1 })).toThrow(/successRate must be a probability in \[0, 1\]/);
    expect(bad({ rewardSchedule: [1, 0] })).toThrow(/rewardSchedule must be three finite numbers \[goal, hole, frozen\]/);
    expect(bad({ isSlippery: 'yes' })).toThrow(/isSlippery must be true or false/);
    expect(bad({ desc: ['SG'], randomMap: { seed: 1 } })).toThrow(/either desc or randomMap, not both/);
    expect(bad({ randomMap: { size: 4 } })).toThrow(/randomMap must be \{ size\?, p\?, seed \} with an integer seed/);
  });

  it('the registry truncates FrozenLake-v1 at 100 steps and FrozenLake8x8-v1 at 200 (not terminated)', () => {
    for (const [id, limit] of [
      ['FrozenLake-v1', 100],
      ['FrozenLake8x8-v1', 200],
    ] as const) {
      const env = make<number, number>(id, { isSlippery: false });
      env.reset({ seed: 0 });
      for (let t = 1; t < limit; t++) expect(env.step(LEFT)).toMatchObject({ obs: 0, terminated: false, truncated: false });
      expect(env.step(LEFT)).toMatchObject({ obs: 0, terminated: false, truncated: true });
    }
  });

  it('rejects actions outside Discrete(4) even without the action check', () => {
    const env = make<number, number>('FrozenLake-v1', { disableActionCheck: true });
    env.reset({ seed: 0 });
    expect(() => env.step(4)).toThrow(/action 4 is not in the action space Discrete\(4\)/);
    expect(() => new FrozenLakeEnv().step(0)).toThrow(/step\(\) called before reset\(\)/);
  });
});

describe('generateRandomMap', () => {
  /** Breadth-first search from the top-left cell over non-hole tiles. */
  const reachesGoal = (rows: string[]): boolean => {
    const n = rows.length;
    const seen = new Set(['0,0']);
    const queue: [number, number][] = [[0, 0]];
    while (queue.length > 0) {
      const [r, c] = queue.shift()!;
      if (rows[r]![c] === 'G') return true;
      for (const [nr, nc] of [
        [r + 1, c],
        [r - 1, c],
        [r, c + 1],
        [r, c - 1],
      ] as [number, number][]) {
        if (nr >= 0 && nr < n && nc >= 0 && nc < n && rows[nr]![nc] !== 'H' && !seen.has(`${nr},${nc}`)) {
          seen.add(`${nr},${nc}`);
          queue.push([nr, nc]);
        }
      }
    }
    return false;
  };

  it('draws reproducible square maps with S and G in the corners and a path between them', () => {
    for (let seed = 0; seed < 50; seed++) {
      const rows = generateRandomMap(6, 0.6, new Rng(seed));
      expect(rows).toHaveLength(6);
      for (const row of rows) expect(row).toMatch(/^[SFHG]{6}$/);
      expect(rows[0]![0]).toBe('S');
      expect(rows[5]![5]).toBe('G');
      expect(reachesGoal(rows)).toBe(true);
      expect(generateRandomMap(6, 0.6, new Rng(seed))).toEqual(rows);
    }
    expect(generateRandomMap(8, 0.8, new Rng(1))).not.toEqual(generateRandomMap(8, 0.8, new Rng(2)));
  });

  it('is reachable as the randomMap kwarg, and bad arguments throw', () => {
    const env = make('FrozenLake-v1', { randomMap: { size: 5, p: 0.7, seed: 3 } });
    expect(tabularModel(env).nS).toBe(25);
    expect(env.renderState().desc).toEqual(generateRandomMap(5, 0.7, new Rng(3)));
    expect(() => generateRandomMap(1, 0.8, new Rng(0))).toThrow(/size must be an integer >= 2, got 1/);
    expect(() => generateRandomMap(4, 0, new Rng(0))).toThrow(/p \(the probability of a frozen tile\) must be in \(0, 1\], got 0/);
  });
});

// ---------------------------------------------------------------- CliffWalking rules

describe('CliffWalking-v1 rules', () => {
  const UP = 0;
  const RIGHT = 1;
  const DOWN = 2;

  it('stepping into the cliff gives -100 and returns to the start without ending the episode', () => {
    const env = make<number, number>('CliffWalking-v1');
    expect(env.reset({ seed: 0 })).toEqual({ obs: 36, info: { prob: 1 } });
    expect(env.step(RIGHT)).toEqual({ obs: 36, reward: -100, terminated: false, truncated: false, info: { prob: 1 } });
    // the episode goes on: step from 24 down into 36 is an ordinary step
    expect(env.step(UP)).toMatchObject({ obs: 24, reward: -1, terminated: false });
    expect(env.step(RIGHT)).toMatchObject({ obs: 25, reward: -1 });
    expect(env.step(DOWN)).toMatchObject({ obs: 36, reward: -100, terminated: false });
  });

  it('the safe path along the top of the cliff reaches the goal in 13 steps and terminates', () => {
    const env = make<number, number>('CliffWalking-v1');
    env.reset({ seed: 0 });
    const actions = [UP, ...Array<number>(11).fill(RIGHT), DOWN];
    let ret = 0;
    let last;
    for (const a of actions) {
      last = env.step(a);
      ret += last.reward;
    }
    expect(last).toEqual({ obs: 47, reward: -1, terminated: true, truncated: false, info: { prob: 1 } });
    expect(ret).toBe(-13);
    expect(env.renderState()).toEqual({
      rows: 4,
      cols: 12,
      cliff: [37, 38, 39, 40, 41, 42, 43, 44, 45, 46],
      start: 36,
      goal: 47,
      position: 47,
      lastAction: DOWN,
    });
  });

  it('has no time limit, as in Gymnasium', () => {
    const env = make<number, number>('CliffWalking-v1');
    expect(env.spec.maxEpisodeSteps).toBeUndefined();
    env.reset({ seed: 0 });
    for (let t = 0; t < 1000; t++) expect(env.step(UP).truncated).toBe(false);
  });

  it('slippery cliff walking follows its table', () => {
    const env = make<number, number>('CliffWalkingSlippery-v1');
    const { P } = tabularModel(env);
    let s = env.reset({ seed: 5 }).obs;
    const actions = new Rng(9);
    for (let t = 0; t < 2000; t++) {
      const a = actions.integers(0, 4);
      const r = env.step(a);
      expect(P[s]![a]!.some(([p, next, reward, term]) => next === r.obs && reward === r.reward && term === r.terminated && p === r.info.prob)).toBe(true);
      s = r.terminated ? env.reset().obs : r.obs;
    }
  });

  it('rejects a non-boolean isSlippery', () => {
    expect(() => new CliffWalkingEnv({ isSlippery: 1 as unknown as boolean })).toThrow(/CliffWalking-v1: isSlippery must be true or false, got 1/);
  });
});

describe('toy-text envs pass checkEnv', () => {
  it.each(['FrozenLake-v1', 'FrozenLake8x8-v1', 'CliffWalking-v1', 'CliffWalkingSlippery-v1'])('%s', (id) => {
    const env: Env = make(id);
    expect(() => checkEnv(env)).not.toThrow();
  });
});
