/** Turns generated rows into the public record and reading shapes. */
import { METRIC_IDS, type MetricId, type Reading } from '@wardlink/shared';
import type { BedTraits } from './beds.js';
import { METRIC_COUNT } from './metric-index.js';
import { PROBE_NO_SENSOR, PROBE_OFF, type SeriesChunk } from './series.js';
import type { DeviceRecord } from './types.js';

export function recordAt(bed: BedTraits, chunk: SeriesChunk, row: number): DeviceRecord {
  const values: Partial<Record<MetricId, number>> = {};
  const flags: Partial<Record<MetricId, number>> = {};
  const base = row * METRIC_COUNT;
  for (let m = 0; m < METRIC_COUNT; m++) {
    const v = chunk.values[base + m]!;
    if (Number.isNaN(v)) continue;
    const id = METRIC_IDS[m]!;
    values[id] = v;
    const f = chunk.flags[base + m]!;
    if (f !== 0) flags[id] = f;
  }
  const record: DeviceRecord = {
    bedId: bed.bedId,
    deviceId: bed.deviceId,
    patientId: bed.patientId,
    deviceTimeMs: chunk.timeMs[row]!,
    values,
    flags,
  };
  const probe = chunk.probe[row];
  if (probe === PROBE_OFF) record.probe = 'probe-off';
  else if (probe === PROBE_NO_SENSOR) record.probe = 'no-sensor';
  return record;
}

/** One `Reading` per metric of the record, in catalog order. */
export function readingsOf(record: DeviceRecord, gatewayId: string, receivedAtMs: number): Reading[] {
  const out: Reading[] = [];
  for (const metric of METRIC_IDS) {
    const value = record.values[metric];
    if (value === undefined) continue;
    out.push({
      gatewayId,
      deviceId: record.deviceId,
      bedId: record.bedId,
      patientId: record.patientId,
      metric,
      deviceTimeMs: record.deviceTimeMs,
      receivedAtMs,
      value,
      flags: record.flags[metric] ?? 0,
    });
  }
  return out;
}
