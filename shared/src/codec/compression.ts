/**
 * General-purpose compression of the columnar payload.
 *
 * Why brotli at quality 5. Measured on the simulator's 50-bed ward, 10 minutes at 1 Hz
 * in 60 batches of 10 s (~3,900 readings, ~6.1 KB of payload = 1.585 byte/reading each),
 * best of 5 runs on one core (Node 20.20):
 *
 *   compressor   byte/reading   compress µs/batch   decompress µs/batch
 *   gzip -6          0.795             145                  31
 *   deflate -6       0.790             152                  31
 *   deflate -9       0.790             159                  29
 *   brotli q1        0.808              50                  39
 *   brotli q4        0.760             123                  31
 *   brotli q5        0.751             132                  32
 *   brotli q6/q7     0.751           144/184                 32
 *   brotli q9        0.751            5443                  34
 *   brotli q11       0.726           10921                  45
 *
 * Brotli q5 is 5 % smaller than deflate at less CPU, and decompresses as fast. q6 and up
 * gain nothing until q11, which saves 3 % more but costs 80x the CPU: 11 ms per batch,
 * about 0.36 M readings/s, far below our 2 M readings/s encode target. (The values
 * column is already range-coded, so what brotli works on is mostly ids, the series table
 * and the time columns.) zstd was not measured: Node 20's zlib has no zstd (it arrived in
 * Node 22.15 / 23.8) and we take no native dependency for it. Re-run `pnpm bench codec`
 * (its survey_* figures) before changing this.
 */
import zlib from 'node:zlib';
import { CodecCorruptError, CodecOptionError } from '../errors/codec.js';
import type { CompressionName } from './format.js';

export interface CompressionChoice {
  compression: CompressionName;
  /** deflate: 0..9; brotli: 0..11; ignored for none. */
  level: number;
}

export const DEFAULT_COMPRESSION: Readonly<CompressionChoice> = Object.freeze({ compression: 'brotli', level: 5 });

const LEVEL_RANGE: Record<CompressionName, [number, number]> = { none: [0, 0], deflate: [0, 9], brotli: [0, 11] };

/** Fills in the default and rejects an unknown compression or an out-of-range level. */
export function resolveCompression(opts: Partial<CompressionChoice> = {}): CompressionChoice {
  const compression = opts.compression ?? DEFAULT_COMPRESSION.compression;
  const range = Object.hasOwn(LEVEL_RANGE, compression) ? LEVEL_RANGE[compression] : undefined;
  if (range === undefined) throw new CodecOptionError('compression', 'must be none, deflate or brotli', compression);
  const level = opts.level ?? defaultLevel(compression);
  if (!Number.isInteger(level) || level < range[0] || level > range[1]) {
    throw new CodecOptionError('level', `must be an integer ${range[0]}..${range[1]} for ${compression}`, level);
  }
  return { compression, level };
}

function defaultLevel(compression: CompressionName): number {
  return compression === DEFAULT_COMPRESSION.compression ? DEFAULT_COMPRESSION.level : compression === 'deflate' ? 6 : 0;
}

export function compress(payload: Uint8Array, choice: CompressionChoice): Uint8Array {
  switch (choice.compression) {
    case 'none':
      return payload;
    case 'deflate':
      return zlib.deflateRawSync(payload, { level: choice.level });
    case 'brotli':
      return zlib.brotliCompressSync(payload, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: choice.level,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: payload.length,
        },
      });
  }
}

/**
 * Decompresses to exactly `expectedBytes` (declared in the header and already checked
 * against the limits). zlib stops as soon as the output would pass that size, so a
 * decompression bomb never allocates more than the declared, limited size.
 */
export function decompress(body: Uint8Array, compression: CompressionName, expectedBytes: number): Uint8Array {
  if (compression === 'none') return body;
  let out: Uint8Array;
  try {
    const options = { maxOutputLength: Math.max(1, expectedBytes) };
    out = compression === 'deflate' ? zlib.inflateRawSync(body, options) : zlib.brotliDecompressSync(body, options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CodecCorruptError(`the payload decompresses to more than the ${expectedBytes} bytes its header declares`, { expectedBytes }, err);
    }
    throw new CodecCorruptError(`${compression} decompression failed (${(err as Error).message})`, { zlibCode: code }, err);
  }
  if (out.length !== expectedBytes) {
    throw new CodecCorruptError(`the payload decompresses to ${out.length} bytes, not the ${expectedBytes} its header declares`, {
      expectedBytes,
      actualBytes: out.length,
    });
  }
  return out;
}
