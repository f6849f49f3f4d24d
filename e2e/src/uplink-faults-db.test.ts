/**
 * PostgreSQL unavailable under the cloud mid-stream: the real cloud (in process) reaches
 * the real PostgreSQL through a TCP proxy the test cuts, and later its backends are
 * terminated with pg_terminate_backend. The cloud answers 503 + Retry-After; the uplink
 * keeps the batches and retries. 0 readings lost, 0 duplicated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService, useTestDatabase, checkCloud, registerGateway, startTcpProxy, viaPort, type TcpProxy } from '@wardlink/cloud/testing';
import { wardReadings, createUplinkHarness, type UplinkHarness } from '@wardlink/gateway/testing';

const db = useTestDatabase();
let proxy: TcpProxy;
let cloud: TestService;
let h: UplinkHarness | undefined;

beforeAll(async () => {
  proxy = await startTcpProxy(Number(new URL(db.connectionString).port));
  cloud = await startTestService(viaPort(db.connectionString, proxy.port), { database: { connectionTimeoutMs: 500 } }, { authCacheTtlMs: 100 });
});
afterAll(async () => {
  await h?.close();
  await cloud?.service.stop();
  await proxy?.close();
});

describe('PostgreSQL unavailable mid-stream', () => {
  it('gets 503 + Retry-After while the database is away, and stores every reading exactly once when it is back', async () => {
    const gw = 'gw-db';
    const token = await registerGateway(db.pool, gw);
    h = createUplinkHarness({ url: cloud.url, token, maxBatchReadings: 2000, concurrency: 4, backoffBaseMs: 200, backoffMaxMs: 5000, breakerOpenMs: 1000 }, { gatewayId: gw });
    const readings = wardReadings(0, 80_000, 50, gw);
    await h.append(readings);
    let sent = 0;
    h.uplink.on('sent', () => (sent += 1));
    h.uplink.start();

    await h.runUntil(() => sent >= 4, { stepMs: 5 });
    await proxy.cut();
    const cutAt = h.clock.now();
    await h.runUntil(() => h!.uplink.status().lastError?.status === 503 && h!.clock.now() - cutAt > 60_000, { stepMs: 1000 });
    const during = h.uplink.status();
    expect(during).toMatchObject({ up: false, lastError: { code: 'WL_DB_UNAVAILABLE', kind: 'retry' } });
    expect(during.backlogReadings).toBeGreaterThan(0);
    const sentWhileDown = sent;
    await proxy.restore();

    // Once it is draining again, cut every backend of the cloud from PostgreSQL's side.
    await h.runUntil(() => sent >= sentWhileDown + 4, { stepMs: 200 });
    const killed = await db.pool.query<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'wardlink-cloud'",
      [db.name],
    );
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0, { stepMs: 500, realTimeoutMs: 20_000 });

    const check = await checkCloud(db.pool, gw, readings);
    const retries = (await h.metrics.text()).split('\n').find((l) => l.startsWith('wardlink_gateway_uplink_batches_total{result="retry",status="503"}'));
    console.log(`PostgreSQL away: ${JSON.stringify(check)}; backends terminated ${killed.rows[0]!.n}; ${retries}`);
    expect(check).toEqual({ expected: 80_000, stored: 80_000, missing: 0, wrong: 0, duplicated: 0 });
    expect(retries).toBeDefined();
    expect(h.uplink.status()).toMatchObject({ up: true, breaker: 'closed' });
  });
});
