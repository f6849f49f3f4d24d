/**
 * Daily partitions of vital_data: vital_data_pYYYYMMDD holds [day 00:00Z, next day 00:00Z).
 *
 * A partition is created as a plain table and then ATTACHed: ATTACH PARTITION takes
 * only a SHARE UPDATE EXCLUSIVE lock on vital_data, which does not conflict with the
 * inserts and reads of running ingest (CREATE TABLE ... PARTITION OF would take ACCESS
 * EXCLUSIVE and stall them). Creation runs under lock_timeout, so it fails fast (and
 * the caller retries: WL_DB_UNAVAILABLE) rather than queueing behind a long-running
 * statement. It is serialised across instances by an advisory lock, re-checks under
 * that lock, and is idempotent.
 */
import type pg from 'pg';
import { PartitionError, systemClock, type Clock } from '@wardlink/shared';
import { advisoryXactLockSql, AdvisoryLock } from './advisory-locks.js';
import type { Logger } from './logger.js';
import { withClient, withTransaction } from './pool.js';
import { dayStartLiteral, daysBetween, isoDate, utcDay, type DayInput } from './utc-days.js';

export const VITAL_DATA_TABLE = 'vital_data';
/** The compacted hours (migration 008): partitioned by day like vital_data, and each of
 * its partitions is made, attached, archived and dropped together with vital_data's
 * partition of the same day. */
export const VITAL_BLOCKS_TABLE = 'vital_blocks';

export interface EnsurePartitionsOptions {
  /** lock_timeout for the DDL; default 2,000 ms (config: database.ddlLockTimeoutMs). */
  lockTimeoutMs?: number;
  /** Refuse to create more than this many days at once (a corrupt timestamp must not
   * create years of partitions). Default 400. */
  maxDays?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface EnsurePartitionsResult {
  /** Partitions this call created. */
  created: string[];
  /** vital_blocks partitions this call created (for days made before migration 008, or with vital_data's). */
  blocksCreated?: string[];
  /** Days in the range whose partition already existed. */
  existing: number;
}

/** The partition holding `day` (a Date or epoch ms anywhere in it, or 'YYYY-MM-DD'). */
export function partitionName(day: DayInput): string {
  return nameOfDay(utcDay(day));
}

/** The vital_blocks partition of `day`. */
export function blockPartitionName(day: DayInput): string {
  return nameOfDay(utcDay(day), VITAL_BLOCKS_TABLE);
}

function nameOfDay(day: number, table: string = VITAL_DATA_TABLE): string {
  return `${table}_p${isoDate(day).replaceAll('-', '')}`;
}

const PARTITIONED_TABLES = [VITAL_DATA_TABLE, VITAL_BLOCKS_TABLE] as const;

/** The vital_blocks partition of the same day as vital_data partition `name`. */
export function blocksPartitionOf(name: string): string {
  if (!name.startsWith(`${VITAL_DATA_TABLE}_p`)) throw new RangeError(`${name} is not a vital_data partition`);
  return `${VITAL_BLOCKS_TABLE}_p${name.slice(VITAL_DATA_TABLE.length + 2)}`;
}

/** The partitioned table a partition name belongs to. */
export function parentOf(name: string): typeof VITAL_DATA_TABLE | typeof VITAL_BLOCKS_TABLE {
  return name.startsWith(`${VITAL_BLOCKS_TABLE}_p`) ? VITAL_BLOCKS_TABLE : VITAL_DATA_TABLE;
}

type PartitionState = 'attached' | 'detached';

async function partitionStates(client: pg.PoolClient | pg.Pool, names: string[]): Promise<Map<string, PartitionState>> {
  const res = await client.query<{ relname: string; attached: boolean }>(
    `SELECT c.relname, EXISTS (
       SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND i.inhparent IN ($2::regclass, $3::regclass)
     ) AS attached
     FROM pg_class c
     WHERE c.relname = ANY($1::text[])
       AND c.relnamespace = (SELECT p.relnamespace FROM pg_class p WHERE p.oid = $2::regclass)`,
    [names, VITAL_DATA_TABLE, VITAL_BLOCKS_TABLE],
  );
  return new Map(res.rows.map((r) => [r.relname, r.attached ? 'attached' : 'detached']));
}

/**
 * Makes sure a partition exists for every UTC day from `fromDay` to `toDay` (both
 * included). Returns what it created. Safe to call concurrently from many instances.
 */
export async function ensurePartitions(
  pool: pg.Pool,
  range: { fromDay: DayInput; toDay: DayInput },
  options: EnsurePartitionsOptions = {},
): Promise<EnsurePartitionsResult> {
  const from = utcDay(range.fromDay);
  const to = utcDay(range.toDay);
  const maxDays = options.maxDays ?? 400;
  if (to < from) return { created: [], existing: 0 };
  if (to - from + 1 > maxDays) {
    throw new PartitionError(`${nameOfDay(from)}..${nameOfDay(to)}`, `refusing to create ${to - from + 1} daily partitions at once (limit ${maxDays}); check the timestamps`, {
      fromDay: isoDate(from),
      toDay: isoDate(to),
    });
  }
  const days = daysBetween(from, to);
  const names = days.flatMap((d) => PARTITIONED_TABLES.map((table) => nameOfDay(d, table)));

  // Fast path without any lock: usually every partition already exists.
  const before = await withClient(pool, (c) => partitionStates(c, names));
  if (names.every((n) => before.get(n) === 'attached')) {
    remember(pool, days, options.clock ?? systemClock);
    return { created: [], existing: days.length };
  }

  // The whole range in one transaction, without a savepoint per partition: on Citus each
  // SAVEPOINT and RELEASE goes to every worker connection the transaction holds (with 32
  // shards, ~120 of the ~450 remote commands of one day). Only if a statement fails (an
  // operator created a table by hand, outside our advisory lock) is the range made again
  // with a savepoint per partition, so that the clash is re-checked instead of failing it.
  const attempt = (careful: boolean) => createRange(pool, days, names, options, careful);
  const { made: created, madeBlocks } = await attempt(false).catch((err: unknown) => {
    if (err instanceof RetryCarefully) return attempt(true);
    throw err;
  });
  remember(pool, days, options.clock ?? systemClock);
  if (created.length + madeBlocks.length > 0) options.logger?.info({ created, blocks: madeBlocks }, 'created vital_data (and vital_blocks) partitions');
  return { created, blocksCreated: madeBlocks, existing: days.length - created.length };
}

/** vital_blocks partitions compress arrays from 128 B of row on (see migration 008). */
const STORAGE_OPTIONS: Record<string, string> = { [VITAL_BLOCKS_TABLE]: ' WITH (toast_tuple_target = 128)' };

/** A statement of the batched attempt failed for a reason other than a lock or the
 * connection: the range is made again, carefully (one savepoint per partition). */
class RetryCarefully extends Error {}

async function createRange(
  pool: pg.Pool,
  days: number[],
  names: string[],
  options: EnsurePartitionsOptions,
  careful: boolean,
): Promise<{ made: string[]; madeBlocks: string[] }> {
  return withTransaction(pool, async (client) => {
    // The advisory lock first, without lock_timeout: its holder is another instance
    // creating partitions, whose own DDL is bounded by lock_timeout, so waiting for it is
    // short, and never queues ingest. (On Citus each partition also creates its shards on
    // the workers, which can take longer than lock_timeout for a few days at once.)
    await client.query(advisoryXactLockSql(AdvisoryLock.PARTITIONS));
    await client.query(`SET LOCAL lock_timeout = ${Math.trunc(options.lockTimeoutMs ?? 2_000)}`);
    // Another instance may have created some while we waited for the lock.
    const states = await partitionStates(client, names);
    const made: string[] = [];
    const madeBlocks: string[] = [];
    for (const day of days) {
      for (const table of PARTITIONED_TABLES) {
        const name = nameOfDay(day, table);
        const state = states.get(name);
        if (state === 'attached') continue;
        if (state === 'detached') {
          throw new PartitionError(
            name,
            'a table of that name exists but is not attached: the day is being archived (or an archive was interrupted); finish the archive job before loading data for that day',
            { day: isoDate(day) },
          );
        }
        if (careful) {
          if (!(await createAndAttachCarefully(client, table, name, day))) continue;
        } else {
          await createAndAttach(client, table, name, day).catch((err: unknown) => {
            throw isTransient(err) ? err : new RetryCarefully(`${name}: ${(err as Error).message}`, { cause: err });
          });
        }
        (table === VITAL_DATA_TABLE ? made : madeBlocks).push(name);
      }
    }
    return { made, madeBlocks };
  });
}

async function createAndAttach(client: pg.PoolClient, table: string, name: string, day: number): Promise<void> {
  await client.query(`CREATE TABLE "${name}" (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)${STORAGE_OPTIONS[table] ?? ''}`);
  await client.query(`ALTER TABLE ${table} ATTACH PARTITION "${name}" FOR VALUES FROM ('${dayStartLiteral(day)}') TO ('${dayStartLiteral(day + 1)}')`);
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '55P03' || code === '57014' || code?.startsWith('08') === true;
}

/** createAndAttach inside a savepoint: false when someone else made it attached meanwhile. */
async function createAndAttachCarefully(client: pg.PoolClient, table: string, name: string, day: number): Promise<boolean> {
  await client.query('SAVEPOINT create_partition');
  try {
    await createAndAttach(client, table, name, day);
    await client.query('RELEASE SAVEPOINT create_partition');
    return true;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT create_partition');
    const state = (await partitionStates(client, [name])).get(name);
    if (state === 'attached') return false;
    if (isTransient(err)) throw err; // mapped to WL_DB_UNAVAILABLE (503) by the pool helpers
    const code = (err as { code?: string }).code;
    throw new PartitionError(name, `could not be created: ${(err as Error).message}`, { pgCode: code, day: isoDate(day) }, { cause: err });
  }
}

// --- the loader's fast path -------------------------------------------------------------

/** Days known to have a partition, per pool, until an expiry: a partition dropped by the
 * retention job in another process is noticed within the TTL. */
const known = new WeakMap<pg.Pool, Map<number, number>>();
const KNOWN_TTL_MS = 60_000;

function remember(pool: pg.Pool, days: number[], clock: Clock): void {
  let map = known.get(pool);
  if (!map) known.set(pool, (map = new Map()));
  const until = clock.now() + KNOWN_TTL_MS;
  for (const d of days) map.set(d, until);
}

/** Forget what this process knows about partitions (after dropping some, or when a COPY
 * reports "no partition of relation found"). */
export function forgetKnownPartitions(pool: pg.Pool): void {
  known.delete(pool);
}

/**
 * For the loader, before its COPY: makes sure every day from minT to maxT has a
 * partition. Answers from memory (no round trip) when it created or saw them recently.
 */
export async function ensurePartitionsForRange(
  pool: pg.Pool,
  minT: Date | number,
  maxT: Date | number,
  options: EnsurePartitionsOptions = {},
): Promise<EnsurePartitionsResult> {
  const clock = options.clock ?? systemClock;
  const days = daysBetween(utcDay(minT), utcDay(maxT));
  const map = known.get(pool);
  const now = clock.now();
  if (map && days.length > 0 && days.every((d) => (map.get(d) ?? 0) > now)) return { created: [], existing: days.length };
  return ensurePartitions(pool, { fromDay: minT, toDay: maxT }, options);
}

export interface VitalPartition {
  name: string;
  /** Inclusive lower bound (UTC midnight). */
  from: Date;
  /** Exclusive upper bound. */
  to: Date;
}

/** The attached partitions of vital_data, oldest first, with their bounds. */
export async function listVitalPartitions(pool: pg.Pool): Promise<VitalPartition[]> {
  return withTransaction(pool, async (client) => {
    // pg_get_expr prints bounds in the session time zone; read them in UTC.
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const res = await client.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
      [VITAL_DATA_TABLE],
    );
    return res.rows.map((r) => {
      const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(r.bound);
      if (!m) throw new PartitionError(r.name, `has unexpected bounds ${r.bound}`);
      return { name: r.name, from: new Date(m[1]!.replace(' ', 'T').replace(/\+00$/, 'Z')), to: new Date(m[2]!.replace(' ', 'T').replace(/\+00$/, 'Z')) };
    });
  });
}
