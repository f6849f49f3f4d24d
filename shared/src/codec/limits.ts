/**
 * What a decoder is willing to accept. Every size is checked against the header before
 * anything is allocated or decompressed, so a hostile batch costs at most these bounds.
 */
import { CodecOptionError } from '../errors/codec.js';

export interface DecodeLimits {
  /** Most readings in one batch. A 60-bed ward at 1 Hz with 20 metrics for 60 s is 72,000. */
  maxReadings: number;
  /** Most alarm events in one batch. */
  maxAlarms: number;
  /** Most bytes the payload may decompress to (the decompression-bomb bound). */
  maxDecompressedBytes: number;
  /** Longest string (id, message) in UTF-8 bytes. */
  maxStringLength: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxReadings: 1_000_000,
  maxAlarms: 100_000,
  maxDecompressedBytes: 64 * 1024 * 1024,
  maxStringLength: 4096,
});

const LIMIT_NAMES = Object.keys(DEFAULT_DECODE_LIMITS) as (keyof DecodeLimits)[];

/** Merges partial limits over the defaults, rejecting anything but positive safe integers. */
export function resolveDecodeLimits(limits: Partial<DecodeLimits> = {}): DecodeLimits {
  const out: DecodeLimits = { ...DEFAULT_DECODE_LIMITS };
  for (const [name, value] of Object.entries(limits)) {
    if (!LIMIT_NAMES.includes(name as keyof DecodeLimits)) {
      throw new CodecOptionError(name, `is not a decode limit (known: ${LIMIT_NAMES.join(', ')})`, value);
    }
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new CodecOptionError(name, 'must be a positive integer', value);
    }
    out[name as keyof DecodeLimits] = value;
  }
  return out;
}
