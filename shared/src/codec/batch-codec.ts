/**
 * encodeBatch / decodeBatch: a Batch to and from the Wardlink wire format (see README.md).
 */
import { CodecInputError } from '../errors/codec.js';
import type { Batch } from '../types.js';
import { compress, decompress, resolveCompression, type CompressionChoice } from './compression.js';
import { decodePayload } from './decode-payload.js';
import type { DictionaryEncoding, DictionaryLookup, SeriesEntry } from './dictionary.js';
import { encodePayload } from './encode-payload.js';
import { FORMAT_VERSION, isTimeInRange, isWellFormed } from './format.js';
import { readHeader, verifyChecksum, writeFrame, type BatchHeader } from './frame.js';
import { resolveDecodeLimits, type DecodeLimits } from './limits.js';

export type EncodeOptions = Partial<CompressionChoice> & {
  /** Write the batch against a series dictionary (dictionary.ts). Without one, the batch names every series in full. */
  dictionary?: DictionaryEncoding;
};

export interface DecodeOptions {
  /** The dictionaries the receiver holds, for batches written against one. */
  dictionaries?: DictionaryLookup;
}

/** A decoded batch and the dictionary entries it carried inline (to be kept by the receiver). */
export interface DecodedBatch {
  batch: Batch;
  /** 0 when the batch was written without a dictionary. */
  dictionaryId: number;
  inlineEntries: Map<number, SeriesEntry>;
}

/**
 * Encodes a batch (format version 4). Values are quantized to their metric's catalog
 * resolution, except readings flagged INVALID and readings of uncatalogued terms, which
 * keep their value exactly. Deterministic: the same
 * batch always gives the same bytes. Throws `CodecInputError` for a batch the format
 * cannot carry (unknown metric, time outside 2000..2100, non-finite valid value...).
 */
export function encodeBatch(batch: Batch, opts: EncodeOptions = {}): Buffer {
  const choice = resolveCompression(opts);
  const { gatewayId, seq, createdAtMs } = batch;
  if (typeof gatewayId !== 'string' || !isWellFormed(gatewayId)) throw new CodecInputError('gatewayId', 'must be a well-formed string', gatewayId);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new CodecInputError('seq', 'must be a non-negative safe integer', seq);
  if (!isTimeInRange(createdAtMs)) throw new CodecInputError('createdAtMs', 'must be an integer time in 2000..2100', createdAtMs);
  if (!Array.isArray(batch.readings)) throw new CodecInputError('readings', 'must be an array');
  if (!Array.isArray(batch.alarms)) throw new CodecInputError('alarms', 'must be an array');
  const { payload, inlineEntries } = encodePayload(batch, opts.dictionary);
  const body = compress(payload, choice);
  const header: BatchHeader = {
    version: FORMAT_VERSION,
    compression: choice.compression,
    gatewayId,
    seq,
    createdAtMs,
    readingCount: batch.readings.length,
    alarmCount: batch.alarms.length,
    dictionaryId: opts.dictionary?.dictionary.id ?? 0,
    dictionaryEntries: inlineEntries,
    payloadBytes: payload.length,
    bodyBytes: body.length,
  };
  return writeFrame(header, payload, body);
}

/**
 * Decodes and fully validates a batch. Readings come back in canonical order (see
 * `canonicalizeBatch`). Throws a `BatchCodecError` subclass for any bad input; nothing is
 * decompressed or allocated beyond `limits` (defaults: `DEFAULT_DECODE_LIMITS`).
 */
export function decodeBatch(bytes: Uint8Array, limits?: Partial<DecodeLimits>, opts: DecodeOptions = {}): Batch {
  return decodeBatchWithDictionary(bytes, limits, opts).batch;
}

/**
 * `decodeBatch`, also giving the dictionary entries the batch carried inline. A batch
 * using an entry that is neither inline nor held (`opts.dictionaries`) throws
 * `DictionaryUnknownError` (409 WL_DICTIONARY_UNKNOWN) after the checksum is verified.
 */
export function decodeBatchWithDictionary(bytes: Uint8Array, limits?: Partial<DecodeLimits>, opts: DecodeOptions = {}): DecodedBatch {
  const resolved = resolveDecodeLimits(limits);
  const header = readHeader(bytes, resolved);
  const body = bytes.subarray(header.bodyOffset, header.bodyOffset + header.bodyBytes);
  const payload = decompress(body, header.compression, header.payloadBytes);
  verifyChecksum(bytes, header, payload);
  const { readings, alarms, inlineEntries } = decodePayload(payload, {
    version: header.version,
    gatewayId: header.gatewayId,
    createdAtMs: header.createdAtMs,
    readingCount: header.readingCount,
    alarmCount: header.alarmCount,
    maxStringLength: resolved.maxStringLength,
    dictionaryId: header.dictionaryId,
    dictionaryEntries: header.dictionaryEntries,
    dictionaries: opts.dictionaries,
  });
  return { batch: { gatewayId: header.gatewayId, seq: header.seq, createdAtMs: header.createdAtMs, alarms, readings }, dictionaryId: header.dictionaryId, inlineEntries };
}

/**
 * Reads only the header: who sent the batch, its sequence number and declared sizes, so a
 * server can authorize and de-duplicate before paying for decompression. Nothing here is
 * verified by the checksum yet; trust it only after `decodeBatch` succeeds.
 */
export function peekBatchHeader(bytes: Uint8Array, limits?: Partial<DecodeLimits>): BatchHeader {
  const { crcCoveredBytes: _c, crc: _crc, bodyOffset: _b, ...header } = readHeader(bytes, resolveDecodeLimits(limits));
  return header;
}
