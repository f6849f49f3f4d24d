/**
 * The payload decoder's framing (decode-payload.ts): the column-length table split into
 * one bounded reader per column, and the plain lists of refs the stream and series tables
 * hold. Kept apart so decode-payload.ts holds only the meaning of the columns; these run
 * once per batch, not per reading.
 */
import { CodecCorruptError } from '../errors/codec.js';
import { ByteReader } from './bytes.js';
import { COLUMN_NAMES } from './format.js';

/** Splits the payload by its column-length table into one bounded reader per column. */
export function columnReaders(payload: Uint8Array, count: number): ByteReader[] {
  const table = new ByteReader(payload, 0, payload.length, 'column table', 'corrupt');
  const lengths: number[] = [];
  for (let i = 0; i < count; i++) lengths.push(table.uvarint('column.length'));
  let pos = table.pos;
  const readers = lengths.map((len, i) => {
    if (len > payload.length - pos) throw new CodecCorruptError(`the ${COLUMN_NAMES[i]} column overruns the payload`, { length: len });
    const r = new ByteReader(payload, pos, pos + len, `${COLUMN_NAMES[i]} column`, 'corrupt');
    pos += len;
    return r;
  });
  if (pos !== payload.length) throw new CodecCorruptError('bytes after the last column', { extra: payload.length - pos });
  return readers;
}

export function readRefs(r: ByteReader, count: number, field: string): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = r.uvarint(field);
  return out;
}

/** Refs written as zigzag deltas from the previous one; range-checked when looked up. */
export function readDeltaRefs(r: ByteReader, count: number, field: string): number[] {
  const out = new Array<number>(count);
  let prev = 0;
  for (let i = 0; i < count; i++) out[i] = prev = prev + r.svarint(field);
  return out;
}
