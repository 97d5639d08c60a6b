// `arena eval` takes a directory saved by `arena train --save` as well as a run
// directory (the built CLI in a child process; npm run build first), and
// loadAgent takes a run directory as well as a saved agent's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../agents/index.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { make } from '../../core/registry.js';
import '../../envs/index.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const cli = new URL('../../dist/bin/arena.js', import.meta.url).pathname;
const tempDir = tempDirs('cli-eval-saved');

function arena(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('arena eval of a saved agent', () => {
  it('evaluates on the env (and kwargs) the save recorded; --env overrides; other directories get a precise error', () => {
    const dir = tempDir();
    const trained = arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--env-kwargs', '{"isSlippery": false}', '--steps', '5000', '--save', 'fl', '--eval-episodes', '2'], dir);
    expect(trained.status).toBe(0);
    const evaluated = arena(['eval', 'fl', '--episodes', '4'], dir);
    expect(evaluated.out).toMatch(/fl \(q-learning\) at step 5000: 4 deterministic episodes on FrozenLake-v1 \(seed 0\)/);
    expect(evaluated.out).toContain('mean return 1 (std 0)'); // the deterministic lake: proof the kwargs were reapplied
    expect(evaluated.status).toBe(0);

    rmSync(join(dir, 'fl', 'env.json'));
    const noEnv = arena(['eval', 'fl'], dir);
    expect(noEnv.status).toBe(1);
    expect(noEnv.out).toMatch(/fl has no env.json naming its env .*; give --env <id>/);
    const withEnv = arena(['eval', 'fl', '--env', 'FrozenLake-v1', '--env-kwargs', '{"isSlippery": false}', '--episodes', '2'], dir);
    expect(withEnv.out).toContain('mean return 1 (std 0)');
    expect(arena(['eval', 'fl', '--record'], dir).out).toMatch(/--record writes episodes into a run directory; fl is a saved agent/);

    mkdirSync(join(dir, 'empty'));
    const neither = arena(['eval', 'empty'], dir);
    expect(neither.status).toBe(1);
    expect(neither.out).toMatch(/empty is neither a run directory \(no run.json\) nor a saved agent directory \(no agent.json/);
    expect(arena(['eval', 'missing'], dir).out).toMatch(/missing does not exist; give a run directory/);
    writeFileSync(join(dir, 'file'), 'x');
    expect(arena(['eval', 'file'], dir).out).toMatch(/file is a file; give a run directory/);
  }, 60_000);
});

describe('loadAgent', () => {
  it("loads a run directory's checkpoint, and says what a directory without an agent is", async () => {
    const env = make('FrozenLake-v1');
    const agent = await createAgent('q-learning', {}, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 3 });
    await agent.learn({ env, totalSteps: 500 });
    const run = tempDir();
    await agent.save(join(run, 'checkpoint'));
    writeFileSync(join(run, 'run.json'), '{}');
    const loaded = await loadAgent(run);
    expect(loaded.stepCount).toBe(500);
    for (let s = 0; s < 16; s++) expect(loaded.act(s, { deterministic: true })).toBe(agent.act(s, { deterministic: true }));

    const runWithout = tempDir();
    writeFileSync(join(runWithout, 'run.json'), '{}');
    await expect(loadAgent(runWithout)).rejects.toThrow(/holds no saved agent \(no agent.json, nor checkpoint\/agent.json\): it is a run directory \(run.json\) whose run has no checkpoint yet/);
    await expect(loadAgent(tempDir())).rejects.toThrow(/it is neither a saved agent directory \(arena train --save\) nor a run directory/);
    await expect(loadAgent(join(run, 'nothing'))).rejects.toThrow(/: it does not exist/);
  });
});
