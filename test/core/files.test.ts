// Writing users' files (core/files.ts): atomic replacement leaves the old file
// or the new one and no temp file, also when the write fails; a path where no
// directory can be made fails at once with the path in the message. Node 20's
// recursive mkdir loops forever on /proc, so each case runs in a child
// process with a timeout: a hang fails the test instead of stalling the suite.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDir, openFileAtomic, writeFileAtomic, writeFileAtomicSync } from '../../core/files.js';
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

describe('writeFileAtomic', () => {
  it('replaces a file with text or bytes, leaving no temp file, with the async and the synchronous write', async () => {
    const dir = temp();
    const path = join(dir, 'record.json');
    await writeFileAtomic(path, 'one');
    writeFileAtomicSync(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    const floats = new Float32Array([1.5, -2, 3]);
    await writeFileAtomic(join(dir, 'w.bin'), floats.subarray(1));
    expect([...new Float32Array(new Uint8Array(readFileSync(join(dir, 'w.bin'))).buffer)]).toEqual([-2, 3]);
    writeFileAtomicSync(join(dir, 'w2.bin'), floats);
    expect([...new Float32Array(new Uint8Array(readFileSync(join(dir, 'w2.bin'))).buffer)]).toEqual([1.5, -2, 3]);
    expect(readdirSync(dir).sort()).toEqual(['record.json', 'w.bin', 'w2.bin']);
  });

  it('a write that fails (the target is a directory) leaves no temp file', async () => {
    const dir = temp();
    const path = join(dir, 'taken');
    await ensureDir(join(path, 'inside'));
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(() => writeFileAtomicSync(path, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

describe('openFileAtomic', () => {
  it('writes pieces at positions (in any order) under a temp name; commit replaces the file, abort leaves it as it was', async () => {
    const dir = temp();
    const path = join(dir, 'video.mp4');
    writeFileSync(path, 'old');
    const file = await openFileAtomic(path);
    await file.write(Buffer.from('world'), 6);
    await file.write(Buffer.from('hello '), 0);
    await file.write(Buffer.from('W'), 6);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toHaveLength(2);
    await file.commit();
    expect(readFileSync(path, 'utf8')).toBe('hello World');
    expect(readdirSync(dir)).toEqual(['video.mp4']);

    const dropped = await openFileAtomic(path);
    await dropped.write(Buffer.from('partial'), 0);
    await dropped.abort();
    expect(readFileSync(path, 'utf8')).toBe('hello World');
    expect(readdirSync(dir)).toEqual(['video.mp4']);
  });
});

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
