/**
 * The compaction job: moves the readings of closed hours from vital_data rows into
 * vital_blocks (migration 008). One instance runs it at a time (session advisory lock
 * COMPACTION, tried: others skip).
 *
 * Its unit of work is one patient's rows of one day partition that are older than the
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
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { poolHasCitus } from '../../storage/citus-detect.js';
import { connectClient } from '../../storage/pool.js';
import { ensurePartitions, listVitalPartitions, VITAL_BLOCKS_TABLE, type VitalPartition } from '../../storage/partitions.js';
import { DAY_MS } from '../../storage/utc-days.js';
import { isoMicros } from '../archive/stats.js';
import type { LifecycleContext } from '../context.js';
import { withTryLock, LifecycleLock, type Locked } from '../locks.js';
import { BLOCK_COPY_COLUMNS, blockCopyHeader, blockCopyTrailer, BlockCopyWriter } from './block-copy.js';
import { hourOf } from './block-encoder.js';
import { blockRef, groupReadings, mergeIntoBlocks, touchedBlocks, type MergedBlock } from './merge.js';
import { readUnitColumns, READ_COLUMNS } from './row-reader.js';
import { guardPastDay, reclaimPastDay, type ReclaimWay } from './reclaim.js';
import { walCompressionMethod, walCompressionSetting, type WalCompressionMethod } from './wal-compression.js';
import { NOT_PHYSIOLOGY } from '../../storage/not-physiology.js';

/** The steps of a unit, where the tests' crash hooks can stop it. */
export type CompactionStep = 'read' | 'merged' | 'old-blocks-deleted' | 'blocks-written' | 'committed';

export interface CompactionOptions {
  /** An hour is compacted once it ended this long ago; default settings.compactAfterMs. */
  graceMs?: number;
  /** Units compacted at once, each on its own connection; default 2. */
  concurrency?: number;
  /** Stop after this many units (tests, benchmarks); default: all. */
  maxUnits?: number;
  /** Called at each step of each unit; a throw there aborts the unit (crash tests). */
  hook?: (step: CompactionStep, unit: CompactionUnit) => void | Promise<void>;
}

export interface CompactionUnit {
  partition: string;
  /** The partition's day, [fromMs, fromMs + 1 day). */
  fromMs: number;
  hospitalId: string;
  patientId: string;
}

export interface CompactionResult {
  /** Readings moved from rows into blocks (duplicates not counted). */
  readings: number;
  units: number;
  /** Units that failed (logged; the next run retries them). */
  failedUnits: number;
  blocksWritten: number;
  /** Existing blocks rewritten because late readings arrived for their hour. */
  blocksMerged: number;
  /** Rows dropped as copies of readings already stored. */
  duplicates: number;
  cutoff: string;
  ms: number;
  /** Of `ms`, the time spent giving back the space of past days emptied by the run
   * (TRUNCATE, or VACUUM at autovacuum's pace and REINDEX): once per day, not per hour. */
  reclaimMs: number;
  /** The past days whose space this run gave back, and how (reclaim.ts). */
  reclaimed: { partition: string; way: ReclaimWay }[];
  /** The method the units set to compress their WAL page images (wal-compression.ts), or null. */
  walCompression: WalCompressionMethod | null;
}

const DEFAULT_CONCURRENCY = 2;

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
    // on its own connection, so this process's encoding overlaps PostgreSQL's reading.
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
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
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

interface UnitResult {
  readings: number;
  blocksWritten: number;
  blocksMerged: number;
  duplicates: number;
}

async function compactUnit(ctx: LifecycleContext, unit: CompactionUnit, cutoffUs: number, walCompression: WalCompressionMethod | null, options: CompactionOptions): Promise<UnitResult> {
  const hook = async (step: CompactionStep) => options.hook?.(step, unit);
  const client = await connectClient(ctx.pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    // The old blocks' readings are sorted by series, in memory rather than in temp files.
    // Asynchronous commit: the unit does not wait for its WAL (MBs of row deletions) to
    // reach the disk in one burst that ingest's commits would queue behind; the WAL
    // writer flushes it in the background. A database crash can only undo the last units
    // whole (rows and blocks are one transaction), and the next run redoes them. The day's
    // TRUNCATE commits synchronously, which makes every unit before it durable first.
    // And its WAL page images are compressed (wal-compression.ts).
    await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL work_mem = '64MB'; SET LOCAL synchronous_commit = off${walCompression === null ? '' : `; ${walCompressionSetting(walCompression)}`}`);
    const h = client.escapeLiteral(unit.hospitalId);
    const p = client.escapeLiteral(unit.patientId);
    const cutoff = client.escapeLiteral(isoMicros(cutoffUs));
    // DELETE has no ORDER BY: its rows come in the scan's order (a bitmap scan's: arrival
    // order), and the merge groups and sorts them.
    const rows = await readUnitColumns(
      client,
      `DELETE FROM "${unit.partition}" WHERE hospital_id = ${h} AND patient_id = ${p} AND t < ${cutoff} RETURNING ${READ_COLUMNS.join(', ')}`,
      unit.hospitalId,
      unit.patientId,
    );
    if (rows.length === 0) {
      await client.query('ROLLBACK');
      return { readings: 0, blocksWritten: 0, blocksMerged: 0, duplicates: 0 };
    }
    const grouped = await groupReadings(rows, 'rows');
    const existing = await existingBlocks(client, unit, touchedBlocks(grouped));
    const old = existing.length === 0 ? undefined : await readUnitColumns(client, oldReadingsSql(client, unit, existing), unit.hospitalId, unit.patientId);
    await hook('read');

    const merged = await mergeIntoBlocks(grouped, old, NOT_PHYSIOLOGY);
    await hook('merged');

    if (existing.length > 0) {
      const del = await client.query(
        `DELETE FROM ${VITAL_BLOCKS_TABLE} WHERE hospital_id = $1 AND patient_id = $2
           AND (metric, block_start, gateway_id, device_id, bed_id) IN (SELECT * FROM unnest($3::int[], $4::timestamptz[], $5::text[], $6::text[], $7::text[]))`,
        [unit.hospitalId, unit.patientId, existing.map((e) => e.metric), existing.map((e) => e.blockStart), existing.map((e) => e.gatewayId), existing.map((e) => e.deviceId), existing.map((e) => e.bedId)],
      );
      if (del.rowCount !== existing.length) throw new Error(`expected to replace ${existing.length} blocks, found ${del.rowCount ?? 0}`);
    }
    await hook('old-blocks-deleted');

    await pipeline(Readable.from(copyChunks(merged.blocks)), client.query(copyFrom(`COPY ${VITAL_BLOCKS_TABLE} (${BLOCK_COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`)));
    await hook('blocks-written');

    await client.query('COMMIT');
    await hook('committed');
    return { readings: rows.length - merged.duplicates, blocksWritten: merged.blocks.length, blocksMerged: existing.length, duplicates: merged.duplicates };
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}

/** The blocks as binary COPY data, a few at a time: the event loop gets a turn between them. */
async function* copyChunks(blocks: MergedBlock[]): AsyncGenerator<Buffer> {
  const writer = new BlockCopyWriter();
  yield blockCopyHeader();
  let sliceStart = performance.now();
  for (const m of blocks) {
    writer.block(m.key, m.block, NOT_PHYSIOLOGY);
    if (performance.now() - sliceStart >= 5 || writer.length >= 1 << 20) {
      yield writer.take();
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  if (writer.length > 0) yield writer.take();
  yield blockCopyTrailer();
}

interface BlockRef {
  metric: number;
  blockStart: string;
  gatewayId: string;
  deviceId: string;
  bedId: string;
}

/** The stored blocks of this patient that the rows fall into (any bed). */
async function existingBlocks(client: pg.PoolClient, unit: CompactionUnit, touched: Set<string>): Promise<BlockRef[]> {
  const res = await client.query<{ metric: number; block_start_us: string; gateway_id: string; device_id: string; bed_id: string }>(
    `SELECT metric, (extract(epoch FROM block_start) * 1000000)::bigint::text AS block_start_us, gateway_id, device_id, bed_id
     FROM ${VITAL_BLOCKS_TABLE}
     WHERE hospital_id = $1 AND patient_id = $2 AND block_start >= $3 AND block_start < $4`,
    [unit.hospitalId, unit.patientId, new Date(unit.fromMs), new Date(unit.fromMs + DAY_MS)],
  );
  return res.rows
    .filter((r) => touched.has(blockRef(r.metric, r.gateway_id, r.device_id, Number(r.block_start_us))))
    .map((r) => ({ metric: r.metric, blockStart: isoMicros(Number(r.block_start_us)), gatewayId: r.gateway_id, deviceId: r.device_id, bedId: r.bed_id }));
}

/** The readings of the `existing` blocks, in the order of the rows' query. */
function oldReadingsSql(client: pg.PoolClient, unit: CompactionUnit, existing: BlockRef[]): string {
  const list = (xs: string[], type: string) => `ARRAY[${xs.join(',')}]::${type}[]`;
  const lit = (s: string) => client.escapeLiteral(s);
  return `SELECT r.t, r.received_at, r.batch_seq, r.value, b.metric, r.flags, b.gateway_id, b.device_id, b.bed_id
    FROM ${VITAL_BLOCKS_TABLE} b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
    WHERE b.hospital_id = ${lit(unit.hospitalId)} AND b.patient_id = ${lit(unit.patientId)}
      AND (b.metric, b.block_start, b.gateway_id, b.device_id, b.bed_id) IN (SELECT * FROM unnest(
        ${list(existing.map((e) => String(e.metric)), 'int')}, ${list(existing.map((e) => lit(e.blockStart)), 'timestamptz')},
        ${list(existing.map((e) => lit(e.gatewayId)), 'text')}, ${list(existing.map((e) => lit(e.deviceId)), 'text')}, ${list(existing.map((e) => lit(e.bedId)), 'text')}))
    ORDER BY b.hospital_id, b.patient_id, b.metric, b.gateway_id, b.device_id, r.t`;
}
