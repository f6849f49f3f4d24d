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

/** One stored record as the device clock memory is seeded with it (device-clock.ts). */
export interface SeedRecord {
  /** The device's own time of its first reading (a CLOCK_SUSPECT one is filed at another). */
  deviceClockMs: number;
  receivedAtMs: number;
  /** Its first reading was not CLOCK_SUSPECT. */
  trusted: boolean;
  /** The readings at that time, to tell a new measurement from a re-sent copy. */
  values: { metric: string; value: number }[];
}

export interface LastRecord extends SeedRecord {
  /** The time it is filed at. */
  deviceTimeMs: number;
  /** The flags of its first reading. */
  flags: number;
  /** The device's records just before it (up to EARLIER_RECORDS), oldest first: the times
   * the device used last, so that a record sent again at one of them after the restart is
   * still told from a new one (the last record may be a coarse tick's, filed within its
   * second, or an NIBP's with its own time). */
  earlier: SeedRecord[];
  /** It was suspect, and one of the records just before it had the same device time: the
   * clock had stopped (device-clock.ts), and is taken to still stand still. */
  clockStopped: boolean;
}

type Row = { id: number; device_time_ms: number; received_at_ms: number; items: string };

/** How far back (in rows of every device) the records before the last are looked for: a
 * ward's few seconds; a bound on the start-up's work for a device long silent. */
const PREVIOUS_WITHIN_ROWS = 5000;
const EARLIER_RECORDS = 8;
/** [metric, value, flags, deviceTimeDelta?, receivedDelta?, deviceClockOffset?, unit?] (rows.ts) */
type Item = [string, number, number?, number?, number?, (number | null)?];

function seedOf(row: Pick<Row, 'device_time_ms' | 'received_at_ms' | 'items'>): SeedRecord & { flags: number } {
  const items = JSON.parse(row.items) as Item[];
  const clockOf = (it: Item) => row.device_time_ms + (it[3] ?? 0) + (it[5] ?? 0);
  const first = items[0];
  const deviceClockMs = first === undefined ? row.device_time_ms : clockOf(first);
  const flags = first?.[2] ?? 0;
  const values = items.filter((it) => clockOf(it) === deviceClockMs).map((it) => ({ metric: it[0], value: it[1] }));
  return { deviceClockMs, receivedAtMs: row.received_at_ms, trusted: (flags & QualityFlag.CLOCK_SUSPECT) === 0, values, flags };
}

function toLastRecord(row: Row, earlierRows: Pick<Row, 'device_time_ms' | 'received_at_ms' | 'items'>[]): LastRecord {
  const { flags, ...last } = seedOf(row);
  const earlier = earlierRows.map((r) => {
    const { flags: _flags, ...seed } = seedOf(r);
    return seed;
  });
  const clockStopped = !last.trusted && earlier.some((e) => e.deviceClockMs === last.deviceClockMs);
  return { ...last, deviceTimeMs: row.device_time_ms, flags, earlier, clockStopped };
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
  const before = db.prepare(`SELECT device_time_ms, received_at_ms, items FROM reading_records WHERE id < @id AND id >= @id - @within AND device_id = @device ORDER BY id DESC LIMIT ${EARLIER_RECORDS}`);
  const earlierOf = (deviceId: string, id: number) => (before.all({ id, within: PREVIOUS_WITHIN_ROWS, device: deviceId }) as Row[]).reverse();
  return new Map([...newest].map(([deviceId, row]) => [deviceId, toLastRecord(row, earlierOf(deviceId, row.id))]));
}
