/** Instance roles (server.role) on real HTTP and PostgreSQL: an ingest instance and a read
 * instance on one database, each refusing the other's routes with 421 WL_API_WRONG_ROLE,
 * and the read instance's latest-vitals cache and streams showing a batch that only the
 * ingest instance received (fed by LISTEN/NOTIFY, not in-process). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch, type Reading } from '@wardlink/shared';
import { useTestDatabase } from '../../testing/pg.js';
import { getRead, seedHospital, type ReadFixture } from '../testing/read-fixtures.js';
import { postBatch, startTestService, type TestService } from '../testing/service.js';
import { TestSseClient } from '../testing/sse-client.js';

const db = useTestDatabase();
let ingest: TestService;
let read: TestService;
let h: ReadFixture;
let seq = 0;
const H = 'h-roles';

function reading(bed: number, patientId: string, metric: 'HR' | 'SPO2', t: number, value: number): Reading {
  return { gatewayId: `${H}-gw`, deviceId: `mon-${bed}`, bedId: `bed-${bed}`, patientId, metric, deviceTimeMs: t, receivedAtMs: t, value, flags: 0 };
}

const batch = (readings: Reading[]) => encodeBatch({ gatewayId: `${H}-gw`, seq: ++seq, createdAtMs: Date.now(), alarms: [], readings });

/** The patient's HR as the read instance answers it, and how (cache header). */
async function hrOf(patientId: string): Promise<{ value: number | undefined; cache: string | null }> {
  const res = await getRead(read.url, `/v1/hospitals/${H}/patients/${patientId}/latest`, h.readerToken);
  expect(res.status).toBe(200);
  const hr = (res.json().vitals as Array<{ metric: { id: string }; value: number }>).find((v) => v.metric.id === 'HR');
  return { value: hr?.value, cache: res.headers.get('x-wardlink-latest-cache') };
}

beforeAll(async () => {
  ingest = await startTestService(db.connectionString, { server: { role: 'ingest' } });
  read = await startTestService(db.connectionString, { server: { role: 'read', latestCacheMaxHospitals: 4 } });
  h = await seedHospital(db.pool, H, 2, new Date(Date.now() - 60_000));
  const until = Date.now() + 5_000;
  while (!read.service.latestCache?.trusted && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(read.service.latestCache?.trusted).toBe(true);
});
afterAll(async () => {
  await ingest?.service.stop();
  await read?.service.stop();
});

describe('server.role', () => {
  it('a read instance refuses batches and gateway status with 421 WL_API_WRONG_ROLE, storing nothing', async () => {
    const res = await postBatch(read.url, batch([reading(1, 'P1', 'HR', Date.now(), 150)]), h.gatewayToken);
    expect(res.status).toBe(421);
    expect(res.body.error?.code).toBe('WL_API_WRONG_ROLE');
    expect(res.body.error?.message).toMatch(/server\.role=read .*POST \/v1\/batches.*ingest or all/);
    const status = await fetch(`${read.url}/v1/gateways/status`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${h.gatewayToken}`, 'content-type': 'application/json' } });
    expect(status.status).toBe(421);
    expect(((await status.json()) as { error: { code: string } }).error.code).toBe('WL_API_WRONG_ROLE');
    const stored = await db.pool.query('SELECT count(*)::int AS n FROM batch_ledger WHERE gateway_id = $1', [`${H}-gw`]);
    expect(stored.rows[0].n).toBe(0);
    // Counted, so a misrouting load balancer shows in /metrics, not only in the logs.
    const metrics = await (await fetch(`${read.url}/metrics`)).text();
    // (fetch retries a 421 once on a new connection, as RFC 9110 allows: 2 or 4 here.)
    expect(metrics).toMatch(/^wardlink_cloud_wrong_role_total\{route_role="ingest"\} [24]$/m);
  });

  it('an ingest instance refuses the read API, streams and FHIR with 421, and keeps no cache or LISTEN connection', async () => {
    for (const path of [`/v1/hospitals/${H}/patients/P1/latest`, `/v1/hospitals/${H}/dashboard`, `/v1/hospitals/${H}/stream`, `/v1/hospitals/${H}/fhir/Observation?patient=P1`]) {
      const res = await getRead(ingest.url, path, h.readerToken);
      expect(res.status, path).toBe(421);
      expect(res.json().error?.code, path).toBe('WL_API_WRONG_ROLE');
      expect(res.json().error?.message, path).toMatch(/server\.role=ingest/);
    }
    expect(ingest.service.latestCache).toBeUndefined();
    const listening = await db.pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'wardlink-cloud-listen' AND datname = current_database()");
    expect(listening.rows[0].n).toBe(1); // the read instance's alone
  });

  it('both serve the probes and /metrics', async () => {
    for (const svc of [ingest, read]) {
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${svc.url}/metrics`)).text()).toContain('wardlink_cloud_');
    }
  });

  it('the read instance answers, from its cache, a reading ingested through the ingest instance', async () => {
    expect((await hrOf('P1')).value).toBe(72); // the hospital is now cached on the read instance
    expect((await hrOf('P1')).cache).toBe('hit');
    const res = await postBatch(ingest.url, batch([reading(1, 'P1', 'HR', Date.now(), 131)]), h.gatewayToken);
    expect(res.status).toBe(200);
    // The NOTIFY reaches the read instance's LISTEN connection once the batch committed.
    const until = Date.now() + 3_000;
    let seen = await hrOf('P1');
    while (seen.value !== 131 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
      seen = await hrOf('P1');
    }
    expect(seen.value).toBe(131);
    expect(seen.cache).not.toBe('bypass');
  });

  it('the read instance streams a batch ingested through the ingest instance', async () => {
    const client = await TestSseClient.open(`${read.url}/v1/hospitals/${H}/stream`, h.readerToken);
    try {
      await client.waitFor((e) => e.event === 'snapshot', 5_000);
      expect((await postBatch(ingest.url, batch([reading(2, 'P2', 'SPO2', Date.now(), 89)]), h.gatewayToken)).status).toBe(200);
      const vitals = (await client.waitFor((e) => e.event === 'vitals', 5_000)).data as { vitals: Array<{ patientId: string; value: number }> };
      expect(vitals.vitals).toEqual([expect.objectContaining({ patientId: 'P2', value: 89 })]);
    } finally {
      client.close();
    }
  });

  it('a read instance leaves the data lifecycle to the others unless asked; an ingest instance runs it', async () => {
    // lifecycle: undefined is what `serve` passes without --lifecycle or --no-lifecycle.
    const started = await Promise.all([
      startTestService(db.connectionString, { server: { role: 'read' } }, { lifecycle: undefined }),
      startTestService(db.connectionString, { server: { role: 'read' } }, { lifecycle: true }),
      startTestService(db.connectionString, { server: { role: 'ingest' } }, { lifecycle: undefined }),
    ]);
    try {
      expect(started.map((t) => t.service.lifecycle !== undefined)).toEqual([false, true, true]);
    } finally {
      await Promise.all(started.map((t) => t.service.stop()));
    }
  });
});
