/**
 * A device's newest stored record, so that judgements that need history (the device
 * clock's timeline, ingest/device-clock.ts) survive a gateway restart: a monitor that
 * replays what it queued while the gateway was down continues its own timeline.
 * One probe of the trend index (bed_id, device_time_ms) per device.
 */
import type Database from 'better-sqlite3';

export interface LastRecord {
  deviceTimeMs: number;
  receivedAtMs: number;
  /** The flags of its first reading. */
  flags: number;
}

export function lastRecordOf(db: Database.Database, deviceId: string, bedId: string): LastRecord | undefined {
  const row = db
    .prepare('SELECT device_time_ms, received_at_ms, items ->> \'$[0][2]\' AS flags FROM reading_records WHERE bed_id = ? AND device_id = ? ORDER BY device_time_ms DESC LIMIT 1')
    .get(bedId, deviceId) as { device_time_ms: number; received_at_ms: number; flags: number | null } | undefined;
  return row === undefined ? undefined : { deviceTimeMs: row.device_time_ms, receivedAtMs: row.received_at_ms, flags: row.flags ?? 0 };
}
