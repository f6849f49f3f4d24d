import { WardlinkError } from './base.js';

/**
 * Errors of the batch wire codec (`shared/src/codec`). Every decode failure is one of
 * these, so the cloud can answer a bad upload with a 4xx and a stable code instead of
 * crashing, and the gateway can tell a bug in its own batch from a transport fault.
 * Catch them all with `instanceof BatchCodecError`; branch on `code`.
 */
export class BatchCodecError extends WardlinkError {}

/** The bytes do not start with the batch magic "WLB": not a Wardlink batch at all. */
export class CodecBadMagicError extends BatchCodecError {
  constructor(found: string) {
    super(
      'WL_CODEC_BAD_MAGIC',
      `not a Wardlink batch: expected the magic bytes "WLB", found ${found}; check the sender and the Content-Type`,
      { found },
    );
  }
}

/** A batch written by a newer (or unknown) format version. */
export class CodecUnsupportedVersionError extends BatchCodecError {
  constructor(version: number, supported: readonly number[]) {
    super(
      'WL_CODEC_UNSUPPORTED_VERSION',
      `batch format version ${version} is not supported (this build reads ${supported.join(', ')}); upgrade the reader or downgrade the gateway`,
      { version, supported: [...supported] },
    );
  }
}

/** The input ends before the structure it declares. */
export class CodecTruncatedError extends BatchCodecError {
  constructor(what: string, needed: number, available: number) {
    super(
      'WL_CODEC_TRUNCATED',
      `batch is truncated: ${what} needs ${needed} more byte(s) but only ${available} remain; the upload was cut short, resend it`,
      { what, needed, available },
    );
  }
}

/** The CRC32 over header and payload does not match: the bytes were altered. */
export class CodecChecksumError extends BatchCodecError {
  constructor(expected: number, actual: number) {
    super(
      'WL_CODEC_CHECKSUM_MISMATCH',
      `batch checksum mismatch (header says ${hex(expected)}, payload gives ${hex(actual)}); the bytes were corrupted in transit, resend the batch`,
      { expected, actual },
    );
  }
}

/** A declared count or size is above the reader's configured `DecodeLimits`. */
export class CodecLimitExceededError extends BatchCodecError {
  constructor(limit: string, value: number, max: number) {
    super(
      'WL_CODEC_LIMIT_EXCEEDED',
      `batch exceeds the decode limit ${limit}: ${value} > ${max}; send smaller batches or raise the limit`,
      { limit, value, max },
    );
  }
}

/** The structure is inconsistent: decompression failed, lengths disagree, columns overrun. */
export class CodecCorruptError extends BatchCodecError {
  constructor(what: string, detail: Record<string, unknown> = {}, cause?: unknown) {
    super('WL_CODEC_CORRUPT', `batch is corrupt: ${what}; the sender wrote an invalid batch, resend or report it`, detail, {
      cause,
    });
  }
}

/** A field holds a value the format forbids (bad enum, unknown metric, time out of range...). */
export class CodecInvalidFieldError extends BatchCodecError {
  constructor(field: string, value: unknown, rule: string) {
    super('WL_CODEC_INVALID_FIELD', `batch field ${field} is invalid (${String(value)}): ${rule}`, {
      field,
      value: typeof value === 'number' || typeof value === 'string' ? value : String(value),
      rule,
    });
  }
}

/** `encodeBatch` was given a batch the format cannot carry; fix the producer. */
export class CodecInputError extends BatchCodecError {
  constructor(field: string, rule: string, value?: unknown) {
    super('WL_CODEC_INVALID_INPUT', `cannot encode batch: ${field} ${rule}`, {
      field,
      rule,
      ...(value === undefined ? {} : { value: typeof value === 'number' ? value : String(value) }),
    });
  }
}

/** A codec option (encode options, decode limits) is out of range. */
export class CodecOptionError extends BatchCodecError {
  constructor(option: string, rule: string, value: unknown) {
    super('WL_CODEC_BAD_OPTION', `codec option ${option} ${rule} (got ${String(value)})`, { option, rule });
  }
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
