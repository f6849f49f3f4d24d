/**
 * Test helper: writes a bed's history straight into a (stopped) gateway's buffer file, as
 * the writer would have stored it: one record row per monitor record with its items JSON,
 * and alarm events. Used before the daemon starts, so no id can collide with the writer's.
 */
import Database from 'better-sqlite3';

export interface SeededAlarm {
  alarmId: string;
  metric: string;
  priority: 'high' | 'medium' | 'low';
  phase: 'raised' | 'acknowledged' | 'cleared';
  timeMs: number;
  value: number;
}

export interface HistorySpec {
  bedId: string;
  deviceId: string;
  fromMs: number;
  toMs: number;
  everyMs: number;
  /** The value of each metric at a time (return null for no value). */
  values: Record<string, (tMs: number) => number | null>;
  /** Flags per metric and time (e.g. 2 = sensor off). */
  flags?: (metric: string, tMs: number) => number;
  alarms?: SeededAlarm[];
}

/** Returns the number of records written. */
export function seedHistory(databasePath: string, spec: HistorySpec): number {
  const db = new Database(databasePath);
  try {
    let id = ((db.prepare('SELECT coalesce(max(id + n), 1) AS next FROM reading_records').get() as { next: number }).next);
    const insert = db.prepare('INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)');
    const alarm = db.prepare(`INSERT INTO alarm_events (event_id, alarm_id, bed_id, source, metric, condition, priority, phase, time_ms, value, message, recorded_at_ms)
      VALUES (?, ?, ?, 'physiological', ?, 'limit', ?, ?, ?, ?, ?, ?)`);
    let records = 0;
    db.transaction(() => {
      for (let t = spec.fromMs; t <= spec.toMs; t += spec.everyMs) {
        const items: [string, number, number][] = [];
        for (const [metric, f] of Object.entries(spec.values)) {
          const v = f(t);
          if (v !== null) items.push([metric, v, spec.flags?.(metric, t) ?? 0]);
        }
        if (items.length === 0) continue;
        insert.run(id, items.length, spec.deviceId, spec.bedId, t, t, JSON.stringify(items));
        id += items.length;
        records++;
      }
      for (const a of spec.alarms ?? []) {
        alarm.run(`${a.alarmId}:${a.phase}:${a.timeMs}`, a.alarmId, spec.bedId, a.metric, a.priority, a.phase, a.timeMs, a.value, `${a.metric} ${a.phase}`, a.timeMs);
      }
    })();
    return records;
  } finally {
    db.close();
  }
}
