/**
 * A binary adaptive range coder (the LZMA design: 32-bit range, carry propagation
 * through a cached byte, 12-bit probabilities that adapt by 1/16 per bit).
 *
 * Why we entropy-code the value deltas ourselves: a 10 s batch has only ~500 deltas per
 * metric, and each metric has its own distribution (TEMP almost never moves, PI jumps by
 * tens of steps). Brotli and deflate code bytes with one Huffman table per block, can't
 * spend less than one bit on a byte, and pay for their tables; on the simulator's ward
 * the value column cost 0.51 byte/reading after brotli, against an order-0 entropy of
 * 0.24. Adaptive binary contexts per metric get within a few percent of that, with no
 * tables to send.
 */
import { CodecCorruptError } from '../errors/codec.js';
import type { ByteWriter } from './bytes.js';

export const PROB_BITS = 12;
export const PROB_ONE = 1 << PROB_BITS;
/** Probabilities start at one half. */
export const PROB_INIT = PROB_ONE >>> 1;
const ADAPT_SHIFT = 4;
const TOP = 1 << 24;
const TWO_POW_32 = 2 ** 32;

export class RangeEncoder {
  private low = 0; // up to 2^33: a double, never bit-operated above 2^32
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;

  constructor(private readonly out: ByteWriter) {}

  /** Codes `bit` with the adaptive probability `probs[i]` (chance of a 0, out of 4096). */
  bit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i]!;
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[i] = p + ((PROB_ONE - p) >>> ADAPT_SHIFT);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[i] = p - (p >>> ADAPT_SHIFT);
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.shiftLow();
    }
  }

  /** Codes the low `count` bits of `value` (count <= 30) at a fixed probability of one half. */
  direct(value: number, count: number): void {
    for (let b = count - 1; b >= 0; b--) {
      this.range >>>= 1;
      if ((value >>> b) & 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.shiftLow();
      }
    }
  }

  /** Flushes the coder state; the stream is complete afterwards. */
  finish(): void {
    for (let i = 0; i < 5; i++) this.shiftLow();
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= TWO_POW_32) {
      const carry = low >= TWO_POW_32 ? 1 : 0;
      let temp = this.cache;
      do {
        this.out.u8((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(low / TOP) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0x00ffffff) * 256;
  }
}

export class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly region: string,
  ) {
    this.pos = start;
    // The encoder's first byte is always the zero cache; the code is the next four.
    for (let i = 0; i < 5; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> PROB_BITS) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((PROB_ONE - p) >>> ADAPT_SHIFT);
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      probs[i] = p - (p >>> ADAPT_SHIFT);
      bit = 1;
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return bit;
  }

  direct(count: number): number {
    let value = 0;
    for (let b = 0; b < count; b++) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      value = (value << 1) | bit;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.next()) >>> 0;
      }
    }
    return value;
  }

  /** The encoder wrote exactly the bytes we read: anything left over is corruption. */
  expectEnd(): void {
    if (this.pos !== this.end) throw new CodecCorruptError(`${this.region} has ${this.end - this.pos} unread byte(s)`);
  }

  private next(): number {
    if (this.pos >= this.end) throw new CodecCorruptError(`${this.region} ends early`);
    return this.buf[this.pos++]!;
  }
}
