// The README's code that names the package runs as written against the built
// package (dist/index.js, what `import ... from 'arena-rl'` loads): the
// multi-agent snippet, with its 2e6-step budget cut to 2000 so that the test
// is quick. Needs `npm run build` first, like the CLI tests.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/temp-dirs.js';

const root = new URL('../../', import.meta.url);
const tempDir = tempDirs('readme');

/** The ```ts blocks of the README that contain `marker`. */
function snippets(marker: string): string[] {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => code.includes(marker));
}

describe('README snippets', () => {
  it('the multi-agent learner snippet runs: createLearner, learn, evaluateMatch, randomPolicy from the package', () => {
    const [code] = snippets('createLearner');
    expect(code).toBeDefined();
    expect(code).toContain("from 'arena-rl'");
    expect(code).toContain('totalSteps: 2e6');
    const dist = pathToFileURL(join(new URL(root).pathname, 'dist', 'index.js')).href;
    // The snippet's last line is an expression statement: print it.
    const lines = code!.trimEnd().split('\n');
    const last = lines.pop()!.replace(/;\s*\/\/.*$/, '');
    const program = [...lines, `console.log(JSON.stringify(${last}));`].join('\n').replace("from 'arena-rl'", `from '${dist}'`).replace('totalSteps: 2e6', 'totalSteps: 2000');
    const file = join(tempDir(), 'snippet.mjs');
    writeFileSync(file, program);
    const out = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' })) as { wins: number; draws: number; losses: number };
    expect(out.wins + out.draws + out.losses).toBe(1000);
  }, 60_000);
});
