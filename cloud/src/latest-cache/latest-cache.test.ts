/** The latest-vitals cache on real HTTP and PostgreSQL: a service with the cache answers
 * exactly what a service without it (the database) answers, after real batch uploads,
 * re-admissions, discharges and a killed LISTEN connection, within a bounded memory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch, type Reading } from '@wardlink/shared';
import { useTestDatabase } from '../testing/pg.js';
import { getRead, seedHospital, type ReadFixture } from '../api/testing/read-fixtures.js';
import { postBatch, startTestService, type TestService } from '../api/testing/service.js';
import { TestSseClient } from '../api/testing/sse-client.js';

const db = useTestDatabase();
let cached: TestService;
let plain: TestService;
const fx: Record<string, ReadFixture> = {};
const seqOf: Record<string, number> = {};
const HEADER = 'x-wardlink-latest-cache';

const latestPath = (h: string, p: string) => `/v1/hospitals/${h}/patients/${p}/latest`;
const dashPath = (h: string) => `/v1/hospitals/${h}/dashboard?sinceS=3600`;

/** The answer without its trace id (which differs per request), and how it was made. */
async function answer(svc: TestService, h: string, path: string): Promise<{ body: string; cache: string | null }> {
  const res = await getRead(svc.url, path, fx[h]!.readerToken);
  expect(res.status).toBe(200);
  // `since` is the request's clock minus sinceS: it differs between two requests.
  return { body: res.text.replace(/,"traceId":"[^"]*"/, '').replace(/"since":"[^"]*",/, ''), cache: res.headers.get(HEADER) };
}

/** Polls until the cached service answers from its cache what the database answers;
 * gives the last pair for the assertion. 3 s bounds the NOTIFY and refresh path. */
async function settle(h: string, path: string, boundMs = 3_000): Promise<{ fromCache: { body: string; cache: string | null }; fromDb: { body: string } }> {
  const until = Date.now() + boundMs;
  for (;;) {
    const fromCache = await answer(cached, h, path);
    const fromDb = await answer(plain, h, path);
    if ((fromCache.body === fromDb.body && fromCache.cache !== 'bypass') || Date.now() > until) return { fromCache, fromDb };
    await new Promise((r) => setTimeout(r, 50));
  }
}

function reading(h: string, bed: number, patientId: string | null, metric: 'HR' | 'SPO2', t: number, value: number): Reading {
  return { gatewayId: `${h}-gw`, deviceId: `mon-${bed}`, bedId: `bed-${bed}`, patientId, metric, deviceTimeMs: t, receivedAtMs: t, value, flags: 0 };
}

async function upload(h: string, readings: Reading[]): Promise<void> {
  const seq = (seqOf[h] = (seqOf[h] ?? 0) + 1);
  const res = await postBatch(cached.url, encodeBatch({ gatewayId: `${h}-gw`, seq, createdAtMs: Date.now(), alarms: [], readings }), fx[h]!.gatewayToken);
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  cached = await startTestService(db.connectionString, { server: { latestCacheMaxHospitals: 2 } });
  plain = await startTestService(db.connectionString, { server: { latestCacheMaxHospitals: 0 } }); // the database's answers
  const at = new Date(Date.now() - 60_000);
  for (const h of ['hc1', 'hc2', 'hc3']) fx[h] = await seedHospital(db.pool, h, 3, at);
  // The cache is trusted once its first heartbeat came back through the LISTEN connection.
  const until = Date.now() + 5_000;
  while (!cached.service.latestCache?.trusted && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(cached.service.latestCache?.trusted).toBe(true);
});
afterAll(async () => {
  await cached?.service.stop();
  await plain?.service.stop();
});

describe('latest-vitals cache', () => {
  it('answers from memory what the database answers, byte for byte, and says so in a header', async () => {
    const first = await answer(cached, 'hc1', latestPath('hc1', 'P1'));
    expect(first.cache).toBe('miss');
    const second = await answer(cached, 'hc1', latestPath('hc1', 'P1'));
    expect(second.cache).toBe('hit');
    expect(second.body).toBe((await answer(plain, 'hc1', latestPath('hc1', 'P1'))).body);
    expect((await answer(plain, 'hc1', latestPath('hc1', 'P1'))).cache).toBe('bypass'); // cache off: the database answered
    const dash = await answer(cached, 'hc1', dashPath('hc1'));
    expect(dash.cache).toBe('hit');
    expect(dash.body).toBe((await answer(plain, 'hc1', dashPath('hc1'))).body);
    expect(JSON.parse(dash.body).patients).toHaveLength(3);
  });

  it('shows an uploaded batch, a re-admission, a discharge and a moved patient', async () => {
    await answer(cached, 'hc1', latestPath('hc1', 'P1')); // loaded before the uploads
    const now = Date.now();
    await upload('hc1', [
      reading('hc1', 1, 'P1', 'HR', now, 111),
      reading('hc1', 2, 'P9', 'HR', now, 90), // bed 2: P2 left, P9 admitted
      reading('hc1', 2, 'P9', 'SPO2', now, 95),
      reading('hc1', 3, null, 'HR', now, 0), // bed 3 discharged
      reading('hc1', 3, null, 'SPO2', now, 0),
    ]);
    const p1 = await settle('hc1', latestPath('hc1', 'P1'));
    expect(p1.fromCache.body).toBe(p1.fromDb.body);
    expect(JSON.parse(p1.fromCache.body).vitals.find((v: { metric: { id: string } }) => v.metric.id === 'HR').value).toBe(111);
    const p9 = await settle('hc1', latestPath('hc1', 'P9'));
    expect(p9.fromCache.body).toBe(p9.fromDb.body);
    expect(JSON.parse(p9.fromCache.body).vitals.map((v: { bedId: string }) => v.bedId)).toEqual(['bed-2', 'bed-2']);
    const dash = await settle('hc1', dashPath('hc1'));
    expect(dash.fromCache.body).toBe(dash.fromDb.body);
    expect(dash.fromCache.cache).not.toBe('bypass');
    const ids = JSON.parse(dash.fromCache.body).patients.map((p: { patientId: string }) => p.patientId);
    expect(ids).toContain('P9');
    expect(ids).not.toContain('P3');
    // P1 moved to bed 5: the newest HR is the new bed's.
    await upload('hc1', [reading('hc1', 5, 'P1', 'HR', Date.now(), 64)]);
    const moved = await settle('hc1', latestPath('hc1', 'P1'));
    expect(moved.fromCache.body).toBe(moved.fromDb.body);
    expect(JSON.parse(moved.fromCache.body).vitals.find((v: { metric: { id: string } }) => v.metric.id === 'HR')).toMatchObject({ bedId: 'bed-5', value: 64 });
  });

  it('equals the database after random uploads', async () => {
    let rand = 12345;
    const next = (n: number) => ((rand = (Math.imul(rand, 1103515245) + 12345) >>> 0) >>> 16) % n;
    await answer(cached, 'hc2', dashPath('hc2'));
    for (let round = 0; round < 6; round++) {
      const base = Date.now() - next(120_000); // some older than what is stored: must not win
      const readings: Reading[] = [];
      for (let i = 0; i < 8; i++) {
        const bed = 1 + next(5);
        const patient = next(4) === 0 ? null : `P${1 + next(6)}`;
        readings.push(reading('hc2', bed, patient, next(2) === 0 ? 'HR' : 'SPO2', base + next(5_000), 40 + next(60)));
      }
      await upload('hc2', readings);
    }
    const dash = await settle('hc2', dashPath('hc2'));
    expect(dash.fromCache.body).toBe(dash.fromDb.body);
    // The uploads did reach the dashboard: more beds or patients than the 3 seeded.
    const beds = JSON.parse(dash.fromCache.body).patients as Array<{ bedId: string; patientId: string }>;
    expect(new Set(beds.map((b) => `${b.bedId}/${b.patientId}`)).size).toBeGreaterThan(3);
    for (let p = 1; p <= 6; p++) {
      const latest = await settle('hc2', latestPath('hc2', `P${p}`));
      expect(latest.fromCache.body, `P${p}`).toBe(latest.fromDb.body);
      expect(latest.fromCache.cache).not.toBe('bypass');
    }
  });

  it('starts over when the LISTEN connection is killed, and keeps up after it is back', async () => {
    await answer(cached, 'hc1', dashPath('hc1'));
    expect((await answer(cached, 'hc1', dashPath('hc1'))).cache).toBe('hit');
    const backBefore = cached.log.entries().filter((e) => e.msg === 'the LISTEN connection for streams is back; clients get a fresh snapshot').length;
    const killed = await db.pool.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'wardlink-cloud-listen' AND datname = current_database()",
    );
    expect(killed.rows.length).toBe(2); // both services' connections
    const until = Date.now() + 10_000;
    while (cached.log.entries().filter((e) => e.msg === 'the LISTEN connection for streams is back; clients get a fresh snapshot').length <= backBefore && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The resync emptied the cache: the next read loads the hospital again.
    let after = await answer(cached, 'hc1', dashPath('hc1'));
    while (after.cache === 'bypass' && Date.now() < until) after = await answer(cached, 'hc1', dashPath('hc1'));
    expect(after.cache).toBe('miss');
    await upload('hc1', [reading('hc1', 1, 'P1', 'HR', Date.now(), 77)]);
    const p1 = await settle('hc1', latestPath('hc1', 'P1'));
    expect(p1.fromCache.body).toBe(p1.fromDb.body);
    expect(JSON.parse(p1.fromCache.body).vitals.find((v: { metric: { id: string } }) => v.metric.id === 'HR').value).toBe(77);
  });

  it('gives a new stream its snapshot from memory, the same as the database\'s dashboard, then the changes', async () => {
    await answer(cached, 'hc2', dashPath('hc2')); // loaded
    const client = await TestSseClient.open(`${cached.url}/v1/hospitals/hc2/stream`, fx.hc2!.readerToken);
    try {
      const snapshot = (await client.waitFor((e) => e.event === 'snapshot', 5_000)).data as { patients: unknown[] };
      const fromDb = await getRead(plain.url, '/v1/hospitals/hc2/dashboard', fx.hc2!.readerToken); // the stream's window: the default sinceS
      expect(snapshot.patients.length).toBeGreaterThan(0);
      expect(snapshot.patients).toEqual(fromDb.json().patients);
      const metrics = await (await fetch(`${cached.url}/metrics`)).text();
      expect(metrics).toMatch(/^wardlink_latest_cache_reads_total\{route="stream",result="hit"\} 1$/m);
      await upload('hc2', [reading('hc2', 2, 'P2', 'SPO2', Date.now(), 91)]);
      const vitals = (await client.waitFor((e) => e.event === 'vitals', 5_000)).data as { vitals: Array<{ patientId: string; value: number }> };
      expect(vitals.vitals).toEqual([expect.objectContaining({ patientId: 'P2', value: 91 })]);
    } finally {
      client.close();
    }
  });

  it('holds at most latestCacheMaxHospitals hospitals, the least recently read dropped', async () => {
    for (const h of ['hc1', 'hc2', 'hc3']) await answer(cached, h, dashPath(h));
    expect(cached.service.latestCache?.hospitals).toBe(2);
    expect((await answer(cached, 'hc3', dashPath('hc3'))).cache).toBe('hit');
    expect((await answer(cached, 'hc1', dashPath('hc1'))).cache).toBe('miss'); // was dropped
    expect((await answer(cached, 'hc1', dashPath('hc1'))).cache).toBe('hit');
    const metrics = await (await fetch(`${cached.url}/metrics`)).text();
    expect(metrics).toMatch(/^wardlink_latest_cache_hospitals 2$/m);
    expect(metrics).toMatch(/^wardlink_latest_cache_reads_total\{route="dashboard",result="hit"\} [1-9]/m);
  });
});
