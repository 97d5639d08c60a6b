// The study driver in this process (InProcessExecutor): a median-pruned study
// of tabular Q-learning stopped (as by Ctrl-C) after a few results and resumed
// ends with the trials and results of a study never stopped; a resume with
// another config, or a start over an existing study, is refused.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessExecutor } from '../../experiments/run-experiment.js';
import { parseStudyConfig } from '../../experiments/tune/config.js';
import type { StudyFile, StudyReporter } from '../../experiments/tune/study.js';
import { runStudy } from '../../experiments/tune/study.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const temp = tempDirs('tune-study');

const STUDY = `name: cliff
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 50 } }
totalSteps: 12000
checkpointEvery: 2000
eval: { every: 2000, episodes: 2 }
seeds: 2
tune: { trials: 6, sampler: random, seed: 4, pruner: median, minTrials: 2, minSteps: 2000, eta: 2 }
variants:
  - name: q
    algorithm: q-learning
    search:
      learningRate: { loguniform: [0.01, 1] }
      epsilon: { uniform: [0.01, 0.5] }
`;

const silent = (onJobEnded: () => void = () => {}): StudyReporter => ({
  start() {},
  jobStarted() {},
  runProgress() {},
  jobEnded: onJobEnded,
  message() {},
  end() {},
});

const studyFile = (dir: string) => JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as StudyFile;

describe('runStudy', () => {
  it('stopped after a few results and resumed, ends as a study never stopped; median pruning stops some trials', async () => {
    const study = parseStudyConfig(STUDY, 'cliff.yaml');
    expect(study.rungs).toEqual([2000, 4000, 8000, 12000]);
    const whole = await runStudy(study, { runsDir: temp(), executor: new InProcessExecutor(), reporter: silent() });
    expect(whole.interrupted).toBe(false);
    expect(whole.trials).toHaveLength(6);
    expect(whole.trials.filter((t) => t.status === 'complete').length).toBeGreaterThanOrEqual(2);
    expect(whole.trials.some((t) => t.status === 'pruned')).toBe(true);
    expect(whole.steps).toBe(whole.trials.reduce((a, t) => a + 2 * study.rungs[t.rung]!, 0));
    expect(whole.stepsWithoutPruning).toBe(6 * 2 * 12000);
    expect(whole.best?.status).toBe('complete');

    const runsDir = temp();
    const stop = new AbortController();
    let ended = 0;
    const first = await runStudy(study, { runsDir, executor: new InProcessExecutor(), reporter: silent(() => ++ended === 3 && stop.abort()), signal: stop.signal });
    expect(first.interrupted).toBe(true);
    expect(first.best).toBeNull();
    const dir = join(runsDir, 'cliff');
    expect(studyFile(dir)).toMatchObject({ finished: false, jobs: studyFile(join(whole.dir)).jobs.slice(0, 3) });

    await expect(runStudy(study, { runsDir, executor: new InProcessExecutor() })).rejects.toThrow(/already holds a study; continue it with --resume/);
    const other = parseStudyConfig(STUDY.replace('seed: 4', 'seed: 5'), 'cliff.yaml');
    await expect(runStudy(other, { runsDir, executor: new InProcessExecutor(), resume: true })).rejects.toThrow(/the study config .* differs from the one this study started with/);

    const resumed = await runStudy(study, { runsDir, executor: new InProcessExecutor(), resume: true, reporter: silent() });
    expect(resumed.interrupted).toBe(false);
    expect(resumed.trials).toEqual(whole.trials);
    expect(studyFile(dir).jobs).toEqual(studyFile(whole.dir).jobs);
    expect(resumed.steps).toBe(whole.steps);
  }, 300_000);

  it('--overwrite deletes the study and its trials first; a study stopped before it began touches nothing', async () => {
    const study = parseStudyConfig(STUDY.replace('trials: 6', 'trials: 2').replace('pruner: median', 'pruner: none'), 'cliff.yaml');
    const runsDir = temp();
    const first = await runStudy(study, { runsDir, executor: new InProcessExecutor(), reporter: silent() });
    const files = readdirSync(first.dir).sort();
    expect(files).toEqual(['best.yaml', 'study.json', 'trial-0000', 'trial-0001', 'trials.csv', 'trials.json', 'tune.png', 'tune.svg']);
    const stop = new AbortController();
    stop.abort();
    const never = await runStudy(study, { runsDir, executor: new InProcessExecutor(), reporter: silent(), overwrite: true, signal: stop.signal });
    expect(never.interrupted).toBe(true);
    expect(readdirSync(first.dir).sort()).toEqual(files);
    // Over a study of another config: one trial now, sampled with another seed.
    mkdirSync(join(first.dir, 'trial-0009'));
    const other = parseStudyConfig(STUDY.replace('trials: 6', 'trials: 1').replace('pruner: median', 'pruner: none').replace('seed: 4', 'seed: 5'), 'cliff.yaml');
    const again = await runStudy(other, { runsDir, executor: new InProcessExecutor(), reporter: silent(), overwrite: true });
    expect(again.trials).toHaveLength(1);
    expect(readdirSync(first.dir).sort()).toEqual(['best.yaml', 'study.json', 'trial-0000', 'trials.csv', 'trials.json', 'tune.png', 'tune.svg']);
    expect(again.trials[0]!.params).not.toEqual(first.trials[0]!.params);
  });

  it('refuses a pruner on an executor that cannot pause runs at rungs', async () => {
    const study = parseStudyConfig(STUDY, 'cliff.yaml');
    const executor = new InProcessExecutor();
    const noPause = { concurrency: 1, execute: executor.execute.bind(executor), stop: () => executor.stop(), close: () => executor.close() };
    const runsDir = temp();
    await expect(runStudy(study, { runsDir, executor: noPause })).rejects.toThrow(/pruner median pauses trials at rungs, which this executor cannot do/);
  });
});
