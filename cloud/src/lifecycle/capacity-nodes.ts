/**
 * Capacity per node of a Citus cluster (capacity.ts adds it to the report on Citus).
 *
 * Every node has a disk of its own, and the one that fills first stops the cluster, not
 * the average: a hospital's shard group lives on one worker, so a big hospital can fill
 * its worker while the others are half empty. Each node is taken to have a volume of
 * `capacity.dbVolumeBytes` (nodes are provisioned alike, docs/scaling.md), and a node whose
 * database passes the alert threshold of it raises its own alert, naming the node.
 */
import type { LifecycleContext } from './context.js';

/** One node of a Citus cluster (the report's `nodes`, only on Citus). */
export interface NodeCapacity {
  host: string;
  port: number;
  role: 'coordinator' | 'worker';
  /** Shard placements on the node (a reference table's copy counts on each node). */
  shards: number;
  /** Bytes of those shards (heap + index + TOAST). */
  shardBytes: number;
  /** The node's whole database (pg_database_size); null if the node did not answer. */
  databaseBytes: number | null;
  /** databaseBytes as a percentage of the node's volume (capacity.dbVolumeBytes); null when unknown. */
  usedPct: number | null;
}

export interface NodeAlert {
  kind: 'node-above-threshold';
  /** host:port of the node. */
  node: string;
  message: string;
}

/** The capacity per node of a Citus cluster: its shards and their bytes, and its database's bytes. */
export async function nodeCapacity(pool: LifecycleContext['pool'], nodeVolumeBytes: number): Promise<NodeCapacity[]> {
  const nodes = await pool.query<{ host: string; port: number; coordinator: boolean; shards: number; bytes: string }>(
    `SELECT n.nodename AS host, n.nodeport AS port, n.groupid = 0 AS coordinator,
            count(s.shardid)::int AS shards, coalesce(sum(s.shard_size), 0)::bigint::text AS bytes
     FROM pg_dist_node n
     LEFT JOIN citus_shards s ON s.nodename = n.nodename AND s.nodeport = n.nodeport
     WHERE n.noderole = 'primary'
     GROUP BY n.nodename, n.nodeport, n.groupid
     ORDER BY n.groupid, n.nodeport`,
  );
  const workerDbs = await pool.query<{ host: string; port: number; bytes: string | null }>(
    `SELECT nodename AS host, nodeport AS port, CASE WHEN success THEN result END AS bytes
     FROM run_command_on_workers('SELECT pg_database_size(current_database())')`,
  );
  const dbOf = new Map(workerDbs.rows.map((r) => [`${r.host}:${r.port}`, r.bytes === null ? null : Number(r.bytes)]));
  const local = Number((await pool.query<{ b: string }>('SELECT pg_database_size(current_database())::text AS b')).rows[0]!.b);
  const usedPct = (bytes: number | null) => (bytes === null || nodeVolumeBytes <= 0 ? null : (100 * bytes) / nodeVolumeBytes);
  const out: NodeCapacity[] = nodes.rows.map((n) => {
    const databaseBytes = n.coordinator ? local : (dbOf.get(`${n.host}:${n.port}`) ?? null);
    return { host: n.host, port: n.port, role: n.coordinator ? 'coordinator' : 'worker', shards: n.shards, shardBytes: Number(n.bytes), databaseBytes, usedPct: usedPct(databaseBytes) };
  });
  // A coordinator not registered in pg_dist_node holds no shards, but its database counts.
  if (!out.some((n) => n.role === 'coordinator')) out.unshift({ host: 'coordinator', port: 0, role: 'coordinator', shards: 0, shardBytes: 0, databaseBytes: local, usedPct: usedPct(local) });
  return out;
}

/** An alert for each node whose database uses `thresholdPct` or more of its volume. */
export function nodeAlerts(nodes: readonly NodeCapacity[], nodeVolumeBytes: number, thresholdPct: number): NodeAlert[] {
  return nodes
    .filter((n) => n.usedPct !== null && n.usedPct >= thresholdPct)
    .map((n) => ({
      kind: 'node-above-threshold' as const,
      node: `${n.host}:${n.port}`,
      message: `${n.role} ${n.host}:${n.port} uses ${n.usedPct!.toFixed(1)}% of its ${nodeVolumeBytes} B volume (alert at ${thresholdPct}%; ${n.shards} shards, ${n.shardBytes} B): grow its volume, move a hospital off it (docs/scaling.md, "Moving a hospital") or add a worker`,
    }));
}
