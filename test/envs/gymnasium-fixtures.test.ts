// The Gymnasium fixtures the conformance tests read (test/fixtures/gymnasium) are byte copies of the
// recorded reference data in the shared conformance folder, the repository's sibling `../shared/conformance`
// (for a git worktree, the sibling of the main checkout). The fixtures' SHA-256 are written below, so an
// edit of a fixture fails here on any clone; where the shared folder is present the copies are also
// compared with it byte for byte, so a re-recording there that was not copied over fails too. A large
// fixture is kept gzipped (`NAME.json.gz`); its SHA-256 and the comparison are of the decompressed bytes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(repo, 'test/fixtures/gymnasium');

/** SHA-256 of each fixture as copied from the shared conformance folder (Gymnasium 1.3.0, numpy 2.4; mujoco 3.14.0). */
const recorded: Record<string, string> = {
  'classic-control.json': '988a53180048de445e1a07773748c1d8f4daf801b9ea2b39e1f22763d9395962',
  'mujoco.json': 'b09d22e957cc25a843dad135d1468b98797c5e8bef95fdade01da354c009eb99',
  'toy-text.json': '421dc8f76f6c4752139998c65b4412a3e7a43fa8f134416f0439c48c206e87b5',
};

/** The fixture's file: `name` itself, or `name.gz` for one kept compressed. */
const fixtureFile = (name: string) => (existsSync(join(fixtures, name)) ? join(fixtures, name) : join(fixtures, `${name}.gz`));
/** The fixture's recorded bytes (decompressed when it is kept gzipped). */
const fixtureBytes = (name: string) => {
  const path = fixtureFile(name);
  return path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path);
};
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

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
const jsonFixtures = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
  .map((f) => f.replace(/\.gz$/, ''))
  .sort();

describe('Gymnasium fixtures', () => {
  it('are the recorded files, unedited (SHA-256)', () => {
    expect(jsonFixtures).toEqual(Object.keys(recorded).sort());
    for (const name of jsonFixtures) expect(sha256(fixtureBytes(name)), name).toBe(recorded[name]);
  });

  it.skipIf(!existsSync(shared))(`equal the shared conformance data byte for byte (${shared})`, () => {
    for (const name of jsonFixtures) {
      const source = join(shared, name);
      expect(existsSync(source), `${source} is missing from the shared conformance folder`).toBe(true);
      expect(fixtureBytes(name).equals(readFileSync(source)), `${name} differs from ${source}`).toBe(
        true,
      );
    }
  });
});
