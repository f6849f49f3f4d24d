import { ApiError } from './api.js';

/**
 * 409: a batch uses series dictionary entries this receiver does not hold (a restored or
 * new cloud database, or entries that travel in a batch not arrived yet). Nothing of the
 * batch was stored. The gateway sends it again with every entry it uses inline (see
 * shared/src/codec/dictionary.ts); that batch always decodes.
 */
export class DictionaryUnknownError extends ApiError {
  constructor(
    readonly dictionaryId: number,
    readonly missing: readonly number[],
  ) {
    super(
      'WL_DICTIONARY_UNKNOWN',
      409,
      `the batch uses ${missing.length} entr${missing.length === 1 ? 'y' : 'ies'} of series dictionary ${dictionaryId} that this cloud does not hold; send it again with its entries inline`,
      { dictionaryId, missing: missing.slice(0, 16) },
    );
  }
}

/**
 * 409: an entry the batch carries inline contradicts the series this receiver holds under
 * the same number of that dictionary. The gateway lost entries it had already sent (a
 * power cut rolled back its last commits, or its buffer was restored from a copy) and
 * numbered other series with them. Nothing of the batch was stored: storing it would put
 * readings under the wrong patient or bed. The gateway starts a new dictionary and sends
 * the batch again.
 */
export class DictionaryConflictError extends ApiError {
  constructor(
    readonly dictionaryId: number,
    readonly numbers: readonly number[],
  ) {
    super(
      'WL_DICTIONARY_CONFLICT',
      409,
      `the batch carries ${numbers.length} entr${numbers.length === 1 ? 'y' : 'ies'} of series dictionary ${dictionaryId} that contradict the series this cloud holds under the same numbers; start a new dictionary and send it again`,
      { dictionaryId, numbers: numbers.slice(0, 16) },
    );
  }
}
