// Reads the episode lines of a metrics.jsonl straight from their bytes, for
// the viewer's metrics cache (metrics-store.ts). Nearly every line of a large
// metrics.jsonl is an episode line, written by experiments/execute-run.ts as
// JSON.stringify of
// {"type":"episode","step":...,"time":...,"episode":...,"return":...,"length":...,"truncated":...}.
// JSON.parse of a million of them, each into an object, is most of the time a
// first request takes (this is about 3 times faster). EpisodeLineScanner
// accepts a line only when it is a flat JSON object (keys in any order, extra
// keys allowed; values numbers, strings without escapes, true, false or null)
// whose type is "episode" with numeric step and return, and gives the same
// numbers JSON.parse would, decimal conversion included (correctly rounded,
// below). Anything else (update lines, whitespace, escapes, nested values,
// invalid JSON, a missing field) is declined and goes to JSON.parse, so
// correctness never depends on it.

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const BACKSLASH = 0x5c;
const LOWER_E = 0x65;
const OPEN = 0x7b;
const CLOSE = 0x7d;

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const EPISODE = bytes('episode');
const TRUE = bytes('true');
const FALSE = bytes('false');
const NULL = bytes('null');

/** The keys the fast path keeps; any other key's value is checked and skipped. */
const enum Key {
  Other,
  Type,
  Step,
  Time,
  Return,
  Length,
}
const TYPE = bytes('type');
const STEP = bytes('step');
const TIME = bytes('time');
const RETURN = bytes('return');
const LENGTH = bytes('length');

/**
 * Powers of ten that are exact doubles (10^0 to 10^22), each parsed from its
 * decimal string. An integer below 2^53 times or divided by one of them is a
 * single correctly rounded operation on exact values: the double nearest the
 * decimal number, which is what JSON.parse gives.
 */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** 2^27 + 1: splits a double into two halves that multiply exactly (Dekker). */
const SPLITTER = 134217729;

/** What rounding left out of `product`, the double a * b: a * b is exactly product + the result (Dekker's two-product). */
function productError(a: number, b: number, product: number): number {
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

/** A double's bits, to read its exponent and build its unit in the last place. */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Which of `words` holds the sign, exponent and top of the significand (1 on little-endian machines). */
const HIGH = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;
/** Far above the rounding error of the remainder below (under 1e-7), far below half a unit (at least 0.5 there). */
const MARGIN = 1e-6;

/**
 * The double nearest (high * 10^8 + low) / 10^k, for a decimal of 16 to 19
 * digits (high * 10^8 + low above 2^53, high < 10^11, low < 10^8, k <= 22):
 * the numbers JSON.stringify writes at full precision. NaN when it cannot
 * be sure; Number() of the text decides then.
 *
 * A guess from three rounded operations is within a few units in the last
 * place. The remainder w - guess * 10^k is computed exactly but for the
 * rounding of a few terms under 2^28 (error-free products, and the large
 * terms cancel exactly as they are within a factor of two, Sterbenz), and
 * the guess is the answer when that remainder is clearly within half a unit
 * in the last place of it, scaled by 10^k. A guess that is a power of two
 * (the gap below it is half the one above) is left to Number().
 */
function nearestDouble(high: number, low: number, k: number): number {
  const scale = POW10[k]!;
  const whole = high * 1e8;
  const guess = (whole + low) / scale;
  bits[0] = guess;
  const top = words[HIGH]!;
  const exponent = top >>> 20;
  if (exponent <= 52 || exponent === 0x7ff || ((top & 0xfffff) === 0 && words[1 - HIGH] === 0)) return Number.NaN;
  words[HIGH] = (exponent - 52) << 20;
  words[1 - HIGH] = 0;
  const unit = bits[0]!;
  const scaled = guess * scale;
  const remainder = whole - scaled + (productError(high, 1e8, whole) - productError(guess, scale, scaled)) + low;
  return Math.abs(remainder) < (unit * scale) / 2 - MARGIN ? guess : Number.NaN;
}

/** Whether buf[start, end) holds exactly the bytes of `word`. */
function equals(buf: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
  return true;
}

const isDigit = (c: number | undefined): c is number => c !== undefined && c >= ZERO && c <= NINE;

/**
 * Reads episode lines from bytes (the fast path this file is for). Every token it reads
 * stops at a newline byte (no JSON token may hold one unescaped), so it never
 * reads past the end of its line.
 */
export class EpisodeLineScanner {
  /** The last line read: step and return finite; time and length as written, NaN when not a finite number. */
  step = Number.NaN;
  time = Number.NaN;
  ret = Number.NaN;
  length = Number.NaN;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  /**
   * Reads the line starting at `start` when it is an episode line the fast
   * path takes, and returns the index of its newline; -1 when it declines
   * the line (JSON.parse then reads it).
   */
  read(buf: Buffer, start: number): number {
    this.buf = buf;
    this.pos = start;
    this.step = this.time = this.ret = this.length = Number.NaN;
    let episode = false;
    if (buf[this.pos++] !== OPEN) return -1;
    for (;;) {
      const keyStart = this.pos + 1;
      if (!this.string()) return -1;
      const key = keyOf(buf, keyStart, this.pos - 1);
      if (buf[this.pos++] !== COLON) return -1;
      if (buf[this.pos] === QUOTE) {
        const valueStart = this.pos + 1;
        if (!this.string()) return -1;
        if (key === Key.Type) episode = equals(buf, valueStart, this.pos - 1, EPISODE);
        else this.set(key, Number.NaN);
      } else {
        const value = this.numberOrLiteral();
        if (value === undefined) return -1;
        if (key === Key.Type) episode = false;
        else this.set(key, value);
      }
      const next = buf[this.pos++];
      if (next === CLOSE) break;
      if (next !== COMMA) return -1;
    }
    if (buf[this.pos] !== NEWLINE || !episode || !Number.isFinite(this.step) || !Number.isFinite(this.ret)) return -1;
    if (!Number.isFinite(this.time)) this.time = Number.NaN;
    if (!Number.isFinite(this.length)) this.length = Number.NaN;
    return this.pos;
  }

  /** A later value for the same key replaces the earlier one, as in JSON.parse. */
  private set(key: Key, value: number): void {
    if (key === Key.Step) this.step = value;
    else if (key === Key.Time) this.time = value;
    else if (key === Key.Return) this.ret = value;
    else if (key === Key.Length) this.length = value;
  }

  /** Skips a string without escapes or control characters; false when there is none at pos. */
  private string(): boolean {
    const buf = this.buf;
    if (buf[this.pos] !== QUOTE) return false;
    for (let i = this.pos + 1; ; i++) {
      const c = buf[i];
      if (c === QUOTE) {
        this.pos = i + 1;
        return true;
      }
      // Also ends at the line's newline (a control character) and at the end of the buffer (undefined).
      if (c === undefined || c < 0x20 || c === BACKSLASH) return false;
    }
  }

  /** A number's value, NaN for true, false or null; undefined when pos holds none of these (or a string, object or array). */
  private numberOrLiteral(): number | undefined {
    const buf = this.buf;
    const c = buf[this.pos];
    if (c === MINUS || isDigit(c)) return this.number();
    const word = c === TRUE[0] ? TRUE : c === FALSE[0] ? FALSE : c === NULL[0] ? NULL : null;
    if (word === null || !equals(buf, this.pos, this.pos + word.length, word)) return undefined;
    this.pos += word.length;
    return Number.NaN;
  }

  /**
   * A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, undefined
   * when pos holds none. Up to 15-16 significant digits and a decimal
   * exponent within 22 it is computed exactly (POW10); longer ones (a time
   * or return at full precision) go to Number(), which reads a JSON number
   * as JSON.parse does.
   */
  private number(): number | undefined {
    const buf = this.buf;
    const start = this.pos;
    let i = start;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    const digitsStart = i;
    let mantissa = 0;
    let digits = 0;
    let c = buf[i];
    if (c === ZERO) {
      digits++;
      c = buf[++i];
    } else if (isDigit(c)) {
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = buf[++i];
      } while (isDigit(c));
    } else return undefined;
    let scale = 0;
    if (c === DOT) {
      c = buf[++i];
      if (!isDigit(c)) return undefined;
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        scale--;
        c = buf[++i];
      } while (isDigit(c));
    }
    const digitsEnd = i;
    if (c === LOWER_E || c === UPPER_E) {
      c = buf[++i];
      const negativeExponent = c === MINUS;
      if (c === MINUS || c === PLUS) c = buf[++i];
      if (!isDigit(c)) return undefined;
      let exponent = 0;
      do {
        // Past a few hundred the value is 0 or Infinity anyway, and Number() below works it out.
        if (exponent < 1e6) exponent = exponent * 10 + (c - ZERO);
        c = buf[++i];
      } while (isDigit(c));
      scale += negativeExponent ? -exponent : exponent;
    }
    this.pos = i;
    if (scale < -22 || scale > 22) return Number(buf.toString('latin1', start, i));
    if (mantissa <= Number.MAX_SAFE_INTEGER) {
      const magnitude = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
      return negative ? -magnitude : magnitude;
    }
    if (scale <= 0) {
      // Too many digits to hold exactly: all but the last 8 in `high`, those in `low`.
      let high = 0;
      let low = 0;
      let seen = 0;
      for (let j = digitsStart; j < digitsEnd; j++) {
        const d = buf[j]!;
        if (d === DOT) continue;
        if (seen++ < digits - 8) high = high * 10 + (d - ZERO);
        else low = low * 10 + (d - ZERO);
      }
      if (high < 1e11) {
        const magnitude = nearestDouble(high, low, -scale);
        if (!Number.isNaN(magnitude)) return negative ? -magnitude : magnitude;
      }
    }
    return Number(buf.toString('latin1', start, i));
  }
}

function keyOf(buf: Uint8Array, start: number, end: number): Key {
  const n = end - start;
  // By length, then by bytes: most keys are looked at for one candidate at most.
  if (n === 4) {
    if (equals(buf, start, end, TYPE)) return Key.Type;
    if (equals(buf, start, end, STEP)) return Key.Step;
    if (equals(buf, start, end, TIME)) return Key.Time;
  } else if (n === 6) {
    if (equals(buf, start, end, RETURN)) return Key.Return;
    if (equals(buf, start, end, LENGTH)) return Key.Length;
  }
  return Key.Other;
}
