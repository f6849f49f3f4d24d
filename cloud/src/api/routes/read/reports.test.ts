/** GET .../reports/daily and .../reports/weekly: aggregates computed by PostgreSQL,
 * streamed from a cursor as CSV or NDJSON. */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../testing/pg.js';
import { ensurePartitions } from '../../../storage/partitions.js';
import { getRead, HR, seedHospital, SPO2, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';
import { BATCH_ROWS } from './cursor-stream.js';
import { CSV_COLUMNS } from './report-format.js';

const db = useTestDatabase();
let t: TestService;
let h: ReadFixture;
let other: ReadFixture;

/** [t, patient, metric, value, flags] of hospital h-rep, around the day 2026-04-10. */
const READINGS: Array<[string, string, number, number, number]> = [
  ['2026-04-09T23:30:00Z', 'P1', HR, 50, 0], // the day before: not in the daily report
  ['2026-04-10T00:00:00Z', 'P1', HR, 60, 0],
  ['2026-04-10T00:20:00Z', 'P1', HR, 70, 0],
  ['2026-04-10T00:40:00Z', 'P1', HR, 0, 2], // SENSOR_OFF: counted, not in min/max/avg
  ['2026-04-10T01:00:00Z', 'P1', HR, 100, 8], // CLOCK_SUSPECT: flagged, but a real value
  ['2026-04-10T01:59:59.999Z', 'P1', HR, 90, 0],
  ['2026-04-10T05:10:00Z', 'P1', SPO2, 97.5, 0],
  ['2026-04-10T05:50:00Z', 'P1', SPO2, 96, 0],
  ['2026-04-10T07:00:00Z', 'P1', SPO2, -1, 1], // INVALID only: no min/max/avg at all
  ['2026-04-10T10:30:00Z', 'P2', HR, 55, 0],
  ['2026-04-10T03:00:00Z', '', HR, 77, 0], // an empty bed: not a patient's
  ['2026-04-11T00:00:00Z', 'P1', HR, 100, 0], // the next day: not in the daily report
];

async function insertReadings(pool: pg.Pool, hospitalId: string, rows: typeof READINGS): Promise<void> {
  await ensurePartitions(pool, { fromDay: '2026-04-09', toDay: '2026-04-11' });
  for (const [iso, patientId, metric, value, flags] of rows) {
    await pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
       VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $5 || '-gw', 'mon-' || $6, 'bed-' || $6)`,
      [new Date(iso), value, metric, flags, hospitalId, patientId],
    );
  }
}

/** `patients` patients with one HR reading in each hour of `day`: patients x 24 report rows. */
async function seedEveryHour(pool: pg.Pool, hospitalId: string, day: string, patients: number): Promise<void> {
  await ensurePartitions(pool, { fromDay: day, toDay: day });
  await pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     SELECT $2::timestamptz + h * interval '1 hour', $2::timestamptz, 1, 60 + h, ${HR}, 0, $1, 'P' || lpad(b::text, 6, '0'), $1 || '-gw', 'mon-' || b, 'bed-' || b
     FROM generate_series(1, $3::int) b CROSS JOIN generate_series(0, 23) h`,
    [hospitalId, `${day}T00:30:00Z`, patients],
  );
}

const report = (path: string, fx: ReadFixture = h, url = t.url) => getRead(url, `/v1/hospitals/${fx.hospitalId}/reports/${path}`, fx.readerToken);
const csvRows = (text: string) => text.split('\r\n').slice(0, -1);
interface Line {
  patientId?: string;
  metric?: { id: string | null; name: string | null; mdcCode: number; unit: string | null };
  bucket?: string;
  count?: number;
  flagged?: number;
  measured?: number;
  min?: number | null;
  max?: number | null;
  avg?: number | null;
  done?: boolean;
  rows?: number;
  error?: { code: string };
}
const ndjson = (text: string) => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);

beforeAll(async () => {
  t = await startTestService(db.connectionString);
  h = await seedHospital(db.pool, 'h-rep', 2, new Date('2026-04-10T12:00:00Z'));
  other = await seedHospital(db.pool, 'h-rep-other', 1, new Date('2026-04-10T12:00:00Z'));
  await insertReadings(db.pool, 'h-rep', READINGS);
  await insertReadings(db.pool, 'h-rep-other', [['2026-04-10T00:10:00Z', 'P1', HR, 200, 0]]);
});
afterAll(async () => {
  await t?.service.stop();
});

describe('GET /v1/hospitals/:hospitalId/reports/daily', () => {
  it('answers exact hourly aggregates of the UTC day only, as CSV with a header and a done line', async () => {
    const res = await report('daily?date=2026-04-10');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-length')).toBeNull();
    expect(csvRows(res.text)).toEqual([
      CSV_COLUMNS.join(','),
      'P1,HR,Heart rate,147842,/min,2026-04-10T00:00:00.000Z,3,1,2,60,70,65',
      'P1,HR,Heart rate,147842,/min,2026-04-10T01:00:00.000Z,2,1,2,90,100,95',
      'P1,SPO2,SpO2,150456,%,2026-04-10T05:00:00.000Z,2,0,2,96,97.5,96.75',
      'P1,SPO2,SpO2,150456,%,2026-04-10T07:00:00.000Z,1,1,0,,,',
      'P2,HR,Heart rate,147842,/min,2026-04-10T10:00:00.000Z,1,0,1,55,55,55',
      '#done,rows=5',
    ]);
  });

  it('answers the same report as NDJSON with the catalog metric', async () => {
    const res = await report('daily?date=2026-04-10&format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = ndjson(res.text);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toEqual({
      patientId: 'P1',
      metric: { id: 'HR', name: 'Heart rate', mdcCode: HR, mdcRefId: 'MDC_ECG_HEART_RATE', unit: '/min', catalogued: true },
      bucket: '2026-04-10T00:00:00.000Z',
      count: 3,
      flagged: 1,
      measured: 2,
      min: 60,
      max: 70,
      avg: 65,
    });
    expect(lines[3]).toMatchObject({ patientId: 'P1', metric: { id: 'SPO2', unit: '%' }, count: 1, flagged: 1, measured: 0, min: null, max: null, avg: null });
    expect(lines.at(-1)).toEqual({ done: true, rows: 5 });
  });

  it('answers a day without readings with the header and done line only', async () => {
    const res = await report('daily?date=2026-04-12');
    expect(res.status).toBe(200);
    expect(csvRows(res.text)).toEqual([CSV_COLUMNS.join(','), '#done,rows=0']);
  });

  it(`streams a report of more than one cursor read (${BATCH_ROWS} rows) in full`, async () => {
    const big = await seedHospital(db.pool, 'h-rep-big', 1, new Date('2026-04-20T12:00:00Z'));
    await seedEveryHour(db.pool, 'h-rep-big', '2026-04-20', 60);
    const lines = ndjson((await report('daily?date=2026-04-20&format=ndjson', big)).text);
    expect(lines.at(-1)).toEqual({ done: true, rows: 60 * 24 });
    expect(lines).toHaveLength(60 * 24 + 1);
    expect(lines[0]).toMatchObject({ patientId: 'P000001', bucket: '2026-04-20T00:00:00.000Z', count: 1, avg: 60 });
    expect(lines[60 * 24 - 1]).toMatchObject({ patientId: 'P000060', bucket: '2026-04-20T23:00:00.000Z', count: 1, avg: 83 });
  });
});

describe('GET /v1/hospitals/:hospitalId/reports/weekly', () => {
  it('answers daily aggregates of the ISO week, Monday to Sunday', async () => {
    const res = await report('weekly?week=2026-W15'); // 2026-04-06 .. 2026-04-12
    expect(res.status).toBe(200);
    expect(csvRows(res.text)).toEqual([
      CSV_COLUMNS.join(','),
      'P1,HR,Heart rate,147842,/min,2026-04-09T00:00:00.000Z,1,0,1,50,50,50',
      'P1,HR,Heart rate,147842,/min,2026-04-10T00:00:00.000Z,5,2,4,60,100,80',
      'P1,HR,Heart rate,147842,/min,2026-04-11T00:00:00.000Z,1,0,1,100,100,100',
      'P1,SPO2,SpO2,150456,%,2026-04-10T00:00:00.000Z,3,1,2,96,97.5,96.75',
      'P2,HR,Heart rate,147842,/min,2026-04-10T00:00:00.000Z,1,0,1,55,55,55',
      '#done,rows=5',
    ]);
    expect(csvRows((await report('weekly?week=2026-W16')).text)).toEqual([CSV_COLUMNS.join(','), '#done,rows=0']);
  });
});

describe('report requests that are refused', () => {
  it('refuses bad dates, weeks and formats with 400 and a stable code', async () => {
    const cases: Array<[string, string]> = [
      ['daily', 'WL_API_INVALID_TIME'],
      ['daily?date=2026-02-30', 'WL_API_INVALID_TIME'],
      ['daily?date=2026-4-10', 'WL_API_INVALID_TIME'],
      ['daily?date=2026-04-10T00:00:00Z', 'WL_API_INVALID_TIME'],
      ['weekly', 'WL_API_INVALID_TIME'],
      ['weekly?week=2026-W54', 'WL_API_INVALID_TIME'],
      ['weekly?week=2025-W53', 'WL_API_INVALID_TIME'], // 2025 has 52 ISO weeks
      ['weekly?week=2026-W00', 'WL_API_INVALID_TIME'],
      ['weekly?date=2026-04-10', 'WL_API_INVALID_TIME'],
      ['daily?date=2026-04-10&format=xlsx', 'WL_API_INVALID_PARAMETER'],
    ];
    for (const [query, code] of cases) {
      const res = await report(query);
      expect(res.status, query).toBe(400);
      expect(res.json().error?.code, query).toBe(code);
    }
  });

  it('answers 401 without a valid reader token and 403 to a reader of another hospital', async () => {
    for (const token of [undefined, 'wlrd_' + 'A'.repeat(43), h.gatewayToken]) {
      const res = await getRead(t.url, '/v1/hospitals/h-rep/reports/daily?date=2026-04-10', token);
      expect(res.status, String(token)).toBe(401);
      expect(res.json().error?.code).toBe('WL_API_UNAUTHORIZED');
    }
    const res = await getRead(t.url, '/v1/hospitals/h-rep/reports/weekly?week=2026-W15', other.readerToken);
    expect(res.status).toBe(403);
    expect(res.json().error?.code).toBe('WL_API_FORBIDDEN_HOSPITAL');
    expect(res.text).not.toContain('P1'); // no data of h-rep leaked
  });

  it('counts the answers by route in the read request metrics', async () => {
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/wardlink_cloud_read_requests_total\{route="\/v1\/hospitals\/:hospitalId\/reports\/daily",status="200"\} [1-9]/);
    expect(metrics).toMatch(/wardlink_cloud_read_requests_total\{route="\/v1\/hospitals\/:hospitalId\/reports\/weekly",status="403"\} 1/);
  });

  it('answers 503 with Retry-After before the first line when the database is unavailable', async () => {
    const broken = await startTestService(db.connectionString, { database: { replicaUrl: 'postgres://postgres@127.0.0.1:1/none', replicaFallbackToPrimary: false, connectionTimeoutMs: 1_000 } });
    try {
      const res = await report('daily?date=2026-04-10', h, broken.url);
      expect(res.status).toBe(503);
      expect(res.json().error?.code).toBe('WL_DB_UNAVAILABLE');
      expect(res.headers.get('retry-after')).not.toBeNull();
    } finally {
      await broken.service.stop();
    }
  });

  it('ends the CSV with an #error line, not a #done line, when the database fails mid-stream', async () => {
    // ~5 MB of CSV (2,100 patients x 24 hours): far more than the socket buffers hold, so
    // the route is still streaming (held back by backpressure) while the client is not
    // reading. This also proves the report is not built in memory first: a route that
    // read every row before writing would be done with the database before the cut.
    const patients = 2_100;
    const huge = await seedHospital(db.pool, 'h-rep-huge', 1, new Date('2026-04-25T12:00:00Z'));
    await seedEveryHour(db.pool, 'h-rep-huge', '2026-04-25', patients);
    const cut = await startTestService(db.connectionString);
    try {
      const res = await fetch(`${cut.url}/v1/hospitals/h-rep-huge/reports/daily?date=2026-04-25`, { headers: { authorization: `Bearer ${huge.readerToken}` } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = new TextDecoder().decode((await reader.read()).value);
      await db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'wardlink-cloud%'");
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
      const rows = csvRows(text);
      expect(rows[0]).toBe(CSV_COLUMNS.join(','));
      expect(rows.at(-1)).toMatch(/^#error,WL_DB_UNAVAILABLE,traceId=[0-9a-f]{32}$/);
      expect(rows.some((r) => r.startsWith('#done'))).toBe(false);
      expect(rows.length - 2).toBeLessThan(patients * 24);
      const metrics = await (await fetch(`${cut.url}/metrics`)).text();
      expect(metrics).toMatch(/wardlink_cloud_read_stream_failures_total\{route="[^"]+reports\/daily"\} 1/);
    } finally {
      await cut.service.stop();
    }
  });
});
