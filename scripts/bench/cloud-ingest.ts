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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { decodeBatch, encodeBatch, mdcCodeOfKey, type Batch } from '@wardlink/shared';
import { addGateway, copyRows, encodeBinaryCopy, encodeTextCopy, ensurePartitions, migrate } from '@wardlink/cloud';
import { createWard } from '@wardlink/simulator';
import { dbCpuProbe, selfCpuMs, sPerMillion } from './_cloud-ingest-cpu.js';
import { WARM_UP_BATCHES, warmUpBodies } from './_cloud-ingest-warmup.js';
import { benchDatabase, quietLogger } from './_database.js';
import type { BenchFigures, BenchOptions } from './run.js';

const BEDS = 50;
export const BATCH_MS = 10_000;
// 08:00 UTC two days ago: the service takes reading times of the hot period only.
export const START_MS = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 8 * 3_600_000;
export const HOSPITAL = 'h-bench';

export interface GatewayLoad {
  gatewayId: string;
  token: string;
  /** Encoded batches, seq 2.. (seq 1 is the warm-up). */
  bodies: Buffer[];
  warmUp: Buffer;
  readings: number;
}

export function buildLoad(gateways: number, batchesEach: number): Array<Omit<GatewayLoad, 'token'> & { decoded: Batch[] }> {
  return Array.from({ length: gateways }, (_, g) => {
    const gatewayId = `gw-bench-${g + 1}`;
    const ward = createWard({ beds: BEDS, seed: 100 + g, startMs: START_MS - 3_600_000, gatewayId });
    const batch = (seq: number, from: number): Batch => ({ gatewayId, seq, createdAtMs: from + BATCH_MS + 150, alarms: [], readings: ward.readingsBetween(from, from + BATCH_MS) });
    const bodies: Buffer[] = [];
    const decoded: Batch[] = [];
    for (let i = 0; i < batchesEach; i++) {
      const body = encodeBatch(batch(i + 2, START_MS + i * BATCH_MS));
      bodies.push(body);
      decoded.push(decodeBatch(body));
    }
    const warmUp = encodeBatch(batch(1, START_MS - 3_600_000));
    return { gatewayId, bodies, decoded, warmUp, readings: decoded.reduce((n, b) => n + b.readings.length, 0) };
  });
}

async function truncate(pool: pg.Pool): Promise<void> {
  await pool.query('TRUNCATE vital_data, latest_vitals, batch_ledger, alarm_events');
  await pool.query('CHECKPOINT');
}

/** Runs `work` for every item with `concurrency` workers; returns the wall time in ms. */
export async function parallel<T>(items: readonly T[], concurrency: number, work: (item: T, worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < items.length) await work(items[next++]!, w);
    }),
  );
  return performance.now() - started;
}

async function copyCeiling(pool: pg.Pool, chunks: readonly Buffer[], format: 'binary' | 'text', sessions: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => pool.connect()));
  try {
    return await parallel(chunks, sessions, async (data, w) => void (await copyRows(clients[w]!, 'vital_data', data, format)));
  } finally {
    for (const c of clients) c.release();
  }
}

async function naiveInserts(pool: pg.Pool, batches: readonly Batch[], sample: number, sessions: number): Promise<number> {
  const rows = batches.flatMap((b) => b.readings.map((r) => ({ r, seq: b.seq }))).slice(0, sample);
  const clients = await Promise.all(Array.from({ length: sessions }, () => pool.connect()));
  try {
    const ms = await parallel(rows, sessions, async ({ r, seq }, w) => {
      await clients[w]!.query(
        `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
         VALUES (to_timestamp($1::float8 / 1000), to_timestamp($2::float8 / 1000), $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [r.deviceTimeMs, r.receivedAtMs, seq, r.value, mdcCodeOfKey(r.metric), r.flags, HOSPITAL, r.patientId ?? '', r.gatewayId, r.deviceId, r.bedId],
      );
    });
    return (rows.length / ms) * 1000;
  } finally {
    for (const c of clients) c.release();
  }
}

/**
 * Starts `wardlink-cloud serve` as a child process. CLOUD_INGEST_CPU_PROF=<folder> runs it
 * under `node --cpu-prof` (the profile is written there when it exits).
 */
export async function startService(url: string, log: BenchOptions['log']): Promise<{ child: ChildProcess; base: string }> {
  const profDir = process.env.CLOUD_INGEST_CPU_PROF?.trim();
  const profArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = spawn(process.execPath, [...profArgs, '--import', 'tsx', 'cloud/src/cli/main.ts', 'serve', '--no-lifecycle', '--port', '0', '--host', '127.0.0.1', '--json'], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\n')) resolve((JSON.parse(text.split('\n')[0]!) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`wardlink-cloud serve exited with ${code}`)));
  });
  log(`service: pid ${child.pid} at ${base}`);
  return { child, base };
}

export function post(agent: Agent, base: string, token: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/batches`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.wardlink.batch', 'content-length': body.length },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU time (user + system) of a process, in ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return 0;
  }
}

/** CPU time of each process of the embedded cluster (the postmaster and its children). */
export function clusterCpu(pgDir: string | undefined): Map<number, number> | undefined {
  if (!pgDir) return undefined;
  const postmaster = Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return new Map([postmaster, ...children].map((pid) => [pid, cpuMs(pid)]));
}

/** CPU ms the cluster spent between two snapshots (sessions that ended in between are lost). */
export function clusterCpuSince(before: Map<number, number> | undefined, pgDir: string | undefined): number {
  const after = clusterCpu(pgDir);
  if (!before || !after) return Number.NaN;
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number) => Math.round(n);
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
    const pgBefore = await dbCpu.snapshot();
    const copyClientBefore = selfCpuMs();
    const ceiling = (total / (await copyCeiling(pool, binaryRows, 'binary', clients))) * 1000;
    const copyClientCpuMs = selfCpuMs() - copyClientBefore;
    const ceilingPgCpuMs = await dbCpu.since(pgBefore);
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
    const latencies: number[] = [];
    const refused: string[] = [];
    const cloudCpuBefore = cpuMs(service.child.pid!);
    const pgCpuBefore = await dbCpu.snapshot();
    const started = performance.now();
    await Promise.all(
      loads.map(async (g, i) => {
        for (const body of g.bodies) {
          const t0 = performance.now();
          const res = await post(agents[i]!, service!.base, g.token, body);
          latencies.push(performance.now() - t0);
          if (res.status !== 200 || !res.text.includes('"duplicate":false')) refused.push(`${res.status} ${res.text.slice(0, 200)}`);
        }
      }),
    );
    const wallMs = performance.now() - started;
    const cloudCpu = cpuMs(service.child.pid!) - cloudCpuBefore;
    const servicePgCpuMs = await dbCpu.since(pgCpuBefore);
    const rssMb = peakRssMb(service.child.pid!);
    for (const a of agents) a.destroy();
    const stored = Number((await pool.query("SELECT count(*) AS n FROM vital_data WHERE t >= $1", [new Date(START_MS)])).rows[0].n);
    if (refused.length > 0) log(`${refused.length} batches were not stored: ${refused[0]}`);
    const readingsPerS = (total / wallMs) * 1000;
    log(`service: ${round(readingsPerS)} readings/s, ${stored} of ${total} readings stored, peak RSS ${rssMb} MB`);

    await truncate(pool);
    const naive = await naiveInserts(pool, decoded, naiveSample, clients);
    log(`naive: ${round(naive)} readings/s (one INSERT per reading, ${naiveSample} readings, ${clients} sessions)`);

    // CPU per million readings, each side from /proc: what the comparison with bare COPY
    // rests on when the 2 shared cores, not the design, decide the wall time.
    const serviceCpuS = sPerMillion(cloudCpu, total);
    const serviceDbCpuS = sPerMillion(servicePgCpuMs, total);
    const copyClientCpuS = sPerMillion(copyClientCpuMs, total);
    const copyDbCpuS = sPerMillion(ceilingPgCpuMs, total);
    // With every core busy, throughput goes as 1 / total CPU per reading: the best
    // ratio_vs_copy these CPU costs allow on a CPU-bound box.
    const cpuBoundRatio = (copyClientCpuS + copyDbCpuS) / (serviceCpuS + serviceDbCpuS);
    log(
      `cpu s per million readings: service ${serviceCpuS} + db ${serviceDbCpuS}; bare COPY client ${copyClientCpuS} + db ${copyDbCpuS} ` +
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
