/**
 * The schema on a real Citus cluster (a coordinator and two workers, started by the test
 * harness): migrate distributes it, idempotently and from two instances at once, and so
 * does serve --migrate, with the configured shard count; the real service ingests batches
 * exactly once through the coordinator, with the NOTIFY of the SSE stream; the statements the read routes run (history, latest, dashboard, reports, FHIR
 * search) are single-shard router queries for one hospital, and the read routes answer;
 * every table of the schema is a Citus table. Runs only with WARDLINK_TEST_CITUS=1.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { encodeBatch, QualityFlag, type Reading } from '@wardlink/shared';
import { addGateway } from '../api/auth/gateway-store.js';
import { addReader } from '../api/auth/reader-store.js';
import { HISTORY_STREAM_SQL } from '../api/routes/read/history-sql.js';
import { getRead } from '../api/testing/read-fixtures.js';
import { attachedSql } from '../fhir/fhir-sql.js';
import { postBatch, startTestService } from '../api/testing/service.js';
import { LATEST_CHANNEL } from '../ingest/latest-notify.js';
import { loadBatch } from '../ingest/loader.js';
import { batchOf, simulatedWard, T0 } from '../ingest/testing/batches.js';
import { checkCloud } from '../testing/cloud-process.js';
import { citusSwitchOn, CITUS_SWITCH_ENV } from '../testing/citus-cluster.js';
import { silentLogger } from '../testing/logger.js';
import { createTestDatabase, useTestDatabase } from '../testing/pg.js';
import { DISTRIBUTED_TABLES, DISTRIBUTION_COLUMN, REFERENCE_TABLES } from './citus.js';
import { migrate } from './migrator.js';
import { NOT_PHYSIOLOGY } from './not-physiology.js';
import { ACTIVE_PATIENTS_SQL, HISTORY_SQL, LATEST_FOR_PATIENT_FROM_HISTORY_SQL, LATEST_FOR_PATIENT_SQL, REPORT_SQL } from './queries.js';

const on = citusSwitchOn();
if (!on) console.log(`citus.test.ts skipped: run it on a Citus cluster with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/storage/citus.test.ts`);

describe.skipIf(!on)('the schema on Citus', () => {
  const db = useTestDatabase();

  interface CitusTable {
    table_name: string;
    citus_table_type: string;
    distribution_column: string;
    colocation_id: number;
    shard_count: number;
  }
  async function citusTables(pool = db.pool): Promise<Map<string, CitusTable>> {
    const res = await pool.query<CitusTable>(
      `SELECT table_name::text, citus_table_type, distribution_column, colocation_id, shard_count
       FROM citus_tables WHERE table_name::text NOT LIKE '%\\_p________'`,
    );
    return new Map(res.rows.map((r) => [r.table_name, r]));
  }

  it('migrate makes reference tables and distributes the rest by hospital_id, all colocated', async () => {
    const tables = await citusTables();
    for (const t of REFERENCE_TABLES) expect(tables.get(t)?.citus_table_type, t).toBe('reference');
    for (const t of DISTRIBUTED_TABLES) {
      expect(tables.get(t)?.citus_table_type, t).toBe('distributed');
      expect(tables.get(t)?.distribution_column, t).toBe(DISTRIBUTION_COLUMN);
    }
    expect(new Set(DISTRIBUTED_TABLES.map((t) => tables.get(t)!.colocation_id)).size).toBe(1);
    expect(tables.has('schema_migrations')).toBe(false);
    expect(tables.size).toBe(REFERENCE_TABLES.length + DISTRIBUTED_TABLES.length);
  });

  it("every table of the schema but schema_migrations is a Citus table (a new one missing from citus.ts's lists fails here)", async () => {
    // Partitions are left out: a day partition is distributed with its parent when attached.
    // A Citus local table (partmethod 'n', repmodel 's': one Citus made of a new table with
    // a foreign key to a reference table) is in pg_dist_partition but on the coordinator
    // only, so it counts as missing.
    const res = await db.pool.query<{ name: string }>(
      `SELECT c.relname::text AS name FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname <> 'schema_migrations'
         AND NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid AND (d.partmethod = 'h' OR d.repmodel = 't'))
       ORDER BY 1`,
    );
    expect(res.rows.map((r) => r.name)).toEqual([]);
  });

  it('a second migrate changes nothing', async () => {
    const before = await citusTables();
    const again = await migrate(db.pool, { logger: silentLogger, citusShardCount: 8 });
    expect(again.applied).toEqual([]);
    expect(again.citus).toEqual({ reference: [], distributed: [] });
    expect(await citusTables()).toEqual(before);
  });

  it('two instances migrating a fresh database at once distribute every table once, with the configured shard count', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const results = await Promise.all([1, 2].map(() => migrate(fresh.pool, { logger: silentLogger, citusShardCount: 6 })));
      const made = results.flatMap((r) => [...(r.citus?.reference ?? []), ...(r.citus?.distributed ?? [])]);
      expect(made.sort()).toEqual([...REFERENCE_TABLES, ...DISTRIBUTED_TABLES].sort());
      expect((await citusTables(fresh.pool)).get('vital_data')?.shard_count).toBe('6');
    } finally {
      await fresh.drop();
    }
  });

  it('serve --migrate distributes a fresh database with database.citusShardCount', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const service = await startTestService(fresh.connectionString, { database: { citusShardCount: 3 } }, { migrate: true });
      await service.service.stop();
      expect((await citusTables(fresh.pool)).get('vital_data')?.shard_count).toBe('3');
    } finally {
      await fresh.drop();
    }
  });

  it('the real service ingests batches through the coordinator exactly once, the ledger right', async () => {
    const service = await startTestService(db.connectionString);
    try {
      const { token } = await addGateway(db.pool, { hospitalId: 'h-citus', wardId: 'icu', gatewayId: 'gw-citus' });
      // The SSE stream's source: the loader's NOTIFY, sent on the coordinator at commit.
      const listener = new pg.Client({ connectionString: db.connectionString });
      await listener.connect();
      const notified: string[] = [];
      listener.on('notification', (n) => notified.push(n.payload ?? ''));
      await listener.query(`LISTEN ${LATEST_CHANNEL}`);
      const ward = simulatedWard('gw-citus', 6);
      const batches = [1, 2, 3, 4].map((seq) => batchOf(ward, seq, T0 + (seq - 1) * 10_000));
      // Two at a time, as a gateway's parallel uploads would arrive.
      for (const pair of [batches.slice(0, 2), batches.slice(2)]) {
        const answers = await Promise.all(pair.map((b) => postBatch(service.url, encodeBatch(b), token)));
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
      }

      const check = await checkCloud(db.pool, 'gw-citus', batches.flatMap((b) => b.readings));
      expect(check).toMatchObject({ missing: 0, wrong: 0, duplicated: 0 });
      expect(check.stored).toBe(check.expected);
      const ledger = await db.pool.query<{ batch_seq: string; readings: number }>(
        "SELECT batch_seq, readings FROM batch_ledger WHERE hospital_id = 'h-citus' AND gateway_id = 'gw-citus' ORDER BY batch_seq",
      );
      expect(ledger.rows.map((r) => [Number(r.batch_seq), r.readings])).toEqual(batches.map((b) => [b.seq, b.readings.length]));
      const latest = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM latest_vitals WHERE hospital_id = 'h-citus'");
      expect(latest.rows[0]!.n).toBeGreaterThan(0);
      await listener.end();
      expect(notified.length).toBeGreaterThan(0);
      expect(notified.join('\n')).toContain('h-citus');
    } finally {
      await service.service.stop();
    }
  });

  // claimBatch's INSERT ... SELECT ... ON CONFLICT DO NOTHING runs "pull to coordinator" on
  // Citus, whose row count is the rows selected, not inserted: counted by RETURNING instead
  // (ledger.ts), a stored batch's retry is a duplicate, not a COPY into the primary key.
  it('a retry of a stored batch is answered 200 and changes nothing', async () => {
    const service = await startTestService(db.connectionString);
    try {
      const { token } = await addGateway(db.pool, { hospitalId: 'h-citus', wardId: 'icu', gatewayId: 'gw-retry' });
      const batch = batchOf(simulatedWard('gw-retry', 2), 1, T0);
      expect((await postBatch(service.url, encodeBatch(batch), token)).status).toBe(200);
      expect((await postBatch(service.url, encodeBatch(batch), token)).status).toBe(200);
      expect(await checkCloud(db.pool, 'gw-retry', batch.readings)).toMatchObject({ missing: 0, duplicated: 0 });
    } finally {
      await service.service.stop();
    }
  });

  it('a batch overlapping stored readings loads through staging, and a reading stored with another value is counted', async () => {
    const { token } = await addGateway(db.pool, { hospitalId: 'h-citus', wardId: 'icu', gatewayId: 'gw-conflict' });
    expect(token).toBeTruthy();
    const gw = { hospitalId: 'h-citus', gatewayId: 'gw-conflict', wardId: 'icu' };
    const a = batchOf(simulatedWard('gw-conflict', 2), 1, T0);
    expect(await loadBatch(db.pool, gw, a, { logger: silentLogger })).toMatchObject({ path: 'copy', conflictingReadings: 0 });
    const [r0, r1] = a.readings as [Reading, Reading];
    const b = { ...a, seq: 2, readings: [{ ...r0, value: r0.value + 1 }, { ...r1, deviceTimeMs: r1.deviceTimeMs + 1 }] };
    expect(await loadBatch(db.pool, gw, b, { logger: silentLogger })).toMatchObject({ path: 'staged', storedReadings: 1, conflictingReadings: 1 });
  });

  /** The coordinator's plan of `sql` with the values bound (a custom plan, as for the
   * driver's unnamed statements) or, `reused`, of a statement PREPAREd and executed
   * `reused` times first on the same connection, as the history route's named statement
   * is: past the fifth execution PostgreSQL's plan cache considers a generic plan. */
  async function citusPlan(sql: string, params: unknown[], reused = 0): Promise<string> {
    const client = await db.pool.connect();
    try {
      let res: pg.QueryResult<{ 'QUERY PLAN': string }>;
      if (reused > 0) {
        // EXECUTE takes its arguments as literals (bound parameters would be a custom plan).
        const literal = (v: unknown) => (typeof v === 'number' ? String(v) : client.escapeLiteral(v instanceof Date ? v.toISOString() : String(v)));
        const args = params.map(literal).join(', ');
        await client.query(`PREPARE wl_plan_check AS ${sql}`);
        for (let i = 0; i < reused; i++) await client.query(`EXECUTE wl_plan_check(${args})`);
        res = await client.query(`EXPLAIN EXECUTE wl_plan_check(${args})`);
      } else {
        res = await client.query(`EXPLAIN ${sql}`, params);
      }
      return res.rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('DEALLOCATE ALL').catch(() => undefined);
      client.release();
    }
  }

  /** One task: Citus routes the whole statement to the one shard group of the hospital. */
  function expectRouter(plan: string, what: string): void {
    expect(plan, what).toMatch(/Custom Scan \(Citus Adaptive\)/);
    expect(plan, what).toMatch(/Task Count: 1\b/);
    // A multi-shard plan would pull rows to the coordinator or repartition them.
    expect(plan, what).not.toMatch(/Task Count: (?!1\b)\d+|Distributed Subplan|repartition/i);
  }

  /** A patient of h-citus with readings of `metric` ingested by the tests above. */
  async function somePatient(metric?: number): Promise<{ patient: string; metric: number; n: number }> {
    const some = await db.pool.query<{ patient_id: string; metric: number; n: number }>(
      `SELECT patient_id, metric, count(*)::int AS n FROM vital_data
       WHERE hospital_id = 'h-citus' AND patient_id <> '' AND ($1::int IS NULL OR metric = $1) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1`,
      [metric ?? null],
    );
    const r = some.rows[0]!;
    return { patient: r.patient_id, metric: r.metric, n: r.n };
  }

  const FROM = new Date(T0 - 3_600_000);
  const TO = new Date(T0 + 3_600_000);

  it("one patient's history (HISTORY_SQL, vital_readings()) is a router query: one task, on one worker", async () => {
    const { patient, metric, n } = await somePatient();
    const params = ['h-citus', patient, metric, FROM, TO];
    expectRouter(await citusPlan(HISTORY_SQL, params), 'HISTORY_SQL');
    expect((await db.pool.query(HISTORY_SQL, params)).rowCount).toBe(n);
    // The SQL helper of ad-hoc queries works too (PL/pgSQL on Citus, citus-functions.ts).
    const helper = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_readings($1, $2, $3, $4, $5)', params);
    expect(helper.rows[0]!.n).toBe(n);
  });

  it('the statements the read routes run are router queries for one hospital: one task each', async () => {
    const { patient, metric, n } = await somePatient();
    // history route (history-sources.ts): a named statement, so its generic plan too.
    const history = ['h-citus', patient, metric, FROM, TO, QualityFlag.CLOCK_SUSPECT];
    expectRouter(await citusPlan(HISTORY_STREAM_SQL, history), 'HISTORY_STREAM_SQL');
    expectRouter(await citusPlan(HISTORY_STREAM_SQL, history, 8), 'HISTORY_STREAM_SQL, a reused statement');
    const streamed = await db.pool.query<{ n: number }>(HISTORY_STREAM_SQL, history);
    expect(streamed.rows.reduce((sum, r) => sum + r.n, 0)).toBe(n);
    // latest route without its cache (latest.ts), dashboard route (dashboard.ts).
    expectRouter(await citusPlan(LATEST_FOR_PATIENT_SQL, ['h-citus', patient]), 'LATEST_FOR_PATIENT_SQL');
    expect((await db.pool.query(LATEST_FOR_PATIENT_SQL, ['h-citus', patient])).rowCount).toBeGreaterThan(0);
    // Its cold-cache alternative from the stored readings (no route runs it yet; explain.test.ts has it).
    const fromHistory = ['h-citus', patient, [metric], FROM, TO];
    expectRouter(await citusPlan(LATEST_FOR_PATIENT_FROM_HISTORY_SQL, fromHistory), 'LATEST_FOR_PATIENT_FROM_HISTORY_SQL');
    expect((await db.pool.query(LATEST_FOR_PATIENT_FROM_HISTORY_SQL, fromHistory)).rowCount).toBe(1);
    const since = new Date(T0 - 86_400_000);
    expectRouter(await citusPlan(ACTIVE_PATIENTS_SQL, ['h-citus', since]), 'ACTIVE_PATIENTS_SQL');
    expect((await db.pool.query(ACTIVE_PATIENTS_SQL, ['h-citus', since])).rowCount).toBeGreaterThan(0);
    // reports route (report-sources.ts), daily and weekly buckets.
    for (const bucket of ['1 hour', '1 day']) {
      const report = ['h-citus', FROM, TO, bucket, NOT_PHYSIOLOGY];
      expectRouter(await citusPlan(REPORT_SQL, report), `REPORT_SQL ${bucket}`);
      expect((await db.pool.query(REPORT_SQL, report)).rowCount).toBeGreaterThan(0);
    }
    // FHIR Observation search (fhir-sources.ts): one patient, a hospital's patients, with
    // a metric filter and with a page's cursor.
    const searches = [
      { hospitalId: 'h-citus', patientId: patient, from: FROM, to: TO },
      { hospitalId: 'h-citus', patientId: patient, metrics: [metric], from: FROM, to: TO },
      { hospitalId: 'h-citus', from: FROM, to: TO },
      { hospitalId: 'h-citus', from: FROM, to: TO, after: { patientId: patient, t: new Date(T0), gatewayId: 'gw-citus', deviceId: '', metric } },
    ];
    for (const q of searches) {
      const { sql, params } = attachedSql(q);
      expectRouter(await citusPlan(sql, params), `FHIR search ${JSON.stringify(q)}`);
      expect((await db.pool.query(sql, params)).rowCount).toBeGreaterThan(0);
    }
  });

  it('the history and latest read routes answer from the distributed tables', async () => {
    const service = await startTestService(db.connectionString);
    try {
      // The CLI's way (`reader add`), a plain INSERT on the reference table api_readers.
      const reader = await addReader(db.pool, { hospitalId: 'h-citus', name: 'test' });
      const some = await db.pool.query<{ patient_id: string; n: number }>(
        "SELECT patient_id, count(*)::int AS n FROM vital_data WHERE hospital_id = 'h-citus' AND patient_id <> '' AND metric = 147842 GROUP BY 1 ORDER BY 1 LIMIT 1",
      );
      const { patient_id: patient, n } = some.rows[0]!;
      const range = `from=${new Date(T0 - 3_600_000).toISOString()}&to=${new Date(T0 + 3_600_000).toISOString()}`;
      const history = await getRead(service.url, `/v1/hospitals/h-citus/patients/${patient}/history?metric=147842&${range}`, reader.token);
      expect(history.status, history.text).toBe(200);
      const last = JSON.parse(history.text.trimEnd().split('\n').at(-1)!) as { done?: boolean; rows?: number };
      expect(last).toMatchObject({ done: true, rows: n });
      const latest = await getRead(service.url, `/v1/hospitals/h-citus/patients/${patient}/latest`, reader.token);
      expect(latest.status, latest.text).toBe(200);
    } finally {
      await service.service.stop();
    }
  });
});
