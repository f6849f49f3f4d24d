/**
 * The nurse-station page in a real headless Chromium (Debian's, driven by playwright-core),
 * against a running gateway whose cloud is unreachable: an alarm appears within 2 s of
 * the triggering reading, a nurse signs in and acknowledges in her own name (audited), a
 * display screen signs in with its token and cannot acknowledge, values go stale, and a
 * screenshot is saved to test-artifacts/nurse-station.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { CHROMIUM, chromiumAvailable } from './testing/chromium.js';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { addStaff } from '../../testing/web-client.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let gw: TestGateway;
let daemon: GatewayDaemon;
let browser: Browser;
let page: Page;
let staleSentAt = 0;

/** A port nobody listens on: the cloud for the whole test. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const monitors = new Map<string, mqtt.MqttClient>();
const lastRecord = new Map<string, { readings: Record<string, number>; flags?: Record<string, string[]> }>();
let keepAlive: ReturnType<typeof setInterval> | undefined;

/** Publishes a record as the device; the device then repeats it every second (a live monitor). */
async function publish(deviceId: string, readings: Record<string, number>, flags?: Record<string, string[]>): Promise<void> {
  let client = monitors.get(deviceId);
  if (!client) {
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: deviceId, password: gw.passwords.get(deviceId)!, clientId: deviceId, reconnectPeriod: 0 });
    monitors.set(deviceId, client);
  }
  await client.publishAsync(`wardlink/devices/${deviceId}/readings`, JSON.stringify({ ts: Date.now(), readings, ...(flags ? { flags } : {}) }), { qos: 1 });
  const last = lastRecord.get(deviceId);
  lastRecord.set(deviceId, { readings: { ...last?.readings, ...readings }, flags: { ...last?.flags, ...flags } });
}
function repeatEverySecond(deviceIds: string[]): void {
  keepAlive = setInterval(() => {
    for (const id of deviceIds) {
      const last = lastRecord.get(id);
      if (last) monitors.get(id)?.publish(`wardlink/devices/${id}/readings`, JSON.stringify({ ts: Date.now(), ...last }), { qos: 1 });
    }
  }, 1000);
}

describe.skipIf(!chromiumAvailable('the nurse-station page tests in Chromium'))('nurse-station page in Chromium', () => {
  beforeAll(async () => {
    const beds = ['bed-01', 'bed-02', 'bed-03', 'bed-04'];
    gw = await createTestGateway({
      beds,
      patients: { 'bed-01': 'P0001', 'bed-02': 'P0002', 'bed-03': 'P0003', 'bed-04': 'P0004' },
      devices: beds.map((bedId, i) => ({ deviceId: `mon-${i + 1}`, kind: 'mqtt' as const, bedId, format: 'mqtt-json' })),
      raw: { cloud: { url: `http://127.0.0.1:${await closedPort()}`, token: 'unused' } },
    });
    daemon = await startDaemon(gw);
    repeatEverySecond(['mon-1', 'mon-2', 'mon-3']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    await addStaff(gw.config, { staffId: 'RN-4711', name: 'Zoë Martin', role: 'nurse', pin: '482913' });
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`http://127.0.0.1:${daemon.ports.http}/nurse-station`);
  });
  afterAll(async () => {
    clearInterval(keepAlive);
    await Promise.all([...monitors.values()].map((c) => c.endAsync(true)));
    await browser?.close();
    await daemon?.stop();
    gw?.cleanup();
  });

  it('shows nothing until a nurse signs in, and refuses a wrong PIN on the page', async () => {
    // Nothing about patients before signing in; a wrong PIN is refused on the page.
    await page.locator('#login-form').waitFor();
    expect(await page.locator('#ward-view').isHidden()).toBe(true);
    await page.locator('#login-id').fill('RN-4711');
    await page.locator('#login-pin').fill('000000');
    await page.locator('#login-submit').click();
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 5000 }).toMatch(/do not match/); // PIN hashing is slow on a loaded box
    await page.locator('#login-pin').fill('482913');
    await page.locator('#login-submit').click();
    await page.locator('#link.up').waitFor({ timeout: 5000 });
    expect(await page.locator('#who').textContent()).toBe('Zoë Martin · nurse');
  });

  it('shows an alarm within 2 s of the triggering reading, sorted by priority and coloured by it', async () => {
    await publish('mon-2', { HR: 88, SPO2: 95, RR: 18, TEMP: 37.2 });
    await publish('mon-3', { HR: 101, SPO2: -999, RR: 22, TEMP: 38.1 }, { SPO2: ['sensor-off'] }); // low: sensor off
    await publish('mon-2', { NIBP_SYS: 175, NIBP_DIA: 80, NIBP_MEAN: 105 }); // medium
    const sentAt = Date.now();
    await publish('mon-1', { HR: 72, SPO2: 97, RR: 16, TEMP: 36.8, NIBP_SYS: 231, NIBP_DIA: 85, NIBP_MEAN: 100 }); // high
    await page.locator('tr.alarm.high', { hasText: 'bed-01' }).waitFor({ timeout: 2000 });
    expect(Date.now() - sentAt).toBeLessThan(2000);

    const rows = page.locator('#alarms tbody tr.alarm');
    await expect.poll(() => rows.count()).toBe(3);
    await new Promise((r) => setTimeout(r, 300)); // a moment to see that nothing more comes
    expect(await rows.count()).toBe(3);
    const order = await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { className: string }).className.split(' ')[1]));
    expect(order).toEqual(['high', 'medium', 'low']);
    const colour = (sel: string) => page.evaluate(`getComputedStyle(document.querySelector('${sel}')).backgroundColor`);
    expect(await colour('tr.alarm.high .prio')).toBe('rgb(208, 2, 27)');
    expect(await colour('tr.alarm.medium .prio')).toBe('rgb(245, 196, 0)');
    expect(await colour('tr.alarm.low .prio')).toBe('rgb(0, 183, 212)');
    await expect.poll(() => page.locator('.bed[data-bed-id="bed-01"]').textContent()).toContain('231 mmHg');
    expect(await page.locator('.bed[data-bed-id="bed-03"]').textContent()).toContain('sensor off');
    // The alarm's value with its unit, as on the bed card.
    expect(await page.locator('tr.alarm.high td.num').first().textContent()).toBe('231 mmHg');
  });

  it('acknowledges in the signed-in nurse\'s name, and the audit trail has it', async () => {
    const row = page.locator('tr.alarm.high', { hasText: 'bed-01' });
    const alarmId = await row.getAttribute('data-alarm-id');
    // The page sounds the most urgent unacknowledged alarm.
    const sounding = () => page.evaluate('document.body.dataset.sounding');
    await expect.poll(sounding).toBe('high');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('#ack-dialog').waitFor({ state: 'visible' });
    expect(await page.locator('#ack-as').textContent()).toBe('Acknowledged as Zoë Martin (RN-4711).');
    await page.locator('#ack-confirm').click();
    await page.locator('#ack-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => page.locator(`tr[data-alarm-id="${alarmId}"] td.state`).textContent()).toBe('acknowledged by RN-4711');
    expect(await page.locator(`tr[data-alarm-id="${alarmId}"] button`).count()).toBe(0);
    await expect.poll(sounding).toBe('medium');

    const audited = await expect
      .poll(() => {
        const db = new Database(gw.config.databasePath, { readonly: true });
        try {
          return db.prepare("SELECT actor FROM alarm_events WHERE alarm_id = ? AND phase = 'acknowledged'").all(alarmId);
        } finally {
          db.close();
        }
      })
      .toEqual([{ actor: 'RN-4711' }]);
    void audited;
    const db = new Database(gw.config.databasePath, { readonly: true });
    try {
      const security = db.prepare("SELECT kind, staff_id FROM security_events WHERE kind IN ('login', 'login-failed') ORDER BY id").all();
      expect(security).toEqual([{ kind: 'login-failed', staff_id: 'RN-4711' }, { kind: 'login', staff_id: 'RN-4711' }]);
    } finally {
      db.close();
    }
  });

  it('lets a charge nurse pause a bed\'s sound on every page, for a bounded time', async () => {
    await addStaff(gw.config, { staffId: 'CN-9', name: 'Charge Nine', role: 'charge', pin: '551177' });
    const charge = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    try {
      await charge.goto(`http://127.0.0.1:${daemon.ports.http}/`);
      await charge.locator('#login-id').fill('CN-9');
      await charge.locator('#login-pin').fill('551177');
      await charge.locator('#login-submit').click();
      await charge.locator('#link.up').waitFor({ timeout: 5000 });
      expect(await page.locator('.bed[data-bed-id="bed-02"] button.pause').count()).toBe(0); // a nurse cannot
      await charge.locator('.bed[data-bed-id="bed-02"] button.pause').click();
      // On the nurse's page too: the paused bed is marked, and the next alarm down sounds.
      await expect.poll(() => page.locator('.bed[data-bed-id="bed-02"] .audio.paused').textContent()).toMatch(/^audio paused [12]:\d\d · CN-9$/);
      await expect.poll(() => page.evaluate('document.body.dataset.sounding')).toBe('low');
      await charge.locator('.bed[data-bed-id="bed-02"] button.pause', { hasText: 'Resume audio' }).click();
      await expect.poll(() => page.evaluate('document.body.dataset.sounding')).toBe('medium');
    } finally {
      await charge.close();
    }
  });

  it('signs a wall display in from its token in the address, with nothing to acknowledge', async () => {
    const issued = await addStaff(gw.config, { staffId: 'wall-icu', name: 'ICU wall', role: 'display' });
    const wall = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    try {
      await wall.goto(`http://127.0.0.1:${daemon.ports.http}/#display-token=${issued.secret}`);
      await wall.locator('#link.up').waitFor({ timeout: 5000 });
      expect(await wall.locator('#who').textContent()).toBe('ICU wall · display');
      expect(new URL(wall.url()).hash).toBe(''); // the token does not stay in the address bar
      await expect.poll(() => wall.locator('#alarms tbody tr.alarm').count()).toBeGreaterThan(0);
      expect(await wall.locator('#alarms button.ack').count()).toBe(0);
    } finally {
      await wall.close();
    }
  });

  it('marks a bed whose monitor went quiet as stale, and saves a screenshot', async () => {
    // mon-4 reports once, then goes silent: stale on the page, and a comm-loss alarm. It
    // starts here, not before the first test: on a loaded host the comm-loss could
    // otherwise be raised before the first test counts its alarms.
    staleSentAt = Date.now();
    await publish('mon-4', { HR: 66, SPO2: 98, RR: 14 });
    const bed4 = page.locator('.bed[data-bed-id="bed-04"]');
    await expect.poll(() => bed4.textContent()).toContain('66');
    expect(await bed4.locator('.age.stale').count()).toBe(0);
    await page.waitForTimeout(Math.max(0, staleSentAt + 11_000 - Date.now()));
    await expect.poll(() => bed4.locator('.age.stale').count(), { timeout: 3000 }).toBe(3);
    expect(await page.locator('.bed .age.stale').count()).toBe(3); // the live monitors stay fresh
    // The quiet monitor is also a technical alarm (comm-loss), and the only new one.
    await page.locator('tr.alarm.medium', { hasText: 'bed-04' }).waitFor();
    expect(await page.locator('#alarms tbody tr.alarm').count()).toBe(4);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}nurse-station.png`, fullPage: true, animations: 'disabled' });
    expect(existsSync(`${ARTIFACTS}nurse-station.png`)).toBe(true);
  }, 60_000);
});
