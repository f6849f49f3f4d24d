/**
 * The alarm engine's own shapes: rules as stored, the limits a bed is evaluated against,
 * and the alarm snapshots that delivery (MQTT topics, the nurse-station page) shows.
 */
import type { AlarmEvent, AlarmPriority, AlarmSource, MetricId } from '@wardlink/shared';

export type RuleScope = 'ward' | 'bed' | 'patient';
export const RULE_SCOPES: readonly RuleScope[] = ['ward', 'bed', 'patient'];

/** Which side of the normal range a limit guards. */
export type Direction = 'low' | 'high';

/** One threshold rule as stored in `alarm_rules`. */
export interface AlarmRule {
  ruleId: string;
  scope: RuleScope;
  /** '' for the ward, else the bed id or the patient id. */
  scopeId: string;
  metric: MetricId;
  /** Alarm when the value is strictly below this, or null for no low limit. */
  lowLimit: number | null;
  lowPriority: AlarmPriority | null;
  /** Alarm when the value is strictly above this, or null for no high limit. */
  highLimit: number | null;
  highPriority: AlarmPriority | null;
  /** How long the condition must hold (gateway receive time) before the alarm is raised. */
  delayMs: number;
  /** How far back inside the limit the value must come for the condition to end. */
  hysteresis: number;
  enabled: boolean;
  note: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

/** One band a (bed, metric, direction) is evaluated against: the winner of its priority slot. */
export interface Band {
  ruleId: string;
  scope: RuleScope;
  direction: Direction;
  limit: number;
  priority: AlarmPriority;
  delayMs: number;
  hysteresis: number;
}

/** The bands of one (bed, patient, metric), most severe priority first. The object is
 * shared and stable until the rules change, so trackers compare it by reference. */
export interface MetricLimits {
  metric: MetricId;
  low: readonly Band[];
  high: readonly Band[];
}

/** Priority order: the smaller the more urgent. */
export const PRIORITY_RANK: Readonly<Record<AlarmPriority, number>> = { high: 0, medium: 1, low: 2 };

export function higherPriority(a: AlarmPriority, b: AlarmPriority): AlarmPriority {
  return PRIORITY_RANK[a] <= PRIORITY_RANK[b] ? a : b;
}

/** The condition part of an alarm's identity: `low`/`high` or a technical code. */
export type TechnicalCondition =
  | 'comm-loss'
  | 'sensor-off'
  | 'invalid-value'
  | 'demo-mode'
  | 'port-gone'
  | 'device-clock'
  | 'patient-mismatch'
  | 'buffer-80'
  | 'buffer-95'
  | 'buffer-disk-full'
  | 'uplink-down'
  | 'alarm-manager-down';

/** Who should hear about an alarm: nurses (patient and bedside equipment) or hospital IT. */
export type AlarmAudience = 'nurse' | 'it';

/** Gateway-wide conditions nurses must see too: readings of the whole ward are not being
 * stored (local alarms still sound, but the record has a hole), or alarms no longer reach
 * their phones and pagers (the alarm manager does not answer: alarms/pcd04). */
const GATEWAY_CONDITIONS_FOR_NURSES: ReadonlySet<string> = new Set(['buffer-disk-full', 'alarm-manager-down']);

/** Bedside alarms are the nurses'; the gateway's own (bed "-") are IT's, but for a few. */
export function audienceOf(bedId: string, condition: string): AlarmAudience {
  return bedId !== '-' || GATEWAY_CONDITIONS_FOR_NURSES.has(condition) ? 'nurse' : 'it';
}

/** A live alarm as delivery shows it (the retained per-bed state and the nurse-station list). */
export interface ActiveAlarm {
  alarmId: string;
  bedId: string;
  patientId: string | null;
  deviceId: string | null;
  source: AlarmSource;
  metric: MetricId | null;
  condition: string;
  priority: AlarmPriority;
  audience: AlarmAudience;
  raisedAtMs: number;
  /** The latest phase change. */
  updatedAtMs: number;
  /** The value that raised the alarm, then the worst seen while it lasts. */
  value: number | null;
  /** The latest value seen for the metric while the alarm lasts. */
  lastValue: number | null;
  /** False once the condition is gone but a high-priority alarm is latched. */
  conditionPresent: boolean;
  latched: boolean;
  acknowledged: boolean;
  acknowledgedBy: string | null;
  escalated: boolean;
  message: string;
}

/** Everything active on one bed, for a retained MQTT topic. `-` is the gateway itself. */
export interface BedAlarmState {
  bedId: string;
  /** The most urgent priority among the bed's alarms, or null when it has none. */
  highest: AlarmPriority | null;
  alarms: ActiveAlarm[];
}

/** A reminder that an unacknowledged high-priority alarm is still there. Not a phase:
 * it is not audited, delivery just announces the alarm again. */
export interface AlarmReminder {
  alarm: ActiveAlarm;
  /** 1 for the first reminder after the alarm was raised (or re-armed). */
  count: number;
  atMs: number;
}

/**
 * Where the audit log stores alarm events: the one table, `alarm_events`, which is the
 * audit trail and the upload queue. In the daemon it is the buffer writer (its commit
 * thread); without one, `DirectAlarmSink` on the alarm service's connection. It stores
 * all the given events, in order, or none; it is idempotent by eventId. It may return once
 * committed (or throw), or return a promise settled by the commit. Never awaited on the
 * evaluation path: a slow or full disk cannot delay an alarm.
 */
export interface AlarmSink {
  appendAlarms(events: readonly AlarmEvent[]): Promise<void> | void;
}

/** The pino-compatible logger libraries take; they never create their own. */
export interface AlarmLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentAlarmLogger: AlarmLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
