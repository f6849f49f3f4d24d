/**
 * The schema on a real Citus cluster (a coordinator and two workers, started by the test
 * harness): migrate distributes it, idempotently and from two instances at once; the real
 * service ingests batches exactly once through the coordinator, with the NOTIFY of the SSE
 * stream; one patient's history is a single-shard router query, and the read routes answer. Runs only with WARDLINK_TEST_CITUS=1.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { addGateway } from '../api/auth/gateway-store.js';
import { issueToken, READER_TOKEN_SCHEME } from '../api/auth/tokens.js';
import { getRead } from '../api/testing/read-fixtures.js';
import { postBatch, startTestService } from '../api/testing/service.js';
import { LATEST_CHANNEL } from '../ingest/latest-notify.js';
import { batchOf, simulatedWard, T0 } from '../ingest/testing/batches.js';
import { checkCloud } from '../testing/cloud-process.js';
import { citusSwitchOn, CITUS_SWITCH_ENV } from '../testing/citus-cluster.js';
import { silentLogger } from '../testing/logger.js';
import { createTestDatabase, useTestDatabase } from '../testing/pg.js';
import { DISTRIBUTED_TABLES, DISTRIBUTION_COLUMN, REFERENCE_TABLES } from './citus.js';
import { migrate } from './migrator.js';
import { HISTORY_SQL } from './queries.js';

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

  it("one patient's history (the read route's statement) is a router query: one task, on one worker", async () => {
    const some = await db.pool.query<{ patient_id: string; metric: number; n: number }>(
      `SELECT patient_id, metric, count(*)::int AS n FROM vital_data
       WHERE hospital_id = 'h-citus' AND patient_id <> '' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1`,
    );
    const { patient_id: patient, metric, n } = some.rows[0]!;
    const params = ['h-citus', patient, metric, new Date(T0 - 3_600_000), new Date(T0 + 3_600_000)];
    const plan = (await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${HISTORY_SQL}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Custom Scan \(Citus Adaptive\)/);
    expect(plan).toMatch(/Task Count: 1\b/);
    expect((await db.pool.query(HISTORY_SQL, params)).rowCount).toBe(n);
    // The SQL helper of ad-hoc queries works too (PL/pgSQL on Citus, citus-functions.ts).
    const helper = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_readings($1, $2, $3, $4, $5)', params);
    expect(helper.rows[0]!.n).toBe(n);
  });

  it('the history and latest read routes answer from the distributed tables', async () => {
    const service = await startTestService(db.connectionString);
    try {
      // A reader row written directly: reader-store.ts's INSERT ... SELECT ... RETURNING
      // is refused by Citus (listed in docs/scaling.md).
      const reader = issueToken(READER_TOKEN_SCHEME);
      await db.pool.query("INSERT INTO api_readers (hospital_id, reader_id, name, token_hash, token_prefix) VALUES ('h-citus', 'rd-citus', 'test', $1, $2)", [
        reader.hash,
        reader.prefix,
      ]);
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
