/**
 * With a series dictionary, the series table of a payload holds entry numbers instead of
 * metric codes and ids: this resolves them to entries, from the batch's inline entries or
 * the receiver's held dictionary. Kept apart from decode-payload.ts (which reads the
 * columns) because it is where a batch written against unknown entries is refused; it runs
 * once per batch.
 */
import { CodecInvalidFieldError } from '../errors/codec.js';
import { DictionaryUnknownError } from '../errors/dictionary.js';
import type { ByteReader } from './bytes.js';
import type { DictionaryLookup, SeriesEntry } from './dictionary.js';

/**
 * With a dictionary: each series' entry, by number (zigzag deltas), from the batch's
 * inline entries or the receiver's. Every number is read before any is looked up, so one
 * refusal names every entry missing.
 */
export function seriesEntries(
  col: ByteReader,
  count: number,
  dictionaryId: number,
  inline: ReadonlyMap<number, SeriesEntry>,
  dictionaries: DictionaryLookup | undefined,
): SeriesEntry[] {
  const numbers = new Array<number>(count);
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const n = prev + col.svarint('series.entry');
    if (!Number.isSafeInteger(n) || n < 0) throw new CodecInvalidFieldError('series.entry', n, 'must be a non-negative integer');
    numbers[i] = prev = n;
  }
  const held = dictionaries?.(dictionaryId);
  const out = new Array<SeriesEntry>(count);
  const missing = new Set<number>();
  for (let i = 0; i < count; i++) {
    const e = inline.get(numbers[i]!) ?? held?.at(numbers[i]!);
    if (e === undefined) missing.add(numbers[i]!);
    else out[i] = e;
  }
  if (missing.size > 0) throw new DictionaryUnknownError(dictionaryId, [...missing].sort((a, b) => a - b));
  return out;
}
