import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { packetNumberCacheOn } from './packet-numbers.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
const url = () => `mqtt://127.0.0.1:${daemon.ports.mqtt}`;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    patients: { 'bed-01': 'P0001' },
    devices: [
      { deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' },
      { deviceId: 'mon-2', kind: 'mqtt', bedId: 'bed-02', format: 'mqtt-json', vendorMap: { '61441': 'SPO2' } },
    ],
    raw: { mqtt: { host: '127.0.0.1', port: 0, maxPayloadBytes: 1024 } },
  });
  daemon = await startDaemon(gw);
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

function connect(deviceId: string, password = gw.passwords.get(deviceId)!) {
  return mqtt.connectAsync(url(), { username: deviceId, password, clientId: `${deviceId}-${Math.random()}`, reconnectPeriod: 0 });
}

function clockOf(): { device_clock_ms: number | null; device_time_ms: number; received_at_ms: number }[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT device_clock_ms, device_time_ms, received_at_ms FROM readings ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

function storedReadings(): { device_id: string; bed_id: string; patient_id: string | null; metric: string; value: number; flags: number }[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT device_id, bed_id, patient_id, metric, value, flags FROM readings ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

async function metricValue(name: string, labels: string): Promise<number> {
  const text = await daemon.metrics.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('embedded MQTT broker', () => {
  it('a device that hangs up, or a gateway that stops, is not a malformed frame', async () => {
    const leaving = await connect('mon-1');
    await leaving.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings: { HR: 70 } }), { qos: 1 });
    leaving.stream.destroy(); // the TCP connection drops without a DISCONNECT
    await connect('mon-2'); // still connected when the broker stops
    await new Promise((r) => setTimeout(r, 200));
    await daemon.stop();
    expect(daemon.rejects.countsByCode()).toEqual({});
    daemon = await startDaemon(gw); // for afterEach
  });

  it('stores a QoS 1 reading, with bed and patient, before the PUBACK', async () => {
    const client = await connect('mon-1');
    await client.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now() - 1000, readings: { HR: 72, SPO2: 97, TEMP: 36.6 } }), { qos: 1 });
    // The PUBACK has arrived: the rows must already be committed, visible to another connection.
    expect(storedReadings()).toEqual([
      { device_id: 'mon-1', bed_id: 'bed-01', patient_id: 'P0001', metric: 'HR', value: 72, flags: 0 },
      { device_id: 'mon-1', bed_id: 'bed-01', patient_id: 'P0001', metric: 'SPO2', value: 97, flags: 0 },
      { device_id: 'mon-1', bed_id: 'bed-01', patient_id: 'P0001', metric: 'TEMP', value: 36.6, flags: 0 },
    ]);
    await client.endAsync();
  });

  it("PUBACKs hundreds of packet ids right without mqtt-packet's 6.4 MB number cache (issue 18)", async () => {
    const client = await connect('mon-1');
    const at = Date.now() - 1000;
    // MQTT.js numbers its packets 1, 2, 3...: 300 in flight, each PUBACK matched by its id.
    await Promise.all(Array.from({ length: 300 }, (_, i) => client.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: at + i, readings: { HR: 60 + (i % 40) } }), { qos: 1 })));
    expect(storedReadings()).toHaveLength(300);
    expect(packetNumberCacheOn()).toBe(false);
    // The cache is built at the first write with it on; it never was.
    const numbers = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'))('./numbers.js') as { cache: Record<number, Buffer> };
    expect(Object.keys(numbers.cache)).toHaveLength(0);
    await client.endAsync();
  });

  it('withholds the PUBACK while the buffer cannot commit, and sends it after the commit', async () => {
    const client = await connect('mon-2');
    const blocker = new Database(gw.config.databasePath);
    blocker.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    let acked = false;
    const publish = client
      .publishAsync('wardlink/devices/mon-2/readings', JSON.stringify({ ts: Date.now(), readings: { '61441': 95 } }), { qos: 1 })
      .then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 600));
    expect(acked).toBe(false);
    expect(storedReadings()).toEqual([]);
    blocker.exec('COMMIT');
    blocker.close();
    await publish;
    expect(storedReadings()).toMatchObject([{ device_id: 'mon-2', metric: 'SPO2', value: 95 }]);
    await client.endAsync();
  });

  it('refuses wrong passwords and unknown devices at CONNECT', async () => {
    await expect(connect('mon-1', 'not-the-password')).rejects.toThrow(/Bad username or password/);
    await expect(connect('nobody', 'x')).rejects.toThrow(/Bad username or password/);
    expect(await metricValue('wardlink_gateway_rejects_total', 'code="WL_INGEST_AUTH_FAILED"')).toBe(1);
    expect(await metricValue('wardlink_gateway_rejects_total', 'code="WL_INGEST_UNKNOWN_DEVICE"')).toBe(1);
  });

  it("closes a device that publishes to another device's topic, storing nothing", async () => {
    const client = await connect('mon-1');
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('wardlink/devices/mon-2/readings', JSON.stringify({ ts: Date.now(), readings: { HR: 1 } }), { qos: 1 });
    await closed;
    expect(storedReadings()).toEqual([]);
    expect(await metricValue('wardlink_gateway_rejects_total', 'code="WL_INGEST_TOPIC_DENIED"')).toBe(1);
    client.end(true);
  });

  it('refuses malformed and oversized payloads: no PUBACK, the connection closed, the code counted', async () => {
    const topic = 'wardlink/devices/mon-1/readings';
    for (const payload of ['not json', JSON.stringify({ ts: Date.now(), readings: { HR: 'x'.repeat(1200) } })]) {
      const client = await connect('mon-1');
      const closed = new Promise<void>((r) => client.once('close', () => r()));
      const acked = await Promise.race([client.publishAsync(topic, payload, { qos: 1 }).then(() => true, () => false), closed.then(() => false)]);
      expect(acked).toBe(false);
      await closed;
      client.end(true);
    }
    const client = await connect('mon-1');
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), readings: { HR: 'seventy' } }), { qos: 1 }); // one bad value: the record is fine
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), readings: { HR: 71, NOPE: 3 } }), { qos: 1 });
    expect(storedReadings()).toMatchObject([{ metric: 'HR', value: 71 }]);
    expect(await metricValue('wardlink_gateway_rejects_total', 'code="WL_INGEST_BAD_PAYLOAD"')).toBe(1);
    expect(await metricValue('wardlink_gateway_rejects_total', 'code="WL_INGEST_PAYLOAD_TOO_LARGE"')).toBe(1);
    expect(await metricValue('wardlink_gateway_rejects_total', 'code="WL_INGEST_UNKNOWN_METRIC"')).toBe(1);
    expect(await metricValue('wardlink_gateway_readings_in_total', 'device="mon-1"')).toBe(1);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('stores flagged readings (invalid marker, sensor-off), and keeps a wrong clock\'s readings at the receive time', async () => {
    const client = await connect('mon-1');
    const topic = 'wardlink/devices/mon-1/readings';
    const ahead = Date.now() + 3_600_000;
    const old = Date.now() - 30 * 86_400_000;
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), readings: { SPO2: -999 }, flags: { SPO2: ['sensor-off'] } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: ahead, readings: { HR: 80 } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: old, readings: { HR: 81 } }), { qos: 1 });
    const rows = storedReadings();
    expect(rows).toHaveLength(3); // every PUBACKed reading is stored: none acknowledged and dropped
    expect(rows[0]).toMatchObject({ metric: 'SPO2', value: -999 });
    expect(rows[0]!.flags & 0b11).toBe(0b11); // INVALID | SENSOR_OFF
    expect(rows[1]).toMatchObject({ metric: 'HR', value: 80, flags: 0b1000 }); // CLOCK_SUSPECT
    expect(rows[2]).toMatchObject({ metric: 'HR', value: 81, flags: 0b1000 });
    const clocks = clockOf();
    for (const [i, deviceClock] of [[1, ahead], [2, old]] as const) {
      expect(clocks[i]!.device_clock_ms).toBe(deviceClock); // the device's own time, kept
      expect(clocks[i]!.device_time_ms).toBe(clocks[i]!.received_at_ms); // filed at the receive time
    }
    await client.endAsync();
  });
});
