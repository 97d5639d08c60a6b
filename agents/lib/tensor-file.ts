// The one on-disk format of saved weights: named float32 tensors as
// `<name>.json` (a format tag, the net's architecture, the weights file's name
// and each tensor's shape, offset and length) next to `<name>.weights.bin`
// (the values concatenated, float32, the machine's byte order: little-endian
// on every platform Node runs on). MLPs (nets.ts) and conv trunks (cnn.ts)
// write it; the raw typed arrays of tables and optimizer state (readArray)
// are read back with the same checks. Reading checks the format tag, that the
// shapes tile the file and that its size is what the header describes, and
// says which file and what size was expected.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../../core/files.js';

export interface TensorEntry {
  shape: number[];
  offset: number;
  length: number;
}

/** The JSON part of a tensor file: the format tag, the writer's architecture fields, then the layout. */
export interface TensorHeader {
  format: string;
  weightsFile: string;
  weights: TensorEntry[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Writes `data` (the tensors of `shapes`, concatenated) as `<name>.weights.bin`
 * and `<name>.json` = { format, ...architecture, weightsFile, weights } into
 * `dir`; `who` names the caller when the sizes disagree.
 */
export async function writeTensors(dir: string, name: string, format: string, architecture: Record<string, unknown>, shapes: readonly (readonly number[])[], data: Float32Array, who: string): Promise<void> {
  let offset = 0;
  const weights = shapes.map((shape) => {
    const entry: TensorEntry = { shape: [...shape], offset, length: sizeOf(shape) };
    offset += entry.length;
    return entry;
  });
  if (offset !== data.length) throw new RangeError(`${who}: ${data.length} values for tensors of shapes ${describeShapes(shapes)} (${offset} values)`);
  await ensureDir(dir);
  const header = { format, ...architecture, weightsFile: `${name}.weights.bin`, weights };
  await writeFileAtomic(join(dir, header.weightsFile), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  await writeFileAtomic(join(dir, `${name}.json`), JSON.stringify(header, null, 2) + '\n');
}

/** Reads `<name>.json` and its weights file from `dir`, checked (see the top of this file); `who` names the caller in errors. */
export async function readTensors<H extends TensorHeader>(dir: string, name: string, format: string, who: string): Promise<{ header: H; data: Float32Array; path: string }> {
  const path = join(dir, `${name}.json`);
  let header: H;
  try {
    header = JSON.parse(await readFile(path, 'utf8')) as H;
  } catch (e) {
    throw new Error(`${who}: cannot read ${path}: ${(e as Error).message}`);
  }
  if (header?.format !== format) throw new Error(`${who}: ${path} has format ${JSON.stringify(header?.format)}, expected ${format}`);
  if (typeof header.weightsFile !== 'string' || !Array.isArray(header.weights)) throw new Error(`${who}: ${path} has no weightsFile and weights list`);
  let expected = 0;
  header.weights.forEach((w, i) => {
    const ok = Array.isArray(w?.shape) && w.shape.every((d) => Number.isInteger(d) && d >= 0) && w.offset === expected && w.length === sizeOf(w.shape);
    if (!ok) throw new Error(`${who}: ${path}: weights[${i}] is ${JSON.stringify(w)}, expected a shape whose size is its length, at offset ${expected}`);
    expected += w.length;
  });
  const binPath = join(dir, header.weightsFile);
  const data = await readArray(binPath, Float32Array, expected, who, `${path} describes`);
  return { header, data, path };
}

type ArrayKind = Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * A typed array saved raw at `path` (as agent.ts's writeBinary writes it), in
 * a fresh buffer, checked to hold `expected` values (null: any whole number of them).
 */
export async function readArray<K extends ArrayKind>(path: string, kind: K, expected: number | null, who: string, because = 'expected'): Promise<InstanceType<K>> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`${who}: cannot read ${path}: ${(e as Error).message}`);
  }
  const per = kind.BYTES_PER_ELEMENT;
  const type = kind === Float64Array ? 'float64' : 'float32';
  if (expected === null ? buf.byteLength % per !== 0 : buf.byteLength !== expected * per) {
    throw new Error(`${who}: ${path} has ${buf.byteLength} bytes, ${because} ${expected ?? 'a whole number of'} ${type} values${expected === null ? '' : ` (${expected * per} bytes)`}`);
  }
  const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  return (kind === Float64Array ? new Float64Array(copy) : new Float32Array(copy)) as InstanceType<K>;
}

function describeShapes(shapes: readonly (readonly number[])[]): string {
  return shapes.map((s) => `[${s.join(', ')}]`).join(', ');
}
