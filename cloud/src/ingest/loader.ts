/**
 * Loads one decoded batch into PostgreSQL, exactly once, in ONE transaction:
 *
 *   1. claim the batch in batch_ledger (ON CONFLICT DO NOTHING): already there means a
 *      retry or a replay, so commit nothing else and report a duplicate;
 *   2. alarm events (they matter most, and are few);
 *   3. when the batch holds uncatalogued terms, bring their values to the unit registered
 *      for the hospital (metric-units.ts);
 *   4. COPY the readings into vital_data;
 *   5. upsert latest_vitals, one row per (bed, metric), and when a row changed, one
 *      NOTIFY for the SSE dashboards (latest-notify.ts; sent only if this commits), in
 *      the upsert's own statement on PostgreSQL.
 *
 * The day partitions are made sure of before the transaction (from memory nearly
 * always), so a request never holds one pooled connection while waiting for another.
 *
 * Two fallbacks, each a rerun of the whole transaction (rare, so the common path stays
 * one COPY with no savepoint round trip):
 * - 23505 unique_violation: some readings are already stored by another batch (a gateway
 *   re-sending after a crash, under a new seq). The rerun COPYs into a temporary staging
 *   table and moves the rows with INSERT ... SELECT ... ON CONFLICT DO NOTHING.
 * - 23514 "no partition of relation found for row": a partition this process believed in
 *   was dropped (retention in another instance). Forget what we know, create, rerun once.
 * (Citus reports both from a COPY as XX000 with PostgreSQL's message: copy-errors.ts.)
 */
import type pg from 'pg';
import { isMetricId, readingsOfColumns, systemClock, type Batch, type Clock, type ColumnarBatch, type SeriesEntry } from '@wardlink/shared';
import { compactedBeforeMs } from './compaction-horizon.js';
import { poolHasCitus } from '../storage/citus-detect.js';
import { recoverableLoadError } from './copy-errors.js';
import { ensurePartitionsForRange, forgetKnownPartitions } from '../storage/partitions.js';
import type { Logger } from '../storage/logger.js';
import { withTransaction } from '../storage/pool.js';
import { insertAlarms } from './alarms.js';
import { copyRows, DEFAULT_COPY_FORMAT, encodeCopyRows, type CopyFormat } from './copy-format.js';
import { countConflicting } from './conflicts.js';
import { claimBatch } from './ledger.js';
import { notifyLatest } from './latest-notify.js';
import { upsertLatestVitals } from './latest-vitals.js';
import { reconcileUnits } from './metric-units.js';
import { storeDictionaryEntries } from './series-dictionary.js';
import type { ReadingTimeBounds } from './time-bounds.js';
import { isColumns, VITAL_COLUMN_LIST, type BatchReadings } from './rows.js';

/** The gateway a batch was authenticated as; hospital and ward come from its row. */
export interface GatewayIdentity {
  readonly hospitalId: string;
  readonly gatewayId: string;
  readonly wardId: string;
}

export interface LoadOptions {
  logger: Logger;
  clock?: Clock;
  copyFormat?: CopyFormat;
  /** lock_timeout when a missing partition must be created (config database.ddlLockTimeoutMs). */
  ddlLockTimeoutMs?: number;
  /** The request's W3C trace id, kept in the ledger row. */
  traceId?: string;
  /** Reading times accepted (time-bounds.ts); checked before any partition is made. */
  timeBounds?: ReadingTimeBounds;
  /** The series dictionary entries the batch carried inline, stored with it (series-dictionary.ts). */
  dictionary?: { id: number; inline: ReadonlyMap<number, SeriesEntry> };
}

export type LoadPath = 'copy' | 'staged' | 'duplicate';

export interface LoadResult {
  duplicate: boolean;
  path: LoadPath;
  /** Readings in the batch. */
  readings: number;
  /** Readings newly stored (fewer than `readings` when some were stored before). */
  storedReadings: number;
  /** Alarm events newly stored. */
  storedAlarms: number;
  /** Milliseconds spent in COPY (and, when staged, the move out of staging). */
  copyMs: number;
  /** Readings not stored because another reading with their key (patient, metric, time,
   * gateway, device) but another value was stored before or came in the same batch: not a
   * re-sent copy. A gateway files its readings at distinct times, so this should stay 0;
   * counted and logged, never silently (conflicts.ts). */
  conflictingReadings: number;
}

const STAGE_TABLE = 'wl_vital_stage';
const HOUR_MS = 3_600_000;

/**
 * `batch` as the service decodes it (ColumnarBatch: its readings as columns, COPYed and
 * upserted with no object per reading) or with `Reading` objects; the rows are the same.
 */
export async function loadBatch(pool: pg.Pool, gateway: GatewayIdentity, batch: Batch | ColumnarBatch, options: LoadOptions): Promise<LoadResult> {
  const clock = options.clock ?? systemClock;
  const format = options.copyFormat ?? DEFAULT_COPY_FORMAT;
  const readings = readingsToLoad(batch.readings);
  const { minT, maxT } = timeRange(readings);
  const partitionOptions = { logger: options.logger, clock, ...(options.ddlLockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.ddlLockTimeoutMs }) };
  if (readings.length > 0) await options.timeBounds?.check(minT, maxT);
  if (readings.length > 0) await ensurePartitionsForRange(pool, minT, maxT, partitionOptions);
  const rowContext = { hospitalId: gateway.hospitalId, gatewayId: gateway.gatewayId, batchSeq: batch.seq };
  // Uncatalogued terms may need a unit conversion decided inside the transaction: their
  // rows are encoded there. Every other batch is encoded once, before it.
  const uncatalogued = !isColumns(readings) && readings.some((r) => !isMetricId(r.metric));
  const encoded = readings.length > 0 && !uncatalogued ? encodeCopyRows(readings, rowContext, format) : undefined;

  // Readings before the compaction cutoff may have a copy in vital_blocks: such a batch
  // goes through the staging table, where copies of compacted readings are dropped.
  const compactedBefore = readings.length > 0 ? await compactedBeforeMs(pool, clock) : Number.NEGATIVE_INFINITY;
  let staged = minT < compactedBefore;
  let partitionsRetried = false;
  // A few statements take another shape on Citus. Asked before the transaction (from
  // memory after the first time), so it never waits for a connection while holding one.
  const distributed = readings.length > 0 && (await poolHasCitus(pool));
  for (;;) {
    try {
      return await withTransaction(pool, async (client) => {
        const claimed = await claimBatch(client, {
          hospitalId: gateway.hospitalId,
          gatewayId: gateway.gatewayId,
          seq: batch.seq,
          createdAtMs: batch.createdAtMs,
          readings: readings.length,
          alarms: batch.alarms.length,
          minTMs: readings.length > 0 ? minT : undefined,
          maxTMs: readings.length > 0 ? maxT : undefined,
          traceId: options.traceId,
        });
        // Also for a duplicate: the gateway takes the 2xx as proof that the cloud holds the
        // entries the batch carried, whatever became of the batch's first copy.
        if (options.dictionary) await storeDictionaryEntries(client, gateway.hospitalId, gateway.gatewayId, options.dictionary.id, options.dictionary.inline);
        if (!claimed) return { duplicate: true, path: 'duplicate', readings: readings.length, storedReadings: 0, storedAlarms: 0, copyMs: 0, conflictingReadings: 0 } satisfies LoadResult;
        const storedAlarms = await insertAlarms(client, gateway.hospitalId, gateway.gatewayId, batch.seq, batch.alarms);
        let rows = encoded;
        if (uncatalogued && !isColumns(readings)) {
          await reconcileUnits(client, gateway.hospitalId, gateway.gatewayId, readings, options.logger);
          rows = encodeCopyRows(readings, rowContext, format);
        }
        let storedReadings = 0;
        let conflictingReadings = 0;
        const started = clock.monotonicMs();
        if (rows && !staged) storedReadings = await copyRows(client, 'vital_data', rows, format);
        else if (rows) {
          const into = distributed ? stagedInsertCitus : stagedInsert;
          ({ stored: storedReadings, conflicting: conflictingReadings } = await into(client, gateway.hospitalId, rows, format, { minT, maxT }, compactedBefore));
        }
        const copyMs = clock.monotonicMs() - started;
        if (readings.length > 0) {
          // On PostgreSQL the NOTIFY goes with the upsert's statement; on Citus on its own.
          const latest = await upsertLatestVitals(client, gateway.hospitalId, gateway.gatewayId, readings, { countReturned: distributed, notify: !distributed });
          // Nothing newer (a late backlog): no dashboard has anything to show, no NOTIFY.
          if (distributed && latest.changed > 0) await notifyLatest(client, { hospitalId: gateway.hospitalId, gatewayId: gateway.gatewayId, fromMs: latest.fromMs, toMs: latest.toMs });
        }
        return { duplicate: false, path: staged ? 'staged' : 'copy', readings: readings.length, storedReadings, storedAlarms, copyMs, conflictingReadings } satisfies LoadResult;
      });
    } catch (err) {
      const recoverable = recoverableLoadError(err);
      if (recoverable === 'readings-stored-before' && !staged) {
        options.logger.info({ gatewayId: gateway.gatewayId, seq: batch.seq }, 'batch overlaps readings stored before; loading it through the staging table');
        staged = true;
        continue;
      }
      if (recoverable === 'partition-missing' && !partitionsRetried && readings.length > 0) {
        options.logger.warn({ gatewayId: gateway.gatewayId, seq: batch.seq }, 'a vital_data partition disappeared under the loader; re-creating it');
        partitionsRetried = true;
        forgetKnownPartitions(pool);
        await ensurePartitionsForRange(pool, minT, maxT, partitionOptions);
        continue;
      }
      throw err;
    }
  }
}

/**
 * The readings as the loader takes them: columns stay columns unless they hold an
 * uncatalogued term, whose values reconcileUnits may convert in place (objects then).
 */
function readingsToLoad(readings: BatchReadings): BatchReadings {
  if (isColumns(readings) && readings.uncatalogued) return readingsOfColumns(readings);
  return readings;
}

function timeRange(readings: BatchReadings): { minT: number; maxT: number } {
  let minT = Infinity;
  let maxT = -Infinity;
  if (isColumns(readings)) {
    const times = readings.deviceTimeMs;
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
    return { minT, maxT };
  }
  for (const r of readings) {
    if (r.deviceTimeMs < minT) minT = r.deviceTimeMs;
    if (r.deviceTimeMs > maxT) maxT = r.deviceTimeMs;
  }
  return { minT, maxT };
}

/**
 * COPY into a transaction-local staging table, then keep only rows not stored yet: not
 * in vital_data (ON CONFLICT), and not in a compacted block of their hour (the readings
 * of the blocks the staged rows fall into, before the cutoff, are unpacked once). So a
 * reading re-sent under a new batch seq after its hour was compacted is not stored
 * twice. (One committed in the instant between this check and a compaction's commit
 * stays a row until the next compaction run drops it.)
 */
async function stagedInsert(client: pg.PoolClient, hospitalId: string, rows: Buffer, format: CopyFormat, range: { minT: number; maxT: number }, compactedBefore: number): Promise<StagedResult> {
  const minTMs = range.minT;
  await client.query(`CREATE TEMP TABLE ${STAGE_TABLE} (LIKE vital_data INCLUDING DEFAULTS) ON COMMIT DROP`);
  await copyRows(client, STAGE_TABLE, rows, format);
  if (minTMs < compactedBefore) {
    await client.query(
      `DELETE FROM ${STAGE_TABLE} s USING (
         SELECT b.hospital_id, b.patient_id, b.metric, b.gateway_id, b.device_id, r.t
         FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(b) r
         WHERE b.block_start >= $1 AND b.block_start < $2
           AND (b.hospital_id, b.patient_id, b.metric, b.block_start, b.gateway_id, b.device_id) IN (
             SELECT DISTINCT hospital_id, patient_id, metric, date_bin('1 hour', t, TIMESTAMPTZ '2000-01-03 00:00:00+00'), gateway_id, device_id
             FROM ${STAGE_TABLE} WHERE t < $2)
       ) d
       WHERE s.hospital_id = d.hospital_id AND s.patient_id = d.patient_id AND s.metric = d.metric
         AND s.gateway_id = d.gateway_id AND s.device_id = d.device_id AND s.t = d.t`,
      [new Date(Math.floor(minTMs / HOUR_MS) * HOUR_MS), new Date(compactedBefore)],
    );
  }
  const conflicting = await countConflicting(client, STAGE_TABLE, hospitalId, range);
  const res = await client.query(
    `INSERT INTO vital_data (${VITAL_COLUMN_LIST}) SELECT ${VITAL_COLUMN_LIST} FROM ${STAGE_TABLE} ON CONFLICT DO NOTHING`,
  );
  return { stored: res.rowCount ?? 0, conflicting };
}

interface StagedResult {
  stored: number;
  conflicting: number;
}

/**
 * stagedInsert on Citus, where a statement may not join the coordinator's temporary
 * table with a distributed table (vital_blocks) in a DELETE ... USING, and where an
 * INSERT ... SELECT reports the rows it selected, not the rows it inserted.
 * - The compacted copies are deleted with the blocks' readings in an IN subquery, and the
 *   staged rows' block keys in a MATERIALIZED CTE: Citus runs the CTE on the coordinator,
 *   then the subquery as one router query on the hospital's worker (the hospital is
 *   named), then the DELETE on the temporary table with its result.
 * - The move into vital_data is pulled through the coordinator and counted by RETURNING.
 */
async function stagedInsertCitus(client: pg.PoolClient, hospitalId: string, rows: Buffer, format: CopyFormat, range: { minT: number; maxT: number }, compactedBefore: number): Promise<StagedResult> {
  const minTMs = range.minT;
  await client.query(`CREATE TEMP TABLE ${STAGE_TABLE} (LIKE vital_data INCLUDING DEFAULTS) ON COMMIT DROP`);
  await copyRows(client, STAGE_TABLE, rows, format);
  if (minTMs < compactedBefore) {
    await client.query(
      `WITH staged_blocks AS MATERIALIZED (
         SELECT DISTINCT patient_id, metric, date_bin('1 hour', t, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS block_start, gateway_id, device_id
         FROM ${STAGE_TABLE} WHERE t < $2)
       DELETE FROM ${STAGE_TABLE} s
       WHERE (s.patient_id, s.metric, s.gateway_id, s.device_id, s.t) IN (
         SELECT b.patient_id, b.metric, b.gateway_id, b.device_id, r.t
         FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
         WHERE b.hospital_id = $3 AND b.block_start >= $1 AND b.block_start < $2
           AND (b.patient_id, b.metric, b.block_start, b.gateway_id, b.device_id) IN (SELECT * FROM staged_blocks))`,
      [new Date(Math.floor(minTMs / HOUR_MS) * HOUR_MS), new Date(compactedBefore), hospitalId],
    );
  }
  const conflicting = await countConflicting(client, STAGE_TABLE, hospitalId, range);
  const res = await client.query(
    `INSERT INTO vital_data (${VITAL_COLUMN_LIST}) SELECT ${VITAL_COLUMN_LIST} FROM ${STAGE_TABLE} ON CONFLICT DO NOTHING RETURNING 1`,
  );
  return { stored: res.rows.length, conflicting };
}
