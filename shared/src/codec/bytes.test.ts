import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecCorruptError, CodecInvalidFieldError, CodecTruncatedError } from '../errors/codec.js';
import { ByteReader, ByteWriter, unzigzag, zigzag } from './bytes.js';

const reader = (bytes: Uint8Array, overrun: 'truncated' | 'corrupt' = 'truncated') => new ByteReader(bytes, 0, bytes.length, 'test', overrun);

describe('varints and zigzag', () => {
  it('zigzags small magnitudes to small numbers, across the whole safe range', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    for (const n of [2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31), 2 ** 40 + 3, -(2 ** 51), 2 ** 52 - 1]) expect(unzigzag(zigzag(n))).toBe(n);
  });

  it('writes canonical LEB128 and reads back any safe integer and double', () => {
    const w = new ByteWriter(1);
    for (const v of [0, 127, 128, 300]) w.uvarint(v);
    expect(Buffer.from(w.view()).toString('hex')).toBe('007f8001ac02');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.maxSafeNat(), fc.integer({ min: -(2 ** 51), max: 2 ** 51 }), fc.double())), (rows) => {
        const out = new ByteWriter(2);
        for (const [u, s, d] of rows) {
          out.uvarint(u);
          out.svarint(s);
          out.f64le(d);
        }
        const r = reader(out.view());
        for (const [u, s, d] of rows) {
          expect(r.uvarint('u')).toBe(u);
          expect(r.svarint('s')).toBe(s);
          expect(r.f64le()).toBe(d);
        }
        r.expectEnd();
      }),
    );
  });

  it('rejects overflowing, overlong and cut-off varints', () => {
    expect(() => reader(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint('x')).toThrow(CodecInvalidFieldError);
    expect(() => reader(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])).uvarint('x')).toThrow(/safe integer/);
    expect(() => reader(Uint8Array.from([0xff, 0x00])).uvarint('x')).toThrow(/overlong/);
    expect(() => reader(Uint8Array.from([0xff, 0xff])).uvarint('x')).toThrow(CodecTruncatedError);
    expect(() => reader(Uint8Array.from([0xff]), 'corrupt').uvarint('x')).toThrow(CodecCorruptError);
    expect(() => reader(Uint8Array.from([1, 2, 3])).f64le()).toThrow(CodecTruncatedError);
    expect(() => reader(Uint8Array.from([5])).uvarintMax('x', 4)).toThrow(CodecInvalidFieldError);
  });

  it('writes UTF-8 strings with their byte length, long or short', () => {
    const w = new ByteWriter(4);
    const long = 'é'.repeat(100);
    w.utf8('mon-01');
    w.utf8(long);
    const r = reader(w.view());
    expect(Buffer.from(r.bytes(r.uvarint('len'))).toString()).toBe('mon-01');
    expect(r.uvarint('len')).toBe(200);
    expect(Buffer.from(r.bytes(200)).toString()).toBe(long);
  });
});
