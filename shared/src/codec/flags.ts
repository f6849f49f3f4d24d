/**
 * The flags column: only for series with a flagged reading (the series mode says so),
 * as (run length, flags) varint pairs covering the series. Most series are all zero and
 * cost nothing here.
 */
import { CodecInputError, CodecInvalidFieldError } from '../errors/codec.js';
import { QUALITY_FLAG_MASK, type Reading } from '../types.js';
import type { ByteReader, ByteWriter } from './bytes.js';

/** Writes (run length, flags) pairs when any reading is flagged; returns whether it did. */
export function writeFlags(w: ByteWriter, readings: readonly Reading[], rows: readonly number[]): boolean {
  let any = false;
  for (let k = 0; k < rows.length; k++) {
    const f = readings[rows[k]!]!.flags;
    if (f !== 0) {
      if (!(Number.isInteger(f) && f > 0 && f <= QUALITY_FLAG_MASK)) {
        throw new CodecInputError(`readings[${rows[k]}].flags`, `must be a QualityFlag mask (0..${QUALITY_FLAG_MASK})`, f);
      }
      any = true;
    }
  }
  if (!any) return false;
  let run = 0;
  let current = readings[rows[0]!]!.flags;
  for (let k = 0; k < rows.length; k++) {
    const f = readings[rows[k]!]!.flags;
    if (f === current) run++;
    else {
      w.uvarint(run);
      w.uvarint(current);
      current = f;
      run = 1;
    }
  }
  w.uvarint(run);
  w.uvarint(current);
  return true;
}

/** `mask`: the flag bits the payload's version may carry (`flagMaskOf`). Returns every bit read (OR of the flags). */
export function readFlagRuns(r: ByteReader, flags: Uint8Array, start: number, count: number, mask = QUALITY_FLAG_MASK): number {
  let k = start;
  const end = start + count;
  let seen = 0;
  while (k < end) {
    const run = r.uvarint('flags.run');
    if (run < 1 || run > end - k) throw new CodecInvalidFieldError('flags.run', run, `must be 1..${end - k}`);
    const f = r.uvarint('flags.value');
    if (f & ~mask) throw new CodecInvalidFieldError('flags.value', f, 'has unknown QualityFlag bits');
    flags.fill(f, k, k + run);
    seen |= f;
    k += run;
  }
  return seen;
}
