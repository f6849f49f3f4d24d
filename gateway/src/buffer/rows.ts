/**
 * Rows <-> domain objects, and the prepared INSERTs the writer runs.
 * Statements are positional and prepared once: at hundreds of thousands of rows a second
 * the cost that matters is crossing from JS into SQLite per `run`. Readings go in 32 per
 * statement (multi-row VALUES), the rest one by one: measured on this schema, 2,000-row
 * transactions, no checkpoints, 3 runs: ~255-268k rows/s one row per `run`, ~300-315k
 * with 16-64 rows per `run` (32 is at the top; 64 binds no faster).
 */
import type Database from 'better-sqlite3';
import type { AlarmEvent, AlarmPhase, AlarmPriority, AlarmSource, MetricId, Reading } from '@wardlink/shared';

export const READING_COLUMNS = 'id, device_id, bed_id, patient_id, metric, device_time_ms, received_at_ms, value, flags';
export const ALARM_COLUMNS = 'id, event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition, priority, phase, time_ms, value, actor, message';

/** A row of READING_COLUMNS as `.raw()` returns it. */
export type ReadingRow = [number, string, string, string | null, string, number, number, number, number];
export type AlarmRow = [number, string, string, string, string | null, string | null, string, string | null, string, string, string, number, number | null, string | null, string];

export function toReading(r: ReadingRow, gatewayId: string): Reading {
  return {
    gatewayId,
    deviceId: r[1],
    bedId: r[2],
    patientId: r[3],
    metric: r[4] as MetricId,
    deviceTimeMs: r[5],
    receivedAtMs: r[6],
    value: r[7],
    flags: r[8],
  };
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
const READING_PARAMS = 8;

export interface InsertStatements {
  /** Inserts every reading of every group, in order. */
  insertReadings(groups: readonly (readonly Reading[])[]): void;
  /** Returns 1 when stored, 0 when an event with this eventId was already stored. */
  insertAlarm(event: AlarmEvent, recordedAtMs: number): number;
}

export function prepareInserts(db: Database.Database): InsertStatements {
  const insertInto = 'INSERT INTO readings (device_id, bed_id, patient_id, metric, device_time_ms, received_at_ms, value, flags) VALUES ';
  const one = db.prepare(`${insertInto}(?, ?, ?, ?, ?, ?, ?, ?)`);
  const many = db.prepare(insertInto + Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', '));
  const args: unknown[] = new Array(ROWS_PER_INSERT * READING_PARAMS);
  const alarm = db.prepare(
    `INSERT INTO alarm_events (event_id, alarm_id, bed_id, patient_id, device_id, source, metric, condition, priority, phase, time_ms, value, actor, message, recorded_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
  );
  return {
    insertReadings(groups) {
      let filled = 0;
      for (const group of groups) {
        for (let i = 0; i < group.length; i++) {
          const r = group[i]!;
          const o = filled * READING_PARAMS;
          args[o] = r.deviceId;
          args[o + 1] = r.bedId;
          args[o + 2] = r.patientId;
          args[o + 3] = r.metric;
          args[o + 4] = r.deviceTimeMs;
          args[o + 5] = r.receivedAtMs;
          args[o + 6] = r.value;
          args[o + 7] = r.flags;
          if (++filled === ROWS_PER_INSERT) {
            many.run(args);
            filled = 0;
          }
        }
      }
      for (let k = 0; k < filled; k++) one.run(args.slice(k * READING_PARAMS, (k + 1) * READING_PARAMS));
    },
    insertAlarm(e, recordedAtMs) {
      return alarm.run(
        e.eventId, e.alarmId, e.bedId, e.patientId, e.deviceId, e.source, e.metric, e.condition, e.priority, e.phase, e.timeMs, e.value, e.actor, e.message, recordedAtMs,
      ).changes;
    },
  };
}
