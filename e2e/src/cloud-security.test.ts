/**
 * The cloud service on a hostile network: reading times bounded against its clock (a
 * batch outside them refused for good, making no partition), HTTPS, and no plain HTTP
 * off loopback unless a TLS proxy is said to terminate it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as httpsGet } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch, type Batch } from '@wardlink/shared';
import { makeSelfSigned } from '@wardlink/gateway/testing';
import { resolveCloudConfig, addGateway } from '@wardlink/cloud';
import { batchOf, simulatedWard, useTestDatabase, postBatch, startTestService, type TestService } from '@wardlink/cloud/testing';

const db = useTestDatabase();
const DAY_MS = 86_400_000;
let t: TestService;
let token: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-cloud-sec-'));
  t = await startTestService(db.connectionString);
  token = (await addGateway(db.pool, { hospitalId: 'h-sec', wardId: 'icu', gatewayId: 'gw-sec' })).token;
});
afterAll(async () => {
  await t?.service.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function partitionsAround(ms: number): Promise<number> {
  const day = new Date(ms).toISOString().slice(0, 10).replace(/-/g, '_');
  const res = await db.pool.query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'vital_data%' AND relname LIKE $1", [`%${day}%`]);
  return res.rows[0].n as number;
}

describe('reading times', () => {
  const ward = simulatedWard('gw-sec', 4);
  const shifted = (batch: Batch, byMs: number): Batch => ({ ...batch, readings: batch.readings.map((r) => ({ ...r, deviceTimeMs: r.deviceTimeMs + byMs, receivedAtMs: r.receivedAtMs + byMs })) });

  it('refuses for good (422) a batch from ahead of the server clock or from before the hot period, and makes no partition for it', async () => {
    const now = Date.now();
    const ahead = shifted(batchOf(ward, 1, now - 60_000), 3 * DAY_MS);
    const old = shifted(batchOf(ward, 2, now - 60_000), -400 * DAY_MS);
    for (const batch of [ahead, old]) {
      const t0 = batch.readings[0]!.deviceTimeMs;
      const res = await postBatch(t.url, encodeBatch(batch), token);
      expect(res.status).toBe(422);
      expect(res.body.error?.code).toBe('WL_API_READING_TIME_OUT_OF_BOUNDS');
      expect(await partitionsAround(t0)).toBe(0);
    }
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/wardlink_cloud_batch_errors_total\{code="WL_API_READING_TIME_OUT_OF_BOUNDS"\} 2/);
    // Inside the bounds the same gateway is fine.
    expect((await postBatch(t.url, encodeBatch(batchOf(ward, 3, now - 60_000)), token)).status).toBe(200);
  });
});

describe('TLS', () => {
  it('serves HTTPS with server.tlsCertFile and tlsKeyFile', async () => {
    const made = await makeSelfSigned({ commonName: 'cloud', names: ['localhost', '127.0.0.1'] });
    writeFileSync(join(dir, 'cloud.crt'), made.certPem);
    writeFileSync(join(dir, 'cloud.key'), made.keyPem);
    const secure = await startTestService(db.connectionString, { server: { tlsCertFile: join(dir, 'cloud.crt'), tlsKeyFile: join(dir, 'cloud.key') } });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        httpsGet(`${secure.url.replace('127.0.0.1', 'localhost')}/healthz`, { ca: made.certPem }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).on('error', reject);
      });
      expect(status).toBe(200);
      await expect(fetch(`${secure.url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    } finally {
      await secure.service.stop();
    }
  });

  it('refuses plain HTTP off loopback unless a TLS proxy is said to terminate it', () => {
    const resolve = (server: Record<string, unknown>) => () => resolveCloudConfig({ env: {}, overrides: { server } });
    expect(resolve({ host: '0.0.0.0' })).toThrow(/server\.host .*without TLS/);
    expect(resolve({ host: '0.0.0.0', behindTlsProxy: true })).not.toThrow();
    expect(resolve({ host: '127.0.0.1' })).not.toThrow();
    expect(resolve({ host: '0.0.0.0', tlsCertFile: '/x.crt' })).toThrow(/tlsKeyFile/);
  });
});
