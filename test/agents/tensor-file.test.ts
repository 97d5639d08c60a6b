// The one weight file format (agents/lib/tensor-file.ts): files written before
// it existed (test/fixtures/weights: an MLP and a conv trunk saved by the old
// saveMlp / saveCnn, an iql learner with its Q-tables) load to the same numbers
// and save back byte for byte, and bad files fail naming the file and the size
// expected.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../agents/lib/backend.js';
import { cnn, getCnnWeights, loadCnn, saveCnn } from '../../agents/lib/cnn.js';
import { getWeights, loadMlp, mlp, saveMlp } from '../../agents/lib/nets.js';
import { readArray, readTensors, writeTensors } from '../../agents/lib/tensor-file.js';
import '../../agents/multi/index.js';
import { loadLearner } from '../../agents/multi/learner.js';
import { Rng } from '../../core/rng.js';
import { ensureGames } from './multi/helpers.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/weights');
const tempDir = tempDirs('tensor-file');
ensureGames();
beforeAll(async () => {
  await initBackend('wasm');
});

const bytes = (dir: string, file: string) => readFileSync(join(dir, file)).toString('base64');

describe('files written before the shared format', () => {
  it('an MLP loads to the weights it was saved from and saves back byte for byte', async () => {
    const net = await loadMlp(FIXTURES, 'actor');
    const original = mlp([3, 4, 2], new Rng(5), { activation: 'relu' });
    expect(net.sizes).toEqual([3, 4, 2]);
    expect(net.activation).toBe('relu');
    expect(getWeights(net).data).toEqual(getWeights(original).data);
    const dir = tempDir();
    await saveMlp(net, dir, 'actor');
    for (const f of ['actor.json', 'actor.weights.bin']) expect(bytes(dir, f)).toBe(bytes(FIXTURES, f));
    net.dispose();
    original.dispose();
  });

  it('a conv trunk loads to the weights it was saved from and saves back byte for byte', async () => {
    const net = await loadCnn(FIXTURES, 'cnn');
    const original = cnn([12, 12, 2], new Rng(5), { filters: [2, 3], kernels: [4, 3], strides: [2, 1], dense: 5 });
    expect(getCnnWeights(net)).toEqual(getCnnWeights(original));
    const dir = tempDir();
    await saveCnn(net, dir, 'cnn');
    for (const f of ['cnn.json', 'cnn.weights.bin']) expect(bytes(dir, f)).toBe(bytes(FIXTURES, f));
    net.dispose();
    original.dispose();
  });

  it("an iql learner's Q-tables load and save back byte for byte", async () => {
    const learner = await loadLearner(join(FIXTURES, 'iql-tic-tac-toe'));
    const dir = tempDir();
    await learner.save(dir);
    const tables = readdirSync(join(FIXTURES, 'iql-tic-tac-toe')).filter((f) => f !== 'learner.json');
    expect(tables.length).toBe(8);
    for (const f of tables) expect(bytes(dir, f)).toBe(bytes(join(FIXTURES, 'iql-tic-tac-toe'), f));
    learner.dispose?.();
  });
});

describe('checks on reading', () => {
  async function saved(): Promise<string> {
    const dir = tempDir();
    await writeTensors(dir, 'net', 'test.net/1', { note: 'x' }, [[2, 3], [3]], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'test');
    return dir;
  }

  it('round-trips the header fields and the values', async () => {
    const { header, data } = await readTensors<{ format: string; note: string; weightsFile: string; weights: { shape: number[]; offset: number; length: number }[] }>(await saved(), 'net', 'test.net/1', 'test');
    expect(header.note).toBe('x');
    expect(header.weights).toEqual([
      { shape: [2, 3], offset: 0, length: 6 },
      { shape: [3], offset: 6, length: 3 },
    ]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses values that do not fit the shapes when writing', async () => {
    await expect(writeTensors(tempDir(), 'net', 'test.net/1', {}, [[2, 2]], new Float32Array(3), 'saveX')).rejects.toThrow('saveX: 3 values for tensors of shapes [2, 2] (4 values)');
  });

  it('names the file and what was expected: missing, other format, bad layout, wrong size', async () => {
    const dir = await saved();
    await expect(readTensors(dir, 'other', 'test.net/1', 'who')).rejects.toThrow(`who: cannot read ${join(dir, 'other.json')}`);
    await expect(readTensors(dir, 'net', 'test.net/2', 'who')).rejects.toThrow(`who: ${join(dir, 'net.json')} has format "test.net/1", expected test.net/2`);
    const json = JSON.parse(readFileSync(join(dir, 'net.json'), 'utf8'));
    writeFileSync(join(dir, 'net.json'), JSON.stringify({ ...json, weights: [json.weights[0], { shape: [3], offset: 5, length: 3 }] }));
    await expect(readTensors(dir, 'net', 'test.net/1', 'who')).rejects.toThrow(/weights\[1\] is .*, expected a shape whose size is its length, at offset 6/);
    writeFileSync(join(dir, 'net.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'net.weights.bin'), new Uint8Array(8));
    await expect(readTensors(dir, 'net', 'test.net/1', 'who')).rejects.toThrow(`who: ${join(dir, 'net.weights.bin')} has 8 bytes, ${join(dir, 'net.json')} describes 9 float32 values (36 bytes)`);
  });

  it('checks raw arrays against the length their reader expects', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.f64'), new Uint8Array(new Float64Array([1, 2, 3]).buffer));
    expect(Array.from(await readArray(join(dir, 'a.f64'), Float64Array, 3, 'who'))).toEqual([1, 2, 3]);
    await expect(readArray(join(dir, 'a.f64'), Float64Array, 4, 'who')).rejects.toThrow(`who: ${join(dir, 'a.f64')} has 24 bytes, expected 4 float64 values (32 bytes)`);
  });

  it("fails on an iql table cut short, naming its file and the rows it needs", async () => {
    const dir = tempDir();
    cpSync(join(FIXTURES, 'iql-tic-tac-toe'), dir, { recursive: true });
    writeFileSync(join(dir, 'table-0.q.f64'), new Uint8Array(16));
    await expect(loadLearner(dir)).rejects.toThrow(/iql: .*table-0\.q\.f64 has 16 bytes, its 13 rows of 9 actions in .*table-0\.keys\.json need 117 float64 values \(936 bytes\)/);
  });
});
