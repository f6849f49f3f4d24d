/**
 * How a zigzagged value delta becomes range-coder bits. `u + 1` is written as an
 * Elias-gamma code: its bit length in unary, then the bits below the leading one. Every
 * unary bit and the top two mantissa bits have their own adaptive probability, per
 * metric, per role (a series' first value or a later delta), and per the size class of
 * the previous delta in the series (so a still TEMP and a jittery PI learn apart, and a
 * motion artifact's large swings don't teach the quiet stretches). Lower mantissa bits
 * are close to uniform and go in at one half.
 */
import { PROB_INIT, type RangeDecoder, type RangeEncoder } from './range-coder.js';

/** Deltas are below 2^50 (values are within 2^48 steps), so u + 1 has at most 51 bits. */
const MAX_K = 50;
const CLASSES = 3;
const UNARY_SIZE = CLASSES * (MAX_K + 1);
const TREE_SIZE = (MAX_K + 1) * 4;
/** Probabilities for one (metric, role). */
const MODEL_SIZE = UNARY_SIZE + TREE_SIZE;
export const ROLE_FIRST = 0;
export const ROLE_DELTA = 1;

/** A fresh set of adaptive probabilities; one per batch, shared by encoder and decoder. */
export function createValueModel(metricCount: number): Uint16Array {
  return new Uint16Array(metricCount * 2 * MODEL_SIZE).fill(PROB_INIT);
}

/** Where the probabilities of (metric, role) start. */
export function modelBase(metricIndex: number, role: number): number {
  return (metricIndex * 2 + role) * MODEL_SIZE;
}

/** The size class of a zigzagged delta: 0 (no change), 1 (|delta| <= 3), 2 (more). */
export function sizeClass(u: number): number {
  return u === 0 ? 0 : u <= 6 ? 1 : 2;
}

export function encodeUnsigned(enc: RangeEncoder, probs: Uint16Array, base: number, cls: number, u: number): void {
  const v = u + 1;
  // Exact bit length (Math.log2 rounds up just below a power of two).
  const k = v < 0x100000000 ? 31 - Math.clz32(v) : 63 - Math.clz32(Math.floor(v / 0x100000000));
  const unary = base + cls * (MAX_K + 1);
  for (let i = 0; i < k; i++) enc.bit(probs, unary + i, 1);
  if (k < MAX_K) enc.bit(probs, unary + k, 0);
  if (k === 0) return;
  const tree = base + UNARY_SIZE + k * 4;
  if (k === 1) {
    enc.bit(probs, tree + 1, v & 1);
    return;
  }
  const lowBits = k - 2;
  if (k <= 30) {
    // The common case, in 32-bit integer arithmetic.
    const hi = (v >>> lowBits) & 3;
    enc.bit(probs, tree + 1, hi >>> 1);
    enc.bit(probs, tree + 2 + (hi >>> 1), hi & 1);
    if (lowBits > 0) enc.direct(v & ((1 << lowBits) - 1), lowBits);
    return;
  }
  const lowScale = 2 ** lowBits;
  const hi = Math.floor(v / lowScale) & 3;
  enc.bit(probs, tree + 1, hi >>> 1);
  enc.bit(probs, tree + 2 + (hi >>> 1), hi & 1);
  const low = v % lowScale;
  enc.direct(Math.floor(low / 0x1000000), lowBits - 24);
  enc.direct(low % 0x1000000, 24);
}

export function decodeUnsigned(dec: RangeDecoder, probs: Uint16Array, base: number, cls: number): number {
  const unary = base + cls * (MAX_K + 1);
  let k = 0;
  while (k < MAX_K && dec.bit(probs, unary + k) === 1) k++;
  if (k === 0) return 0;
  const tree = base + UNARY_SIZE + k * 4;
  if (k === 1) return 1 + dec.bit(probs, tree + 1);
  const b1 = dec.bit(probs, tree + 1);
  const hi = 4 | (b1 << 1) | dec.bit(probs, tree + 2 + b1);
  const lowBits = k - 2;
  if (k <= 30) return ((hi << lowBits) | (lowBits > 0 ? dec.direct(lowBits) : 0)) - 1;
  const high = dec.direct(lowBits - 24);
  return hi * 2 ** lowBits + high * 0x1000000 + dec.direct(24) - 1;
}
