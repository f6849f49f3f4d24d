/**
 * A charge nurse pauses a bed's alarm sound at the nurse stations (IEC 60601-1-8 audio
 * paused), on a running gateway: bounded, audited, ended by a new alarm on that bed, and
 * refused to other roles.
 */
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { WebClient } from '../../testing/web-client.js';
import { SseClient } from './testing/sse-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
const base = () => `http://127.0.0.1:${daemon.ports.http}`;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
    raw: { alarms: { audioPauseMaxMs: 60_000 } },
  });
  daemon = await startDaemon(gw);
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

async function send(readings: Record<string, number>): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: 'mon-1', reconnectPeriod: 0 });
  await c.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings }), { qos: 1 });
  await c.endAsync();
}
async function codeOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}
type AudioMessage = { maxMs: number; pauses: { bedId: string; by: string; untilMs: number }[] };

describe('audio pause', () => {
  it('is the charge nurse\'s, bounded, shown to every page, audited, and ended by a new alarm on the bed', async () => {
    const charge = await WebClient.as(gw.config, base(), 'charge', 'CN-1');
    const nurse = await WebClient.as(gw.config, base(), 'nurse', 'RN-1');
    const page = await SseClient.open(`${base()}/api/events`, nurse.headers);
    expect((await page.waitFor<AudioMessage>((e) => e.event === 'audio')).data).toMatchObject({ maxMs: 60_000, pauses: [] });
    await send({ NIBP_SYS: 175 }); // a medium alarm on bed-01

    expect(await codeOf(await nurse.post('/api/beds/audio-pause', { bedId: 'bed-01', seconds: 30 }))).toEqual([403, 'WL_AUTH_FORBIDDEN']);
    expect(await codeOf(await charge.post('/api/beds/audio-pause', { bedId: 'bed-01', seconds: 61 }))).toEqual([400, 'WL_AUDIO_PAUSE_TOO_LONG']);
    expect(await codeOf(await charge.post('/api/beds/audio-pause', { bedId: 'bed-99', seconds: 30 }))).toEqual([404, 'WL_BED_NOT_FOUND']);
    const before = Date.now();
    const res = await charge.post('/api/beds/audio-pause', { bedId: 'bed-01', seconds: 30 });
    expect(res.status).toBe(200);
    const shown = await page.waitFor<AudioMessage>((e) => e.event === 'audio' && (e.data as AudioMessage).pauses.length === 1);
    expect(shown.data.pauses[0]).toMatchObject({ bedId: 'bed-01', by: 'CN-1' });
    expect(shown.data.pauses[0]!.untilMs - before).toBeGreaterThanOrEqual(29_000);
    expect(shown.data.pauses[0]!.untilMs - before).toBeLessThanOrEqual(31_000);

    // A new alarm on that bed must be heard: the pause ends.
    await send({ NIBP_DIA: 120 }); // diastolic: no delay for a cuff measurement
    await page.waitFor<AudioMessage>((e) => e.event === 'audio' && (e.data as AudioMessage).pauses.length === 0 && e.atMs > shown.atMs);
    expect(daemon.audio.active()).toEqual([]);

    // Paused again, then resumed by hand.
    await charge.post('/api/beds/audio-pause', { bedId: 'bed-01', seconds: 10 });
    expect((await (await charge.post('/api/beds/audio-resume', { bedId: 'bed-01' })).json()) as unknown).toEqual({ resumed: true });
    const db = new Database(gw.config.databasePath, { readonly: true });
    try {
      const audit = db.prepare("SELECT kind, staff_id, detail FROM security_events WHERE kind LIKE 'audio-%' ORDER BY id").all();
      expect(audit).toEqual([
        { kind: 'audio-pause', staff_id: 'CN-1', detail: 'bed bed-01 for 30 s' },
        { kind: 'audio-pause', staff_id: 'CN-1', detail: 'bed bed-01 for 10 s' },
        { kind: 'audio-resume', staff_id: 'CN-1', detail: 'bed bed-01' },
      ]);
    } finally {
      db.close();
    }
    page.close();
  });
});
