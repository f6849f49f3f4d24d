/**
 * Exact numbers: the raw value of an INVALID reading (-999, 12.345, NaN...) and alarm
 * values round-trip bit for bit. Integers take a tag byte + zigzag varint (-999 is 3
 * bytes); anything else, including -0, NaN and infinities, a tag byte + float64.
 */
import { CodecInvalidFieldError } from '../errors/codec.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import { RAW_FLOAT64, RAW_INTEGER, RAW_NULL } from './format.js';

/** Integers below 2^52 in magnitude zigzag into a safe integer. */
const MAX_EXACT_INTEGER = 2 ** 52 - 1;

export function writeExact(w: ByteWriter, v: number): void {
  if (Number.isInteger(v) && Math.abs(v) <= MAX_EXACT_INTEGER && !Object.is(v, -0)) {
    w.u8(RAW_INTEGER);
    w.svarint(v);
  } else {
    w.u8(RAW_FLOAT64);
    w.f64le(v);
  }
}

export function writeExactNullable(w: ByteWriter, v: number | null): void {
  if (v === null) w.u8(RAW_NULL);
  else writeExact(w, v);
}

export function readExactNullable(r: ByteReader, field: string, allowNull: boolean): number | null {
  const tag = r.u8();
  if (tag === RAW_INTEGER) return r.svarint(field);
  if (tag === RAW_FLOAT64) return r.f64le();
  if (tag === RAW_NULL && allowNull) return null;
  throw new CodecInvalidFieldError(`${field}.tag`, tag, allowNull ? 'must be 0, 1 or 2' : 'must be 1 or 2');
}

export function readExact(r: ByteReader, field: string): number {
  return readExactNullable(r, field, false) as number;
}
