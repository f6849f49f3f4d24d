/**
 * One unit of the compaction job (compaction-job.ts): one patient's rows of one day
 * partition older than the cutoff, moved into blocks in ONE transaction (the steps are
 * described at the top of compaction-job.ts). A throw anywhere rolls it back whole.
 */
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { connectClient } from '../../storage/pool.js';
import { VITAL_BLOCKS_TABLE } from '../../storage/partitions.js';
import { DAY_MS } from '../../storage/utc-days.js';
import { NOT_PHYSIOLOGY } from '../../storage/not-physiology.js';
import { isoMicros } from '../archive/stats.js';
import type { LifecycleContext } from '../context.js';
import { BLOCK_COPY_COLUMNS, blockCopyHeader, blockCopyTrailer, BlockCopyWriter } from './block-copy.js';
import type { CompactionOptions, CompactionStep, CompactionUnit } from './compaction-types.js';
import { blockRef, groupReadings, mergeIntoBlocks, touchedBlocks, type MergedBlock } from './merge.js';
import { readUnitColumns, READ_COLUMNS } from './row-reader.js';
import { walCompressionSetting, type WalCompressionMethod } from './wal-compression.js';

export interface UnitResult {
  readings: number;
  blocksWritten: number;
  blocksMerged: number;
  duplicates: number;
}

export async function compactUnit(ctx: LifecycleContext, unit: CompactionUnit, cutoffUs: number, walCompression: WalCompressionMethod | null, options: CompactionOptions): Promise<UnitResult> {
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
