import { describe, expect, it } from 'vitest';
import type { Batch, Reading } from '../types.js';
import { COLUMN } from './format.js';
import { canonicalizeBatch, decodeBatch, encodeBatch } from './index.js';
import { T0, withColumn } from './testing/frames.js';

const reading = (metric: 'HR' | 'SPO2' | 'TEMP', record: number, value: number): Reading => ({
  gatewayId: 'gw-1',
  deviceId: 'mon-01',
  bedId: 'bed-01',
  patientId: 'P1',
  metric,
  deviceTimeMs: T0 + record * 5_000 + [0, 130, -170, 40][record]!,
  receivedAtMs: T0 + record * 5_000 + [0, 130, -170, 40][record]! + [12, 47, 21, 33][record]!,
  value,
  flags: 0,
});

/** Four 5 s records; SPO2 missing from the second, TEMP only in the first and last. */
const INTERMITTENT: Batch = {
  gatewayId: 'gw-1',
  seq: 1,
  createdAtMs: T0 + 20_000,
  alarms: [],
  readings: [0, 1, 2, 3].flatMap((k) => [
    reading('HR', k, 70 + k),
    ...(k === 1 ? [] : [reading('SPO2', k, 96)]),
    ...(k === 0 || k === 3 ? [reading('TEMP', k, 36.8)] : []),
  ]),
};

describe('subset times (format version 3)', () => {
  it('writes a series missing some of its stream records as a bitmap over an earlier series, and decodes it back', () => {
    const bytes = encodeBatch(INTERMITTENT, { compression: 'none' });
    expect(decodeBatch(bytes)).toEqual(canonicalizeBatch(INTERMITTENT));
    // The same batch with SPO2 and TEMP on times of their own (shifted by 1 ms) costs more.
    const own: Batch = { ...INTERMITTENT, readings: INTERMITTENT.readings.map((r) => (r.metric === 'HR' ? r : { ...r, deviceTimeMs: r.deviceTimeMs + 1 })) };
    expect(encodeBatch(own, { compression: 'none' }).length).toBeGreaterThan(bytes.length + 6);
  });

  it('refuses a bitmap choosing too many, too few, or readings past the referenced series', () => {
    const bytes = encodeBatch(INTERMITTENT, { compression: 'none' });
    // The times column: HR's own times, then SPO2's bitmap (records 0, 2, 3 of 4: 0b1101),
    // then TEMP's (records 0 and 3: 0b1001). Offsets are in their own column.
    const bitmaps = (spo2: number, temp: number) => (col: Uint8Array) => {
      const out = Uint8Array.from(col);
      out[out.length - 2] = spo2;
      out[out.length - 1] = temp;
      return out;
    };
    expect(decodeBatch(withColumn(bytes, COLUMN.times, bitmaps(0b1101, 0b1001)))).toEqual(decodeBatch(bytes));
    expect(() => decodeBatch(withColumn(bytes, COLUMN.times, bitmaps(0b1111, 0b1001)))).toThrow(/more readings than the series holds/);
    expect(() => decodeBatch(withColumn(bytes, COLUMN.times, bitmaps(0b0101, 0b1001)))).toThrow(/fewer readings than the series holds/);
    expect(() => decodeBatch(withColumn(bytes, COLUMN.times, bitmaps(0b1101, 0b10001)))).toThrow(/past the referenced series/);
  });
});
