/**
 * One ingest phase of `pnpm bench citus-ingest` on one database: the real service (a
 * child process) on it, cloud-ingest's gateways and batches posted through it, the CPU
 * each PostgreSQL server spent meanwhile, and then a patient's history query repeated
 * for its latency. Used for the single node and the Citus coordinator alike.
 */
import { Agent } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { addGateway, ensurePartitions, HISTORY_SQL, migrate } from '@wardlink/cloud';
import { quietLogger } from './_database.js';
import { BATCH_MS, clusterCpu, clusterCpuSince, percentile, post, START_MS, startService, type buildLoad } from './cloud-ingest.js';
import type { BenchOptions } from './run.js';

export interface PhaseResult {
  readingsPerS: number;
  readings: number;
  storedOnce: boolean;
  /** CPU ms of each server (by data folder) during the ingest. */
  cpuMs: number[];
  p95BatchMs: number;
  historyP99Ms: number;
  historyP50Ms: number;
  /** EXPLAIN of the history query (Citus: "Task Count: 1" when it is a router query). */
  historyPlan: string;
}

export interface Phase {
  pool: pg.Pool;
  service: { child: ChildProcess; base: string };
  result: PhaseResult;
  stop(): Promise<void>;
}

/**
 * Migrates `url`, starts the service and ingests `load`, gateway i belonging to
 * hospitals[i % n]; `serverDirs` are the data folders whose CPU is counted.
 */
export async function ingestPhase(
  url: string,
  load: ReturnType<typeof buildLoad>,
  hospitals: readonly string[],
  serverDirs: readonly string[],
  opts: { shardCount: number; historyQueries: number; log: BenchOptions['log'] },
): Promise<Phase> {
  const pool = new pg.Pool({ connectionString: url, max: load.length + 2 });
  pool.on('error', () => undefined);
  await migrate(pool, { logger: quietLogger, citusShardCount: opts.shardCount });
  await ensurePartitions(pool, { fromDay: START_MS - 3_600_000, toDay: START_MS + 12 * 3_600_000 });
  const service = await startService(url, opts.log);
  const stop = async () => {
    if (service.child.exitCode === null) {
      const exited = new Promise((r) => service.child.once('exit', r));
      service.child.kill('SIGTERM');
      await exited;
    }
    await pool.end();
  };
  try {
    const gateways = [];
    for (const [i, g] of load.entries()) {
      const { token } = await addGateway(pool, { hospitalId: hospitals[i % hospitals.length]!, wardId: g.gatewayId, gatewayId: g.gatewayId });
      gateways.push({ ...g, token });
    }
    const agents = gateways.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    for (const [i, g] of gateways.entries()) {
      const warm = await post(agents[i]!, service.base, g.token, g.warmUp);
      if (warm.status !== 200) throw new Error(`warm-up batch refused: ${warm.status} ${warm.text}`);
    }
    const total = gateways.reduce((n, g) => n + g.readings, 0);
    const latencies: number[] = [];
    let refused = 0;
    const cpuBefore = serverDirs.map((d) => clusterCpu(d));
    const started = performance.now();
    await Promise.all(
      gateways.map(async (g, i) => {
        for (const body of g.bodies) {
          const t0 = performance.now();
          const res = await post(agents[i]!, service.base, g.token, body);
          latencies.push(performance.now() - t0);
          if (res.status !== 200 || !res.text.includes('"duplicate":false')) refused += 1;
        }
      }),
    );
    const wallMs = performance.now() - started;
    const cpuMs = serverDirs.map((d, i) => clusterCpuSince(cpuBefore[i], d));
    for (const a of agents) a.destroy();
    const stored = await pool.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT (hospital_id, patient_id, metric, t, gateway_id, device_id))::int AS distinct FROM vital_data WHERE t >= $1 AND t < $2',
      [new Date(START_MS), new Date(START_MS + Math.max(...load.map((g) => g.bodies.length)) * BATCH_MS)],
    );
    const { n, distinct } = stored.rows[0]!;

    // One patient's hour, as the history route asks for it.
    const pick = await pool.query<{ hospital_id: string; patient_id: string; metric: number }>(
      "SELECT hospital_id, patient_id, metric FROM vital_data WHERE hospital_id = $1 AND patient_id <> '' AND t >= $2 LIMIT 1",
      [hospitals[0], new Date(START_MS)],
    );
    const p = pick.rows[0]!;
    const params = [p.hospital_id, p.patient_id, p.metric, new Date(START_MS), new Date(START_MS + 3_600_000)];
    const historyPlan = (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${HISTORY_SQL}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    const client = await pool.connect();
    const history: number[] = [];
    try {
      for (let i = 0; i < opts.historyQueries; i++) {
        const t0 = performance.now();
        await client.query({ text: HISTORY_SQL, values: params, name: 'history' });
        history.push(performance.now() - t0);
      }
    } finally {
      client.release();
    }
    return {
      pool,
      service,
      stop,
      result: {
        readingsPerS: (total / wallMs) * 1000,
        readings: total,
        storedOnce: refused === 0 && n === total && distinct === total,
        cpuMs,
        p95BatchMs: percentile(latencies, 95),
        historyP99Ms: percentile(history, 99),
        historyP50Ms: percentile(history, 50),
        historyPlan,
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
