/**
 * The nurse-station page keeps itself connected, in a real headless Chromium: refused
 * with an HTTP error (429: this computer already has its pages open) it retries with
 * backoff and comes back by itself once a slot is free; and when the gateway ends its
 * stream it reconnects.
 */
import { CHROMIUM, chromiumAvailable } from './testing/chromium.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { addStaff } from '../../testing/web-client.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
let gw: TestGateway;
let daemon: GatewayDaemon;
let browser: Browser;

describe.skipIf(!chromiumAvailable('the nurse-station reconnection tests in Chromium'))('nurse-station page reconnection in Chromium', () => {
  beforeAll(async () => {
    gw = await createTestGateway({ beds: ['bed-01'], raw: { http: { host: '127.0.0.1', port: 0, maxStreamsPerAddress: 1 } } });
    daemon = await startDaemon(gw);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    gw?.cleanup();
  });

  it('retries after a 429 with backoff, and is live again once a slot frees up', async () => {
    const { secret } = await addStaff(gw.config, { staffId: 'wall-r', name: 'Wall', role: 'display' });
    const url = `http://127.0.0.1:${daemon.ports.http}/#display-token=${secret}`;
    const first = await browser.newPage();
    await first.goto(url);
    await first.locator('#link.up').waitFor({ timeout: 5000 });
    const second = await browser.newPage();
    await second.goto(url);
    // Refused (one page per computer here): it shows that it is reconnecting, and keeps trying.
    await second.locator('#link.down').waitFor({ timeout: 5000 });
    await second.waitForTimeout(1500);
    expect(await second.locator('#link').textContent()).toBe('reconnecting…');
    await first.close();
    await second.locator('#link.up').waitFor({ timeout: 20_000 });

    // The gateway ends every stream (as on a restart of the feed): the page comes back.
    daemon.nurseStation.hub.close();
    daemon.nurseStation.hub.start();
    await second.locator('#link.down').waitFor({ timeout: 5000 });
    await second.locator('#link.up').waitFor({ timeout: 20_000 });
    await second.close();
  }, 60_000);
});
