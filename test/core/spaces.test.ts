import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import {
  box,
  contains,
  describeSpace,
  dict,
  discrete,
  flatDim,
  flatten,
  flattenSpace,
  multiBinary,
  multiDiscrete,
  sample,
  spaceFromJSON,
  spaceToJSON,
  spacesEqual,
  tuple,
  unflatten,
} from '../../core/spaces.js';
import type { Space } from '../../core/spaces.js';

const everySpace: Record<string, Space> = {
  discrete: discrete(5),
  discreteStart: discrete(3, { start: -1 }),
  boxBounded: box(-1, 2, [2, 3]),
  boxUnbounded: box([-Infinity, 0, -Infinity], [Infinity, Infinity, 1]),
  boxUint8: box(0, 255, [4, 4, 3], 'uint8'),
  multiDiscrete: multiDiscrete([2, 3, 4]),
  multiBinary: multiBinary(6),
  dict: dict({ position: box(-1, 1, [2]), gear: discrete(3) }),
  tuple: tuple([discrete(2), box(0, 1, [3]), tuple([multiBinary(2)])]),
};

describe('space builders reject bad arguments with a message saying what is wrong', () => {
  it('Discrete', () => {
    expect(() => discrete(0)).toThrow(/Discrete: n must be an integer >= 1, got 0/);
    expect(() => discrete(-3)).toThrow(/got -3/);
    expect(() => discrete(2.5)).toThrow(/integer/);
    expect(() => discrete(2, { start: 0.5 })).toThrow(/start must be an integer/);
  });
  it('Box', () => {
    expect(() => box(1, 0, [2])).toThrow(/low\[0\] = 1 is greater than high\[0\] = 0/);
    expect(() => box([0, 0, 0], [1, 1], undefined)).toThrow(/high has 2 values but shape \[3\] needs 3/);
    expect(() => box([0, 0], 1, [3])).toThrow(/low has 2 values but shape \[3\] needs 3/);
    expect(() => box(0, 1)).toThrow(/shape is required/);
    expect(() => box(0, 1, [-1])).toThrow(/shape entries/);
    expect(() => box(0, 300, [1], 'uint8')).toThrow(/uint8 bounds must be integers in \[0, 255\]/);
    expect(() => box(0, 1, [1], 'float64' as 'float32')).toThrow(/dtype/);
  });
  it('MultiDiscrete, MultiBinary, Dict, Tuple', () => {
    expect(() => multiDiscrete([2, 0])).toThrow(/nvec\[1\] must be an integer >= 1, got 0/);
    expect(() => multiDiscrete([])).toThrow(/must not be empty/);
    expect(() => multiBinary(-2)).toThrow(/MultiBinary: n/);
    expect(() => dict({})).toThrow(/at least one/);
    expect(() => dict({ a: { type: 'nope' } as unknown as Space })).toThrow(/Dict\['a'\] is not a space/);
    expect(() => tuple([])).toThrow(/at least one/);
  });
});

describe('sample and contains', () => {
  for (const [name, space] of Object.entries(everySpace)) {
    it(`${name}: 200 samples lie in the space`, () => {
      const rng = new Rng(7);
      for (let i = 0; i < 200; i++) expect(contains(space, sample(space, rng))).toBe(true);
    });
  }

  it('the same seed gives the same samples', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    for (const space of Object.values(everySpace)) expect(sample(space, a)).toEqual(sample(space, b));
  });

  it('Discrete samples cover start .. start + n - 1 uniformly', () => {
    const rng = new Rng(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 30000; i++) {
      const v = sample(discrete(3, { start: -1 }), rng);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([-1, 0, 1]);
    for (const c of counts.values()) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  it('Box samples: uniform when bounded, normal when unbounded, shifted exponential when half-bounded', () => {
    const rng = new Rng(5);
    const space = box([-Infinity, 0, -Infinity, 2], [Infinity, Infinity, 3, 4]);
    const n = 20000;
    const sums = [0, 0, 0, 0];
    let minHalf = Infinity;
    for (let i = 0; i < n; i++) {
      const x = sample(space, rng);
      for (let k = 0; k < 4; k++) sums[k]! += x[k]!;
      minHalf = Math.min(minHalf, x[1]!);
      expect(x[2]).toBeLessThanOrEqual(3);
    }
    expect(sums[0]! / n).toBeCloseTo(0, 1); // standard normal
    expect(sums[1]! / n).toBeCloseTo(1, 1); // 0 + Exp(1)
    expect(sums[2]! / n).toBeCloseTo(2, 1); // 3 - Exp(1)
    expect(sums[3]! / n).toBeCloseTo(3, 1); // U(2, 4)
    expect(minHalf).toBeGreaterThanOrEqual(0);
  });

  it('contains rejects wrong shapes, types and out-of-range values', () => {
    expect(contains(discrete(3), 3)).toBe(false);
    expect(contains(discrete(3), 1.5)).toBe(false);
    expect(contains(discrete(3), '1')).toBe(false);
    expect(contains(box(-1, 1, [2]), [0, 0, 0])).toBe(false);
    expect(contains(box(-1, 1, [2]), [0, 1.5])).toBe(false);
    expect(contains(box(-1, 1, [2]), [0, Number.NaN])).toBe(false);
    expect(contains(box(-1, 1, [2]), new Float32Array([0.5, -1]))).toBe(true);
    expect(contains(box(0, 255, [2], 'uint8'), [1.5, 2])).toBe(false);
    expect(contains(multiDiscrete([2, 3]), [1, 3])).toBe(false);
    expect(contains(multiBinary(2), [1, 2])).toBe(false);
    expect(contains(everySpace.dict!, { position: [0, 0] })).toBe(false);
    expect(contains(everySpace.dict!, { position: [0, 0], gear: 2, extra: 1 })).toBe(false);
    expect(contains(everySpace.dict!, { position: [0, 0], gear: 2 })).toBe(true);
    expect(contains(everySpace.tuple!, [1, [0, 0, 0]])).toBe(false);
  });
});

describe('flatten and unflatten', () => {
  it('flatDim follows Gymnasium (Discrete and MultiDiscrete one-hot)', () => {
    expect(flatDim(discrete(5))).toBe(5);
    expect(flatDim(box(0, 1, [2, 3]))).toBe(6);
    expect(flatDim(multiDiscrete([2, 3, 4]))).toBe(9);
    expect(flatDim(multiBinary(6))).toBe(6);
    expect(flatDim(everySpace.dict!)).toBe(5);
    expect(flatDim(everySpace.tuple!)).toBe(7);
  });

  it('flattens to the documented layout', () => {
    expect(Array.from(flatten(discrete(3, { start: -1 }), 0))).toEqual([0, 1, 0]);
    expect(Array.from(flatten(multiDiscrete([2, 3]), new Int32Array([1, 2])))).toEqual([0, 1, 0, 0, 1]);
    expect(Array.from(flatten(everySpace.dict!, { position: new Float32Array([0.5, -0.5]), gear: 2 }))).toEqual([0.5, -0.5, 0, 0, 1]);
  });

  for (const [name, space] of Object.entries(everySpace)) {
    it(`${name}: unflatten(flatten(x)) == x`, () => {
      const rng = new Rng(11);
      for (let i = 0; i < 20; i++) {
        const x = sample(space, rng);
        const flat = flatten(space, x);
        expect(flat.length).toBe(flatDim(space));
        expect(unflatten(space, flat)).toEqual(x);
        expect(contains(flattenSpace(space), flat)).toBe(true);
      }
    });
  }

  it('unflatten rejects a vector of the wrong length', () => {
    expect(() => unflatten(discrete(3), [1, 0])).toThrow(/got 2 values, space Discrete\(3\) has flat dimension 3/);
  });
});

describe('JSON round trip', () => {
  for (const [name, space] of Object.entries(everySpace)) {
    it(`${name} survives JSON.stringify/parse`, () => {
      const json = JSON.parse(JSON.stringify(spaceToJSON(space)));
      const back = spaceFromJSON(json);
      expect(spacesEqual(back, space)).toBe(true);
      expect(back).toEqual(space);
    });
  }

  it('infinite bounds are written as strings and read back', () => {
    const json = spaceToJSON(box([-Infinity], [Infinity]));
    expect(json).toMatchObject({ low: ['-inf'], high: ['inf'] });
    expect(() => spaceFromJSON({ type: 'box', shape: [1], low: ['-oo'], high: [1], dtype: 'float32' })).toThrow(/space.low\[0\]: expected a number, 'inf' or '-inf'/);
    expect(() => spaceFromJSON({ type: 'cube' })).toThrow(/unknown space type "cube"/);
  });

  it('describes spaces the way Gymnasium prints them', () => {
    expect(describeSpace(discrete(2))).toBe('Discrete(2)');
    expect(describeSpace(discrete(3, { start: -1 }))).toBe('Discrete(3, start=-1)');
    expect(describeSpace(box(-1, 1, [3]))).toBe('Box(-1, 1, (3,), float32)');
    expect(describeSpace(box([-Infinity, 0], [Infinity, 1]))).toBe('Box([-inf, 0], [inf, 1], (2,), float32)');
    expect(describeSpace(box(0, 255, [96, 96, 3], 'uint8'))).toBe('Box(0, 255, (96, 96, 3), uint8)');
  });
});
