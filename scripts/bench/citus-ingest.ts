/**
 * `pnpm bench citus-ingest [--quick]`: the overhead of distributing the cloud's database
 * with Citus, and the ingest stall of moving a hospital.
 *
 * The same load as cloud-ingest (its gateways and batches, posted through the real
 * service, a child process), spread over 4 hospitals (two on each worker), on:
 * - the baseline: a plain database (no citus extension) on the coordinator's server, so
 *   both runs use the same PostgreSQL binaries and settings;
 * - a Citus database: coordinator + 2 workers, 32 shards (the production default; 4
 *   with --quick), started by the cloud's test cluster starter (fsync off, as for the tests).
 * Then one patient's history query through the coordinator (EXPLAIN: Task Count 1, a
 * router query), and one hospital's shard group moved to the other worker by logical
 * replication while its gateways keep posting: the longest a batch waited.
 *
 * On 2 cores three servers and the service share the machine: Citus cannot show more
 * throughput than one node here. The figures are the cost of distribution.
 *
 * The full run then starts a third worker, adds it (citus_add_node) and lets the
 * rebalancer move shard groups onto it while a gateway of every hospital posts: its stall,
 * duration and placements, and every reading once (_citus-rebalance.ts).
 *
 * --quick (under 30 s): a smaller load (4 gateways x 6 batches), 4 shards, and no shard
 * move nor rebalance: moving by logical replication alone takes ~12 s, so their figures
 * (stall, time, placements) are null there and measured by the full run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { addGateway, migrate } from '@wardlink/cloud';
import { quietLogger } from './_database.js';
import { citusCluster, createCitusDatabase, dropCitusDatabase, hospitalShardGroup, moveHospital, type CitusCluster } from '@wardlink/cloud/testing';
import { ingestPhase, type Phase, type PhaseResult } from './_citus-phase.js';
import { rebalanceOntoNewWorker, type RebalanceFigures } from './_citus-rebalance.js';
import { measureMoveStall } from './_citus-stall.js';
import { buildLoad, START_MS } from './cloud-ingest.js';
import type { BenchFigures, BenchOptions } from './run.js';

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

/** Hospital ids whose shard groups are on each worker, `perWorker` of each. */
async function hospitalsOnEveryWorker(url: string, cluster: CitusCluster, perWorker: number): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const byPort = new Map<number, string[]>(cluster.workerPorts.map((p) => [p, []]));
    for (let i = 1; [...byPort.values()].some((l) => l.length < perWorker); i++) {
      if (i > 200) throw new Error('could not find hospitals on every worker');
      const id = `h-bench-${i}`;
      const list = byPort.get((await hospitalShardGroup(pool, id)).port)!;
      if (list.length < perWorker) list.push(id);
    }
    // Alternate workers, so gateway i and i+1 write to different workers.
    const lists = [...byPort.values()];
    return Array.from({ length: perWorker * lists.length }, (_, i) => lists[i % lists.length]![Math.floor(i / lists.length)]!);
  } finally {
    await pool.end();
  }
}

const perMillion = (ms: number, readings: number) => Number(((ms / 1000 / readings) * 1e6).toFixed(2));
const round = (n: number) => Math.round(n);

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const clients = quick ? 4 : 8;
  const batchesEach = quick ? 6 : 60;
  const shardCount = quick ? 4 : 32;
  const historyQueries = quick ? 300 : 2_000;
  const clusterStart = performance.now();
  const cluster = await citusCluster();
  const clusterStartMs = performance.now() - clusterStart;
  log(`citus cluster: coordinator :${cluster.coordinatorPort}, workers :${cluster.workerPorts.join(', :')}, started in ${round(clusterStartMs)} ms`);
  const suffix = randomBytes(4).toString('hex');
  const singleName = `wl_bench_single_${suffix}`;
  const citusName = `wl_bench_citus_${suffix}`;
  const coordinatorAdmin = cluster.urlOf(cluster.coordinatorPort);
  const phases: Array<{ stop(): Promise<void> }> = [];
  try {
    const citusUrl = await createCitusDatabase(cluster, citusName);
    await admin(coordinatorAdmin, `CREATE DATABASE ${singleName}`);
    const load = buildLoad(clients, batchesEach);
    log(`load: ${clients} gateways x ${batchesEach} batches = ${load.reduce((n, g) => n + g.readings, 0)} readings`);

    const single = await ingestPhase(cluster.urlOf(cluster.coordinatorPort, singleName), load, ['h-bench-1', 'h-bench-2', 'h-bench-3', 'h-bench-4'], [cluster.nodeDirs[0]!], { shardCount, historyQueries, log });
    phases.push(single);
    await single.stop();
    const s = single.result;
    log(`single node: ${round(s.readingsPerS)} readings/s, server CPU ${perMillion(s.cpuMs[0]!, s.readings)} s per million readings, history p99 ${s.historyP99Ms.toFixed(2)} ms`);

    // The same hospital names would hash anywhere: pick ones that put two on each worker.
    await distributeFirst(citusUrl, shardCount);
    const hospitals = await hospitalsOnEveryWorker(citusUrl, cluster, 2);
    const citus = await ingestPhase(citusUrl, load, hospitals, cluster.nodeDirs, { shardCount, historyQueries, log });
    phases.push(citus);
    const c = citus.result;
    const routerTasks = Number(/Task Count: (\d+)/.exec(c.historyPlan)?.[1] ?? NaN);
    log(`citus: ${round(c.readingsPerS)} readings/s, coordinator CPU ${perMillion(c.cpuMs[0]!, c.readings)} s per million, workers ${perMillion(c.cpuMs[1]! + c.cpuMs[2]!, c.readings)}; history p99 ${c.historyP99Ms.toFixed(2)} ms, Task Count ${routerTasks}`);

    const move = quick ? undefined : await moveUnderIngest(citus, hospitals[0]!, log);
    const rebalance = quick ? undefined : await rebalanceOntoNewWorker(citus, cluster, citusName, hospitals, log);
    await citus.stop();

    const allOnce = s.storedOnce && c.storedOnce && (move?.storedOnce ?? true) && (rebalance?.storedOnce ?? true);
    return figures(s, c, { routerTasks, move, rebalance, allOnce, clusterStartMs, shardCount });
  } finally {
    for (const p of phases) await p.stop().catch(() => undefined);
    await dropCitusDatabase(cluster, citusName).catch(() => undefined);
    await admin(coordinatorAdmin, `DROP DATABASE IF EXISTS ${singleName} WITH (FORCE)`).catch(() => undefined);
  }
}

interface MoveFigures {
  stallMs: number;
  moveMs: number;
  placements: number;
  storedOnce: boolean;
}

/** A hospital's shard group moves to the other worker while two of its gateways post. */
async function moveUnderIngest(citus: Phase, moved: string, log: BenchOptions['log']): Promise<MoveFigures> {
  const stallGateways = [];
  for (const gatewayId of ['gw-stall-1', 'gw-stall-2']) stallGateways.push({ gatewayId, token: (await addGateway(citus.pool, { hospitalId: moved, wardId: gatewayId, gatewayId })).token });
  let move: Awaited<ReturnType<typeof moveHospital>> | undefined;
  const stall = await measureMoveStall(citus.service.base, stallGateways, START_MS + 3_600_000, async () => (move = await moveHospital(citus.pool, moved, { mode: 'force_logical' })));
  const stored = await citus.pool.query<{ n: number; distinct: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT (patient_id, metric, t, device_id))::int AS distinct FROM vital_data WHERE gateway_id LIKE 'gw-stall-%'",
  );
  const storedOnce = stored.rows[0]!.n === stall.readings && stored.rows[0]!.distinct === stall.readings;
  log(
    `shard move (force_logical): ${moved}, ${move!.placements} placements :${move!.from.port} -> :${move!.to.port} in ${round(move!.durationMs)} ms; ` +
      `max ingest stall ${round(stall.maxStallMs)} ms (p99 before ${stall.baselineP99Ms.toFixed(1)} ms), ${stall.batchesDuringMove} batches acknowledged during it, ${stall.refusals} refusals retried; ` +
      `${stall.readings} readings stored once: ${storedOnce}`,
  );
  return { stallMs: stall.maxStallMs, moveMs: move!.durationMs, placements: move!.placements, storedOnce };
}

/** Distributes the schema before the hospitals are picked (their shards must exist). */
async function distributeFirst(url: string, shardCount: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool, { logger: quietLogger, citusShardCount: shardCount });
  } finally {
    await pool.end();
  }
}

interface Extra {
  routerTasks: number;
  /** undefined with --quick: no move, no rebalance. */
  move: MoveFigures | undefined;
  rebalance: RebalanceFigures | undefined;
  allOnce: boolean;
  clusterStartMs: number;
  shardCount: number;
}

function figures(s: PhaseResult, c: PhaseResult, x: Extra): BenchFigures {
  const workersMs = c.cpuMs.slice(1).reduce((n, v) => n + v, 0);
  return {
    single_node_readings_per_s: round(s.readingsPerS),
    citus_readings_per_s: round(c.readingsPerS),
    ratio_citus_vs_single: Number((c.readingsPerS / s.readingsPerS).toFixed(3)),
    coordinator_cpu_s_per_million: perMillion(c.cpuMs[0]!, c.readings),
    workers_cpu_s_per_million: perMillion(workersMs, c.readings),
    single_node_cpu_s_per_million: perMillion(s.cpuMs[0]!, s.readings),
    ratio_cluster_cpu_vs_single: Number(((c.cpuMs[0]! + workersMs) / s.cpuMs[0]!).toFixed(2)),
    router_query_p99_ms: Number(c.historyP99Ms.toFixed(2)),
    router_query_p50_ms: Number(c.historyP50Ms.toFixed(2)),
    single_node_history_p99_ms: Number(s.historyP99Ms.toFixed(2)),
    router_query_task_count: x.routerTasks,
    rebalance_max_ingest_stall_ms: x.move ? round(x.move.stallMs) : null,
    shard_move_ms: x.move ? round(x.move.moveMs) : null,
    shard_move_placements: x.move?.placements ?? null,
    add_node_rebalance_max_ingest_stall_ms: x.rebalance ? round(x.rebalance.stallMs) : null,
    add_node_rebalance_ms: x.rebalance ? round(x.rebalance.rebalanceMs) : null,
    add_node_rebalance_placements: x.rebalance?.placementsMoved ?? null,
    add_node_rebalance_hospitals_moved: x.rebalance?.hospitalsMoved ?? null,
    p95_batch_ms_single: Number(s.p95BatchMs.toFixed(1)),
    p95_batch_ms_citus: Number(c.p95BatchMs.toFixed(1)),
    readings: c.readings,
    all_stored_once: x.allOnce,
    shard_count: x.shardCount,
    cluster_start_ms: round(x.clusterStartMs),
  };
}
