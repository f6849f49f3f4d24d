import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictionaryUnknownError } from '../errors/dictionary.js';
import type { Batch } from '../types.js';
import { canonicalizeBatch, decodeBatch, decodeBatchWithDictionary, encodeBatch, peekBatchHeader, SeriesDictionary } from './index.js';
import { batchArb } from './testing/arbitraries.js';
import { wardBatch } from './testing/ward-batch.js';

/** A receiver's copy: the entries of `sender` with the given numbers. */
function receiverHolding(sender: SeriesDictionary, numbers: Iterable<number>): SeriesDictionary {
  const held = new SeriesDictionary(sender.id);
  for (const n of numbers) held.set(n, sender.at(n)!);
  return held;
}

describe('the series dictionary (format version 4)', () => {
  it('decodes every random batch against a dictionary, whichever entries travel inline and which the receiver holds', () => {
    fc.assert(
      fc.property(batchArb, fc.integer({ min: 1, max: 2 ** 52 - 1 }), fc.array(fc.boolean(), { maxLength: 64 }), (batch, id, known) => {
        const sender = new SeriesDictionary(id);
        sender.addReadings(batch.readings);
        // The receiver holds the entries marked known; every other entry must travel inline.
        const holds = (n: number) => known[n % Math.max(1, known.length)] === true;
        const held = receiverHolding(sender, Array.from({ length: sender.size }, (_, n) => n).filter(holds));
        const bytes = encodeBatch(batch, { dictionary: { dictionary: sender, inline: (n) => !holds(n) } });
        const decoded = decodeBatchWithDictionary(bytes, undefined, { dictionaries: (d) => (d === id ? held : undefined) });
        expect(decoded.batch).toEqual(canonicalizeBatch(batch, sender));
        expect(decoded.dictionaryId).toBe(id);
        for (const [n, e] of decoded.inlineEntries) {
          expect(holds(n)).toBe(false);
          expect(e).toEqual(sender.at(n));
        }
        // Deterministic, and the same readings as without a dictionary (order aside).
        expect(encodeBatch(batch, { dictionary: { dictionary: sender, inline: (n) => !holds(n) } }).equals(bytes)).toBe(true);
        const key = (b: Batch) => b.readings.map((r) => JSON.stringify(r)).sort();
        expect(key(decoded.batch)).toEqual(key(decodeBatch(encodeBatch(batch))));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a batch using entries the receiver lacks with 409 WL_DICTIONARY_UNKNOWN, and the same batch with its entries inline always decodes', () => {
    const batch = wardBatch(10);
    const sender = new SeriesDictionary(4242);
    sender.addReadings(batch.readings);
    const lean = encodeBatch(batch, { dictionary: { dictionary: sender, inline: () => false } });
    let refusal: unknown;
    try {
      decodeBatch(lean, undefined, { dictionaries: (d) => (d === 4242 ? receiverHolding(sender, [0, 1, 2]) : undefined) });
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(DictionaryUnknownError);
    expect(refusal).toMatchObject({ code: 'WL_DICTIONARY_UNKNOWN', status: 409, dictionaryId: 4242 });
    expect((refusal as DictionaryUnknownError).missing).toEqual(Array.from({ length: sender.size - 3 }, (_, i) => i + 3));
    expect(() => decodeBatch(lean)).toThrow(DictionaryUnknownError);

    const full = encodeBatch(batch, { dictionary: { dictionary: sender, inline: () => true } });
    expect(peekBatchHeader(full)).toMatchObject({ dictionaryId: 4242, dictionaryEntries: sender.size });
    const alone = decodeBatchWithDictionary(full);
    expect(alone.batch).toEqual(canonicalizeBatch(batch, sender));
    expect(alone.inlineEntries.size).toBe(sender.size);
    // The receiver that learnt the entries from that batch decodes the lean one.
    const learnt = receiverHolding(sender, []);
    for (const [n, e] of alone.inlineEntries) learnt.set(n, e);
    expect(decodeBatch(lean, undefined, { dictionaries: () => learnt })).toEqual(alone.batch);
    // The lean batch is smaller than the plain one (ids no longer travel), which is smaller than the full one.
    const plain = encodeBatch(batch);
    expect(lean.length).toBeLessThan(plain.length - 100);
    expect(plain.length).toBeLessThan(full.length);
  });

  it('never renumbers an entry: a contradicting copy is refused, and a series outside the dictionary cannot be encoded', () => {
    const d = new SeriesDictionary(7);
    const hr = { deviceId: 'mon-01', bedId: 'bed-01', patientId: 'P1', metric: 'HR', unit: null };
    expect(d.add(hr)).toBe(0);
    expect(d.add({ ...hr, metric: 'SPO2' })).toBe(1);
    expect(d.add(hr)).toBe(0);
    expect(() => d.set(0, { ...hr, patientId: 'P2' })).toThrow(/contradicts/);
    expect(() => d.add({ ...hr, metric: 'NOPE' })).toThrow(/metric/);
    expect(() => d.add({ ...hr, metric: '150047', unit: null })).toThrow(/unit/);
    expect(() => new SeriesDictionary(0)).toThrow(/dictionary.id/);
    const batch = wardBatch(2, 2);
    expect(() => encodeBatch(batch, { dictionary: { dictionary: d, inline: () => true } })).toThrow(/not in dictionary 7/);
  });
});
