// The pure pieces of the multi-agent learners: input layout of parameter
// sharing, table keys, sides, GAE over agent streams, the opponent pool and
// matchups, the replay buffer.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { box, dict, discrete, multiBinary } from '../../../core/spaces.js';
import { streamGae } from '../../../agents/multi/advantages.js';
import { ObservationEncoder, sharedSpaces, tableKeyer } from '../../../agents/multi/encoding.js';
import { checkSides, defaultSides } from '../../../agents/multi/learner.js';
import { MaskedReplay } from '../../../agents/multi/replay.js';
import { drawMatchup, OpponentPool, passes, recencyWeights } from '../../../agents/multi/self-play.js';

describe('parameter-sharing input layout', () => {
  it('is the flattened observation followed by a one-hot of the agent index', () => {
    const enc = new ObservationEncoder(box(-10, 10, [3]), 4, true);
    expect(enc.obsDim).toBe(3);
    expect(enc.inputDim).toBe(7);
    const out = new Float32Array(2 * 7).fill(9);
    enc.encode(new Float32Array([0.5, -1, 2]), 2, out, 0);
    enc.encode(new Float32Array([1, 2, 3]), 0, out, 7);
    expect(Array.from(out)).toEqual([0.5, -1, 2, 0, 0, 1, 0, 1, 2, 3, 1, 0, 0, 0]);
  });

  it('reads a masked observation\'s board (not its mask), one-hot codes Discrete parts, and can leave out the id', () => {
    const board = dict({ observation: box(0, 1, [2, 1, 2], 'uint8'), actionMask: multiBinary(2) });
    const enc = new ObservationEncoder(board, 2, true);
    expect(enc.inputDim).toBe(4 + 2);
    const out = new Float32Array(6);
    enc.encode({ observation: new Uint8Array([1, 0, 0, 1]), actionMask: new Uint8Array([1, 1]) }, 1, out, 0);
    expect(Array.from(out)).toEqual([1, 0, 0, 1, 0, 1]);
    const plain = new ObservationEncoder(discrete(3), 2, false);
    const row = new Float32Array(3);
    plain.encode(2, 1, row, 0);
    expect(plain.inputDim).toBe(3);
    expect(Array.from(row)).toEqual([0, 0, 1]);
  });

  it('sharing needs one observation size and one action space', () => {
    expect(() => sharedSpaces('t', ['a', 'b'], { a: box(0, 1, [2]), b: box(0, 1, [3]) }, { a: discrete(2), b: discrete(2) })).toThrow(/one size/);
    expect(() => sharedSpaces('t', ['a', 'b'], { a: box(0, 1, [2]), b: box(0, 1, [2]) }, { a: discrete(2), b: discrete(3) })).toThrow(/one action space/);
  });
});

describe('table keys', () => {
  it('reads a board as a mixed-radix number, a Discrete observation as its index, a Box through a grid', () => {
    const board = dict({ observation: box(0, 1, [3, 3, 2], 'uint8'), actionMask: multiBinary(9) });
    const key = tableKeyer(board);
    const planes = new Uint8Array(18);
    expect(key({ observation: planes, actionMask: new Uint8Array(9) })).toBe(0);
    planes[17] = 1;
    planes[0] = 1;
    expect(key({ observation: planes, actionMask: new Uint8Array(9) })).toBe(2 ** 17 + 1);
    expect(tableKeyer(discrete(5, { start: 2 }))(4)).toBe(2);
    const grid = tableKeyer(box(-1, 1, [2]), { bins: [2, 4] });
    expect(grid(new Float32Array([-0.9, -0.9]))).toBe(0);
    expect(grid(new Float32Array([0.5, 0.9]))).toBe(1 * 4 + 3);
    expect(() => tableKeyer(box(-1, 1, [2]))).toThrow(/discretize/);
  });
});

describe('sides', () => {
  it('splits two-player games, teams and cooperative groups', () => {
    expect(defaultSides(['player_0', 'player_1'])).toEqual([['player_0'], ['player_1']]);
    expect(defaultSides(['paddle_0', 'paddle_1'])).toEqual([['paddle_0'], ['paddle_1']]);
    expect(defaultSides(['blue_0', 'blue_1', 'red_0', 'red_1'])).toEqual([['blue_0', 'blue_1'], ['red_0', 'red_1']]);
    expect(defaultSides(['agent_0', 'agent_1', 'agent_2'])).toEqual([['agent_0', 'agent_1', 'agent_2']]);
    expect(() => checkSides('t', ['a', 'b'], [['a']])).toThrow(/leave out b/);
    expect(() => checkSides('t', ['a', 'b'], [['a', 'b'], ['b']])).toThrow(/more than one side/);
  });
});

describe('GAE over agent streams', () => {
  it('matches hand-computed values for interleaved streams, a termination, a truncation and a rollout end', () => {
    // Stream A: rows 0 -> 2 -> 4 (terminated). Stream B: rows 1 -> 3 (truncated, bootstrap 10), then row 5 (rollout end, bootstrap 4).
    const g = 0.5;
    const l = 0.5;
    const r = {
      size: 6,
      rewards: [1, 0, 2, 1, -1, 3],
      values: [1, 2, 3, 4, 5, 6],
      terminated: [0, 0, 0, 0, 1, 0],
      nextRow: [2, 3, 4, -1, -1, -1],
      bootstrap: [0, 0, 0, 10, 0, 4],
    };
    const adv = new Float64Array(6);
    const ret = new Float64Array(6);
    streamGae(r, g, l, adv, ret);
    const a4 = -1 - 5;
    const a2 = 2 + g * 5 - 3 + g * l * a4;
    const a0 = 1 + g * 3 - 1 + g * l * a2;
    const a3 = 1 + g * 10 - 4;
    const a1 = 0 + g * 4 - 2 + g * l * a3;
    const a5 = 3 + g * 4 - 6;
    expect(Array.from(adv)).toEqual([a0, a1, a2, a3, a4, a5]);
    expect(Array.from(ret)).toEqual([a0 + 1, a1 + 2, a2 + 3, a3 + 4, a4 + 5, a5 + 6]);
  });
});

describe('self-play pool and matchups', () => {
  it('keeps the newest poolSize snapshots and hands the evicted ones back to free', () => {
    const pool = new OpponentPool<string>(2);
    pool.add('a', 10);
    pool.add('b', 20);
    pool.add('c', 30);
    expect(pool.entries.map((e) => [e.id, e.update, e.data])).toEqual([[1, 20, 'b'], [2, 30, 'c']]);
    expect(pool.count).toBe(3);
    expect(pool.drainEvicted()).toEqual(['a']);
    expect(pool.drainEvicted()).toEqual([]);
  });

  it('samples uniformly or by recency (the k-th oldest with weight k)', () => {
    expect(recencyWeights(3)).toEqual([1, 2, 3]);
    const pool = new OpponentPool<number>(3);
    for (let i = 0; i < 3; i++) pool.add(i, i);
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[pool.sample(rng, 'recency').data] += 1;
    expect(counts[0]! / 6000).toBeCloseTo(1 / 6, 1);
    expect(counts[2]! / 6000).toBeCloseTo(3 / 6, 1);
  });

  it('draws matchups by weight, skipping an empty pool and missing fixed opponents', () => {
    const rng = new Rng(2);
    const settings = { snapshotEvery: 1, poolSize: 5, opponentSampling: 'uniform' as const, selfPlayWeight: 0, poolWeight: 1, fixedWeight: 3 };
    const kinds = { self: 0, pool: 0, fixed: 0 };
    const learnerSides = [0, 0];
    for (let i = 0; i < 4000; i++) {
      const d = drawMatchup(rng, 2, settings, 1, ['random']);
      kinds[d.opponent.kind] += 1;
      learnerSides[d.learnerSide] += 1;
    }
    expect(kinds.self).toBe(0);
    expect(kinds.fixed / 4000).toBeCloseTo(0.75, 1);
    expect(learnerSides[0]! / 4000).toBeCloseTo(0.5, 1);
    expect(drawMatchup(rng, 2, settings, 0, []).opponent.kind).toBe('self'); // nothing else available
    expect(drawMatchup(rng, 1, settings, 3, ['random'])).toEqual({ learnerSide: 0, opponent: { kind: 'self' } }); // cooperative
    expect(passes(0, 10, 4)).toBe(2);
    expect(passes(3, 4, 4)).toBe(1);
    expect(passes(0, 10, 0)).toBe(0);
  });
});

describe('masked replay buffer', () => {
  it('stores masks (null as all legal), wraps around, and round-trips through bytes', () => {
    const r = new MaskedReplay(2, 2, 3);
    r.add(new Float32Array([1, 2]), 0, 1, 0.5, new Float32Array([3, 4]), 0, new Uint8Array([1, 0, 1]), false);
    r.add(new Float32Array([0, 5, 6]), 1, 2, -1, new Float32Array([7, 8]), 0, null, true);
    r.add(new Float32Array([9, 9]), 0, 0, 2, new Float32Array([9, 9]), 0, new Uint8Array([0, 0, 1]), false);
    expect(r.size).toBe(2);
    expect(Array.from(r.obs)).toEqual([9, 9, 5, 6]);
    expect(Array.from(r.nextMasks)).toEqual([0, 0, 1, 1, 1, 1]);
    const copy = MaskedReplay.fromBytes(r.toBytes().slice().buffer, 2, 2, 3);
    expect(copy.size).toBe(2);
    expect(Array.from(copy.rewards)).toEqual([2, -1]);
    const batch = copy.batch(4);
    copy.sample(new Rng(0), batch);
    for (let j = 0; j < 4; j++) expect([0, 2]).toContain(batch.actions[j]);
  });
});
