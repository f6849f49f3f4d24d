/**
 * Helpers that build deliberately broken frames for the codec's rejection tests: a frame
 * with any header and body, and a re-checksummed frame (so a test can reach the payload
 * validation behind the CRC, as a hostile sender with a valid checksum would).
 */
import zlib from 'node:zlib';
import { ByteReader, ByteWriter } from '../bytes.js';
import { COLUMN_COUNT, FORMAT_VERSION } from '../format.js';
import { readHeader, writeFrame, type BatchHeader } from '../frame.js';
import { DEFAULT_DECODE_LIMITS } from '../limits.js';

export const T0 = Date.UTC(2025, 0, 6, 8);

/** A frame around `payload` (uncompressed unless `body` is given) with header overrides. */
export function craftFrame(payload: Uint8Array, header: Partial<BatchHeader> = {}, body?: Uint8Array): Buffer {
  const b = body ?? payload;
  return writeFrame(
    {
      version: FORMAT_VERSION,
      compression: body ? 'brotli' : 'none',
      gatewayId: 'gw-1',
      seq: 1,
      createdAtMs: T0,
      readingCount: 0,
      alarmCount: 0,
      dictionaryId: 0,
      dictionaryEntries: 0,
      payloadBytes: payload.length,
      bodyBytes: b.length,
      ...header,
    },
    payload,
    b,
  );
}

/**
 * Rewrites the CRC of an uncompressed frame so it matches its (altered) bytes. Walks the
 * header by hand, so it works even when the header's own fields are what was altered.
 */
export function recomputeCrc(frame: Buffer): Buffer {
  const r = new ByteReader(frame, 5, frame.length, 'header', 'truncated');
  const version = frame[3]!;
  r.bytes(r.uvarint('gatewayId.length'));
  // seq, createdAt, counts, (version 4) dictionary id and entries, payload and body sizes
  for (let i = 0; i < (version >= 4 ? 8 : 6); i++) r.uvarint('field');
  const crcAt = r.pos;
  const out = Buffer.from(frame);
  out.writeUInt32LE(zlib.crc32(out.subarray(crcAt + 4), zlib.crc32(out.subarray(0, crcAt))), crcAt);
  return out;
}

/** The uncompressed payload of an uncompressed frame. */
export function payloadOf(frame: Buffer): Buffer {
  const h = readHeader(frame, DEFAULT_DECODE_LIMITS);
  return frame.subarray(h.bodyOffset);
}

/** Splits a version 4 payload into its columns (see README.md). */
export function columnsOf(payload: Uint8Array): Uint8Array[] {
  const r = new ByteReader(payload, 0, payload.length, 'payload', 'corrupt');
  const lengths = Array.from({ length: COLUMN_COUNT }, () => r.uvarint('length'));
  let pos = r.pos;
  return lengths.map((len) => payload.subarray(pos, (pos += len)));
}

/** Joins columns back into a payload. */
export function payloadFromColumns(columns: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const c of columns) w.uvarint(c.length);
  for (const c of columns) w.bytes(c);
  return w.view().slice();
}

/** Re-frames `frame` (uncompressed) with one column replaced. */
export function withColumn(frame: Buffer, column: number, edit: (bytes: Uint8Array) => Uint8Array): Buffer {
  const h = readHeader(frame, DEFAULT_DECODE_LIMITS);
  const cols: Uint8Array[] = columnsOf(payloadOf(frame)).map((c) => new Uint8Array(c)); // copies: Buffer#slice would share memory
  cols[column] = edit(cols[column]!);
  return craftFrame(payloadFromColumns(cols), {
    gatewayId: h.gatewayId,
    seq: h.seq,
    createdAtMs: h.createdAtMs,
    readingCount: h.readingCount,
    alarmCount: h.alarmCount,
    dictionaryId: h.dictionaryId,
    dictionaryEntries: h.dictionaryEntries,
  });
}
