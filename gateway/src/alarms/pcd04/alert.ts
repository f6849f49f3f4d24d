/**
 * One alarm phase as the alarm manager is told about it: the engine's event and the
 * alarm's snapshot after it, turned into the IHE PCD ACM vocabulary (event phase, alarm
 * state, inactivation state, priority, alert type), plus the limit that was crossed (read
 * from the bed's limits when the phase happens, so a later rule change cannot alter it).
 */
import type { AlarmEvent, AlarmPhase, AlarmPriority } from '@wardlink/shared';
import type { ActiveAlarm, Band, MetricLimits } from '../types.js';

/** MDC_ATTR_EVENT_PHASE values used (PCD TF-2 ACM): each Wardlink phase has one. */
export type EventPhase = 'start' | 'update' | 'continue' | 'escalate' | 'end';
/** MDC_ATTR_ALARM_STATE values used. */
export type AlarmStateValue = 'active' | 'latched' | 'inactive';
/** MDC_ATTR_ALARM_INACTIVATION_STATE values used. */
export type InactivationState = 'enabled' | 'alert-acknowledged';

export const EVENT_PHASE: Readonly<Record<AlarmPhase, EventPhase>> = {
  raised: 'start',
  updated: 'update',
  // The alarm goes on; what changed is its inactivation state (alert-acknowledged).
  acknowledged: 'continue',
  escalated: 'escalate',
  cleared: 'end',
};

/** MDC_ATTR_ALARM_PRIORITY: PH, PM, PL. */
export const PRIORITY_CODE: Readonly<Record<AlarmPriority, string>> = { high: 'PH', medium: 'PM', low: 'PL' };

export interface Pcd04Alert {
  event: AlarmEvent;
  eventPhase: EventPhase;
  alarmState: AlarmStateValue;
  inactivationState: InactivationState;
  /** The limit crossed (physiological alarms), null when unknown or technical. */
  limit: number | null;
  /** The bed's limits at the alarm's priority as an OBX-7 range, e.g. `90-120`, `>=90`. */
  range: string;
}

function alarmState(event: AlarmEvent, alarm: ActiveAlarm): AlarmStateValue {
  if (event.phase === 'cleared') return 'inactive';
  return alarm.latched && !alarm.conditionPresent ? 'latched' : 'active';
}

/** The band of `direction` that fills the alarm's priority slot, else the most severe one. */
function bandAt(bands: readonly Band[], priority: AlarmPriority): Band | undefined {
  return bands.find((b) => b.priority === priority) ?? bands[0];
}

/** The range the value must stay in: both sides at the alarm's priority when the bed has them. */
function rangeOf(low: Band | undefined, high: Band | undefined): string {
  if (low && high) return `${low.limit}-${high.limit}`;
  if (low) return `>=${low.limit}`;
  if (high) return `<=${high.limit}`;
  return '';
}

export function alertOf(event: AlarmEvent, alarm: ActiveAlarm, limits: MetricLimits | null): Pcd04Alert {
  let limit: number | null = null;
  let range = '';
  if (event.source === 'physiological' && limits && (event.condition === 'low' || event.condition === 'high')) {
    const low = limits.low.find((b) => b.priority === event.priority) ?? (event.condition === 'low' ? bandAt(limits.low, event.priority) : undefined);
    const high = limits.high.find((b) => b.priority === event.priority) ?? (event.condition === 'high' ? bandAt(limits.high, event.priority) : undefined);
    limit = (event.condition === 'low' ? low : high)?.limit ?? null;
    range = rangeOf(low, high);
  }
  return {
    event,
    eventPhase: EVENT_PHASE[event.phase],
    alarmState: alarmState(event, alarm),
    inactivationState: alarm.acknowledged || event.phase === 'acknowledged' ? 'alert-acknowledged' : 'enabled',
    limit,
    range,
  };
}
