/**
 * Whether SQLite can store an alarm event: the CHECK and NOT NULL rules of `alarm_events`,
 * checked in memory before the event joins the audit log's queue. The queue is written in
 * order and a refused write is retried, so one event SQLite would refuse forever must
 * never get into it: it would hold back every later event of every alarm.
 */
import type { AlarmEvent } from '@wardlink/shared';

const SOURCES = new Set(['physiological', 'technical']);
const PRIORITIES = new Set(['high', 'medium', 'low']);
const PHASES = new Set(['raised', 'updated', 'acknowledged', 'cleared', 'escalated']);

const text = (v: unknown) => typeof v === 'string';
const textOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Why the event cannot be stored, or null when it can. Exactly what SQLite would refuse,
 * nothing stricter: an event refused here is not in the audit trail (only in the log). */
export function unstorableBecause(e: AlarmEvent): string | null {
  if (!text(e.eventId) || !text(e.alarmId) || !text(e.bedId) || !text(e.condition) || !text(e.message)) return 'eventId, alarmId, bedId, condition and message must be strings';
  if (!textOrNull(e.patientId) || !textOrNull(e.deviceId) || !textOrNull(e.metric) || !textOrNull(e.actor)) return 'patientId, deviceId, metric and actor must be strings or null';
  if (!SOURCES.has(e.source)) return `source "${String(e.source)}" is not physiological or technical`;
  if (!PRIORITIES.has(e.priority)) return `priority "${String(e.priority)}" is not high, medium or low`;
  if (!PHASES.has(e.phase)) return `phase "${String(e.phase)}" is not a phase`;
  if (!Number.isSafeInteger(e.timeMs)) return 'timeMs must be an integer';
  if (e.value !== null && typeof e.value !== 'number') return 'value must be a number or null';
  return null;
}
