/**
 * Giving back the space of a past day whose rows all moved into blocks.
 *
 * The fast way is TRUNCATE: an instant swap to empty files, heap and index alike. The
 * slow way, VACUUM at autovacuum's pace then REINDEX, reads and rewrites the whole day
 * (measured: 220 s for 12.8 M readings, 80% of the job) and its WAL stalls live ingest's
 * commits (616 ms).
 *
 * TRUNCATE must never take a reading the job did not move. The proof (migration 012):
 * 1. Before the job lists the day's patients, `guardPastDay` puts the counting trigger on
 *    the partition (its lock waits for writers in flight, so every write that starts
 *    after it is counted) and reads the day's counter of late writes.
 * 2. Every row committed before that read is seen by the listing and by the units'
 *    snapshots, which all start later, and the units delete every row of the day.
 * 3. `reclaimPastDay` then takes the partition's exclusive lock, so no write is in flight,
 *    and truncates only if every unit succeeded and the counter has not moved: no row
 *    was written after step 1, so none is left.
 * Anything else (a late write, a failed unit, a lock that does not come, Citus, where a
 * trigger on a distributed table is not supported) takes the slow way, which is always safe.
 *
 * TRUNCATE is not MVCC-safe for a statement that took its snapshot before the job's last
 * commit and reaches the partition only after the truncation: such a statement would see
 * neither the rows nor (if its snapshot predates them) their blocks. Reads are single
 * statements that lock the partition as they plan, and the units commit before the lock is
 * asked, so the window is a statement that waited on the lock itself; DETACH in retention
 * has the same property.
 */
import type pg from 'pg';
import { poolHasCitus } from '../../storage/citus-detect.js';
import { connectClient } from '../../storage/pool.js';
import type { LifecycleContext } from '../context.js';
import type { WalCompressionMethod } from './wal-compression.js';

/** What step 1 recorded; null when the day cannot be truncated (Citus, or no lock). */
export interface PastDayGuard {
  readonly partition: string;
  readonly lateWrites: number;
}

export type ReclaimWay = 'truncated' | 'vacuumed' | 'failed';

const TRIGGER = 'wl_count_late_rows';

/**
 * Tries of a lock on the partition (SHARE ROW EXCLUSIVE for the trigger, ACCESS EXCLUSIVE
 * for the truncation), and the longest each waits. A waiting request queues every later
 * writer of the partition (a late reading) behind it; when a try times out, the writers
 * queued behind it go first. So each try is kept well under ingest's 250 ms stall budget
 * (they waited up to 500 ms and 2 s), and more tries keep ~1 s of patience before the
 * slow way.
 */
const LOCK_TRIES = 10;
const LOCK_WAIT_MS = 100;

/** The lock_timeout of one try. */
const lockWaitMs = (ctx: LifecycleContext) => Math.max(1, Math.min(LOCK_WAIT_MS, Math.round(ctx.settings.ddlLockTimeoutMs)));

export async function guardPastDay(ctx: LifecycleContext, partition: string): Promise<PastDayGuard | null> {
  if (await poolHasCitus(ctx.pool)) return null;
  const client = await connectClient(ctx.pool);
  try {
    const exists = await client.query('SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2', [`"${partition}"`, TRIGGER]);
    for (let attempt = 0; exists.rowCount === 0; attempt++) {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${lockWaitMs(ctx)}`);
      try {
        await client.query(`CREATE TRIGGER ${TRIGGER} AFTER INSERT ON "${partition}" FOR EACH ROW EXECUTE FUNCTION wl_count_late_rows()`);
        await client.query('COMMIT');
        break;
      } catch (err) {
        await client.query('ROLLBACK');
        if ((err as { code?: string }).code !== '55P03' || attempt + 1 >= LOCK_TRIES) throw err;
      }
    }
    return { partition, lateWrites: await lateWrites(client, partition) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    ctx.logger.warn({ err, partition }, 'could not guard a past day for truncation; its space will be given back by VACUUM');
    return null;
  } finally {
    client.release();
  }
}

/**
 * `complete`: every unit of the day ran and succeeded in this run. The lock is tried
 * LOCK_TRIES times, each for at most lockWaitMs. `walCompression`: what the units set
 * (wal-compression.ts), set for the slow way's VACUUM too.
 */
export async function reclaimPastDay(
  ctx: LifecycleContext,
  partition: string,
  guard: PastDayGuard | null,
  complete: boolean,
  walCompression: WalCompressionMethod | null = null,
): Promise<ReclaimWay> {
  if (guard !== null && complete) {
    for (let attempt = 0; attempt < LOCK_TRIES; attempt++) {
      const truncated = await tryTruncate(ctx, guard).catch((err: unknown) => {
        ctx.logger.warn({ err, partition }, 'could not truncate a compacted past day');
        return 'no' as const;
      });
      if (truncated === 'yes') return 'truncated';
      if (truncated === 'no') break;
    }
  }
  return vacuum(ctx, partition, walCompression);
}

/** 'busy': the lock did not come in time; 'no': a late write or an error. */
async function tryTruncate(ctx: LifecycleContext, guard: PastDayGuard): Promise<'yes' | 'no' | 'busy'> {
  const client = await connectClient(ctx.pool);
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${lockWaitMs(ctx)}`);
    try {
      await client.query(`LOCK TABLE "${guard.partition}" IN ACCESS EXCLUSIVE MODE`);
    } catch (err) {
      await client.query('ROLLBACK');
      if ((err as { code?: string }).code === '55P03') return 'busy';
      throw err;
    }
    if ((await lateWrites(client, guard.partition)) !== guard.lateWrites) {
      await client.query('ROLLBACK');
      ctx.logger.info({ partition: guard.partition }, 'late readings arrived while the day was compacted; it is vacuumed instead, and the next run merges them');
      return 'no';
    }
    await client.query(`TRUNCATE "${guard.partition}"`);
    await client.query('COMMIT');
    return 'yes';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function lateWrites(client: pg.PoolClient, partition: string): Promise<number> {
  const res = await client.query<{ n: string }>('SELECT late_writes::text AS n FROM compaction_late_rows WHERE partition = $1', [partition]);
  return res.rows.length === 0 ? 0 : Number(res.rows[0]!.n);
}

/**
 * VACUUM gives the heap back (it truncates the empty pages), and an empty table's index
 * is rebuilt, since a B-tree never shrinks its file. Both are online; a day still holding
 * rows (late ones, or a unit that failed) is only vacuumed.
 */
async function vacuum(ctx: LifecycleContext, partition: string, walCompression: WalCompressionMethod | null): Promise<ReclaimWay> {
  // A manual VACUUM runs unthrottled; at autovacuum's pace its WAL and I/O do not
  // starve ingest's commits (measured: an unthrottled one stalled a COPY by ~290 ms).
  // Its first change of a page after a checkpoint writes a page image too: compressed,
  // as the units' are (measured: 69.7 MB of WAL, 23.9 MB with lz4, for the quick bench's
  // day after a checkpoint).
  const client = await connectClient(ctx.pool);
  try {
    await client.query(
      `SET statement_timeout = 0; SET vacuum_cost_delay = 2; SET vacuum_cost_limit = 200${walCompression === null ? '' : `; SET wal_compression = ${walCompression}`}`,
    );
    await client.query(`VACUUM (ANALYZE) "${partition}"`);
    const res = await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM "${partition}") AS empty`);
    if (res.rows[0]!.empty) await client.query(`REINDEX TABLE CONCURRENTLY "${partition}"`);
    return 'vacuumed';
  } catch (err) {
    ctx.logger.warn({ err, partition }, 'could not reclaim the space of a compacted partition; autovacuum will, later');
    return 'failed';
  } finally {
    // (Only a role that may set wal_compression may reset it: one failing RESET would undo the others.)
    await client.query(`RESET statement_timeout; RESET vacuum_cost_delay; RESET vacuum_cost_limit${walCompression === null ? '' : '; RESET wal_compression'}`).catch(() => undefined);
    client.release();
  }
}
