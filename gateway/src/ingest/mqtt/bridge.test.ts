/**
 * Bridge mode against the hospital's broker: the Mosquitto MQTT_URL names (CI), else an
 * aedes broker in this process (testing/external-broker.ts): what is published while the gateway is down waits in its
 * persistent session and is stored once the gateway is back.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { startExternalBroker } from '../../testing/external-broker.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';

const external = await startExternalBroker();
afterAll(() => external.close());
const BROKER = external.url.href;

async function brokerUp(): Promise<boolean> {
  const url = new URL(BROKER);
  return new Promise((resolve) => {
    const s = connect(Number(url.port || 1883), url.hostname);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
const available = await brokerUp();

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  gw?.cleanup();
});

function stored(): { device_id: string; value: number }[] {
  const db = new Database(gw!.config.databasePath, { readonly: true });
  try {
    return db.prepare("SELECT device_id, value FROM readings WHERE metric = 'HR' ORDER BY value").all() as never;
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!available)('MQTT bridge from the hospital broker (Mosquitto)', () => {
  it('stores what was published while the gateway was down, each message once', async () => {
    const prefix = `wltest/${randomUUID()}`;
    const bridgeClientId = `wl-${randomUUID().slice(0, 12)}`;
    gw = await createTestGateway({
      beds: ['bed-01', 'bed-02'],
      devices: [
        { deviceId: 'ext-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' },
        { deviceId: 'ext-2', kind: 'mqtt', bedId: 'bed-02', format: 'mqtt-json' },
      ],
      raw: { mqtt: { host: '127.0.0.1', port: 0, bridge: { url: BROKER, topicFilter: `${prefix}/+/vitals`, clientId: bridgeClientId } } },
    });
    daemon = await startDaemon(gw);
    const monitor = await mqtt.connectAsync(BROKER, { clientId: `mon-${randomUUID().slice(0, 8)}` });
    // One record a second per message (two messages of one device never share a time).
    const base = Date.now() - 100_000;
    const publish = (device: string, hr: number) =>
      monitor.publishAsync(`${prefix}/${device}/vitals`, JSON.stringify({ ts: base + hr * 1000, readings: { HR: hr } }), { qos: 1 });

    await until(() => daemon!.metrics !== undefined);
    await new Promise((r) => setTimeout(r, 300)); // the bridge subscribes after connecting
    await publish('ext-1', 60);
    await until(() => stored().length === 1);

    // The gateway goes down; the hospital broker keeps its session and queues for it.
    await daemon.stop();
    daemon = undefined;
    for (let hr = 61; hr <= 80; hr++) await publish(hr % 2 ? 'ext-1' : 'ext-2', hr);
    await publish('unknown-device', 99);

    daemon = await startDaemon(gw);
    await until(() => stored().length === 21);
    await new Promise((r) => setTimeout(r, 300));
    expect(stored().map((r) => r.value)).toEqual(Array.from({ length: 21 }, (_, i) => 60 + i));
    expect(stored().filter((r) => r.device_id === 'ext-2')).toHaveLength(10);
    const text = await daemon.metrics.text();
    expect(text).toMatch(/wardlink_gateway_rejects_total\{device="unknown",code="WL_INGEST_UNKNOWN_DEVICE"\} 1/);
    await monitor.endAsync();
    await daemon.stop();
    daemon = undefined;
    // Leave no persistent session behind at the shared broker.
    await (await mqtt.connectAsync(BROKER, { clientId: bridgeClientId, clean: true })).endAsync();
  }, 30_000);
});
