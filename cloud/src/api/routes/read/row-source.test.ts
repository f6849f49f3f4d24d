/** Merging sorted sources batch by batch, and the orders and values they must agree on. */
import { describe, expect, it } from 'vitest';
import { float4AsPostgres } from '../../../lifecycle/archive/archived-readings.js';
import { movedDays, type DayLocation } from '../../../lifecycle/archive/day-locations.js';
import { compareCodePoints, concatSources, lazySource, mergeSources, type RowSource } from './row-source.js';

/** A source handing out `rows` in batches of `size`, recording whether it was closed. */
function arraySource(rows: number[], size: number): RowSource<number> & { closed: boolean; opened: boolean } {
  let at = 0;
  const s = {
    closed: false,
    opened: false,
    next: async () => {
      s.opened = true;
      const out = rows.slice(at, at + size);
      at += out.length;
      return out;
    },
    close: async () => {
      s.closed = true;
    },
  };
  return s;
}

async function drain<T>(source: RowSource<T>): Promise<T[]> {
  const all: T[] = [];
  for (let rows = await source.next(); rows.length > 0; rows = await source.next()) all.push(...rows);
  await source.close();
  return all;
}

describe('row sources', () => {
  it('merges sorted sources of uneven batches into one sorted stream, each row once', async () => {
    const a = arraySource([1, 4, 4, 9, 12, 13], 2);
    const b = arraySource([2, 3, 4, 10], 3);
    const c = arraySource([], 5);
    const merged = await drain(mergeSources([a, b, c], (x, y) => x - y, 4));
    expect(merged).toEqual([1, 2, 3, 4, 4, 4, 9, 10, 12, 13]);
    expect([a.closed, b.closed, c.closed]).toEqual([true, true, true]);
  });

  it('opens a lazy source in a concatenation only when the ones before it are exhausted', async () => {
    const first = arraySource([1, 2], 1);
    const second = arraySource([3], 1);
    const concat = concatSources([lazySource(async () => first), lazySource(async () => second)]);
    expect(await concat.next()).toEqual([1]);
    expect(second.opened).toBe(false);
    expect(await drain(concat)).toEqual([2, 3]);
    expect(first.closed && second.closed).toBe(true);
  });

  it('compares ids in code point order (UTF-8 bytes, COLLATE "C"), not UTF-16 units', () => {
    const ids = ['b', 'a', '\u{1F600}', '\uFF21', 'ab', '', 'Z'];
    expect([...ids].sort(compareCodePoints)).toEqual(['', 'Z', 'a', 'ab', 'b', '\uFF21', '\u{1F600}']);
    expect([...ids].sort(compareCodePoints)).toEqual([...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  });

  it('gives a float4 back as PostgreSQL prints it', () => {
    // Inputs and what PostgreSQL 15 prints for them as real (`SELECT v::real::text`).
    const printed: Array<[number, string]> = [
      [36.3, '36.3'], [0.1, '0.1'], [98.6, '98.6'], [1e-7, '1e-07'], [3.4028234663852886e38, '3.4028235e+38'], [-2.5, '-2.5'],
      [72, '72'], [1.17549435e-38, '1.1754944e-38'], [0.30000001, '0.3'], [16777217, '1.6777216e+07'], [1.4e-45, '1e-45'],
    ];
    for (const [v, pg] of printed) expect(float4AsPostgres(Math.fround(v)), pg).toBe(Number(pg));
    expect(float4AsPostgres(NaN)).toBeNaN();
    expect(float4AsPostgres(-Infinity)).toBe(-Infinity);
    expect(Object.is(float4AsPostgres(-0), -0)).toBe(true);
  });

  it('tells which days moved between two looks', () => {
    const loc = (day: string, keys: string[], detached: string[] = []): DayLocation => ({ day, objects: keys.map((key) => ({ key }) as DayLocation['objects'][number]), detachedTables: detached, purged: false });
    expect(movedDays([loc('2026-03-01', ['k1'])], [loc('2026-03-01', ['k1'])])).toEqual([]);
    expect(movedDays([], [loc('2026-03-02', [], ['vital_data_p20260302'])])).toEqual(['2026-03-02']);
    expect(movedDays([loc('2026-03-01', [], ['vital_data_p20260301'])], [loc('2026-03-01', ['k1'])])).toEqual(['2026-03-01']);
  });
});
