/**
 * `pnpm bench cloud-ingest [--quick]`: pre-encoded realistic batches (the simulator's
 * 50-bed wards, 10 s per batch, one gateway per ward) POSTed by concurrent clients to
 * the real service (`wardlink-cloud serve`, a child process) on real PostgreSQL
 * (DATABASE_URL if set, else an embedded cluster with its durable default settings).
 *
 * Baselines in the same run, into the same schema, each starting from empty tables:
 * - the ceiling: the same rows as pre-built binary COPY data, COPYed by the same number
 *   of sessions, one COPY per batch (no HTTP, no decode, no ledger, no latest_vitals);
 *   the same with text COPY, for the format choice in cloud/src/ingest/copy-format.ts;
 * - the design review's "before": one autocommitted INSERT per reading, on a sample.
 *
 * CPU per million readings (_cloud-ingest-cpu.ts) of the service process and of
 * PostgreSQL, against the bare binary COPY's client and PostgreSQL: `db_cpu_ratio_vs_copy`
 * is the database work the service adds (ledger, latest_vitals, NOTIFY) over COPY alone.
 * Both sides are measured in alternating rounds on the same table, the bare COPY with one
 * session per gateway as the service loads them (the throughput ceiling above is apart).
 */
import type { ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Batch } from '@wardlink/shared';
import { addGateway, encodeBinaryCopy, encodeTextCopy, ensurePartitions, migrate } from '@wardlink/cloud';
import { copyCeiling, copyStreams, naiveInserts, truncate } from './_cloud-ingest-baselines.js';
import { dbCpuProbe, selfCpuMs, sPerMillion } from './_cloud-ingest-cpu.js';
import { BATCH_MS, BEDS, buildLoad, HOSPITAL, START_MS, type GatewayLoad } from './_cloud-ingest-load.js';
import { cpuMs, peakRssMb, threadCpuMs } from './_cloud-ingest-proc.js';
import { post, startService } from './_cloud-ingest-service.js';
import { WARM_UP_BATCHES, warmUpBodies } from './_cloud-ingest-warmup.js';
import { benchDatabase, quietLogger } from './_database.js';
import type { BenchFigures, BenchOptions } from './run.js';

// Their homes are the _cloud-ingest-* helpers beside this file; the citus, read-path and
// CPU-probe helpers import them from here.
export { BATCH_MS, buildLoad, HOSPITAL, START_MS, type GatewayLoad } from './_cloud-ingest-load.js';
export { parallel } from './_cloud-ingest-baselines.js';
export { clusterCpu, clusterCpuSince, cpuMs } from './_cloud-ingest-proc.js';
export { post, startService } from './_cloud-ingest-service.js';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number) => Math.round(n);
/** Rounds of the CPU comparison (see run). */
const CPU_ROUNDS = 3;
/** The bare COPY's hospital in the CPU rounds: as long as HOSPITAL, so rows are as wide. */
const CEILING_HOSPITAL = 'h-copy0';
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const clients = quick ? 4 : 8;
  const batchesEach = quick ? 12 : 60;
  const naiveSample = quick ? 1_000 : 10_000;
  const db = await benchDatabase(log, 'wl-bench-cloud-');
  const pool = new pg.Pool({ connectionString: db.url, max: clients + 2 });
  pool.on('error', () => undefined); // idle sessions ended by the cluster's shutdown
  let service: { child: ChildProcess; base: string } | undefined;
  try {
    await migrate(pool, { logger: quietLogger });
    await ensurePartitions(pool, { fromDay: START_MS - 3_600_000, toDay: START_MS + batchesEach * BATCH_MS });
    const built = buildLoad(clients, batchesEach);
    const total = built.reduce((n, g) => n + g.readings, 0);
    log(`load: ${clients} gateways x ${batchesEach} batches of ${BATCH_MS / 1000} s of a ${BEDS}-bed ward = ${total} readings`);

    // The Node side of the format choice: encoders on a sample, median of 5 passes.
    const decoded = built.flatMap((g) => g.decoded);
    const rowsOf = (fn: typeof encodeBinaryCopy, b: Batch) => fn(b.readings, { hospitalId: HOSPITAL, gatewayId: b.gatewayId, batchSeq: b.seq });
    const encodeRate = (fn: typeof encodeBinaryCopy) => {
      const sample = decoded.slice(0, 20);
      const n = sample.reduce((sum, b) => sum + b.readings.length, 0);
      const passes = Array.from({ length: 5 }, () => {
        const t0 = performance.now();
        for (const b of sample) rowsOf(fn, b);
        return performance.now() - t0;
      }).sort((a, b) => a - b);
      return (n / passes[2]!) * 1000;
    };
    const encodeBinaryPerS = encodeRate(encodeBinaryCopy);
    const encodeTextPerS = encodeRate(encodeTextCopy);

    // The COPY ceilings, from pre-built rows.
    await truncate(pool);
    const textRows = decoded.map((b) => rowsOf(encodeTextCopy, b));
    const textCeiling = (total / (await copyCeiling(pool, textRows, 'text', clients))) * 1000;
    textRows.length = 0;
    await truncate(pool);
    const binaryRows = decoded.map((b) => rowsOf(encodeBinaryCopy, b));
    const dbCpu = dbCpuProbe(pool, db.pgDir);
    await Promise.all(Array.from({ length: clients }, () => pool.connect())).then((cs) => cs.forEach((c) => c.release())); // the sessions exist before the snapshot
    const ceiling = (total / (await copyCeiling(pool, binaryRows, 'binary', clients))) * 1000;
    binaryRows.length = 0;
    log(`copy ceiling: binary ${round(ceiling)} readings/s, text ${round(textCeiling)} readings/s (${clients} sessions)`);
    await truncate(pool);

    // The service.
    service = await startService(db.url, log);
    const loads: GatewayLoad[] = [];
    for (const g of built) {
      const { token } = await addGateway(pool, { hospitalId: HOSPITAL, wardId: g.gatewayId, gatewayId: g.gatewayId });
      loads.push({ ...g, token });
    }
    const agents = loads.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    await Promise.all(
      loads.map(async (g, i) => {
        for (const body of [g.warmUp, ...warmUpBodies(g.gatewayId, 100 + i, BEDS, START_MS, BATCH_MS)]) {
          const warm = await post(agents[i]!, service!.base, g.token, body);
          if (warm.status !== 200) throw new Error(`warm-up batch refused: ${warm.status} ${warm.text}`);
        }
      }),
    );
    log(`service warmed up with ${1 + WARM_UP_BATCHES} batches per gateway (not measured)`);
    // The CPU comparison in rounds, each the bare COPY of a slice of every gateway's
    // batches then the service's load of the same slice: both sides meet the same
    // table and the same load from the rest of the shared box, rather than one phase
    // seconds after the other (one phase each gave db_cpu_ratio_vs_copy anywhere from
    // 0.86 to 1.73 for the same code). The bare COPY's rows are the same readings
    // under another hospital id of the same length, so they never collide with the service's.
    const copyStreamRows = built.map((g) => g.decoded.map((b) => encodeBinaryCopy(b.readings, { hospitalId: CEILING_HOSPITAL, gatewayId: b.gatewayId, batchSeq: b.seq })));
    const latencies: number[] = [];
    const refused: string[] = [];
    let wallMs = 0;
    let cloudCpu = 0;
    let copyClientCpuMs = 0;
    let ceilingPgCpuMs = 0;
    let servicePgCpuMs = 0;
    const threads = { main: 0, others: 0 };
    for (let r = 0; r < CPU_ROUNDS; r++) {
      const [from, to] = [Math.floor((r * batchesEach) / CPU_ROUNDS), Math.floor(((r + 1) * batchesEach) / CPU_ROUNDS)];
      const copyPgBefore = await dbCpu.snapshot();
      const copyClientBefore = selfCpuMs();
      await copyStreams(pool, copyStreamRows.map((rows) => rows.slice(from, to)));
      copyClientCpuMs += selfCpuMs() - copyClientBefore;
      ceilingPgCpuMs += await dbCpu.since(copyPgBefore);

      const cloudCpuBefore = cpuMs(service.child.pid!);
      const threadsBefore = threadCpuMs(service.child.pid!);
      const pgCpuBefore = await dbCpu.snapshot();
      const started = performance.now();
      await Promise.all(
        loads.map(async (g, i) => {
          for (const body of g.bodies.slice(from, to)) {
            const t0 = performance.now();
            const res = await post(agents[i]!, service!.base, g.token, body);
            latencies.push(performance.now() - t0);
            if (res.status !== 200 || !res.text.includes('"duplicate":false')) refused.push(`${res.status} ${res.text.slice(0, 200)}`);
          }
        }),
      );
      wallMs += performance.now() - started;
      cloudCpu += cpuMs(service.child.pid!) - cloudCpuBefore;
      const threadsAfter = threadCpuMs(service.child.pid!);
      threads.main += threadsAfter.main - threadsBefore.main;
      threads.others += threadsAfter.others - threadsBefore.others;
      servicePgCpuMs += await dbCpu.since(pgCpuBefore);
    }
    const rssMb = peakRssMb(service.child.pid!);
    for (const a of agents) a.destroy();
    const stored = Number((await pool.query('SELECT count(*) AS n FROM vital_data WHERE t >= $1 AND hospital_id = $2', [new Date(START_MS), HOSPITAL])).rows[0].n);
    if (refused.length > 0) log(`${refused.length} batches were not stored: ${refused[0]}`);
    const readingsPerS = (total / wallMs) * 1000;
    log(`service: ${round(readingsPerS)} readings/s, ${stored} of ${total} readings stored, peak RSS ${rssMb} MB`);

    await truncate(pool);
    const naive = await naiveInserts(pool, decoded, naiveSample, clients);
    log(`naive: ${round(naive)} readings/s (one INSERT per reading, ${naiveSample} readings, ${clients} sessions)`);

    // CPU per million readings, each side from /proc: what the comparison with bare COPY
    // rests on when the 2 shared cores, not the design, decide the wall time.
    const serviceCpuS = sPerMillion(cloudCpu, total);
    // The event loop's share, and the rest: V8's background compiler and GC threads
    // (still busy when the warm-up left code to optimize), libuv's pool.
    const serviceMainCpuS = sPerMillion(threads.main, total);
    const serviceOtherThreadsCpuS = sPerMillion(threads.others, total);
    const serviceDbCpuS = sPerMillion(servicePgCpuMs, total);
    const copyClientCpuS = sPerMillion(copyClientCpuMs, total);
    const copyDbCpuS = sPerMillion(ceilingPgCpuMs, total);
    // With every core busy, throughput goes as 1 / total CPU per reading: the best
    // ratio_vs_copy these CPU costs allow on a CPU-bound box.
    const cpuBoundRatio = (copyClientCpuS + copyDbCpuS) / (serviceCpuS + serviceDbCpuS);
    log(
      `cpu s per million readings: service ${serviceCpuS} (main thread ${serviceMainCpuS}, other threads ${serviceOtherThreadsCpuS}) + db ${serviceDbCpuS}; bare COPY client ${copyClientCpuS} + db ${copyDbCpuS} ` +
        `(db cpu from ${dbCpu.source}); load average ${loadAverage()}`,
    );

    return {
      readings_per_s: round(readingsPerS),
      copy_ceiling_readings_per_s: round(ceiling),
      ratio_vs_copy: Number((readingsPerS / ceiling).toFixed(3)),
      naive_insert_readings_per_s: round(naive),
      speedup_vs_naive: Number((readingsPerS / naive).toFixed(1)),
      p95_batch_ms: Number(percentile(latencies, 95).toFixed(1)),
      p50_batch_ms: Number(percentile(latencies, 50).toFixed(1)),
      cloud_rss_mb: rssMb,
      readings: total,
      stored_readings: stored,
      all_stored_once: stored === total && refused.length === 0,
      batches: latencies.length,
      clients,
      readings_per_batch: round(total / latencies.length),
      copy_ceiling_text_readings_per_s: round(textCeiling),
      encode_binary_rows_per_s: round(encodeBinaryPerS),
      encode_text_rows_per_s: round(encodeTextPerS),
      // CPU per 1,000 readings: where the time goes (2 cores shared by all of it).
      service_cpu_s_per_million: serviceCpuS,
      service_main_thread_cpu_s_per_million: serviceMainCpuS,
      service_other_threads_cpu_s_per_million: serviceOtherThreadsCpuS,
      service_db_cpu_s_per_million: serviceDbCpuS,
      copy_client_cpu_s_per_million: copyClientCpuS,
      copy_db_cpu_s_per_million: copyDbCpuS,
      db_cpu_ratio_vs_copy: Number((serviceDbCpuS / copyDbCpuS).toFixed(3)),
      cpu_bound_ratio_vs_copy: Number(cpuBoundRatio.toFixed(3)),
      db_cpu_source: dbCpu.source,
      load_average_1m: Number(loadAverage().split(' ')[0]),
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    };
  } finally {
    if (service && service.child.exitCode === null) {
      const exited = new Promise((r) => service!.child.once('exit', r));
      service.child.kill('SIGTERM');
      await exited;
    }
    await pool.end();
    await db.done();
  }
}
