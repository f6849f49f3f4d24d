/** GET /v1/hospitals/:hospitalId/dashboard: one statement for the whole hospital. */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, HR, seedHospital, SPO2, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';

const db = useTestDatabase();
let t: TestService;
let h: ReadFixture;
const PATIENTS = 12;

beforeAll(async () => {
  t = await startTestService(db.connectionString);
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

  it('refuses a bad sinceS with 400 WL_API_INVALID_PARAMETER', async () => {
    for (const sinceS of ['0', '-5', 'abc', '86401', '1.5']) {
      const res = await getRead(t.url, `/v1/hospitals/h-dash/dashboard?sinceS=${sinceS}`, h.readerToken);
      expect(res.status, sinceS).toBe(400);
      expect(res.json().error?.code).toBe('WL_API_INVALID_PARAMETER');
    }
  });
});
