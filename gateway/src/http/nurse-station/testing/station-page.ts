/**
 * Test helper for the nurse-station browser tests: a gateway with three monitored beds and
 * a day of history on bed-01, Chromium, and a signed-in page.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { GatewayDaemon } from '../../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../../testing/fixture.js';
import { addStaff } from '../../../testing/web-client.js';
import { CHROMIUM } from './chromium.js';
import { seedHistory, type SeededAlarm } from './seed-history.js';

/** Screenshots of the key states (test-artifacts/ is ignored by git). */
export const SHOTS = fileURLToPath(new URL('../../../../../test-artifacts/nurse-station/', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Station {
  gw: TestGateway;
  daemon: GatewayDaemon;
  browser: Browser;
  base: string;
  /** Publishes a record as the device (it repeats each second: a live monitor). */
  publish(deviceId: string, readings: Record<string, number>, flags?: Record<string, string[]>): Promise<void>;
  signIn(page: Page, staffId: string, pin: string): Promise<void>;
  close(): Promise<void>;
}

export const HISTORY_ALARMS = (nowMs: number): SeededAlarm[] => [
  { alarmId: 'h-1', metric: 'HR', priority: 'high', phase: 'raised', timeMs: nowMs - 3 * 3_600_000, value: 165 },
  { alarmId: 'h-1', metric: 'HR', priority: 'high', phase: 'cleared', timeMs: nowMs - 3 * 3_600_000 + 60_000, value: 90 },
  { alarmId: 'h-2', metric: 'SPO2', priority: 'medium', phase: 'raised', timeMs: nowMs - 10 * 3_600_000, value: 86 },
  { alarmId: 'h-2', metric: 'SPO2', priority: 'medium', phase: 'cleared', timeMs: nowMs - 10 * 3_600_000 + 120_000, value: 95 },
];

export async function openStation(nowMs = Date.now()): Promise<Station> {
  const beds = ['bed-01', 'bed-02', 'bed-03'];
  const gw = await createTestGateway({
    beds,
    patients: { 'bed-01': 'P0001', 'bed-02': 'P0002', 'bed-03': 'P0003' },
    devices: beds.map((bedId, i) => ({ deviceId: `mon-${i + 1}`, kind: 'mqtt' as const, bedId, format: 'mqtt-json' })),
    raw: { alarms: { audioPauseMaxMs: 120_000 } },
  });
  // A day of bed-01 every 30 s: HR swinging 60-100 over the day with a 3 h-old run to 165.
  seedHistory(gw.config.databasePath, {
    bedId: 'bed-01',
    deviceId: 'mon-1',
    fromMs: nowMs - 24 * 3_600_000,
    toMs: nowMs - 5000,
    everyMs: 30_000,
    values: {
      HR: (t) => (Math.abs(t - (nowMs - 3 * 3_600_000 + 30_000)) <= 30_000 ? 165 : Math.round(80 + 20 * Math.sin(t / 3_000_000))),
      SPO2: (t) => (Math.abs(t - (nowMs - 10 * 3_600_000 + 60_000)) <= 60_000 ? 86 : 97 - (Math.floor(t / 600_000) % 3)),
    },
    alarms: HISTORY_ALARMS(nowMs),
  });
  const daemon = await startDaemon(gw);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  mkdirSync(SHOTS, { recursive: true });
  const monitors = new Map<string, mqtt.MqttClient>();
  const last = new Map<string, { readings: Record<string, number>; flags?: Record<string, string[]> }>();
  const keepAlive = setInterval(() => {
    for (const [id, rec] of last) monitors.get(id)?.publish(`wardlink/devices/${id}/readings`, JSON.stringify({ ts: Date.now(), ...rec }), { qos: 1 });
  }, 1000);
  const base = `http://127.0.0.1:${daemon.ports.http}`;
  return {
    gw,
    daemon,
    browser,
    base,
    async publish(deviceId, readings, flags) {
      let client = monitors.get(deviceId);
      if (!client) {
        client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: deviceId, password: gw.passwords.get(deviceId)!, clientId: deviceId, reconnectPeriod: 0 });
        monitors.set(deviceId, client);
      }
      await client.publishAsync(`wardlink/devices/${deviceId}/readings`, JSON.stringify({ ts: Date.now(), readings, ...(flags ? { flags } : {}) }), { qos: 1 });
      const prev = last.get(deviceId);
      last.set(deviceId, { readings: { ...prev?.readings, ...readings }, flags: { ...prev?.flags, ...flags } });
    },
    async signIn(page, staffId, pin) {
      await page.goto(`${base}/nurse-station`);
      await page.locator('#login-id').fill(staffId);
      await page.locator('#login-pin').fill(pin);
      await page.locator('#login-submit').click();
      await page.locator('#link.up').waitFor({ timeout: 5000 });
    },
    async close() {
      clearInterval(keepAlive);
      await Promise.all([...monitors.values()].map((c) => c.endAsync(true)));
      await browser.close();
      await daemon.stop();
      gw.cleanup();
    },
  };
}

export { addStaff };
