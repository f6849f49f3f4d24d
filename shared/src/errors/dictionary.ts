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
