// Bandit runs through the experiment runner: experiments/configs/bandits.yaml
// runs as written, its update lines carry the per-pull regret and optimal
// share, and `compare` turns them into the cumulative regret the agent itself
// counted (saved in its checkpoint) and the late share of optimal pulls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../agents/index.js';
import '../../envs/index.js';
import { banditTotals, loadRuns } from '../../experiments/load-runs.js';
import { compareRuns } from '../../experiments/compare.js';
import { formatTable, toCsv } from '../../experiments/comparison-format.js';
import { loadExperimentConfig, planRuns } from '../../experiments/config.js';
import { executeRun } from '../../experiments/execute-run.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('bandit-run');

describe('bandit experiments', () => {
  it('bandits.yaml: compare reports each variant\'s cumulative regret (equal to the agents\' own count) and % optimal', async () => {
    const config = await loadExperimentConfig(new URL('../../experiments/configs/bandits.yaml', import.meta.url).pathname);
    const root = tempDir();
    const runs = planRuns(config, root);
    expect(runs).toHaveLength(20);
    for (const run of runs) expect((await executeRun(run)).status).toBe('finished');
    const comparison = compareRuns(await loadRuns([join(root, 'bandits')]), { x: 'steps', resamples: 200, bandResamples: 50 });
    for (const v of comparison.variants) {
      for (const seed of v.runs) {
        const saved = JSON.parse(readFileSync(join(seed.dir, 'checkpoint', 'agent.json'), 'utf8')) as { state: { cumulativeRegret: number } };
        expect(seed.bandit!.regret).toBeCloseTo(saved.state.cumulativeRegret, 8);
        expect(seed.bandit!.optimalShare).toBeGreaterThanOrEqual(0);
        expect(seed.bandit!.optimalShare).toBeLessThanOrEqual(1);
      }
    }
    const regret = Object.fromEntries(comparison.variants.map((v) => [v.variant, v.bandit!.regret]));
    // Thompson sampling beats UCB1 on Bernoulli arms (as in bench:bandits, t = 44 over 2000 tasks).
    expect(regret['thompson']).toBeLessThan(regret['ucb1']!);
    const table = formatTable(comparison);
    expect(table).toMatch(/regret +% optimal/);
    expect(table).toContain('regret: cumulative pseudo-regret');
    expect(toCsv(comparison).split('\n')[0]).toMatch(/,regret,optimal_share$/);
  }, 60_000);

  it('banditTotals: sums each window mean times its steps, and takes the optimal share over the last tenth', () => {
    // Windows of 10, 10 and 5 pulls (a last line that does not fall on logEvery).
    const t = banditTotals([
      { step: 10, regret: 0.5, optimalAction: 0 },
      { step: 20, regret: 0.2, optimalAction: 0.5 },
      { step: 25, regret: 0, optimalAction: 1 },
    ])!;
    expect(t.regret).toBeCloseTo(5 + 2 + 0, 12);
    // Last tenth: steps 22.5-25, all in the last window.
    expect(t.optimalShare).toBe(1);
    const straddle = banditTotals([
      { step: 95, regret: 0, optimalAction: 0 },
      { step: 100, regret: 0, optimalAction: 1 },
    ])!;
    // Last tenth = steps 90-100: 5 steps at 0, 5 at 1.
    expect(straddle.optimalShare).toBeCloseTo(0.5, 12);
    expect(banditTotals([])).toBeNull();
  });
});
