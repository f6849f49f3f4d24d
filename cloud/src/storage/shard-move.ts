/**
 * Moving a hospital on a Citus cluster (docs/scaling.md, "Moving a hospital"): where its
 * shard group lives, moving that group to another worker while ingest runs, and giving a
 * hospital shards of its own.
 *
 * Every distributed table is colocated with `patients` (citus.ts), so the shard of
 * `patients` that holds a hospital names its whole shard group: moving it with
 * citus_move_shard_placement moves that shard of every table and of every daily
 * partition together, and a batch stays a single-node transaction after the move.
 *
 * The transfer mode decides the ingest stall:
 * - 'force_logical' copies the shards while writes go on, replays them through logical
 *   replication (needs wal_level = logical on the workers) and blocks writes only for the
 *   final catch-up and the metadata switch;
 * - 'block_writes' blocks writes to the group for the whole copy (no replication needed);
 * - 'auto' is logical when every table has a replica identity (all of ours have a
 *   primary key), else an error.
 * An admin operation, run from the coordinator; never on a request path.
 */
import type pg from 'pg';
import { sleep, systemClock, WardlinkError, type Clock } from '@wardlink/shared';
import { hasCitus } from './citus.js';

export type ShardTransferMode = 'auto' | 'force_logical' | 'block_writes';

export interface NodeAddress {
  host: string;
  port: number;
}

export interface HospitalShardGroup extends NodeAddress {
  hospitalId: string;
  /** The shard of `patients` holding the hospital: the group's name for Citus. */
  shardId: string;
  /** Shard placements in the group (every table and daily partition). */
  placements: number;
}

export interface ShardMoveResult {
  hospitalId: string;
  shardId: string;
  from: NodeAddress;
  to: NodeAddress;
  mode: ShardTransferMode;
  placements: number;
  durationMs: number;
}

/** A hospital's shard group cannot be found or moved; the message says why. */
export class ShardMoveError extends WardlinkError {
  constructor(reason: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('WL_SHARD_MOVE_FAILED', reason, details, options);
  }
}

type Queryable = Pick<pg.Pool, 'query'>;

/** The anchor of the colocation group (citus.ts DISTRIBUTED_TABLES[0]). */
const ANCHOR = 'patients';

/** Where `hospitalId`'s shard group lives, and how many placements it holds. */
export async function hospitalShardGroup(db: Queryable, hospitalId: string): Promise<HospitalShardGroup> {
  if (!(await hasCitus(db))) throw new ShardMoveError('this database has no citus extension: there are no shards to move', { hospitalId });
  const res = await db.query<{ shard_id: string; host: string; port: number; placements: number }>(
    `WITH anchor AS (SELECT get_shard_id_for_distribution_column($1::regclass, $2::text) AS shardid)
     SELECT a.shardid::text AS shard_id, p.nodename AS host, p.nodeport AS port,
            (SELECT count(*)::int FROM pg_dist_shard s JOIN pg_dist_partition d ON d.logicalrelid = s.logicalrelid
             WHERE d.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = $1::regclass)
               AND s.shardminvalue = (SELECT shardminvalue FROM pg_dist_shard WHERE shardid = a.shardid)) AS placements
     FROM anchor a JOIN pg_dist_shard_placement p ON p.shardid = a.shardid`,
    [ANCHOR, hospitalId],
  );
  const row = res.rows[0];
  if (!row) throw new ShardMoveError(`no shard placement holds hospital ${hospitalId}`, { hospitalId });
  return { hospitalId, shardId: row.shard_id, host: row.host, port: row.port, placements: row.placements };
}

/** The active workers (the coordinator holds no distributed shards here). */
export async function activeWorkers(db: Queryable): Promise<NodeAddress[]> {
  const res = await db.query<NodeAddress>(
    "SELECT nodename AS host, nodeport AS port FROM pg_dist_node WHERE groupid <> 0 AND isactive AND noderole = 'primary' ORDER BY nodeport",
  );
  return res.rows;
}

/** Citus's refusal while the previous move's old placement of a shard is still held. */
const ORPHAN_LEFT = /orphaned shard .* leftover from the previous move could not be cleaned up/;
const ORPHAN_ATTEMPTS = 5;
const ORPHAN_WAIT_MS = 500;

/**
 * Moves `hospitalId`'s shard group to `to` (default: the first other active worker).
 * Waits for the move to finish; the old placement is dropped by Citus's deferred cleanup.
 */
export async function moveHospital(db: Queryable, hospitalId: string, options: { to?: NodeAddress; mode?: ShardTransferMode; clock?: Clock } = {}): Promise<ShardMoveResult> {
  const mode = options.mode ?? 'auto';
  const clock = options.clock ?? systemClock;
  const group = await hospitalShardGroup(db, hospitalId);
  const from = { host: group.host, port: group.port };
  const to = options.to ?? (await activeWorkers(db)).find((w) => w.host !== from.host || w.port !== from.port);
  if (!to) throw new ShardMoveError(`hospital ${hospitalId} is on the only active worker: add one first (citus_add_node)`, { hospitalId });
  if (to.host === from.host && to.port === from.port) throw new ShardMoveError(`hospital ${hospitalId} is already on ${to.host}:${to.port}`, { hospitalId });
  const started = clock.monotonicMs();
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query('SELECT citus_move_shard_placement($1::bigint, $2, $3, $4, $5, shard_transfer_mode := $6::citus.shard_transfer_mode)', [
        group.shardId,
        from.host,
        from.port,
        to.host,
        to.port,
        mode,
      ]);
      break;
    } catch (err) {
      // Moving a group back soon after it left: Citus first drops the placement the last
      // move left behind, and refuses while queries that began before that move still
      // hold it (ingest's, in flight). They end in moments: wait and try again.
      if (ORPHAN_LEFT.test((err as Error).message) && attempt < ORPHAN_ATTEMPTS) {
        await sleep(ORPHAN_WAIT_MS * attempt, clock);
        continue;
      }
      throw new ShardMoveError(`moving hospital ${hospitalId} from ${from.host}:${from.port} to ${to.host}:${to.port} failed: ${(err as Error).message}`, { hospitalId, mode }, { cause: err });
    }
  }
  return { hospitalId, shardId: group.shardId, from, to, mode, placements: group.placements, durationMs: clock.monotonicMs() - started };
}

/**
 * Gives `hospitalId` a shard group of its own (isolate_tenant_to_new_shard, CASCADE to
 * every colocated table): other hospitals that hashed into its shard stay in the two
 * groups split off beside it. Returns the new group (on the same worker; move it next).
 */
export async function isolateHospital(db: Queryable, hospitalId: string, mode: ShardTransferMode = 'auto'): Promise<HospitalShardGroup> {
  if (!(await hasCitus(db))) throw new ShardMoveError('this database has no citus extension: there are no shards to isolate', { hospitalId });
  try {
    await db.query("SELECT isolate_tenant_to_new_shard($1::regclass, $2::text, 'CASCADE', shard_transfer_mode := $3::citus.shard_transfer_mode)", [ANCHOR, hospitalId, mode]);
  } catch (err) {
    throw new ShardMoveError(`isolating hospital ${hospitalId} failed: ${(err as Error).message}`, { hospitalId, mode }, { cause: err });
  }
  return hospitalShardGroup(db, hospitalId);
}
