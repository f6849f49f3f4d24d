/**
 * Records that share a device time with another of other values, on the real daemon (HL7
 * over MLLP/TCP, MQTT over TCP): a clock stamped to the second with two records in one
 * second, a clock stepped back onto times it used, an NIBP repeated with its own time in
 * every record of a stopped clock, and a copy redelivered after a restart before the
 * monitor's queue. Every acknowledged new reading is stored, once, and no technical alarm
 * is raised for a clock that is right. (device-clock.ts, recent-device-times.ts)
 */
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, readingRows, startDaemon, type TestGateway } from '../testing/fixture.js';
import { MllpClient } from './testing/mllp-client.js';
import { oruMessage } from './testing/oru-message.js';

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;

async function start(maxLagMs: number): Promise<{ gw: TestGateway; daemon: GatewayDaemon }> {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    patients: { 'bed-01': 'P1', 'bed-02': 'P2' },
    devices: [
      { deviceId: 'mon-mq', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' },
      { deviceId: 'mon-hl7', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'MON-HL7' },
    ],
    raw: { ingest: { silentAfterMs: 5000, maxLagMs } },
  });
  daemon = await startDaemon(gw);
  return { gw, daemon };
}
afterEach(async () => {
  await daemon?.stop();
  gw?.cleanup();
  gw = undefined;
  daemon = undefined;
});

interface Row {
  metric: string;
  value: number;
  flags: number;
  device_time_ms: number;
  device_clock_ms: number | null;
}
const rowsOf = (deviceId: string) => readingRows<Row>(gw!, deviceId, 'metric, value, flags, device_time_ms, device_clock_ms');
function clockAlarmPhases(): string[] {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT phase FROM alarm_events WHERE condition = 'device-clock' ORDER BY id").pluck().all() as string[];
  } finally {
    db.close();
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const oru = (controlId: string, timeMs: number, spo2: number, nibpAtMs?: number, nibpBetween?: boolean) =>
  oruMessage({ sender: 'MON-HL7', patientId: 'P2', bedId: 'bed-02', controlId, timeMs, spo2, ...(nibpAtMs === undefined ? {} : { nibpAtMs }), ...(nibpBetween ? { nibpBetween } : {}) });
const spo2Of = (rows: Row[]) => rows.filter((r) => r.metric === 'SPO2');

describe('records at a device time another record used', () => {
  it('from a clock stamped to the second, two a second: all stored, none suspect, no device-clock alarm', async () => {
    const { daemon } = await start(60_000);
    const client = await MllpClient.open(daemon.ports.hl7);
    const T0 = Math.floor(Date.now() / 1000) * 1000;
    for (let n = 0; n < 8; n++) {
      expect((await client.request(oru(`A${n}`, T0 + Math.floor(n / 2) * 1000, 90 + n)))[1]).toBe('AA');
      await sleep(100);
    }
    client.socket.destroy();
    const spo2 = spo2Of(rowsOf('mon-hl7'));
    expect(spo2.map((r) => r.value)).toEqual([90, 91, 92, 93, 94, 95, 96, 97]);
    expect(spo2.filter((r) => r.flags & QualityFlag.CLOCK_SUSPECT)).toEqual([]);
    // Each second's second record within that second, after its first.
    for (let s = 0; s < 4; s++) {
      const [a, b] = [spo2[2 * s]!.device_time_ms, spo2[2 * s + 1]!.device_time_ms];
      expect(a).toBe(T0 + s * 1000);
      expect(b).toBeGreaterThan(a);
      expect(b).toBeLessThan(a + 1000);
    }
    expect(clockAlarmPhases()).toEqual([]);
  });

  it('from a clock stepped back 2 s: every acknowledged new reading is stored', async () => {
    const { daemon } = await start(60_000);
    const client = await MllpClient.open(daemon.ports.hl7);
    const T0 = Math.floor(Date.now() / 1000) * 1000 - 5000;
    const seconds = [0, 1, 2, 3, 2, 3, 4]; // the monitor's time is set back 2 s after T0 + 3
    for (let i = 0; i < seconds.length; i++) {
      expect((await client.request(oru(`B${i}`, T0 + seconds[i]! * 1000, 90 + i)))[1]).toBe('AA');
      await sleep(i === 3 ? 2100 : 50);
    }
    client.socket.destroy();
    const spo2 = spo2Of(rowsOf('mon-hl7'));
    expect(spo2.map((r) => r.value)).toEqual([90, 91, 92, 93, 94, 95, 96]);
    // The two at reused times are kept apart, suspect, with the device's time as evidence.
    expect(spo2.slice(4, 6).map((r) => [r.flags & QualityFlag.CLOCK_SUSPECT, r.device_clock_ms])).toEqual([
      [QualityFlag.CLOCK_SUSPECT, T0 + 2000],
      [QualityFlag.CLOCK_SUSPECT, T0 + 3000],
    ]);
    expect(new Set(spo2.map((r) => r.device_time_ms)).size).toBe(7);
  });

  it('from a clock stepped back 40 s (past the 32 times the clock check remembers): every acknowledged new reading is stored', async () => {
    const { daemon } = await start(120_000);
    const client = await MllpClient.open(daemon.ports.hl7);
    const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    // 45 records a second apart on the monitor's clock, then its time is set back 40 s
    // (NTP on the monitor) and it goes on: 41 records at times it used, with new values.
    const seconds = [...Array.from({ length: 45 }, (_, s) => s), ...Array.from({ length: 41 }, (_, s) => s + 4)];
    for (let i = 0; i < seconds.length; i++) {
      expect((await client.request(oru(`S${i}`, T0 + seconds[i]! * 1000, 60 + (i % 40))))[1]).toBe('AA');
    }
    client.socket.destroy();
    const rows = rowsOf('mon-hl7');
    const spo2 = spo2Of(rows);
    expect(spo2.map((r) => r.value)).toEqual(seconds.map((_, i) => 60 + (i % 40)));
    // The pulse rate repeats 88 in every record: the stepped-back records' are new too.
    expect(rows.filter((r) => r.metric === 'PR')).toHaveLength(seconds.length);
    // Kept apart from the readings they share a device time with: one time each.
    expect(new Set(spo2.map((r) => r.device_time_ms)).size).toBe(seconds.length);
    const again = spo2.slice(45);
    expect(again.every((r) => (r.flags & QualityFlag.CLOCK_SUSPECT) !== 0)).toBe(true);
    expect(again.map((r) => r.device_clock_ms)).toEqual(seconds.slice(45).map((s) => T0 + s * 1000));
    // Past what the clock check remembers, the buffer's duplicate filter told them apart.
    expect(Number(/^wardlink_gateway_retimed_readings_total (\d+)/m.exec(await daemon.metrics.text())?.[1])).toBeGreaterThan(0);
  });

  it('from a clock stepped back 40 s, an NIBP with its own time between SpO2 and pulse rate: every new reading stored, the NIBP once', async () => {
    const { daemon } = await start(120_000);
    const client = await MllpClient.open(daemon.ports.hl7);
    const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const nibpAt = T0 - 60_000;
    const seconds = [...Array.from({ length: 45 }, (_, s) => s), ...Array.from({ length: 41 }, (_, s) => s + 4)];
    for (let i = 0; i < seconds.length; i++) {
      expect((await client.request(oru(`N${i}`, T0 + seconds[i]! * 1000, 60 + (i % 40), nibpAt, true)))[1]).toBe('AA');
    }
    client.socket.destroy();
    const rows = rowsOf('mon-hl7');
    expect(rows.filter((r) => r.metric === 'SPO2')).toHaveLength(seconds.length);
    expect(rows.filter((r) => r.metric === 'PR')).toHaveLength(seconds.length);
    expect(rows.filter((r) => r.metric === 'NIBP_SYS')).toHaveLength(1);
  });

  it('a copy of the second record of a second, redelivered over MQTT, is stored once', async () => {
    const { daemon, gw } = await start(60_000);
    const topic = 'wardlink/devices/mon-mq/readings';
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-mq', password: gw.passwords.get('mon-mq')!, reconnectPeriod: 0 });
    const T = Math.floor(Date.now() / 1000) * 1000;
    await c.publishAsync(topic, JSON.stringify({ ts: T, readings: { SPO2: 97, PR: 80 } }), { qos: 1 });
    await sleep(300);
    const second = JSON.stringify({ ts: T, readings: { SPO2: 96, PR: 81 } }); // filed within second T
    await c.publishAsync(topic, second, { qos: 1 });
    await sleep(300);
    await c.publishAsync(topic, second, { qos: 1 }); // its PUBACK was lost: the monitor sends it again
    await c.endAsync();
    expect(rowsOf('mon-mq').filter((r) => r.metric === 'SPO2').map((r) => r.value)).toEqual([97, 96]);
  });

  it('of a stopped clock, each repeating an NIBP with its own earlier time: that NIBP is stored once, at its own time', async () => {
    const { daemon } = await start(60_000);
    const client = await MllpClient.open(daemon.ports.hl7);
    const T = Math.floor(Date.now() / 1000) * 1000;
    const nibpAt = T - 5 * 60_000 + 7000; // measured ~5 min before, in OBX-14
    for (let i = 0; i < 4; i++) {
      expect((await client.request(oru(`F${i}`, T, 90 + i, nibpAt)))[1]).toBe('AA');
      if (i === 0) await sleep(2100);
    }
    client.socket.destroy();
    const rows = rowsOf('mon-hl7');
    expect(spo2Of(rows).map((r) => r.value)).toEqual([90, 91, 92, 93]);
    expect(rows.filter((r) => r.metric === 'NIBP_SYS')).toEqual([{ metric: 'NIBP_SYS', value: 120, flags: 0, device_time_ms: nibpAt, device_clock_ms: null }]);
  });

  it('a copy redelivered after a restart, before the queue: the queue keeps its own times and no alarm is raised', async () => {
    const lagMs = 2000;
    let { daemon: d } = await start(lagMs);
    const topic = 'wardlink/devices/mon-mq/readings';
    const options = { username: 'mon-mq', password: gw!.passwords.get('mon-mq')!, reconnectPeriod: 0 };
    const before = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, options);
    // Stamped once connected: on a loaded machine a connect can take longer than the lag window.
    const liveAt = Date.now();
    const last = JSON.stringify({ ts: liveAt, readings: { SPO2: 97 } });
    await before.publishAsync(topic, last, { qos: 1 });
    await before.endAsync();
    await d.stop();
    await sleep(3 * lagMs); // down for longer than the lag window: the queue replayed is a backlog
    d = daemon = await startDaemon(gw!);
    const after = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, options);
    await after.publishAsync(topic, last, { qos: 1 }); // its PUBACK was lost in the restart
    for (let i = 1; i <= 3; i++) await after.publishAsync(topic, JSON.stringify({ ts: liveAt + i * 1000, readings: { SPO2: 96 } }), { qos: 1 });
    await after.endAsync();
    const rows = rowsOf('mon-mq');
    expect(rows.map((r) => [r.device_time_ms, r.flags])).toEqual([0, 1, 2, 3].map((i) => [liveAt + i * 1000, 0]));
    expect(clockAlarmPhases()).toEqual([]);
  });

  it("of a clock that stopped before a gateway restart: still stopped after it, a steady patient's records kept", async () => {
    let { daemon: d } = await start(60_000);
    const topic = 'wardlink/devices/mon-mq/readings';
    const options = { username: 'mon-mq', password: gw!.passwords.get('mon-mq')!, reconnectPeriod: 0 };
    const ts = Date.now();
    const steady = JSON.stringify({ ts, readings: { SPO2: 96, PR: 80 } });
    let c = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, options);
    await c.publishAsync(topic, JSON.stringify({ ts, readings: { SPO2: 97, PR: 80 } }), { qos: 1 });
    await sleep(2100);
    await c.publishAsync(topic, steady, { qos: 1 }); // a new value: the clock stopped
    await c.publishAsync(topic, steady, { qos: 1 }); // the patient steady: kept while it stands still
    await c.endAsync();
    expect(rowsOf('mon-mq')).toHaveLength(6);
    await d.stop();
    d = daemon = await startDaemon(gw!);
    c = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, options);
    for (let i = 0; i < 3; i++) await c.publishAsync(topic, steady, { qos: 1 }); // still steady, the clock still stopped
    await c.endAsync();
    const rows = rowsOf('mon-mq');
    expect(rows).toHaveLength(12);
    expect(rows.slice(2).every((r) => r.flags & QualityFlag.CLOCK_SUSPECT && r.device_clock_ms === ts)).toBe(true);
    expect(new Set(rows.filter((r) => r.metric === 'SPO2').map((r) => r.device_time_ms)).size).toBe(6);
  });

  it('from a clock stamped to the second, a record of 13 metrics: a new value of the last one in the second record is stored', async () => {
    const { daemon: d, gw: g } = await start(60_000);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, { username: 'mon-mq', password: g.passwords.get('mon-mq')!, reconnectPeriod: 0 });
    const T = Math.floor(Date.now() / 1000) * 1000;
    const all13 = { SPO2: 97, HR: 80, PR: 80, PI: 1.5, RR: 16, NIBP_SYS: 120, NIBP_DIA: 80, NIBP_MEAN: 93, ABP_SYS: 118, ABP_DIA: 78, ABP_MEAN: 91, TEMP: 36.8, ETCO2: 38 };
    await c.publishAsync('wardlink/devices/mon-mq/readings', JSON.stringify({ ts: T, readings: all13 }), { qos: 1 });
    await sleep(400);
    await c.publishAsync('wardlink/devices/mon-mq/readings', JSON.stringify({ ts: T, readings: { ...all13, ETCO2: 41 } }), { qos: 1 });
    await c.endAsync();
    expect(rowsOf('mon-mq').filter((r) => r.metric === 'ETCO2').map((r) => r.value)).toEqual([38, 41]);
  });

  it('after a restart, of a clock that stopped whose last record also brought an NIBP with its own time: still stopped', async () => {
    let { daemon: d } = await start(60_000);
    let client = await MllpClient.open(d.ports.hl7);
    const T = Math.floor(Date.now() / 1000) * 1000;
    expect((await client.request(oru('H0', T, 90)))[1]).toBe('AA');
    await sleep(2100);
    expect((await client.request(oru('H1', T, 91)))[1]).toBe('AA'); // stopped
    expect((await client.request(oru('H2', T, 91, T + 1500)))[1]).toBe('AA'); // steady, and an NIBP measured (its row comes first)
    client.socket.destroy();
    await d.stop();
    d = daemon = await startDaemon(gw!);
    client = await MllpClient.open(d.ports.hl7);
    for (let i = 3; i < 6; i++) expect((await client.request(oru(`H${i}`, T, 91, T + 1500)))[1]).toBe('AA'); // steady, the clock still stopped
    client.socket.destroy();
    const rows = rowsOf('mon-hl7');
    expect(spo2Of(rows)).toHaveLength(6);
    expect(rows.filter((r) => r.metric === 'NIBP_SYS')).toHaveLength(1);
  });

  it('after a restart, from a clock stamped to the second: a record of the last second, in flight during the restart, is stored', async () => {
    const started = await start(60_000);
    let d = started.daemon;
    const g = started.gw;
    const topic = 'wardlink/devices/mon-mq/readings';
    const options = { username: 'mon-mq', password: g.passwords.get('mon-mq')!, reconnectPeriod: 0 };
    let c = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, options);
    const T = Math.floor(Date.now() / 1000) * 1000;
    await c.publishAsync(topic, JSON.stringify({ ts: T, readings: { SPO2: 97, HR: 80 } }), { qos: 1 });
    await sleep(300);
    await c.publishAsync(topic, JSON.stringify({ ts: T, readings: { SPO2: 96, HR: 81 } }), { qos: 1 }); // filed within second T
    await c.endAsync();
    await d.stop();
    d = daemon = await startDaemon(g);
    c = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.ports.mqtt}`, options);
    await c.publishAsync(topic, JSON.stringify({ ts: T, readings: { SPO2: 95, HR: 82 } }), { qos: 1 });
    await c.endAsync();
    expect(spo2Of(rowsOf('mon-mq')).map((r) => r.value)).toEqual([97, 96, 95]);
  });
});
