/**
 * The compaction job: moves the readings of closed hours from vital_data rows into
 * vital_blocks (migration 008). One instance runs it at a time (session advisory lock
 * COMPACTION, tried: others skip).
 *
 * Its unit of work (compaction-unit.ts) is one patient's rows of one day partition older than the
 * cutoff (the start of the hour that ended `graceMs` ago), done in ONE transaction at
 * REPEATABLE READ:
 *   1. take the rows: one `DELETE ... RETURNING` streamed out by COPY (binary), so the
 *      index is walked once for reading and deleting (a SELECT then a DELETE walked it
 *      twice: measured 1.2 us of PostgreSQL CPU per reading). A row that ingest commits
 *      meanwhile is not in the snapshot, stays a row, and is merged by the next run.
 *      Only the columns that vary are read (row-reader.ts). Then read the readings of
 *      the blocks the rows fall into;
 *   2. group and merge them (a reading already stored wins over a re-sent copy) and
 *      encode blocks (merge.ts);
 *   3. delete the old blocks, COPY the new ones in (binary, block-copy.ts);
 *   4. commit, asynchronously (see compactUnit).
 * Its WAL page images are compressed (wal-compression.ts): the first units of an hour
 * write an image of every heap page of it, and ingest's commits wait behind that WAL.
 * A crash (SIGKILL included) at any step rolls the unit back whole: nothing is lost and
 * nothing doubled, and the next run starts the unit again. There is no job state to
 * resume from, because no state survives a unit.
 *
 * Ingest is never blocked: these statements take ROW EXCLUSIVE on the tables (as COPY
 * does), never a table lock, and ingest writes only new rows. The only wait is an
 * INSERT of a duplicate of a row being moved (ON CONFLICT waits for our commit): units
 * are one patient's hours, so a unit takes tens of milliseconds. What ingest shares with
 * the job is the CPU and, in the service, this event loop: every step here gives the loop
 * a turn at least every ~5 ms (measured with `pnpm bench compaction`).
 */
import type pg from 'pg';
import { poolHasCitus } from '../../storage/citus-detect.js';
import { ensurePartitions, listVitalPartitions, type VitalPartition } from '../../storage/partitions.js';
import { isoMicros } from '../archive/stats.js';
import type { LifecycleContext } from '../context.js';
import { withTryLock, LifecycleLock, type Locked } from '../locks.js';
import { hourOf } from './block-encoder.js';
import type { CompactionOptions, CompactionResult, CompactionUnit } from './compaction-types.js';
import { compactUnit } from './compaction-unit.js';
import { guardPastDay, reclaimPastDay } from './reclaim.js';
import { walCompressionMethod } from './wal-compression.js';

export type { CompactionOptions, CompactionResult, CompactionStep, CompactionUnit } from './compaction-types.js';

/** Runs the job under its lock; { ran: false } when another instance is running it. */
export function runCompaction(ctx: LifecycleContext, options: CompactionOptions = {}): Promise<Locked<CompactionResult>> {
  return withTryLock(ctx.pool, LifecycleLock.COMPACTION, () => compact(ctx, options));
}

async function compact(ctx: LifecycleContext, options: CompactionOptions): Promise<CompactionResult> {
  const started = ctx.clock.monotonicMs();
  const cutoffUs = hourOf((ctx.clock.now() - (options.graceMs ?? ctx.settings.compactAfterMs)) * 1_000);
  const result: CompactionResult = { readings: 0, units: 0, failedUnits: 0, blocksWritten: 0, blocksMerged: 0, duplicates: 0, cutoff: isoMicros(cutoffUs), ms: 0, reclaimMs: 0, reclaimed: [], walCompression: null };
  // Raised (committed) before any block of it is written: the loader checks batches
  // older than this against the blocks (ingest/compaction-horizon.ts).
  await ctx.pool.query(
    `INSERT INTO compaction_state (cutoff) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET cutoff = greatest(compaction_state.cutoff, excluded.cutoff)`,
    [isoMicros(cutoffUs)],
  );
  const walCompression = await walCompressionMethod(ctx.pool, ctx.logger);
  result.walCompression = walCompression;
  const partitions = (await listVitalPartitions(ctx.pool)).filter((p) => p.from.getTime() * 1_000 < cutoffUs);
  const maxUnits = options.maxUnits ?? Number.POSITIVE_INFINITY;
  let reportedAt = -Infinity;
  let taken = 0;
  for (const partition of partitions) {
    const pastDay = partition.to.getTime() * 1_000 <= cutoffUs;
    // Before the listing: it is what lets the emptied day be truncated (reclaim.ts).
    const guard = pastDay ? await guardPastDay(ctx, partition.name) : null;
    const units = await unitsOf(ctx.pool, partition, cutoffUs);
    if (units.length === 0) continue;
    // The day's vital_blocks partition (made with vital_data's since migration 008; an
    // older day gets it here).
    await ensurePartitions(ctx.pool, { fromDay: partition.from, toDay: partition.from }, { lockTimeoutMs: ctx.settings.ddlLockTimeoutMs, logger: ctx.logger });
    // Units are independent (one patient each): `concurrency` of them run at once, each
    // on its own connection, so this process's encoding overlaps PostgreSQL's reading. The
    // default is one: two took both cores of a 2-core server from ingest (its longest
    // stall 275-382 ms against 103-222 ms with one) for up to 25% more throughput.
    let next = 0;
    let crash: unknown;
    let unitsDone = 0;
    const worker = async () => {
      while (next < units.length && crash === undefined && taken < maxUnits) {
        const unit = units[next++]!;
        taken++;
        if (ctx.clock.monotonicMs() - reportedAt >= 1_000) {
          reportedAt = ctx.clock.monotonicMs();
          ctx.progress({ job: 'compaction', step: 'units', subject: partition.name, done: result.units, rows: result.readings });
        }
        try {
          const done = await compactUnit(ctx, unit, cutoffUs, walCompression, options);
          result.units++;
          result.readings += done.readings;
          result.blocksWritten += done.blocksWritten;
          result.blocksMerged += done.blocksMerged;
          result.duplicates += done.duplicates;
          unitsDone++;
        } catch (err) {
          result.failedUnits++;
          ctx.logger.error({ err, unit }, 'compaction of a unit failed; it was rolled back and the next run retries it');
          if ((err as { code?: string }).code === 'WL_TEST_CRASH') crash = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? ctx.settings.compactionConcurrency) }, worker));
    if (crash !== undefined) throw crash;
    if (pastDay) {
      const t0 = ctx.clock.monotonicMs();
      const way = await reclaimPastDay(ctx, partition.name, guard, unitsDone === units.length, walCompression);
      result.reclaimed.push({ partition: partition.name, way });
      result.reclaimMs += ctx.clock.monotonicMs() - t0;
    }
  }
  result.ms = ctx.clock.monotonicMs() - started;
  ctx.metrics?.recordCompaction(result);
  if (result.units > 0 || result.failedUnits > 0) ctx.logger.info({ ...result }, 'compaction run finished');
  return result;
}

/**
 * The patients with rows older than the cutoff in `partition`: a skip scan of the primary
 * key (one index probe per patient) rather than a SELECT DISTINCT, which read the whole
 * partition (measured: 120 ms against 1 ms for 850,000 rows of 20 patients).
 */
async function unitsOf(pool: pg.Pool, partition: VitalPartition, cutoffUs: number): Promise<CompactionUnit[]> {
  const part = `"${partition.name}"`;
  // Citus does not run a recursive CTE over a distributed table: it keeps the plain form.
  const sql = (await poolHasCitus(pool))
    ? `SELECT DISTINCT hospital_id, patient_id FROM ${part} WHERE t < $1 ORDER BY hospital_id, patient_id`
    : `WITH RECURSIVE p AS (
       (SELECT hospital_id, patient_id FROM ${part} ORDER BY hospital_id, patient_id LIMIT 1)
       UNION ALL
       SELECT n.hospital_id, n.patient_id FROM p CROSS JOIN LATERAL (
         SELECT v.hospital_id, v.patient_id FROM ${part} v
         WHERE (v.hospital_id, v.patient_id) > (p.hospital_id, p.patient_id)
         ORDER BY v.hospital_id, v.patient_id LIMIT 1) n)
     SELECT hospital_id, patient_id FROM p
     WHERE EXISTS (SELECT 1 FROM ${part} v WHERE v.hospital_id = p.hospital_id AND v.patient_id = p.patient_id AND v.t < $1)
     ORDER BY hospital_id, patient_id`;
  const res = await pool.query<{ hospital_id: string; patient_id: string }>(sql, [isoMicros(cutoffUs)]);
  return res.rows.map((r) => ({ partition: partition.name, fromMs: partition.from.getTime(), hospitalId: r.hospital_id, patientId: r.patient_id }));
}
