import { describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { BED_DEVICE, feedSeries, harness, rule, T0 } from './testing/harness.js';

const s = (sec: number) => T0 + sec * 1000;
const technical = (e: { source: string }) => e.source === 'technical';
const { SENSOR_OFF, INVALID, DEMO } = QualityFlag;

describe('technical alarms about devices', () => {
  it('raises sensor-off from flags or a record flag alone, and clears it on the first clean record', () => {
    const h = harness();
    h.feed(s(0), { SPO2: 97, HR: 70 });
    h.feed(s(1), { SPO2: -999, HR: 70 }, { flags: { SPO2: SENSOR_OFF | INVALID } });
    h.feed(s(2), { HR: 70 }, { recordFlags: SENSOR_OFF });
    h.feed(s(3), { SPO2: 97, HR: 70 });
    expect(h.phases(technical)).toEqual(['raised:low:sensor-off', 'cleared:low:sensor-off']);
    expect(h.events.map((e) => e.timeMs - T0)).toEqual([1000, 3000]);
    expect(h.events[0]!.message).toContain('SpO2');
  });

  it('raises invalid-value for an unexplained invalid marker, never a physiological alarm', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) h.feed(s(i), { HR: i === 5 ? -999 : 72 }, { flags: i === 5 ? { HR: INVALID } : {} });
    expect(h.phases()).toEqual(['raised:low:invalid-value:-999', 'cleared:low:invalid-value']);
  });

  it('raises demo-mode for demo data and ignores its fake desaturation', () => {
    const h = harness();
    for (let i = 0; i < 120; i++) h.feed(s(i), { SPO2: i < 100 ? 70 : 97, HR: 150 }, { flags: i < 100 ? { SPO2: DEMO, HR: DEMO } : {} });
    expect(h.phases(technical)).toEqual(['raised:low:demo-mode', 'cleared:low:demo-mode']);
    // HR 150 was demo for 100 s; once real (at 100 s) it needs its own 10 s delay.
    expect(h.phases((e) => e.source === 'physiological')).toEqual(['raised:high:high:150']);
    expect(h.events.find((e) => e.source === 'physiological')!.timeMs).toBe(s(110));
  });

  it('raises comm-loss after the silence threshold, per format, and restarts pending limit conditions', () => {
    const h = harness(undefined, { commLoss: { defaultMs: 5000, byFormat: { 'hl7-mllp': 12_000 } } });
    const hl7 = { deviceId: 'mon-h', bedId: 'bed-2', kind: 'tcp-hl7', format: 'hl7-mllp' };
    for (let i = 0; i <= 3; i++) {
      h.feed(s(i), { SPO2: 85 }); // desaturating, then the monitor goes quiet
      h.feed(s(i), { HR: 70 }, { device: hl7 });
    }
    h.clock.advanceTo(s(30));
    const raised = h.events.filter((e) => e.phase === 'raised');
    expect(raised.map((e) => [e.deviceId, e.condition])).toEqual([
      ['mon-1', 'comm-loss'],
      ['mon-h', 'comm-loss'],
    ]);
    expect(raised[0]!.timeMs - s(3)).toBeGreaterThan(5000);
    expect(raised[0]!.timeMs - s(3)).toBeLessThanOrEqual(5250);
    expect(raised[1]!.timeMs - s(3)).toBeGreaterThan(12_000);
    expect(raised[1]!.timeMs - s(3)).toBeLessThanOrEqual(12_250);
    // The SpO2 condition began at 0 s; the loss at ~8 s cancelled its 10 s delay.
    expect(h.events.some((e) => e.metric === 'SPO2')).toBe(false);
    feedSeries(h, 'SPO2', Array.from({ length: 12 }, () => 85), s(30));
    expect(h.phases()).toEqual(['raised:medium:comm-loss', 'raised:medium:comm-loss', 'cleared:medium:comm-loss', 'raised:medium:low:85']);
    expect(h.events.at(-1)!.timeMs).toBe(s(40));
  });

  it('sweeps on the 250 ms grid after the threshold, and leaves no timer once every device is lost', () => {
    const h = harness(undefined, { commLoss: { defaultMs: 5000 } });
    const other = { deviceId: 'mon-2', bedId: 'bed-2', kind: 'mqtt', format: 'mqtt-json' };
    expect(h.clock.pending, 'nothing heard yet: no sweep').toBe(0);
    h.feed(s(0), { SPO2: 97 });
    h.feed(s(2), { HR: 70 }, { device: other });
    h.feed(s(3), { SPO2: 97 });
    const lost = () => h.events.filter((e) => e.condition === 'comm-loss').map((e) => e.deviceId);
    h.clock.advanceTo(s(7) + 249);
    expect(lost(), 'quiet for the threshold, the next grid point not reached').toEqual([]);
    h.clock.advanceTo(s(7) + 250);
    expect(lost()).toEqual(['mon-2']);
    h.clock.advanceTo(s(8) + 250);
    expect(h.events.filter((e) => e.condition === 'comm-loss').map((e) => [e.deviceId, e.timeMs - T0])).toEqual([
      ['mon-2', 7250],
      ['mon-1', 8250],
    ]);
    // Every device heard is lost: an idle engine wakes for nothing until a device talks again.
    expect(h.clock.pending).toBe(0);
    h.feed(s(20), { SPO2: 97 });
    expect(h.phases(technical)).toEqual(['raised:medium:comm-loss', 'raised:medium:comm-loss', 'cleared:medium:comm-loss']);
    h.clock.advanceTo(s(26));
    expect(h.events.filter((e) => e.condition === 'comm-loss' && e.phase === 'raised').at(-1)!.timeMs).toBe(s(25) + 250);
  });

  it('raises comm-loss on time for a device with a shorter threshold than the one the sweep was armed for', () => {
    const h = harness(undefined, { commLoss: { defaultMs: 5000, byFormat: { 'hl7-mllp': 12_000 } } });
    const hl7 = { deviceId: 'mon-h', bedId: 'bed-2', kind: 'tcp-hl7', format: 'hl7-mllp' };
    h.feed(s(0), { HR: 70 }, { device: hl7 }); // armed for 12 s
    h.feed(s(1), { SPO2: 97 }); // due at 6 s
    h.clock.advanceTo(s(30));
    expect(h.events.filter((e) => e.phase === 'raised').map((e) => [e.deviceId, e.timeMs - T0])).toEqual([
      ['mon-1', 6250],
      ['mon-h', 12_250],
    ]);
  });

  it('does not count the silence while the buffer disk is full (the gateway cut the devices off), and counts it again after', () => {
    const h = harness(undefined, { commLoss: { defaultMs: 5000 } });
    h.feed(s(0), { SPO2: 97 });
    h.engine.onBufferDiskFull(true, 'test');
    h.clock.advanceTo(s(60));
    expect(h.events.filter((e) => e.condition === 'comm-loss')).toEqual([]);
    h.engine.onBufferDiskFull(false);
    h.clock.advanceTo(s(70));
    const lost = h.events.find((e) => e.condition === 'comm-loss' && e.phase === 'raised')!;
    // Silence counted from the last sweep while full (at most sweepEveryMs before its end).
    expect(lost.timeMs - s(60)).toBeGreaterThan(5000 - 250);
    expect(lost.timeMs - s(60)).toBeLessThanOrEqual(5250);
  });

  it('names the refusal when a device is lost because everything it sends is refused', () => {
    const h = harness(undefined, { commLoss: { defaultMs: 5000 } });
    h.feed(s(0), { SPO2: 97 });
    for (let i = 1; i <= 8; i++) {
      h.clock.advanceTo(s(i));
      h.engine.refusalObserver(BED_DEVICE, 'WL_INGEST_UNKNOWN_METRIC');
    }
    h.clock.advanceTo(s(8));
    const lost = h.events.find((e) => e.condition === 'comm-loss')!;
    expect(lost.message).toMatch(/no usable data for more than 5 s: its messages are refused \(WL_INGEST_UNKNOWN_METRIC\)/);
  });

  it('raises device-clock while the device clock is suspect, and patient-mismatch while the device names another patient', () => {
    const h = harness();
    h.feed(s(0), { SPO2: 97 });
    h.feed(s(1), { SPO2: 97 }, { clockSkewMs: 8 * 86_400_000 + 7_200_000 });
    h.feed(s(2), { SPO2: 97 }, { clockSkewMs: 8 * 86_400_000 + 7_201_000 });
    h.feed(s(3), { SPO2: 97 }, { namedPatientId: 'P9' });
    h.feed(s(4), { SPO2: 97 });
    expect(h.phases(technical)).toEqual(['raised:low:device-clock:698400', 'cleared:low:device-clock', 'raised:medium:patient-mismatch', 'cleared:medium:patient-mismatch']);
    expect(h.events[0]!.message).toContain('device clock 8 d 2 h behind');
    expect(h.events[2]!.message).toContain('names patient P9, but pat-1 is admitted');
  });

  it('drops what was pending on a bed when its monitor moves to another bed', () => {
    const h = harness();
    feedSeries(h, 'SPO2', [85, 85, 85, 85, 85], s(0));
    const moved = { ...BED_DEVICE, bedId: 'bed-2' };
    for (let i = 5; i < 30; i++) h.feed(s(i), { SPO2: 97 }, { device: moved });
    expect(h.events).toEqual([]);
  });

  it('raises port-gone instead of comm-loss while the port is gone', () => {
    const h = harness();
    h.feed(s(0), { HR: 70 });
    h.engine.onDeviceLinkChange({ deviceId: BED_DEVICE.deviceId, to: 'gone', atMs: s(1) });
    h.clock.advanceTo(s(60));
    expect(h.phases()).toEqual(['raised:medium:port-gone']);
    h.engine.onDeviceLinkChange({ deviceId: BED_DEVICE.deviceId, to: 'silent', atMs: s(61) });
    expect(h.phases()).toEqual(['raised:medium:port-gone', 'cleared:medium:port-gone']);
  });
});

describe('gateway-wide technical alarms (for IT)', () => {
  it('raises buffer-80 and buffer-95 with 2 points of hysteresis', () => {
    const h = harness([]);
    for (const f of [0.5, 0.81, 0.96, 0.94, 0.96, 0.92, 0.79, 0.8, 0.77]) h.engine.onBufferUsage(f);
    expect(h.phases()).toEqual(['raised:low:buffer-80:81', 'raised:medium:buffer-95:96', 'cleared:medium:buffer-95', 'cleared:low:buffer-80']);
    expect(h.events.every((e) => e.bedId === '-' && e.deviceId === null)).toBe(true);
  });

  it('raises uplink-down only after the uplink has been down for the threshold', () => {
    const h = harness([], { uplinkDownAfterMs: 600_000 });
    h.engine.onUplinkState(false, s(0));
    h.clock.advanceTo(s(300));
    h.engine.onUplinkState(true, s(300));
    h.engine.onUplinkState(false, s(400));
    h.clock.advanceTo(s(999));
    expect(h.events).toEqual([]);
    h.clock.advanceTo(s(1000));
    expect(h.phases()).toEqual(['raised:low:uplink-down']);
    expect(h.engine.activeAlarms()[0]).toMatchObject({ audience: 'it', bedId: '-' });
    h.engine.onUplinkState(true, s(1200));
    expect(h.phases()).toEqual(['raised:low:uplink-down', 'cleared:low:uplink-down']);
  });

  it('latches a technical alarm configured high, like any high alarm', () => {
    const h = harness([rule({ metric: 'HR', highLimit: 120 })], { technical: { 'comm-loss': { priority: 'high' } } });
    h.feed(s(0), { HR: 70 });
    h.clock.advanceTo(s(10));
    h.feed(s(11), { HR: 70 });
    expect(h.phases()).toEqual(['raised:high:comm-loss', 'updated:high:comm-loss']);
    expect(h.engine.activeAlarms()[0]).toMatchObject({ latched: true, conditionPresent: false });
  });
});
