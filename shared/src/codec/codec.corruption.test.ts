import { describe, expect, it } from 'vitest';
import { seededRandom } from './testing/fixture-ward.js';
import { BatchCodecError, CodecChecksumError, CodecTruncatedError } from '../errors/codec.js';
import type { Batch } from '../types.js';
import { decodeBatch, encodeBatch } from './index.js';
import { payloadOf, recomputeCrc } from './testing/frames.js';
import { wardBatch } from './testing/ward-batch.js';

const batch = wardBatch(10, 6);
const frames = {
  brotli: encodeBatch(batch),
  deflate: encodeBatch(batch, { compression: 'deflate' }),
  none: encodeBatch(batch, { compression: 'none' }),
};
const expected = decodeBatch(frames.brotli);

/** Decodes, returning the batch or the error; anything but a codec error fails the test. */
function attempt(bytes: Uint8Array): Batch | BatchCodecError {
  try {
    return decodeBatch(bytes);
  } catch (err) {
    if (err instanceof BatchCodecError) return err;
    throw new Error(`decode threw a non-codec error: ${String(err)}`, { cause: err });
  }
}

describe('batch codec on damaged input', () => {
  it.each(Object.entries(frames))('rejects %s batches cut at every byte as truncated', (_name, frame) => {
    for (let len = 0; len < frame.length; len++) {
      const result = attempt(frame.subarray(0, len));
      if (!(result instanceof CodecTruncatedError)) throw new Error(`prefix of ${len}/${frame.length} bytes gave ${result instanceof Error ? result.code : 'a batch'}`);
    }
    expect(decodeBatch(frame)).toEqual(expected);
  });

  it.each(Object.entries(frames))('never crashes or returns wrong data after random byte flips in %s batches', (_name, frame) => {
    const rnd = seededRandom(0xc0dec);
    let rejected = 0;
    for (let trial = 0; trial < 1500; trial++) {
      const bytes = Buffer.from(frame);
      const flips = trial % 5 === 0 ? 1 + Math.floor(rnd() * 8) : 1;
      for (let f = 0; f < flips; f++) bytes[Math.floor(rnd() * bytes.length)]! ^= 1 + Math.floor(rnd() * 255);
      const result = attempt(bytes);
      if (result instanceof BatchCodecError) rejected++;
      else expect(result).toEqual(expected);
    }
    expect(rejected).toBeGreaterThan(1400);
  });

  it('reports a flipped payload byte as a checksum mismatch', () => {
    const bytes = Buffer.from(frames.none);
    bytes[bytes.length - 10]! ^= 0x40;
    expect(() => decodeBatch(bytes)).toThrow(CodecChecksumError);
  });

  it('validates every payload field behind a valid checksum (a hostile sender)', () => {
    const rnd = seededRandom(0xbad5eed);
    const payloadLength = payloadOf(frames.none).length;
    const payloadStart = frames.none.length - payloadLength;
    const codes = new Map<string, number>();
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = Buffer.from(frames.none);
      const flips = 1 + Math.floor(rnd() * 3);
      for (let f = 0; f < flips; f++) bytes[payloadStart + Math.floor(rnd() * payloadLength)]! ^= 1 + Math.floor(rnd() * 255);
      const result = attempt(recomputeCrc(bytes));
      // Whatever gets through is a well-formed batch that the encoder accepts.
      if (!(result instanceof BatchCodecError)) encodeBatch(result);
      const code = result instanceof BatchCodecError ? result.code : 'decoded';
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // Mostly rejected, for several different reasons, and never with a non-codec error.
    expect([...codes.keys()].filter((c) => c !== 'decoded').length).toBeGreaterThanOrEqual(2);
    expect(codes.get('WL_CODEC_CHECKSUM_MISMATCH')).toBeUndefined();
  });
});
