// TensorBoard event files: TFRecord framing with both masked CRC32Cs, Event
// protos written and read back, and damage detected.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EventFileAppender,
  FILE_VERSION,
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
