/**
 * Applies the schema migrations. Safe to run from several instances at once (every
 * instance runs `migrate` at deploy): each migration is one transaction that first
 * takes a transaction-scoped advisory lock, then checks schema_migrations, so a
 * migration is applied exactly once and a second migrator simply finds it done. A
 * failed migration rolls back whole; the ones before it stay applied.
 *
 * On a Citus coordinator (the database has the citus extension) it then distributes the
 * schema (citus.ts), in one more transaction under the same lock; on plain PostgreSQL
 * that step does nothing.
 */
import type pg from 'pg';
import { MigrationError, SchemaNotCurrentError } from '@wardlink/shared';
import { advisoryXactLockSql, AdvisoryLock } from './advisory-locks.js';
import { DEFAULT_CITUS_SHARD_COUNT, distributeSchema, hasCitus, type DistributeResult } from './citus.js';
import { transientReason } from './db-errors.js';
import type { Logger } from './logger.js';
import { MIGRATIONS, migrationChecksum, type Migration } from './migrations/index.js';
import { withClient, withTransaction } from './pool.js';

export interface MigrateOptions {
  logger: Logger;
  /** Defaults to the built-in MIGRATIONS; tests pass their own lists. */
  migrations?: readonly Migration[];
  /** lock_timeout for the migration's DDL, so it gives up instead of queueing behind
   * a long query while ingest piles up behind it. Default 60 s. */
  lockTimeoutMs?: number;
  /** Shards per colocation group when the schema is distributed on Citus (config:
   * database.citusShardCount). Used once, when the tables are first distributed. */
  citusShardCount?: number;
}

export interface MigrateResult {
  /** Versions this call applied (empty when another instance had applied them). */
  applied: number[];
  currentVersion: number;
  /** On Citus: the tables this call made reference or distributed tables. */
  citus?: DistributeResult;
}

const CREATE_LEDGER = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  duration_ms integer NOT NULL
)`;

export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<MigrateResult> {
  const migrations = checkedList(options.migrations ?? MIGRATIONS);
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  const { logger } = options;
  const applied: number[] = [];

  for (const m of migrations) {
    const didApply = await withTransaction(pool, async (client) => {
      // Waiting for another instance's migration is expected; no statement timeout.
      await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
      await client.query(advisoryXactLockSql(AdvisoryLock.MIGRATIONS));
      await client.query(CREATE_LEDGER);
      const done = await client.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.rows[0]) {
        if (done.rows[0].checksum !== migrationChecksum(m)) {
          logger.warn({ version: m.version, name: m.name }, 'an applied migration was edited since; add a new migration instead of changing a released one');
        }
        return false;
      }
      const started = performance.now();
      try {
        await client.query(m.sql);
      } catch (err) {
        if (transientReason(err)) throw err;
        const pgErr = err as { message?: string; code?: string; position?: string };
        throw new MigrationError(m.version, m.name, pgErr.message ?? String(err), { pgCode: pgErr.code }, { cause: err });
      }
      const durationMs = Math.round(performance.now() - started);
      await client.query('INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)', [
        m.version,
        m.name,
        migrationChecksum(m),
        durationMs,
      ]);
      logger.info({ version: m.version, name: m.name, durationMs }, 'applied migration');
      return true;
    });
    if (didApply) applied.push(m.version);
  }
  const version = await currentVersion(pool);
  if (applied.length === 0) logger.debug({ version }, 'schema already up to date');
  const citus = await distributeIfCitus(pool, lockTimeoutMs, options.citusShardCount ?? DEFAULT_CITUS_SHARD_COUNT, logger);
  return { applied, currentVersion: version, ...(citus ? { citus } : {}) };
}

async function distributeIfCitus(pool: pg.Pool, lockTimeoutMs: number, shardCount: number, logger: Logger): Promise<DistributeResult | undefined> {
  if (!(await withClient(pool, hasCitus))) return undefined;
  const result = await withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
    await client.query(advisoryXactLockSql(AdvisoryLock.MIGRATIONS));
    try {
      return await distributeSchema(client, { shardCount });
    } catch (err) {
      if (transientReason(err)) throw err;
      const pgErr = err as { message?: string; code?: string };
      throw new MigrationError(0, 'citus-distribute', pgErr.message ?? String(err), { pgCode: pgErr.code }, { cause: err });
    }
  });
  if (result.reference.length + result.distributed.length > 0) logger.info({ ...result, shardCount }, 'distributed the schema on Citus');
  return result;
}

/** The highest applied migration version; 0 for an empty database. */
export async function currentVersion(pool: pg.Pool): Promise<number> {
  return withClient(pool, async (client) => {
    const exists = await client.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    if (!exists.rows[0]?.present) return 0;
    const res = await client.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations');
    return res.rows[0]?.v ?? 0;
  });
}

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/** For /readyz: the database has exactly the schema this build expects. */
export async function isUpToDate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<boolean> {
  return (await currentVersion(pool)) === latestVersion(migrations);
}

/** Throws SchemaNotCurrentError (WL_SCHEMA_NOT_CURRENT) unless the schema is current. */
export async function assertSchemaCurrent(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  const current = await currentVersion(pool);
  const expected = latestVersion(migrations);
  if (current !== expected) throw new SchemaNotCurrentError(current, expected);
}

/** A programming error in the migration list must never reach a database. */
function checkedList(migrations: readonly Migration[]): readonly Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is broken: expected version ${i + 1}, found ${m.version} (${m.name})`);
  });
  return sorted;
}
