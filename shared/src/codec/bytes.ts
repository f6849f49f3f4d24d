/**
 * Growable byte writer and bounds-checked reader for the batch codec: unsigned LEB128
 * varints, zigzag signed varints, little-endian u32 and float64. Every integer is a JS
 * number limited to the safe range (2^53 - 1), so nothing needs BigInt in the hot loops.
 */
import { CodecCorruptError, CodecInvalidFieldError, CodecTruncatedError } from '../errors/codec.js';

const TWO_POW_31 = 0x80000000;
const utf8Encoder = new TextEncoder();
/** A varint of more than 8 bytes (56 bits) can't hold a safe integer without overflow. */
const MAX_VARINT_BYTES = 8;

/** Zigzag maps signed to unsigned so small magnitudes stay small: 0,-1,1,-2 -> 0,1,2,3. */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(u: number): number {
  if (u < TWO_POW_31) return (u >>> 1) ^ -(u & 1);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

export class ByteWriter {
  private buf: Uint8Array;
  pos = 0;
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Makes room for `n` more bytes, doubling so appends stay amortized O(1). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** `v` must be a non-negative safe integer (callers validate before writing). */
  uvarint(v: number): void {
    this.ensure(MAX_VARINT_BYTES);
    const buf = this.buf;
    let pos = this.pos;
    if (v < TWO_POW_31) {
      while (v >= 0x80) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        buf[pos++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  svarint(v: number): void {
    this.uvarint(zigzag(v));
  }

  f64le(v: number): void {
    this.ensure(8);
    this.scratchView.setFloat64(0, v, true);
    this.buf.set(this.scratch, this.pos);
    this.pos += 8;
  }

  u32le(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    buf[this.pos++] = v & 0xff;
    buf[this.pos++] = (v >>> 8) & 0xff;
    buf[this.pos++] = (v >>> 16) & 0xff;
    buf[this.pos++] = (v >>> 24) & 0xff;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Writes `s` as varint byte length + UTF-8 (the caller checked it is well formed). */
  utf8(s: string): void {
    this.ensure(MAX_VARINT_BYTES + s.length * 3);
    // Encode after a reserved 1-byte length, then fix up the rare longer length.
    const start = this.pos + 1;
    const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(start));
    if (written < 0x80) {
      this.buf[this.pos] = written;
      this.pos = start + written;
    } else {
      const text = this.buf.slice(start, start + written);
      this.uvarint(written);
      this.bytes(text);
    }
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** How a reader reports running past its end: a short frame is truncated, a short column is corrupt. */
export type OverrunKind = 'truncated' | 'corrupt';

export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    /** Names the region in errors, e.g. "header" or "values column". */
    readonly region: string,
    private readonly overrun: OverrunKind,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  short(needed: number): never {
    if (this.overrun === 'truncated') throw new CodecTruncatedError(this.region, needed, this.remaining);
    throw new CodecCorruptError(`${this.region} ends early`, { needed, available: this.remaining });
  }

  u8(): number {
    if (this.pos >= this.end) this.short(1);
    return this.buf[this.pos++]!;
  }

  uvarint(field: string): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) this.short(1);
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let scale = 128;
    for (let i = 1; ; i++) {
      if (i >= MAX_VARINT_BYTES) throw new CodecInvalidFieldError(field, 'varint', 'varint longer than 8 bytes overflows');
      if (pos >= this.end) {
        this.pos = pos;
        this.short(1);
      }
      b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        // A final 0x00 byte means an overlong encoding; the encoder never writes one.
        if (b === 0) throw new CodecInvalidFieldError(field, 'varint', 'overlong varint encoding');
        break;
      }
      scale *= 128;
    }
    if (result > Number.MAX_SAFE_INTEGER) {
      throw new CodecInvalidFieldError(field, result, 'varint exceeds the safe integer range');
    }
    this.pos = pos;
    return result;
  }

  svarint(field: string): number {
    return unzigzag(this.uvarint(field));
  }

  /** A varint that must be at most `max` (an index or enum). */
  uvarintMax(field: string, max: number): number {
    const v = this.uvarint(field);
    if (v > max) throw new CodecInvalidFieldError(field, v, `must be at most ${max}`);
    return v;
  }

  f64le(): number {
    if (this.end - this.pos < 8) this.short(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u32le(): number {
    if (this.end - this.pos < 4) this.short(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  bytes(n: number): Uint8Array {
    if (this.end - this.pos < n) this.short(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Throws unless every byte of the region was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) {
      throw new CodecCorruptError(`${this.region} has ${this.end - this.pos} unread byte(s)`, { region: this.region });
    }
  }
}
