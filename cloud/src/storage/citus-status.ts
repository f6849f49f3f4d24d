/**
 * What `wardlink-cloud cluster status` shows of a Citus cluster: its nodes, the shards
 * and bytes on each, the bytes of each hospital and where they live, and the colocation
 * groups. Read from the coordinator's Citus metadata (pg_dist_node, citus_shards,
 * citus_tables); sizes come from the workers, so this is an admin query, not a hot path.
 */
import type pg from 'pg';
import { WardlinkError } from '@wardlink/shared';
import { hasCitus } from './citus.js';

/** `cluster status` against a database without the citus extension. */
export class NotCitusError extends WardlinkError {
  constructor() {
    super('WL_NOT_CITUS', 'this database has no citus extension, so it is a single PostgreSQL server, not a Citus cluster; see docs/scaling.md to distribute it', {});
  }
}

export interface ClusterNode {
  host: string;
  port: number;
  role: 'coordinator' | 'worker';
  active: boolean;
  shards: number;
  bytes: number;
}

export interface HospitalPlacement {
  hospitalId: string;
  /** The worker holding the hospital's shard group. */
  host: string;
  port: number;
  /** Bytes of the hospital's shard group across every distributed table and partition.
   * Hash distribution puts several hospitals in one group when there are more hospitals
   * than shards: those are listed in sharedWith, and the bytes are theirs together. */
  bytes: number;
  sharedWith: string[];
}

export interface ColocationGroup {
  colocationId: number;
  shardCount: number;
  /** Tables of the group, daily partitions not listed one by one. */
  tables: string[];
  partitions: number;
}

export interface ClusterStatus {
  nodes: ClusterNode[];
  hospitals: HospitalPlacement[];
  colocation: ColocationGroup[];
  referenceTables: string[];
}

export async function clusterStatus(pool: pg.Pool): Promise<ClusterStatus> {
  if (!(await hasCitus(pool))) throw new NotCitusError();
  const nodes = await pool.query<{ host: string; port: number; role: string; active: boolean; shards: number; bytes: string }>(
    `SELECT n.nodename AS host, n.nodeport AS port, CASE WHEN n.groupid = 0 THEN 'coordinator' ELSE 'worker' END AS role,
            n.isactive AS active, count(s.shardid)::int AS shards, coalesce(sum(s.shard_size), 0)::bigint AS bytes
     FROM pg_dist_node n
     LEFT JOIN citus_shards s ON s.nodename = n.nodename AND s.nodeport = n.nodeport
     GROUP BY n.nodename, n.nodeport, n.groupid, n.isactive
     ORDER BY n.groupid, n.nodeport`,
  );
  // A hospital's shard group: the shard of each distributed table (partitions included)
  // that its hospital_id hashes to. All sit on one node, being colocated.
  const placements = await pool.query<{ hospital_id: string; host: string; port: number; bytes: string; group_key: string }>(
    `SELECT h.hospital_id, min(s.nodename) AS host, min(s.nodeport) AS port, sum(s.shard_size)::bigint AS bytes,
            min(get_shard_id_for_distribution_column('patients', h.hospital_id))::text AS group_key
     FROM hospitals h
     CROSS JOIN citus_tables t
     JOIN citus_shards s ON s.shardid = get_shard_id_for_distribution_column(t.table_name, h.hospital_id)
     WHERE t.citus_table_type = 'distributed'
     GROUP BY h.hospital_id
     ORDER BY h.hospital_id`,
  );
  const byGroup = new Map<string, string[]>();
  for (const p of placements.rows) byGroup.set(p.group_key, [...(byGroup.get(p.group_key) ?? []), p.hospital_id]);
  const tables = await pool.query<{ table_name: string; kind: string; colocation_id: number; shard_count: number; is_partition: boolean }>(
    `SELECT t.table_name::text, t.citus_table_type AS kind, t.colocation_id, t.shard_count,
            EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = t.table_name) AS is_partition
     FROM citus_tables t ORDER BY t.table_name::text`,
  );
  const groups = new Map<number, ColocationGroup>();
  for (const t of tables.rows.filter((r) => r.kind === 'distributed')) {
    const group = groups.get(t.colocation_id) ?? { colocationId: t.colocation_id, shardCount: t.shard_count, tables: [], partitions: 0 };
    if (t.is_partition) group.partitions += 1;
    else group.tables.push(t.table_name);
    groups.set(t.colocation_id, group);
  }
  return {
    nodes: nodes.rows.map((n) => ({ host: n.host, port: n.port, role: n.role as ClusterNode['role'], active: n.active, shards: n.shards, bytes: Number(n.bytes) })),
    hospitals: placements.rows.map((p) => ({
      hospitalId: p.hospital_id,
      host: p.host,
      port: p.port,
      bytes: Number(p.bytes),
      sharedWith: (byGroup.get(p.group_key) ?? []).filter((h) => h !== p.hospital_id),
    })),
    colocation: [...groups.values()],
    referenceTables: tables.rows.filter((r) => r.kind === 'reference').map((r) => r.table_name),
  };
}
