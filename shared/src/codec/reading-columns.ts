/**
 * A decoded batch's readings as columns: what the payload decoder writes, before any
 * `Reading` object exists. The wire format is columnar already, and a receiver that only
 * copies readings on (the cloud's binary COPY) reads these arrays directly instead of
 * thousands of objects built per batch and dropped a moment later. `readingsOfColumns`
 * turns them into the `Reading[]` that `decodeBatch` returns.
 */
import type { MetricKey } from '../catalog/metric-key.js';
import type { Batch, Reading } from '../types.js';

/** One series: a run of readings of one (device, bed, patient, metric, unit), in reading order. */
export interface ReadingSeries {
  readonly deviceId: string;
  readonly bedId: string;
  readonly patientId: string | null;
  readonly metric: MetricKey;
  /** The metric's MDC code (a catalog metric's own code, or the uncatalogued term's). */
  readonly mdcCode: number;
  /** Only for an uncatalogued term stated with a unit: its UCUM unit. */
  readonly unit: string | undefined;
  /** Index of the series' first reading in the columns. */
  readonly start: number;
  readonly count: number;
}

export interface ReadingColumns {
  readonly gatewayId: string;
  /** Readings, in canonical order (the series one after another). */
  readonly length: number;
  readonly series: readonly ReadingSeries[];
  /** True when a series is an uncatalogued term (its values exact, in its own unit). */
  readonly uncatalogued: boolean;
  readonly deviceTimeMs: Float64Array;
  readonly receivedAtMs: Float64Array;
  readonly value: Float64Array;
  readonly flags: Uint8Array;
  /** `deviceClockMs` of the CLOCK_SUSPECT readings whose device gave a time, by reading index. */
  readonly deviceClockMs: ReadonlyMap<number, number>;
}

/** A `Batch` whose readings are columns. */
export interface ColumnarBatch extends Omit<Batch, 'readings'> {
  readings: ReadingColumns;
}

/** The reading at index `i` of series `s` as a `Reading`, field for field as `readingsOfColumns` builds it. */
export function readingOfColumns(c: ReadingColumns, s: ReadingSeries, i: number): Reading {
  const reading: Reading = {
    gatewayId: c.gatewayId,
    deviceId: s.deviceId,
    bedId: s.bedId,
    patientId: s.patientId,
    metric: s.metric,
    deviceTimeMs: c.deviceTimeMs[i]!,
    receivedAtMs: c.receivedAtMs[i]!,
    value: c.value[i]!,
    flags: c.flags[i]!,
  };
  if (s.unit !== undefined) reading.unit = s.unit;
  const clock = c.deviceClockMs.size === 0 ? undefined : c.deviceClockMs.get(i);
  if (clock !== undefined) reading.deviceClockMs = clock;
  return reading;
}

/** Every reading as a `Reading` object, in column order. */
export function readingsOfColumns(c: ReadingColumns): Reading[] {
  const readings = new Array<Reading>(c.length);
  for (const s of c.series) {
    for (let i = s.start; i < s.start + s.count; i++) readings[i] = readingOfColumns(c, s, i);
  }
  return readings;
}
