import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { AlarmEvent } from '@wardlink/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, T0, type Harness } from '../testing/harness.js';
import type { AlarmReminder } from '../types.js';
import { AlarmDelivery } from './alarm-delivery.js';
import type { BedAlarmPayload } from './messages.js';
import { MqttCollector } from './testing/mqtt-collector.js';

let broker: Aedes;
let server: Server;
let url: string;
let h: Harness;
let delivery: AlarmDelivery;
let sub: MqttCollector;

beforeEach(async () => {
  broker = new Aedes();
  await broker.listen();
  server = createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = harness(undefined, { renotifyEveryMs: 30_000, escalateAfterMs: 120_000 });
  delivery = new AlarmDelivery({ engine: h.engine, broker, beds: () => ['bed-1', 'bed-2'], clock: h.clock });
  delivery.start();
  await delivery.local.idle();
  sub = await MqttCollector.connect(url, { clientId: 'viewer' }, ['wardlink/alarms/#']);
  // aedes replays retained messages after the SUBACK, concurrently with live publishes:
  // take the replay first, as a real viewer would before it trusts the live stream.
  await Promise.all(['bed-1', 'bed-2', '-'].map((bed) => sub.waitFor((m) => m.topic === `wardlink/alarms/beds/${bed}/active`)));
});
afterEach(async () => {
  await sub.end();
  await delivery.stop();
  h.engine.stop();
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
});

const bedTopic = (bed: string) => `wardlink/alarms/beds/${bed}/active`;
/** A 1 Hz monitor sending the same HR for `seconds` (so no comm-loss gets in the way). */
function holdHr(value: number, seconds: number): void {
  const from = h.clock.now();
  for (let s = 0; s <= seconds; s++) h.feed(from + s * 1000, { HR: value });
}

describe('AlarmDelivery on the local broker', () => {
  it('publishes a retained, empty state for every bed (and the gateway) at start', async () => {
    for (const bed of ['bed-1', 'bed-2', '-']) {
      const m = await sub.waitFor<BedAlarmPayload>((x) => x.topic === bedTopic(bed));
      expect(m.retain).toBe(true);
      expect(m.body).toMatchObject({ bedId: bed, highest: null, alarms: [] });
    }
  });

  it('only queues on the evaluation path, then publishes phases, bed state, reminders and the escalation', async () => {
    const before = delivery.local.published;
    holdHr(145, 10); // the HR delay: raised, high
    expect(delivery.local.published).toBe(before); // nothing was sent synchronously
    expect(delivery.local.queue.length).toBeGreaterThan(0);

    const raised = await sub.waitFor<AlarmEvent>((m) => m.topic === 'wardlink/alarms/events' && (m.body as AlarmEvent).phase === 'raised');
    expect(raised.body).toMatchObject({ bedId: 'bed-1', metric: 'HR', condition: 'high', priority: 'high', value: 145 });
    const state = await sub.waitFor<BedAlarmPayload>((m) => m.topic === bedTopic('bed-1') && (m.body as BedAlarmPayload).alarms.length === 1);
    expect(state.body.highest).toBe('high');
    expect(state.body.alarms[0]).toMatchObject({ alarmId: raised.body.alarmId, acknowledged: false, latched: true });

    holdHr(145, 120); // four reminders (30 s) and the escalation (120 s)
    const escalated = await sub.waitFor<AlarmEvent>((m) => m.topic === 'wardlink/alarms/escalations');
    expect(escalated.body).toMatchObject({ alarmId: raised.body.alarmId, phase: 'escalated', bedId: 'bed-1' });
    await sub.waitFor<AlarmReminder>((m) => m.topic === 'wardlink/alarms/reminders' && (m.body as AlarmReminder).count === 4);
    expect(sub.on('wardlink/alarms/reminders').map((m) => (m.body as AlarmReminder).count)).toEqual([1, 2, 3, 4]);
    await sub.waitFor<BedAlarmPayload>((m) => m.topic === bedTopic('bed-1') && (m.body as BedAlarmPayload).alarms[0]?.escalated === true);

    // The event stream carries every phase, in order, each once.
    h.engine.acknowledge(raised.body.alarmId, 'nurse-1');
    holdHr(80, 1);
    await sub.waitFor<AlarmEvent>((m) => m.topic === 'wardlink/alarms/events' && (m.body as AlarmEvent).phase === 'cleared');
    expect(sub.on('wardlink/alarms/events').map((m) => (m.body as AlarmEvent).phase)).toEqual(['raised', 'escalated', 'acknowledged', 'cleared']);
    const last = await sub.waitFor<BedAlarmPayload>((m) => m.topic === bedTopic('bed-1') && m.atMs >= raised.atMs && (m.body as BedAlarmPayload).alarms.length === 0);
    expect(last.body.highest).toBeNull();
  });

  it('a subscriber that comes later gets the current state of each bed, retained', async () => {
    h.feed(T0, { NIBP_SYS: 175 }); // NIBP: no delay, medium
    await sub.waitFor((m) => m.topic === 'wardlink/alarms/events');
    await delivery.local.idle();
    const late = await MqttCollector.connect(url, { clientId: 'late' }, [bedTopic('+')]);
    try {
      const m = await late.waitFor<BedAlarmPayload>((x) => x.topic === bedTopic('bed-1'));
      expect(m.retain).toBe(true);
      expect(m.body.alarms).toMatchObject([{ metric: 'NIBP_SYS', priority: 'medium', value: 175 }]);
    } finally {
      await late.end();
    }
  });
});
