import fc from 'fast-check';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isMetricId, quantize } from '../catalog/lookup.js';
import { METRICS } from '../catalog/metrics.js';
import { QualityFlag, type Batch, type Reading } from '../types.js';
import { canonicalizeBatch, decodeBatch, encodeBatch, peekBatchHeader } from './index.js';
import { batchArb } from './testing/arbitraries.js';
import { T0 } from './testing/frames.js';
import { wardBatch } from './testing/ward-batch.js';

/** An order-independent key, so the multiset check doesn't lean on canonicalizeBatch. */
function key(r: Reading): string {
  const v = Object.is(r.value, -0) ? '-0' : String(r.value);
  return [r.deviceId, r.bedId, r.patientId ?? '\u0000null', r.metric, r.deviceTimeMs, r.receivedAtMs, v, r.flags, r.unit || '', r.deviceClockMs ?? ''].join('\u0001');
}
const sorted = (rs: readonly Reading[]) => rs.map((r) => [key(r), r] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
const quantized = (r: Reading): Reading => {
  const { unit, ...rest } = r;
  if (r.flags & QualityFlag.INVALID || !isMetricId(r.metric)) return unit ? r : rest; // '' is no unit
  return { ...rest, value: quantize(METRICS[r.metric], r.value) };
};

const reading = (over: Partial<Reading>): Reading => ({
  gatewayId: 'gw-1',
  deviceId: 'mon-01',
  bedId: 'bed-01',
  patientId: 'P1',
  metric: 'HR',
  deviceTimeMs: T0,
  receivedAtMs: T0 + 20,
  value: 72,
  flags: 0,
  ...over,
});
const batchOf = (readings: Reading[], over: Partial<Batch> = {}): Batch => ({ gatewayId: 'gw-1', seq: 1, createdAtMs: T0 + 1000, alarms: [], readings, ...over });

describe('batch codec round trip', () => {
  it('decodes every random batch to its canonical form, deterministically, with any compression', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom('none', 'deflate', 'brotli') as fc.Arbitrary<'none' | 'deflate' | 'brotli'>, (batch, compression) => {
        const bytes = encodeBatch(batch, { compression });
        const decoded = decodeBatch(bytes);
        expect(decoded).toEqual(canonicalizeBatch(batch));
        expect(sorted(decoded.readings)).toEqual(sorted(batch.readings.map(quantized)));
        expect(encodeBatch(batch, { compression }).equals(bytes)).toBe(true);
        // Re-encoding what we decoded gives the same bytes: the decoded form is canonical.
        expect(encodeBatch(decoded, { compression }).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips a realistic ward batch, and its header is readable without decoding', () => {
    const batch = wardBatch(10);
    const bytes = encodeBatch(batch);
    expect(decodeBatch(bytes)).toEqual(canonicalizeBatch(batch));
    expect(peekBatchHeader(bytes)).toMatchObject({ gatewayId: 'gw-ward-3', seq: 42, readingCount: batch.readings.length, alarmCount: 2, compression: 'brotli' });
    // A regression guard, far looser than the benchmark's 1.0 byte/reading target.
    expect(bytes.length / batch.readings.length).toBeLessThan(1.5);
    expect(bytes.length * 5).toBeLessThan(zlib.gzipSync(JSON.stringify(batch.readings)).length);
  });

  it('keeps raw values of INVALID readings exactly and quantizes the rest to catalog resolution', () => {
    const raws = [-999, 12.345, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, -1e-300];
    const batch = batchOf([
      ...raws.map((value, i) => reading({ deviceTimeMs: T0 + i * 1000, value, flags: QualityFlag.INVALID | QualityFlag.SENSOR_OFF })),
      reading({ metric: 'TEMP', value: 36.649999 }),
      reading({ metric: 'PI', value: 3.14159, deviceTimeMs: T0 + 1 }),
      reading({ metric: 'SPO2', value: -0 }),
      reading({ metric: 'ABP_SYS', value: 2 ** 48 }),
    ]);
    const out = decodeBatch(encodeBatch(batch)).readings;
    expect(out.slice(0, raws.length).map((r) => r.value)).toEqual(raws);
    expect(Object.is(out[2]!.value, -0)).toBe(true);
    expect(Object.is(out[raws.length + 2]!.value, 0)).toBe(true);
    expect(out.slice(raws.length).map((r) => r.value)).toEqual([36.6, 3.14, 0, 2 ** 48]);
  });

  it('keeps a patient admitted mid-batch and a monitor moved between beds apart', () => {
    const batch = batchOf([
      reading({ patientId: null, deviceTimeMs: T0 }),
      reading({ patientId: 'P7', deviceTimeMs: T0 + 1000 }),
      reading({ bedId: 'bed-09', patientId: 'P7', deviceTimeMs: T0 + 2000 }),
      reading({ patientId: null, deviceTimeMs: T0 + 3000 }),
    ]);
    const out = decodeBatch(encodeBatch(batch)).readings;
    expect(out.map((r) => [r.bedId, r.patientId, r.deviceTimeMs - T0])).toEqual([
      ['bed-01', null, 0],
      ['bed-01', null, 3000],
      ['bed-01', 'P7', 1000],
      ['bed-09', 'P7', 2000],
    ]);
  });

  it('round-trips empty batches and alarm-only batches', () => {
    const empty = batchOf([]);
    expect(decodeBatch(encodeBatch(empty))).toEqual(empty);
    const onlyAlarms = wardBatch(1);
    onlyAlarms.readings = [];
    expect(decodeBatch(encodeBatch(onlyAlarms, { compression: 'deflate', level: 9 }))).toEqual(onlyAlarms);
  });

  it('shares times between the metrics of one device record', () => {
    const record = ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP', 'ETCO2', 'ABP_MEAN'] as const;
    const ticks = Array.from({ length: 10 }, (_, i) => i);
    const shared = batchOf(ticks.flatMap((i) => record.map((metric) => reading({ metric, deviceTimeMs: T0 + i * 1000 + (i % 3) * 17, receivedAtMs: T0 + i * 1000 + 40 }))));
    const own = batchOf(shared.readings.map((r, i) => ({ ...r, receivedAtMs: r.receivedAtMs + (i % 8) })));
    const sharedBytes = encodeBatch(shared, { compression: 'none' }).length;
    const ownBytes = encodeBatch(own, { compression: 'none' }).length;
    expect(ownBytes - sharedBytes).toBeGreaterThan(7 * 10);
    expect(decodeBatch(encodeBatch(own))).toEqual(canonicalizeBatch(own));
  });
});
