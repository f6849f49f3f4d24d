/**
 * The history over days that left PostgreSQL: archived for real (runRetention with a
 * local archive folder) and read back over real HTTP with reader tokens, compared with
 * the answer the same request got while every day was hot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompaction } from '../../../lifecycle/compaction/compaction-job.js';
import { placeLegalHold } from '../../../lifecycle/legal-hold.js';
import { runRetention } from '../../../lifecycle/retention.js';
import { InjectedCrashError } from '../../../lifecycle/testing/crash.js';
import { useLifecycleDatabase } from '../../../lifecycle/testing/db.js';
import { createHarness, type Harness } from '../../../lifecycle/testing/harness.js';
import { getRead, HR, seedHistory, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { startTestService, type TestService } from '../../testing/service.js';
import { ensurePartitions } from '../../../storage/partitions.js';
import { ARCHIVED_DAYS_HEADER, PURGED_DAYS_HEADER } from './history.js';

const db = useLifecycleDatabase();
const DAY_MS = 86_400_000;
const D0 = Date.parse('2026-03-01T00:00:00Z');
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'];
const WHOLE = `metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z`;
let h: Harness;
let t: TestService;
let arch: ReadFixture;
let other: ReadFixture;
let before: { P1: string[]; P2: string[]; daily: Report[]; weekly: Report[] };

interface Line {
  t?: string;
  done?: boolean;
  rows?: number;
  truncated?: boolean;
  nextFrom?: string;
  archivedDays?: string[];
  error?: { code: string };
}
interface Report {
  patientId: string;
  metric: { mdcCode: number };
  bucket: string;
  count: number;
  flagged: number;
  measured: number;
  min: number | null;
  max: number | null;
  avg: number | null;
}
const report = async (path: string) => {
  const res = await getRead(t.url, `/v1/hospitals/h-arch/reports/${path}`, arch.readerToken);
  return { res, rows: parsed(res.text).slice(0, -1) as unknown as Report[], done: parsed(res.text).at(-1)! };
};
/** Report rows with avg to 9 significant digits: its float8 sum may be added in another order. */
const rounded = (rows: Report[]) => rows.map((r) => ({ ...r, avg: r.avg === null ? null : Number(r.avg.toPrecision(9)) }));
const lines = (text: string) => text.trimEnd().split('\n');
const parsed = (text: string) => lines(text).map((l) => JSON.parse(l) as Line);
const history = (patient: string, query = WHOLE, token = arch.readerToken, hospital = 'h-arch') =>
  getRead(t.url, `/v1/hospitals/${hospital}/patients/${patient}/history?${query}`, token);

/** The reading lines of an answer, checked to end with a complete done line. */
function readings(text: string): string[] {
  const all = lines(text);
  expect(JSON.parse(all.at(-1)!)).toMatchObject({ done: true, truncated: false, rows: all.length - 1 });
  return all.slice(0, -1);
}

/** "Now" for the lifecycle: the morning of `day` (index into DAYS, may be past them). */
const morningOf = (day: number) => D0 + day * DAY_MS + 10 * 3_600_000;

beforeAll(async () => {
  // A hot period of 2 days: on the morning of day 2, day 0 is archived.
  h = createHarness(db.pool, {}, morningOf(2));
  t = await startTestService(db.connectionString, { server: { historyMaxDays: 5 } }, { archiveStore: h.store });
  arch = await seedHospital(db.pool, 'h-arch', 2, new Date(D0));
  other = await seedHospital(db.pool, 'h-other', 1, new Date(D0));
  await db.pool.query('UPDATE hospitals SET hot_days = 2');
  await seedHistory(db.pool, 'h-arch', 'P1', new Date(D0), 4 * 1440); // every minute of 4 days
  await seedHistory(db.pool, 'h-arch', 'P2', new Date(D0), 4 * 288, 300);
  await seedHistory(db.pool, 'h-other', 'P1', new Date(D0), 10, 3600);
  // What a float4, microsecond times, a suspect clock and non-finite values look like.
  await db.pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id) VALUES
       ('2026-03-01T05:00:00.123456Z', '2026-02-20T05:00:00.5Z', 2, 36.3, ${HR}, 8, 'h-arch', 'P1', 'h-arch-gw', 'mon-2', 'bed-1'),
       ('2026-03-01T06:00:00.999999Z', '2026-03-01T06:00:01Z', 2, 'NaN', ${HR}, 1, 'h-arch', 'P1', 'h-arch-gw', 'mon-2', 'bed-1'),
       ('2026-03-01T07:00:00.5Z', '2026-03-01T07:00:01Z', 2, 0.1, ${HR}, 0, 'h-arch', 'P1', 'h-arch-gw', 'mon-2', 'bed-1'),
       ('2026-03-02T07:00:00.000001Z', '2026-03-02T07:00:01Z', 2, 98.6, ${HR}, 0, 'h-arch', 'P1', 'h-arch-gw', 'mon-2', 'bed-1'),
       ('2026-03-03T07:00:00.25Z', '2026-03-03T07:00:01Z', 2, 1e-7, ${HR}, 0, 'h-arch', 'P1', 'h-arch-gw', 'mon-2', 'bed-1')`,
  );
  before = {
    P1: readings((await history('P1')).text),
    P2: readings((await history('P2')).text),
    daily: (await report('daily?date=2026-03-01&format=ndjson')).rows,
    weekly: (await report('weekly?week=2026-W10&format=ndjson')).rows,
  };
  expect(before.daily.length).toBeGreaterThan(40);
  // The closed hours of days 0 and 1 move into vital_blocks, as in production.
  expect((await runCompaction(h.ctx)).ran).toBe(true);
}, 60_000);
afterAll(async () => {
  await t?.service.stop();
  h?.cleanup();
});

describe('history over archived days', () => {
  it('reads a day whose archive job is under way from its detached partitions, not yet from the archive', async () => {
    const crash = (state: string) => {
      if (state === 'stored') throw new InjectedCrashError('after stored');
    };
    await expect(runRetention(h.ctx, { failFast: true, skipPurge: true, hooks: { afterCommit: crash } })).rejects.toThrow(InjectedCrashError);
    const res = await history('P1');
    expect(res.status).toBe(200);
    expect(res.headers.get(ARCHIVED_DAYS_HEADER)).toBeNull();
    expect(readings(res.text)).toEqual(before.P1);
  });

  it('answers every reading exactly once, in time order and unchanged, naming the archived day', async () => {
    const run = await runRetention(h.ctx, { failFast: true, skipPurge: true });
    expect(run.archived.map((a) => a.day)).toEqual(['2026-03-01']);
    expect((await db.pool.query("SELECT to_regclass('vital_data_p20260301') AS t")).rows[0].t).toBeNull();
    const res = await history('P1');
    expect(res.status).toBe(200);
    expect(res.headers.get(ARCHIVED_DAYS_HEADER)).toBe('2026-03-01');
    expect(parsed(res.text).at(-1)).toMatchObject({ done: true, rows: before.P1.length, truncated: false, archivedDays: ['2026-03-01'] });
    expect(readings(res.text)).toEqual(before.P1);
    expect(readings((await history('P2')).text)).toEqual(before.P2);
  });

  it('answers a range inside the archived day, and one across the boundary, as before', async () => {
    const inside = 'metric=HR&from=2026-03-01T04:59:00Z&to=2026-03-01T07:00:00.5Z';
    const across = 'metric=HR&from=2026-03-01T23:30:00%2B00:00&to=2026-03-02T00:30:00Z';
    const at = (from: string, to: string) => before.P1.filter((l) => {
      const ms = Date.parse((JSON.parse(l) as Line).t!);
      return ms >= Date.parse(from) && ms < Date.parse(to);
    });
    expect(readings((await history('P1', inside)).text)).toEqual(at('2026-03-01T04:59:00Z', '2026-03-01T07:00:00.5Z'));
    expect(readings((await history('P1', across)).text)).toEqual(at('2026-03-01T23:30:00Z', '2026-03-02T00:30:00Z'));
    expect(readings((await history('P1', inside)).text)).toContain('{"t":"2026-03-01T05:00:00.123Z","value":36.3,"flags":["CLOCK_SUSPECT"],"deviceClock":"2026-02-20T05:00:00.500Z"}');
  });

  it('continues a truncated answer across the archived day with nextFrom', async () => {
    const small = await startTestService(db.connectionString, { server: { historyMaxDays: 5, historyMaxRows: 1_000 } }, { archiveStore: h.store });
    try {
      const got: string[] = [];
      let from = '2026-03-01T00:00:00Z';
      for (let page = 0; page < 10; page++) {
        const res = await getRead(small.url, `/v1/hospitals/h-arch/patients/P1/history?metric=HR&from=${from}&to=2026-03-03T00:00:00Z`, arch.readerToken);
        const all = lines(res.text);
        const done = JSON.parse(all.at(-1)!) as Line;
        got.push(...all.slice(0, -1));
        if (!done.truncated) break;
        from = done.nextFrom!;
      }
      expect(got).toEqual(before.P1.filter((l) => Date.parse((JSON.parse(l) as Line).t!) < Date.parse('2026-03-03T00:00:00Z')));
    } finally {
      await small.service.stop();
    }
  });

  it("never reads another hospital's archive: 403 before any read, and its own days only", async () => {
    const refused = await history('P1', WHOLE, other.readerToken);
    expect(refused.status).toBe(403);
    expect(refused.json().error?.code).toBe('WL_API_FORBIDDEN_HOSPITAL');
    expect(refused.headers.get(ARCHIVED_DAYS_HEADER)).toBeNull();
    const own = await history('P1', WHOLE, other.readerToken, 'h-other');
    expect(own.headers.get(ARCHIVED_DAYS_HEADER)).toBe('2026-03-01');
    expect(readings(own.text)).toHaveLength(10);
    expect(readings(own.text).every((l) => (JSON.parse(l) as Line).t!.startsWith('2026-03-01'))).toBe(true);
  });

  it('answers a day that never had data as empty', async () => {
    const res = await history('P1', 'metric=HR&from=2026-02-10T00:00:00Z&to=2026-02-12T00:00:00Z');
    expect(res.status).toBe(200);
    expect(parsed(res.text)).toEqual([expect.objectContaining({ done: true, rows: 0 })]);
  });
});

describe('reports over archived days', () => {
  it('computes the daily report of an archived day from the archive, as before', async () => {
    const { res, rows, done } = await report('daily?date=2026-03-01&format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get(ARCHIVED_DAYS_HEADER)).toBe('2026-03-01');
    expect(done).toMatchObject({ done: true, rows: before.daily.length, archivedDays: ['2026-03-01'] });
    expect(rounded(rows)).toEqual(rounded(before.daily));
    const csv = await getRead(t.url, '/v1/hospitals/h-arch/reports/daily?date=2026-03-01', arch.readerToken);
    expect(csv.text.trimEnd().split('\r\n').at(-1)).toBe(`#done,rows=${before.daily.length},archivedDays=2026-03-01`);
  });

  it('combines an archived bucket with late readings of that day still in PostgreSQL', async () => {
    await ensurePartitions(db.pool, { fromDay: '2026-03-01', toDay: '2026-03-01' });
    await db.pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
       VALUES ('2026-03-01T10:10:30Z', '2026-03-05T00:00:00Z', 9, 200, ${HR}, 0, 'h-arch', 'P2', 'h-arch-gw', 'mon-late', 'bed-9')`,
    );
    const { rows } = await report('daily?date=2026-03-01&format=ndjson');
    const key = (r: Report) => `${r.patientId} ${r.metric.mdcCode} ${r.bucket}`;
    const late = 'P2 147842 2026-03-01T10:00:00.000Z';
    const was = before.daily.find((r) => key(r) === late)!;
    const expected = before.daily.map((r) =>
      key(r) === late ? { ...r, count: was.count + 1, measured: was.measured + 1, max: 200, avg: (was.avg! * was.measured + 200) / (was.measured + 1) } : r,
    );
    expect(rounded(rows)).toEqual(rounded(expected));
    const history2 = parsed((await history('P2', 'metric=HR&from=2026-03-01T10:10:00Z&to=2026-03-01T10:15:00Z')).text);
    expect(history2.map((l) => l.t)).toEqual(['2026-03-01T10:10:00.000Z', '2026-03-01T10:10:30.000Z', undefined]);
  });

  it('merges archived and hot days of a weekly report in (patient, metric, day) order', async () => {
    h.clock.set(morningOf(3)); // archives day 1, and the late readings of day 0 (generation 2)
    const run = await runRetention(h.ctx, { failFast: true, skipPurge: true });
    expect(run.archived.map((a) => `${a.day} g${a.generation}`).sort()).toEqual(['2026-03-01 g2', '2026-03-02 g1']);
    const { res, rows } = await report('weekly?week=2026-W10&format=ndjson');
    expect(res.headers.get(ARCHIVED_DAYS_HEADER)).toBe('2026-03-02');
    expect(rounded(rows)).toEqual(rounded(before.weekly));
    const daily = await report('daily?date=2026-03-01&format=ndjson');
    expect(daily.rows.find((r) => r.patientId === 'P2' && r.bucket === '2026-03-01T10:00:00.000Z' && r.metric.mdcCode === HR)?.max).toBe(200);
  });
});

describe('purge', () => {
  it('answers a purged day as gone (410), and a held patient from the held objects', async () => {
    await placeLegalHold(db.pool, { hospitalId: 'h-arch', patientId: 'P1', reason: 'records request', placedBy: 'legal@hospital', at: new Date(morningOf(2)) });
    await db.pool.query("UPDATE hospitals SET archive_years = 0 WHERE hospital_id = 'h-arch'");
    h.clock.set(morningOf(6)); // every day archived, and past h-arch's archive period
    const run = await runRetention(h.ctx, { failFast: true });
    expect([...new Set(run.purge?.items.filter((i) => i.hospitalId === 'h-arch').map((i) => i.day))]).toEqual(DAYS);
    const gone = await history('P2');
    expect(gone.status).toBe(410);
    expect(gone.json().error?.code).toBe('WL_HISTORY_PURGED');
    expect(gone.headers.get(PURGED_DAYS_HEADER)).toBe(DAYS.join(','));
    const held = await history('P1');
    expect(held.headers.get(ARCHIVED_DAYS_HEADER)).toBe(DAYS.join(','));
    expect(readings(held.text)).toEqual(before.P1);
    const report = await getRead(t.url, '/v1/hospitals/h-arch/reports/daily?date=2026-03-02', arch.readerToken);
    expect(report.status).toBe(410);
    expect(report.json().error?.code).toBe('WL_HISTORY_PURGED');
    // h-other keeps its archive 7 years: not purged.
    expect(readings((await history('P1', WHOLE, other.readerToken, 'h-other')).text)).toHaveLength(10);
  });
});
