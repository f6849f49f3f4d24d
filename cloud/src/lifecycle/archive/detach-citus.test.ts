/**
 * Retention's detach on Citus, where DETACH PARTITION CONCURRENTLY is not supported on a
 * distributed table: detachDay falls back to a plain DETACH, the day's rows leave
 * vital_data whole, and dropDay removes them; a lock held on a worker's shard of the day
 * makes the detach give up after its lock_timeout, not after the statement timeout.
 * Runs only with WARDLINK_TEST_CITUS=1 (the plain-PostgreSQL path, CONCURRENTLY, is
 * covered by archive-job.test.ts).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isCitusTable } from '../../storage/citus.js';
import { ensurePartitions, partitionName, blockPartitionName } from '../../storage/partitions.js';
import { citusCluster, citusSwitchOn, CITUS_SWITCH_ENV } from '../../testing/citus-cluster.js';
import { useTestDatabase } from '../../testing/pg.js';
import { detachDay, dropDay, partitionStatus } from './detach.js';

const on = citusSwitchOn();
if (!on) console.log(`detach-citus.test.ts skipped: run it with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/lifecycle/archive/detach-citus.test.ts`);

/** Ingest of the live day: one small insert after another (batch `seq`) until stopped, timed. */
function liveInserts(pool: pg.Pool, live: string, seq: number): { stop(): Promise<{ inserted: number; latenciesMs: number[] }> } {
  let stopped = false;
  const latenciesMs: number[] = [];
  let failure: unknown;
  const running = (async () => {
    while (!stopped && failure === undefined) {
      const started = performance.now();
      await pool.query(
        `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, hospital_id, gateway_id, device_id, bed_id)
         VALUES ($1, $1, $2, 1, 147842, 'h-b', 'gw', 'dev', 'bed')`,
        [new Date(Date.parse(`${live}T00:00:00Z`) + latenciesMs.length * 1000), seq],
      );
      latenciesMs.push(performance.now() - started);
    }
  })().catch((err: unknown) => {
    failure = err; // rethrown by stop(), not left unhandled
  });
  return {
    stop: async () => {
      stopped = true;
      await running;
      if (failure !== undefined) throw failure;
      return { inserted: latenciesMs.length, latenciesMs };
    },
  };
}

/**
 * A reader of one shard of `table`, straight on its worker (a query run there, or another
 * node's distributed query), in an open transaction: the coordinator knows nothing of its lock.
 */
async function holdShardOnWorker(pool: pg.Pool, database: string, table: string): Promise<{ release(): Promise<void> }> {
  const shard = (
    await pool.query<{ shard_name: string; nodeport: number }>('SELECT shard_name::text, nodeport FROM citus_shards WHERE table_name = $1::regclass ORDER BY shardid LIMIT 1', [table])
  ).rows[0]!;
  const worker = new pg.Client({ connectionString: (await citusCluster()).urlOf(shard.nodeport, database) });
  worker.on('error', () => undefined);
  await worker.connect();
  await worker.query('BEGIN');
  await worker.query(`SELECT count(*) FROM "${shard.shard_name}"`);
  return {
    release: async () => {
      await worker.query('ROLLBACK').catch(() => undefined);
      await worker.end().catch(() => undefined);
    },
  };
}

describe.skipIf(!on)('detaching a day of a distributed vital_data', () => {
  const db = useTestDatabase();
  const day = '2031-03-04';
  const t = new Date(`${day}T10:00:00Z`);

  it("gives up after lock_timeout when a worker's shard of the day is locked, stalling ingest only that long", async () => {
    const day3 = '2031-03-07';
    const live = '2031-03-08';
    await ensurePartitions(db.pool, { fromDay: day3, toDay: live });
    const name = partitionName(day3);
    const reader = await holdShardOnWorker(db.pool, db.name, name);
    let writer: ReturnType<typeof liveInserts> | undefined;
    try {
      // Ingest of the live day, one insert after another, queues behind the coordinator's
      // ACCESS EXCLUSIVE on vital_data while the detach waits for the worker.
      writer = liveInserts(db.pool, live, 3);
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const err = await detachDay(db.pool, name, { lockTimeoutMs: 1_000, detachTimeoutMs: 60_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const detachMs = performance.now() - started;
      const { inserted, latenciesMs } = await writer.stop();
      writer = undefined;
      const maxInsertMs = Math.max(...latenciesMs);
      console.log(`citus DETACH behind a worker's lock: gave up after ${detachMs.toFixed(0)} ms (lock_timeout 1000); ${inserted} inserts, max ${maxInsertMs.toFixed(0)} ms`);
      // Before the fix it waited for the statement timeout (60 s here, 10 min in service).
      expect(err).toMatchObject({ code: 'WL_DB_UNAVAILABLE', reason: 'lock-timeout' });
      expect(detachMs).toBeLessThan(15_000);
      expect(maxInsertMs).toBeLessThan(15_000);
      expect(await partitionStatus(db.pool, name)).toBe('attached');
    } finally {
      await reader.release();
      await writer?.stop().catch(() => undefined); // the test's own failure, if any, stands
    }
    // The next run, with the worker's query gone, detaches the day; no setting outlives the detach.
    expect(await detachDay(db.pool, name, { lockTimeoutMs: 1_000, detachTimeoutMs: 60_000 })).toEqual([`${name}: detached`, `${blockPartitionName(day3)}: detached`]);
    expect(await dropDay(db.pool, name, 2_000)).toBe(true);
  });

  it('detaches with a plain DETACH, keeps the rows in the detached table, and drops it', async () => {
    await ensurePartitions(db.pool, { fromDay: day, toDay: day });
    const name = partitionName(day);
    expect(await isCitusTable(db.pool, name)).toBe(true);
    for (const h of ['h-a', 'h-b', 'h-c']) {
      await db.pool.query(
        `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, hospital_id, gateway_id, device_id, bed_id)
         SELECT $1::timestamptz + i * interval '1 second', $1, 1, i, 147842, $2, 'gw', 'dev', 'bed' FROM generate_series(1, 50) i`,
        [t, h],
      );
    }

    const did = await detachDay(db.pool, name, { lockTimeoutMs: 2_000, detachTimeoutMs: 30_000 });
    expect(did).toEqual([`${name}: detached`, `${blockPartitionName(day)}: detached`]);
    expect(await partitionStatus(db.pool, name)).toBe('detached');
    const inParent = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data WHERE t >= $1 AND t < $2', [new Date(`${day}T00:00:00Z`), new Date(`${day}T23:59:59Z`)]);
    expect(inParent.rows[0]!.n).toBe(0);
    const detached = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
    expect(detached.rows[0]!.n).toBe(150);
    // Idempotent: a job resumed after the detach finds it done.
    expect(await detachDay(db.pool, name, { lockTimeoutMs: 2_000, detachTimeoutMs: 30_000 })).toEqual([
      `${name}: already-detached`,
      `${blockPartitionName(day)}: already-detached`,
    ]);

    expect(await dropDay(db.pool, name, 2_000)).toBe(true);
    expect(await partitionStatus(db.pool, name)).toBe('absent');
    expect(await partitionStatus(db.pool, blockPartitionName(day))).toBe('absent');
  });

  it("drops a detached day's tables giving up after lock_timeout when a worker's shard is held", async () => {
    const day4 = '2031-03-10';
    await ensurePartitions(db.pool, { fromDay: day4, toDay: day4 });
    const name = partitionName(day4);
    await detachDay(db.pool, name, { lockTimeoutMs: 2_000, detachTimeoutMs: 30_000 });
    expect(await isCitusTable(db.pool, name)).toBe(true); // a detached shard table is still Citus's
    const reader = await holdShardOnWorker(db.pool, db.name, name);
    try {
      const started = performance.now();
      // Without the lock_timeout on the workers the DROP waited for the reader forever.
      const outcome = await Promise.race([
        dropDay(db.pool, name, 1_000).then(() => 'dropped', (e: unknown) => e),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000)),
      ]);
      expect(outcome).toMatchObject({ code: 'WL_DB_UNAVAILABLE', reason: 'lock-timeout' });
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(await partitionStatus(db.pool, name)).toBe('detached');
    } finally {
      await reader.release();
    }
    // With the reader gone the next run drops it.
    expect(await dropDay(db.pool, name, 1_000)).toBe(true);
    expect(await partitionStatus(db.pool, name)).toBe('absent');
  }, 60_000);

  it('stalls inserts into another day only briefly (measured, printed)', async () => {
    const day2 = '2031-03-05';
    const live = '2031-03-06';
    await ensurePartitions(db.pool, { fromDay: day2, toDay: live });
    await db.pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, hospital_id, gateway_id, device_id, bed_id)
       SELECT $1::timestamptz + i * interval '1 second', $1, 1, i, 147842, 'h-a', 'gw', 'dev', 'bed' FROM generate_series(1, 1000) i`,
      [new Date(`${day2}T10:00:00Z`)],
    );
    // Ingest of the live day goes on, one small insert after another, while the old day is detached.
    const writer = liveInserts(db.pool, live, 2);
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await detachDay(db.pool, partitionName(day2), { lockTimeoutMs: 2_000, detachTimeoutMs: 30_000 });
    const detachMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    const { inserted, latenciesMs } = await writer.stop();
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    console.log(
      `citus plain DETACH: ${detachMs.toFixed(0)} ms; concurrent inserts: ${inserted}, p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    const stored = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM vital_data WHERE hospital_id = 'h-b' AND batch_seq = 2");
    expect(stored.rows[0]!.n).toBe(inserted);
    expect(await partitionStatus(db.pool, partitionName(day2))).toBe('detached');
  });
});
