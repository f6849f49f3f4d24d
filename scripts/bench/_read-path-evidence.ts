/**
 * Where the read path's time goes, for the read-path bench's log and figures:
 * - the service's own view: its read-duration histogram (/metrics), differenced over the
 *   window, per route: mean and the share of answers within a bucket bound. Against the
 *   latency measured at the clients it separates the service from this process's own
 *   event-loop delay (the load generators run here);
 * - the plans: EXPLAIN (ANALYZE, BUFFERS) of the routes' SQL, after the window.
 */
import type pg from 'pg';
import { ACTIVE_PATIENTS_SQL, HISTORY_STREAM_SQL, LATEST_FOR_PATIENT_SQL } from '@wardlink/cloud';
import { QualityFlag } from '@wardlink/shared';
import { round } from './_compaction-common.js';

type Histograms = Map<string, { sum: number; count: number; buckets: Map<string, number> }>;

export async function readDurations(base: string): Promise<Histograms> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Histograms = new Map();
  const of = (route: string) => out.get(route) ?? out.set(route, { sum: 0, count: 0, buckets: new Map() }).get(route)!;
  for (const line of text.split('\n')) {
    const m = /^wardlink_cloud_read_duration_seconds_(sum|count|bucket)\{(.*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    const route = /route="([^"]*)"/.exec(m[2]!)?.[1] ?? '?';
    const h = of(route);
    if (m[1] === 'sum') h.sum = Number(m[3]);
    else if (m[1] === 'count') h.count = Number(m[3]);
    else h.buckets.set(/le="([^"]*)"/.exec(m[2]!)?.[1] ?? '?', Number(m[3]));
  }
  return out;
}

/** Per route over the window: answers, server-side mean ms, and the share within `withinS`. */
export function serverSide(before: Histograms, after: Histograms, withinS: Record<string, string>): Record<string, { n: number; meanMs: number; within: string }> {
  const res: Record<string, { n: number; meanMs: number; within: string }> = {};
  for (const [route, a] of after) {
    const b = before.get(route) ?? { sum: 0, count: 0, buckets: new Map<string, number>() };
    const n = a.count - b.count;
    if (n <= 0) continue;
    const name = Object.keys(withinS).find((k) => route.endsWith(k)) ?? route;
    const le = withinS[name] ?? '0.05';
    const inBucket = (a.buckets.get(le) ?? 0) - (b.buckets.get(le) ?? 0);
    res[name] = { n, meanMs: round(((a.sum - b.sum) / n) * 1000, 1), within: `${round((inBucket / n) * 100)} % <= ${Number(le) * 1000} ms` };
  }
  return res;
}

async function explain(pool: pg.Pool, sql: string, params: unknown[]): Promise<string> {
  const res = await pool.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown>; 'Planning Time': number; 'Execution Time': number }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  const plan = res.rows[0]!['QUERY PLAN'][0]!;
  const top = plan.Plan;
  const hit = Number(top['Shared Hit Blocks'] ?? 0);
  const read = Number(top['Shared Read Blocks'] ?? 0);
  return `planning ${round(plan['Planning Time'], 2)} ms, execution ${round(plan['Execution Time'], 2)} ms, ${String(top['Actual Rows'])} rows, buffers hit ${hit} read ${read}, top node ${String(top['Node Type'])}`;
}

/** The history SQL as a prepared statement, after the 5 custom plans PostgreSQL makes
 * before it considers the generic one: does a cached plan save the planning time, and
 * does it keep the partition pruning (run-time pruning then)? */
async function explainPrepared(pool: pg.Pool, sql: string, types: string, params: unknown[]): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query(`PREPARE rp_bench(${types}) AS ${sql}`);
    // EXPLAIN EXECUTE is a utility statement: its arguments cannot be bind parameters.
    const args = params.map((v) => client.escapeLiteral(v instanceof Date ? v.toISOString() : String(v))).join(', ');
    for (let i = 0; i < 6; i++) await client.query(`EXECUTE rp_bench(${args})`);
    const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown>; 'Planning Time': number; 'Execution Time': number }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE rp_bench(${args})`);
    const plan = res.rows[0]!['QUERY PLAN'][0]!;
    const text = JSON.stringify(plan.Plan);
    return `planning ${round(plan['Planning Time'], 2)} ms, execution ${round(plan['Execution Time'], 2)} ms, ${String(plan.Plan['Actual Rows'])} rows, subplans removed at run time: ${/Subplans Removed":(\d+)/.exec(text)?.[1] ?? 0}`;
  } finally {
    await client.query('DEALLOCATE ALL').catch(() => undefined);
    client.release();
  }
}

/** `quick`: without the prepared-statement run (7 more executions of the 24 h history). */
export async function explainRoutes(
  pool: pg.Pool,
  quick: boolean,
  q: { hospitalId: string; patient: string; wardHospital: string; samplePatient: string; hrCode: number; from: Date; to: Date },
): Promise<Record<string, string>> {
  return {
    latest: await explain(pool, LATEST_FOR_PATIENT_SQL, [q.hospitalId, q.patient]),
    dashboard: await explain(pool, ACTIVE_PATIENTS_SQL, [q.wardHospital, new Date(Date.now() - 300_000)]),
    history_24h: await explain(pool, HISTORY_STREAM_SQL, [q.hospitalId, q.samplePatient, q.hrCode, q.from, q.to, QualityFlag.CLOCK_SUSPECT]),
    ...(quick ? {} : { history_24h_prepared: await explainPrepared(pool, HISTORY_STREAM_SQL, 'text, text, int, timestamptz, timestamptz, smallint', [q.hospitalId, q.samplePatient, q.hrCode, q.from, q.to, QualityFlag.CLOCK_SUSPECT]) }),
  };
}

/** The latest-vitals cache's answers by route and result (hit, miss, bypass) so far, from
 * /metrics: whether the latest and dashboard figures came from memory or the database. */
export async function cacheReads(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^wardlink_latest_cache_reads_total\{(.*)\} ([0-9.e+-]+)$/gm)) {
    const route = /route="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    const result = /result="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    out[`${route}_${result}`] = Number(m[2]);
  }
  return out;
}

/** Per key, after - before. */
export const countsSince = (before: Record<string, number>, after: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

/** The service's event-loop delay p99 and max (ms) since the previous /metrics read
 * (prom-client resets its histogram on each read): a read's wait behind other work on
 * the service's one loop (SSE writes, history answers, ingest), apart from its own. */
export async function serviceLoopDelay(base: string): Promise<{ p99Ms: number | null; maxMs: number | null }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const of = (name: string) => {
    const m = new RegExp(`^wardlink_cloud_nodejs_eventloop_lag_${name}_seconds ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? round(Number(m[1]) * 1000, 1) : null;
  };
  return { p99Ms: of('p99'), maxMs: of('max') };
}
