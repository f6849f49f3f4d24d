/**
 * Technical alarms about bedside equipment, per device:
 * - `comm-loss`: nothing received for more than the device's threshold (by format, then
 *   kind, then the default). Checked by a sweep the engine arms for `nextDueMs()`, the
 *   moment the first device's silence passes its threshold; a device never heard since the
 *   gateway started is not alarmed (it may not be in use).
 * - `sensor-off`: the record says the sensor is off (status word, OBX-8, MQTT flag), even
 *   with no value; cleared by the first record without it.
 * - `invalid-value`: a value flagged INVALID that is not explained by sensor-off or demo.
 * - `demo-mode`: the device sends demo values (never patient data).
 * - `port-gone`: the serial port disappeared; comm-loss is not raised on top of it.
 * - `device-clock`: the device's clock is outside the accepted window (ingest/device-clock.ts);
 *   its readings are kept at the receive time. Cleared by the first record it trusts again.
 * - `patient-mismatch`: the device names another patient (HL7 PID-3) than the one admitted
 *   to its bed by the admission source of truth. Cleared when they agree again.
 * A device whose records are all refused is not heard: its comm-loss alarm says so, with
 * the refusal's code, rather than "no data".
 */
import { metricDisplayName, QualityFlag, type Clock, type MetricKey, type Reading } from '@wardlink/shared';
import { describeSkew } from '../ingest/device-clock.js';
import type { AlarmBook } from './alarm-book.js';
import { TechnicalAlarm, type TechnicalSpec } from './technical-condition.js';
import type { TechnicalCondition } from './types.js';

export type DeviceCondition = Extract<TechnicalCondition, 'comm-loss' | 'sensor-off' | 'invalid-value' | 'demo-mode' | 'port-gone' | 'device-clock' | 'patient-mismatch'>;
export const DEVICE_CONDITIONS: readonly DeviceCondition[] = ['comm-loss', 'sensor-off', 'invalid-value', 'demo-mode', 'port-gone', 'device-clock', 'patient-mismatch'];

/** What the ingest layer says about a record beside its readings (ingest/pipeline.ts). */
export interface RecordFacts {
  recordFlags: number;
  /** Not null: the device clock was not trusted; receive time − device time, ms. */
  clockSkewMs?: number | null;
  /** Not null: the device clock has stopped at this time (UTC ms). */
  clockStoppedAtMs?: number | null;
  /** Not undefined: the patient the device named, when it is not the admitted one. */
  namedPatientId?: string | undefined;
}

export interface CommLossOptions {
  /** Quiet time after which a device is lost, ms. */
  defaultMs: number;
  /** Per device kind (serial, tcp-hl7, mqtt). */
  byKind: Readonly<Record<string, number>>;
  /** Per format (hl7-mllp, ascii-kv...); wins over the kind. */
  byFormat: Readonly<Record<string, number>>;
}

/** What the engine knows of a device when it hears from it. */
export interface DeviceInfo {
  deviceId: string;
  bedId: string;
  kind: string;
  format: string;
}

interface Watch {
  info: DeviceInfo;
  patientId: string | null;
  lastHeardMs: number | null;
  /** The code of the last refusal since the device was last heard, for the comm-loss text. */
  lastRefusal: string | null;
  alarms: Record<DeviceCondition, TechnicalAlarm>;
}

const NOT_PATIENT = QualityFlag.SENSOR_OFF | QualityFlag.DEMO;

export class DeviceTechnical {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly clock: Clock,
    private readonly book: AlarmBook,
    private readonly specs: Readonly<Record<DeviceCondition, TechnicalSpec>>,
    private readonly commLoss: CommLossOptions,
    /** Called when a device is declared lost, so its pending limit conditions restart. */
    private readonly onLost: (deviceId: string, bedId: string) => void,
  ) {}

  private watch(info: DeviceInfo): Watch {
    let w = this.watches.get(info.deviceId);
    if (!w) {
      const make = (c: DeviceCondition) => new TechnicalAlarm(`${info.deviceId}|${c}`, c, this.specs[c], this.clock, this.book);
      w = {
        info,
        patientId: null,
        lastHeardMs: null,
        lastRefusal: null,
        alarms: Object.fromEntries(DEVICE_CONDITIONS.map((c) => [c, make(c)])) as Record<DeviceCondition, TechnicalAlarm>,
      };
      this.watches.set(info.deviceId, w);
    }
    if (w.info.bedId !== info.bedId) {
      // The monitor was moved to another bed: what was pending on the old bed is moot.
      this.onLost(info.deviceId, w.info.bedId);
    }
    w.info = info;
    return w;
  }

  /** A record arrived: the device talks; look at its flags. */
  /** `patientId` undefined: not known from this record, keep the last one. */
  record(info: DeviceInfo, patientId: string | null | undefined, readings: readonly Reading[], facts: RecordFacts, atMs: number): void {
    const w = this.watch(info);
    if (patientId !== undefined) w.patientId = patientId;
    w.lastHeardMs = atMs;
    w.lastRefusal = null;
    w.alarms['comm-loss'].release(atMs);
    w.alarms['port-gone'].release(atMs);
    const skew = facts.clockSkewMs ?? null;
    const stoppedAt = facts.clockStoppedAtMs ?? null;
    const clock = stoppedAt === null ? `device clock ${describeSkew(skew ?? 0)}` : `device clock stopped at ${new Date(stoppedAt).toISOString()} (its records carry that one time)`;
    this.toggle(w, 'device-clock', skew !== null, () => this.describe(w, `${clock}; its readings are kept at the gateway's receive time. Set the monitor's clock.`, Math.round((skew ?? 0) / 1000)), atMs);
    const named = facts.namedPatientId;
    this.toggle(w, 'patient-mismatch', named !== undefined, () => this.describe(w, `the monitor names patient ${named ?? ''}, but ${w.patientId ?? 'nobody'} is admitted to the bed. Check the patient and the admission.`), atMs);
    let all = facts.recordFlags;
    const invalid: MetricKey[] = [];
    const off: MetricKey[] = [];
    for (const r of readings) {
      all |= r.flags;
      if (r.flags & QualityFlag.SENSOR_OFF) off.push(r.metric);
      else if (r.flags & QualityFlag.INVALID && !(r.flags & NOT_PATIENT)) invalid.push(r.metric);
    }
    const demo = (all & QualityFlag.DEMO) !== 0;
    const sensorOff = !demo && (all & QualityFlag.SENSOR_OFF) !== 0;
    const about = (what: string, value: number | null = null) => () => this.describe(w, what, value);
    this.toggle(w, 'demo-mode', demo, about('device in demo mode: its values are not patient data'), atMs);
    this.toggle(w, 'sensor-off', sensorOff, about(`sensor off${off.length ? ` (${names(off)})` : ''}`), atMs);
    const firstBad = readings.find((r) => r.metric === invalid[0]);
    this.toggle(w, 'invalid-value', !demo && invalid.length > 0, about(`invalid value from the device (${names(invalid)})`, firstBad?.value ?? null), atMs);
  }

  /** Everything in a record of the device was refused (`code`): it is not heard. */
  refused(info: DeviceInfo, code: string): void {
    this.watch(info).lastRefusal = code;
  }

  /**
   * Raises comm-loss for every device quiet for longer than its threshold. `cutOff`: the
   * gateway itself is cutting devices off (its disk is full): that one cause is alarmed
   * once (buffer-disk-full), not as a wall of comm-loss alarms.
   */
  sweep(nowMs = this.clock.now(), cutOff = false): void {
    for (const w of this.watches.values()) {
      if (cutOff) {
        if (w.lastHeardMs !== null) w.lastHeardMs = Math.max(w.lastHeardMs, nowMs - 1); // the silence starts when the cause ends
        continue;
      }
      if (w.lastHeardMs === null || w.alarms['comm-loss'].isPresent || w.alarms['port-gone'].isPresent) continue;
      const after = this.thresholdMs(w.info);
      if (nowMs - w.lastHeardMs <= after) continue;
      const refusal = w.lastRefusal;
      const what = refusal === null ? `no data for more than ${after / 1000} s` : `no usable data for more than ${after / 1000} s: its messages are refused (${refusal})`;
      w.alarms['comm-loss'].hold(() => this.describe(w, what), nowMs);
      this.onLost(w.info.deviceId, w.info.bedId);
    }
  }

  /**
   * When the next sweep can raise a comm-loss: the first moment a device heard, and neither
   * lost nor gone, has been quiet for longer than its threshold. Null when no device can
   * (none heard yet, or every one already lost): then no sweep is needed until a record
   * or a port's return.
   */
  nextDueMs(): number | null {
    let next = Infinity;
    for (const w of this.watches.values()) {
      if (w.lastHeardMs === null || w.alarms['comm-loss'].isPresent || w.alarms['port-gone'].isPresent) continue;
      next = Math.min(next, w.lastHeardMs + this.thresholdMs(w.info) + 1); // sweep() wants strictly more than the threshold
    }
    return next === Infinity ? null : next;
  }

  portGone(info: DeviceInfo, atMs = this.clock.now()): void {
    const w = this.watch(info);
    w.alarms['port-gone'].hold(() => this.describe(w, 'serial port gone (unplugged or powered off)'), atMs);
    this.onLost(info.deviceId, info.bedId);
  }

  portBack(deviceId: string, atMs = this.clock.now()): void {
    this.watches.get(deviceId)?.alarms['port-gone'].release(atMs);
  }

  knows(deviceId: string): DeviceInfo | undefined {
    return this.watches.get(deviceId)?.info;
  }

  /** Stops watching a device (removed from the registry); its alarms end. */
  forget(deviceId: string, atMs = this.clock.now()): void {
    const w = this.watches.get(deviceId);
    if (!w) return;
    for (const c of DEVICE_CONDITIONS) {
      w.alarms[c].release(atMs);
      w.alarms[c].stop();
    }
    this.watches.delete(deviceId);
  }

  stop(): void {
    for (const w of this.watches.values()) for (const c of DEVICE_CONDITIONS) w.alarms[c].stop();
  }

  thresholdMs(info: DeviceInfo): number {
    return this.commLoss.byFormat[info.format] ?? this.commLoss.byKind[info.kind] ?? this.commLoss.defaultMs;
  }

  private toggle(w: Watch, c: DeviceCondition, present: boolean, describe: () => ReturnType<DeviceTechnical['describe']>, atMs: number): void {
    if (present) w.alarms[c].hold(describe, atMs);
    else w.alarms[c].release(atMs);
  }

  private describe(w: Watch, what: string, value: number | null = null) {
    return {
      bedId: w.info.bedId,
      patientId: w.patientId,
      deviceId: w.info.deviceId,
      source: 'technical' as const,
      metric: null,
      value,
      message: `${w.info.deviceId}: ${what} (bed ${w.info.bedId})`,
    };
  }
}

function names(metrics: MetricKey[]): string {
  return metrics.map(metricDisplayName).join(', ');
}
