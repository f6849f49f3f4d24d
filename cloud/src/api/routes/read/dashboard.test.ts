/** GET /v1/hospitals/:hospitalId/dashboard: one statement for the whole hospital, from the
 * database (the latest-vitals cache off) and when the cache loads the hospital. */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, HR, seedHospital, SPO2, type ReadFixture } from '../../testing/read-fixtures.js';
import { postBatch, startTestService, type TestService } from '../../testing/service.js';
import { CACHE_HEADER } from './cached-read-deps.js';

const db = useTestDatabase();
let t: TestService;
/** The same with the latest-vitals cache on, as by default. */
let cached: TestService;
let h: ReadFixture;
const PATIENTS = 12;

beforeAll(async () => {
  t = await startTestService(db.connectionString, { server: { latestCacheMaxHospitals: 0 } });
  cached = await startTestService(db.connectionString, { server: { latestCacheMaxHospitals: 2 } });
  h = await seedHospital(db.pool, 'h-dash', PATIENTS, new Date(Date.now() - 10_000));
  await seedHospital(db.pool, 'h-other', 4, new Date());
  // A bed that stopped reporting an hour ago is not active for sinceS=300.
  await db.pool.query(
    `INSERT INTO latest_vitals (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
     VALUES ('h-dash', 'h-dash-gw', 'bed-stale', ${HR}, now() - interval '1 hour', 60, 0, 'P-stale', 'mon-stale')`,
  );
});
afterAll(async () => {
  await t?.service.stop();
  await cached?.service.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /v1/hospitals/:hospitalId/dashboard', () => {
  it('lists every active admitted bed of the hospital with its latest vitals', async () => {
    const res = await getRead(t.url, '/v1/hospitals/h-dash/dashboard?sinceS=300', h.readerToken);
    expect(res.status).toBe(200);
    const body = res.json() as { patients: Array<{ wardId: string; patientId: string; displayName: string; vitals: Array<{ metric: { id: string; mdcCode: number }; flags: string[] }> }> };
    expect(body.patients).toHaveLength(PATIENTS);
    expect(body.patients.map((p) => p.patientId)).not.toContain('P-stale');
    for (const p of body.patients) {
      expect(p.wardId).toBe('icu');
      expect(p.displayName).toMatch(/^Patient \d+$/);
      expect(p.vitals.map((v) => v.metric.mdcCode)).toEqual([HR, SPO2]);
      expect(p.vitals[1]!.flags).toEqual(['INVALID', 'SENSOR_OFF']);
    }
    const wide = await getRead(t.url, '/v1/hospitals/h-dash/dashboard?sinceS=86400', h.readerToken);
    expect((wide.json().patients as unknown[]).length).toBe(PATIENTS + 1);
  });

  it('issues exactly one database query for the whole dashboard, however many patients (no N+1)', async () => {
    await getRead(t.url, '/v1/hospitals/h-dash/dashboard', h.readerToken); // the token lookup is cached now
    const query = vi.spyOn(pg.Client.prototype, 'query');
    const res = await getRead(t.url, '/v1/hospitals/h-dash/dashboard', h.readerToken);
    expect(res.status).toBe(200);
    expect((res.json().patients as unknown[]).length).toBe(PATIENTS);
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('with the latest-vitals cache: one query loads the whole hospital, however many patients, and the next dashboard needs none', async () => {
    // Only the statements on latest_vitals count: the reader-token lookup and the cache's
    // heartbeat NOTIFY (every 500 ms) also go through pg.Client.
    // The cache answers once its LISTEN connection is proven alive (the first heartbeat back).
    for (let i = 0; i < 100 && !cached.service.latestCache?.trusted; i++) await new Promise((r) => setTimeout(r, 50));
    expect(cached.service.latestCache?.trusted).toBe(true);
    const query = vi.spyOn(pg.Client.prototype, 'query');
    const onLatest = () => query.mock.calls.filter(([q]) => /latest_vitals/.test(typeof q === 'string' ? q : String((q as { text?: string }).text))).length;
    const first = await getRead(cached.url, '/v1/hospitals/h-dash/dashboard', h.readerToken);
    expect(first.status).toBe(200);
    expect(first.headers.get(CACHE_HEADER)).toBe('miss');
    expect((first.json().patients as unknown[]).length).toBe(PATIENTS);
    expect(onLatest()).toBe(1);
    const second = await getRead(cached.url, '/v1/hospitals/h-dash/dashboard', h.readerToken);
    expect(second.headers.get(CACHE_HEADER)).toBe('hit');
    expect(second.json().patients).toEqual(first.json().patients); // 'since' moves with the clock
    expect(onLatest()).toBe(1);
  });

  it('refuses a bad sinceS with 400 WL_API_INVALID_PARAMETER', async () => {
    for (const sinceS of ['0', '-5', 'abc', '86401', '1.5']) {
      const res = await getRead(t.url, `/v1/hospitals/h-dash/dashboard?sinceS=${sinceS}`, h.readerToken);
      expect(res.status, sinceS).toBe(400);
      expect(res.json().error?.code).toBe('WL_API_INVALID_PARAMETER');
    }
  });

  // Last: it uploads to h-dash. The cache remembers a dashboard between changes: going back
  // to a wider window, or a batch landing, must show what the database shows.
  it('with the latest-vitals cache: answers what the database answers as sinceS moves back and forth and a batch lands', async () => {
    for (let i = 0; i < 100 && !cached.service.latestCache?.trusted; i++) await new Promise((r) => setTimeout(r, 50));
    const answer = async (svc: TestService, sinceS: number) => {
      const res = await getRead(svc.url, `/v1/hospitals/h-dash/dashboard?sinceS=${sinceS}`, h.readerToken);
      expect(res.status).toBe(200);
      return { body: res.text.replace(/"since":"[^"]*",/, '').replace(/,"traceId":"[^"]*"/, ''), cache: res.headers.get(CACHE_HEADER) };
    };
    // Windows that no row's time is near (rows: 10 s and 1 h old, and the batch's at upload).
    const compare = async (label: string, windows: number[]) => {
      for (const sinceS of windows) {
        const fromCache = await answer(cached, sinceS);
        expect(fromCache.cache, `${label} sinceS=${sinceS}`).not.toBe('bypass');
        expect(fromCache.body, `${label} sinceS=${sinceS}`).toBe((await answer(t, sinceS)).body);
      }
    };
    await compare('seeded', [300, 86_400, 300, 3, 7_200, 300, 86_400, 86_400]);
    expect(JSON.parse((await answer(cached, 3)).body).patients).toEqual([]);
    // P3 moves to bed-20, P4's HR changes.
    const now = Date.now();
    const readings = [
      { gatewayId: 'h-dash-gw', deviceId: 'mon-20', bedId: 'bed-20', patientId: 'P3', metric: 'HR' as const, deviceTimeMs: now, receivedAtMs: now, value: 101, flags: 0 },
      { gatewayId: 'h-dash-gw', deviceId: 'mon-4', bedId: 'bed-4', patientId: 'P4', metric: 'HR' as const, deviceTimeMs: now, receivedAtMs: now, value: 55, flags: 0 },
    ];
    const res = await postBatch(cached.url, encodeBatch({ gatewayId: 'h-dash-gw', seq: 1, createdAtMs: now, alarms: [], readings }), h.gatewayToken);
    expect(res.status).toBe(200);
    const until = Date.now() + 3_000;
    while (!(await answer(cached, 300)).body.includes('"bedId":"bed-20"') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await compare('after the batch', [300, 86_400, 300, 7_200, 300]);
    const beds = JSON.parse((await answer(cached, 300)).body).patients as Array<{ bedId: string; patientId: string; vitals: Array<{ value: number }> }>;
    expect(beds.filter((b) => b.patientId === 'P3').map((b) => b.bedId)).toEqual(['bed-20', 'bed-3']);
    expect(beds.find((b) => b.bedId === 'bed-4')!.vitals[0]!.value).toBe(55);
  });
});
