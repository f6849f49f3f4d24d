/**
 * How compaction-property.test.ts compares answers: the list of every question whose
 * answer after compaction differs from the expected one, each with what differs.
 */
import type pg from 'pg';
import type { Answers, Questions } from './property-answers.js';
import { EXPECTED, isoUs } from './property-db.js';

/**
 * Compares answers with the expected ones, exactly, except a report's avg: it is
 * sum / measured, and a block's stored v_sum adds its readings in another order (and
 * in another grouping) than sum(value::float8) over rows, so the float8 may differ in
 * its last bits. Relative 1e-9 is far below any resolution a monitor reports and far
 * above float8 rounding over a day's sum.
 */
export async function mismatches(pool: pg.Pool, expected: Answers, actual: Answers, q: Questions): Promise<string[]> {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  expected.history.forEach((e, i) => {
    const a = actual.history[i]!;
    if (same(e, a)) return;
    const j = e.findIndex((row, k) => !same(row, a[k]));
    out.push(`history ${JSON.stringify(q.history[i])}: ${e.length} readings expected, ${a.length} found; first difference at ${j}: expected ${JSON.stringify(e[j])}, found ${JSON.stringify(a[j])}`);
  });
  expected.report.forEach((e, i) => {
    const a = actual.report[i]!;
    const problems: string[] = [];
    if (e.length !== a.length) problems.push(`${e.length} buckets expected, ${a.length} found`);
    e.forEach((row, k) => {
      const b = a[k];
      if (!b || b.key !== row.key || b.exact !== row.exact) problems.push(`bucket ${row.key}: expected ${row.exact}, found ${b ? `${b.key} ${b.exact}` : 'none'}`);
      else if (!closeEnough(row.avg, b.avg)) problems.push(`bucket ${row.key}: avg expected ${row.avg}, found ${b.avg}`);
    });
    if (problems.length) out.push(`report ${JSON.stringify(q.report[i])}: ${problems.slice(0, 3).join('; ')}`);
  });
  for (const [i, e] of expected.latest.entries()) {
    const a = actual.latest[i]!;
    let ok = e.length === a.length && e.every((row, k) => row.metric === a[k]!.metric && row.t === a[k]!.t);
    for (const [k, row] of e.entries()) {
      if (!ok || (row.value === a[k]!.value && row.flags === a[k]!.flags)) continue;
      // Two devices' readings of one instant (a tie): either is the latest. The expected
      // readings (EXPECTED) hold exactly the readings the answer was computed over.
      const l = q.latest[i]!;
      const tie = await pool.query(`SELECT 1 FROM ${EXPECTED} WHERE hospital_id = $1 AND patient_id = $2 AND metric = $3 AND t = $4 AND value::text = $5 AND flags = $6`, [
        l.hospital, l.patient, Number(row.metric), isoUs(Number(row.t)), a[k]!.value, Number(a[k]!.flags),
      ]);
      ok = tie.rowCount === 1;
    }
    if (!ok) out.push(`latest ${JSON.stringify(q.latest[i])}: expected ${JSON.stringify(e)}, found ${JSON.stringify(a)}`);
  }
  expected.readings.forEach((e, i) => {
    if (!same(e, actual.readings[i])) out.push(`vital_readings_of_hospital ${JSON.stringify(q.readings[i])}: expected ${JSON.stringify(e)}, found ${JSON.stringify(actual.readings[i])}`);
  });
  return out;
}

function closeEnough(x: string | null, y: string | null): boolean {
  if (x === null || y === null) return x === y;
  const a = Number(x);
  const b = Number(y);
  if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) return Object.is(a, b);
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
