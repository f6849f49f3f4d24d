/**
 * The nurse-station API on a running gateway: the page, the SSE feed (alarms, phases,
 * vitals) after a device's reading over MQTT, and the acknowledge endpoint's answers.
 */
import mqtt from 'mqtt';
import type { AlarmEvent } from '@wardlink/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActiveAlarm } from '../../alarms/types.js';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { WebClient } from '../../testing/web-client.js';
import type { BedVitals } from './latest-vitals.js';
import { SseClient } from './testing/sse-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
let nurse: WebClient;
const url = (path: string) => `http://127.0.0.1:${daemon.ports.http}${path}`;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    patients: { 'bed-01': 'P0001' },
    devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
  });
  daemon = await startDaemon(gw);
  nurse = await WebClient.as(gw.config, url(''), 'nurse', 'RN-4711');
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

async function publish(readings: Record<string, number>): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: `mon-1-${Math.random()}`, reconnectPeriod: 0 });
  await client.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings }), { qos: 1 });
  await client.endAsync();
}
function ack(body: unknown, contentType = 'application/json', as: WebClient = nurse): Promise<Response> {
  return fetch(url('/api/alarms/ack'), { method: 'POST', headers: { ...as.headers, 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
async function errorOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}

describe('nurse station', () => {
  it('serves one self-contained page, locked to its own script, style and origin', async () => {
    for (const path of ['/', '/nurse-station']) {
      const res = await fetch(url(path));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'/);
      const html = await res.text();
      expect(html).toContain('<title>Nurse station</title>');
      expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i); // no external asset
      expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    }
  });

  it('streams the snapshot, then the alarm, its phases and the vitals of a reading', async () => {
    const sse = await SseClient.open(url('/api/events'), nurse.headers);
    const hello = await sse.waitFor<{ gatewayId: string; metrics: Record<string, { unit: string }> }>((e) => e.event === 'hello');
    expect(hello.data.gatewayId).toBe('test-gw');
    expect(hello.data.metrics.SPO2!.unit).toBe('%');
    expect((await sse.waitFor<{ alarms: unknown[] }>((e) => e.event === 'alarms')).data.alarms).toEqual([]);
    const first = await sse.waitFor<{ full: boolean; beds: BedVitals[] }>((e) => e.event === 'vitals');
    expect(first.data).toMatchObject({ full: true, beds: [{ bedId: 'bed-01', patientId: 'P0001', metrics: {} }, { bedId: 'bed-02', patientId: null }] });

    const sentAt = Date.now();
    await publish({ NIBP_SYS: 230, HR: 77 });
    const raised = await sse.waitFor<AlarmEvent>((e) => e.event === 'event' && (e.data as AlarmEvent).phase === 'raised');
    const list = await sse.waitFor<{ alarms: ActiveAlarm[] }>((e) => e.event === 'alarms' && (e.data as { alarms: unknown[] }).alarms.length === 1);
    expect(raised.data).toMatchObject({ bedId: 'bed-01', metric: 'NIBP_SYS', priority: 'high' });
    expect(list.data.alarms[0]).toMatchObject({ alarmId: raised.data.alarmId, acknowledged: false });
    // A bound that catches a poll or timer in the path, not a speed claim: `pnpm bench alarm-latency` measures that.
    expect(list.atMs - sentAt).toBeLessThan(2000);
    const vitals = await sse.waitFor<{ full: boolean; beds: BedVitals[] }>((e) => e.event === 'vitals' && !e.data.full, 3000);
    expect(vitals.data.beds).toMatchObject([{ bedId: 'bed-01', metrics: { HR: { value: 77, flags: 0 }, NIBP_SYS: { value: 230 } } }]);

    // A typed name is not who acknowledged: the signed-in account is.
    expect((await ack({ alarmId: raised.data.alarmId, by: 'Somebody Else' })).status).toBe(200);
    const acked = await sse.waitFor<AlarmEvent>((e) => e.event === 'event' && (e.data as AlarmEvent).phase === 'acknowledged');
    expect(acked.data.actor).toBe('RN-4711');
    sse.close();
  });

  it('answers acknowledgements with stable codes', async () => {
    await publish({ NIBP_SYS: 230 });
    const alarmId = daemon.alarms.engine.activeAlarms()[0]!.alarmId;
    expect(await errorOf(await ack({ alarmId }, 'text/plain'))).toEqual([415, 'WL_HTTP_UNSUPPORTED_MEDIA_TYPE']);
    expect(await errorOf(await ack('{"alarmId":'))).toEqual([400, 'WL_HTTP_BAD_JSON']);
    expect(await errorOf(await ack([alarmId]))).toEqual([400, 'WL_HTTP_BAD_JSON']);
    expect(await errorOf(await ack({ alarmId: '../x' }))).toEqual([400, 'WL_ACK_BAD_ALARM_ID']);
    expect(await errorOf(await ack({ alarmId: 'no-such-alarm' }))).toEqual([404, 'WL_ALARM_NOT_FOUND']);
    expect(await errorOf(await ack({ alarmId, note: 'y'.repeat(5000) }))).toEqual([413, 'WL_HTTP_BODY_TOO_LARGE']);
    expect(daemon.alarms.engine.activeAlarms()[0]!.acknowledged).toBe(false); // none of those acted
    expect((await ack({ alarmId })).status).toBe(200);
    const other = await WebClient.as(gw.config, url(''), 'charge', 'CN-2');
    expect(await errorOf(await ack({ alarmId }, 'application/json', other))).toEqual([409, 'WL_ALARM_ALREADY_ACKNOWLEDGED']);
    expect(daemon.alarms.engine.activeAlarms()[0]).toMatchObject({ acknowledged: true, acknowledgedBy: 'RN-4711' });
  });
});
