// `arena export` as a user runs it (the built CLI in a child process; npm run
// build first): a run directory or a saved agent into an ONNX file that
// onnxruntime-node loads and whose metadata names the env; bad flags and
// agents without an export path get errors, and nothing half-written is left.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { META, readMetadata } from '../../agents/export/onnx.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const cli = new URL('../../dist/bin/arena.js', import.meta.url).pathname;
const tempDir = tempDirs('cli-export');

function arena(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

const CONFIG = `
name: lake
env: { id: FrozenLake-v1, kwargs: { isSlippery: false } }
totalSteps: 3000
seeds: [0]
eval: { every: 1000, episodes: 1 }
checkpointEvery: 1000
variants:
  - algorithm: q-learning
`;

describe('arena export', () => {
  it('exports a run directory and a saved agent; the run model walks the deterministic lake to its goal', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lake.yaml'), CONFIG);
    const ran = arena(['run', 'lake.yaml', '--workers', '1'], dir);
    expect(ran.status, ran.out).toBe(0);
    const fromRun = arena(['export', 'runs/lake/q-learning/seed-0', '--out', 'models/lake.onnx'], dir);
    expect(fromRun.out).toMatch(/exported q-learning \(FrozenLake-v1\) to models\/lake.onnx: input obs, outputs action, q_values/);
    expect(fromRun.status).toBe(0);
    const bytes = readFileSync(join(dir, 'models', 'lake.onnx'));
    expect(readMetadata(bytes)[META.env]).toBe('FrozenLake-v1');
    expect(readdirSync(join(dir, 'models'))).toEqual(['lake.onnx']);
    // The learned path on the deterministic 4x4 lake: start at 0, goal at 15.
    const session = await ort.InferenceSession.create(bytes);
    const step = (s: number, a: number) => {
      const r = Math.floor(s / 4) + (a === 1 ? 1 : a === 3 ? -1 : 0);
      const c = (s % 4) + (a === 2 ? 1 : a === 0 ? -1 : 0);
      return Math.min(3, Math.max(0, r)) * 4 + Math.min(3, Math.max(0, c));
    };
    let s = 0;
    for (let t = 0; t < 6; t++) s = step(s, Number(((await session.run({ obs: new ort.Tensor('int64', BigInt64Array.of(BigInt(s)), [1]) }))['action']!.data as BigInt64Array)[0]));
    expect(s).toBe(15);

    expect(arena(['train', 'sarsa', '--env', 'CliffWalking-v1', '--steps', '2000', '--save', 'cliff', '--eval-episodes', '1'], dir).status).toBe(0);
    const fromSave = arena(['export', '--save', 'cliff'], dir);
    expect(fromSave.out).toMatch(/exported sarsa \(CliffWalking-v1\) to policy.onnx/);
    expect(readMetadata(readFileSync(join(dir, 'policy.onnx')))[META.env]).toBe('CliffWalking-v1');

    // TD3 (as SAC) exports its deterministic action and its first critic's Q.
    const td3 = arena(['train', 'td3', '--env', 'Pendulum-v1', '--steps', '200', '--hp', 'hidden=[16,16]', '--hp', 'learningStarts=100', '--save', 'td3', '--eval-episodes', '1'], dir);
    expect(td3.status, td3.out).toBe(0);
    const fromTd3 = arena(['export', '--save', 'td3', '--out', 'td3.onnx'], dir);
    expect(fromTd3.out).toMatch(/exported td3 \(Pendulum-v1\) to td3.onnx: input obs, outputs action, value/);
    const td3Session = await ort.InferenceSession.create(readFileSync(join(dir, 'td3.onnx')));
    const out = await td3Session.run({ obs: new ort.Tensor('float32', Float32Array.of(1, 0, 0, 0, 1, 0), [2, 3]) });
    expect(out['action']!.dims).toEqual([2, 1]);
    for (const a of out['action']!.data as Float32Array) expect(Math.abs(a)).toBeLessThanOrEqual(2);
  }, 120_000);

  it('says what is wrong: unknown format, no export path, both sources, unwritable --out (nothing left behind)', () => {
    const dir = tempDir();
    expect(arena(['train', 'bandit-ucb', '--env', 'Bandit-v0', '--steps', '50', '--save', 'bandit', '--eval-episodes', '1'], dir).status).toBe(0);
    expect(arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--steps', '200', '--save', 'lake', '--eval-episodes', '1'], dir).status).toBe(0);
    writeFileSync(join(dir, 'old.onnx'), 'an older model');

    const format = arena(['export', 'lake', '--format', 'tflite', '--out', 'old.onnx'], dir);
    expect(format.status).toBe(1);
    expect(format.out).toMatch(/export: unknown --format "tflite"; known: onnx/);
    const noPath = arena(['export', 'bandit', '--out', 'old.onnx'], dir);
    expect(noPath.status).toBe(1);
    expect(noPath.out).toMatch(/export: bandit-ucb agents have no ONNX export path; exportable: reinforce, ppo, a2c, dqn, ddpg, td3, sac, value-iteration/);
    expect(readFileSync(join(dir, 'old.onnx'), 'utf8')).toBe('an older model');
    expect(arena(['export', 'lake', '--save', 'lake'], dir).out).toMatch(/export: give a directory or --save <dir>, not both/);
    expect(arena(['export'], dir).out).toMatch(/export: give a run directory or --save <dir>/);
    expect(arena(['export', 'nowhere'], dir).out).toMatch(/nowhere does not exist; give a run directory \(with run.json\) or a directory saved by `arena train --save`/);

    const underFile = arena(['export', 'lake', '--out', 'old.onnx/policy.onnx'], dir);
    expect(underFile.status).toBe(1);
    expect(underFile.out).toMatch(/export: cannot write old.onnx\/policy.onnx: cannot create directory .*old.onnx is a file, not a directory/);
    const proc = arena(['export', 'lake', '--out', '/proc/policy.onnx'], dir);
    expect(proc.status).toBe(1);
    expect(proc.out).toMatch(/export: cannot write \/proc\/policy.onnx: /);
    expect(existsSync('/proc/policy.onnx.tmp')).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['bandit', 'lake', 'old.onnx']);
  }, 60_000);
});
