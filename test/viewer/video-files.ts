// Small readers of the video files the tests check: a GIF decoder (header,
// colour tables, graphic control extensions, LZW image data, trailer) that
// returns each frame's RGB pixels and delay, and an MP4 box walker that finds
// the top-level boxes and the video track's sample count and codec.

export interface GifFrame {
  readonly width: number;
  readonly height: number;
  /** RGB, 3 bytes per pixel, row by row. */
  readonly rgb: Uint8Array;
  /** Hundredths of a second. */
  readonly delay: number;
}

/** Decodes every frame of a GIF89a file; throws on anything malformed (bad header, missing trailer, bad LZW). */
export function readGif(bytes: Uint8Array): { width: number; height: number; frames: GifFrame[] } {
  const ascii = (from: number, n: number) => String.fromCharCode(...bytes.subarray(from, from + n));
  if (ascii(0, 6) !== 'GIF89a') throw new Error(`not a GIF89a file: starts with ${JSON.stringify(ascii(0, 6))}`);
  const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  const width = u16(6);
  const height = u16(8);
  let at = 13;
  let globalTable: Uint8Array | null = null;
  if (bytes[10]! & 0x80) {
    const size = 3 * (2 << (bytes[10]! & 7));
    globalTable = bytes.subarray(at, at + size);
    at += size;
  }
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (;;) {
      const n = bytes[at++]!;
      if (n === undefined) throw new Error('GIF ends inside a data block');
      if (n === 0) return Uint8Array.from(parts);
      for (let k = 0; k < n; k++) parts.push(bytes[at + k]!);
      at += n;
    }
  };
  const frames: GifFrame[] = [];
  let delay = 0;
  for (;;) {
    const kind = bytes[at++];
    if (kind === 0x3b) break;
    if (kind === 0x21) {
      const label = bytes[at++]!;
      const data = subBlocks();
      if (label === 0xf9) delay = data[1]! | (data[2]! << 8);
      continue;
    }
    if (kind !== 0x2c) throw new Error(`unexpected block 0x${(kind ?? -1).toString(16)} at byte ${at - 1} (no trailer?)`);
    const [x, y, w, h, packed] = [u16(at), u16(at + 2), u16(at + 4), u16(at + 6), bytes[at + 8]!];
    at += 9;
    if (x !== 0 || y !== 0 || w !== width || h !== height) throw new Error('this reader takes full-size frames only');
    if (packed & 0x40) throw new Error('this reader takes no interlaced frames');
    let table = globalTable;
    if (packed & 0x80) {
      const size = 3 * (2 << (packed & 7));
      table = bytes.subarray(at, at + size);
      at += size;
    }
    if (!table) throw new Error('a frame without a colour table');
    const minCodeSize = bytes[at++]!;
    const indices = lzwDecode(subBlocks(), minCodeSize, w * h);
    const rgb = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) rgb.set(table.subarray(3 * indices[p]!, 3 * indices[p]! + 3), 3 * p);
    frames.push({ width: w, height: h, rgb, delay });
  }
  return { width, height, frames };
}

/** GIF's variable-width LZW, codes packed from the least significant bit. */
function lzwDecode(data: Uint8Array, minCodeSize: number, pixels: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const out = new Uint8Array(pixels);
  let n = 0;
  let dict: number[][] = [];
  let size = minCodeSize + 1;
  let prev: number[] | null = null;
  const reset = () => {
    dict = Array.from({ length: clear + 2 }, (_v, i) => [i]);
    size = minCodeSize + 1;
    prev = null;
  };
  reset();
  let bit = 0;
  while (bit + size <= data.length * 8) {
    let code = 0;
    for (let k = 0; k < size; k++, bit++) code |= ((data[bit >> 3]! >> (bit & 7)) & 1) << k;
    if (code === clear) {
      reset();
      continue;
    }
    if (code === end) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code]!;
    else if (code === dict.length && prev) entry = [...prev, prev[0]!];
    else throw new Error(`bad LZW code ${code} (dictionary of ${dict.length})`);
    for (const v of entry) if (n < pixels) out[n++] = v;
    if (prev && dict.length < 4096) dict.push([...prev, entry[0]!]);
    prev = entry;
    if (dict.length === 1 << size && size < 12) size++;
  }
  if (n !== pixels) throw new Error(`a frame has ${n} of its ${pixels} pixels`);
  return out;
}

export interface Mp4Summary {
  /** Types of the top-level boxes, in order. */
  readonly boxes: string[];
  /** The sample entry of the video track ('avc1', 'vp09'). */
  readonly codec: string;
  /** Samples (frames) of the video track, from its sample size box. */
  readonly samples: number;
}

/** Walks an MP4's boxes: top level, then moov/trak/mdia/minf/stbl for the sample entry and the sample count. */
export function readMp4(bytes: Uint8Array): Mp4Summary {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  const children = (from: number, to: number): { type: string; start: number; end: number }[] => {
    const list = [];
    for (let at = from; at < to; ) {
      let size = view.getUint32(at);
      let header = 8;
      if (size === 1) {
        size = Number(view.getBigUint64(at + 8));
        header = 16;
      } else if (size === 0) size = to - at;
      if (size < header || at + size > to) throw new Error(`box ${type(at)} at ${at} has a bad size ${size}`);
      list.push({ type: type(at), start: at + header, end: at + size });
      at += size;
    }
    return list;
  };
  const top = children(0, bytes.length);
  const find = (list: { type: string; start: number; end: number }[], name: string) => {
    const box = list.find((b) => b.type === name);
    if (!box) throw new Error(`no ${name} box`);
    return box;
  };
  const moov = find(top, 'moov');
  let stbl = find(children(moov.start, moov.end), 'trak');
  for (const name of ['mdia', 'minf', 'stbl']) stbl = find(children(stbl.start, stbl.end), name);
  const inStbl = children(stbl.start, stbl.end);
  const stsd = find(inStbl, 'stsd');
  // stsd: version and flags (4), entry count (4), then the first sample entry box.
  const codec = type(stsd.start + 8);
  const stsz = find(inStbl, 'stsz');
  // stsz: version and flags (4), sample size (4), sample count (4).
  const samples = view.getUint32(stsz.start + 8);
  return { boxes: top.map((b) => b.type), codec, samples };
}
