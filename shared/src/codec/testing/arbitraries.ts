/**
 * fast-check generators of random but encodable batches, for the codec's property tests.
 * Ids come from a small pool (so readings group into real series) mixed with arbitrary
 * Unicode; times are either clustered like a real batch or anywhere in 2000..2100;
 * INVALID readings carry any double at all (NaN, -0, infinities, -999, 12.345).
 * Version 2 parts come too: uncatalogued terms (exact values, a unit each, two units of
 * one term in one stream), CLOCK_SUSPECT readings with or without the device's time.
 */
import fc from 'fast-check';
import { METRIC_IDS } from '../../catalog/metrics.js';
import type { MdcCodeKey } from '../../catalog/metric-key.js';
import { QUALITY_FLAG_MASK, QualityFlag, type AlarmEvent, type Batch, type Reading } from '../../types.js';
import { ALARM_SOURCES, PHASE_BY_CODE, PRIORITY_BY_CODE, TIME_MAX_MS, TIME_MIN_MS } from '../format.js';

const BASE_MS = Date.UTC(2025, 0, 6, 8);

const id = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('mon-01', 'mon-02', 'bed-01', 'bed-02', 'P0001', '-') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

const time = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: BASE_MS - 60_000, max: BASE_MS + 60_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: TIME_MIN_MS, max: TIME_MAX_MS - 1 }) },
);

const flags = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: QUALITY_FLAG_MASK }) });

/** Catalog ids, and a few uncatalogued codes (PAP mean, skin temperature, a private one). */
const metric = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...METRIC_IDS) },
  { weight: 1, arbitrary: fc.constantFrom<MdcCodeKey>('150047', '150388', '4294967295', '65536') },
);
const unit = fc.constantFrom('mm[Hg]', 'kPa', 'Cel', '', '{µ-unit}');
const deviceClock = fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: undefined });

/** Values a valid reading may carry: on-resolution numbers and arbitrary doubles in range. */
const validValue = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100),
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
);

const rawValue = fc.oneof(
  fc.constantFrom(-999, -100, 12.345, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 60),
  fc.integer(),
  fc.double(),
);

function readingArb(gatewayId: string): fc.Arbitrary<Reading> {
  return fc
    .record({
      deviceId: id,
      bedId: id,
      patientId: fc.option(id, { nil: null }),
      metric,
      deviceTimeMs: time,
      receivedAtMs: time,
      valid: validValue,
      raw: rawValue,
      flags,
      unit,
      clockOffset: deviceClock,
    })
    .map(({ valid, raw, unit: u, clockOffset, ...r }) => {
      const uncatalogued = /^\d/.test(r.metric);
      const reading: Reading = {
        gatewayId,
        deviceId: r.deviceId,
        bedId: r.bedId,
        patientId: r.patientId,
        metric: r.metric,
        deviceTimeMs: r.deviceTimeMs,
        receivedAtMs: r.receivedAtMs,
        value: r.flags & QualityFlag.INVALID || uncatalogued ? raw : valid,
        flags: r.flags,
      };
      if (uncatalogued) reading.unit = u;
      if (r.flags & QualityFlag.CLOCK_SUSPECT && clockOffset !== undefined) reading.deviceClockMs = r.deviceTimeMs + clockOffset;
      return reading;
    });
}

/** Readings as a device sends them: runs of records sharing times, several metrics each. */
function recordsArb(gatewayId: string): fc.Arbitrary<Reading[]> {
  return fc
    .array(fc.tuple(readingArb(gatewayId), fc.subarray([...METRIC_IDS], { minLength: 1, maxLength: 5 })), { maxLength: 8 })
    .map((records) =>
      records.flatMap(([r, metrics]) => {
        const { unit: _unit, ...base } = r;
        // The record's first reading decides the value; an uncatalogued one may hold any double.
        const value = r.flags & QualityFlag.INVALID || (Number.isFinite(r.value) && Math.abs(r.value) <= 1e9) ? r.value : 72;
        return metrics.map((metric, i) => ({ ...base, metric, value: i === 0 ? value : value + i }));
      }),
    );
}

export const alarmArb: fc.Arbitrary<AlarmEvent> = fc.record({
  eventId: id,
  alarmId: id,
  bedId: id,
  patientId: fc.option(id, { nil: null }),
  deviceId: fc.option(id, { nil: null }),
  source: fc.constantFrom(...ALARM_SOURCES),
  metric: fc.option(fc.constantFrom(...METRIC_IDS), { nil: null }),
  condition: fc.constantFrom('high', 'low', 'comm-loss', 'sensor-off', 'buffer-95'),
  priority: fc.constantFrom(...PRIORITY_BY_CODE),
  phase: fc.constantFrom(...PHASE_BY_CODE),
  timeMs: time,
  value: fc.option(rawValue, { nil: null }),
  actor: fc.option(id, { nil: null }),
  message: fc.string({ unit: 'binary', maxLength: 40 }),
});

export const batchArb: fc.Arbitrary<Batch> = fc
  .record({ gatewayId: id, seq: fc.maxSafeNat(), createdAtMs: time })
  .chain((head) =>
    fc.record({
      gatewayId: fc.constant(head.gatewayId),
      seq: fc.constant(head.seq),
      createdAtMs: fc.constant(head.createdAtMs),
      alarms: fc.array(alarmArb, { maxLength: 4 }),
      readings: fc
        .tuple(fc.array(readingArb(head.gatewayId), { maxLength: 30 }), recordsArb(head.gatewayId))
        .chain(([a, b]) => fc.oneof(fc.constant([...b, ...a]), fc.shuffledSubarray([...a, ...b], { minLength: a.length + b.length })))
        .map((rs) => [...rs]),
    }),
  );
