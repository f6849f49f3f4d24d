/**
 * The loader's fast path (a batch decoded into columns, COPYed and upserted with no
 * object per reading) against the general path (the same batch as `Reading` objects):
 * byte for byte the same COPY data, and the same latest_vitals candidates.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBatch, decodeBatchColumns, encodeBatch, METRIC_IDS, QualityFlag, type Batch, type Reading } from '@wardlink/shared';
import { encodeBinaryCopy, encodeBinaryCopyColumns } from './copy-binary.js';
import { encodeCopyRows } from './copy-format.js';
import { newestPerBedAndMetric, newestPerBedAndMetricOfColumns } from './latest-vitals.js';
import { batchOf, simulatedWard, T0 } from './testing/batches.js';

const ctx = { hospitalId: 'h-ü', gatewayId: 'gw-cols', batchSeq: 2 ** 40 + 7 };

/** Both paths over the wire-decoded batch: the columns, and decodeBatch's readings. */
function expectSameRows(batch: Batch): void {
  const bytes = encodeBatch(batch);
  const columns = decodeBatchColumns(bytes).batch.readings;
  const readings = decodeBatch(bytes).readings;
  expect(encodeBinaryCopyColumns(columns, ctx).equals(encodeBinaryCopy(readings, ctx))).toBe(true);
  expect(encodeCopyRows(columns, ctx, 'text').equals(encodeCopyRows(readings, ctx, 'text'))).toBe(true);
  expect(newestPerBedAndMetricOfColumns(columns)).toStrictEqual(newestPerBedAndMetric(readings));
}

const id = fc.constantFrom('mon-01', 'mon-02', 'bed-01', 'bed\t2', 'P1', 'pat-ü 🛏', '');
const readingArb: fc.Arbitrary<Reading> = fc
  .record({
    deviceId: id,
    bedId: id,
    patientId: fc.option(id, { nil: null }),
    metric: fc.constantFrom(...METRIC_IDS),
    // Few distinct times: equal times in a series and across devices of a bed are common.
    deviceTimeMs: fc.oneof(fc.integer({ min: 0, max: 4 }).map((k) => T0 + k * 1000), fc.integer({ min: T0 - 5_000, max: T0 + 5_000 })),
    receiveDelayMs: fc.integer({ min: -2_000, max: 2_000 }),
    value: fc.integer({ min: -500, max: 500 }),
    flags: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0b11111 }) }),
    raw: fc.oneof(fc.double(), fc.constantFrom(1e300, -1e300, -0, Number.NaN)),
    clock: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: undefined }),
  })
  .map(({ receiveDelayMs, raw, clock, ...r }) => {
    const reading: Reading = { ...r, gatewayId: 'gw-cols', receivedAtMs: r.deviceTimeMs + receiveDelayMs };
    if (r.flags & QualityFlag.INVALID) reading.value = raw;
    if (r.flags & QualityFlag.CLOCK_SUSPECT && clock !== undefined) reading.deviceClockMs = r.deviceTimeMs + clock;
    return reading;
  });

describe('the columns fast path', () => {
  it('writes the same COPY rows and latest_vitals candidates as Reading objects, for a simulator batch', () => {
    expectSameRows(batchOf(simulatedWard('gw-cols'), 1, T0));
  });

  it('writes the same rows for random batches: flags, suspect clocks, null patients, odd ids, raw values beyond float4, equal times', () => {
    fc.assert(
      fc.property(fc.array(readingArb, { minLength: 1, maxLength: 60 }), (readings) => {
        expectSameRows({ gatewayId: 'gw-cols', seq: 1, createdAtMs: T0 + 10_000, alarms: [], readings });
      }),
      { numRuns: 300 },
    );
  });

  it('takes the first of equal newest times, in a series and across two devices of a bed, as the general path does', () => {
    const base = { gatewayId: 'gw-cols', bedId: 'bed-01', patientId: 'P1', metric: 'HR' as const, receivedAtMs: T0 + 2000, flags: 0 };
    const readings: Reading[] = [
      { ...base, deviceId: 'mon-01', deviceTimeMs: T0, value: 60 },
      { ...base, deviceId: 'mon-01', deviceTimeMs: T0 + 1000, value: 61 },
      { ...base, deviceId: 'mon-01', deviceTimeMs: T0 + 1000, value: 62 },
      { ...base, deviceId: 'mon-02', deviceTimeMs: T0 + 1000, value: 63 },
    ];
    expectSameRows({ gatewayId: 'gw-cols', seq: 1, createdAtMs: T0 + 10_000, alarms: [], readings });
    const columns = decodeBatchColumns(encodeBatch({ gatewayId: 'gw-cols', seq: 1, createdAtMs: T0 + 10_000, alarms: [], readings })).batch.readings;
    expect(newestPerBedAndMetricOfColumns(columns).map((l) => l.r.value)).toEqual([61]);
  });

  it('writes the same rows for an uncatalogued term, with and without a unit', () => {
    const base = { gatewayId: 'gw-cols', deviceId: 'mon-01', bedId: 'bed-01', patientId: null, deviceTimeMs: T0, receivedAtMs: T0 + 40, flags: 0 };
    const readings: Reading[] = [
      { ...base, metric: '150047', value: 21.5, unit: 'mm[Hg]' },
      { ...base, metric: '150047', value: 2.9, unit: 'kPa', deviceTimeMs: T0 + 1000 },
      { ...base, metric: '150388', value: -0.25 },
      { ...base, metric: 'HR', value: 61 },
    ];
    expectSameRows({ gatewayId: 'gw-cols', seq: 1, createdAtMs: T0 + 10_000, alarms: [], readings });
  });
});
