/**
 * The read-path bench's second deployment (scripts/bench/read-path.ts): the same data and
 * load against TWO service child processes on the one database, `serve --role ingest`
 * (every batch) and `serve --role read` (the readers and the 500 SSE clients), as a
 * hospital runs read instances beside ingest instances (docs/cloud-api.md, "Instance
 * roles"). The read instance's cache and streams hear the ingest instance's batches
 * through LISTEN/NOTIFY. Its figures are the single instance's, prefixed `split_`.
 */
import type pg from 'pg';
import { LATEST_FOR_PATIENT_SQL } from '@wardlink/cloud';
import { cpuMs, percentile } from './cloud-ingest.js';
import { round } from './_compaction-common.js';
import type { BenchDatabase } from './_database.js';
import { HOSPITAL, type StoredHistory } from './_read-path-data.js';
import type { WatchedWardGateway } from './_read-path-ingest.js';
import type { LoadProcess } from './_read-path-load.js';
import { httpLoop, newTimed, sqlLoop } from './_read-path-readers.js';
import { startReadPathService, type BenchService } from './_read-path-service.js';
import { pct as p, runWindow } from './_read-path-window.js';
import type { BenchFigures, BenchOptions } from './run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SplitInput {
  db: BenchDatabase;
  pool: pg.Pool;
  load: LoadProcess;
  archiveDir: string;
  /** Data folders of the two instances (each writes its runtime files there). */
  dataDirs: { ingest: string; read: string };
  streams: number;
  reader: string;
  wardReader: string;
  ward: WatchedWardGateway;
  livePatients: string[];
  stored: StoredHistory;
  windowMs: number;
  batchMs: number;
  /** The watched ward's next batch sequence number, and the gateways' next batch index. */
  seq: number;
  firstBatch: number;
  aloneMs: number;
  openConcurrency: number;
  log: BenchOptions['log'];
}

export async function runSplit(input: SplitInput): Promise<BenchFigures> {
  const { db, pool, load, log } = input;
  let ingest: BenchService | undefined;
  let read: BenchService | undefined;
  try {
    [ingest, read] = await Promise.all([
      startReadPathService(db.url, { archiveDir: input.archiveDir, dataDir: input.dataDirs.ingest, streams: input.streams, role: 'ingest' }, log),
      startReadPathService(db.url, { archiveDir: input.archiveDir, dataDir: input.dataDirs.read, streams: input.streams, role: 'read' }, log),
    ]);
    const latestPath = (i: number) => `/v1/hospitals/${HOSPITAL}/patients/${encodeURIComponent(input.livePatients[(i * 7919) % input.livePatients.length]!)}/latest`;
    // The read instance's cache is trusted once its first heartbeat came back: wait for a hit.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(read.base + latestPath(i), { headers: { authorization: `Bearer ${input.reader}` } });
      await res.text();
      if (res.headers.get('x-wardlink-latest-cache') === 'hit') break;
      await sleep(100);
    }

    // A fresh process compiles and optimizes as it goes: warm it as the single instance
    // was warmed by the phases before its own (untimed, uncounted).
    const warm = httpLoop(read.base, input.reader, 4, latestPath, newTimed());
    await sleep(1_000);
    await warm.stop();

    const alone = { latest: newTimed(), bare: newTimed() };
    const loops = [
      httpLoop(read.base, input.reader, 4, latestPath, alone.latest),
      sqlLoop(pool, 2, LATEST_FOR_PATIENT_SQL, (i) => [HOSPITAL, input.livePatients[((i + 1) * 7919) % input.livePatients.length]!], alone.bare),
    ];
    const cpu0 = cpuMs(read.child.pid!);
    await sleep(input.aloneMs);
    await Promise.all(loops.map((l) => l.stop()));
    const cpuPerLatestMs = (cpuMs(read.child.pid!) - cpu0) / Math.max(1, alone.latest.ms.length);
    log(`split, alone: read instance CPU ${round(cpuPerLatestMs, 2)} ms per latest answer; latest p50 ${p(alone.latest, 50)} ms p99 ${p(alone.latest, 99)} ms (${alone.latest.ms.length})`);

    await load.call('ward', { base: ingest.base, gateway: input.ward, beds: 60, t0: Date.now() });
    const opened = await load.call('openStreams', { base: read.base, hospitalId: input.ward.hospitalId, token: input.wardReader, count: input.streams, concurrency: input.openConcurrency });
    log(`split: ${input.streams - opened.refused} SSE clients on the read instance have their snapshot, ${opened.refused} refused`);
    const w = await runWindow({
      base: read.base,
      ingestBase: ingest.base,
      ingestService: ingest,
      reader: input.reader,
      wardReader: input.wardReader,
      pool,
      db,
      service: read,
      load,
      wardHospital: input.ward.hospitalId,
      livePatients: input.livePatients,
      stored: input.stored,
      windowMs: input.windowMs,
      batchMs: input.batchMs,
      seq: input.seq,
      firstBatch: input.firstBatch,
      log: (m) => log(`split: ${m}`),
    });
    log(`split: read instance log lines by code: ${JSON.stringify(read.logged())}; ingest instance: ${JSON.stringify(ingest.logged())}`);
    const latestP99 = p(w.timed.latest, 99);
    const fanP99 = w.fanout.latencies.length ? round(percentile(w.fanout.latencies, 99), 1) : null;
    return {
      split_latest_p99_ms: latestP99,
      split_dashboard_p99_ms: p(w.timed.dashboard, 99),
      split_history_24h_p99_ms: p(w.timed.history, 99),
      split_stream_fanout_p99_ms: fanP99,
      split_baseline_pk_lookup_p99_ms: p(w.timed.bare, 99),
      split_latest_p50_ms: p(w.timed.latest, 50),
      split_dashboard_p50_ms: p(w.timed.dashboard, 50),
      split_history_24h_p50_ms: p(w.timed.history, 50),
      split_stream_fanout_p50_ms: w.fanout.latencies.length ? round(percentile(w.fanout.latencies, 50), 1) : null,
      split_met_latest: latestP99 !== null && latestP99 <= 5,
      split_met_dashboard: (p(w.timed.dashboard, 99) ?? Infinity) <= 20,
      split_met_history_24h: (p(w.timed.history, 99) ?? Infinity) <= 50,
      split_met_stream_fanout: (fanP99 ?? Infinity) <= 1_000 && w.missed === 0 && w.fanout.refused === 0,
      split_ingest_readings_per_s_during: round(w.committed / w.windowS),
      split_ingest_failed_batches: w.ingestFailures,
      split_ingest_503_retries: w.ingestRetries,
      split_reader_errors: Object.values(w.timed).reduce((n, t) => n + t.errors.length, 0),
      split_requests_latest: w.timed.latest.ms.length,
      split_requests_dashboard: w.timed.dashboard.ms.length,
      split_requests_history: w.timed.history.ms.length,
      split_sse_deliveries: w.fanout.latencies.length,
      split_sse_missed: w.missed,
      split_sse_refused: w.fanout.refused,
      split_latest_alone_p99_ms: p(alone.latest, 99),
      split_read_service_cpu_ms_per_latest: round(cpuPerLatestMs, 2),
      split_server_latest_mean_ms: w.server['/latest']?.meanMs ?? null,
      split_server_dashboard_mean_ms: w.server['/dashboard']?.meanMs ?? null,
      split_server_history_mean_ms: w.server['/history']?.meanMs ?? null,
      split_latest_cache_hit_share: hitShare(w.cache, 'latest'),
      split_dashboard_cache_hit_share: hitShare(w.cache, 'dashboard'),
      split_read_service_loop_delay_p99_ms: w.serviceLoopDelayP99Ms,
      split_read_service_loop_delay_max_ms: w.serviceLoopDelayMaxMs,
      split_bench_loop_delay_p99_ms: w.loopDelayP99Ms,
      split_load_process_loop_delay_p99_ms: w.loadLoopDelayP99Ms,
      split_read_service_cpu_pct_of_core: w.serviceCpuPct,
      split_ingest_service_cpu_pct_of_core: w.ingestServiceCpuPct,
      split_pg_cpu_pct_of_core: w.pgCpuPct,
      split_window_s: round(w.windowS, 1),
    };
  } finally {
    await Promise.all([ingest?.stop(), read?.stop()]);
  }
}

/** The share of a route's answers over the window that the latest-vitals cache gave
 * without waiting for the database (null: the cache is off). */
export function hitShare(cache: Record<string, number>, route: string): number | null {
  const n = ['hit', 'miss', 'bypass'].reduce((s, r) => s + (cache[`${route}_${r}`] ?? 0), 0);
  return n === 0 ? null : round((cache[`${route}_hit`] ?? 0) / n, 2);
}
