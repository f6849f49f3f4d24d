/**
 * Load and outages are answered 429/503 with Retry-After, never 500, and never crash
 * the service: a tiny rate limit, a database that is not there, a database that goes
 * away mid-stream (a TCP proxy we cut), a saturated pool, a schema not migrated yet.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { batchOf, countRows, simulatedWard, T0 } from '../ingest/testing/batches.js';
import { freePort } from '../storage/embedded-support.js';
import { migrate } from '../storage/migrator.js';
import { silentLogger } from '../testing/logger.js';
import { createTestDatabase, useTestDatabase } from '../testing/pg.js';
import { addGateway } from './auth/gateway-store.js';
import { postBatch, startTestService, type TestService } from './testing/service.js';

const db = useTestDatabase();
const running: TestService[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.service.stop();
});

async function start(...args: Parameters<typeof startTestService>): Promise<TestService> {
  const t = await startTestService(...args);
  running.push(t);
  return t;
}

let gatewayCount = 0;
async function newGateway(): Promise<{ id: string; token: string; batch: (seq: number) => Uint8Array }> {
  const id = `gw-bp-${++gatewayCount}`;
  const { token } = await addGateway(db.pool, { hospitalId: 'h-bp', wardId: `w${gatewayCount}`, gatewayId: id });
  const ward = simulatedWard(id, 10);
  return { id, token, batch: (seq) => encodeBatch(batchOf(ward, seq, T0 + seq * 10_000)) };
}

/** A TCP proxy to PostgreSQL that a test can cut (every connection dropped) and restore. */
async function pgProxy(targetUrl: string): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const target = new URL(targetUrl);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen();
  const url = new URL(targetUrl);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    cut: async () => {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
  };
}

describe('backpressure and outages', () => {
  it('answers 429 with Retry-After when a gateway is over its rate limit, and lets other gateways through', async () => {
    const t = await start(db.connectionString, { server: { rateLimitReadingsPerS: 100, rateLimitBurstReadings: 1_000, maxReadingsPerBatch: 1_000 } });
    const a = await newGateway();
    const b = await newGateway();
    expect((await postBatch(t.url, a.batch(1), a.token)).status).toBe(200);
    const limited = await postBatch(t.url, a.batch(2), a.token);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('WL_API_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    // ~780 readings per batch of 10 beds at 100 readings/s: a few seconds to wait.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(await countRows(db.pool, 'batch_ledger', a.id)).toBe(1);
    expect((await postBatch(t.url, b.batch(1), b.token)).status).toBe(200);
  });

  it('answers 503 with Retry-After when PostgreSQL is not there, and keeps serving health', async () => {
    const closed = new URL(db.connectionString);
    closed.host = `127.0.0.1:${await freePort()}`;
    const t = await start(closed.toString(), { database: { connectionTimeoutMs: 500 } });
    const res = await postBatch(t.url, new Uint8Array([1, 2, 3]), `wlgw_${'x'.repeat(43)}`);
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('WL_DB_UNAVAILABLE');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, database: 'unreachable' });
  });

  it('answers 503 when the database goes away mid-stream, stores the retry exactly once when it is back', async () => {
    const proxy = await pgProxy(db.connectionString);
    const t = await start(proxy.url, { database: { connectionTimeoutMs: 500 } });
    const gw = await newGateway();
    expect((await postBatch(t.url, gw.batch(1), gw.token)).status).toBe(200);

    await proxy.cut(); // every pooled backend connection dies; new ones are refused
    const during = await postBatch(t.url, gw.batch(2), gw.token);
    expect(during.status).toBe(503);
    expect(during.body.error?.code).toBe('WL_DB_UNAVAILABLE');
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    await proxy.restore();
    const retry = await postBatch(t.url, gw.batch(2), gw.token);
    expect(retry.status).toBe(200);
    expect(retry.body.duplicate).toBe(false);
    expect(await countRows(db.pool, 'batch_ledger', gw.id)).toBe(2);
    await proxy.cut();
  });

  it('answers 503 when the pool is saturated: waiting for a connection times out, more waiters are refused at once', async () => {
    const t = await start(db.connectionString, { database: { poolMax: 1, connectionTimeoutMs: 400 } }, { limits: { maxPoolWaiting: 0 } });
    const gw = await newGateway();
    expect((await postBatch(t.url, gw.batch(1), gw.token)).status).toBe(200); // token now cached
    const held = await t.service.pools.primary.connect();
    try {
      const answers = await Promise.all([postBatch(t.url, gw.batch(2), gw.token), postBatch(t.url, gw.batch(3), gw.token)]);
      expect(answers.map((a) => a.status)).toEqual([503, 503]);
      expect(answers.map((a) => a.body.error?.code).sort()).toEqual(['WL_API_OVERLOADED', 'WL_DB_UNAVAILABLE']);
      for (const a of answers) expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      held.release();
    }
    expect((await postBatch(t.url, gw.batch(2), gw.token)).status).toBe(200);
  });

  it('is not ready before the schema is migrated, and ready after', async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      const t = await start(empty.connectionString);
      const before = await fetch(`${t.url}/readyz`);
      expect(before.status).toBe(503);
      expect(await before.json()).toMatchObject({ ready: false, database: 'ok', schemaVersion: 0 });
      const early = await postBatch(t.url, new Uint8Array([1, 2, 3]), `wlgw_${'x'.repeat(43)}`);
      expect(early.status).toBe(503);
      expect(early.body.error?.code).toBe('WL_SCHEMA_NOT_CURRENT');
      expect(early.headers.get('retry-after')).toBe('30');
      await migrate(empty.pool, { logger: silentLogger });
      await new Promise((r) => setTimeout(r, 1_100)); // the readiness cache
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
      await t.service.stop();
    } finally {
      await empty.drop();
    }
  });
});
