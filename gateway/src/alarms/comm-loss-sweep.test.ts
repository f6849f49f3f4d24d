/**
 * The comm-loss sweep is a one-shot timer armed for the next device that can be due
 * (engine.ts). Two ways a review found it late, each a test that failed before its fix:
 * the wall clock stepping forward while a timer is armed, and a device's threshold
 * shortened by a format change while everything it sends is refused.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, Reading, TimerHandle } from '@wardlink/shared';
import { AlarmEngine } from './engine.js';
import type { DeviceInfo } from './technical-device.js';

/** Timers run on the monotonic axis, as Node's do; now() is that plus a wall offset that can step. */
class SteppingClock implements Clock {
  mono = 0;
  private readonly timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  constructor(public wallOffsetMs: number) {}
  now(): number {
    return this.mono + this.wallOffsetMs;
  }
  monotonicMs(): number {
    return this.mono;
  }
  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const t = { at: this.mono + Math.max(0, delayMs), fn, cancelled: false };
    this.timers.push(t);
    const handle: TimerHandle = { cancel: () => void (t.cancelled = true), unref: () => handle };
    return handle;
  }
  setInterval(): TimerHandle {
    throw new Error('the sweep arms one-shot timers');
  }
  advanceTo(monoMs: number): void {
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= monoMs).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      this.mono = due.at;
      due.fn();
    }
    this.mono = monoMs;
  }
}

const T0 = 1_700_000_000_000;
const hl7: DeviceInfo = { deviceId: 'mon-h', bedId: 'bed-1', kind: 'tcp-hl7', format: 'hl7-mllp' };
const kv: DeviceInfo = { deviceId: 'mon-k', bedId: 'bed-2', kind: 'serial', format: 'ascii-kv' };
const reading = (d: DeviceInfo, atMs: number) => ({ gatewayId: 'gw', deviceId: d.deviceId, bedId: d.bedId, patientId: 'P1', metric: 'HR', deviceTimeMs: atMs, receivedAtMs: atMs, value: 70, flags: 0 }) as Reading;

function setUp() {
  const clock = new SteppingClock(T0);
  const engine = new AlarmEngine([], { commLoss: { defaultMs: 5000, byFormat: { 'hl7-mllp': 12_000 } } }, { clock });
  const raised = new Map<string, number>(); // device -> monotonic ms
  engine.events.on('event', (e) => {
    if (e.condition === 'comm-loss' && e.phase === 'raised' && e.deviceId) raised.set(e.deviceId, clock.mono);
  });
  engine.start();
  return { clock, engine, raised };
}

describe('the comm-loss sweep', () => {
  it('is not late when the wall clock steps forward while a longer sweep is armed', () => {
    const { clock, engine, raised } = setUp();
    engine.onRecord([reading(hl7, clock.now())], hl7); // armed for 12.25 s
    clock.advanceTo(500);
    clock.wallOffsetMs += 3_600_000; // NTP steps the wall clock an hour forward
    clock.advanceTo(1000);
    engine.onRecord([reading(kv, clock.now())], kv); // due 5 s after this, on the 250 ms grid
    clock.advanceTo(30_000);
    expect(raised.get('mon-k')).toBeLessThanOrEqual(1000 + 5000 + 250);
    engine.stop();
  });

  it('is not late for a device whose threshold shortened while its records are refused', () => {
    const { clock, engine, raised } = setUp();
    engine.onRecord([reading(hl7, clock.now())], hl7); // 12 s threshold
    clock.advanceTo(1000);
    engine.refusalObserver({ ...hl7, format: 'ascii-kv' }, 'WL_INGEST_PARSE'); // now 5 s, and not heard
    clock.advanceTo(30_000);
    expect(raised.get('mon-h')).toBeLessThanOrEqual(5000 + 250);
    engine.stop();
  });
});
