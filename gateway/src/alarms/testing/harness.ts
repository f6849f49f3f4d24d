/**
 * A small harness for engine tests: a manual clock, an engine over given rules, the
 * phases it recorded, and a way to feed one device's records at given times.
 */
import type { AlarmEvent, MetricId, Reading } from '@wardlink/shared';
import { defaultRules } from '../defaults.js';
import { AlarmEngine } from '../engine.js';
import type { AlarmEngineOptions } from '../engine-options.js';
import type { DeviceInfo } from '../technical-device.js';
import type { AlarmReminder, AlarmRule } from '../types.js';
import { ManualClock } from './manual-clock.js';

export const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);

export interface Harness {
  clock: ManualClock;
  engine: AlarmEngine;
  events: AlarmEvent[];
  reminders: AlarmReminder[];
  /** Feeds one record of `values` from `device` at `atMs` (advancing the clock there). */
  feed(
    atMs: number,
    values: Partial<Record<MetricId, number>>,
    opts?: { flags?: Partial<Record<MetricId, number>>; recordFlags?: number; device?: DeviceInfo; patientId?: string | null; clockSkewMs?: number; namedPatientId?: string },
  ): void;
  /** Phases so far, as compact strings `phase:priority:condition[:value]`. */
  phases(filter?: (e: AlarmEvent) => boolean): string[];
}

export const BED_DEVICE: DeviceInfo = { deviceId: 'mon-1', bedId: 'bed-1', kind: 'serial', format: 'ascii-kv' };

export function rule(partial: Partial<AlarmRule> & Pick<AlarmRule, 'metric'>): AlarmRule {
  return {
    ruleId: `r-${partial.metric}-${partial.lowLimit ?? ''}-${partial.highLimit ?? ''}-${partial.scope ?? 'ward'}`,
    scope: 'ward',
    scopeId: '',
    lowLimit: null,
    lowPriority: partial.lowLimit != null ? 'medium' : null,
    highLimit: null,
    highPriority: partial.highLimit != null ? 'medium' : null,
    delayMs: 10_000,
    hysteresis: 2,
    enabled: true,
    note: null,
    createdAtMs: 0,
    updatedAtMs: 0,
    ...partial,
  };
}

export function harness(rules: readonly AlarmRule[] = defaultRules(0), opts: AlarmEngineOptions = {}): Harness {
  const clock = new ManualClock(T0);
  const events: AlarmEvent[] = [];
  const reminders: AlarmReminder[] = [];
  const engine = new AlarmEngine(rules, opts, { clock, recorder: { record: (e) => events.push(e) } });
  engine.events.on('reminder', (r) => reminders.push(r));
  engine.start();
  return {
    clock,
    engine,
    events,
    reminders,
    feed(atMs, values, o = {}) {
      clock.advanceTo(atMs);
      const device = o.device ?? BED_DEVICE;
      const readings: Reading[] = Object.entries(values).map(([metric, value]) => ({
        gatewayId: 'gw-test',
        deviceId: device.deviceId,
        bedId: device.bedId,
        patientId: o.patientId === undefined ? 'pat-1' : o.patientId,
        metric: metric as MetricId,
        deviceTimeMs: atMs,
        receivedAtMs: clock.now(),
        value: value,
        flags: o.flags?.[metric as MetricId] ?? 0,
      }));
      engine.onRecord(readings, device, { recordFlags: o.recordFlags ?? 0, clockSkewMs: o.clockSkewMs ?? null, namedPatientId: o.namedPatientId });
    },
    phases(filter = () => true) {
      return events.filter(filter).map((e) => [e.phase, e.priority, e.condition, ...(e.value === null ? [] : [e.value])].join(':'));
    },
  };
}

/** Feeds `series[i]` at `startMs + i * stepMs`; returns the time after the last one. */
export function feedSeries(h: Harness, metric: MetricId, series: readonly number[], startMs: number, stepMs = 1000): number {
  series.forEach((v, i) => h.feed(startMs + i * stepMs, { [metric]: v }));
  return startMs + series.length * stepMs;
}
