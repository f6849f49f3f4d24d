/**
 * encodeBatch / decodeBatch: a Batch to and from the Wardlink wire format (see README.md).
 */
import { CodecInputError } from '../errors/codec.js';
import type { Batch } from '../types.js';
import { compress, decompress, resolveCompression, type CompressionChoice } from './compression.js';
import { decodePayload, decodePayloadColumns, type PayloadContext } from './decode-payload.js';
import type { DictionaryEncoding, DictionaryLookup, SeriesEntry } from './dictionary.js';
import { encodePayload } from './encode-payload.js';
import { FORMAT_VERSION, isTimeInRange, isWellFormed } from './format.js';
import { readHeader, verifyChecksum, writeFrame, type BatchHeader, type ParsedHeader } from './frame.js';
import { resolveDecodeLimits, type DecodeLimits } from './limits.js';
import type { ColumnarBatch } from './reading-columns.js';

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
  const { header, context } = verifiedPayload(bytes, limits, opts);
  const { readings, alarms, inlineEntries } = decodePayload(context.payload, context);
  return { batch: { gatewayId: header.gatewayId, seq: header.seq, createdAtMs: header.createdAtMs, alarms, readings }, dictionaryId: header.dictionaryId, inlineEntries };
}

/** A decoded batch with its readings as columns (reading-columns.ts), not objects. */
export interface DecodedBatchColumns {
  batch: ColumnarBatch;
  /** 0 when the batch was written without a dictionary. */
  dictionaryId: number;
  inlineEntries: Map<number, SeriesEntry>;
}

/**
 * `decodeBatchWithDictionary`, with the readings as columns: the same checks and the same
 * readings (`readingsOfColumns` gives what `decodeBatch` returns), and no object per
 * reading for a receiver that only copies them on.
 */
export function decodeBatchColumns(bytes: Uint8Array, limits?: Partial<DecodeLimits>, opts: DecodeOptions = {}): DecodedBatchColumns {
  const { header, context } = verifiedPayload(bytes, limits, opts);
  const { columns, alarms, inlineEntries } = decodePayloadColumns(context.payload, context);
  return { batch: { gatewayId: header.gatewayId, seq: header.seq, createdAtMs: header.createdAtMs, alarms, readings: columns }, dictionaryId: header.dictionaryId, inlineEntries };
}

/** Header read, body decompressed and checksum verified: the payload and how to decode it. */
function verifiedPayload(bytes: Uint8Array, limits: Partial<DecodeLimits> | undefined, opts: DecodeOptions): { header: ParsedHeader; context: PayloadContext & { payload: Uint8Array } } {
  const resolved = resolveDecodeLimits(limits);
  const header = readHeader(bytes, resolved);
  const body = bytes.subarray(header.bodyOffset, header.bodyOffset + header.bodyBytes);
  const payload = decompress(body, header.compression, header.payloadBytes);
  verifyChecksum(bytes, header, payload);
  return {
    header,
    context: {
      payload,
      version: header.version,
      gatewayId: header.gatewayId,
      createdAtMs: header.createdAtMs,
      readingCount: header.readingCount,
      alarmCount: header.alarmCount,
      maxStringLength: resolved.maxStringLength,
      dictionaryId: header.dictionaryId,
      dictionaryEntries: header.dictionaryEntries,
      dictionaries: opts.dictionaries,
    },
  };
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
