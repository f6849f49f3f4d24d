/**
 * A device's newest stored record, so that judgements that need history (the device
 * clock's timeline, ingest/device-clock.ts) survive a gateway restart: a monitor that
 * replays what it queued while the gateway was down continues its own timeline.
 * One probe of the trend index (trend-index.ts) per device, plus ONE aggregate over the
 * rows above the index's mark for all of them (housekeeping keeps that to a period's rows;
 * after a restart on a long unsent buffer it can be many more).
 */
import type Database from 'better-sqlite3';
import { QualityFlag } from '@wardlink/shared';
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
  /** It was suspect, and the device's record before it had the same device time: the
   * clock had stopped (device-clock.ts), and is taken to still stand still. */
  clockStopped: boolean;
}

type Row = { id: number; device_time_ms: number; received_at_ms: number; items: string };

/** How far back (in rows of every device) the record before a suspect last one is looked
 * for: a ward's few seconds; a bound on the start-up's work for a device long silent. */
const PREVIOUS_WITHIN_ROWS = 5000;
/** [metric, value, flags, deviceTimeDelta?, receivedDelta?, deviceClockOffset?, unit?] (rows.ts) */
type Item = [string, number, number?, number?, number?, (number | null)?];

function clockOf(row: Pick<Row, 'device_time_ms' | 'items'>): { items: Item[]; deviceClockMs: number; flags: number } {
  const items = JSON.parse(row.items) as Item[];
  const first = items[0];
  const deviceClockMs = first === undefined ? row.device_time_ms : row.device_time_ms + (first[3] ?? 0) + (first[5] ?? 0);
  return { items, deviceClockMs, flags: first?.[2] ?? 0 };
}

function toLastRecord(row: Row, previous: () => Pick<Row, 'device_time_ms' | 'items'> | undefined): LastRecord {
  const { items, deviceClockMs, flags } = clockOf(row);
  const values = items.filter((it) => row.device_time_ms + (it[3] ?? 0) + (it[5] ?? 0) === deviceClockMs).map((it) => ({ metric: it[0], value: it[1] }));
  let clockStopped = false;
  if (flags & QualityFlag.CLOCK_SUSPECT) {
    const before = previous();
    if (before !== undefined) {
      const b = clockOf(before);
      clockStopped = b.deviceClockMs === deviceClockMs;
    }
  }
  return { deviceTimeMs: row.device_time_ms, receivedAtMs: row.received_at_ms, flags, deviceClockMs, values, clockStopped };
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
  for (const [bedId, deviceId, deviceTimeMs, receivedAtMs, items, id] of reader.newestAboveMark()) {
    if (wanted.get(deviceId) !== bedId) continue;
    const known = newest.get(deviceId);
    if (!known || deviceTimeMs > known.device_time_ms) newest.set(deviceId, { id, device_time_ms: deviceTimeMs, received_at_ms: receivedAtMs, items });
  }
  const before = db.prepare('SELECT device_time_ms, items FROM reading_records WHERE id < @id AND id >= @id - @within AND device_id = @device ORDER BY id DESC LIMIT 1');
  const previous = (deviceId: string, id: number) => () => before.get({ id, within: PREVIOUS_WITHIN_ROWS, device: deviceId }) as Pick<Row, 'device_time_ms' | 'items'> | undefined;
  return new Map([...newest].map(([deviceId, row]) => [deviceId, toLastRecord(row, previous(deviceId, row.id))]));
}
