// A trial's objective from its evaluations (eval, auc, steps-to-threshold;
// aggregated over seeds), and the study's table, best trial and best config.
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../experiments/config.js';
import type { ObjectiveConfig } from '../../experiments/tune/config.js';
import { parseStudyConfig } from '../../experiments/tune/config.js';
import { aggregate, lossOf, seedValue } from '../../experiments/tune/objective.js';
import type { TrialRow } from '../../experiments/tune/outputs.js';
import { bestConfigText, bestTrial, studyFigureSpec, trialsCsv } from '../../experiments/tune/outputs.js';

const evals = [
  { step: 0, mean: 10 },
  { step: 1000, mean: 50 },
  { step: 2000, mean: 200 },
  { step: 3000, mean: 480 },
];
const objective = (o: Partial<ObjectiveConfig>): ObjectiveConfig => ({ metric: 'eval', aggregate: 'iqm', direction: 'maximize', ...o });

describe('objectives', () => {
  it('eval: the latest evaluation up to the step reached', () => {
    expect(seedValue(objective({}), evals, 3000, 1000)).toBe(480);
    expect(seedValue(objective({}), evals, 2500, 1000)).toBe(200);
    expect(seedValue(objective({}), [], 2500, 1000)).toBeNaN();
  });

  it('auc: the average height of the evaluation curve up to the step reached', () => {
    // Trapezoids over 0-2000: (10+50)/2*1000 + (50+200)/2*1000 = 155000, over 2000 steps.
    expect(seedValue(objective({ metric: 'auc' }), evals, 2000, 1000)).toBe(77.5);
  });

  it('steps-to-threshold: the first evaluation reaching it, else the steps run plus one interval', () => {
    expect(seedValue(objective({ metric: 'steps-to-threshold', threshold: 150 }), evals, 3000, 1000)).toBe(2000);
    expect(seedValue(objective({ metric: 'steps-to-threshold', threshold: 500 }), evals, 3000, 1000)).toBe(4000);
  });

  it('aggregates seeds and turns maximized objectives into losses', () => {
    expect(aggregate('iqm', [1, 2, 3, 100, 4, 5, 6, 7])).toBe(4.5);
    expect(aggregate('median', [1, 2, 100])).toBe(2);
    expect(aggregate('mean', [1, 2, 3])).toBe(2);
    expect(lossOf(objective({}), 5)).toBe(-5);
    expect(lossOf(objective({ direction: 'minimize' }), 5)).toBe(5);
    expect(lossOf(objective({}), null)).toBe(Infinity);
    expect(lossOf(objective({}), Number.NaN)).toBe(Infinity);
  });
});

const STUDY = `name: s
env: CartPole-v1
totalSteps: 9000
checkpointEvery: 1000
seeds: 2
tune: { trials: 3, pruner: asha }
variants:
  - name: dqn
    algorithm: dqn
    hyperparameters: { batchSize: 32 }
    search:
      learningRate: { loguniform: [1e-5, 1e-2] }
      hidden: { choice: [[64, 64], [256, 256]] }
`;

const row = (number: number, status: TrialRow['status'], objective: number | null, rung: number, params: Record<string, unknown>): TrialRow => ({
  number, name: `trial-000${number}`, params, status, objective, rung, budget: [1000, 3000, 9000][rung] ?? null, steps: 2 * ([1000, 3000, 9000][rung] ?? 0),
});

describe('study outputs', () => {
  const study = parseStudyConfig(STUDY, 's.yaml');
  const rows = [
    row(0, 'pruned', 300, 0, { learningRate: 0.001, hidden: [64, 64] }),
    row(1, 'complete', 200, 2, { learningRate: 0.0001, hidden: [256, 256] }),
    row(2, 'complete', 250, 2, { learningRate: 0.0003, hidden: [64, 64] }),
    { ...row(3, 'failed', null, 0, { learningRate: 0.01, hidden: [64, 64] }), error: 'diverged, "badly"' },
  ];

  it('the best trial is the best at the highest rung reached, not a better one stopped earlier', () => {
    expect(bestTrial(rows, 'maximize')!.name).toBe('trial-0002');
    expect(bestTrial(rows, 'minimize')!.name).toBe('trial-0001');
    expect(bestTrial([rows[0]!, rows[3]!], 'maximize')!.name).toBe('trial-0000');
    expect(bestTrial([rows[3]!], 'maximize')).toBeNull();
  });

  it('writes the table as CSV, quoting lists and errors', () => {
    expect(trialsCsv(study.space, rows).split('\n')).toEqual([
      'trial,status,objective,rung,budget,steps,learningRate,hidden,error',
      'trial-0000,pruned,300,0,1000,2000,0.001,"[64,64]",',
      'trial-0001,complete,200,2,9000,18000,0.0001,"[256,256]",',
      'trial-0002,complete,250,2,9000,18000,0.0003,"[64,64]",',
      'trial-0003,failed,,0,1000,2000,0.01,"[64,64]","diverged, ""badly"""',
      '',
    ]);
  });

  it("best.yaml is an experiment config with the best trial's hyperparameters over the fixed ones", () => {
    const text = bestConfigText(study, rows[2]!);
    const config = parseExperimentConfig(text, 'best.yaml');
    expect(config.name).toBe('s-best');
    expect(config.variants.map((v) => [v.name, v.hyperparameters])).toEqual([['dqn', { batchSize: 32, learningRate: 0.0003, hidden: [64, 64] }]]);
    expect(config.variants[0]!.totalSteps).toBe(9000);
  });

  it('the figure has a panel per hyperparameter besides objective by trial, log-scaled for loguniform', () => {
    const spec = studyFigureSpec(study, rows) as unknown as { concat: { title: string; encoding: { x: { scale?: { type?: string }; sort?: string[] } } }[] };
    expect(spec.concat.map((p) => p.title)).toEqual(['objective by trial', 'learningRate', 'hidden']);
    expect(spec.concat[1]!.encoding.x.scale).toEqual({ type: 'log' });
    // Choices in the order the config lists them, not alphabetically.
    expect(spec.concat[2]!.encoding.x.sort).toEqual(['[64,64]', '[256,256]']);
  });
});
