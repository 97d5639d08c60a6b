// Project-wide rules: the dependency direction between top-level folders, and
// no unseeded randomness in library code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Top-level folders a file imports from (relative imports only). */
function importedFolders(file: string): Set<string> {
  const text = readFileSync(join(root, file), 'utf8');
  const folders = new Set<string>();
  for (const m of text.matchAll(/(?:import|export)[^'"]*from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    const target = relative(root, join(root, file, '..', spec));
    folders.add(target.split('/')[0]!);
  }
  return folders;
}

// Which top-level folders each folder may import (DESIGN: keep the direction one way).
const allowed: Record<string, string[]> = {
  core: ['core'],
  envs: ['envs', 'core'],
  agents: ['agents', 'core'],
  experiments: ['experiments', 'agents', 'envs', 'core'],
  // Play live: the client bundles envs to run them in the browser, the server reads saved agents' weights (viewer/live-*.ts).
  viewer: ['viewer', 'experiments', 'agents', 'envs', 'core'],
};

describe('dependency direction', () => {
  for (const [folder, may] of Object.entries(allowed)) {
    it(`${folder}/ imports only from ${may.join(', ')}`, () => {
      const violations = sources(folder).flatMap((file) =>
        [...importedFolders(file)].filter((f) => !may.includes(f)).map((f) => `${file} imports from ${f}/`),
      );
      expect(violations).toEqual([]);
    });
  }
});

describe('randomness', () => {
  it('library code never calls Math.random', () => {
    const offenders = ['core', 'envs', 'agents', 'experiments', 'viewer', 'bin']
      .flatMap(sources)
      .filter((file) => /Math\.random\s*\(/.test(readFileSync(join(root, file), 'utf8').replace(/\/\/.*$/gm, '')));
    expect(offenders).toEqual([]);
  });
});
