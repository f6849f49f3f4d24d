/**
 * SIGHUP with new cloud settings: the running daemon stops uploading to the old cloud
 * and uploads to the new one with the new token, without a restart, and every reading
 * arrives exactly once (batches left pending keep their seq). A reload whose TLS file
 * cannot be read is refused and the running uplink is kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config/load.js';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { startFakeCloud, type FakeCloud } from './testing/fake-cloud.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
let oldCloud: FakeCloud;
let newCloud: FakeCloud;

const setCloud = (cloud: Record<string, unknown>) => {
  const raw = JSON.parse(readFileSync(gw.configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(gw.configPath, JSON.stringify({ ...raw, cloud: { ...(raw.cloud as object), ...cloud } }));
  return loadGatewayConfig({ path: gw.configPath, env: {} });
};

beforeAll(async () => {
  oldCloud = await startFakeCloud(() => Date.now());
  newCloud = await startFakeCloud(() => Date.now());
  // The old cloud has revoked this gateway's token; the new one stores every batch (the
  // test checks the token it was sent).
  oldCloud.script = () => ({ status: 401, body: { error: { code: 'WL_API_UNAUTHORIZED', message: 'unknown token' } } });
  gw = await createTestGateway({
    beds: ['bed-01'],
    devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
    raw: { cloud: { url: oldCloud.url, token: 'old-token', maxBatchAgeMs: 50 } },
  });
  daemon = await startDaemon(gw);
});
afterAll(async () => {
  await daemon?.stop();
  await oldCloud?.close();
  await newCloud?.close();
  gw?.cleanup();
});

describe('SIGHUP with new cloud settings', () => {
  it('moves the uploads to the new cloud and token without a restart, each reading once', async () => {
    const mon = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: 'mon-1', reconnectPeriod: 0 });
    const base = Date.now() - 60_000;
    // All in flight at once: one at a time, each PUBACK waits for its group commit
    // (buffer.maxCommitDelayMs, 250 ms at this rate), which made the test take ~30 s of
    // its 40 s and fail on a loaded machine. QoS 1 keeps their order.
    const send = async (from: number, to: number) => {
      const sends: Promise<unknown>[] = [];
      for (let i = from; i < to; i++) sends.push(mon.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: base + i * 1000, readings: { HR: 60 + (i % 30), SPO2: 97 } }), { qos: 1 }));
      await Promise.all(sends);
    };
    await send(0, 50);
    await expect.poll(() => oldCloud.deliveries.length, { timeout: 10_000 }).toBeGreaterThan(0); // refused: 401, uploads halted
    expect(oldCloud.stored.size).toBe(0);

    // An unreadable CA file: refused, the running uplink (and its URL) kept.
    await daemon.reload(setCloud({ url: newCloud.url, token: 'new-token', caFile: '/nonexistent/ca.pem' }));
    expect(daemon.gatewayConfig.cloud.url).toBe(oldCloud.url);

    await daemon.reload(setCloud({ url: newCloud.url, token: 'new-token', caFile: null }));
    expect(daemon.gatewayConfig.cloud.url).toBe(newCloud.url);
    await send(50, 100);
    await expect.poll(() => [...newCloud.readingCounts().values()].length, { timeout: 15_000 }).toBe(200);
    expect([...newCloud.readingCounts().values()].every((n) => n === 1)).toBe(true);
    expect(newCloud.server.received.every((r) => r.headers.authorization === 'Bearer new-token')).toBe(true);
    const oldRequests = oldCloud.deliveries.length;
    await send(100, 110);
    await expect.poll(() => [...newCloud.readingCounts().values()].length, { timeout: 10_000 }).toBe(220);
    expect(oldCloud.deliveries.length).toBe(oldRequests); // nothing more went to the old cloud
    await mon.endAsync(true);
  }, 40_000);
});
