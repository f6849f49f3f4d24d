import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecCorruptError } from '../errors/codec.js';
import { ByteWriter } from './bytes.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';
import { createValueModel, decodeUnsigned, encodeUnsigned, modelBase, sizeClass } from './value-model.js';

interface Symbol {
  metric: number;
  role: number;
  u: number;
}

function encode(symbols: readonly Symbol[]): Uint8Array {
  const w = new ByteWriter(16);
  const enc = new RangeEncoder(w);
  const probs = createValueModel(13);
  let cls = 0;
  for (const s of symbols) {
    encodeUnsigned(enc, probs, modelBase(s.metric, s.role), cls, s.u);
    cls = sizeClass(s.u);
  }
  enc.finish();
  return w.view().slice();
}

function decode(bytes: Uint8Array, symbols: readonly Symbol[]): number[] {
  const dec = new RangeDecoder(bytes, 0, bytes.length, 'values');
  const probs = createValueModel(13);
  let cls = 0;
  const out = symbols.map((s) => {
    const u = decodeUnsigned(dec, probs, modelBase(s.metric, s.role), cls);
    cls = sizeClass(u);
    return u;
  });
  dec.expectEnd();
  return out;
}

const symbolArb = fc.record({
  metric: fc.integer({ min: 0, max: 12 }),
  role: fc.integer({ min: 0, max: 1 }),
  u: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 2 ** 51 - 2 })),
});

describe('range-coded value deltas', () => {
  it('round-trips any sequence of deltas, using exactly the bytes it wrote', () => {
    fc.assert(
      fc.property(fc.array(symbolArb, { maxLength: 300 }), (symbols) => {
        const bytes = encode(symbols);
        expect(decode(bytes, symbols)).toEqual(symbols.map((s) => s.u));
      }),
      { numRuns: 300 },
    );
  });

  it('codes a quiet series in a small fraction of a byte per value', () => {
    const quiet: Symbol[] = Array.from({ length: 4000 }, (_, i) => ({ metric: 11, role: 1, u: i % 50 === 0 ? 1 : 0 }));
    const bytes = encode(quiet);
    expect(bytes.length).toBeLessThan(4000 / 16);
    expect(decode(bytes, quiet)).toEqual(quiet.map((s) => s.u));
  });

  it('reports a stream that ends early or carries extra bytes as corrupt', () => {
    const symbols: Symbol[] = Array.from({ length: 50 }, (_, i) => ({ metric: 3, role: 1, u: (i * 37) % 61 }));
    const bytes = encode(symbols);
    expect(() => decode(bytes.subarray(0, bytes.length - 1), symbols)).toThrow(CodecCorruptError);
    expect(() => decode(Uint8Array.from([...bytes, 0]), symbols)).toThrow(CodecCorruptError);
  });
});
