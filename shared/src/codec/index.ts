export { encodeBatch, decodeBatch, peekBatchHeader, type EncodeOptions } from './batch-codec.js';
export { canonicalizeBatch } from './canonical.js';
export { DEFAULT_DECODE_LIMITS, resolveDecodeLimits, type DecodeLimits } from './limits.js';
export { DEFAULT_COMPRESSION, type CompressionChoice } from './compression.js';
export { FORMAT_VERSION, type CompressionName } from './format.js';
export type { BatchHeader } from './frame.js';
