/**
 * Exact numbers: the raw value of an INVALID reading (-999, 12.345, NaN...), every value
 * of an uncatalogued series, and alarm values round-trip bit for bit. Integers take a
 * tag byte + zigzag varint (-999 is 3 bytes). Version 2 writes a short decimal (36.65,
 * 0.042) as a tag byte + zigzag mantissa + decimals byte: monitors send decimals, and 4
 * bytes beat a float64's 9. Anything else, including -0, NaN and infinities, is a tag
 * byte + float64.
 */
import { CodecInvalidFieldError } from '../errors/codec.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import { RAW_DECIMAL, RAW_FLOAT64, RAW_INTEGER, RAW_NULL } from './format.js';

/** Integers below 2^52 in magnitude zigzag into a safe integer. */
const MAX_EXACT_INTEGER = 2 ** 52 - 1;
/** A decimal mantissa stays below 2^50, so mantissa / 10^d is one correctly rounded division. */
const MAX_MANTISSA = 2 ** 50;
const MAX_DECIMALS = 9;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/**
 * The fewest decimals d (1..9) with `m / 10^d === v` exactly, as a device's decimal text
 * parses; null when there is none (a float that is no short decimal).
 */
function decimalOf(v: number): { mantissa: number; decimals: number } | null {
  if (!Number.isFinite(v)) return null;
  for (let d = 1; d <= MAX_DECIMALS; d++) {
    const m = Math.round(v * POW10[d]!);
    if (Math.abs(m) >= MAX_MANTISSA) return null;
    if (m / POW10[d]! === v) return { mantissa: m, decimals: d };
  }
  return null;
}

export function writeExact(w: ByteWriter, v: number, version = 2): void {
  if (Number.isInteger(v) && Math.abs(v) <= MAX_EXACT_INTEGER && !Object.is(v, -0)) {
    w.u8(RAW_INTEGER);
    w.svarint(v);
    return;
  }
  const decimal = version >= 2 ? decimalOf(v) : null;
  if (decimal !== null && decimal.mantissa !== 0) {
    w.u8(RAW_DECIMAL);
    w.svarint(decimal.mantissa);
    w.u8(decimal.decimals);
  } else {
    w.u8(RAW_FLOAT64);
    w.f64le(v);
  }
}

export function writeExactNullable(w: ByteWriter, v: number | null): void {
  if (v === null) w.u8(RAW_NULL);
  else writeExact(w, v);
}

export function readExactNullable(r: ByteReader, field: string, allowNull: boolean, version = 2): number | null {
  const tag = r.u8();
  if (tag === RAW_INTEGER) return r.svarint(field);
  if (tag === RAW_FLOAT64) return r.f64le();
  if (tag === RAW_DECIMAL && version >= 2) {
    const mantissa = r.svarint(`${field}.mantissa`);
    const decimals = r.u8();
    if (decimals < 1 || decimals > MAX_DECIMALS) throw new CodecInvalidFieldError(`${field}.decimals`, decimals, `must be 1..${MAX_DECIMALS}`);
    if (mantissa === 0 || Math.abs(mantissa) >= MAX_MANTISSA) throw new CodecInvalidFieldError(`${field}.mantissa`, mantissa, 'must be non-zero and below 2^50');
    const v = mantissa / POW10[decimals]!;
    // Canonical: the encoder picks the fewest decimals, so other spellings are corrupt.
    const canonical = decimalOf(v);
    if (Number.isInteger(v) || canonical === null || canonical.decimals !== decimals) throw new CodecInvalidFieldError(`${field}.decimals`, decimals, 'is not the shortest decimal of the value');
    return v;
  }
  if (tag === RAW_NULL && allowNull) return null;
  const allowed = version >= 2 ? '1, 2 or 3' : '1 or 2';
  throw new CodecInvalidFieldError(`${field}.tag`, tag, allowNull ? `must be 0, ${allowed}` : `must be ${allowed}`);
}

export function readExact(r: ByteReader, field: string, version = 2): number {
  return readExactNullable(r, field, false, version) as number;
}
