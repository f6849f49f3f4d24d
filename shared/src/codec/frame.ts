/**
 * The frame around the payload. The header stays uncompressed so a reader can check the
 * sender and every declared size against its limits before it decompresses anything:
 *
 *   "WLB" | version u8 | compression u8 | varint gatewayId length + UTF-8 | varint seq |
 *   varint createdAtMs | varint readingCount | varint alarmCount |
 *   (version 4) varint dictionaryId (0: none) | varint dictionaryEntries (inline) |
 *   varint payloadBytes | varint bodyBytes |
 *   u32le CRC32(header bytes before the CRC ++ uncompressed payload) | body
 */
import zlib from 'node:zlib';
import {
  CodecBadMagicError,
  CodecChecksumError,
  CodecCorruptError,
  CodecInvalidFieldError,
  CodecLimitExceededError,
  CodecUnsupportedVersionError,
} from '../errors/codec.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { columnCount, COMPRESSION_NAMES, MAGIC, MAX_DICTIONARY_ID, SUPPORTED_VERSIONS, TIME_MAX_MS, TIME_MIN_MS, type CompressionName } from './format.js';
import type { DecodeLimits } from './limits.js';
import { decodeUtf8 } from './strings.js';

/** What the header declares. Unverified until the checksum is checked by `decodeBatch`. */
export interface BatchHeader {
  version: number;
  compression: CompressionName;
  gatewayId: string;
  seq: number;
  createdAtMs: number;
  readingCount: number;
  alarmCount: number;
  /** The series dictionary the batch is written against (version 4); 0 for none. */
  dictionaryId: number;
  /** How many dictionary entries travel inline in the batch. */
  dictionaryEntries: number;
  /** Size of the uncompressed payload. */
  payloadBytes: number;
  /** Size of the (compressed) body that follows the header. */
  bodyBytes: number;
}

export interface ParsedHeader extends BatchHeader {
  /** Bytes of header before the CRC field (the CRC covers them). */
  crcCoveredBytes: number;
  crc: number;
  bodyOffset: number;
}

export function writeFrame(header: BatchHeader, payload: Uint8Array, body: Uint8Array): Buffer {
  const w = new ByteWriter(64 + header.gatewayId.length * 3);
  for (const b of MAGIC) w.u8(b);
  w.u8(header.version);
  w.u8(COMPRESSION_NAMES.indexOf(header.compression));
  w.utf8(header.gatewayId);
  w.uvarint(header.seq);
  w.uvarint(header.createdAtMs);
  w.uvarint(header.readingCount);
  w.uvarint(header.alarmCount);
  if (header.version >= 4) {
    w.uvarint(header.dictionaryId);
    w.uvarint(header.dictionaryEntries);
  }
  w.uvarint(header.payloadBytes);
  w.uvarint(header.bodyBytes);
  const covered = w.view();
  const crc = zlib.crc32(payload, zlib.crc32(covered));
  w.u32le(crc);
  const head = w.view();
  const out = Buffer.allocUnsafe(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Reads and checks the header against the limits. Throws a typed codec error. */
export function readHeader(bytes: Uint8Array, limits: DecodeLimits): ParsedHeader {
  checkMagic(bytes);
  const r = new ByteReader(bytes, MAGIC.length, bytes.length, 'header', 'truncated');
  const version = r.u8();
  if (!SUPPORTED_VERSIONS.includes(version)) throw new CodecUnsupportedVersionError(version, SUPPORTED_VERSIONS);
  const compressionId = r.u8();
  const compression = COMPRESSION_NAMES[compressionId];
  if (compression === undefined) throw new CodecInvalidFieldError('header.compression', compressionId, 'unknown compression id (0 none, 1 deflate, 2 brotli)');
  const idLength = r.uvarint('header.gatewayId.length');
  if (idLength > limits.maxStringLength) throw new CodecLimitExceededError('maxStringLength', idLength, limits.maxStringLength);
  const gatewayId = decodeUtf8(r.bytes(idLength), 'header.gatewayId');
  const seq = r.uvarint('header.seq');
  const createdAtMs = r.uvarint('header.createdAtMs');
  if (createdAtMs < TIME_MIN_MS || createdAtMs >= TIME_MAX_MS) throw new CodecInvalidFieldError('header.createdAtMs', createdAtMs, 'outside 2000..2100');
  const readingCount = r.uvarint('header.readingCount');
  if (readingCount > limits.maxReadings) throw new CodecLimitExceededError('maxReadings', readingCount, limits.maxReadings);
  const alarmCount = r.uvarint('header.alarmCount');
  if (alarmCount > limits.maxAlarms) throw new CodecLimitExceededError('maxAlarms', alarmCount, limits.maxAlarms);
  let dictionaryId = 0;
  let dictionaryEntries = 0;
  if (version >= 4) {
    dictionaryId = r.uvarint('header.dictionaryId');
    if (dictionaryId > MAX_DICTIONARY_ID) throw new CodecInvalidFieldError('header.dictionaryId', dictionaryId, 'must be below 2^52');
    dictionaryEntries = r.uvarint('header.dictionaryEntries');
    // A batch inlines at most one entry per series, and a series holds a reading.
    if (dictionaryEntries > readingCount || (dictionaryId === 0 && dictionaryEntries > 0)) {
      throw new CodecInvalidFieldError('header.dictionaryEntries', dictionaryEntries, 'must be at most readingCount, and 0 without a dictionary');
    }
  }
  const payloadBytes = r.uvarint('header.payloadBytes');
  if (payloadBytes > limits.maxDecompressedBytes) throw new CodecLimitExceededError('maxDecompressedBytes', payloadBytes, limits.maxDecompressedBytes);
  // Counts are bounded by the limits above, not by the payload size: range-coded values
  // of smooth data take well under one byte per reading, so a count larger than the
  // payload is legitimate (and allocation is already capped by maxReadings).
  if (payloadBytes < columnCount(version)) {
    throw new CodecCorruptError('the declared payload is smaller than its column headers', { readingCount, alarmCount, payloadBytes });
  }
  const bodyBytes = r.uvarint('header.bodyBytes');
  if (compression === 'none' && bodyBytes !== payloadBytes) throw new CodecCorruptError('an uncompressed body must be as long as the payload', { bodyBytes, payloadBytes });
  const crcCoveredBytes = r.pos;
  const crc = r.u32le();
  const bodyOffset = r.pos;
  const available = bytes.length - bodyOffset;
  if (available < bodyBytes) r.short(bodyBytes);
  if (available > bodyBytes) throw new CodecCorruptError('bytes after the end of the batch', { extra: available - bodyBytes });
  return { version, compression, gatewayId, seq, createdAtMs, readingCount, alarmCount, dictionaryId, dictionaryEntries, payloadBytes, bodyBytes, crcCoveredBytes, crc, bodyOffset };
}

export function verifyChecksum(bytes: Uint8Array, header: ParsedHeader, payload: Uint8Array): void {
  const actual = zlib.crc32(payload, zlib.crc32(bytes.subarray(0, header.crcCoveredBytes)));
  if (actual !== header.crc) throw new CodecChecksumError(header.crc, actual);
}

function checkMagic(bytes: Uint8Array): void {
  const n = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== MAGIC[i]) throw new CodecBadMagicError(JSON.stringify(Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1')));
  }
  // A prefix of the magic is a batch cut short, not some other format.
  if (bytes.length < MAGIC.length + 1) new ByteReader(bytes, n, bytes.length, 'header', 'truncated').short(MAGIC.length + 1 - n);
}
