/**
 * Retention's detach on Citus, where DETACH PARTITION CONCURRENTLY is not supported on a
 * distributed table: detachDay falls back to a plain DETACH, the day's rows leave
 * vital_data whole, and dropDay removes them. Runs only with WARDLINK_TEST_CITUS=1 (the
 * plain-PostgreSQL path, CONCURRENTLY, is covered by archive-job.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { isCitusTable } from '../../storage/citus.js';
import { ensurePartitions, partitionName, blockPartitionName } from '../../storage/partitions.js';
import { citusSwitchOn, CITUS_SWITCH_ENV } from '../../testing/citus-cluster.js';
import { useTestDatabase } from '../../testing/pg.js';
import { detachDay, dropDay, partitionStatus } from './detach.js';

const on = citusSwitchOn();
if (!on) console.log(`detach-citus.test.ts skipped: run it with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/lifecycle/archive/detach-citus.test.ts`);

describe.skipIf(!on)('detaching a day of a distributed vital_data', () => {
  const db = useTestDatabase();
  const day = '2031-03-04';
  const t = new Date(`${day}T10:00:00Z`);

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
    let stop = false;
    let inserted = 0;
    const latenciesMs: number[] = [];
    const writer = (async () => {
      while (!stop) {
        const started = performance.now();
        await db.pool.query(
          `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, hospital_id, gateway_id, device_id, bed_id)
           VALUES ($1, $1, 2, 1, 147842, 'h-b', 'gw', 'dev', 'bed')`,
          [new Date(Date.parse(`${live}T00:00:00Z`) + inserted * 1000)],
        );
        latenciesMs.push(performance.now() - started);
        inserted += 1;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await detachDay(db.pool, partitionName(day2), { lockTimeoutMs: 2_000, detachTimeoutMs: 30_000 });
    const detachMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await writer;
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    console.log(
      `citus plain DETACH: ${detachMs.toFixed(0)} ms; concurrent inserts: ${inserted}, p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    const stored = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM vital_data WHERE hospital_id = 'h-b' AND batch_seq = 2");
    expect(stored.rows[0]!.n).toBe(inserted);
    expect(await partitionStatus(db.pool, partitionName(day2))).toBe('detached');
  });
});
