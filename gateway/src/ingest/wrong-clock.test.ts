/**
 * Monitors with wrong clocks, on the real daemon (MQTT over TCP, HL7 over MLLP/TCP): a
 * clock 8 days behind (a flat clock battery) and one an hour ahead. Every acknowledged
 * reading is stored, at the gateway's receive time, flagged CLOCK_SUSPECT with the device's
 * own time kept; the desaturation still raises its alarm; a device-clock technical alarm
 * says why; the device shows connected only while it delivers usable readings.
 */
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, readingRows, startDaemon, type TestGateway } from '../testing/fixture.js';
import { MllpClient } from './testing/mllp-client.js';
import { oruMessage } from './testing/oru-message.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
const DAY = 86_400_000;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02', 'bed-03'],
    patients: { 'bed-01': 'P1', 'bed-02': 'P2', 'bed-03': 'P3' },
    devices: [
      { deviceId: 'mon-old', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' },
      { deviceId: 'mon-ahead', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'MON-AHEAD' },
      { deviceId: 'mon-garbled', kind: 'mqtt', bedId: 'bed-03', format: 'mqtt-json' },
    ],
    // A 1 s lag window lets a short restart stand for a long outage (see the replay test).
    raw: { ingest: { silentAfterMs: 1000, maxLagMs: 1000 } },
  });
  daemon = await startDaemon(gw);
  // A quick desaturation rule for the test's time scale (the ward default waits 10 s).
  daemon.alarms.rules.add({ scope: 'ward', metric: 'SPO2', lowLimit: 88, lowPriority: 'high', delayMs: 500 });
  daemon.alarms.engine.setRules(daemon.alarms.rules.list());
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

interface Row {
  device_id: string;
  metric: string;
  value: number;
  flags: number;
  device_time_ms: number;
  received_at_ms: number;
  device_clock_ms: number | null;
}

const rowsOf = (deviceId: string) => readingRows<Row>(gw, deviceId, 'device_id, metric, value, flags, device_time_ms, received_at_ms, device_clock_ms');

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const stateOf = (deviceId: string) => daemon.deviceStates.snapshot().find((d) => d.deviceId === deviceId)?.state;
const alarmsOf = (bedId: string) => daemon.alarms.engine.activeAlarms().filter((a) => a.bedId === bedId);

const oru = (controlId: string, timeMs: number, spo2: number) => oruMessage({ sender: 'MON-AHEAD', patientId: 'P2', bedId: 'bed-02', controlId, timeMs, spo2 });

describe('a monitor whose clock is wrong', () => {
  it('8 days behind, over MQTT: every PUBACKed reading is stored at the receive time and the desaturation alarms', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-old', password: gw.passwords.get('mon-old')!, reconnectPeriod: 0 });
    const sent: number[] = [];
    for (let i = 0; i < 6; i++) {
      const ts = Date.now() - 8 * DAY;
      sent.push(ts);
      await client.publishAsync('wardlink/devices/mon-old/readings', JSON.stringify({ ts, readings: { SPO2: 80, PR: 150 } }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 150));
    }
    const rows = rowsOf('mon-old');
    expect(rows).toHaveLength(12); // none acknowledged and dropped
    for (const r of rows) {
      expect(r.flags & QualityFlag.CLOCK_SUSPECT).toBeTruthy();
      expect(r.device_time_ms).toBe(r.received_at_ms);
      expect(sent).toContain(r.device_clock_ms);
    }
    const desat = await until('the desaturation alarm', () => alarmsOf('bed-01').find((a) => a.metric === 'SPO2'));
    expect(desat).toMatchObject({ priority: 'high', patientId: 'P1', condition: 'low' });
    const clock = alarmsOf('bed-01').find((a) => a.condition === 'device-clock');
    expect(clock).toMatchObject({ deviceId: 'mon-old', source: 'technical', audience: 'nurse' });
    expect(clock!.message).toMatch(/device clock 8 d .*behind/);
    expect(stateOf('mon-old')).toBe('connected');
    // The clock is set right: the technical alarm ends with the first trusted record.
    await client.publishAsync('wardlink/devices/mon-old/readings', JSON.stringify({ ts: Date.now(), readings: { SPO2: 97 } }), { qos: 1 });
    await until('the device-clock alarm to end', () => !alarmsOf('bed-01').some((a) => a.condition === 'device-clock' && a.conditionPresent));
    expect(rowsOf('mon-old').at(-1)).toMatchObject({ flags: 0, device_clock_ms: null });
    await client.endAsync();
  });

  it('1 hour ahead, over HL7/TCP: stored with the receive time, ACKed AA, and the desaturation alarms', async () => {
    const client = await MllpClient.open(daemon.ports.hl7);
    for (let i = 0; i < 5; i++) {
      // One record a second, as a monitor sends them (HL7 times are to the second).
      const fields = await client.request(oru(`C${i}`, Date.now() + 3_600_000 + i * 1000, 81));
      expect(fields[1]).toBe('AA');
      await new Promise((r) => setTimeout(r, 150));
    }
    const rows = rowsOf('mon-ahead');
    expect(rows).toHaveLength(10);
    for (const r of rows) {
      expect(r.flags & QualityFlag.CLOCK_SUSPECT).toBeTruthy();
      expect(r.device_clock_ms! - r.received_at_ms).toBeGreaterThan(3_500_000);
    }
    await until('the desaturation alarm', () => alarmsOf('bed-02').find((a) => a.metric === 'SPO2' && a.priority === 'high'));
    expect(alarmsOf('bed-02').find((a) => a.condition === 'device-clock')?.message).toMatch(/device clock (59 min|1 h) .*ahead/);
    client.socket.destroy();
  });

  it('stopped, over MQTT: each new record at the one time is stored apart, a re-sent copy once, and the nurse is told', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-old', password: gw.passwords.get('mon-old')!, reconnectPeriod: 0 });
    const topic = 'wardlink/devices/mon-old/readings';
    const ts = Date.now(); // within this fixture's 1 s lag window: trusted
    const first = JSON.stringify({ ts, readings: { SPO2: 97, PR: 80 } });
    await client.publishAsync(topic, first, { qos: 1 });
    await client.publishAsync(topic, first, { qos: 1 }); // its PUBACK lost: the same message again
    // (Within 2 s of the first, a new value at its time is taken for a clock stamped to the
    // second with two records in one second: shared-device-time.test.ts.)
    await new Promise((r) => setTimeout(r, 2100));
    // The clock has stopped: ten new records with that one time, in a burst.
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.publishAsync(topic, JSON.stringify({ ts, readings: { SPO2: 90 + i, PR: 80 } }), { qos: 1 })));
    const rows = rowsOf('mon-old');
    expect(rows).toHaveLength(22); // the first record once, and every new one
    expect(rows.slice(0, 2)).toMatchObject([
      { metric: 'SPO2', value: 97, flags: 0, device_time_ms: ts, device_clock_ms: null },
      { metric: 'PR', value: 80, flags: 0, device_time_ms: ts, device_clock_ms: null },
    ]);
    const stopped = rows.slice(2);
    expect(stopped.filter((r) => r.metric === 'SPO2').map((r) => r.value)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    for (const r of stopped) {
      expect(r.flags & QualityFlag.CLOCK_SUSPECT).toBeTruthy();
      expect(r.device_clock_ms).toBe(ts);
      expect(r.device_time_ms).toBeGreaterThanOrEqual(r.received_at_ms);
    }
    // Filed at ten distinct, increasing times (a record's two readings share one): the
    // cloud keys a reading by its time, where ten readings at one time would be one.
    const times = stopped.filter((r) => r.metric === 'SPO2').map((r) => r.device_time_ms);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(10);
    const clock = await until('the device-clock alarm', () => alarmsOf('bed-01').find((a) => a.condition === 'device-clock' && a.conditionPresent));
    expect(clock.message).toContain(`device clock stopped at ${new Date(ts).toISOString()}`);
    // Its clock runs again: trusted from its first record, and the technical alarm ends.
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), readings: { SPO2: 96, PR: 81 } }), { qos: 1 });
    await until('the device-clock alarm to end', () => !alarmsOf('bed-01').some((a) => a.condition === 'device-clock' && a.conditionPresent));
    expect(rowsOf('mon-old').at(-1)).toMatchObject({ flags: 0, device_clock_ms: null });
    await client.endAsync();
  });

  it('stopped, over HL7/TCP, across a gateway restart: still stopped after it, every record kept', async () => {
    const T = Math.floor(Date.now() / 1000) * 1000; // HL7 times are to the second
    let client = await MllpClient.open(daemon.ports.hl7);
    expect((await client.request(oru('C0', T, 97)))[1]).toBe('AA');
    await new Promise((r) => setTimeout(r, 2100)); // longer than a clock stamped to the second could explain
    expect((await client.request(oru('C1', T, 96)))[1]).toBe('AA'); // the clock stands still
    client.socket.destroy();
    await daemon.stop();
    daemon = await startDaemon(gw);
    client = await MllpClient.open(daemon.ports.hl7);
    // Its ACK was lost in the restart: while the clock stands still a copy cannot be told
    // from a steady patient's next record, and is kept rather than a new reading dropped.
    expect((await client.request(oru('C1', T, 96)))[1]).toBe('AA');
    expect((await client.request(oru('C2', T, 95)))[1]).toBe('AA');
    client.socket.destroy();
    const spo2 = rowsOf('mon-ahead').filter((r) => r.metric === 'SPO2');
    expect(spo2.map((r) => [r.value, r.device_clock_ms ?? r.device_time_ms])).toEqual([
      [97, T],
      [96, T],
      [96, T],
      [95, T],
    ]);
    // (The first is trusted or not by its lag: this fixture's window is 1 s.) The later
    // ones are the stopped clock's, each filed at its receive time.
    expect(spo2.slice(1).every((r) => r.flags & QualityFlag.CLOCK_SUSPECT && r.device_time_ms === r.received_at_ms)).toBe(true);
  });

  it('a monitor with a good clock that replays its queue after a gateway restart keeps its own times', async () => {
    const topic = 'wardlink/devices/mon-old/readings';
    const options = { username: 'mon-old', password: gw.passwords.get('mon-old')!, reconnectPeriod: 0 };
    const liveAt = Date.now();
    const first = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, options);
    await first.publishAsync(topic, JSON.stringify({ ts: liveAt, readings: { SPO2: 97 } }), { qos: 1 });
    await first.endAsync();
    await daemon.stop();
    // Down for longer than the lag window (1 s here; 5 min by default).
    await new Promise((r) => setTimeout(r, 2000));
    daemon = await startDaemon(gw);
    // The monitor replays 20 records it queued, starting right after its last one: older
    // than the lag window, but continuing the timeline the buffer remembers, and catching up.
    const replay = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, options);
    for (let i = 1; i <= 20; i++) await replay.publishAsync(topic, JSON.stringify({ ts: liveAt + i * 1000, readings: { SPO2: 96 } }), { qos: 1 });
    await replay.endAsync();
    const rows = rowsOf('mon-old');
    expect(rows).toHaveLength(21);
    expect(rows.every((r) => r.flags === 0 && r.device_clock_ms === null)).toBe(true);
    expect(rows.map((r) => r.device_time_ms)).toEqual(Array.from({ length: 21 }, (_, i) => liveAt + i * 1000));
  });

  it('a device whose every message is refused is not shown as connected', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-garbled', password: gw.passwords.get('mon-garbled')!, reconnectPeriod: 0 });
    const topic = 'wardlink/devices/mon-garbled/readings';
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), readings: { SPO2: 97 } }), { qos: 1 });
    expect(stateOf('mon-garbled')).toBe('connected');
    // Then only values it cannot be keyed by (an unmapped private code): PUBACKed (the
    // device must not resend them forever), counted, and the device is not talking to us.
    const stop = Date.now() + 2500;
    while (Date.now() < stop) {
      await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), readings: { ACME_SAT: 97 } }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stateOf('mon-garbled')).toBe('silent');
    expect(rowsOf('mon-garbled')).toHaveLength(1);
    expect(daemon.rejects.countsByCode().WL_INGEST_UNKNOWN_METRIC).toBeGreaterThan(10);
    await client.endAsync();
  });
});
