export {
  encodeBatch,
  decodeBatch,
  decodeBatchWithDictionary,
  decodeBatchColumns,
  peekBatchHeader,
  type EncodeOptions,
  type DecodeOptions,
  type DecodedBatch,
  type DecodedBatchColumns,
} from './batch-codec.js';
export { readingOfColumns, readingsOfColumns, type ColumnarBatch, type ReadingColumns, type ReadingSeries } from './reading-columns.js';
export { SeriesDictionary, entryOfReading, seriesKey, type SeriesEntry, type DictionaryEncoding, type DictionaryLookup } from './dictionary.js';
export { canonicalizeBatch } from './canonical.js';
export { DEFAULT_DECODE_LIMITS, resolveDecodeLimits, type DecodeLimits } from './limits.js';
export { DEFAULT_COMPRESSION, type CompressionChoice } from './compression.js';
export { FORMAT_VERSION, MAX_DICTIONARY_ID, type CompressionName } from './format.js';
export type { BatchHeader } from './frame.js';
