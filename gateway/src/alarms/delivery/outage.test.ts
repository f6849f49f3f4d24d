/**
 * Outage: the cloud is unreachable for the whole test (`cloud.url` points at a closed
 * port). Alarms still reach a real MQTT subscriber and the nurse-station page's live
 * feed, raise after clear after raise, as fast as with the cloud up.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import type { AlarmEvent } from '@wardlink/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { SseClient } from '../../http/nurse-station/testing/sse-client.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { WebClient } from '../../testing/web-client.js';
import type { BedAlarmPayload } from './messages.js';
import { MqttCollector } from './testing/mqtt-collector.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
let cloudUrl: string;

beforeAll(async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cloudUrl = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((r) => s.close(() => r()));
  gw = await createTestGateway({
    beds: ['bed-01'],
    devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
    raw: { cloud: { url: cloudUrl, token: 'unused-token' }, alarms: { viewers: [{ username: 'nurse-call', password: 'call-secret' }] } },
  });
  daemon = await startDaemon(gw);
});
afterAll(async () => {
  await daemon?.stop();
  gw?.cleanup();
});

describe('alarm delivery with the cloud unreachable', () => {
  it('still reaches an MQTT subscriber and the page', async () => {
    await expect(fetch(`${cloudUrl}/v1/batches`, { method: 'POST' })).rejects.toThrow(); // the premise: no cloud
    expect(daemon.gatewayConfig.cloud.url).toBe(cloudUrl);

    const sub = await MqttCollector.connect(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'nurse-call', password: 'call-secret', clientId: 'outage-viewer' }, ['wardlink/alarms/#']);
    const display = await WebClient.as(gw.config, `http://127.0.0.1:${daemon.ports.http}`, 'display', 'wall-1');
    const page = await SseClient.open(`http://127.0.0.1:${daemon.ports.http}/api/events`, display.headers);
    expect((await fetch(`http://127.0.0.1:${daemon.ports.http}/`)).status).toBe(200);
    const mon = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: 'mon-1', reconnectPeriod: 0 });
    const send = (readings: Record<string, number>) => mon.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings }), { qos: 1 });

    // Three episodes of a medium NIBP alarm (no delay, no latching): raised then cleared.
    for (let episode = 1; episode <= 3; episode++) {
      const sentAt = Date.now();
      await send({ NIBP_SYS: 170 + episode });
      const isRaised = (e: AlarmEvent) => e.phase === 'raised' && e.value === 170 + episode;
      const mqttEvent = await sub.waitFor<AlarmEvent>((m) => m.topic === 'wardlink/alarms/events' && isRaised(m.body));
      const pageEvent = await page.waitFor<AlarmEvent>((e) => e.event === 'event' && isRaised(e.data as AlarmEvent));
      expect(mqttEvent.atMs - sentAt).toBeLessThan(1000);
      expect(pageEvent.atMs - sentAt).toBeLessThan(1000);
      await sub.waitFor<BedAlarmPayload>((m) => m.topic === 'wardlink/alarms/beds/bed-01/active' && m.body.alarms[0]?.alarmId === mqttEvent.body.alarmId);
      await send({ NIBP_SYS: 120 });
      await sub.waitFor<AlarmEvent>((m) => m.topic === 'wardlink/alarms/events' && m.body.phase === 'cleared' && m.body.alarmId === mqttEvent.body.alarmId);
      await page.waitFor<{ alarms: unknown[] }>((e) => e.event === 'alarms' && e.atMs >= pageEvent.atMs && (e.data as { alarms: unknown[] }).alarms.length === 0);
    }
    const phases = sub.on('wardlink/alarms/events').map((m) => (m.body as AlarmEvent).phase);
    expect(phases).toEqual(['raised', 'cleared', 'raised', 'cleared', 'raised', 'cleared']);
    // The uplink really ran against the dead cloud, failing, and nothing above waited for it.
    expect(daemon.uplink).not.toBeNull();
    await expect.poll(() => daemon.uplink!.status().batchesFailed, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(daemon.uplink!.status()).toMatchObject({ up: false, batchesSent: 0 });
    page.close();
    await Promise.all([mon.endAsync(), sub.end()]);
  });
});
