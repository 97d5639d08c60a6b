// Action masks: no choice of any kind (greedy, exploring, sampling, TD targets) picks an illegal move.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { initBackend, tf } from '../../../agents/lib/backend.js';
import { ILLEGAL, maskedArgmax, maskedEpsilonGreedy, maskedGreedy, maskedMax, maskedRowMax, maskedSoftmax, maskLogits, randomLegal } from '../../../agents/lib/masks.js';
import { tdTargetsMasked } from '../../../agents/multi/shared-q.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Random values and masks with at least one legal action. */
function cases(count: number, n: number, seed: number): { values: Float64Array; mask: Uint8Array }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const values = Float64Array.from({ length: n }, () => rng.normal() * 3);
    const mask = Uint8Array.from({ length: n }, () => (rng.random() < 0.4 ? 1 : 0));
    mask[rng.integers(0, n)] = 1;
    return { values, mask };
  });
}

describe('masked choices', () => {
  it('maskedArgmax returns the best legal action, even when an illegal one is larger', () => {
    expect(maskedArgmax([5, 1, 3, 9], 0, 4, new Uint8Array([0, 1, 1, 0]))).toBe(2);
    expect(maskedArgmax([0, 7, 1, 2, 9], 1, 4, [0, 1, 1, 0])).toBe(2); // row at offset 1: values 7, 1, 2, 9
    expect(maskedArgmax([1, 1, 1], 0, 3, null)).toBe(0); // ties: lowest index
    expect(maskedMax([5, 1, 3], 0, 3, [0, 1, 0])).toBe(1);
    expect(maskedMax([5, 1, 3], 0, 3, [0, 0, 0])).toBe(-Infinity);
    expect(() => maskedArgmax([1, 2], 0, 2, [0, 0])).toThrow(/allows no action/);
  });

  it('never picks an illegal move: argmax, greedy, epsilon-greedy, random, sampling (500 random cases)', () => {
    const rng = new Rng(7);
    const probs = new Float64Array(9);
    for (const { values, mask } of cases(500, 9, 1)) {
      const picks = [
        maskedArgmax(values, 0, 9, mask),
        maskedGreedy(values, 0, 9, mask, rng),
        maskedEpsilonGreedy(values, 0, 9, mask, 0.5, rng),
        randomLegal(9, mask, rng),
        rng.choice(maskedSoftmax(values, 0, 9, mask, probs)),
      ];
      for (const a of picks) expect(mask[a]).toBe(1);
      const legalMax = Math.max(...Array.from(values).filter((_, a) => mask[a] === 1));
      expect(values[maskedArgmax(values, 0, 9, mask)]).toBe(legalMax);
    }
  });

  it('maskedSoftmax puts probability 0 on illegal moves and sums to 1', () => {
    const p = maskedSoftmax([0, Math.log(3), 100, 0], 0, 4, [1, 1, 0, 0], new Float64Array(4));
    expect(Array.from(p)).toEqual([0.25, 0.75, 0, 0].map((x) => expect.closeTo(x, 12)));
  });

  it('maskedGreedy breaks ties among legal maxima at random, never toward an illegal tie', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(maskedGreedy([1, 1, 1, 1], 0, 4, [1, 0, 1, 1], rng));
    expect([...seen].sort()).toEqual([0, 2, 3]);
  });
});

describe('masked tensors', () => {
  it('maskLogits sets illegal logits to ILLEGAL; maskedRowMax is the legal max, 0 without legal moves', () => {
    const [masked, max] = tf.tidy(() => {
      const v = tf.tensor2d([[5, 1, 3], [2, 8, 4], [1, 2, 3]]);
      const m = tf.tensor2d([[0, 1, 1], [1, 0, 1], [0, 0, 0]]);
      return [maskLogits(v, m).arraySync(), maskedRowMax(v, m).arraySync()];
    });
    expect(masked).toEqual([[ILLEGAL, 1, 3], [2, ILLEGAL, 4], [ILLEGAL, ILLEGAL, ILLEGAL]]);
    expect(max).toEqual([3, 4, 0]);
  });

  it('TD targets take the legal max of Q_target (or Q_target at the legal argmax of Q_online), r alone when terminated', () => {
    const run = (double: boolean) =>
      tf.tidy(() =>
        Array.from(
          tdTargetsMasked(
            tf.tensor2d([[10, 1, 2], [3, 4, 5], [6, 7, 8], [1, 1, 1]]), // Q_target(s')
            double ? tf.tensor2d([[0, 9, 0], [9, 0, 1], [0, 0, 0], [0, 0, 0]]) : null, // Q_online(s')
            tf.tensor2d([[0, 1, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]]), // legal moves at s'
            tf.tensor1d([1, 0, -1, 0.5]),
            tf.tensor1d([0, 0, 1, 0]),
            0.5,
          ).dataSync(),
        ),
      );
    // Plain: row 0 max over {1, 2} = 2 (the illegal 10 ignored); row 1: 5; row 2 terminated; row 3 has no legal move: 0.
    expect(run(false)).toEqual([1 + 0.5 * 2, 0.5 * 5, -1, 0.5]);
    // Double: row 0 online argmax over legal {1, 2} is 1 -> Q_target 1; row 1: online prefers illegal 0, legal argmax is 2 -> 5.
    expect(run(true)).toEqual([1 + 0.5 * 1, 0.5 * 5, -1, 0.5]);
  });
});
