/**
 * Distributing the schema on Citus (docs/scaling.md). migrate() calls this after the
 * migrations when the database has the citus extension; on plain PostgreSQL it does
 * nothing.
 *
 * - Reference tables (a copy on every node): the small global tables that every batch
 *   or request reads before it knows the hospital, or that hold one row per day.
 * - Distributed tables: everything keyed by hospital, by hospital_id, all colocated with
 *   patients, so one hospital's rows of every table sit in one shard group on one
 *   worker: a batch is a single-node transaction and a hospital's query a router query.
 * - schema_migrations stays a local table of the coordinator.
 * - The SQL functions that unpack blocks are adapted to Citus (citus-functions.ts).
 *
 * The lists are declarative, so a table added by a later migration is distributed by
 * the next migrate() once it is listed here. Idempotent: a table already in
 * pg_dist_partition is skipped. Runs in one transaction under the migrator's advisory
 * lock, so several instances starting together distribute each table once.
 */
import type pg from 'pg';
import { adaptFunctionsForCitus } from './citus-functions.js';

export const DISTRIBUTION_COLUMN = 'hospital_id';

/** In dependency order: a reference table's foreign keys point only at earlier ones. */
export const REFERENCE_TABLES = ['hospitals', 'wards', 'gateways', 'api_readers', 'compaction_state', 'archive_jobs', 'fhir_exports', 'compaction_late_rows'] as const;

/** The first is the colocation group's anchor; it fixes the shard count. */
export const DISTRIBUTED_TABLES = [
  'patients',
  'devices',
  'legal_holds',
  'vital_data',
  'vital_blocks',
  'metric_units',
  'latest_vitals',
  'alarm_events',
  'batch_ledger',
  'archive_objects',
  'lifecycle_audit',
  'gateway_status',
  'series_dictionary',
] as const;

/** The default of database.citusShardCount: room for 32 workers before a split; see docs/scaling.md. */
export const DEFAULT_CITUS_SHARD_COUNT = 32;

export interface DistributeResult {
  /** Tables this call made reference tables. */
  reference: string[];
  /** Tables this call distributed by hospital_id. */
  distributed: string[];
}

type Queryable = Pick<pg.PoolClient, 'query'>;

export async function hasCitus(db: Queryable): Promise<boolean> {
  const res = await db.query<{ present: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present");
  return res.rows[0]?.present === true;
}

/** Whether `table` is a Citus table (reference or distributed); false without Citus. */
export async function isCitusTable(db: Queryable, table: string): Promise<boolean> {
  if (!(await hasCitus(db))) return false;
  const res = await db.query<{ yes: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass($1)) AS yes', [table]);
  return res.rows[0]?.yes === true;
}

/**
 * Makes every listed table that exists a reference or colocated distributed table.
 * Call inside the migrator's transaction, after its advisory lock.
 */
export async function distributeSchema(client: Queryable, options: { shardCount: number }): Promise<DistributeResult> {
  if (!Number.isInteger(options.shardCount) || options.shardCount < 1) throw new RangeError(`citus shard count must be a positive integer, not ${options.shardCount}`);
  // Distributing several tables (and their foreign keys to reference tables) in one
  // transaction needs Citus to use one connection per node; parallel mode refuses it.
  await client.query("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'");
  // `citus` is false for a table Citus made a "Citus local table" on its own: one created,
  // once the schema is distributed, with a foreign key to a reference table (gateway_status
  // referencing gateways) is converted at CREATE (pg_dist_partition.autoconverted), and
  // stays on the coordinator until it is distributed here like any new table.
  const existing = await client.query<{ name: string; citus: boolean }>(
    `SELECT t.name, EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = to_regclass(t.name) AND NOT p.autoconverted) AS citus
     FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NOT NULL`,
    [[...REFERENCE_TABLES, ...DISTRIBUTED_TABLES]],
  );
  const todo = new Set(existing.rows.filter((r) => !r.citus).map((r) => r.name));
  const present = new Set(existing.rows.map((r) => r.name));
  const result: DistributeResult = { reference: [], distributed: [] };

  for (const table of REFERENCE_TABLES) {
    if (!todo.has(table)) continue;
    await client.query('SELECT create_reference_table($1)', [table]);
    result.reference.push(table);
  }
  const [anchor, ...others] = DISTRIBUTED_TABLES;
  if (todo.has(anchor)) {
    await client.query('SELECT create_distributed_table($1, $2, shard_count := $3)', [anchor, DISTRIBUTION_COLUMN, options.shardCount]);
    result.distributed.push(anchor);
  }
  for (const table of others) {
    if (!todo.has(table)) continue;
    if (present.has(anchor)) {
      await client.query('SELECT create_distributed_table($1, $2, colocate_with := $3)', [table, DISTRIBUTION_COLUMN, anchor]);
    } else {
      // Only a partial schema (tests with their own migration list) lacks the anchor.
      await client.query('SELECT create_distributed_table($1, $2, shard_count := $3)', [table, DISTRIBUTION_COLUMN, options.shardCount]);
    }
    result.distributed.push(table);
  }
  await adaptFunctionsForCitus(client);
  return result;
}
