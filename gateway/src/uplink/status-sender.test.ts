/**
 * The fleet status sender against real HTTP servers on a manual clock: when it sends
 * (after uploads at most every 5 s, every 30 s when idle), what it sends, and that a
 * refusal is only counted and logged once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { wardReadings } from '../buffer/testing/fixtures.js';
import { serializeStatus, STATUS_MAX_BYTES, type GatewayStatusDoc } from '../fleet/status-doc.js';
import { STATUS_IDLE_INTERVAL_MS, STATUS_MIN_INTERVAL_MS } from './status-sender.js';
import { startFakeCloud, type FakeCloud } from './testing/fake-cloud.js';
import { createUplinkHarness, type UplinkHarness } from './testing/harness.js';
import { json, startScriptedServer, type ScriptedServer } from './testing/http-server.js';

let h: UplinkHarness | undefined;
let cloud: FakeCloud | undefined;
let refusing: ScriptedServer | undefined;

afterEach(async () => {
  await h?.uplink.stop();
  await h?.close();
  await cloud?.close();
  await refusing?.close();
  h = cloud = refusing = undefined;
});

describe('fleet status sender', () => {
  it('sends a status at start, one after the uploads, then every 30 s when idle', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 1000, maxBatchAgeMs: 1000 }, { fleet: true, gatewayId: 'gw-test' });
    await h.append(wardReadings(0, 3000));
    h.uplink.start();
    const statuses = cloud.statuses as GatewayStatusDoc[];
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && statuses.some((s) => s.backlog.readings === 0 && s.sentAtMs > statuses[0]!.sentAtMs));
    expect(statuses[0]).toMatchObject({ v: 1, gatewayId: 'gw-test', backlog: { readings: 3000 }, quarantinedBatches: 0, uplink: { breaker: 'closed' } });
    expect(statuses[0]!.version).toMatch(/^\d+\.\d+\.\d+/);
    const drained = statuses.at(-1)!;
    expect(drained.backlog).toMatchObject({ readings: 0, batches: 0 });
    // Sends are ticks of the 5 s timer; sentAtMs is stamped after the figures are read, a
    // manual-clock step or so later.
    for (let i = 1; i < statuses.length; i++) expect(statuses[i]!.sentAtMs - statuses[i - 1]!.sentAtMs).toBeGreaterThanOrEqual(STATUS_MIN_INTERVAL_MS - 1000);
    // Idle: nothing for 30 s after the last send, then one.
    const n = statuses.length;
    await h.runUntil(() => statuses.length > n, { stepMs: 1000 });
    const idleGap = statuses.at(-1)!.sentAtMs - drained.sentAtMs;
    expect(idleGap).toBeGreaterThanOrEqual(STATUS_IDLE_INTERVAL_MS - 1000);
    expect(idleGap).toBeLessThanOrEqual(STATUS_IDLE_INTERVAL_MS + STATUS_MIN_INTERVAL_MS);
    // (the last send is counted when its answer is read, which may be just after the cloud saw it)
    expect(await h.metrics.text()).toMatch(/^wardlink_gateway_fleet_status_total\{result="sent"\} [2-9]/m);
  });

  it('counts a refused status, logs it once, and leaves the uploads alone', async () => {
    let statusPosts = 0;
    refusing = await startScriptedServer((req, res) => {
      if (req.url.endsWith('/v1/gateways/status')) {
        statusPosts++;
        json(res, 400, { error: { code: 'WL_FLEET_STATUS_INVALID', message: 'no' } });
      } else json(res, 200, { accepted: true, duplicate: false });
    });
    h = createUplinkHarness({ url: refusing.url }, { fleet: true });
    const sender = h.uplink.fleetStatus!;
    expect(await sender.send()).toBe('refused');
    expect(await sender.send()).toBe('refused');
    expect(sender.last).toMatchObject({ status: 400, code: 'WL_FLEET_STATUS_INVALID' });
    expect(statusPosts).toBe(2);
    expect(h.logger.lines.filter((l) => l.msg.startsWith('fleet status refused'))).toHaveLength(1);
    expect(await h.metrics.text()).toContain('wardlink_gateway_fleet_status_total{result="refused"} 2');
    expect(h.uplink.status()).toMatchObject({ up: true, lastError: null });
  });

  it('keeps the document under the bound by dropping the down device ids', () => {
    const doc: GatewayStatusDoc = {
      v: 1, gatewayId: 'gw', sentAtMs: 1, version: '0.1.0', uplink: { up: true, breaker: 'closed' },
      backlog: { batches: 0, readings: 0, alarms: 0, oldestAgeS: null }, quarantinedBatches: 0,
      disk: { freeBytes: null, outageDaysLeft: null }, alarmsActive: 0,
      devices: { up: 0, down: 20, unknown: 0, downIds: Array.from({ length: 20 }, (_, i) => `d${i}-${'x'.repeat(250)}`) },
    };
    const json = serializeStatus(doc, 42);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(STATUS_MAX_BYTES);
    expect(JSON.parse(json)).toMatchObject({ sentAtMs: 42, devices: { down: 20, downIds: [] } });
  });
});
