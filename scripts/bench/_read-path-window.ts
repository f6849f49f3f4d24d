/**
 * The read-path bench's measurement window (scripts/bench/read-path.ts): live ingest, the
 * readers (latest, its bare SQL, dashboard, history) and the watched ward's stamped
 * batches for the SSE clients, all at once; with the service's own view of its read
 * latency, its CPU and PostgreSQL's (embedded cluster only), and the event-loop delay of
 * this process (the timed readers alone: their figures include it) and of the load
 * process (ingest, watched ward, SSE clients: the fan-out figure includes it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';
import { LATEST_FOR_PATIENT_SQL } from '@wardlink/cloud';
import { clusterCpu, clusterCpuSince, cpuMs, percentile } from './cloud-ingest.js';
import { round } from './_compaction-common.js';
import type { BenchDatabase } from './_database.js';
import type { StoredHistory } from './_read-path-data.js';
import { HOSPITAL } from './_read-path-data.js';
import { cacheReads, countsSince, readDurations, serverSide, serviceLoopDelay } from './_read-path-evidence.js';
import { httpLoop, newTimed, sqlLoop, type Timed } from './_read-path-readers.js';
import type { BenchService } from './_read-path-service.js';
import type { LoadProcess } from './_read-path-load.js';
import type { BenchOptions } from './run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A percentile of a route's latencies in ms; null when it had no answer. */
export const pct = (t: Timed, q: number) => (t.ms.length === 0 ? null : round(percentile(t.ms, q), 2));

export interface WindowInput {
  /** Where the readers (and the SSE clients, opened already) go. */
  base: string;
  /** Where the batches go: `base` unless the deployment is split into ingest and read
   * instances; `ingestService` is then that instance (its CPU is a figure too). */
  ingestBase?: string;
  ingestService?: BenchService;
  reader: string;
  wardReader: string;
  pool: pg.Pool;
  db: BenchDatabase;
  service: BenchService;
  /** Runs the ingest, the watched ward's batches and the SSE clients (open already). */
  load: LoadProcess;
  /** The watched ward's hospital: the dashboard's and the streams'. */
  wardHospital: string;
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

export async function runWindow({ base, ingestBase = base, ingestService, reader, wardReader, pool, db, service, load, wardHospital, livePatients, stored, windowMs, batchMs, seq, firstBatch, log }: WindowInput) {
  let second = Math.floor(Date.now() / 1000) * 1000;
  const timed = { latest: newTimed(), bare: newTimed(), dashboard: newTimed(), history: newTimed() };
  const pick = (list: string[], i: number) => list[(i * 7919) % list.length]!;
  const enc = encodeURIComponent;
  const histQuery = `metric=HR&from=${stored.historyFrom.toISOString()}&to=${stored.historyTo.toISOString()}`;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const durations0 = await readDurations(base);
  const cache0 = await cacheReads(base);
  await serviceLoopDelay(base); // resets its histogram: what follows is the window's
  const cloudCpu0 = cpuMs(service.child.pid!);
  const ingestCpu0 = ingestService ? cpuMs(ingestService.child.pid!) : 0;
  const pgCpu0 = clusterCpu(db.pgDir);
  const sseReceived0 = (await load.call('stats')).received;
  await load.call('resetLoopDelay');
  const started = performance.now();
  await load.call('ingestStart', { base: ingestBase, batchMs, first: firstBatch });
  const loops = [
    httpLoop(base, reader, 4, (i) => `/v1/hospitals/${HOSPITAL}/patients/${enc(pick(livePatients, i))}/latest`, timed.latest),
    sqlLoop(pool, 2, LATEST_FOR_PATIENT_SQL, (i) => [HOSPITAL, pick(livePatients, i + 1)], timed.bare),
    httpLoop(base, wardReader, 2, () => `/v1/hospitals/${wardHospital}/dashboard`, timed.dashboard),
    httpLoop(base, reader, 2, (i) => `/v1/hospitals/${HOSPITAL}/patients/${enc(pick(stored.patients, i))}/history?${histQuery}`, timed.history),
  ];
  try {
    while (performance.now() - started < windowMs) {
      const ended = service.exited() ?? ingestService?.exited();
      if (ended) throw new Error(`the service ended during the window: ${ended}`);
      second = Math.max(second + 1_000, Math.floor(Date.now() / 1000) * 1000);
      await load.call('wardPost', { i: seq++, secondMs: second });
      await sleep(Math.max(0, 1_000 - ((performance.now() - started) % 1_000)));
    }
  } catch (err) {
    // Nothing may keep running (or hold the pool) once the window failed.
    await load.call('close').catch(() => undefined);
    await Promise.all(loops.map((l) => l.stop()));
    throw err;
  }
  const stoppedAt = await load.call('ingestStop');
  const windowS = (performance.now() - started) / 1000;
  const committed = stoppedAt.committed;
  const atEnd = await load.call('stats');
  const sseMibPerS = (atEnd.received - sseReceived0) / 2 ** 20 / windowS;
  await Promise.all(loops.map((l) => l.stop()));
  const ingest = await load.call('ingestDone');
  loopDelay.disable();
  const serviceLoop = await serviceLoopDelay(base);
  const server = serverSide(durations0, await readDurations(base), { '/latest': '0.005', '/dashboard': '0.025', '/history': '0.05' });
  log(`service-side over the window (its read-duration histogram): ${JSON.stringify(server)}`);
  const cache = countsSince(cache0, await cacheReads(base));
  log(`latest-vitals cache answers over the window: ${JSON.stringify(cache)}`);
  log(`event-loop delay over the window: this process (the timed readers) p99 ${round(loopDelay.percentile(99) / 1e6, 1)} ms, max ${round(loopDelay.max / 1e6, 1)} ms; the load process (ingest, SSE clients) p99 ${atEnd.loopDelayP99Ms} ms, max ${atEnd.loopDelayMaxMs} ms; the service p99 ${serviceLoop.p99Ms} ms, max ${serviceLoop.maxMs} ms`);
  const cloudCpuPct = ((cpuMs(service.child.pid!) - cloudCpu0) / (windowS * 1000)) * 100;
  const ingestCpuPct = ingestService ? ((cpuMs(ingestService.child.pid!) - ingestCpu0) / (windowS * 1000)) * 100 : null;
  const pgCpuPct = (clusterCpuSince(pgCpu0, db.pgDir) / (windowS * 1000)) * 100;
  await sleep(1_500); // the last stamped batch's events
  const fanout = await load.call('stats');
  const missed = fanout.missed;
  await load.call('close');
  for (const [name, t] of Object.entries(timed)) log(`${name}: ${t.ms.length} answers, p50 ${pct(t, 50)} ms, p99 ${pct(t, 99)} ms, ${t.errors.length} errors${t.errors[0] ? ` (${t.errors[0]})` : ''}`);
  log(`fan-out: ${fanout.latencies.length} deliveries, ${missed} missed, ${fanout.dropped} dropped; ingest ${round(committed / windowS)} readings/s committed, ${ingest.failures} failed batches, ${ingest.retries} 503s retried${ingest.firstFailure ? ` (${ingest.firstFailure})` : ''}`);
  log(`cpu over the window: service ${round(cloudCpuPct)} %${ingestCpuPct === null ? '' : `, ingest service ${round(ingestCpuPct)} %`}, PostgreSQL ${Number.isNaN(pgCpuPct) ? 'n/a (external server)' : `${round(pgCpuPct)} %`} of one core`);

  return {
    timed,
    /** The watched ward's next batch sequence number. */
    nextSeq: seq,
    windowS,
    committed,
    missed,
    server,
    sseMibPerS,
    /** Batches still refused (503) when the window ended: not committed within it. */
    /** The SSE clients' figures once the last batch's events were in. */
    fanout,
    /** The latest-vitals cache's answers by route and result over the window. */
    cache,
    ingestFailures: ingest.failures,
    ingestRetries: ingest.retries,
    loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 1),
    loopDelayMaxMs: round(loopDelay.max / 1e6, 1),
    serviceLoopDelayP99Ms: serviceLoop.p99Ms,
    serviceLoopDelayMaxMs: serviceLoop.maxMs,
    loadLoopDelayP99Ms: atEnd.loopDelayP99Ms,
    loadLoopDelayMaxMs: atEnd.loopDelayMaxMs,
    serviceCpuPct: round(cloudCpuPct),
    ingestServiceCpuPct: ingestCpuPct === null ? null : round(ingestCpuPct),
    pgCpuPct: Number.isNaN(pgCpuPct) ? null : round(pgCpuPct),
  };
}
