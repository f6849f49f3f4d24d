/**
 * Technical alarms about bedside equipment, per device:
 * - `comm-loss`: nothing received for more than the device's threshold (by format, then
 *   kind, then the default). Checked by a sweep every `sweepEveryMs`; a device never heard
 *   since the gateway started is not alarmed (it may not be in use).
 * - `sensor-off`: the record says the sensor is off (status word, OBX-8, MQTT flag), even
 *   with no value; cleared by the first record without it.
 * - `invalid-value`: a value flagged INVALID that is not explained by sensor-off or demo.
 * - `demo-mode`: the device sends demo values (never patient data).
 * - `port-gone`: the serial port disappeared; comm-loss is not raised on top of it.
 */
import { metricDisplayName, QualityFlag, type Clock, type MetricKey, type Reading } from '@wardlink/shared';
import type { AlarmBook } from './alarm-book.js';
import { TechnicalAlarm, type TechnicalSpec } from './technical-condition.js';
import type { TechnicalCondition } from './types.js';

export type DeviceCondition = Extract<TechnicalCondition, 'comm-loss' | 'sensor-off' | 'invalid-value' | 'demo-mode' | 'port-gone'>;
export const DEVICE_CONDITIONS: readonly DeviceCondition[] = ['comm-loss', 'sensor-off', 'invalid-value', 'demo-mode', 'port-gone'];

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
        alarms: { 'comm-loss': make('comm-loss'), 'sensor-off': make('sensor-off'), 'invalid-value': make('invalid-value'), 'demo-mode': make('demo-mode'), 'port-gone': make('port-gone') },
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
  record(info: DeviceInfo, patientId: string | null | undefined, readings: readonly Reading[], recordFlags: number, atMs: number): void {
    const w = this.watch(info);
    if (patientId !== undefined) w.patientId = patientId;
    w.lastHeardMs = atMs;
    w.alarms['comm-loss'].release(atMs);
    w.alarms['port-gone'].release(atMs);
    let all = recordFlags;
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

  /** Raises comm-loss for every device quiet for longer than its threshold. */
  sweep(nowMs = this.clock.now()): void {
    for (const w of this.watches.values()) {
      if (w.lastHeardMs === null || w.alarms['comm-loss'].isPresent || w.alarms['port-gone'].isPresent) continue;
      const after = this.thresholdMs(w.info);
      if (nowMs - w.lastHeardMs <= after) continue;
      w.alarms['comm-loss'].hold(() => this.describe(w, `no data for more than ${after / 1000} s`), nowMs);
      this.onLost(w.info.deviceId, w.info.bedId);
    }
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
