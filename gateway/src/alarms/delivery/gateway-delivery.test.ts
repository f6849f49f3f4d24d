/**
 * The whole gateway: a device publishes over MQTT, a viewer account subscribed over TCP
 * receives the alarm event and the retained bed state; a nurse acknowledges over HTTP
 * and the retained state and the audit trail follow.
 */
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import type { AlarmEvent } from '@wardlink/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { hashPassword } from '../../registry/credentials.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { WebClient } from '../../testing/web-client.js';
import type { BedAlarmPayload } from './messages.js';
import { MqttCollector } from './testing/mqtt-collector.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
const mqttUrl = () => `mqtt://127.0.0.1:${daemon.ports.mqtt}`;
const httpUrl = (path: string) => `http://127.0.0.1:${daemon.ports.http}${path}`;
const EVENTS = 'wardlink/alarms/events';
const bedTopic = (bed: string) => `wardlink/alarms/beds/${bed}/active`;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    patients: { 'bed-01': 'P0001' },
    devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
    raw: { alarms: { viewers: [{ username: 'nurse-call', password: 'call-secret' }, { username: 'pager', passwordHash: await hashPassword('pager-secret') }] } },
  });
  daemon = await startDaemon(gw);
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

function device() {
  return mqtt.connectAsync(mqttUrl(), { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: `mon-1-${Math.random()}`, reconnectPeriod: 0 });
}
function viewer(filters = ['wardlink/alarms/#'], username = 'nurse-call', password = 'call-secret') {
  return MqttCollector.connect(mqttUrl(), { username, password, clientId: `${username}-${Math.random()}` }, filters);
}
function audit(alarmId: string): { phase: string; actor: string | null }[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT phase, actor FROM alarm_events WHERE alarm_id = ? ORDER BY id').all(alarmId) as never;
  } finally {
    db.close();
  }
}
/** The SUBACK codes (mqtt.js rejects when any is 0x80; the packet is on the error). */
async function granted(client: mqtt.MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    return (err as { packet: { granted: number[] } }).packet.granted;
  }
}
async function until<T>(f: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('alarm delivery through the gateway', () => {
  it('a subscriber gets the raised event and the retained bed state soon after the triggering reading', async () => {
    const sub = await viewer();
    const mon = await device();
    await sub.waitFor((m) => m.topic === bedTopic('bed-01')); // the retained state from start
    const sentAt = Date.now();
    await mon.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: sentAt, readings: { NIBP_SYS: 230, HR: 80 } }), { qos: 1 });
    const raised = await sub.waitFor<AlarmEvent>((m) => m.topic === EVENTS && m.body.phase === 'raised');
    const state = await sub.waitFor<BedAlarmPayload>((m) => m.topic === bedTopic('bed-01') && m.body.alarms.length === 1);
    expect(raised.body).toMatchObject({ bedId: 'bed-01', patientId: 'P0001', deviceId: 'mon-1', metric: 'NIBP_SYS', condition: 'high', priority: 'high', value: 230 });
    expect(state.body).toMatchObject({ bedId: 'bed-01', highest: 'high', alarms: [{ alarmId: raised.body.alarmId, acknowledged: false }] });
    // Measured ~5 ms on a quiet box. The bound catches a poll or timer in the path, not a speed
    // claim: `pnpm bench alarm-latency` measures that.
    expect(raised.atMs - sentAt).toBeLessThan(2000);
    expect(state.atMs - sentAt).toBeLessThan(2000);
    await Promise.all([mon.endAsync(), sub.end()]);
  });

  it('an acknowledgement over HTTP changes the retained state and is audited with the nurse', async () => {
    const mon = await device();
    await mon.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings: { NIBP_SYS: 230 } }), { qos: 1 });
    const [alarm] = daemon.alarms.engine.activeAlarms();
    expect(alarm).toBeDefined();
    const nurse = await WebClient.as(gw.config, httpUrl(''), 'nurse', 'nurse-7');
    const res = await nurse.post('/api/alarms/ack', { alarmId: alarm!.alarmId });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { event: AlarmEvent }).event).toMatchObject({ phase: 'acknowledged', actor: 'nurse-7' });

    // A viewer connecting now gets the retained state: acknowledged, by whom.
    const sub = await viewer([bedTopic('bed-01')]);
    const state = await sub.waitFor<BedAlarmPayload>((m) => m.topic === bedTopic('bed-01'));
    expect(state.retain).toBe(true);
    expect(state.body.alarms).toMatchObject([{ alarmId: alarm!.alarmId, acknowledged: true, acknowledgedBy: 'nurse-7' }]);
    const rows = await until(() => (audit(alarm!.alarmId).length >= 2 ? audit(alarm!.alarmId) : undefined));
    expect(rows).toEqual([
      { phase: 'raised', actor: null },
      { phase: 'acknowledged', actor: 'nurse-7' },
    ]);
    await Promise.all([mon.endAsync(), sub.end()]);
  });

  it('viewers authenticate (plain or scrypt) and may only subscribe to alarm topics; nobody else may touch them', async () => {
    await expect(viewer(undefined, 'nurse-call', 'wrong')).rejects.toThrow(/Bad username or password/);
    const pager = await viewer(['wardlink/alarms/escalations'], 'pager', 'pager-secret');
    expect(await granted(pager.client, ['wardlink/devices/#', '#', 'wardlink/alarms/beds/+/active'])).toEqual([128, 128, 1]);

    // A viewer may not publish, not even to an alarm topic: the connection is closed.
    const closed = new Promise<void>((r) => pager.client.once('close', () => r()));
    pager.client.publish(EVENTS, JSON.stringify({ phase: 'raised', message: 'fake' }), { qos: 1 });
    await closed;
    await pager.end();

    // A device may not subscribe to alarm topics, nor publish to them.
    const mon = await device();
    expect(await granted(mon, [EVENTS])).toEqual([128]);
    const sub = await viewer();
    const monClosed = new Promise<void>((r) => mon.once('close', () => r()));
    mon.publish(EVENTS, JSON.stringify({ phase: 'raised', message: 'fake' }), { qos: 1 });
    await monClosed;
    mon.end(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(sub.on(EVENTS)).toEqual([]);
    await sub.end();
  });
});
