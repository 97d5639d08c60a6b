// Creating directories from user paths (core/files.ts): a path where no
// directory can be made fails at once with the path in the message. Node 20's
// recursive mkdir loops forever on /proc, so each case runs in a child
// process with a timeout: a hang fails the test instead of stalling the suite.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDir } from '../../core/files.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'dist', 'bin', 'arena.js');
const temp = tempDirs('files');

/** Runs ES module code in a child process (dist/ modules imported by absolute path), at most `ms`. */
function node(code: string, ms = 20_000): { status: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8', timeout: ms });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
}

const hasProc = existsSync('/proc/self');

describe('ensureDir', () => {
  it('creates missing levels, and accepts an existing directory', async () => {
    const dir = temp();
    await ensureDir(join(dir, 'a', 'b', 'c'));
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    await ensureDir(join(dir, 'a', 'b', 'c'));
  });

  it('names the path and the file in the way when a level is a file', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'file'), 'x');
    await expect(ensureDir(join(dir, 'file', 'sub'))).rejects.toThrow(`cannot create directory ${join(dir, 'file', 'sub')}: ${join(dir, 'file')} is a file, not a directory`);
  });

  it.runIf(hasProc)('fails at once under /proc, where a recursive mkdir never returns', () => {
    const r = node(`import { ensureDir } from ${JSON.stringify(join(repo, 'dist', 'core', 'files.js'))};
      try { await ensureDir('/proc/x/y'); console.log('created'); } catch (e) { console.log(e.message); }`);
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toMatch(/^cannot create directory \/proc\/x\/y: /);
  });
});

describe.runIf(hasProc)('user paths under /proc fail fast with the path', () => {
  it('agent.save', () => {
    const r = node(`import ${JSON.stringify(join(repo, 'dist', 'agents', 'index.js'))};
      import { createAgent } from ${JSON.stringify(join(repo, 'dist', 'agents', 'agent.js'))};
      import { discrete } from ${JSON.stringify(join(repo, 'dist', 'core', 'spaces.js'))};
      const agent = await createAgent('q-learning', {}, { observationSpace: discrete(4), actionSpace: discrete(2), seed: 0 });
      try { await agent.save('/proc/nope'); console.log('saved'); } catch (e) { console.log(e.message); }`);
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toMatch(/cannot create directory \/proc\/nope: /);
  });

  it('arena train --save, before training', () => {
    const r = spawnSync(process.execPath, [cli, 'train', 'q-learning', '--env', 'FrozenLake-v1', '--steps', '100000000', '--save', '/proc/agent'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/arena: .*cannot create directory \/proc\/agent: /);
    expect(r.stderr).not.toMatch(/training/);
  });

  it('arena run --runs-dir', () => {
    const dir = temp();
    writeFileSync(join(dir, 'x.yaml'), 'name: x\nenv: FrozenLake-v1\ntotalSteps: 100\nseeds: 1\nvariants: [{ algorithm: q-learning }]\n');
    const r = spawnSync(process.execPath, [cli, 'run', join(dir, 'x.yaml'), '--runs-dir', '/proc/x'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/arena: .*cannot create directory \/proc\/x\/x: /);
  });
});
