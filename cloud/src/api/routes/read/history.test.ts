/** GET .../patients/:patientId/history: NDJSON from a cursor, bounded range and rows. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, seedHistory, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';
import { BATCH_ROWS } from './cursor-stream.js';

const db = useTestDatabase();
let t: TestService;
let h: ReadFixture;
const FROM = new Date('2026-03-01T00:00:00Z');
const MINUTES = 2 * 24 * 60; // two daily partitions
const MAX_ROWS = 2_500; // more than two cursor reads

interface Line {
  t?: string;
  value?: number;
  flags?: string[];
  done?: boolean;
  rows?: number;
  truncated?: boolean;
  nextFrom?: string;
  error?: { code: string };
}

const lines = (text: string) => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
const history = (query: string) => getRead(t.url, `/v1/hospitals/h-hist/patients/P1/history?${query}`, h.readerToken);

beforeAll(async () => {
  t = await startTestService(db.connectionString, { server: { historyMaxDays: 3, historyMaxRows: MAX_ROWS } });
  h = await seedHospital(db.pool, 'h-hist', 1, FROM);
  await seedHistory(db.pool, 'h-hist', 'P1', FROM, MINUTES);
  await seedHistory(db.pool, 'h-hist', 'P2', FROM, 60);
});
afterAll(async () => {
  await t?.service.stop();
});

describe('GET /v1/hospitals/:hospitalId/patients/:patientId/history', () => {
  it('streams [from, to) oldest first as NDJSON, ending with a done line', async () => {
    const res = await history('metric=HR&from=2026-03-01T23:00:00Z&to=2026-03-02T01:00:00%2B00:00');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-length')).toBeNull();
    const all = lines(res.text);
    const readings = all.slice(0, -1);
    expect(all.at(-1)).toMatchObject({ done: true, rows: 120, truncated: false });
    expect(readings).toHaveLength(120); // across midnight: both partitions
    expect(readings[0]).toEqual({ t: '2026-03-01T23:00:00.000Z', value: 60 + (23 * 60) % 40, flags: ['SENSOR_OFF'] });
    expect(readings.at(-1)!.t).toBe('2026-03-02T00:59:00.000Z');
    const times = readings.map((r) => Date.parse(r.t!));
    expect(times.every((ms, i) => i === 0 || ms - times[i - 1]! === 60_000)).toBe(true);
  });

  it('accepts the MDC code for the metric, and answers only the patient asked for', async () => {
    const res = await history('metric=147842&from=2026-03-01T00:00:00Z&to=2026-03-01T02:00:00Z');
    expect(lines(res.text).at(-1)).toMatchObject({ done: true, rows: 120, truncated: false });
    const p2 = await getRead(t.url, '/v1/hospitals/h-hist/patients/P2/history?metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', h.readerToken);
    expect(lines(p2.text).at(-1)).toMatchObject({ done: true, rows: 60, truncated: false });
  });

  it(`stops at historyMaxRows over several cursor reads of ${BATCH_ROWS}, and says where to continue`, async () => {
    const first = lines((await history('metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z')).text);
    expect(first.at(-1)).toMatchObject({ done: true, rows: MAX_ROWS, truncated: true, nextFrom: new Date(FROM.getTime() + MAX_ROWS * 60_000).toISOString() });
    expect(first).toHaveLength(MAX_ROWS + 1);
    const rest = lines((await history(`metric=HR&from=${first.at(-1)!.nextFrom}&to=2026-03-03T00:00:00Z`)).text);
    expect(rest.at(-1)).toMatchObject({ done: true, rows: MINUTES - MAX_ROWS, truncated: false });
    expect(rest[0]!.t).toBe(first.at(-1)!.nextFrom);
  });

  it("answers an uncatalogued term with its registered unit, and a suspect clock's device time", async () => {
    await db.pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id) VALUES
         ('2026-03-01T10:00:00Z', '2026-02-21T10:00:00Z', 1, 18.5, 150047, 8, 'h-hist', 'P1', 'h-hist-gw', 'mon-1', 'bed-1'),
         ('2026-03-01T10:01:00Z', '2026-03-01T10:01:00.020Z', 1, 19, 150047, 0, 'h-hist', 'P1', 'h-hist-gw', 'mon-1', 'bed-1')`,
    );
    await db.pool.query("INSERT INTO metric_units (hospital_id, metric, ucum, first_gateway_id) VALUES ('h-hist', 150047, 'mm[Hg]', 'h-hist-gw')");
    const all = lines((await history('metric=150047&from=2026-03-01T10:00:00Z&to=2026-03-01T11:00:00Z')).text);
    expect(all.slice(0, -1)).toEqual([
      { t: '2026-03-01T10:00:00.000Z', value: 18.5, flags: ['CLOCK_SUSPECT'], deviceClock: '2026-02-21T10:00:00.000Z' },
      { t: '2026-03-01T10:01:00.000Z', value: 19, flags: [] },
    ]);
    expect(all.at(-1)).toEqual({
      done: true,
      rows: 2,
      truncated: false,
      metric: { id: null, name: 'PAP mean', mdcCode: 150047, mdcRefId: 'MDC_PRESS_BLD_ART_PULM_MEAN', unit: 'mm[Hg]', catalogued: false },
    });
  });

  it('refuses bad metrics, times and ranges with 400 and a stable code', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z', 'WL_API_UNKNOWN_METRIC'],
      ['metric=NOPE&from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z', 'WL_API_UNKNOWN_METRIC'],
      ['metric=0&from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z', 'WL_API_UNKNOWN_METRIC'],
      ['metric=4294967296&from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z', 'WL_API_UNKNOWN_METRIC'],
      ['metric=0002-4182&from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z', 'WL_API_UNKNOWN_METRIC'],
      ['metric=HR&from=yesterday&to=2026-03-01T01:00:00Z', 'WL_API_INVALID_TIME'],
      ['metric=HR&from=2026-03-01T00:00:00&to=2026-03-01T01:00:00Z', 'WL_API_INVALID_TIME'], // no zone
      ['metric=HR&from=2026-03-01T00:00:00Z', 'WL_API_INVALID_TIME'],
      ['metric=HR&from=2026-03-01T01:00:00Z&to=2026-03-01T01:00:00Z', 'WL_API_INVALID_RANGE'],
      ['metric=HR&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'WL_API_INVALID_RANGE'],
      ['metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-04T00:00:01Z', 'WL_API_RANGE_TOO_LONG'],
    ];
    for (const [query, code] of cases) {
      const res = await history(query);
      expect(res.status, query).toBe(400);
      expect(res.json().error?.code, query).toBe(code);
    }
  });

  it('answers 503 before the first line when the database is unavailable', async () => {
    const broken = await startTestService(db.connectionString, { database: { replicaUrl: 'postgres://postgres@127.0.0.1:1/none', replicaFallbackToPrimary: false, connectionTimeoutMs: 1_000 } });
    try {
      const res = await getRead(broken.url, '/v1/hospitals/h-hist/patients/P1/history?metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z', h.readerToken);
      expect(res.status).toBe(503);
      expect(res.json().error?.code).toBe('WL_DB_UNAVAILABLE');
      expect(res.headers.get('retry-after')).not.toBeNull();
    } finally {
      await broken.service.stop();
    }
  });

  it('ends the stream with an error line, not a done line, when the database fails mid-stream', async () => {
    // ~3 MB of NDJSON: far more than the socket buffers hold, so the route is still
    // streaming (held back by backpressure) while the client is not reading. This also
    // proves the answer is not built in memory first: a route that read every row before
    // writing would have finished with the database before the cut and sent a done line.
    const rows = 50_000;
    await seedHistory(db.pool, 'h-hist', 'P-big', new Date('2026-02-20T00:00:00Z'), rows, 1);
    const big = await startTestService(db.connectionString, { server: { historyMaxRows: 100_000 } });
    try {
      const res = await fetch(`${big.url}/v1/hospitals/h-hist/patients/P-big/history?metric=HR&from=2026-02-20T00:00:00Z&to=2026-02-21T00:00:00Z`, {
        headers: { authorization: `Bearer ${h.readerToken}` },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = new TextDecoder().decode((await reader.read()).value);
      // Cut the service's connections while it waits for the client to read on.
      await db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'wardlink-cloud%'");
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
      const all = lines(text);
      expect(all.at(-1)!.error?.code).toBe('WL_DB_UNAVAILABLE');
      expect(all.some((l) => l.done)).toBe(false);
      expect(all.length - 1).toBeLessThan(rows);
      const failures = await (await fetch(`${big.url}/metrics`)).text();
      expect(failures).toMatch(/wardlink_cloud_read_stream_failures_total\{route="[^"]+history"\} 1/);
      // The pool replaced the dead connection: the next request is served in full.
      const again = await getRead(big.url, '/v1/hospitals/h-hist/patients/P2/history?metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', h.readerToken);
      expect(lines(again.text).at(-1)).toMatchObject({ done: true, rows: 60, truncated: false });
    } finally {
      await big.service.stop();
    }
  });
});
