// TensorBoard event files: TFRecord framing with both masked CRC32Cs, Event
// protos written and read back, and damage detected.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EventFileAppender,
  FILE_VERSION,
  SESSION_START_INFO_TAG,
  decodeEvent,
  decodeRecords,
  encodeEvent,
  encodeRecord,
  eventFileBytes,
  eventFileName,
  maskedCrc32c,
  readEventFile,
} from '../../experiments/tensorboard.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('tensorboard');

describe('TFRecord framing', () => {
  it('masks the CRC32C (Castagnoli) as TensorFlow does', () => {
    // CRC32C("123456789") is 0xe3069283, the standard check value of the Castagnoli polynomial.
    const crc = 0xe3069283;
    const masked = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
    expect(maskedCrc32c(Buffer.from('123456789'))).toBe(masked);
  });

  it('frames data as length, CRC of the length, data, CRC of the data', () => {
    const data = Buffer.from('hello tensorboard');
    const record = encodeRecord(data);
    expect(record.length).toBe(8 + 4 + data.length + 4);
    expect(record.readBigUInt64LE(0)).toBe(BigInt(data.length));
    expect(record.readUInt32LE(8)).toBe(maskedCrc32c(record.subarray(0, 8)));
    expect(record.subarray(12, 12 + data.length).equals(data)).toBe(true);
    expect(record.readUInt32LE(12 + data.length)).toBe(maskedCrc32c(data));
    const two = Buffer.concat([record, encodeRecord(Buffer.from('x'))]);
    expect(decodeRecords(two, 'f').map((r) => Buffer.from(r).toString())).toEqual(['hello tensorboard', 'x']);
  });

  it('detects a changed byte anywhere in a record, and a cut file', () => {
    const file = Buffer.concat([encodeRecord(Buffer.from('first')), encodeRecord(Buffer.from('second record'))]);
    const second = encodeRecord(Buffer.from('first')).length;
    for (const [at, what] of [
      [second + 2, /record 1 at byte 21: the CRC of its length does not match/],
      [second + 9, /record 1 at byte 21: the CRC of its length does not match/],
      [second + 14, /record 1 at byte 21: the CRC of its data does not match/],
      [file.length - 1, /record 1 at byte 21: the CRC of its data does not match/],
      [3, /record 0 at byte 0: the CRC of its length does not match/],
    ] as const) {
      const bad = Buffer.from(file);
      bad[at] = bad[at]! ^ 0x01;
      expect(() => decodeRecords(bad, 'events.f'), `byte ${at}`).toThrow(what);
    }
    expect(() => decodeRecords(file.subarray(0, file.length - 3), 'events.f')).toThrow(/events\.f: record 1 at byte 21: cut short/);
    expect(() => decodeRecords(file.subarray(0, second + 5), 'events.f')).toThrow(/record 1 at byte 21: cut short \(5 bytes left/);
  });
});

describe('Event protos', () => {
  it('writes wall_time, step and file_version with their field numbers', () => {
    const data = encodeEvent({ wallTime: 1.5, step: 7, fileVersion: FILE_VERSION });
    // field 1 double (tag 0x09), field 2 varint (0x10), field 3 string (0x1a): read by hand, not by protobufjs.
    const b = Buffer.from(data);
    expect(b[0]).toBe(0x09);
    expect(b.readDoubleLE(1)).toBe(1.5);
    expect([b[9], b[10]]).toEqual([0x10, 7]);
    expect(b[11]).toBe(0x1a);
    expect(b.subarray(13, 13 + b[12]!).toString()).toBe('brain.Event:2');
  });

  it('writes a scalar as Summary.Value{tag = 1, simple_value = 2 (float)} inside summary = 5', () => {
    const b = Buffer.from(encodeEvent({ wallTime: 0, step: 3, values: [{ tag: 'a/b', scalar: 0.1 }] }));
    const summary = b.indexOf(0x2a); // field 5, length-delimited
    expect(summary).toBeGreaterThan(0);
    const value = b.subarray(summary + 2);
    expect(value[0]).toBe(0x0a); // Summary.value = 1
    const inner = value.subarray(2, 2 + value[1]!);
    expect(inner[0]).toBe(0x0a); // Value.tag = 1
    expect(inner.subarray(2, 5).toString()).toBe('a/b');
    expect(inner[5]).toBe(0x15); // Value.simple_value = 2, fixed32
    expect(inner.readFloatLE(6)).toBe(Math.fround(0.1));
  });

  it('reads back scalars, texts, steps and wall times', () => {
    const e = { wallTime: 1765000000.25, step: 2 ** 40, values: [{ tag: 'train/loss', scalar: -3.25 }, { tag: 'hparams', text: '| key | value |\n| lr | 0.001 |' }] };
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
    expect(() => encodeEvent({ wallTime: 0, step: -1 })).toThrow(/step must be a non-negative integer, got -1/);
  });
});

describe('HParams plugin summaries', () => {
  it('carry the session start info as the metadata of a value without a value: plugin "hparams", HParamsPluginData{version 0, session_start_info = 3}', () => {
    const hp = { tag: SESSION_START_INFO_TAG, hparams: { 'hp.learningRate': 0.001, algorithm: 'ppo', 'hp.normalize': true }, group: 'exp/ppo', startTime: 1765000000 };
    const data = Buffer.from(encodeEvent({ wallTime: 0, step: 0, values: [hp] }));
    // Read by hand, field by field (not by protobufjs).
    const summary = field(fields(data), 5);
    const value = fields(field(fields(summary), 1));
    expect(value.map((f) => f.n)).toEqual([1, 9]); // tag and metadata, nothing of the value oneof
    expect(field(value, 1).toString()).toBe('_hparams_/session_start_info');
    const plugin = fields(field(fields(field(value, 9)), 1));
    expect(field(plugin, 1).toString()).toBe('hparams');
    const content = fields(field(plugin, 2));
    expect(content.map((f) => [f.n, f.v])).toEqual([
      [1, 0],
      [3, expect.any(Buffer)],
    ]);
    const info = fields(field(content, 3));
    const map = info.filter((f) => f.n === 1).map((f) => fields(f.v as Buffer));
    expect(map.map((entry) => field(entry, 1).toString())).toEqual(['hp.learningRate', 'algorithm', 'hp.normalize']);
    const lr = fields(field(map[0]!, 2));
    expect(lr[0]!.n).toBe(2); // google.protobuf.Value.number_value
    expect((field(lr, 2) as unknown as Buffer).readDoubleLE(0)).toBe(0.001);
    expect(field(info, 4).toString()).toBe('exp/ppo');
    expect(decodeEvent(data).values).toEqual([hp]);
  });
});

type Wire = { n: number; v: number | Buffer };

/** The fields of a protobuf message: varints as numbers, length-delimited and fixed as bytes. */
function fields(b: Buffer): Wire[] {
  const out: Wire[] = [];
  let i = 0;
  const varint = () => {
    let x = 0;
    let shift = 0;
    for (;;) {
      const byte = b[i++]!;
      x += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return x;
    }
  };
  while (i < b.length) {
    const key = varint();
    const wire = key & 7;
    const n = Math.floor(key / 8);
    if (wire === 0) out.push({ n, v: varint() });
    else if (wire === 2) {
      const len = varint();
      out.push({ n, v: b.subarray(i, i + len) });
      i += len;
    } else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4;
      out.push({ n, v: b.subarray(i, i + len) });
      i += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function field(fs: Wire[], n: number): Buffer {
  const f = fs.find((x) => x.n === n);
  if (!f || typeof f.v === 'number') throw new Error(`no bytes field ${n}`);
  return f.v;
}

describe('event files', () => {
  it('start with the file version, then the events, every checksum checked on reading', () => {
    const dir = tempDir();
    const path = join(dir, eventFileName(1765000000.9, 'host-a'));
    expect(path.endsWith('events.out.tfevents.1765000000.host-a')).toBe(true);
    writeFileSync(path, eventFileBytes(1765000000.9, [{ wallTime: 1765000001, step: 0, values: [{ tag: 'x', scalar: 1 }] }]));
    const appender = new EventFileAppender(path);
    for (let step = 1; step <= 100; step++) appender.write({ wallTime: 1765000001 + step, step, values: [{ tag: 'x', scalar: step / 3 }] });
    appender.close();
    const events = readEventFile(path);
    expect(events[0]).toEqual({ wallTime: 1765000000.9, step: 0, fileVersion: 'brain.Event:2' });
    expect(events.slice(1).map((e) => e.step)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(events.slice(1).map((e) => (e.values![0] as { scalar: number }).scalar)).toEqual(Array.from({ length: 101 }, (_, i) => Math.fround(i === 0 ? 1 : i / 3)));

    const bytes = readFileSync(path);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x80;
    writeFileSync(path, bytes);
    expect(() => readEventFile(path)).toThrow(/record 101 at byte \d+: the CRC of its data does not match/);
  });
});
