/**
 * The payload's string table: every distinct id and text once, referenced by index.
 * Column layout: varint count, then per string varint UTF-8 byte length + bytes.
 */
import { CodecInputError, CodecInvalidFieldError, CodecLimitExceededError } from '../errors/codec.js';
import { ByteWriter, type ByteReader } from './bytes.js';
import { isWellFormed } from './format.js';

export class StringTableWriter {
  private readonly ids = new Map<string, number>();
  private readonly entries = new ByteWriter(1024);

  /** The index of `s`, adding it on first use. `field` names the source in errors. */
  intern(s: unknown, field: string): number {
    const known = this.ids.get(s as string);
    if (known !== undefined) return known;
    if (typeof s !== 'string') throw new CodecInputError(field, 'must be a string', s);
    if (!isWellFormed(s)) throw new CodecInputError(field, 'contains a lone UTF-16 surrogate (not valid Unicode)', s);
    const index = this.ids.size;
    this.ids.set(s, index);
    this.entries.utf8(s);
    return index;
  }

  /** Index + 1 for a string, 0 for null. */
  internNullable(s: unknown, field: string): number {
    return s === null ? 0 : this.intern(s, field) + 1;
  }

  writeColumn(out: ByteWriter): void {
    out.uvarint(this.ids.size);
    out.bytes(this.entries.view());
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function readStringTable(r: ByteReader, maxStringLength: number): string[] {
  // Every string takes at least its length byte, which bounds the count by the column size.
  const count = r.uvarintMax('strings.count', r.remaining);
  const strings = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const len = r.uvarint('strings.length');
    if (len > maxStringLength) throw new CodecLimitExceededError('maxStringLength', len, maxStringLength);
    strings[i] = decodeUtf8(r.bytes(len), 'strings.text');
  }
  return strings;
}

export function decodeUtf8(bytes: Uint8Array, field: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new CodecInvalidFieldError(field, Buffer.from(bytes.subarray(0, 32)).toString('hex'), 'is not valid UTF-8');
  }
}

/** Looks up a string index read from the payload. */
export function stringAt(strings: readonly string[], index: number, field: string): string {
  const s = strings[index];
  if (s === undefined) throw new CodecInvalidFieldError(field, index, `string index out of range (table has ${strings.length})`);
  return s;
}

/** Looks up an index + 1 (0 = null). */
export function nullableStringAt(strings: readonly string[], ref: number, field: string): string | null {
  return ref === 0 ? null : stringAt(strings, ref - 1, field);
}
