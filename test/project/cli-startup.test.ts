// What the built `arena` loads before it does anything: `--help` must not pay
// for the envs, the agents, TensorFlow.js, ONNX Runtime, MuJoCo, BullMQ or
// Playwright (about a CPU second per call before bin/ loaded commands lazily);
// and training loads TensorFlow.js only for an agent that builds tfjs nets
// (about 0.45 CPU s before agents/lib/backend.ts loaded it on first use).
// A module given to node's --import records every module the process loads:
// ES modules through a loader hook, CommonJS ones from require.cache at exit.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../../agents/lib/backend.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const cli = new URL('../../dist/bin/arena.js', import.meta.url).pathname;
const dir = tempDirs('cli-startup')();
const recorder = join(dir, 'record-loads.mjs');
writeFileSync(
  recorder,
  `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.ARENA_TEST_LOADS, url + '\\\\n');
  return next(url, context);
}\`));
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(process.env.ARENA_TEST_LOADS, Object.keys(require.cache).join('\\n') + '\\n'));
`,
);

let runs = 0;
/** Runs `arena args` under the recorder: its output and the npm packages it loaded. */
function arena(args: string[]): { status: number | null; stdout: string; stderr: string; packages: string[] } {
  const log = join(dir, `loads-${runs++}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', recorder, cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ARENA_TEST_LOADS: log } });
  const packages = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(line);
    if (m) packages.add(m[1]!);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, packages: [...packages].sort() };
}

describe('arena startup', () => {
  it('--help and --version load no package but commander', () => {
    const help = arena(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['envs', 'train', 'run', 'eval', 'export', 'serve', 'compare', 'view', 'worker']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(help.packages).toEqual(['commander']);
    const version = arena(['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(version.packages).toEqual(['commander']);
  });

  it('envs --json loads the envs (MuJoCo among them) but no agent: neither TensorFlow.js nor ONNX Runtime', () => {
    const envs = arena(['envs', '--json']);
    expect(envs.status).toBe(0);
    const ids = (JSON.parse(envs.stdout) as { id: string }[]).map((e) => e.id);
    expect(ids).toContain('CartPole-v1');
    expect(ids).toContain('Hopper-v5');
    expect(envs.packages).toContain('@mujoco/mujoco');
    expect(envs.packages.filter((p) => p.startsWith('@tensorflow/') || p.startsWith('onnxruntime'))).toEqual([]);
  });

  it('training a tabular agent, or DQN on ONNX Runtime, loads no TensorFlow.js', () => {
    const tabular = arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--steps', '500', '--eval-episodes', '1']);
    expect(tabular.status).toBe(0);
    expect(tabular.stderr).toMatch(/deterministic evaluation over 1 episodes/);
    expect(tabular.packages.filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
    // learningStarts below the budget: the onnx nets are built and take gradient steps.
    const dqn = arena(['train', 'dqn', '--env', 'CartPole-v1', '--steps', '300', '--hp', 'learningStarts=100', '--backend', 'onnx', '--eval-episodes', '1']);
    expect(dqn.status).toBe(0);
    expect(dqn.stderr).toMatch(/deterministic evaluation over 1 episodes/);
    expect(dqn.packages).toContain('onnxruntime-node');
    expect(dqn.packages.filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
  });

  it("train's help, either way asked, lists every backend without loading TensorFlow.js (the names live in a module of their own)", () => {
    const listed = `neural-net backend: ${BACKENDS.join(', ')}`;
    for (const args of [['train', '--help'], ['help', 'train']]) {
      const help = arena(args);
      expect(help.status).toBe(0);
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(listed);
      expect(help.packages.filter((p) => p.startsWith('@tensorflow/') || p.startsWith('onnxruntime'))).toEqual([]);
    }
  });
});
