/**
 * Proves the index strategy with real plans: ~200k readings in 3 daily partitions
 * (20 patients x 8 metrics, one record every 200 s for 3 days) plus a hospital-sized
 * latest_vitals, ANALYZEd, then EXPLAIN (ANALYZE, FORMAT JSON) of the read path's
 * queries. The human-readable plans land in test-artifacts/explain/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import { useTestDatabase } from '../testing/pg.js';
import { citusSwitchOn } from '../testing/citus-cluster.js';
import { runCompaction } from '../lifecycle/compaction/compaction-job.js';
import { createLifecycleContext } from '../lifecycle/context.js';
import { LocalFolderArchiveStore } from '../lifecycle/store/local-folder-store.js';
import { ManualClock } from '../lifecycle/testing/manual-clock.js';
import { silentLogger } from '../testing/logger.js';
import { ensurePartitions } from './partitions.js';
import { ACTIVE_PATIENTS_SQL, HISTORY_SQL, LATEST_FOR_PATIENT_FROM_HISTORY_SQL, LATEST_FOR_PATIENT_SQL, REPORT_SQL } from './queries.js';

// Single server only: these assertions name the plan nodes one PostgreSQL chooses (index
// scans on the partitions). On Citus (WARDLINK_TEST_CITUS=1) the coordinator's plan is a
// Citus Adaptive custom scan and the index work happens on the workers. citus.test.ts checks
// the Citus side with EXPLAIN on the coordinator: each statement of this file, the history
// route's HISTORY_STREAM_SQL and the FHIR search's SQL is, for one hospital, a single-shard
// router query (Task Count: 1). It does not check which indexes the workers use.
const onCitus = citusSwitchOn();
if (onCitus) console.log('explain.test.ts skipped on Citus: it asserts single-server plan nodes; citus.test.ts checks the router plans');
const db = useTestDatabase({ migrate: !onCitus });
const CODES = (['HR', 'PR', 'SPO2', 'PI', 'RR', 'NIBP_SYS', 'NIBP_DIA', 'TEMP'] as const).map((id) => METRICS[id].mdcCode);
const HR = METRICS.HR.mdcCode;
const at = (iso: string) => new Date(iso);
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'explain');

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Scan Direction'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function explain(name: string, sql: string, params: unknown[]): Promise<PlanNode[]> {
  const json = await db.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
  const text = await db.pool.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF) ${sql}`, params);
  const rendered = text.rows.map((r) => r['QUERY PLAN']).join('\n');
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.txt`), `${sql.trim()}\n\n-- params: ${JSON.stringify(params)}\n\n${rendered}\n`);
  return nodes((json.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
}

/** Relations read by a sequential scan, other than the empty tables: the vital_blocks
 * partitions of the days not compacted yet and the compacted day's vital_data partition
 * (the planner rightly scans an empty table). */
const EMPTY = new Set(['vital_blocks_p20360211', 'vital_blocks_p20360212', 'vital_data_p20360210']);
const seqScans = (plan: PlanNode[]) => plan.filter((n) => n['Node Type'] === 'Seq Scan' && !EMPTY.has(n['Relation Name'] ?? '')).map((n) => n['Relation Name']);

const relations = (plan: PlanNode[]) => [...new Set(plan.map((n) => n['Relation Name']).filter(Boolean))].sort();

beforeAll(async () => {
  if (onCitus) return;
  await ensurePartitions(db.pool, { fromDay: '2036-02-10', toDay: '2036-02-12' });
  await db.pool.query(`
    INSERT INTO hospitals (hospital_id, name) VALUES ('h1', 'General');
    INSERT INTO wards (hospital_id, ward_id, name) VALUES ('h1', 'icu', 'ICU'), ('h1', 'card', 'Cardiology');
    INSERT INTO gateways (hospital_id, gateway_id, ward_id, token_hash, token_prefix)
      VALUES ('h1', 'gw-icu', 'icu', 'hash-a', 'wl_a'), ('h1', 'gw-card', 'card', 'hash-b', 'wl_b');
    INSERT INTO patients (hospital_id, patient_id, display_name)
      SELECT 'h1', 'MRN' || lpad(b::text, 6, '0'), 'Patient ' || b FROM generate_series(1, 20) b;`);
  // In arrival (time) order, as the loader writes them. One empty bed reports too.
  await db.pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     SELECT ts, ts + interval '150 ms', (extract(epoch FROM ts) / 60)::bigint, 60 + (random() * 40)::int, m.code, 0, 'h1',
            CASE WHEN b <= 20 THEN 'MRN' || lpad(b::text, 6, '0') ELSE '' END,
            CASE WHEN b <= 10 THEN 'gw-icu' ELSE 'gw-card' END, 'mon-' || b, 'bed-' || b
     FROM generate_series('2036-02-10 00:00:00+00'::timestamptz, '2036-02-12 23:59:59+00', interval '200 seconds') ts
     CROSS JOIN generate_series(1, 21) b
     CROSS JOIN unnest($1::int[]) m(code)
     ORDER BY ts`,
    [CODES],
  );
  // latest_vitals as the loader keeps it (the documented upsert), plus the beds of other
  // hospitals, so the table has a realistic size (~40k rows) for the planner.
  await db.pool.query(`
    INSERT INTO latest_vitals AS lv (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
    SELECT DISTINCT ON (hospital_id, gateway_id, bed_id, metric) hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id
    FROM vital_data ORDER BY hospital_id, gateway_id, bed_id, metric, t DESC
    ON CONFLICT (hospital_id, gateway_id, bed_id, metric) DO UPDATE
      SET t = excluded.t, value = excluded.value, flags = excluded.flags, patient_id = excluded.patient_id, device_id = excluded.device_id
      WHERE excluded.t > lv.t`);
  await db.pool.query(
    `INSERT INTO latest_vitals (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
     SELECT 'h-other-' || (b % 8), 'gw-' || (b % 100), 'bed-' || b, m.code, '2036-02-12 23:59:00+00', 70, 0, 'Q' || b, 'd' || b
     FROM generate_series(1, 5000) b CROSS JOIN unnest($1::int[]) m(code)`,
    [CODES],
  );
  // The first day is compacted into vital_blocks, as the hourly job leaves a day behind it.
  const compaction = await runCompaction(createLifecycleContext({ pool: db.pool, logger: silentLogger, clock: new ManualClock(Date.parse('2036-02-11T00:30:00Z')), store: new LocalFolderArchiveStore('/nonexistent'), stagingDir: '/nonexistent' }));
  expect(compaction.ran && compaction.value.readings).toBe(432 * 21 * 8);
  await db.pool.query('ANALYZE vital_data; ANALYZE vital_blocks; ANALYZE latest_vitals; ANALYZE patients; ANALYZE gateways');
}, 60_000);

describe.skipIf(onCitus)('the read path runs on the indexes chosen for it (EXPLAIN)', () => {
  it('holds ~200k readings in three daily partitions, compactly', async () => {
    const all = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM vital_readings_of_hospital('h1', '2036-02-10', '2036-02-13')");
    expect(all.rows[0]!.n).toBe(3 * 432 * 21 * 8);
    const res = await db.pool.query<{ rows: number; heap: number; idx: number }>(`
      SELECT (SELECT count(*) FROM vital_data)::int AS rows, sum(pg_relation_size(c.oid))::bigint::int AS heap, sum(pg_indexes_size(c.oid))::bigint::int AS idx
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'vital_data'::regclass`);
    const { rows, heap, idx } = res.rows[0]!;
    expect(rows).toBe(2 * 432 * 21 * 8); // the first day is in vital_blocks
    const summary = { rows, heapBytesPerRow: +(heap / rows).toFixed(1), indexBytesPerRow: +(idx / rows).toFixed(1) };
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'bytes-per-row.json'), `${JSON.stringify(summary)}\n`);
    // Guard the compact layout (no null bitmap, no padding, real + int metric).
    expect(summary.heapBytesPerRow).toBeLessThan(110);
  });

  it('(a) latest per patient reads latest_vitals through its patient index', async () => {
    const plan = await explain('latest-for-patient', LATEST_FOR_PATIENT_SQL, ['h1', 'MRN000007']);
    expect(relations(plan)).toEqual(['latest_vitals']);
    expect(plan.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'latest_vitals_patient')).toBe(true);
    expect(plan.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
    expect(plan[0]!['Actual Rows']).toBe(8);
  });

  it('(a) latest per patient from vital_data touches only the partitions in range, one backward probe per metric', async () => {
    const plan = await explain('latest-for-patient-from-history', LATEST_FOR_PATIENT_FROM_HISTORY_SQL, [
      'h1',
      'MRN000007',
      CODES,
      at('2036-02-12T12:00:00Z'),
      at('2036-02-13T12:00:00Z'),
    ]);
    expect(relations(plan)).toEqual(['vital_blocks_p20360212', 'vital_data_p20360212']);
    const scans = plan.filter((n) => n['Relation Name'] === 'vital_data_p20360212');
    expect(scans.every((n) => n['Node Type'] === 'Index Scan' && n['Scan Direction'] === 'Backward')).toBe(true);
    expect(seqScans(plan)).toEqual([]);
    expect(plan[0]!['Actual Rows']).toBe(8);
  });

  it('(b) history by patient, metric and range prunes to the day and scans the index in order', async () => {
    const plan = await explain('history-one-day', HISTORY_SQL, ['h1', 'MRN000007', HR, at('2036-02-11T10:00:00Z'), at('2036-02-11T14:00:00Z')]);
    expect(relations(plan)).toEqual(['vital_blocks_p20360211', 'vital_data_p20360211']);
    expect(plan.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'vital_data_p20360211_pkey')).toBe(true);
    expect(seqScans(plan)).toEqual([]);
    expect(plan[0]!['Actual Rows']).toBe(72); // 4 h / 200 s
  });

  it('(b) a range across midnight touches exactly the two days', async () => {
    const plan = await explain('history-across-midnight', HISTORY_SQL, ['h1', 'MRN000007', HR, at('2036-02-10T22:00:00Z'), at('2036-02-11T02:00:00Z')]);
    expect(relations(plan)).toEqual(['vital_blocks_p20360210', 'vital_blocks_p20360211', 'vital_data_p20360210', 'vital_data_p20360211']);
    expect(seqScans(plan)).toEqual([]);
    expect(plan[0]!['Actual Rows']).toBe(72);
    // The 22:00-24:00 half comes out of two hourly blocks of the compacted day.
    expect(plan.find((n) => n['Relation Name'] === 'vital_blocks_p20360210')?.['Actual Rows']).toBe(2);
  });

  it('(c) the active-patients dashboard is one statement with no per-patient subplan', async () => {
    const params = ['h1', at('2036-02-12T23:00:00Z')];
    const plan = await explain('active-patients', ACTIVE_PATIENTS_SQL, params);
    expect(plan.filter((n) => n['Relation Name'] === 'latest_vitals')).toHaveLength(1);
    expect(plan.some((n) => n['Parent Relationship'] === 'SubPlan' || n['Parent Relationship'] === 'InitPlan')).toBe(false);
    expect(plan.some((n) => n['Relation Name'] === 'latest_vitals' && n['Node Type'] === 'Seq Scan')).toBe(false);

    const dashboard = await db.pool.query<{ ward_id: string; patient_id: string; display_name: string; vitals: Record<string, [number, number, number]> }>(
      ACTIVE_PATIENTS_SQL,
      params,
    );
    expect(dashboard.rows).toHaveLength(20); // every admitted bed; the empty bed is not a patient
    expect(new Set(dashboard.rows.map((r) => r.ward_id))).toEqual(new Set(['icu', 'card']));
    for (const row of dashboard.rows) {
      expect(Object.keys(row.vitals).sort()).toEqual(CODES.map(String).sort());
      expect(row.display_name).toMatch(/^Patient \d+$/);
    }
  });

  it('(d) the daily report is one statement that scans only the day\'s partition', async () => {
    const params = ['h1', at('2036-02-11T00:00:00Z'), at('2036-02-12T00:00:00Z'), '1 hour', 7];
    const plan = await explain('report-daily', REPORT_SQL, params);
    expect(relations(plan)).toEqual(['vital_blocks_p20360211', 'vital_data_p20360211']);
    expect(plan.some((n) => n['Parent Relationship'] === 'SubPlan' || n['Parent Relationship'] === 'InitPlan')).toBe(false);
    expect(plan[0]!['Actual Rows']).toBe(20 * 8 * 24); // the empty bed is no patient's
    const first = await db.pool.query<{ bucket: Date; count: number }>(`${REPORT_SQL} LIMIT 1`, params);
    expect(first.rows[0]).toMatchObject({ patient_id: 'MRN000001', bucket: at('2036-02-11T00:00:00Z'), count: 18 }); // 3600 s / 200 s
  });

  it('(d) the weekly report of a week prunes to the days it holds', async () => {
    const plan = await explain('report-weekly', REPORT_SQL, ['h1', at('2036-02-11T00:00:00Z'), at('2036-02-18T00:00:00Z'), '1 day', 7]);
    expect(relations(plan)).toEqual(['vital_blocks_p20360211', 'vital_blocks_p20360212', 'vital_data_p20360211', 'vital_data_p20360212']);
    expect(plan[0]!['Actual Rows']).toBe(20 * 8 * 2);
  });

  it('the latest_vitals upsert never lets a late, older reading overwrite a newer one', async () => {
    const upsert = `
      INSERT INTO latest_vitals AS lv (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
      VALUES ('h1', 'gw-icu', 'bed-7', $1, $2, $3, 0, 'MRN000007', 'mon-7')
      ON CONFLICT (hospital_id, gateway_id, bed_id, metric) DO UPDATE
        SET t = excluded.t, value = excluded.value, flags = excluded.flags, patient_id = excluded.patient_id, device_id = excluded.device_id
        WHERE excluded.t > lv.t`;
    const read = () => db.pool.query('SELECT t, value FROM latest_vitals WHERE hospital_id = $1 AND gateway_id = $2 AND bed_id = $3 AND metric = $4', ['h1', 'gw-icu', 'bed-7', HR]);
    const before = (await read()).rows[0];
    const late = await db.pool.query(upsert, [HR, at('2036-02-11T00:00:00Z'), 999]);
    expect(late.rowCount).toBe(0);
    expect((await read()).rows[0]).toEqual(before);
    await db.pool.query(upsert, [HR, at('2036-02-13T00:00:00Z'), 88]);
    expect((await read()).rows[0]).toEqual({ t: at('2036-02-13T00:00:00Z'), value: 88 });
  });
});
