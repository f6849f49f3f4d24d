/**
 * fast-check generators of random but encodable batches, for the codec's property tests.
 * Ids come from a small pool (so readings group into real series) mixed with arbitrary
 * Unicode; times are either clustered like a real batch or anywhere in 2000..2100;
 * INVALID readings carry any double at all (NaN, -0, infinities, -999, 12.345).
 */
import fc from 'fast-check';
import { METRIC_IDS } from '../../catalog/metrics.js';
import { QualityFlag, type AlarmEvent, type Batch, type Reading } from '../../types.js';
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

const flags = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) });

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
      metric: fc.constantFrom(...METRIC_IDS),
      deviceTimeMs: time,
      receivedAtMs: time,
      valid: validValue,
      raw: rawValue,
      flags,
    })
    .map(({ valid, raw, ...r }) => ({
      gatewayId,
      deviceId: r.deviceId,
      bedId: r.bedId,
      patientId: r.patientId,
      metric: r.metric,
      deviceTimeMs: r.deviceTimeMs,
      receivedAtMs: r.receivedAtMs,
      value: r.flags & QualityFlag.INVALID ? raw : valid,
      flags: r.flags,
    }));
}

/** Readings as a device sends them: runs of records sharing times, several metrics each. */
function recordsArb(gatewayId: string): fc.Arbitrary<Reading[]> {
  return fc
    .array(fc.tuple(readingArb(gatewayId), fc.subarray([...METRIC_IDS], { minLength: 1, maxLength: 5 })), { maxLength: 8 })
    .map((records) => records.flatMap(([r, metrics]) => metrics.map((metric, i) => ({ ...r, metric, value: i === 0 ? r.value : r.value + i }))));
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
