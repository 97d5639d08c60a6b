// `arena tune` end to end with the built CLI (tests of the CLI spawn
// dist/bin/arena.js: build first): a small study of tabular Q-learning writes
// its table, best.yaml (which `arena run` takes) and figure; killed with
// SIGKILL in the middle and resumed, it ends with the same trials, results and
// run numbers as a study never interrupted; a second start without --resume
// is refused.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../../experiments/config.js';
import { parseJsonl } from '../../experiments/store.js';
import type { StudyFile } from '../../experiments/tune/study.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'dist', 'bin', 'arena.js');
const temp = tempDirs('cli-tune');
const root = temp();

function arena(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STUDY = `name: cliff
env: { id: CliffWalking-v1, kwargs: { maxEpisodeSteps: 50 } }
totalSteps: 18000
checkpointEvery: 2000
eval: { every: 2000, episodes: 2 }
seeds: 2
tune:
  trials: 8
  sampler: tpe
  startupTrials: 4
  pruner: asha
  parallel: 2
variants:
  - name: q
    algorithm: q-learning
    search:
      learningRate: { loguniform: [0.01, 1] }
      epsilon: { uniform: [0.01, 0.5] }
`;

function studyFile(dir: string): StudyFile {
  return JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as StudyFile;
}

/** Every trial run's evaluations and episode lines, without wall-clock fields. */
function runNumbers(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const trial of readdirSync(dir).filter((n) => n.startsWith('trial-')).sort()) {
    for (const seed of readdirSync(join(dir, trial)).sort()) {
      const read = (file: string) => parseJsonl<Record<string, unknown>>(readFileSync(join(dir, trial, seed, file), 'utf8')).lines.map(({ time: _t, fps: _f, ...rest }) => rest);
      out[`${trial}/${seed}`] = { eval: read('eval.jsonl'), metrics: read('metrics.jsonl') };
    }
  }
  return out;
}

const trialsOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'trials.json'), 'utf8')) as { trials: unknown[] }).trials;

describe('arena tune', () => {
  it('runs a study, killed with SIGKILL and resumed, to the same trials and results as an uninterrupted one', async () => {
    writeFileSync(join(root, 'cliff.yaml'), STUDY);
    const whole = arena(['tune', 'cliff.yaml', '--runs-dir', 'whole']);
    expect(whole.stderr).toBe('');
    expect(whole.status).toBe(0);
    const wholeDir = join(root, 'whole', 'cliff');
    const study = studyFile(wholeDir);
    expect(study.finished).toBe(true);
    expect(study.trials).toHaveLength(8);
    // ASHA over rungs 2000, 6000, 18000 steps: some trials stop at the first rung, at least one runs the full budget.
    const trials = trialsOf(wholeDir) as { status: string; rung: number; steps: number; objective: number | null }[];
    expect(trials.filter((t) => t.status === 'complete').length).toBeGreaterThanOrEqual(1);
    expect(trials.filter((t) => t.status === 'pruned' && t.rung === 0).length).toBeGreaterThanOrEqual(4);
    for (const t of trials) expect(t.steps).toBe(2 * [2000, 6000, 18000][t.rung]!);
    expect(whole.stdout).toMatch(/env steps: [\d,]+ executed, 288,000 without pruning \(\d+% saved\)/);
    // The table, the figure, and a best.yaml that `arena run` parses, with the best trial's hyperparameters.
    const csv = readFileSync(join(wholeDir, 'trials.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('trial,status,objective,rung,budget,steps,learningRate,epsilon,error');
    expect(csv).toHaveLength(9);
    expect(readFileSync(join(wholeDir, 'tune.svg'), 'utf8')).toMatch(/^<svg/);
    const best = await loadExperimentConfig(join(wholeDir, 'best.yaml'));
    expect(best.name).toBe('cliff-best');
    const complete = trials.filter((t) => t.status === 'complete').sort((a, b) => b.objective! - a.objective!)[0] as unknown as { params: Record<string, unknown> };
    expect(best.variants[0]!.hyperparameters).toEqual(complete.params);

    // Started again without --resume: refused, nothing touched.
    const again = arena(['tune', 'cliff.yaml', '--runs-dir', 'whole']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds a study; continue it with --resume, or start over with --overwrite/);

    // Killed once a few results are logged, then resumed.
    const child = spawn(process.execPath, [cli, 'tune', 'cliff.yaml', '--runs-dir', 'cut'], { cwd: root, stdio: 'ignore' });
    const cutDir = join(root, 'cut', 'cliff');
    let loggedAtKill = 0;
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        try {
          loggedAtKill = existsSync(join(cutDir, 'study.json')) ? studyFile(cutDir).jobs.length : 0;
        } catch {
          loggedAtKill = 0; // being replaced
        }
        if (loggedAtKill >= 4) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          reject(new Error('no results within 120 s'));
        }
      }, 10);
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(studyFile(cutDir).finished).toBe(false);
    expect(studyFile(cutDir).jobs.length).toBeLessThan(study.jobs.length);
    const resumed = arena(['tune', 'cliff.yaml', '--runs-dir', 'cut', '--resume']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/resuming: \d+ result\(s\) from study\.json/);
    const cut = studyFile(cutDir);
    expect(cut.trials).toEqual(study.trials);
    expect(cut.jobs).toEqual(study.jobs);
    expect(trialsOf(cutDir)).toEqual(trialsOf(wholeDir));
    expect(runNumbers(cutDir)).toEqual(runNumbers(wholeDir));
    expect(readFileSync(join(cutDir, 'best.yaml'), 'utf8')).toBe(readFileSync(join(wholeDir, 'best.yaml'), 'utf8'));
  }, 400_000);

  it('refuses a bad study config with positions, before starting anything', () => {
    writeFileSync(join(root, 'bad.yaml'), STUDY.replace('epsilon: { uniform', 'epsilonn: { uniform'));
    const r = arena(['tune', 'bad.yaml', '--runs-dir', 'bad']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:18:7: variants\[0\]\.search\.epsilonn: unknown hyperparameter "epsilonn"; did you mean "epsilon"\?/);
    expect(existsSync(join(root, 'bad'))).toBe(false);
  });
});
