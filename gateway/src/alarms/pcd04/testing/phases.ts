/**
 * Real alarm phases from the real engine (manual clock), each with the alarm snapshot and
 * the bed's limits as the reporter sees them, for the message tests.
 */
import type { AlarmEvent } from '@wardlink/shared';
import { harness, type Harness } from '../../testing/harness.js';
import type { DeviceInfo } from '../../technical-device.js';
import type { ActiveAlarm, MetricLimits } from '../../types.js';
import { alertOf, type Pcd04Alert } from '../alert.js';
import { buildOruR40, type Pcd04Addressing, type Pcd04Place } from '../message.js';

export interface Phase {
  event: AlarmEvent;
  alarm: ActiveAlarm;
  limits: MetricLimits | null;
}

export const ADDRESSING: Pcd04Addressing = { sendingApplication: 'WARDLINK', sendingFacility: 'icu-3a', receivingApplication: 'ASCOM', receivingFacility: null };
export const PLACE: Pcd04Place = { pointOfCare: 'ICU3A', bedLabel: 'Bed 1' };

export function recordPhases(h: Harness): Phase[] {
  const phases: Phase[] = [];
  h.engine.events.on('event', (event, alarm) => {
    phases.push({ event, alarm: structuredClone(alarm), limits: event.metric ? h.engine.limitsFor(event.bedId, event.patientId, event.metric) : null });
  });
  return phases;
}

/** Drives a high HR alarm through every phase: raised, updated (worse), escalated, acknowledged, cleared. */
export function driveHighHr(h: Harness): void {
  let alarmId: string | null = null;
  const off = h.engine.events.on('event', (e) => (alarmId ??= e.metric === 'HR' ? e.alarmId : null));
  const t0 = h.clock.now();
  for (let s = 0; s <= 10; s++) h.feed(t0 + s * 1000, { HR: 145 });
  h.feed(t0 + 11_000, { HR: 150 });
  for (let s = 12; s <= 135; s++) h.feed(t0 + s * 1000, { HR: 150 });
  h.engine.acknowledge(alarmId!, 'nurse-1');
  h.feed(t0 + 136_000, { HR: 80 });
  off();
}

/** A high HR alarm through every phase, recorded. */
export function highHrLifecycle(): { h: Harness; phases: Phase[] } {
  const h = harness(undefined, { renotifyEveryMs: 30_000, escalateAfterMs: 120_000 });
  const phases = recordPhases(h);
  driveHighHr(h);
  return { h, phases };
}

/** NIBP has no condition delay: each reading beyond 160 raises at once, one back clears. */
export function nibpEpisodes(h: Harness, count: number, device: DeviceInfo = { deviceId: 'mon-2', bedId: 'bed-2', kind: 'serial', format: 'ascii-kv' }): void {
  for (let i = 0; i < count; i++) {
    h.feed(h.clock.now() + 1000, { NIBP_SYS: 170 + i }, { device, patientId: 'pat-2' });
    h.feed(h.clock.now() + 1000, { NIBP_SYS: 120 }, { device, patientId: 'pat-2' });
  }
}

export function build(p: Phase, place: Pcd04Place = PLACE): { alert: Pcd04Alert; text: string } {
  const alert = alertOf(p.event, p.alarm, p.limits);
  return { alert, text: buildOruR40(alert, { addressing: ADDRESSING, place, measured: p.event.value ?? p.alarm.value, nowMs: p.event.timeMs }) };
}
