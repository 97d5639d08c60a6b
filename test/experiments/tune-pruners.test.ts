// Pruners against hand-worked examples: ASHA's promotions (eta 3, three
// rungs) as reports arrive, and the median pruner's stop/continue decisions.
import { describe, expect, it } from 'vitest';
import { AshaPruner, MedianPruner, NoPruner } from '../../experiments/tune/pruners.js';

describe('ASHA', () => {
  it('promotes the top 1/eta of a rung, highest rung first, each trial once', () => {
    const asha = new AshaPruner(3, 3);
    const after = (trial: number, rung: number, loss: number) => {
      asha.report(trial, rung, loss);
      const out = [];
      for (let p = asha.next(); p !== null; p = asha.next()) out.push(p);
      return out;
    };
    // Rung 0: 3 trials -> floor(3/3) = 1 promotable: the best, trial 1 (loss 3).
    expect(after(0, 0, 5)).toEqual([]);
    expect(after(1, 0, 3)).toEqual([]);
    expect(after(2, 0, 8)).toEqual([{ trial: 1, rung: 1 }]);
    // 4 trials, top 1 is now trial 3 (loss 1): promoted although trial 1 already was.
    expect(after(3, 0, 1)).toEqual([{ trial: 3, rung: 1 }]);
    // 5 trials: still 1 promotable (trial 3, done).
    expect(after(4, 0, 4)).toEqual([]);
    // 6 trials: top 2 = trials 3 and 5; 5 is new.
    expect(after(5, 0, 2)).toEqual([{ trial: 5, rung: 1 }]);
    // Rung 1: trials 1, 3, 5 report; at 3 reports the best (trial 3) goes to the last rung.
    expect(after(1, 1, 2.5)).toEqual([]);
    expect(after(3, 1, 0.9)).toEqual([]);
    expect(after(5, 1, 1.5)).toEqual([{ trial: 3, rung: 2 }]);
    // Rung 0 grows to 9: top 3 = trials 3, 5, 6 (loss 2.2 beats 1's 3): trial 6 is promoted; a higher rung would go first.
    expect(after(6, 0, 2.2)).toEqual([]);
    expect(after(7, 0, 9)).toEqual([]);
    expect(after(8, 0, 9)).toEqual([{ trial: 6, rung: 1 }]);
    // Reports at the last rung promote nothing further.
    expect(after(3, 2, 0.5)).toEqual([]);
  });

  it('breaks ties by the earlier trial and ranks failed trials (Infinity) last', () => {
    const asha = new AshaPruner(2, 2);
    asha.report(0, 0, Infinity);
    asha.report(1, 0, 4);
    expect(asha.next()).toEqual({ trial: 1, rung: 1 });
    asha.report(2, 0, 4);
    asha.report(3, 0, 4);
    expect(asha.next()).toEqual({ trial: 2, rung: 1 });
    expect(asha.next()).toBeNull();
  });

  it('finishes a study whose rungs promote nobody to the last: the best of the highest rung reached goes on', () => {
    // 8 trials, eta 3: 2 reach rung 1, and floor(2/3) = 0 would reach rung 2.
    const asha = new AshaPruner(3, 3);
    [5, 3, 8, 1, 4, 2, 6, 7].forEach((loss, trial) => asha.report(trial, 0, loss));
    const promoted = [];
    for (let p = asha.next(); p !== null; p = asha.next()) promoted.push(p);
    expect(promoted).toEqual([{ trial: 3, rung: 1 }, { trial: 5, rung: 1 }]);
    asha.report(3, 1, 2);
    asha.report(5, 1, 0.5);
    expect(asha.next()).toBeNull();
    expect(asha.finish()).toEqual({ trial: 5, rung: 2 });
    asha.report(5, 2, 0.4);
    expect(asha.finish()).toBeNull();
    // Nobody past rung 0 (every promotion failed): its best unpromoted trial climbs one rung at a time.
    const early = new AshaPruner(3, 3);
    early.report(0, 0, 2);
    early.report(1, 0, 1);
    early.report(2, 0, Infinity);
    expect(early.finish()).toEqual({ trial: 1, rung: 1 });
    early.report(1, 1, 1);
    expect(early.finish()).toEqual({ trial: 1, rung: 2 });
  });
});

describe('median pruner', () => {
  it('goes on until minTrials completed, then stops trials worse than their median at the rung', () => {
    const m = new MedianPruner(3, 2);
    for (const [trial, losses] of [[0, [5, 4, 3]], [1, [6, 5, 4]]] as const) {
      losses.forEach((loss, rung) => {
        m.report(trial, rung, loss);
        expect(m.next()).toEqual(rung < 2 ? { trial, rung: rung + 1 } : null);
      });
    }
    m.report(2, 0, 7); // median of 5 and 6 is 5.5: pruned
    expect(m.next()).toBeNull();
    m.report(3, 0, 5.5); // at the median: goes on
    expect(m.next()).toEqual({ trial: 3, rung: 1 });
    m.report(3, 1, 4.6); // median of 4 and 5 is 4.5: pruned
    expect(m.next()).toBeNull();
    m.report(4, 0, Infinity); // failed
    expect(m.next()).toBeNull();
  });

  it('none never takes a trial further', () => {
    const n = new NoPruner();
    n.report();
    expect(n.next()).toBeNull();
  });
});
