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
 *      Then read the readings of the blocks the rows fall into;
 *   2. merge them (a reading already stored wins over a re-sent copy) and encode blocks;
 *   3. delete the old blocks, COPY the new ones in;
 *   4. commit.
 * A crash (SIGKILL included) at any step rolls the unit back whole: nothing is lost and
 * nothing doubled, and the next run starts the unit again. There is no job state to
 * resume from, because no state survives a unit.
 *
 * Ingest is never blocked: these statements take ROW EXCLUSIVE on the tables (as COPY
 * does), never a table lock, and ingest writes only new rows. The only wait is an
 * INSERT of a duplicate of a row being moved (ON CONFLICT waits for our commit): units
 * are one patient's hours, so a unit takes tens of milliseconds.
 */
import { to as copyTo, from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { connectClient } from '../../storage/pool.js';
import { ensurePartitions, listVitalPartitions, VITAL_BLOCKS_TABLE, type VitalPartition } from '../../storage/partitions.js';
import { DAY_MS } from '../../storage/utc-days.js';
import { ARCHIVE_COLUMNS, ColumnBuilder, type VitalColumns } from '../archive/columns.js';
import { VitalCopyParser } from '../archive/copy-parser.js';
import { batched } from '../archive/export-core.js';
import { isoMicros } from '../archive/stats.js';
import type { LifecycleContext } from '../context.js';
import { withTryLock, LifecycleLock, type Locked } from '../locks.js';
import { BLOCK_COPY_COLUMNS, blockCopyLine } from './block-copy.js';
import { hourOf } from './block-encoder.js';
import { mergeIntoBlocks } from './merge.js';
import { guardPastDay, reclaimPastDay, type ReclaimWay } from './reclaim.js';
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
}

const DEFAULT_CONCURRENCY = 2;

/** Runs the job under its lock; { ran: false } when another instance is running it. */
export function runCompaction(ctx: LifecycleContext, options: CompactionOptions = {}): Promise<Locked<CompactionResult>> {
  return withTryLock(ctx.pool, LifecycleLock.COMPACTION, () => compact(ctx, options));
}

async function compact(ctx: LifecycleContext, options: CompactionOptions): Promise<CompactionResult> {
  const started = ctx.clock.monotonicMs();
  const cutoffUs = hourOf((ctx.clock.now() - (options.graceMs ?? ctx.settings.compactAfterMs)) * 1_000);
  const result: CompactionResult = { readings: 0, units: 0, failedUnits: 0, blocksWritten: 0, blocksMerged: 0, duplicates: 0, cutoff: isoMicros(cutoffUs), ms: 0, reclaimMs: 0, reclaimed: [] };
  // Raised (committed) before any block of it is written: the loader checks batches
  // older than this against the blocks (ingest/compaction-horizon.ts).
  await ctx.pool.query(
    `INSERT INTO compaction_state (cutoff) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET cutoff = greatest(compaction_state.cutoff, excluded.cutoff)`,
    [isoMicros(cutoffUs)],
  );
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
          const done = await compactUnit(ctx, unit, cutoffUs, options);
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
      const way = await reclaimPastDay(ctx, partition.name, guard, unitsDone === units.length);
      result.reclaimed.push({ partition: partition.name, way });
      result.reclaimMs += ctx.clock.monotonicMs() - t0;
    }
  }
  result.ms = ctx.clock.monotonicMs() - started;
  ctx.metrics?.recordCompaction(result);
  if (result.units > 0 || result.failedUnits > 0) ctx.logger.info({ ...result }, 'compaction run finished');
  return result;
}

/** The patients with rows older than the cutoff in `partition`. */
async function unitsOf(pool: pg.Pool, partition: VitalPartition, cutoffUs: number): Promise<CompactionUnit[]> {
  const res = await pool.query<{ hospital_id: string; patient_id: string }>(
    `SELECT DISTINCT hospital_id, patient_id FROM "${partition.name}" WHERE t < $1 ORDER BY hospital_id, patient_id`,
    [isoMicros(cutoffUs)],
  );
  return res.rows.map((r) => ({ partition: partition.name, fromMs: partition.from.getTime(), hospitalId: r.hospital_id, patientId: r.patient_id }));
}

interface UnitResult {
  readings: number;
  blocksWritten: number;
  blocksMerged: number;
  duplicates: number;
}

async function compactUnit(ctx: LifecycleContext, unit: CompactionUnit, cutoffUs: number, options: CompactionOptions): Promise<UnitResult> {
  const hook = async (step: CompactionStep) => options.hook?.(step, unit);
  const client = await connectClient(ctx.pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    // The old blocks' readings are sorted by series, in memory rather than in temp files.
    await client.query("SET LOCAL statement_timeout = 0; SET LOCAL work_mem = '64MB'");
    const h = client.escapeLiteral(unit.hospitalId);
    const p = client.escapeLiteral(unit.patientId);
    const cutoff = client.escapeLiteral(isoMicros(cutoffUs));
    // DELETE has no ORDER BY: its rows come in the scan's order (the primary key's, as
    // planned), and the merge sorts any series that does not.
    const rows = await readColumns(
      client,
      `DELETE FROM "${unit.partition}" WHERE hospital_id = ${h} AND patient_id = ${p} AND t < ${cutoff} RETURNING ${ARCHIVE_COLUMNS.join(', ')}`,
      unit.partition,
    );
    if (rows.length === 0) {
      await client.query('ROLLBACK');
      return { readings: 0, blocksWritten: 0, blocksMerged: 0, duplicates: 0 };
    }
    const touched = touchedBlocks(rows);
    const existing = await existingBlocks(client, unit, touched);
    const old = existing.length === 0 ? undefined : await readColumns(client, oldReadingsSql(client, unit, existing), unit.partition);
    await hook('read');

    const merged = await mergeIntoBlocks(rows, old, NOT_PHYSIOLOGY);
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

    const lines = merged.blocks.map((m) => blockCopyLine(m.key, m.block, NOT_PHYSIOLOGY));
    await pipeline(Readable.from([lines.join('')]), client.query(copyFrom(`COPY ${VITAL_BLOCKS_TABLE} (${BLOCK_COPY_COLUMNS.join(', ')}) FROM STDIN`)));
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

/** Reads the result of `sql` (vital_data's columns, in ARCHIVE_COLUMNS order) into columns. */
async function readColumns(client: pg.PoolClient, sql: string, source: string): Promise<VitalColumns> {
  const builder = new ColumnBuilder(Number.MAX_SAFE_INTEGER);
  const parser = new VitalCopyParser(source, () => builder);
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
  let sliceStart = performance.now();
  for await (const chunk of batched(stream)) {
    parser.write(chunk);
    parser.drain();
    // Buffered chunks come without a pause: give the event loop (ingest) a turn.
    if (performance.now() - sliceStart >= 10) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  parser.end();
  return builder.take() ?? builder.columns;
}

interface BlockRef {
  metric: number;
  blockStart: string;
  gatewayId: string;
  deviceId: string;
  bedId: string;
}

/** "metric gateway device hourUs" of every (series, hour) the rows fall into. */
function touchedBlocks(rows: VitalColumns): Set<string> {
  const out = new Set<string>();
  const g = rows.text.gateway_id;
  const d = rows.text.device_id;
  for (let i = 0; i < rows.length; i++) {
    out.add(`${rows.metric[i]}\u0000${g.dict[g.ids[i]!]}\u0000${d.dict[d.ids[i]!]}\u0000${hourOf(rows.tUs[i]!)}`);
  }
  return out;
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
    .filter((r) => touched.has(`${r.metric}\u0000${r.gateway_id}\u0000${r.device_id}\u0000${r.block_start_us}`))
    .map((r) => ({ metric: r.metric, blockStart: isoMicros(Number(r.block_start_us)), gatewayId: r.gateway_id, deviceId: r.device_id, bedId: r.bed_id }));
}

/** The readings of the `existing` blocks, in the order of the rows' query. */
function oldReadingsSql(client: pg.PoolClient, unit: CompactionUnit, existing: BlockRef[]): string {
  const list = (xs: string[], type: string) => `ARRAY[${xs.join(',')}]::${type}[]`;
  const lit = (s: string) => client.escapeLiteral(s);
  return `SELECT r.t, r.received_at, r.batch_seq, r.value, b.metric, r.flags, b.hospital_id, b.patient_id, b.gateway_id, b.device_id, b.bed_id
    FROM ${VITAL_BLOCKS_TABLE} b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
    WHERE b.hospital_id = ${lit(unit.hospitalId)} AND b.patient_id = ${lit(unit.patientId)}
      AND (b.metric, b.block_start, b.gateway_id, b.device_id, b.bed_id) IN (SELECT * FROM unnest(
        ${list(existing.map((e) => String(e.metric)), 'int')}, ${list(existing.map((e) => lit(e.blockStart)), 'timestamptz')},
        ${list(existing.map((e) => lit(e.gatewayId)), 'text')}, ${list(existing.map((e) => lit(e.deviceId)), 'text')}, ${list(existing.map((e) => lit(e.bedId)), 'text')}))
    ORDER BY b.hospital_id, b.patient_id, b.metric, b.gateway_id, b.device_id, r.t`;
}
