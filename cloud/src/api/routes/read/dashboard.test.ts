/** GET /v1/hospitals/:hospitalId/dashboard: one statement for the whole hospital, from the
 * database (the latest-vitals cache off) and when the cache loads the hospital. */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, HR, seedHospital, SPO2, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';
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
});
