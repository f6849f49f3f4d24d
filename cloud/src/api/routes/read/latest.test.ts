/** GET .../patients/:patientId/latest on real HTTP and PostgreSQL, plus what every read
 * route shares: trace ids in logs, metrics by route and status, the replica pool, 503. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, HR, seedHospital, SPO2, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';

const db = useTestDatabase();
let t: TestService;
let h: ReadFixture;
const AT = new Date('2026-03-02T08:00:00.000Z');

beforeAll(async () => {
  t = await startTestService(db.connectionString);
  h = await seedHospital(db.pool, 'h-latest', 3, AT);
  // P1 moved beds: the old bed's older HR must not win over the new one's.
  await db.pool.query(
    `INSERT INTO latest_vitals (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
     VALUES ('h-latest', 'h-latest-gw', 'bed-old', ${HR}, $1, 55, 0, 'P1', 'mon-old')`,
    [new Date(AT.getTime() - 60_000)],
  );
});
afterAll(async () => {
  await t?.service.stop();
});

describe('GET /v1/hospitals/:hospitalId/patients/:patientId/latest', () => {
  it('answers the newest value per metric, named by the catalog, with ISO times and flag names', async () => {
    const res = await getRead(t.url, '/v1/hospitals/h-latest/patients/P1/latest', h.readerToken);
    expect(res.status).toBe(200);
    const body = res.json() as { vitals: Array<Record<string, unknown>> };
    expect(body.vitals).toEqual([
      {
        metric: { id: 'HR', name: 'Heart rate', mdcCode: HR, mdcRefId: 'MDC_ECG_HEART_RATE', unit: '/min', catalogued: true },
        t: '2026-03-02T08:00:00.000Z',
        value: 72,
        flags: [],
        gatewayId: 'h-latest-gw',
        bedId: 'bed-1',
        deviceId: 'mon-1',
      },
      {
        metric: { id: 'SPO2', name: 'SpO2', mdcCode: SPO2, mdcRefId: 'MDC_PULS_OXIM_SAT_O2', unit: '%', catalogued: true },
        t: '2026-03-02T08:00:00.000Z',
        value: 97,
        flags: ['INVALID', 'SENSOR_OFF'],
        gatewayId: 'h-latest-gw',
        bedId: 'bed-1',
        deviceId: 'mon-1',
      },
    ]);
  });

  it('answers an empty list for a patient with nothing in the cache', async () => {
    const res = await getRead(t.url, '/v1/hospitals/h-latest/patients/P-unknown/latest', h.readerToken);
    expect(res.status).toBe(200);
    expect(res.json().vitals).toEqual([]);
  });

  it('logs the request with the caller trace id and the reader, and counts it by route and status', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await getRead(t.url, '/v1/hospitals/h-latest/patients/P2/latest', h.readerToken, { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    expect(res.json().traceId).toBe(traceId);
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-`));
    const line = t.log.entries().find((e) => e.traceId === traceId && e.msg === 'request');
    expect(line).toMatchObject({ status: 200, hospitalId: 'h-latest', patientId: 'P2', rows: 2 });
    expect(String(line?.readerId)).toMatch(/^rd-/);

    await getRead(t.url, '/v1/hospitals/h-latest/patients/P2/latest', undefined);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const route = '/v1/hospitals/:hospitalId/patients/:patientId/latest';
    expect(metrics).toMatch(new RegExp(`wardlink_cloud_read_requests_total\\{route="${route}",status="200"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`wardlink_cloud_read_requests_total\\{route="${route}",status="401"\\} 1`));
    expect(metrics).toContain(`wardlink_cloud_read_duration_seconds_count{route="${route}"}`);
  });
});

describe('reads go to the replica pool', () => {
  it('falls back to the primary when the replica is down (docs/replica.md), while tokens are checked on the primary', async () => {
    const broken = await startTestService(db.connectionString, { database: { replicaUrl: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMs: 1_000 } });
    try {
      const res = await getRead(broken.url, '/v1/hospitals/h-latest/patients/P1/latest', h.readerToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-wardlink-read-from')).toBe('primary');
      expect((res.json() as { vitals: unknown[] }).vitals).toHaveLength(2);
      // The same instance still authenticates on the primary: a bad token is 401, not 503.
      expect((await getRead(broken.url, '/v1/hospitals/h-latest/patients/P1/latest', 'wlrd_' + 'B'.repeat(43))).status).toBe(401);
    } finally {
      await broken.service.stop();
    }
  });
});
