/**
 * The questions compaction-property.test.ts asks of a case (history, reports, latest
 * values, vital_readings_of_hospital, over ranges that cross midnight, start mid-hour or
 * fall on readings' own instants), and their answers by the read queries of
 * storage/queries.ts, kept as PostgreSQL's exact text. Comparing answers is
 * property-mismatches.ts.
 */
import type pg from 'pg';
import { QualityFlag } from '@wardlink/shared';
import { NOT_PHYSIOLOGY } from '../../../storage/not-physiology.js';
import { HISTORY_SQL, LATEST_FOR_PATIENT_FROM_HISTORY_SQL, REPORT_SQL } from '../../../storage/queries.js';
import { HOSPITALS } from '../../testing/harness.js';
import type { Case } from './property-case.js';
import { digest, isoUs, rawQuery, tsUs } from './property-db.js';
import { Rng } from './property-rng.js';
import { DAY_US, HOUR_US, MIN_US, NOW_US, type Reading } from './property-streams.js';

/** A metric no reading has: asked about beside every patient's own metrics (its answers are empty). */
const NOT_A_METRIC = 999_999;

type Range = [from: number, to: number];

export interface Questions {
  history: Array<{ hospital: string; patient: string; metric: number; range: Range }>;
  report: Array<{ hospital: string; range: Range; bucket: '1 hour' | '1 day'; mask: number }>;
  latest: Array<{ hospital: string; patient: string; metrics: number[]; range: Range }>;
  readings: Array<{ hospital: string; range: Range }>;
}

export function questionsFor(c: Case): Questions {
  const rng = new Rng(c.seed ^ 0x51ed_2701);
  const all = [...c.readings, ...c.late];
  const { startUs, endUs } = c;
  const midnight = Math.ceil(startUs / DAY_US) * DAY_US + DAY_US * rng.int(0, Math.max(0, Math.floor((endUs - startUs) / DAY_US) - 1));
  const anyInstant = () => startUs + rng.int(0, endUs - startUs);
  const full: Range = [startUs - HOUR_US, NOW_US + HOUR_US];
  const acrossMidnight: Range = [midnight - rng.int(1, 5 * HOUR_US), midnight + rng.int(1, 5 * HOUR_US)];
  const a = anyInstant();
  const midHours: Range = [a, a + rng.int(MIN_US, 20 * HOUR_US)];
  const b = Math.floor(anyInstant() / HOUR_US) * HOUR_US;
  const fewHours: Range = [b + rng.int(1, 59) * MIN_US + rng.int(0, 999_999), b + rng.int(1, 3) * HOUR_US + rng.int(0, 59) * MIN_US];
  const caseRanges = [full, acrossMidnight, midHours, fewHours];

  const metricsOf = new Map<string, Set<number>>();
  const readingsOf = new Map<string, Reading[]>();
  for (const r of all) {
    const p = `${r.hospital}\u0000${r.patient}`;
    if (!metricsOf.has(p)) metricsOf.set(p, new Set());
    metricsOf.get(p)!.add(r.metric);
    const s = `${p}\u0000${r.metric}`;
    if (!readingsOf.has(s)) readingsOf.set(s, []);
    readingsOf.get(s)!.push(r);
  }
  const q: Questions = { history: [], report: [], latest: [], readings: [] };
  for (const [p, metrics] of metricsOf) {
    const [hospital, patient] = p.split('\u0000') as [string, string];
    for (const metric of [...metrics, NOT_A_METRIC]) {
      // Bounds on readings' own instants: from is inclusive, to exclusive.
      const own = readingsOf.get(`${p}\u0000${metric}`) ?? [];
      const onReadings: Range | undefined = own.length > 1 ? ([rng.pick(own).t, rng.pick(own).t].sort((x, y) => x - y) as Range) : undefined;
      for (const range of [full, acrossMidnight, ...(onReadings ? [onReadings] : [])]) q.history.push({ hospital, patient, metric, range });
    }
    for (const range of caseRanges) q.latest.push({ hospital, patient, metrics: [...metrics, NOT_A_METRIC].sort((x, y) => x - y), range });
  }
  const firstDay = Math.floor(startUs / DAY_US);
  const lastDay = Math.floor(endUs / DAY_US);
  const weekStart = Math.floor((startUs - Date.UTC(2000, 0, 3) * 1_000) / (7 * DAY_US)) * 7 * DAY_US + Date.UTC(2000, 0, 3) * 1_000;
  for (const hospital of HOSPITALS) {
    for (const mask of [NOT_PHYSIOLOGY, 0, QualityFlag.CLOCK_SUSPECT | QualityFlag.SENSOR_OFF]) {
      for (let d = firstDay; d <= lastDay; d++) q.report.push({ hospital, range: [d * DAY_US, (d + 1) * DAY_US], bucket: '1 hour', mask });
      q.report.push({ hospital, range: midHours, bucket: '1 hour', mask });
      q.report.push({ hospital, range: [weekStart, weekStart + 14 * DAY_US], bucket: '1 day', mask });
      q.report.push({ hospital, range: acrossMidnight, bucket: '1 day', mask });
    }
    for (const range of caseRanges) q.readings.push({ hospital, range });
  }
  return q;
}

interface ReportRow {
  key: string;
  exact: string;
  avg: string | null;
}

interface LatestRow {
  metric: string;
  t: string;
  value: string;
  flags: string;
}

export interface Answers {
  history: string[][][];
  report: ReportRow[][];
  latest: LatestRow[][];
  readings: Array<{ n: number; md5: string }>;
}

/** Runs `tasks` a few at a time (the pool's connections), keeping their order. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, width = 4): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

export async function answer(pool: pg.Pool, q: Questions): Promise<Answers> {
  const history = inParallel(
    q.history.map((h) => async () => {
      const rows = await rawQuery(pool, HISTORY_SQL, [h.hospital, h.patient, h.metric, isoUs(h.range[0]), isoUs(h.range[1])]);
      const out = rows.map((r) => [String(tsUs(r.t!)), r.value!, r.flags!, String(tsUs(r.received_at!))]);
      // Oldest first is the query's promise; among readings of one instant (two devices)
      // no order is, so those are compared as a set.
      for (let i = 1; i < out.length; i++) if (Number(out[i]![0]) < Number(out[i - 1]![0])) throw new Error(`history not in time order: ${JSON.stringify(h)}`);
      return out.sort((x, y) => Number(x[0]) - Number(y[0]) || (x.join() < y.join() ? -1 : x.join() > y.join() ? 1 : 0));
    }),
  );
  const report = inParallel(
    q.report.map((r) => async () => {
      const rows = await rawQuery(pool, REPORT_SQL, [r.hospital, isoUs(r.range[0]), isoUs(r.range[1]), r.bucket, r.mask]);
      // min and max of {0, -0} may be either: PostgreSQL's min() keeps whichever of two
      // equal values comes last, so the answer follows scan order; both are zero.
      const zero = (v: string | null | undefined) => (v === '-0' ? '0' : v);
      return rows.map((x) => ({ key: `${x.patient_id}|${x.metric}|${tsUs(x.bucket!)}`, exact: `${x.count}|${x.flagged}|${x.measured}|${zero(x.min)}|${zero(x.max)}`, avg: x.avg ?? null }));
    }),
  );
  const latest = inParallel(
    q.latest.map((l) => async () => {
      const rows = await rawQuery(pool, LATEST_FOR_PATIENT_FROM_HISTORY_SQL, [l.hospital, l.patient, l.metrics, isoUs(l.range[0]), isoUs(l.range[1])]);
      const out: LatestRow[] = rows.map((r) => ({ metric: r.metric!, t: String(tsUs(r.t!)), value: r.value!, flags: r.flags! }));
      return out.sort((x, y) => Number(x.metric) - Number(y.metric));
    }),
  );
  const readings = inParallel(q.readings.map((r) => () => digest(pool, 'vital_readings_of_hospital($1, $2, $3)', [r.hospital, isoUs(r.range[0]), isoUs(r.range[1])])));
  return { history: await history, report: await report, latest: await latest, readings: await readings };
}
