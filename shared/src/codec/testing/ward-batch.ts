/** Realistic batches for codec tests, from the seeded fixture ward (fixture-ward.ts). */
import { createFixtureWard } from './fixture-ward.js';
import type { AlarmEvent, Batch } from '../../types.js';

export const WARD_START_MS = Date.UTC(2025, 0, 6, 8);

/** `seconds` of a `beds`-bed ward plus two alarm events, as one batch. */
export function wardBatch(seconds: number, beds = 10, seed = 7): Batch {
  const gatewayId = 'gw-ward-3';
  const ward = createFixtureWard({ beds, seed, startMs: WARD_START_MS, gatewayId });
  const readings = ward.readingsBetween(WARD_START_MS, WARD_START_MS + seconds * 1000);
  const createdAtMs = WARD_START_MS + seconds * 1000 + 120;
  const alarm: AlarmEvent = {
    eventId: 'evt-0001',
    alarmId: 'alm-0001',
    bedId: 'bed-02',
    patientId: readings.find((r) => r.bedId === 'bed-02')?.patientId ?? null,
    deviceId: 'mon-02',
    source: 'physiological',
    metric: 'SPO2',
    condition: 'low',
    priority: 'high',
    phase: 'raised',
    timeMs: createdAtMs - 2_000,
    value: 84,
    actor: null,
    message: 'SpO2 84 % below 88 % (bed 02)',
  };
  const ack: AlarmEvent = { ...alarm, eventId: 'evt-0002', phase: 'acknowledged', timeMs: createdAtMs - 500, value: null, actor: 'nurse.kim' };
  return { gatewayId, seq: 42, createdAtMs, alarms: [alarm, ack], readings };
}
