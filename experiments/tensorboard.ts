// TensorBoard event files: writes and reads `events.out.tfevents.*` files.
//
// A file is a sequence of TFRecords, each holding one serialized `Event`
// protobuf: uint64 little-endian data length, the masked CRC32C of those 8
// length bytes (uint32 LE), the data, the masked CRC32C of the data (uint32
// LE). A masked CRC is ((crc >>> 15) | (crc << 17)) + 0xa282ead8 as uint32.
// The first event of a file carries file_version "brain.Event:2"; the rest
// carry a Summary of values at a step: a scalar (`simple_value`, a float32)
// or a text (a string tensor tagged for the text plugin), or a session's
// hyperparameters for the HParams plugin (a value that is only metadata: the
// plugin's HParamsPluginData{session_start_info} as its content).
//
// The few message types are declared here with protobufjs's reflection API,
// with the field numbers of TensorFlow's event.proto, summary.proto,
// tensor.proto, tensor_shape.proto, google/protobuf/struct.proto (Value) and
// TensorBoard's hparams plugin_data.proto (fields not used here are left out;
// decoders skip them).
import { hostname } from 'node:os';
import { closeSync, openSync, readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import CRC32C from 'crc-32/crc32c.js';
import { writeFully } from './store.js';

export const FILE_VERSION = 'brain.Event:2';
/** TensorFlow's DataType DT_STRING. */
const DT_STRING = 7;
const CRC_MASK_DELTA = 0xa282ead8;

// ---------------------------------------------------------------- messages

const root = new protobuf.Root();
const pluginData = new protobuf.Type('PluginData').add(new protobuf.Field('pluginName', 1, 'string')).add(new protobuf.Field('content', 2, 'bytes'));
const summaryMetadata = new protobuf.Type('SummaryMetadata').add(new protobuf.Field('pluginData', 1, 'PluginData')).add(new protobuf.Field('displayName', 2, 'string'));
const dim = new protobuf.Type('Dim').add(new protobuf.Field('size', 1, 'int64')).add(new protobuf.Field('name', 2, 'string'));
const tensorShape = new protobuf.Type('TensorShapeProto').add(new protobuf.Field('dim', 2, 'Dim', 'repeated'));
const tensor = new protobuf.Type('TensorProto')
  .add(new protobuf.Field('dtype', 1, 'int32'))
  .add(new protobuf.Field('tensorShape', 2, 'TensorShapeProto'))
  .add(new protobuf.Field('stringVal', 8, 'bytes', 'repeated'));
const value = new protobuf.Type('Value')
  .add(new protobuf.Field('tag', 1, 'string'))
  .add(new protobuf.Field('simpleValue', 2, 'float'))
  .add(new protobuf.Field('tensor', 8, 'TensorProto'))
  .add(new protobuf.Field('metadata', 9, 'SummaryMetadata'));
const summary = new protobuf.Type('Summary').add(new protobuf.Field('value', 1, 'Value', 'repeated'));
const event = new protobuf.Type('Event')
  .add(new protobuf.Field('wallTime', 1, 'double'))
  .add(new protobuf.Field('step', 2, 'int64'))
  .add(new protobuf.Field('fileVersion', 3, 'string'))
  .add(new protobuf.Field('summary', 5, 'Summary'));
// google.protobuf.Value, holding a number, a string or a bool.
const protoValue = new protobuf.Type('ProtoValue')
  .add(new protobuf.Field('numberValue', 2, 'double'))
  .add(new protobuf.Field('stringValue', 3, 'string'))
  .add(new protobuf.Field('boolValue', 4, 'bool'));
const sessionStartInfo = new protobuf.Type('SessionStartInfo')
  .add(new protobuf.MapField('hparams', 1, 'string', 'ProtoValue'))
  .add(new protobuf.Field('groupName', 4, 'string'))
  .add(new protobuf.Field('startTimeSecs', 5, 'double'));
const hparamsPluginData = new protobuf.Type('HParamsPluginData')
  .add(new protobuf.Field('version', 1, 'int32'))
  .add(new protobuf.Field('sessionStartInfo', 3, 'SessionStartInfo'));
for (const t of [pluginData, summaryMetadata, dim, tensorShape, tensor, value, summary, event, protoValue, sessionStartInfo, hparamsPluginData]) root.add(t);
root.resolveAll();

/** A hyperparameter's value as the HParams plugin takes it. */
export type HParamValue = number | string | boolean;

/** The HParams plugin's tag of a session's hyperparameters. */
export const SESSION_START_INFO_TAG = '_hparams_/session_start_info';

/** One value of a summary: a scalar, a text, or a session's hyperparameters (tag SESSION_START_INFO_TAG). */
export type SummaryValue =
  | { readonly tag: string; readonly scalar: number }
  | { readonly tag: string; readonly text: string }
  | { readonly tag: string; readonly hparams: Readonly<Record<string, HParamValue>>; readonly group: string; readonly startTime: number };

function hparamContent(v: Extract<SummaryValue, { hparams: unknown }>): Uint8Array {
  const hparams = Object.fromEntries(
    Object.entries(v.hparams).map(([k, x]) => [k, typeof x === 'number' ? { numberValue: x } : typeof x === 'boolean' ? { boolValue: x } : { stringValue: x }]),
  );
  return hparamsPluginData.encode(hparamsPluginData.fromObject({ version: 0, sessionStartInfo: { hparams, groupName: v.group, startTimeSecs: v.startTime } })).finish();
}

function readHParams(content: Uint8Array): Omit<Extract<SummaryValue, { hparams: unknown }>, 'tag'> {
  const o = hparamsPluginData.toObject(hparamsPluginData.decode(content), { defaults: false }) as {
    sessionStartInfo?: { hparams?: Record<string, { numberValue?: number; stringValue?: string; boolValue?: boolean }>; groupName?: string; startTimeSecs?: number };
  };
  const info = o.sessionStartInfo ?? {};
  const hparams = Object.fromEntries(Object.entries(info.hparams ?? {}).map(([k, x]) => [k, x.numberValue ?? x.stringValue ?? x.boolValue ?? '']));
  return { hparams, group: info.groupName ?? '', startTime: info.startTimeSecs ?? 0 };
}

/** An event as this module writes and reads it: the file version, or a summary of values at a step. */
export interface TbEvent {
  /** Seconds since the Unix epoch. */
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  readonly values?: readonly SummaryValue[];
}

function valueMessage(v: SummaryValue): Record<string, unknown> {
  if ('scalar' in v) return { tag: v.tag, simpleValue: v.scalar };
  if ('hparams' in v) return { tag: v.tag, metadata: { pluginData: { pluginName: 'hparams', content: hparamContent(v) } } };
  return {
    tag: v.tag,
    metadata: { pluginData: { pluginName: 'text' } },
    tensor: { dtype: DT_STRING, tensorShape: { dim: [] }, stringVal: [Buffer.from(v.text, 'utf8')] },
  };
}

/** Serializes one Event. */
export function encodeEvent(e: TbEvent): Uint8Array {
  if (!Number.isSafeInteger(e.step) || e.step < 0) throw new Error(`tensorboard: step must be a non-negative integer, got ${e.step}`);
  const message: Record<string, unknown> = { wallTime: e.wallTime, step: e.step };
  if (e.fileVersion !== undefined) message.fileVersion = e.fileVersion;
  if (e.values !== undefined) message.summary = { value: e.values.map(valueMessage) };
  return event.encode(event.fromObject(message)).finish();
}

/** Parses one Event (scalars and texts; other kinds of values are skipped). */
export function decodeEvent(data: Uint8Array): TbEvent {
  const o = event.toObject(event.decode(data), { longs: Number, defaults: false }) as {
    wallTime?: number;
    step?: number;
    fileVersion?: string;
    summary?: {
      value?: { tag?: string; simpleValue?: number; tensor?: { dtype?: number; stringVal?: Uint8Array[] }; metadata?: { pluginData?: { pluginName?: string; content?: Uint8Array } } }[];
    };
  };
  const values: SummaryValue[] = [];
  for (const v of o.summary?.value ?? []) {
    const tag = v.tag ?? '';
    if (v.simpleValue !== undefined) values.push({ tag, scalar: v.simpleValue });
    else if (v.tensor?.dtype === DT_STRING && v.tensor.stringVal?.length) values.push({ tag, text: Buffer.from(v.tensor.stringVal[0]!).toString('utf8') });
    else if (v.metadata?.pluginData?.pluginName === 'hparams' && v.metadata.pluginData.content) values.push({ tag, ...readHParams(v.metadata.pluginData.content) });
  }
  return {
    wallTime: o.wallTime ?? 0,
    step: o.step ?? 0,
    ...(o.fileVersion !== undefined ? { fileVersion: o.fileVersion } : {}),
    ...(o.summary !== undefined ? { values } : {}),
  };
}

// ---------------------------------------------------------------- records

/** The masked CRC32C TFRecords store. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = CRC32C.buf(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + CRC_MASK_DELTA) >>> 0;
}

/** Frames `data` as one TFRecord. */
export function encodeRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/**
 * Splits a TFRecord file into its records' data, checking both CRCs of each;
 * a bad checksum or a cut record throws, naming `source`, the record and its
 * byte offset.
 */
export function decodeRecords(bytes: Uint8Array, source: string): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const where = `${source}: record ${records.length} at byte ${offset}`;
    if (buf.length - offset < 12) throw new Error(`${where}: cut short (${buf.length - offset} bytes left, a record header takes 12)`);
    const length = buf.readBigUInt64LE(offset);
    if (maskedCrc32c(buf.subarray(offset, offset + 8)) !== buf.readUInt32LE(offset + 8)) throw new Error(`${where}: the CRC of its length does not match`);
    const end = offset + 12 + Number(length);
    if (length > BigInt(buf.length) || end + 4 > buf.length) throw new Error(`${where}: cut short (its length says ${length} bytes of data)`);
    const data = buf.subarray(offset + 12, end);
    if (maskedCrc32c(data) !== buf.readUInt32LE(end)) throw new Error(`${where}: the CRC of its data does not match`);
    records.push(data);
    offset = end + 4;
  }
  return records;
}

/** Reads every event of an event file, checking every checksum. */
export function readEventFile(path: string): TbEvent[] {
  return decodeRecords(readFileSync(path), path).map((r, i) => {
    try {
      return decodeEvent(r);
    } catch (e) {
      throw new Error(`${path}: record ${i} is not an Event: ${(e as Error).message}`);
    }
  });
}

// ---------------------------------------------------------------- files

/** `events.out.tfevents.<unix seconds>.<host>`, the name TensorBoard looks for. */
export function eventFileName(wallTime: number, host = hostname()): string {
  return `events.out.tfevents.${Math.floor(wallTime)}.${host}`;
}

/** Whether a file name is an event file's (TensorBoard reads names containing "tfevents"). */
export const isEventFileName = (name: string): boolean => /^events\.out\.tfevents\./.test(name);

/** The bytes of an event file: the file-version event, then `events`. */
export function eventFileBytes(wallTime: number, events: readonly TbEvent[]): Buffer {
  return Buffer.concat([{ wallTime, step: 0, fileVersion: FILE_VERSION }, ...events].map((e) => encodeRecord(encodeEvent(e))));
}

/** Appends events to an existing event file, each record in one write. */
export class EventFileAppender {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  write(e: TbEvent): void {
    if (this.fd === null) throw new Error(`tensorboard: ${this.path} is closed`);
    writeFully(this.fd, this.path, encodeRecord(encodeEvent(e)));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
