/**
 * Taking a day out of vital_data without stalling ingest, and dropping it afterwards.
 *
 * DETACH PARTITION ... CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on vital_data,
 * which inserts and COPY (ROW EXCLUSIVE) do not conflict with. It runs as two
 * transactions: the first marks the partition "detach pending", the second waits for
 * every query that may still see it, then finishes. So it cannot run inside a
 * transaction block (it is sent alone, outside one), and PostgreSQL refuses it while a
 * DEFAULT partition exists: vital_data deliberately has none (migration 002).
 *
 * If the command is interrupted between its transactions (a crash, a cancel, our
 * detach timeout) the partition stays "detach pending" (pg_inherits.inhdetachpending):
 * no longer visible to new queries, but still listed. The next run finishes it with
 * DETACH PARTITION ... FINALIZE.
 *
 * The dropped table is no longer part of vital_data, so DROP TABLE locks only itself:
 * O(1) in rows and invisible to ingest.
 *
 * On Citus (docs/scaling.md) DETACH ... CONCURRENTLY is not supported on a distributed
 * table (citusdata/citus#5264), so there the partition is detached with a plain DETACH:
 * one transaction that takes ACCESS EXCLUSIVE on the parent (and its shards) for a
 * moment, stalling ingest that long. The lock_timeout bounds the wait for that lock, so a
 * long query makes the detach fail (and the archive job retry later) instead of queueing
 * every insert behind it. It must bound the waits on the workers too (detachOnCitus).
 *
 * The same goes for the day's vital_blocks partition (its compacted hours): the archive
 * job detaches, exports and drops the two tables of a day together (detachDay, dropDay).
 */
import type pg from 'pg';
import { blocksPartitionOf, parentOf } from '../../storage/partitions.js';
import { isCitusTable } from '../../storage/citus.js';
import { withClient } from '../../storage/pool.js';
import { PartitionLifecycleError } from '../errors.js';

export type PartitionStatus = 'attached' | 'detach-pending' | 'detached' | 'absent';

export async function partitionStatus(db: pg.Pool | pg.PoolClient, name: string): Promise<PartitionStatus> {
  const res = await db.query<{ exists: boolean; pending: boolean | null }>(
    `SELECT c.oid IS NOT NULL AS exists, i.inhdetachpending AS pending
     FROM (SELECT 1) one
     LEFT JOIN pg_class c ON c.relname = $1 AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = $2::regclass)
     LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = $2::regclass`,
    [name, parentOf(name)],
  );
  const r = res.rows[0]!;
  if (!r.exists) return 'absent';
  if (r.pending === null) return 'detached';
  return r.pending ? 'detach-pending' : 'attached';
}

export interface DetachOptions {
  lockTimeoutMs: number;
  /** statement_timeout for the wait of the second phase; on expiry the partition stays pending. */
  detachTimeoutMs: number;
}

/** Detaches `name` (or finishes a pending detach). Returns what it did. */
export async function detachPartition(pool: pg.Pool, name: string, options: DetachOptions): Promise<'detached' | 'finalized' | 'already-detached'> {
  return withClient(pool, async (client) => {
    const status = await partitionStatus(client, name);
    if (status === 'detached') return 'already-detached';
    if (status === 'absent') throw new PartitionLifecycleError(name, 'does not exist, so it cannot be archived; if it was dropped by hand, mark its archive job finished');
    if (status === 'attached' && (await isCitusTable(client, parentOf(name)))) {
      await detachOnCitus(client, name, options);
      return 'detached';
    }
    await client.query(`SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}`);
    await client.query(`SET statement_timeout = ${Math.trunc(options.detachTimeoutMs)}`);
    try {
      // Simple-protocol statements with no parameters: sent alone, outside any transaction block.
      if (status === 'detach-pending') {
        await client.query(`ALTER TABLE ${parentOf(name)} DETACH PARTITION "${name}" FINALIZE`);
        return 'finalized';
      }
      await client.query(`ALTER TABLE ${parentOf(name)} DETACH PARTITION "${name}" CONCURRENTLY`);
      return 'detached';
    } finally {
      await client.query('RESET lock_timeout').catch(() => undefined);
      await client.query('RESET statement_timeout').catch(() => undefined);
    }
  });
}

/**
 * The plain DETACH of Citus, in a transaction whose lock_timeout reaches the workers. Citus
 * does not send the coordinator's SETs to the workers (citus.propagate_set_commands is
 * 'none'), so a lock wait on a worker's shard (a query run on the worker, or another
 * node's distributed query) was bounded only by the statement timeout, 10 min by default,
 * while the coordinator held ACCESS EXCLUSIVE on vital_data and every batch queued behind
 * it (detach-citus.test.ts measured the stall). With 'local', the SET LOCALs of this
 * transaction go to each worker transaction it opens.
 */
async function detachOnCitus(client: pg.PoolClient, name: string, options: DetachOptions): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(
      `SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL lock_timeout = ${Math.trunc(options.lockTimeoutMs)}; SET LOCAL statement_timeout = ${Math.trunc(options.detachTimeoutMs)}`,
    );
    await client.query(`ALTER TABLE ${parentOf(name)} DETACH PARTITION "${name}"`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Drops a detached partition; refuses one that is (again) attached. */
export async function dropDetached(pool: pg.Pool, name: string, lockTimeoutMs: number): Promise<boolean> {
  return withClient(pool, async (client) => {
    const status = await partitionStatus(client, name);
    if (status === 'absent') return false;
    if (status !== 'detached') throw new PartitionLifecycleError(name, `is ${status}, not detached; it is kept (someone re-attached it?)`);
    // On Citus the workers drop the shards: they get the lock_timeout too (detachOnCitus).
    const citus = await isCitusTable(client, name);
    await client.query('BEGIN');
    try {
      await client.query(`${citus ? "SET LOCAL citus.propagate_set_commands = 'local'; " : ''}SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
      await client.query(`DROP TABLE IF EXISTS "${name}"`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return true;
  });
}

/** Detaches the day of vital_data partition `name`: its rows and, when it exists, its
 * vital_blocks partition. Idempotent, so a job interrupted between the two resumes. */
export async function detachDay(pool: pg.Pool, name: string, options: DetachOptions): Promise<string[]> {
  const did = [`${name}: ${await detachPartition(pool, name, options)}`];
  const blocks = blocksPartitionOf(name);
  if ((await partitionStatus(pool, blocks)) !== 'absent') did.push(`${blocks}: ${await detachPartition(pool, blocks, options)}`);
  return did;
}

/** Drops the detached tables of a day (rows, then blocks); false if neither was there. */
export async function dropDay(pool: pg.Pool, name: string, lockTimeoutMs: number): Promise<boolean> {
  const rows = await dropDetached(pool, name, lockTimeoutMs);
  const blocks = await dropDetached(pool, blocksPartitionOf(name), lockTimeoutMs);
  return rows || blocks;
}
