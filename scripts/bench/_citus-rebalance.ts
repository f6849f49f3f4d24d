/**
 * The rebalancer after a third worker joins, for `pnpm bench citus-ingest` (full run): a
 * new node is started and added (citus_add_node), then citus_rebalance_start moves shard
 * groups onto it by logical replication while one gateway of every hospital posts without
 * pause (measureMoveStall). The stall is the longest a batch waited during the rebalance;
 * every reading posted meanwhile must be stored exactly once.
 */
import pg from 'pg';
import { addGateway } from '@wardlink/cloud';
import { addCitusWorker, hospitalShardGroup, startExtraCitusNode, type CitusCluster } from '@wardlink/cloud/testing';
import { measureMoveStall } from './_citus-stall.js';
import { START_MS } from './cloud-ingest.js';
import type { Phase } from './_citus-phase.js';
import type { BenchOptions } from './run.js';

export interface RebalanceFigures {
  stallMs: number;
  rebalanceMs: number;
  /** Shard placements the rebalancer moved (every colocated table and partition). */
  placementsMoved: number;
  /** Hospitals (of those posting) whose shard group now lives on the new worker. */
  hospitalsMoved: number;
  storedOnce: boolean;
}

export async function rebalanceOntoNewWorker(citus: Phase, cluster: CitusCluster, database: string, hospitals: readonly string[], log: BenchOptions['log']): Promise<RebalanceFigures> {
  const port = await startExtraCitusNode();
  await addCitusWorker(cluster, database, port);
  const gateways = [];
  for (const [i, hospitalId] of hospitals.entries()) {
    const gatewayId = `gw-rebalance-${i + 1}`;
    gateways.push({ gatewayId, token: (await addGateway(citus.pool, { hospitalId, wardId: gatewayId, gatewayId })).token });
  }
  // Distributed placements only: the reference tables are copied to a new node as well.
  const placementsOn = async () =>
    (await citus.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM citus_shards WHERE nodeport = $1 AND citus_table_type = 'distributed'", [port])).rows[0]!.n;
  let rebalanceMs = 0;
  const stall = await measureMoveStall(citus.service.base, gateways, START_MS + 7_200_000, async () => {
    const t0 = performance.now();
    // A session of its own: the rebalance runs in background jobs, waited for here.
    const client = new pg.Client({ connectionString: citus.pool.options.connectionString });
    await client.connect();
    try {
      await client.query("SELECT citus_rebalance_start(shard_transfer_mode := 'force_logical')");
      await client.query('SELECT citus_rebalance_wait()');
    } finally {
      await client.end();
    }
    rebalanceMs = performance.now() - t0;
  });
  const stored = await citus.pool.query<{ n: number; distinct: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT (hospital_id, gateway_id, patient_id, metric, t, device_id))::int AS distinct FROM vital_data WHERE gateway_id LIKE 'gw-rebalance-%'",
  );
  const storedOnce = stored.rows[0]!.n === stall.readings && stored.rows[0]!.distinct === stall.readings;
  let hospitalsMoved = 0;
  for (const h of hospitals) if ((await hospitalShardGroup(citus.pool, h)).port === port) hospitalsMoved += 1;
  const placementsMoved = await placementsOn();
  log(
    `rebalance onto a third worker :${port}: ${placementsMoved} placements in ${Math.round(rebalanceMs)} ms, ${hospitalsMoved} of ${hospitals.length} posting hospitals moved; ` +
      `max ingest stall ${Math.round(stall.maxStallMs)} ms (p99 before ${stall.baselineP99Ms.toFixed(1)} ms), ${stall.batchesDuringMove} batches acknowledged during it, ${stall.refusals} refusals retried; ` +
      `${stall.readings} readings stored once: ${storedOnce}`,
  );
  return { stallMs: stall.maxStallMs, rebalanceMs, placementsMoved, hospitalsMoved, storedOnce };
}
