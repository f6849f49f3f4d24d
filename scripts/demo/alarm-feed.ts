/** Prints the gateway's alarms as they happen, from its SQLite `alarm_events` table. */
import Database from 'better-sqlite3';

interface AlarmRow {
  id: number;
  bed_id: string;
  source: string;
  metric: string | null;
  condition: string;
  priority: string;
  phase: string;
  time_ms: number;
  value: number | null;
  message: string;
}

export interface AlarmFeed {
  /** Prints the events recorded since the last call; returns how many. */
  poll(): number;
  raisedBy(source: 'physiological' | 'technical'): number;
}

export function alarmFeed(databasePath: string, print: (line: string) => void): AlarmFeed {
  let lastId = 0;
  const raised = { physiological: 0, technical: 0 };
  return {
    poll() {
      const db = new Database(databasePath, { readonly: true, fileMustExist: true });
      let rows: AlarmRow[];
      try {
        rows = db.prepare("SELECT id, bed_id, source, metric, condition, priority, phase, time_ms, value, message FROM alarm_events WHERE id > ? AND phase IN ('raised', 'cleared', 'escalated') ORDER BY id").all(lastId) as AlarmRow[];
      } finally {
        db.close();
      }
      for (const r of rows) {
        lastId = r.id;
        if (r.phase === 'raised' && (r.source === 'physiological' || r.source === 'technical')) raised[r.source] += 1;
        const time = new Date(r.time_ms).toISOString().slice(11, 19);
        const what = r.source === 'physiological' ? `${r.metric ?? '-'} ${r.condition}` : `technical ${r.condition}`;
        // A cleared event carries the raise's message; say what the value came back to instead.
        const detail = r.phase === 'cleared' ? (r.value === null ? 'ended' : `back to ${r.value}`) : r.message;
        print(`${time}  ALARM ${r.phase.toUpperCase().padEnd(9)} ${r.priority.padEnd(6)} ${r.bed_id}  ${what}: ${detail}`);
      }
      return rows.length;
    },
    raisedBy: (source) => raised[source],
  };
}
