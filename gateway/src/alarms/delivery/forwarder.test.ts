/**
 * The external forward against a real broker: the Mosquitto MQTT_URL names (CI), else
 * an aedes broker in this process (testing/external-broker.ts),
 * each test under its own topic prefix and client id, cleaned up at the end (retained
 * topics emptied, the persistent session removed). A TCP proxy in front of Mosquitto
 * plays the hospital network going away and coming back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import type { AlarmEvent } from '@wardlink/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { startExternalBroker } from '../../testing/external-broker.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { AlarmForwarder } from './forwarder.js';
import { bedMessage, type AlarmMessage, type BedAlarmPayload } from './messages.js';
import { MqttCollector } from './testing/mqtt-collector.js';

const external = await startExternalBroker();
const MOSQUITTO = external.url;
afterAll(() => external.close());
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function unique(): { prefix: string; clientId: string } {
  const id = randomUUID().slice(0, 8);
  return { prefix: `wardlink-test/${id}/alarms`, clientId: `wl-fwd-test-${id}` };
}

/** Empties the retained topics and drops the forwarder's persistent session on Mosquitto. */
async function cleanMosquitto(clientId: string, retainedTopics: string[]): Promise<void> {
  const c = await mqtt.connectAsync(MOSQUITTO.href, { clientId, clean: true, reconnectPeriod: 0 });
  for (const t of retainedTopics) await c.publishAsync(t, '', { qos: 1, retain: true });
  await c.endAsync();
}

function eventMessage(n: number): AlarmMessage {
  return { kind: 'event', suffix: 'events', retain: false, body: { eventId: `e${n}`, phase: 'raised', bedId: 'bed-1' } as AlarmEvent };
}

/** A TCP proxy to Mosquitto on a fixed port, that can be cut and restored. */
class FlakyLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** TCP connections accepted so far. */
  accepted = 0;
  constructor(readonly port: number) {}
  static async freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  async up(): Promise<void> {
    this.server = createServer((client) => {
      this.accepted += 1;
      const upstream = connect(Number(MOSQUITTO.port || 1883), MOSQUITTO.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => (this.sockets.delete(s), client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }
}

describe('alarm forward to an external broker (Mosquitto)', () => {
  it('forwards the event stream and the retained bed state of a real gateway', async () => {
    const { prefix, clientId } = unique();
    const gw: TestGateway = await createTestGateway({
      beds: ['bed-01'],
      devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
      raw: { alarms: { forward: { url: MOSQUITTO.href, topicPrefix: prefix, clientId } } },
    });
    const pager = await MqttCollector.connect(MOSQUITTO.href, { clientId: `${clientId}-pager` }, [`${prefix}/#`]);
    const daemon: GatewayDaemon = await startDaemon(gw);
    cleanups.push(async () => {
      await pager.end();
      await daemon.stop();
      gw.cleanup();
      await cleanMosquitto(clientId, [`${prefix}/beds/bed-01/active`, `${prefix}/beds/-/active`]);
    });
    await pager.waitFor((m) => m.topic === `${prefix}/beds/bed-01/active`, 5000, 'the initial bed state on Mosquitto');
    const mon = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: 'mon-1', reconnectPeriod: 0 });
    const sentAt = Date.now();
    await mon.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings: { NIBP_SYS: 228 } }), { qos: 1 });
    await mon.endAsync();
    const raised = await pager.waitFor<AlarmEvent>((m) => m.topic === `${prefix}/events` && m.body.phase === 'raised');
    expect(raised.body).toMatchObject({ bedId: 'bed-01', metric: 'NIBP_SYS', priority: 'high', value: 228 });
    expect(raised.atMs - sentAt).toBeLessThan(1000);
    // A pager that connects later gets the bed's state, retained by Mosquitto.
    const late = await MqttCollector.connect(MOSQUITTO.href, { clientId: `${clientId}-late` }, [`${prefix}/beds/+/active`]);
    cleanups.push(() => late.end());
    const state = await late.waitFor<BedAlarmPayload>((m) => m.topic === `${prefix}/beds/bed-01/active`);
    expect(state.retain).toBe(true);
    expect(state.body.alarms).toMatchObject([{ alarmId: raised.body.alarmId, priority: 'high' }]);
  });

  it('queues within its bound while the broker is away, then sends in order on reconnect', async () => {
    const { prefix, clientId } = unique();
    const link = new FlakyLink(await FlakyLink.freePort());
    const fwd = new AlarmForwarder({ url: `mqtt://127.0.0.1:${link.port}`, topicPrefix: prefix, clientId, maxQueued: 5, reconnectPeriodMs: 100 });
    const pager = await MqttCollector.connect(MOSQUITTO.href, { clientId: `${clientId}-pager` }, [`${prefix}/#`]);
    cleanups.push(async () => {
      await fwd.stop(0);
      await link.down();
      await pager.end();
      await cleanMosquitto(clientId, [`${prefix}/beds/bed-1/active`]);
    });
    fwd.start(); // nothing listens yet: it keeps retrying
    fwd.deliver(bedMessage({ bedId: 'bed-1', highest: 'high', alarms: [] }, 1));
    for (let n = 1; n <= 6; n++) fwd.deliver(eventMessage(n));
    fwd.deliver(bedMessage({ bedId: 'bed-1', highest: null, alarms: [] }, 2)); // merged into the queued state
    await new Promise((r) => setTimeout(r, 300));
    expect(fwd.connected).toBe(false);
    expect(fwd.queue.length).toBe(5); // the bound
    expect(fwd.queue.counters).toMatchObject({ eventsDropped: 2, bedStatesMerged: 1 });

    await link.up();
    await pager.waitFor((m) => m.topic === `${prefix}/events` && (m.body as AlarmEvent).eventId === 'e6', 5000, 'the queued events after reconnect');
    expect(pager.on(`${prefix}/events`).map((m) => (m.body as AlarmEvent).eventId)).toEqual(['e3', 'e4', 'e5', 'e6']);
    expect(pager.on(`${prefix}/beds/bed-1/active`).map((m) => (m.body as BedAlarmPayload).atMs)).toEqual([2]);

    // The link drops and comes back: the forward reconnects by itself and goes on.
    await link.down();
    await new Promise((r) => setTimeout(r, 200));
    expect(fwd.connected).toBe(false);
    fwd.deliver(eventMessage(7));
    await link.up();
    await pager.waitFor((m) => m.topic === `${prefix}/events` && (m.body as AlarmEvent).eventId === 'e7', 5000, 'e7 after the second reconnect');
    await expect.poll(() => fwd.forwarded).toBe(6); // the bed state and e3..e7, each acknowledged once
  });

  it('connects nothing when stopped while mqtt.js is still loading, and connects when started again', async () => {
    const { prefix, clientId } = unique();
    const link = new FlakyLink(await FlakyLink.freePort());
    await link.up();
    const fwd = new AlarmForwarder({ url: `mqtt://127.0.0.1:${link.port}`, topicPrefix: prefix, clientId, reconnectPeriodMs: 100 });
    cleanups.push(async () => {
      await fwd.stop(0);
      await link.down();
      await cleanMosquitto(clientId, []);
    });
    fwd.start(); // mqtt.js is loaded by start() (the daemon does not wait for it)
    await fwd.stop(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(link.accepted).toBe(0);
    expect(fwd.connected).toBe(false);

    fwd.start();
    await expect.poll(() => fwd.connected).toBe(true);
    expect(link.accepted).toBe(1);
  });
});
