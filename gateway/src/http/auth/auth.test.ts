/**
 * Who may do what on a running gateway's web port: each refusal answered with its stable
 * code. Sessions, tokens, roles, lockouts, Host and Origin checks, and the staff CLI.
 */
import { request } from 'node:http';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { addStaff, operatorHeaders, WebClient } from '../../testing/web-client.js';
import { SseClient } from '../nurse-station/testing/sse-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
const base = () => `http://127.0.0.1:${daemon.ports.http}`;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01'],
    patients: { 'bed-01': 'P0001' },
    devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
    raw: { http: { host: '127.0.0.1', port: 0, login: { maxFailuresPerAccount: 3, maxFailuresPerAddress: 8 }, session: { idleMs: 60_000 } } },
  });
  daemon = await startDaemon(gw);
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

async function codeOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}
const login = (body: unknown, origin: string | null = base()) =>
  fetch(`${base()}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: JSON.stringify(body) });
async function raiseAlarm(): Promise<string> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: 'mon-1', reconnectPeriod: 0 });
  await c.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings: { NIBP_SYS: 231 } }), { qos: 1 });
  await c.endAsync();
  return daemon.alarms.engine.activeAlarms()[0]!.alarmId;
}
function securityEvents(): { kind: string; staff_id: string | null; detail: string | null }[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT kind, staff_id, detail FROM security_events ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}
/** A raw request, so the Host header is ours to choose (fetch sets its own). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: daemon.ports.http, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web port without an account', () => {
  it('serves only the page shell and /healthz, which names no patient', async () => {
    for (const path of ['/api/alarms', '/api/events', '/api/session', '/status', '/metrics']) {
      expect(await codeOf(await fetch(`${base()}${path}`)), path).toEqual([401, 'WL_AUTH_REQUIRED']);
    }
    const page = await fetch(`${base()}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('P0001');
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).not.toMatch(/P0001|bed-01/);
    expect(await codeOf(await fetch(`${base()}/api/alarms/ack`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base() }, body: '{"alarmId":"x"}' }))).toEqual([401, 'WL_AUTH_REQUIRED']);
  });
});

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie, and signs out', async () => {
    const { secret } = await addStaff(gw.config, { staffId: 'RN-1', role: 'nurse' });
    expect(secret).toMatch(/^\d{6}$/);
    const res = await login({ staffId: 'RN-1', pin: secret });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ staffId: 'RN-1', role: 'nurse', permissions: ['view', 'acknowledge'] });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^wl_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const nurse = new WebClient(base(), cookie.split(';')[0]!);
    expect((await nurse.get('/api/alarms')).status).toBe(200);
    expect((await nurse.post('/api/logout', {})).status).toBe(200);
    expect(await codeOf(await nurse.get('/api/alarms'))).toEqual([401, 'WL_AUTH_SESSION_REVOKED']);
    expect(securityEvents().map((e) => e.kind)).toEqual(['staff-added', 'login', 'logout']);
  });

  it('answers a wrong PIN and an unknown id alike, and locks the account out after the limit, audited', async () => {
    const { secret } = await addStaff(gw.config, { staffId: 'RN-2', role: 'nurse' });
    expect(await codeOf(await login({ staffId: 'nobody', pin: '123456' }))).toEqual([401, 'WL_AUTH_BAD_CREDENTIALS']);
    for (let i = 0; i < 3; i++) expect(await codeOf(await login({ staffId: 'RN-2', pin: '000000' }))).toEqual([401, 'WL_AUTH_BAD_CREDENTIALS']);
    const locked = await login({ staffId: 'RN-2', pin: secret }); // the right PIN, during the lockout
    expect(await codeOf(locked)).toEqual([429, 'WL_AUTH_LOCKED_OUT']);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    const events = securityEvents();
    expect(events.filter((e) => e.kind === 'login-failed')).toHaveLength(4);
    expect(events.filter((e) => e.kind === 'lockout')).toEqual([{ kind: 'lockout', staff_id: 'RN-2', detail: expect.stringMatching(/^account locked until /) }]);
  });

  it('locks out an address that guesses across many accounts', async () => {
    for (let i = 0; i < 8; i++) await login({ staffId: `guess-${i}`, pin: '123456' });
    const { secret } = await addStaff(gw.config, { staffId: 'RN-3', role: 'nurse' });
    expect(await codeOf(await login({ staffId: 'RN-3', pin: secret }))).toEqual([429, 'WL_AUTH_LOCKED_OUT']);
    expect(securityEvents().some((e) => e.kind === 'lockout' && e.detail!.startsWith('address locked'))).toBe(true);
  });

  it('ends a session after inactivity, with its own code', async () => {
    const nurse = await WebClient.as(gw.config, base(), 'nurse', 'RN-4');
    const db = new Database(gw.config.databasePath);
    db.prepare("UPDATE staff_sessions SET last_active_ms = last_active_ms - 61000 WHERE staff_id = 'RN-4'").run();
    db.close();
    expect(await codeOf(await nurse.get('/api/alarms'))).toEqual([401, 'WL_AUTH_SESSION_EXPIRED']);
    expect(securityEvents().at(-1)).toMatchObject({ kind: 'session-expired', staff_id: 'RN-4', detail: 'inactive' });
  });
});

describe('roles', () => {
  it('lets each role do its own part only', async () => {
    const alarmId = await raiseAlarm();
    const display = await WebClient.as(gw.config, base(), 'display', 'wall-1');
    const nurse = await WebClient.as(gw.config, base(), 'nurse', 'RN-5');
    const it_ = await addStaff(gw.config, { staffId: 'it-1', role: 'it' });
    const itHeaders = { authorization: `Bearer ${it_.secret}` };

    expect((await display.get('/api/alarms')).status).toBe(200);
    expect(await codeOf(await display.post('/api/alarms/ack', { alarmId }))).toEqual([403, 'WL_AUTH_FORBIDDEN']);
    expect(await codeOf(await nurse.get('/status'))).toEqual([403, 'WL_AUTH_FORBIDDEN']);
    expect(await codeOf(await nurse.get('/metrics'))).toEqual([403, 'WL_AUTH_FORBIDDEN']);
    expect(await codeOf(await fetch(`${base()}/api/alarms`, { headers: itHeaders }))).toEqual([403, 'WL_AUTH_FORBIDDEN']);
    expect((await fetch(`${base()}/metrics`, { headers: itHeaders })).status).toBe(200);
    expect((await fetch(`${base()}/status`, { headers: operatorHeaders(daemon) })).status).toBe(200);
    expect((await nurse.post('/api/alarms/ack', { alarmId })).status).toBe(200);
    expect(daemon.alarms.engine.activeAlarms()[0]).toMatchObject({ acknowledged: true, acknowledgedBy: 'RN-5' });
  });

  it('refuses a token that was reset, and closes the streams opened with it within seconds', async () => {
    const issued = await addStaff(gw.config, { staffId: 'wall-2', role: 'display' });
    const headers = { authorization: `Bearer ${issued.secret}` };
    const stream = await SseClient.open(`${base()}/api/events`, headers);
    await stream.waitFor((e) => e.event === 'hello');
    const out = { json: true, stdout: () => undefined, stderr: () => undefined };
    expect(await runCli(['staff', 'reset-pin', 'wall-2', '--config', gw.configPath, '--json'], { out })).toBe(0);
    const revokedAt = Date.now();
    expect(await codeOf(await fetch(`${base()}/api/alarms`, { headers }))).toEqual([401, 'WL_AUTH_INVALID_TOKEN']);
    await stream.waitFor((e) => e.event === 'signed-out', 7000);
    expect(Date.now() - revokedAt).toBeLessThan(6000);
  });

  it('ends a disabled nurse\'s session and page at once', async () => {
    const nurse = await WebClient.as(gw.config, base(), 'nurse', 'RN-6');
    const stream = await SseClient.open(`${base()}/api/events`, nurse.headers);
    await stream.waitFor((e) => e.event === 'hello');
    expect(await runCli(['staff', 'disable', 'RN-6', '--config', gw.configPath], { out: { json: true, stdout: () => undefined, stderr: () => undefined } })).toBe(0);
    expect(await codeOf(await nurse.get('/api/alarms'))).toEqual([401, 'WL_AUTH_SESSION_REVOKED']);
    await stream.waitFor((e) => e.event === 'signed-out', 7000);
  });
});

describe('Host and Origin', () => {
  it('refuses a Host that is not the gateway (DNS rebinding)', async () => {
    const rebound = await rawGet('/healthz', { host: 'evil.example:8080' });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).error.code).toBe('WL_HTTP_BAD_HOST');
    expect((await rawGet('/healthz', { host: `localhost:${daemon.ports.http}` })).status).toBe(200);
  });

  it('refuses a signed-in change from another origin, or with no origin at all', async () => {
    const alarmId = await raiseAlarm();
    const nurse = await WebClient.as(gw.config, base(), 'nurse', 'RN-7');
    const post = (origin: string | null) =>
      fetch(`${base()}/api/alarms/ack`, { method: 'POST', headers: { cookie: nurse.cookie!, 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: JSON.stringify({ alarmId }) });
    expect(await codeOf(await post('http://evil.example'))).toEqual([403, 'WL_HTTP_BAD_ORIGIN']);
    expect(await codeOf(await post(`http://127.0.0.1:${daemon.ports.http + 1}`))).toEqual([403, 'WL_HTTP_BAD_ORIGIN']);
    expect(await codeOf(await post(null))).toEqual([403, 'WL_HTTP_BAD_ORIGIN']);
    expect(daemon.alarms.engine.activeAlarms()[0]!.acknowledged).toBe(false);
    const { secret } = await addStaff(gw.config, { staffId: 'RN-8', role: 'nurse' });
    expect(await codeOf(await login({ staffId: 'RN-8', pin: secret }, 'http://evil.example'))).toEqual([403, 'WL_HTTP_BAD_ORIGIN']);
    expect(await codeOf(await login({ staffId: 'RN-8', pin: secret }, null))).toEqual([403, 'WL_HTTP_BAD_ORIGIN']);
  });
});
