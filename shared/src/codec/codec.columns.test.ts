import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMetricId } from '../catalog/lookup.js';
import { QualityFlag, type Reading } from '../types.js';
import { canonicalizeBatch, decodeBatch, decodeBatchColumns, encodeBatch, readingOfColumns, readingsOfColumns } from './index.js';
import { batchArb } from './testing/arbitraries.js';
import { T0 } from './testing/frames.js';
import { wardBatch } from './testing/ward-batch.js';

describe('decodeBatchColumns', () => {
  it('gives every random batch as contiguous series of one stream and metric each, reading for reading its canonical form', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const bytes = encodeBatch(batch);
        const canonical = canonicalizeBatch(batch);
        const { batch: decoded } = decodeBatchColumns(bytes);
        const columns = decoded.readings;
        expect({ ...decoded, readings: undefined }).toEqual({ ...canonical, readings: undefined });
        expect(columns.length).toBe(canonical.readings.length);
        let next = 0;
        for (const s of columns.series) {
          expect(s.start).toBe(next);
          expect(s.count).toBeGreaterThan(0);
          next += s.count;
          for (let i = s.start; i < next; i++) {
            const r = readingOfColumns(columns, s, i);
            expect(r).toEqual(canonical.readings[i]);
            expect([r.deviceId, r.bedId, r.patientId, r.metric, r.unit]).toEqual([s.deviceId, s.bedId, s.patientId, s.metric, s.unit]);
          }
        }
        expect(next).toBe(columns.length);
        expect(columns.uncatalogued).toBe(canonical.readings.some((r) => !isMetricId(r.metric)));
        expect(readingsOfColumns(columns)).toStrictEqual(decodeBatch(bytes).readings);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a suspect clock's device time by reading index, and none for a reading whose device gave no time", () => {
    const base: Reading = { gatewayId: 'gw-1', deviceId: 'mon-01', bedId: 'bed-01', patientId: null, metric: 'HR', deviceTimeMs: T0, receivedAtMs: T0, value: 70, flags: 0 };
    const readings: Reading[] = [
      { ...base },
      { ...base, deviceTimeMs: T0 + 1000, receivedAtMs: T0 + 1000, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T0 - 86_400_000 },
      { ...base, deviceTimeMs: T0 + 2000, receivedAtMs: T0 + 2000, flags: QualityFlag.CLOCK_SUSPECT },
    ];
    const columns = decodeBatchColumns(encodeBatch({ gatewayId: 'gw-1', seq: 1, createdAtMs: T0 + 5000, alarms: [], readings })).batch.readings;
    expect([...columns.deviceClockMs]).toEqual([[1, T0 - 86_400_000]]);
    expect(readingsOfColumns(columns)).toStrictEqual(readings);
  });

  it('decodes a realistic ward batch to the same readings as decodeBatch', () => {
    const bytes = encodeBatch(wardBatch(10));
    const columns = decodeBatchColumns(bytes).batch.readings;
    expect(columns.uncatalogued).toBe(false);
    expect(readingsOfColumns(columns)).toStrictEqual(decodeBatch(bytes).readings);
  });
});
