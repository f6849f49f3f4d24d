/**
 * Capacity: what the hot store holds and where it is heading.
 * - per partition: rows and bytes (heap + index + TOAST). Rows are counted exactly for
 *   partitions up to 64 MiB (and for all with `exact`); bigger ones give the planner's
 *   estimate, said so (`rowsExact: false`, shown as "~" in the CLI): an estimate can be
 *   well off (1,987,524 shown for 2,260,688 held, before this was flagged);
 * - each day's two tiers: rows still in vital_data, and readings compacted into
 *   vital_blocks (counted exactly: sum(n) reads one row per block);
 * - bytes per reading of each tier and overall, measured over the days that have some;
 * - the ingest rate over the last 7 days, from batch_ledger (readings per accepted batch),
 *   or from the partitions' rows by day when the ledger holds nothing (data loaded by hand);
 * - projections at that rate: the hot store once it holds `hotDays` days (compacted,
 *   plus the rows of the hours not compacted yet), a year of archive
 *   (at the archive's measured bytes per reading), and the date the database volume
 *   (config capacity.dbVolumeBytes) fills, if it ever does;
 * - alerts above capacity.alertThresholdPct (default 80%) of the volume, now or projected.
 *
 * On Citus a distributed table's partitions hold nothing on the coordinator: their bytes
 * are the shards' (citus_total_relation_size), the big ones' row estimates the shards'
 * reltuples, the database's bytes those of every node, and the report adds `nodes`: the
 * shards and bytes on each node (citus_shards), the capacity per node. There
 * capacity.dbVolumeBytes is each node's volume: the database's volume is their sum, and a
 * node above the threshold of its own raises a `node-above-threshold` alert
 * (capacity-nodes.ts). On plain PostgreSQL there is no `nodes`.
 */
import { hasCitus } from '../storage/citus.js';
import { blocksPartitionOf, listVitalPartitions } from '../storage/partitions.js';
import { DAY_MS, isoDate, utcDay } from '../storage/utc-days.js';
import type { LifecycleContext } from './context.js';
import { nodeAlerts, nodeCapacity, type NodeCapacity } from './capacity-nodes.js';
import { effectiveHotDays } from './policy.js';

export type { NodeCapacity } from './capacity-nodes.js';

export interface PartitionSize {
  name: string;
  day: string;
  rows: number;
  /** False: `rows` is the planner's estimate (pg_class.reltuples), not a count. */
  rowsExact: boolean;
  bytes: number;
  /** Readings compacted into the day's vital_blocks partition, and its bytes. */
  blockReadings: number;
  blockBytes: number;
}

export interface TierSize {
  readings: number;
  bytes: number;
  /** Over the days holding readings of this tier; null when none does. */
  bytesPerReading: number | null;
}

export interface CapacityAlert {
  kind: 'volume-above-threshold' | 'projected-above-threshold' | 'node-above-threshold';
  message: string;
  /** host:port of the node, for a node's alert (Citus). */
  node?: string;
}

export interface CapacityReport {
  at: string;
  partitions: PartitionSize[];
  /** Readings in the hot store, both tiers. */
  hotRows: number;
  /** False when any partition's rows are an estimate. */
  hotRowsExact: boolean;
  hotBytes: number;
  /** The hot store's two tiers: recent rows, and compacted blocks. */
  tiers: { rows: TierSize; blocks: TierSize & { measured: boolean } };
  /** Everything in the database (vital_data and the rest). */
  databaseBytes: number;
  bytesPerReading: number | null;
  ingest: { readingsPerSecond: number; readingsPerDay: number; windowDays: number; source: 'ledger' | 'partitions' | 'none' };
  archive: { bytesPerReading: number; measured: boolean; storedBytes: number; storedRows: number };
  projection: {
    hotDays: number;
    /** Hours of readings held as rows at most (the hour in progress, the compaction delay
     * and the time between scheduled runs); the rest of the hot period is compacted. */
    rowHours: number;
    hotStoreBytes: number | null;
    archiveBytesPerYear: number | null;
    dailyGrowthBytes: number | null;
  };
  volume: { bytes: number; usedPct: number | null; projectedPct: number | null; fullDate: string | null; thresholdPct: number };
  alerts: CapacityAlert[];
  /** Only on Citus: the capacity per node; databaseBytes is then their sum. */
  nodes?: NodeCapacity[];
}

/** Parquet bytes per reading measured on simulator data (docs/lifecycle.md), used until real archives exist. */
const ASSUMED_ARCHIVE_BYTES_PER_READING = 1.72;
/** Compacted bytes per reading measured by `pnpm bench compaction` on simulated ward
 * data, used until this database has compacted blocks of its own. */
const ASSUMED_BLOCK_BYTES_PER_READING = 2.2;
const SMALL_TABLE_BYTES = 64 * 1024 * 1024;

export async function capacityReport(ctx: LifecycleContext, opts: { exact?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<CapacityReport> {
  const now = ctx.clock.now();
  const today = utcDay(now);
  const { pool, settings } = ctx;
  const parts = await listVitalPartitions(pool);
  const citus = await hasCitus(pool);
  // A distributed table's bytes are on the workers; a local table's (or any on plain PostgreSQL) here.
  const totalSize = citus
    ? `CASE WHEN EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid) THEN citus_total_relation_size(c.oid) ELSE pg_total_relation_size(c.oid) END`
    : 'pg_total_relation_size(c.oid)';
  const sizes = await pool.query<{ name: string; rows: number; bytes: number; distributed: boolean }>(
    `SELECT c.relname AS name, c.reltuples::float8 AS rows, (${totalSize})::float8 AS bytes,
            ${citus ? 'EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)' : 'false'} AS distributed
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'vital_data'::regclass`,
  );
  const sizeOf = new Map(sizes.rows.map((r) => [r.name, r]));
  const blockSizes = await pool.query<{ name: string; readings: number; bytes: number }>(
    `SELECT c.relname AS name, (${totalSize})::float8 AS bytes, 0::float8 AS readings
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'vital_blocks'::regclass`,
  );
  const blockSizeOf = new Map(blockSizes.rows.map((r) => [r.name, r]));
  const partitions: PartitionSize[] = [];
  for (const [i, p] of parts.entries()) {
    const s = sizeOf.get(p.name);
    let rows = s ? s.rows : 0;
    let rowsExact = s === undefined;
    if (s && (opts.exact || s.bytes <= SMALL_TABLE_BYTES)) {
      rows = Number((await pool.query(`SELECT count(*) AS n FROM "${p.name}"`)).rows[0].n);
      rowsExact = true;
    } else if (s?.distributed) rows = await shardRowEstimate(pool, p.name, s.bytes);
    else if (rows < 0 && s) rows = Math.round(s.bytes / 170); // never analysed: from its size
    const blocks = blockSizeOf.get(blocksPartitionOf(p.name));
    const blockReadings = blocks ? Number((await pool.query(`SELECT coalesce(sum(n), 0)::bigint::text AS n FROM "${blocksPartitionOf(p.name)}"`)).rows[0].n) : 0;
    partitions.push({ name: p.name, day: isoDate(utcDay(p.from)), rows, rowsExact, bytes: s?.bytes ?? 0, blockReadings, blockBytes: blocks?.bytes ?? 0 });
    opts.onProgress?.(i + 1, parts.length);
  }
  const tier = (readings: (p: PartitionSize) => number, bytes: (p: PartitionSize) => number): TierSize => {
    const held = partitions.filter((p) => readings(p) > 0);
    const r = held.reduce((n, p) => n + readings(p), 0);
    return { readings: partitions.reduce((n, p) => n + readings(p), 0), bytes: partitions.reduce((n, p) => n + bytes(p), 0), bytesPerReading: r > 0 ? held.reduce((n, p) => n + bytes(p), 0) / r : null };
  };
  const rowTier = tier((p) => p.rows, (p) => p.bytes);
  const blockTier = tier((p) => p.blockReadings, (p) => p.blockBytes);
  const hotRows = rowTier.readings + blockTier.readings;
  const hotBytes = rowTier.bytes + blockTier.bytes;
  const bytesPerReading = hotRows > 0 ? hotBytes / hotRows : null;
  const nodes = citus ? await nodeCapacity(pool, settings.dbVolumeBytes) : undefined;
  const localDatabaseBytes = Number((await pool.query<{ b: string }>('SELECT pg_database_size(current_database())::text AS b')).rows[0]!.b);
  // On Citus the hot store's bytes are the workers': the database is every node's.
  const databaseBytes = nodes ? Math.max(localDatabaseBytes, nodes.reduce((n, x) => n + (x.databaseBytes ?? 0), 0)) : localDatabaseBytes;

  const ingest = await ingestRate(ctx, now, partitions, today);
  const arch = (await pool.query<{ bytes: number | null; rows: number | null }>(`SELECT sum(bytes)::float8 AS bytes, sum(rows)::float8 AS rows FROM archive_objects WHERE kind = 'day' AND purged_at IS NULL`)).rows[0]!;
  const measured = (arch.rows ?? 0) > 0;
  const archiveBpr = measured ? arch.bytes! / arch.rows! : ASSUMED_ARCHIVE_BYTES_PER_READING;

  const hotDays = await effectiveHotDays(pool, settings.hotDays);
  const perDay = ingest.readingsPerDay;
  const rowHours = Math.min(hotDays * 24, 2 + settings.compactAfterMs / 3_600_000);
  const rowBpr = rowTier.bytesPerReading;
  const blockBpr = blockTier.bytesPerReading ?? ASSUMED_BLOCK_BYTES_PER_READING;
  const hotStoreBytes = rowBpr !== null && perDay > 0 ? perDay * (rowHours / 24) * rowBpr + perDay * Math.max(0, hotDays - rowHours / 24) * blockBpr : null;
  // Once the hot store is full, each day adds a compacted day (rows are compacted away).
  const dailyGrowthBytes = rowBpr !== null ? perDay * blockBpr : null;
  const archiveBytesPerYear = perDay > 0 ? perDay * 365 * archiveBpr : null;

  // On Citus capacity.dbVolumeBytes is each node's volume: the database's is their sum.
  const volumeBytes = settings.dbVolumeBytes * (nodes?.length ?? 1);
  const otherBytes = Math.max(0, databaseBytes - hotBytes);
  const steadyBytes = hotStoreBytes === null ? null : Math.max(databaseBytes, hotStoreBytes + otherBytes);
  const usedPct = volumeBytes > 0 ? (100 * databaseBytes) / volumeBytes : null;
  const projectedPct = volumeBytes > 0 && steadyBytes !== null ? (100 * steadyBytes) / volumeBytes : null;
  let fullDate: string | null = null;
  if (volumeBytes > 0 && steadyBytes !== null && steadyBytes >= volumeBytes && dailyGrowthBytes && dailyGrowthBytes > 0) {
    const days = Math.max(0, (volumeBytes - databaseBytes) / dailyGrowthBytes);
    fullDate = new Date(now + days * DAY_MS).toISOString().slice(0, 10);
  }
  const alerts: CapacityAlert[] = [];
  const threshold = settings.alertThresholdPct;
  if (usedPct !== null && usedPct >= threshold) {
    alerts.push({ kind: 'volume-above-threshold', message: `the database uses ${usedPct.toFixed(1)}% of its ${volumeBytes} B volume (alert at ${threshold}%)` });
  }
  if (projectedPct !== null && projectedPct >= threshold) {
    alerts.push({
      kind: 'projected-above-threshold',
      message: `at ${Math.round(perDay)} readings/day the database reaches ${projectedPct.toFixed(1)}% of its volume once it holds ${hotDays} hot days${fullDate ? `; the volume fills around ${fullDate}` : ''}: grow the volume, shorten hot_days or add a Citus worker`,
    });
  }
  if (nodes) alerts.push(...nodeAlerts(nodes, settings.dbVolumeBytes, threshold));
  return {
    at: new Date(now).toISOString(),
    partitions,
    hotRows,
    hotRowsExact: partitions.every((p) => p.rowsExact),
    hotBytes,
    tiers: { rows: rowTier, blocks: { ...blockTier, bytesPerReading: blockBpr, measured: blockTier.bytesPerReading !== null } },
    databaseBytes,
    bytesPerReading,
    ingest,
    archive: { bytesPerReading: archiveBpr, measured, storedBytes: arch.bytes ?? 0, storedRows: arch.rows ?? 0 },
    projection: { hotDays, rowHours, hotStoreBytes, archiveBytesPerYear, dailyGrowthBytes },
    volume: { bytes: volumeBytes, usedPct, projectedPct, fullDate, thresholdPct: threshold },
    alerts,
    ...(nodes ? { nodes } : {}),
  };
}

/** A distributed partition's rows as the planner estimates them on its shards (the
 * coordinator's reltuples say nothing); never analysed: from its size. */
async function shardRowEstimate(pool: LifecycleContext['pool'], table: string, bytes: number): Promise<number> {
  const res = await pool.query<{ rows: number | null; analysed: number }>(
    `SELECT sum(greatest(result::float8, 0))::float8 AS rows, count(*) FILTER (WHERE result::float8 >= 0)::int AS analysed
     FROM run_command_on_shards($1::regclass, $$SELECT reltuples FROM pg_class WHERE oid = '%s'::regclass$$) WHERE success`,
    [`"${table}"`],
  );
  const r = res.rows[0];
  return r && r.analysed > 0 ? Math.round(r.rows ?? 0) : Math.round(bytes / 170);
}

async function ingestRate(ctx: LifecycleContext, now: number, partitions: PartitionSize[], today: number): Promise<CapacityReport['ingest']> {
  const windowStart = new Date(now - 7 * DAY_MS);
  const ledger = await ctx.pool.query<{ readings: number | null; first: Date | null }>(
    'SELECT sum(readings)::float8 AS readings, min(received_at) AS first FROM batch_ledger WHERE received_at >= $1 AND received_at <= $2',
    [windowStart, new Date(now)],
  );
  const { readings, first } = ledger.rows[0]!;
  if (readings && first) {
    // A service younger than 7 days: divide by the time it has been receiving.
    const spanMs = Math.max(60_000, now - Math.max(first.getTime(), windowStart.getTime()));
    const perS = readings / (spanMs / 1000);
    return { readingsPerSecond: perS, readingsPerDay: perS * 86_400, windowDays: spanMs / DAY_MS, source: 'ledger' };
  }
  // The last 7 complete days' partitions.
  const recent = partitions.filter((p) => {
    const d = utcDay(p.day);
    return d < today && d >= today - 7;
  });
  const rows = recent.reduce((n, p) => n + p.rows + p.blockReadings, 0);
  const days = recent.filter((p) => p.rows + p.blockReadings > 0).length;
  if (rows === 0) return { readingsPerSecond: 0, readingsPerDay: 0, windowDays: 7, source: 'none' };
  return { readingsPerSecond: rows / (days * 86_400), readingsPerDay: rows / days, windowDays: days, source: 'partitions' };
}

/** Logs the report's alerts at error level; returns them. */
export function alertOnCapacity(ctx: LifecycleContext, report: CapacityReport): CapacityAlert[] {
  for (const a of report.alerts) ctx.logger.error({ alert: 'capacity', kind: a.kind, ...(a.node ? { node: a.node } : {}), usedPct: report.volume.usedPct, projectedPct: report.volume.projectedPct, fullDate: report.volume.fullDate }, a.message);
  return report.alerts;
}
