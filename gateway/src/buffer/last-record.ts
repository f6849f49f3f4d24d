/**
 * A device's newest stored record, so that judgements that need history (the device
 * clock's timeline, ingest/device-clock.ts) survive a gateway restart: a monitor that
 * replays what it queued while the gateway was down continues its own timeline.
 * One probe of the trend index (trend-index.ts) per device, plus ONE aggregate over the
 * rows above the index's mark for all of them (housekeeping keeps that to a period's rows;
 * after a restart on a long unsent buffer it can be many more).
 */
import type Database from 'better-sqlite3';
import { prepareTrendReader } from './trend-index.js';

export interface LastRecord {
  deviceTimeMs: number;
  receivedAtMs: number;
  /** The flags of its first reading. */
  flags: number;
  /** The device's own time of its first reading (a CLOCK_SUSPECT one is filed at another). */
  deviceClockMs: number;
  /** The readings at that time, to tell a stopped clock from a re-sent copy (device-clock.ts). */
  values: { metric: string; value: number }[];
}

type Row = { device_time_ms: number; received_at_ms: number; items: string };
/** [metric, value, flags, deviceTimeDelta?, receivedDelta?, deviceClockOffset?, unit?] (rows.ts) */
type Item = [string, number, number?, number?, number?, (number | null)?];

function toLastRecord(row: Row): LastRecord {
  const items = JSON.parse(row.items) as Item[];
  const first = items[0];
  const clockOf = (it: Item) => row.device_time_ms + (it[3] ?? 0) + (it[5] ?? 0);
  const deviceClockMs = first === undefined ? row.device_time_ms : clockOf(first);
  const values = items.filter((it) => clockOf(it) === deviceClockMs).map((it) => ({ metric: it[0], value: it[1] }));
  return { deviceTimeMs: row.device_time_ms, receivedAtMs: row.received_at_ms, flags: first?.[2] ?? 0, deviceClockMs, values };
}

export function lastRecordOf(db: Database.Database, deviceId: string, bedId: string): LastRecord | undefined {
  return lastRecordsOf(db, [{ deviceId, bedId }]).get(deviceId);
}

/** The newest record of each device on its bed, by device id (absent: none stored). */
export function lastRecordsOf(db: Database.Database, devices: readonly { deviceId: string; bedId: string }[]): Map<string, LastRecord> {
  const reader = prepareTrendReader(db);
  const newest = new Map<string, Row>();
  const wanted = new Map(devices.map((d) => [d.deviceId, d.bedId]));
  for (const d of devices) {
    const row = reader.lastIndexedRecord(d.bedId, d.deviceId);
    if (row) newest.set(d.deviceId, row);
  }
  for (const [bedId, deviceId, deviceTimeMs, receivedAtMs, items] of reader.newestAboveMark()) {
    if (wanted.get(deviceId) !== bedId) continue;
    const known = newest.get(deviceId);
    if (!known || deviceTimeMs > known.device_time_ms) newest.set(deviceId, { device_time_ms: deviceTimeMs, received_at_ms: receivedAtMs, items });
  }
  return new Map([...newest].map(([id, row]) => [id, toLastRecord(row)]));
}
