/**
 * The read-path bench's measurement window (scripts/bench/read-path.ts): live ingest, the
 * readers (latest, its bare SQL, dashboard, history) and the watched ward's stamped
 * batches for the SSE clients, all at once; with the service's own view of its read
 * latency, its CPU and PostgreSQL's (embedded cluster only), and this process's event-loop
 * delay (it runs every client, so its delay is in every figure measured here).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';
import { LATEST_FOR_PATIENT_SQL } from '@wardlink/cloud';
import { clusterCpu, clusterCpuSince, cpuMs, percentile } from './cloud-ingest.js';
import { round } from './_compaction-common.js';
import type { BenchDatabase } from './_database.js';
import type { StoredHistory } from './_read-path-data.js';
import { HOSPITAL } from './_read-path-data.js';
import { readDurations, serverSide } from './_read-path-evidence.js';
import { runPacedIngest, type PacedGateway, type WatchedWard } from './_read-path-ingest.js';
import { httpLoop, newTimed, sqlLoop, type Timed } from './_read-path-readers.js';
import type { BenchService } from './_read-path-service.js';
import type { Fanout } from './_read-path-sse.js';
import type { BenchOptions } from './run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A percentile of a route's latencies in ms; null when it had no answer. */
export const pct = (t: Timed, q: number) => (t.ms.length === 0 ? null : round(percentile(t.ms, q), 2));

export interface WindowInput {
  base: string;
  reader: string;
  wardReader: string;
  pool: pg.Pool;
  db: BenchDatabase;
  service: BenchService;
  loads: PacedGateway[];
  ward: WatchedWard;
  fanout: Fanout;
  livePatients: string[];
  stored: StoredHistory;
  windowMs: number;
  batchMs: number;
  /** The watched ward's next batch sequence number. */
  seq: number;
  /** The index of each gateway's first batch of the window (those before went earlier). */
  firstBatch: number;
  log: BenchOptions['log'];
}

export async function runWindow({ base, reader, wardReader, pool, db, service, loads, ward, fanout, livePatients, stored, windowMs, batchMs, seq, firstBatch, log }: WindowInput) {
  let second = Math.floor(Date.now() / 1000) * 1000;
  const timed = { latest: newTimed(), bare: newTimed(), dashboard: newTimed(), history: newTimed() };
  const pick = (list: string[], i: number) => list[(i * 7919) % list.length]!;
  const enc = encodeURIComponent;
  const histQuery = `metric=HR&from=${stored.historyFrom.toISOString()}&to=${stored.historyTo.toISOString()}`;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const durations0 = await readDurations(base);
  const cloudCpu0 = cpuMs(service.child.pid!);
  const pgCpu0 = clusterCpu(db.pgDir);
  const sseReceived0 = fanout.received();
  const started = performance.now();
  const ingest = runPacedIngest(base, loads, batchMs, firstBatch);
  const loops = [
    httpLoop(base, reader, 4, (i) => `/v1/hospitals/${HOSPITAL}/patients/${enc(pick(livePatients, i))}/latest`, timed.latest),
    sqlLoop(pool, 2, LATEST_FOR_PATIENT_SQL, (i) => [HOSPITAL, pick(livePatients, i + 1)], timed.bare),
    httpLoop(base, wardReader, 2, () => `/v1/hospitals/${ward.hospitalId}/dashboard`, timed.dashboard),
    httpLoop(base, reader, 2, (i) => `/v1/hospitals/${HOSPITAL}/patients/${enc(pick(stored.patients, i))}/history?${histQuery}`, timed.history),
  ];
  try {
    while (performance.now() - started < windowMs) {
      const ended = service.exited();
      if (ended) throw new Error(`the service ended during the window: ${ended}`);
      second = Math.max(second + 1_000, Math.floor(Date.now() / 1000) * 1000);
      await ward.postStamped(seq++, second, (marker) => fanout.sent(marker, performance.now()));
      await sleep(Math.max(0, 1_000 - ((performance.now() - started) % 1_000)));
    }
  } catch (err) {
    // Nothing may keep running (or hold the pool) once the window failed.
    ingest.stop();
    fanout.close();
    ward.close();
    await Promise.all(loops.map((l) => l.stop()));
    throw err;
  }
  ingest.stop();
  const windowS = (performance.now() - started) / 1000;
  const committed = ingest.committed();
  const sseMibPerS = (fanout.received() - sseReceived0) / 2 ** 20 / windowS;
  await Promise.all(loops.map((l) => l.stop()));
  await ingest.done;
  loopDelay.disable();
  const server = serverSide(durations0, await readDurations(base), { '/latest': '0.005', '/dashboard': '0.025', '/history': '0.05' });
  log(`service-side over the window (its read-duration histogram): ${JSON.stringify(server)}`);
  log(`this process's event-loop delay over the window: p99 ${round(loopDelay.percentile(99) / 1e6, 1)} ms, max ${round(loopDelay.max / 1e6, 1)} ms (it runs every client)`);
  const cloudCpuPct = ((cpuMs(service.child.pid!) - cloudCpu0) / (windowS * 1000)) * 100;
  const pgCpuPct = (clusterCpuSince(pgCpu0, db.pgDir) / (windowS * 1000)) * 100;
  await sleep(1_500); // the last stamped batch's events
  const missed = fanout.missed();
  fanout.close();
  ward.close();
  for (const [name, t] of Object.entries(timed)) log(`${name}: ${t.ms.length} answers, p50 ${pct(t, 50)} ms, p99 ${pct(t, 99)} ms, ${t.errors.length} errors${t.errors[0] ? ` (${t.errors[0]})` : ''}`);
  log(`fan-out: ${fanout.latencies.length} deliveries, ${missed} missed, ${fanout.dropped()} dropped; ingest ${round(committed / windowS)} readings/s committed, ${ingest.failures.length} failed batches, ${ingest.retries()} 503s retried${ingest.failures[0] ? ` (${ingest.failures[0]})` : ''}`);
  log(`cpu over the window: service ${round(cloudCpuPct)} %, PostgreSQL ${Number.isNaN(pgCpuPct) ? 'n/a (external server)' : `${round(pgCpuPct)} %`} of one core`);

  return {
    timed,
    windowS,
    committed,
    missed,
    server,
    sseMibPerS,
    /** Batches still refused (503) when the window ended: not committed within it. */
    ingestFailures: ingest.failures.length,
    ingestRetries: ingest.retries(),
    loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 1),
    serviceCpuPct: round(cloudCpuPct),
    pgCpuPct: Number.isNaN(pgCpuPct) ? null : round(pgCpuPct),
  };
}
