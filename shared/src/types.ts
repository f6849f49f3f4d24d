/**
 * Wardlink's domain types. Every time is UTC epoch milliseconds; every id is an opaque,
 * printable string chosen by the gateway's registry (never a database sequence).
 */
import type { MetricKey } from './catalog/metric-key.js';
import type { MetricId } from './catalog/metrics.js';

/**
 * Quality flags carried by a reading as a bit mask. A flagged reading is stored and
 * forwarded (so the record is complete) but never treated as patient physiology.
 */
export const QualityFlag = {
  /** The device sent an invalid-value marker (-999, -100, ...) or a value outside the
   * catalog's physiologically possible range. `value` keeps the raw number received. */
  INVALID: 1 << 0,
  /** The device reported that its sensor is off the patient (probe off, no finger). */
  SENSOR_OFF: 1 << 1,
  /** The device is in demo or simulation mode: the value is not patient data. */
  DEMO: 1 << 2,
  /** The device's clock was outside the accepted window (too far ahead or behind the
   * gateway's, or it jumped while connected): the reading carries the gateway's receive
   * time as its time, and the device's own time in `deviceClockMs`. */
  CLOCK_SUSPECT: 1 << 3,
  /** The patient the device named (HL7 PID-3) is not the one admitted to the bed by the
   * admission source of truth: the reading is kept under the admitted patient, flagged. */
  PATIENT_MISMATCH: 1 << 4,
} as const;
export type QualityFlagName = keyof typeof QualityFlag;
/** Every bit that a valid flags mask may have set. */
export const QUALITY_FLAG_MASK = 0b11111;

/** One measured value of one metric, as stored at the gateway and in the cloud. */
export interface Reading {
  /** The gateway that received the reading (one gateway per ward). */
  gatewayId: string;
  /** The bedside device that produced it, as registered at the gateway. */
  deviceId: string;
  /** The bed the device was attached to when the reading was received. */
  bedId: string;
  /** The admitted patient of that bed at the time, or null when nobody is admitted. */
  patientId: string | null;
  /** The catalog metric (see `catalog/metrics.ts`), or an uncatalogued term's MDC code in
   * decimal (see `catalog/metric-key.ts`). */
  metric: MetricKey;
  /** The reading's time, UTC ms: the device's own record time, or the gateway's receive
   * time when CLOCK_SUSPECT is set. */
  deviceTimeMs: number;
  /** When the gateway received the reading, UTC ms, by the gateway's clock. */
  receivedAtMs: number;
  /** The value in the metric's catalog unit, at monitor resolution. A reading flagged
   * INVALID keeps the raw value the device sent. */
  value: number;
  /** A bit mask of `QualityFlag`s; 0 for a clean reading. */
  flags: number;
  /** Only with CLOCK_SUSPECT: the time the device's own clock gave, UTC ms (the evidence
   * of the fault; `deviceTimeMs` is then the receive time). */
  deviceClockMs?: number;
  /** Only for an uncatalogued metric: the UCUM unit of `value` (catalog metrics are
   * always in their catalog unit). */
  unit?: string;
}

/** IEC 60601-1-8 alarm priorities. */
export type AlarmPriority = 'high' | 'medium' | 'low';
export const ALARM_PRIORITIES: readonly AlarmPriority[] = ['high', 'medium', 'low'];

/** The phases an alarm passes through (IHE PCD ACM vocabulary). */
export type AlarmPhase = 'raised' | 'updated' | 'acknowledged' | 'cleared' | 'escalated';
export const ALARM_PHASES: readonly AlarmPhase[] = ['raised', 'updated', 'acknowledged', 'cleared', 'escalated'];

/** Whether an alarm is about the patient (a limit crossed) or about the equipment. */
export type AlarmSource = 'physiological' | 'technical';

/** One phase change of one alarm, kept as an audit record and uploaded ahead of readings. */
export interface AlarmEvent {
  /** Unique id of this event (one per phase change), stable across retries. */
  eventId: string;
  /** Id of the alarm this event belongs to; every phase of one alarm shares it. */
  alarmId: string;
  /** The bed concerned. Gateway-wide technical alarms (buffer, uplink) use the bed id "-". */
  bedId: string;
  /** The admitted patient at the time, or null. */
  patientId: string | null;
  /** The device concerned, or null for gateway-wide technical alarms. */
  deviceId: string | null;
  source: AlarmSource;
  /** For a physiological alarm, the metric whose limit was crossed; otherwise null. */
  metric: MetricId | null;
  /** What happened: `low` or `high` for a limit, or a technical code such as
   * `comm-loss`, `sensor-off`, `invalid-value`, `port-gone`, `buffer-80`, `buffer-95`,
   * `uplink-down`. */
  condition: string;
  priority: AlarmPriority;
  phase: AlarmPhase;
  /** When the phase change happened, UTC ms. */
  timeMs: number;
  /** The value that caused or updated the alarm, or null (technical alarms, acks). */
  value: number | null;
  /** Who acted: the nurse who acknowledged, or null when the gateway acted on its own. */
  actor: string | null;
  /** A short human-readable text for displays and pagers. */
  message: string;
}

/** One upload unit from a gateway: idempotent on (gatewayId, seq). */
export interface Batch {
  /** The sending gateway; the cloud accepts only its own token's gateway id. */
  gatewayId: string;
  /** The gateway's batch sequence number, strictly increasing from 1. Together with
   * `gatewayId` it is the batch's idempotency key. */
  seq: number;
  /** When the gateway built the batch, UTC ms. */
  createdAtMs: number;
  /** Alarm events, in the order they happened. */
  alarms: AlarmEvent[];
  /** Readings. Their `gatewayId` equals the batch's. */
  readings: Reading[];
}
