/**
 * Rows <-> domain objects, and the prepared INSERTs the writer runs.
 *
 * Readings are stored one row per device record (schema.ts): `toRecords` groups the
 * consecutive readings of one append that share device, bed and patient, and packs their
 * metric, value, flags and time deltas into `items`. Statements are positional and
 * prepared once; records go in 32 per statement (multi-row VALUES): crossing from JS
 * into SQLite per `run` is the cost that matters at these rates.
 */
import type Database from 'better-sqlite3';
import { reservedIdFloor } from './id-floor.js';
import type { AlarmEvent, AlarmPhase, AlarmPriority, AlarmSource, MetricId, MetricKey, Reading } from '@wardlink/shared';

export const RECORD_COLUMNS = 'id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items';
export const ALARM_COLUMNS = 'id, event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition, priority, phase, time_ms, value, actor, message';

/** A row of RECORD_COLUMNS as `.raw()` returns it. */
export type RecordRow = [number, number, string, string, string | null, number, number, string];
export type AlarmRow = [number, string, string, string, string | null, string | null, string, string | null, string, string, string, number, number | null, string | null, string];

/**
 * One reading inside `items`: [metric, value, flags?, deviceTimeDeltaMs?, receivedDeltaMs?,
 * deviceClockOffsetMs?, unit?]. Trailing parts are omitted when zero or absent; the last
 * two are rare (a suspect device clock, an uncatalogued term's unit), so a slot before a
 * present one is written as 0 (offset) or null (clock). Flags 0 are omitted too since
 * buffer-005 (`["HR",72]`, 2 of the ~14 bytes a reading took: every stored byte is written
 * twice, to the WAL and by the checkpoint); rows written before keep `["HR",72,0]`, and
 * every reader takes both (a missing flags is 0).
 */
type Item = [string, number, number?, number?, number?, (number | null)?, string?];

/** The most readings one row holds; a longer run of one device's readings takes several rows. */
export const MAX_READINGS_PER_RECORD = 256;

/** A record row's content before it has an id. */
export interface RecordValues {
  n: number;
  deviceId: string;
  bedId: string;
  patientId: string | null;
  deviceTimeMs: number;
  receivedAtMs: number;
  items: string;
}

/** Packs readings (all of one device, bed and patient) into one row's values. */
export function packRecord(readings: readonly Reading[]): RecordValues {
  const first = readings[0]!;
  const items: Item[] = [];
  for (const r of readings) {
    // JSON has no NaN or Infinity; SQLite's REAL NOT NULL refused NaN before, so refuse
    // both here as a data error (the writer then isolates the one bad append).
    if (!Number.isFinite(r.value)) throw new RangeError(`reading ${r.deviceId}/${r.metric} has a non-finite value (${r.value})`);
    const dDevice = r.deviceTimeMs - first.deviceTimeMs;
    const dReceived = r.receivedAtMs - first.receivedAtMs;
    if (r.unit !== undefined) items.push([r.metric, r.value, r.flags, dDevice, dReceived, clockOffset(r), r.unit]);
    else if (r.deviceClockMs !== undefined) items.push([r.metric, r.value, r.flags, dDevice, dReceived, clockOffset(r)]);
    else if (dReceived !== 0) items.push([r.metric, r.value, r.flags, dDevice, dReceived]);
    else if (dDevice !== 0) items.push([r.metric, r.value, r.flags, dDevice]);
    else if (r.flags !== 0) items.push([r.metric, r.value, r.flags]);
    else items.push([r.metric, r.value]);
  }
  return {
    n: readings.length,
    deviceId: first.deviceId,
    bedId: first.bedId,
    patientId: first.patientId,
    deviceTimeMs: first.deviceTimeMs,
    receivedAtMs: first.receivedAtMs,
    items: JSON.stringify(items),
  };
}

/** The device clock as an offset from the reading's time, or null when the device gave none. */
function clockOffset(r: Reading): number | null {
  return r.deviceClockMs === undefined ? null : r.deviceClockMs - r.deviceTimeMs;
}

/** Splits each append's readings into records: runs sharing device, bed and patient. */
export function toRecords(groups: readonly (readonly Reading[])[]): Reading[][] {
  const out: Reading[][] = [];
  for (const group of groups) {
    let run: Reading[] = [];
    for (const r of group) {
      const head = run[0];
      if (head && (head.deviceId !== r.deviceId || head.bedId !== r.bedId || head.patientId !== r.patientId || run.length === MAX_READINGS_PER_RECORD)) {
        out.push(run);
        run = [];
      }
      run.push(r);
    }
    if (run.length > 0) out.push(run);
  }
  return out;
}

/** The readings of one record row, in their stored order. */
export function unpackRecord(r: RecordRow, gatewayId: string): Reading[] {
  const items = JSON.parse(r[7]) as Item[];
  return items.map((it) => {
    const reading: Reading = {
      gatewayId,
      deviceId: r[2],
      bedId: r[3],
      patientId: r[4],
      metric: it[0] as MetricKey,
      deviceTimeMs: r[5] + (it[3] ?? 0),
      receivedAtMs: r[6] + (it[4] ?? 0),
      value: it[1],
      flags: it[2] ?? 0,
    };
    const clock = it[5];
    if (clock !== undefined && clock !== null) reading.deviceClockMs = reading.deviceTimeMs + clock;
    if (it[6] !== undefined) reading.unit = it[6];
    return reading;
  });
}

export function toAlarmEvent(r: AlarmRow): AlarmEvent {
  return {
    eventId: r[1],
    alarmId: r[2],
    bedId: r[3],
    patientId: r[4],
    deviceId: r[5],
    source: r[6] as AlarmSource,
    metric: r[7] as MetricId | null,
    condition: r[8],
    priority: r[9] as AlarmPriority,
    phase: r[10] as AlarmPhase,
    timeMs: r[11],
    value: r[12],
    actor: r[13],
    message: r[14],
  };
}

export const ROWS_PER_INSERT = 32;
const RECORD_PARAMS = 8;
const INSERT_RECORD = 'INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items) VALUES ';
const RECORD_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?)';

/** Inserts one packed record row at `id` (the outbox uses it to split a record). */
export function prepareRecordInsert(db: Database.Database): (id: number, v: RecordValues) => void {
  const stmt = db.prepare(INSERT_RECORD + RECORD_PLACEHOLDERS);
  return (id, v) => void stmt.run(id, v.n, v.deviceId, v.bedId, v.patientId, v.deviceTimeMs, v.receivedAtMs, v.items);
}

/**
 * The one statement that stores an alarm event, on whichever connection (the commit worker's,
 * or the caller's in DirectAlarmSink). `ON CONFLICT (event_id) DO NOTHING` rather than
 * `OR IGNORE`: a retried event is stored once, while any other refusal (a CHECK) still fails.
 * Returns 1 when stored, 0 when an event with this eventId was already stored.
 */
export function prepareAlarmInsert(db: Database.Database): (event: AlarmEvent, recordedAtMs: number) => number {
  const alarm = db.prepare(
    `INSERT INTO alarm_events (event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition, priority, phase, time_ms, value, actor, message, recorded_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
  );
  return (e, recordedAtMs) =>
    alarm.run(e.eventId, e.alarmId, e.bedId, e.patientId, e.deviceId, e.source, e.metric, e.condition, e.priority, e.phase, e.timeMs, e.value, e.actor, e.message, recordedAtMs).changes;
}

export interface InsertStatements {
  /** Inserts every reading of every group, in order, as record rows; returns the readings stored. */
  insertReadings(groups: readonly (readonly Reading[])[]): number;
  /** Returns 1 when stored, 0 when an event with this eventId was already stored. */
  insertAlarm(event: AlarmEvent, recordedAtMs: number): number;
}

export function prepareInserts(db: Database.Database): InsertStatements {
  const one = db.prepare(INSERT_RECORD + RECORD_PLACEHOLDERS);
  const many = db.prepare(INSERT_RECORD + Array(ROWS_PER_INSERT).fill(RECORD_PLACEHOLDERS).join(', '));
  const nextId = db.prepare('SELECT id + n FROM reading_records ORDER BY id DESC LIMIT 1').pluck();
  // Never below ids other tables still name, even when the rows that had them are gone.
  let floor = reservedIdFloor(db);
  const args: unknown[] = new Array(ROWS_PER_INSERT * RECORD_PARAMS);
  const insertAlarm = prepareAlarmInsert(db);
  return {
    insertReadings(groups) {
      const records = toRecords(groups);
      if (records.length === 0) return 0;
      let id = Math.max((nextId.get() as number | undefined) ?? 1, floor);
      let filled = 0;
      let readings = 0;
      for (const record of records) {
        const v = packRecord(record);
        const o = filled * RECORD_PARAMS;
        args[o] = id;
        args[o + 1] = v.n;
        args[o + 2] = v.deviceId;
        args[o + 3] = v.bedId;
        args[o + 4] = v.patientId;
        args[o + 5] = v.deviceTimeMs;
        args[o + 6] = v.receivedAtMs;
        args[o + 7] = v.items;
        id += v.n;
        readings += v.n;
        if (++filled === ROWS_PER_INSERT) {
          many.run(args);
          filled = 0;
        }
      }
      for (let k = 0; k < filled; k++) one.run(args.slice(k * RECORD_PARAMS, (k + 1) * RECORD_PARAMS));
      floor = id;
      return readings;
    },
    insertAlarm,
  };
}
