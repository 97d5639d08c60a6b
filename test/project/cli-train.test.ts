// `arena train` flags that reach what configs can: --env-kwargs, --warm-start
// and --warm-start-map (tabular transfer between shapes), run as a user runs
// them: the built CLI in a child process (npm run build first).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/temp-dirs.js';

const cli = new URL('../../dist/bin/arena.js', import.meta.url).pathname;
const tempDir = tempDirs('cli-train');

function arena(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('arena train', () => {
  it('--env-kwargs reaches make(); --warm-start with --warm-start-map moves a 4x4 table onto 8x8', () => {
    const dir = tempDir();
    const small = arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--env-kwargs', '{"isSlippery": false}', '--steps', '5000', '--save', 'fl4', '--eval-episodes', '3'], dir);
    expect(small.out).toContain('mean return 1 (std 0)'); // the deterministic lake is solved: proof the kwarg arrived
    expect(small.status).toBe(0);
    const noMap = arena(['train', 'q-learning', '--env', 'FrozenLake8x8-v1', '--steps', '10', '--warm-start', 'fl4'], dir);
    expect(noMap.status).toBe(1);
    expect(noMap.out).toMatch(/is 16 states x 4 actions, this agent's is 64 x 4; give a mapping \{ states, actions \}/);
    const states = Array.from({ length: 64 }, (_, s) => Math.floor(Math.floor(s / 8) / 2) * 4 + Math.floor((s % 8) / 2));
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ states }));
    const mapped = arena(['train', 'sarsa', '--env', 'FrozenLake8x8-v1', '--steps', '10', '--warm-start', 'fl4', '--warm-start-map', 'map.json', '--save', 'fl8', '--eval-episodes', '1'], dir);
    expect(mapped.out).toContain('warm start from fl4');
    expect(mapped.status).toBe(0);
    expect(existsSync(join(dir, 'fl8', 'agent.json'))).toBe(true);
  }, 60_000);

  it('bad flags fail with what is wrong', () => {
    const dir = tempDir();
    const badJson = arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--env-kwargs', '{isSlippery: false}'], dir);
    expect(badJson.status).not.toBe(0);
    expect(badJson.out).toMatch(/--env-kwargs must be a JSON object/);
    expect(arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--env-kwargs', '[1]'], dir).out).toMatch(/--env-kwargs must be a JSON object, got \[1\]/);
    expect(arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--env-kwargs', '{"slippery": false}', '--steps', '10'], dir).out).toMatch(/unknown keyword argument "slippery" \(did you mean isSlippery\?\); allowed: .*isSlippery/);
    expect(arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--steps', '10', '--warm-start-map', '{"states": [0]}'], dir).out).toMatch(/a warm-start mapping needs --warm-start <dir>/);
    expect(arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--warm-start-map', '{"stats": []}'], dir).out).toMatch(/--warm-start-map: unknown key "stats"/);
    expect(arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--warm-start-map', 'missing.json'], dir).out).toMatch(/--warm-start-map: neither JSON nor a readable file/);
  }, 60_000);
});
