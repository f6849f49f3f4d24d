/**
 * Reading the alarm audit trail: the event history, and each alarm's state replayed from
 * its events (for `alarms list` in the CLI process, and for restore at daemon start). The
 * trail is the one alarm table, `alarm_events`; its `id` order is the order the engine
 * recorded the events in (audit-log.ts keeps it), so an alarm is replayed in `id` order.
 */
import type Database from 'better-sqlite3';
import type { AlarmEvent, AlarmPhase, AlarmPriority, AlarmSource, MetricId } from '@wardlink/shared';
import { LATCHED_MARKER } from './alarm-book.js';
import { audienceOf, PRIORITY_RANK, type ActiveAlarm } from './types.js';

interface AuditRow {
  event_id: string;
  alarm_id: string;
  bed_id: string;
  patient_id: string | null;
  device_id: string | null;
  source: string;
  metric: string | null;
  condition: string;
  priority: string;
  phase: string;
  time_ms: number;
  value: number | null;
  actor: string | null;
  message: string;
}

function toEvent(r: AuditRow): AlarmEvent {
  return {
    eventId: r.event_id,
    alarmId: r.alarm_id,
    bedId: r.bed_id,
    patientId: r.patient_id,
    deviceId: r.device_id,
    source: r.source as AlarmSource,
    metric: r.metric as MetricId | null,
    condition: r.condition,
    priority: r.priority as AlarmPriority,
    phase: r.phase as AlarmPhase,
    timeMs: r.time_ms,
    value: r.value,
    actor: r.actor,
    message: r.message,
  };
}

export interface HistoryQuery {
  bedId?: string;
  alarmId?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Newest events first, at most this many. Default 100. */
  limit?: number;
}

/** An alarm as replayed from the audit: its live state if not cleared, else its last. */
export interface AuditedAlarm extends ActiveAlarm {
  /** The condition key the engine tracks it under. */
  key: string;
  /** The last phase written. */
  phase: AlarmPhase;
  active: boolean;
}

export function conditionKey(e: Pick<AlarmEvent, 'bedId' | 'deviceId' | 'metric' | 'condition' | 'source'>): string {
  if (e.source === 'physiological') return `${e.bedId}|${e.metric}|${e.condition}`;
  return `${e.deviceId ?? '-'}|${e.condition}`;
}

export class AuditQuery {
  constructor(private readonly db: Database.Database) {}

  history(q: HistoryQuery = {}): AlarmEvent[] {
    const where: string[] = [];
    if (q.bedId !== undefined) where.push('bed_id = @bedId');
    if (q.alarmId !== undefined) where.push('alarm_id = @alarmId');
    if (q.sinceMs !== undefined) where.push('time_ms >= @sinceMs');
    if (q.untilMs !== undefined) where.push('time_ms < @untilMs');
    const sql = `SELECT * FROM alarm_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ms DESC, id DESC LIMIT @limit`;
    const { limit = 100, ...rest } = q;
    return (this.db.prepare(sql).all({ ...rest, limit }) as AuditRow[]).map(toEvent);
  }

  /** Alarms replayed from their events, newest first: every alarm with an event since
   * `sinceMs`, or only those not cleared. */
  alarms(opts: { activeOnly?: boolean; sinceMs?: number; limit?: number } = {}): AuditedAlarm[] {
    const limit = opts.limit ?? 200;
    const ids = opts.activeOnly
      ? (this.db
          .prepare(
            `SELECT alarm_id FROM alarm_events GROUP BY alarm_id
             HAVING SUM(phase = 'cleared') = 0 ORDER BY MIN(time_ms) DESC LIMIT ?`,
          )
          .pluck()
          .all(limit) as string[])
      : (this.db
          .prepare('SELECT alarm_id FROM alarm_events WHERE time_ms >= ? GROUP BY alarm_id ORDER BY MIN(time_ms) DESC LIMIT ?')
          .pluck()
          .all(opts.sinceMs ?? 0, limit) as string[]);
    const events = this.db.prepare('SELECT * FROM alarm_events WHERE alarm_id = ? ORDER BY id');
    return ids.map((id) => replay((events.all(id) as AuditRow[]).map(toEvent)));
  }
}

/** Rebuilds an alarm's state from its events, in order (mirrors AlarmBook's rules). */
export function replay(events: readonly AlarmEvent[]): AuditedAlarm {
  const first = events[0]!;
  const a: AuditedAlarm = {
    key: conditionKey(first),
    alarmId: first.alarmId,
    bedId: first.bedId,
    patientId: first.patientId,
    deviceId: first.deviceId,
    source: first.source,
    metric: first.metric,
    condition: first.condition,
    priority: first.priority,
    audience: audienceOf(first.bedId, first.condition),
    raisedAtMs: first.timeMs,
    updatedAtMs: first.timeMs,
    value: first.value,
    lastValue: first.value,
    conditionPresent: true,
    latched: first.priority === 'high',
    acknowledged: false,
    acknowledgedBy: null,
    escalated: false,
    message: first.message,
    phase: first.phase,
    active: true,
  };
  for (const e of events) {
    if (PRIORITY_RANK[e.priority] < PRIORITY_RANK[a.priority]) {
      a.acknowledged = false;
      a.acknowledgedBy = null;
    }
    a.priority = e.priority;
    a.latched = a.latched || e.priority === 'high';
    a.updatedAtMs = e.timeMs;
    a.message = e.message;
    a.phase = e.phase;
    if (e.phase === 'raised' || e.phase === 'updated') {
      a.conditionPresent = !e.message.endsWith(LATCHED_MARKER);
      if (e.value !== null) a.lastValue = e.value;
      // The value of a "condition ended" update is the recovered value, not the worst.
      if (a.conditionPresent && e.value !== null) a.value = e.value;
    }
    if (e.phase === 'acknowledged') {
      a.acknowledged = true;
      a.acknowledgedBy = e.actor;
    }
    if (e.phase === 'escalated') a.escalated = true;
    if (e.phase === 'cleared') {
      a.active = false;
      a.conditionPresent = false;
    }
  }
  return a;
}
