/**
 * The alarm lifecycle, shared by physiological and technical alarms:
 *
 *   raised -> updated* -> [acknowledged] -> cleared      (escalated at most once, any time
 *                                                         while high and unacknowledged)
 *
 * - A priority never drops while an alarm lasts: it is the worst reached in the episode.
 * - High-priority alarms latch: when the condition ends unacknowledged, the alarm stays
 *   (an `updated` phase says the condition ended) until a nurse acknowledges it. If the
 *   condition comes back first, the same alarm goes on (`updated`).
 * - A priority rise re-arms an acknowledged alarm (it is a more urgent condition).
 * - While high and unacknowledged: a reminder every `renotifyEveryMs` (not a phase, not
 *   audited) and one `escalated` phase after `escalateAfterMs`.
 * Every phase goes to the recorder (audit table and upload buffer) and to the listeners.
 */
import { randomUUID } from 'node:crypto';
import { AlarmAlreadyAcknowledgedError, AlarmNotFoundError, type AlarmEvent, type AlarmPhase, type AlarmPriority, type AlarmSource, type Clock, type MetricId, type TimerHandle } from '@wardlink/shared';
import type { AlarmEvents } from './events.js';
import { audienceOf, PRIORITY_RANK, type ActiveAlarm, type AlarmAudience, type BedAlarmState } from './types.js';

/** Appended to the message of a latched alarm whose condition has ended. */
export const LATCHED_MARKER = ' (condition ended; latched until acknowledged)';

function withoutMarker(message: string): string {
  return message.endsWith(LATCHED_MARKER) ? message.slice(0, -LATCHED_MARKER.length) : message;
}

export interface AlarmRecorder {
  record(event: AlarmEvent): void;
}

export interface LifecycleOptions {
  renotifyEveryMs: number;
  escalateAfterMs: number;
  /** Priorities that latch. Default high only (IEC 60601-1-8 lets high latch). */
  latching: readonly AlarmPriority[];
}

/** What the caller knows when an alarm is raised. */
export interface RaiseSpec {
  key: string;
  bedId: string;
  patientId: string | null;
  deviceId: string | null;
  source: AlarmSource;
  metric: MetricId | null;
  condition: string;
  priority: AlarmPriority;
  value: number | null;
  message: string;
}

/** One live alarm. Owned by the book; trackers hold a reference and drop it once `closed`. */
export interface AlarmRecord extends ActiveAlarm {
  readonly key: string;
  closed: boolean;
  reminders: number;
  reminderTimer: TimerHandle | null;
  escalationTimer: TimerHandle | null;
}

export function snapshot(a: AlarmRecord): ActiveAlarm {
  const { key: _k, closed: _c, reminders: _r, reminderTimer: _t, escalationTimer: _e, ...rest } = a;
  return { ...rest };
}

export function compareAlarms(a: ActiveAlarm, b: ActiveAlarm): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.raisedAtMs - b.raisedAtMs || a.alarmId.localeCompare(b.alarmId);
}

export class AlarmBook {
  private readonly byId = new Map<string, AlarmRecord>();
  private readonly byKey = new Map<string, AlarmRecord>();
  private readonly byBed = new Map<string, Set<AlarmRecord>>();
  private idSeq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly events: AlarmEvents,
    private readonly recorder: AlarmRecorder,
    private readonly opts: LifecycleOptions,
  ) {}

  get(alarmId: string): AlarmRecord | undefined {
    return this.byId.get(alarmId);
  }

  /** The live alarm of one condition (bed+metric+direction, device+code...), if any. */
  byCondition(key: string): AlarmRecord | undefined {
    return this.byKey.get(key);
  }

  active(): ActiveAlarm[] {
    return [...this.byId.values()].map(snapshot).sort(compareAlarms);
  }

  bedState(bedId: string): BedAlarmState {
    const alarms = [...(this.byBed.get(bedId) ?? [])].map(snapshot).sort(compareAlarms);
    return { bedId, highest: alarms[0]?.priority ?? null, alarms };
  }

  beds(): string[] {
    return [...this.byBed.keys()];
  }

  raise(spec: RaiseSpec, atMs = this.clock.now(), restored?: Partial<AlarmRecord> & { alarmId: string }): AlarmRecord {
    const alarmId = restored?.alarmId ?? `${atMs.toString(36)}-${(++this.idSeq).toString(36)}${randomUUID().slice(0, 4)}`;
    const audience: AlarmAudience = audienceOf(spec.bedId, spec.condition);
    const { key, ...fields } = spec;
    const alarm: AlarmRecord = {
      ...fields,
      key,
      alarmId,
      audience,
      raisedAtMs: atMs,
      updatedAtMs: atMs,
      lastValue: spec.value,
      conditionPresent: true,
      latched: this.opts.latching.includes(spec.priority),
      acknowledged: false,
      acknowledgedBy: null,
      escalated: false,
      closed: false,
      reminders: 0,
      reminderTimer: null,
      escalationTimer: null,
      ...restored,
    };
    this.byId.set(alarmId, alarm);
    this.byKey.set(key, alarm);
    let bed = this.byBed.get(alarm.bedId);
    if (!bed) this.byBed.set(alarm.bedId, (bed = new Set()));
    bed.add(alarm);
    this.armTimers(alarm);
    if (!restored) this.phase(alarm, 'raised', atMs, spec.value, null);
    return alarm;
  }

  /** A worse value, a higher priority, or both. Emits `updated` only if something worsened. */
  worsen(alarm: AlarmRecord, change: { value?: number | null; priority?: AlarmPriority; message?: string }, atMs = this.clock.now()): void {
    const rises = change.priority !== undefined && PRIORITY_RANK[change.priority] < PRIORITY_RANK[alarm.priority];
    if (change.value !== undefined) alarm.lastValue = change.value;
    const worse = change.value !== undefined && change.value !== null;
    if (!rises && !worse) return;
    if (worse) alarm.value = change.value!;
    if (change.message) alarm.message = change.message;
    if (rises) {
      alarm.priority = change.priority!;
      alarm.latched = alarm.latched || this.opts.latching.includes(alarm.priority);
      if (alarm.acknowledged) {
        alarm.acknowledged = false;
        alarm.acknowledgedBy = null;
      }
      this.armTimers(alarm);
    }
    this.phase(alarm, 'updated', atMs, alarm.value, null);
  }

  /** Keeps the latest value (no phase), for displays. */
  observe(alarm: AlarmRecord, value: number): void {
    alarm.lastValue = value;
  }

  /** The condition is gone: clear, or keep a latched unacknowledged alarm. */
  conditionEnded(alarm: AlarmRecord, atMs = this.clock.now(), value: number | null = null): void {
    if (value !== null) alarm.lastValue = value;
    if (alarm.latched && !alarm.acknowledged) {
      if (!alarm.conditionPresent) return;
      alarm.conditionPresent = false;
      alarm.message = withoutMarker(alarm.message) + LATCHED_MARKER;
      this.phase(alarm, 'updated', atMs, value, null);
      return;
    }
    this.close(alarm, atMs, value, null);
  }

  /** A latched alarm's condition is back before anyone acknowledged it. */
  conditionReturned(alarm: AlarmRecord, atMs = this.clock.now(), value: number | null = null, message?: string): void {
    if (alarm.conditionPresent) return;
    alarm.conditionPresent = true;
    alarm.message = message ?? withoutMarker(alarm.message);
    if (value !== null) alarm.lastValue = value;
    this.phase(alarm, 'updated', atMs, value, null);
  }

  acknowledge(alarmId: string, by: string, atMs = this.clock.now()): AlarmEvent {
    const alarm = this.byId.get(alarmId);
    if (!alarm) throw new AlarmNotFoundError(alarmId);
    if (alarm.acknowledged) throw new AlarmAlreadyAcknowledgedError(alarmId, alarm.acknowledgedBy);
    alarm.acknowledged = true;
    alarm.acknowledgedBy = by;
    this.stopTimers(alarm);
    const event = this.phase(alarm, 'acknowledged', atMs, null, by);
    if (!alarm.conditionPresent) this.close(alarm, atMs, null, null);
    return event;
  }

  /** Drops every alarm and timer (shutdown). No phase is emitted. */
  stop(): void {
    for (const alarm of this.byId.values()) this.stopTimers(alarm);
  }

  private close(alarm: AlarmRecord, atMs: number, value: number | null, actor: string | null): void {
    this.stopTimers(alarm);
    alarm.closed = true;
    alarm.conditionPresent = false;
    this.byId.delete(alarm.alarmId);
    if (this.byKey.get(alarm.key) === alarm) this.byKey.delete(alarm.key);
    const bed = this.byBed.get(alarm.bedId);
    bed?.delete(alarm);
    if (bed?.size === 0) this.byBed.delete(alarm.bedId);
    this.phase(alarm, 'cleared', atMs, value, actor);
  }

  private phase(alarm: AlarmRecord, phase: AlarmPhase, atMs: number, value: number | null, actor: string | null): AlarmEvent {
    alarm.updatedAtMs = atMs;
    const event: AlarmEvent = {
      eventId: randomUUID(),
      alarmId: alarm.alarmId,
      bedId: alarm.bedId,
      patientId: alarm.patientId,
      deviceId: alarm.deviceId,
      source: alarm.source,
      metric: alarm.metric,
      condition: alarm.condition,
      priority: alarm.priority,
      phase,
      timeMs: atMs,
      value,
      actor,
      message: alarm.message,
    };
    this.recorder.record(event);
    this.events.emit('event', event, snapshot(alarm));
    this.events.emit('bed', this.bedState(alarm.bedId));
    return event;
  }

  /** Reminders and escalation run only while a high-priority alarm is unacknowledged. */
  private armTimers(alarm: AlarmRecord): void {
    this.stopTimers(alarm);
    if (alarm.priority !== 'high' || alarm.acknowledged) return;
    alarm.reminders = 0;
    alarm.reminderTimer = this.clock.setInterval(() => {
      alarm.reminders += 1;
      this.events.emit('reminder', { alarm: snapshot(alarm), count: alarm.reminders, atMs: this.clock.now() });
    }, this.opts.renotifyEveryMs);
    alarm.reminderTimer.unref();
    if (!alarm.escalated) {
      alarm.escalationTimer = this.clock.setTimeout(() => {
        alarm.escalationTimer = null;
        alarm.escalated = true;
        this.phase(alarm, 'escalated', this.clock.now(), null, null);
      }, this.opts.escalateAfterMs);
      alarm.escalationTimer.unref();
    }
  }

  private stopTimers(alarm: AlarmRecord): void {
    alarm.reminderTimer?.cancel();
    alarm.escalationTimer?.cancel();
    alarm.reminderTimer = null;
    alarm.escalationTimer = null;
  }
}
