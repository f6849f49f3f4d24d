/**
 * The watchdog: an alarm manager that does not answer raises `alarm-manager-down` on
 * the ward's own alarm path (the local broker's topics, which the nurse-station page and
 * pagers read, and the engine's active list), for the nurses; it clears when the manager
 * answers (a keep-alive, with no alarm to send).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { AlarmEvent } from '@wardlink/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlarmDelivery } from '../delivery/alarm-delivery.js';
import { MqttCollector } from '../delivery/testing/mqtt-collector.js';
import { harness, type Harness } from '../testing/harness.js';
import { tempDb, type TempDb } from '../testing/temp-db.js';
import type { Pcd04Reporter } from './reporter.js';
import { AlarmManagerStub } from './testing/alarm-manager-stub.js';
import { freePort, startReporter } from './testing/start-reporter.js';

let broker: Aedes;
let server: Server;
let h: Harness;
let delivery: AlarmDelivery;
let sub: MqttCollector;
let db: TempDb;
let stub: AlarmManagerStub;
let reporter: Pcd04Reporter | null = null;

beforeEach(async () => {
  broker = new Aedes();
  await broker.listen();
  server = createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  h = harness();
  delivery = new AlarmDelivery({ engine: h.engine, broker, beds: () => ['bed-1'], clock: h.clock });
  delivery.start();
  sub = await MqttCollector.connect(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, { clientId: 'nurse-call-viewer' }, ['wardlink/alarms/#']);
  db = tempDb('wl-pcd04-watchdog-');
  stub = new AlarmManagerStub();
});
afterEach(async () => {
  reporter?.stop();
  await stub.close();
  await sub.end();
  await delivery.stop();
  h.engine.stop();
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
  db.cleanup();
});

const isManagerDown = (phase: string) => (m: { topic: string; body: AlarmEvent }) => m.topic === 'wardlink/alarms/events' && m.body.condition === 'alarm-manager-down' && m.body.phase === phase;

describe('the alarm manager watchdog', () => {
  it('raises alarm-manager-down for the nurses when the manager does not answer, and clears it when it does', async () => {
    const port = await freePort();
    reporter = startReporter(db.connect(), h.engine, port, { downAfterMs: 2000, keepAliveIntervalMs: 1000, maxBackoffMs: 1000 });
    const raised = await sub.waitFor<AlarmEvent>(isManagerDown('raised'), 10_000, 'alarm-manager-down raised');
    expect(raised.body).toMatchObject({ bedId: '-', source: 'technical', priority: 'medium' });
    expect(raised.body.message).toMatch(/not taking alarms/);
    const active = h.engine.activeAlarms().find((a) => a.condition === 'alarm-manager-down');
    expect(active).toMatchObject({ audience: 'nurse', bedId: '-' });
    expect(reporter.status().managerDown).toBe(true);
    await sub.waitFor<{ alarms: { condition: string }[] }>((m) => m.topic === 'wardlink/alarms/beds/-/active' && (m.body as { alarms: { condition: string }[] }).alarms.some((a) => a.condition === 'alarm-manager-down'), 5000);

    await stub.listen(port); // the manager is back
    await sub.waitFor<AlarmEvent>(isManagerDown('cleared'), 10_000, 'alarm-manager-down cleared');
    expect(reporter.status().managerDown).toBe(false);
    expect(h.engine.activeAlarms().some((a) => a.condition === 'alarm-manager-down')).toBe(false);
    // What happened meanwhile reached the manager too, and it was asked whether it lives.
    await stub.waitFor((r) => r.some((m) => m.type.startsWith('NMD^N02')));
    await stub.waitFor(() => stub.alerts().length >= 2);
    expect(stub.alerts().map((r) => r.text.match(/68481\^MDC_ATTR_EVENT_PHASE\^MDC\|1\.0\.0\.0\.3\|(\w+)/)?.[1])).toEqual(['start', 'end']);
  });

  it('raises it too when the manager answers but refuses every alert', async () => {
    const port = await stub.listen();
    stub.mode = 'nak';
    reporter = startReporter(db.connect(), h.engine, port, { downAfterMs: 2000, keepAliveIntervalMs: 1000, maxBackoffMs: 500 });
    h.feed(h.clock.now(), { NIBP_SYS: 175 }); // an alarm the manager refuses
    await sub.waitFor<AlarmEvent>(isManagerDown('raised'), 10_000, 'alarm-manager-down raised');
    expect(reporter.status().counters.naks).toBeGreaterThan(0);
    stub.mode = 'ack';
    await sub.waitFor<AlarmEvent>(isManagerDown('cleared'), 10_000, 'alarm-manager-down cleared');
  });

  it('stays quiet while the manager answers keep-alives with no alarm to send', async () => {
    const port = await stub.listen();
    reporter = startReporter(db.connect(), h.engine, port, { downAfterMs: 2000, keepAliveIntervalMs: 500 });
    await stub.waitFor((r) => r.filter((m) => m.type.startsWith('NMD^N02')).length >= 6, 10_000);
    expect(reporter.status().managerDown).toBe(false);
    expect(sub.messages.some((m) => (m.body as AlarmEvent | null)?.condition === 'alarm-manager-down')).toBe(false);
    expect(stub.alerts()).toHaveLength(0);
  });
});
