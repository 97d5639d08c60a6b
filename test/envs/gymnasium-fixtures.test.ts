// The Gymnasium fixtures the conformance tests read (test/fixtures/gymnasium) are byte copies of the
// recorded reference data in the shared conformance folder, the repository's sibling `../shared/conformance`
// (for a git worktree, the sibling of the main checkout). The fixtures' SHA-256 are written below, so an
// edit of a fixture fails here on any clone; where the shared folder is present the copies are also
// compared with it byte for byte, so a re-recording there that was not copied over fails too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(repo, 'test/fixtures/gymnasium');

/** SHA-256 of each fixture as copied from the shared conformance folder (Gymnasium 1.3.0, numpy 2.4). */
const recorded: Record<string, string> = {
  'classic-control.json': '988a53180048de445e1a07773748c1d8f4daf801b9ea2b39e1f22763d9395962',
  'toy-text.json': '421dc8f76f6c4752139998c65b4412a3e7a43fa8f134416f0439c48c206e87b5',
};

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The main checkout: the repository itself, or the one a git worktree belongs to. */
function mainCheckout(): string {
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirname(common);
  } catch {
    return repo; // no git (an unpacked copy): the repository is its own main checkout
  }
}

const shared = join(mainCheckout(), '../shared/conformance');
const jsonFixtures = readdirSync(fixtures).filter((f) => f.endsWith('.json')).sort();

describe('Gymnasium fixtures', () => {
  it('are the recorded files, unedited (SHA-256)', () => {
    expect(jsonFixtures).toEqual(Object.keys(recorded).sort());
    for (const name of jsonFixtures) expect(sha256(join(fixtures, name)), name).toBe(recorded[name]);
  });

  it.skipIf(!existsSync(shared))(`equal the shared conformance data byte for byte (${shared})`, () => {
    for (const name of jsonFixtures) {
      const source = join(shared, name);
      expect(existsSync(source), `${source} is missing from the shared conformance folder`).toBe(true);
      expect(readFileSync(join(fixtures, name)).equals(readFileSync(source)), `${name} differs from ${source}`).toBe(
        true,
      );
    }
  });
});
