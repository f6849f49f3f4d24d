/**
 * `pnpm bench read-path [--quick]`: the read API under live ingest (issue 17).
 *
 * The service is `wardlink-cloud serve` as a CHILD process (_read-path-service.ts), so the
 * bench's load generators do not share its event loop; they do share the machine's 2 cores.
 * Data (_read-path-data.ts): NOT 3 days of 5,000 beds as rows (~10 billion readings): a
 * sample of monitors over the 24 h before the bench's start, compacted into vital_blocks by
 * the real job (all but the current hour, as for a real patient's last 24 h),
 * and over part of the day before yesterday, archived to a local folder by the real retention job;
 * the 5,000 beds (100 simulated 50-bed wards; --quick: 10 wards) report live.
 *
 * Before the window, alone (no ingest, no streams): the latest route against its bare
 * SQL, and the service's CPU per latest and per 24 h history answer (from /proc). Then
 * the same two readers during one batch interval of the live ingest, still without
 * streams: latest alone / with ingest / in the window tells what ingest on the service's
 * one event loop costs a read, apart from the SSE fan-out.
 *
 * During one window (20 s; --quick 6 s), concurrently, all over real HTTP with
 * reader/gateway tokens:
 * - live ingest (_read-path-ingest.ts): every ward posts a 2 s batch every 2 s, a 503
 *   retried after 1 s as a gateway does (counted);
 * - latest: one patient's latest vitals (random live patient), 4 closed-loop workers;
 * - baseline: the latest route's own SQL via pg from this process, 2 workers;
 * - dashboard: the watched ward (its own hospital of 60 beds: the route is per hospital,
 *   so a ward-sized dashboard is a one-ward hospital), 2 workers;
 * - history: one sample patient, HR, the 24 h window, whole NDJSON body, 2 workers;
 * - SSE fan-out (_read-path-sse.ts): 500 streams of the watched ward's hospital; it posts a
 *   stamped batch every second; latency = received at each client - just before the POST.
 * After the window (ingest stopped): archived history (one sample patient, HR, the archived
 * day) and the archived day's daily report.
 *
 * The load generators (live ingest, the watched ward's batches, the 500 SSE clients) run
 * in a forked LOAD process (_read-path-load.ts), the timed readers here: in one process
 * the streams' ~56 MiB/s delayed the readers' event loop by 100-300 ms (p99), so the
 * figures measured the bench. Both processes' event-loop delays are figures; all three
 * processes and PostgreSQL still share the machine's 2 cores.
 * Where the time goes (_read-path-evidence.ts): the service's own read-duration histogram
 * over the window, and EXPLAIN ANALYZE of the routes' SQL (history also as a prepared
 * statement) after it. READ_PATH_CPU_PROF_DIR=<dir> profiles the service children.
 *
 * Then the split deployment (_read-path-split.ts): the single instance stopped, an ingest
 * instance and a read instance (server.role) on the same database take the same load, the
 * batches to the first, the readers and SSE clients to the second; its figures are
 * prefixed `split_`, beside the single instance's for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { METRICS } from '@wardlink/shared';
import { addReader, LATEST_FOR_PATIENT_SQL, migrate } from '@wardlink/cloud';
import { cpuMs, percentile } from './cloud-ingest.js';
import { round } from './_compaction-common.js';
import { benchDatabase, quietLogger } from './_database.js';
import { HOSPITAL, storeHistory } from './_read-path-data.js';
import { buildHospitalLoad, registerWatchedWard, warmUp } from './_read-path-ingest.js';
import { startLoadProcess, type LoadProcess } from './_read-path-load.js';
import { getTimed, httpLoop, newTimed, sqlLoop } from './_read-path-readers.js';
import { startReadPathService, serviceDataDir, type BenchService } from './_read-path-service.js';
import { checkAnswers, measureArchived } from './_read-path-checks.js';
import { explainRoutes } from './_read-path-evidence.js';
import { pct as p, runWindow } from './_read-path-window.js';
import { hitShare, runSplit } from './_read-path-split.js';
import type { BenchFigures, BenchOptions } from './run.js';

const BATCH_MS = 2_000;
/** SSE streams opened at once: all of them, as after a deploy or a network blip. They
 * share the snapshot reads under way (StreamHub's single flight) instead of each
 * reading its own and exhausting the pool, as they did when opened 25 at a time. */
const OPEN_CONCURRENCY = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Batches per gateway of the phase with ingest but without SSE streams (one batch
 * interval): the latest route then, against alone and in the window, is what ingest on
 * the service's one event loop costs the reads, apart from the SSE fan-out. */
const INGEST_PHASE_BATCHES = 1;

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const gateways = quick ? 10 : 100;
  const windowMs = quick ? 6_000 : 20_000;
  const clients = 500;
  const samplePatients = quick ? 1 : 4;
  const db = await benchDatabase(log, 'wl-bench-read-');
  const pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined);
  const workDir = mkdtempSync(join(tmpdir(), 'wl-bench-read-'));
  let service: BenchService | undefined;
  let starting: Promise<BenchService> | undefined;
  let load: LoadProcess | undefined;
  try {
    await migrate(pool, { logger: quietLogger });
    // The service starts (a few seconds of tsx) while the history is generated.
    starting = startReadPathService(db.url, { archiveDir: join(workDir, 'archive'), dataDir: serviceDataDir(workDir), streams: clients }, log);
    starting.catch(() => undefined);
    load = startLoadProcess(); // its tsx start-up, too, meanwhile
    const stored = await storeHistory(pool, { samplePatients, historyHours: quick ? 0 : 24, ...(quick ? { hrOnlyUntilHour: 24 } : {}), archivedHours: 1, workDir, log });
    const t0 = Date.now();
    // Each window's batches, and one spare: the single instance's window, then the split's.
    const windowBatches = Math.ceil(windowMs / BATCH_MS);
    const loads = await buildHospitalLoad(pool, HOSPITAL, { gateways, beds: 50, batchMs: BATCH_MS, batches: INGEST_PHASE_BATCHES + 2 * (windowBatches + 1), t0 });
    const offered = loads.reduce((n, g) => n + g.readingsPerBody.slice(INGEST_PHASE_BATCHES, INGEST_PHASE_BATCHES + windowBatches).reduce((a, b) => a + b, 0), 0) / (windowMs / 1000);
    log(`live: ${gateways} wards x 50 beds, offered ~${round(offered)} readings/s in ${BATCH_MS / 1000} s batches, built in ${round((Date.now() - t0) / 1000, 1)} s`);

    service = await starting;
    const base = service.base;
    await load.call('loads', { gateways: loads });
    const ward = await registerWatchedWard(pool);
    await load.call('ward', { base, gateway: ward, beds: 60, t0 });
    const reader = (await addReader(pool, { hospitalId: HOSPITAL, name: 'bench' })).token;
    const wardReader = (await addReader(pool, { hospitalId: ward.hospitalId, name: 'bench' })).token;
    await warmUp(base, loads);
    const seq = 2;
    await load.call('wardPost', { i: 1, secondMs: Math.floor(Date.now() / 1000) * 1000 - 1_000 });
    const livePatients = (await pool.query<{ p: string }>("SELECT DISTINCT patient_id AS p FROM latest_vitals WHERE hospital_id = $1 AND patient_id <> ''", [HOSPITAL])).rows.map((r) => r.p);
    log(`latest_vitals: ${livePatients.length} live patients of ${HOSPITAL}`);
    const checks = await checkAnswers(base, reader, wardReader, { hospitalId: HOSPITAL, patient: livePatients[0]!, samplePatient: stored.patients[0]!, from: stored.historyFrom, to: stored.historyTo, wardHospital: ward.hospitalId });
    log(`answers: ${JSON.stringify(checks)}`);

    // The latest route and its bare SQL alone (no ingest, no streams): what the load costs.
    const alone = { latest: newTimed(), bare: newTimed() };
    const aloneLoops = [
      httpLoop(base, reader, 4, (i) => `/v1/hospitals/${HOSPITAL}/patients/${encodeURIComponent(livePatients[(i * 7919) % livePatients.length]!)}/latest`, alone.latest),
      sqlLoop(pool, 2, LATEST_FOR_PATIENT_SQL, (i) => [HOSPITAL, livePatients[((i + 1) * 7919) % livePatients.length]!], alone.bare),
    ];
    const aloneCpu0 = cpuMs(service.child.pid!);
    await sleep(quick ? 2_000 : 5_000);
    await Promise.all(aloneLoops.map((l) => l.stop()));
    // The service's CPU per answer, alone: what an answer costs it whatever the machine's load.
    const cpuPerLatestMs = (cpuMs(service.child.pid!) - aloneCpu0) / Math.max(1, alone.latest.ms.length);
    const historyAlone = newTimed();
    const historyCpu0 = cpuMs(service.child.pid!);
    const histAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const histUrl = `${base}/v1/hospitals/${HOSPITAL}/patients/${encodeURIComponent(stored.patients[0]!)}/history?metric=HR&from=${stored.historyFrom.toISOString()}&to=${stored.historyTo.toISOString()}`;
    for (let i = 0; i < 2; i++) await getTimed(histAgent, histUrl, reader, historyAlone);
    histAgent.destroy();
    const cpuPerHistoryMs = (cpuMs(service.child.pid!) - historyCpu0) / 2;
    log(`alone: service CPU ${round(cpuPerLatestMs, 2)} ms per latest answer, ${round(cpuPerHistoryMs)} ms per 24 h history answer (${checks.historyRows} rows; ${historyAlone.ms.map((m) => round(m)).join(', ')} ms)`);
    log(`alone: latest p50 ${p(alone.latest, 50)} ms p99 ${p(alone.latest, 99)} ms (${alone.latest.ms.length}); bare p50 ${p(alone.bare, 50)} ms p99 ${p(alone.bare, 99)} ms (${alone.bare.ms.length})`);

    // The same readers as alone, with the live ingest (no streams yet).
    const withIngest = { latest: newTimed(), bare: newTimed() };
    await load.call('ingestStart', { base, batchMs: BATCH_MS, first: 0, end: INGEST_PHASE_BATCHES });
    const ingestLoops = [
      httpLoop(base, reader, 4, (i) => `/v1/hospitals/${HOSPITAL}/patients/${encodeURIComponent(livePatients[(i * 7919) % livePatients.length]!)}/latest`, withIngest.latest),
      sqlLoop(pool, 2, LATEST_FOR_PATIENT_SQL, (i) => [HOSPITAL, livePatients[((i + 1) * 7919) % livePatients.length]!], withIngest.bare),
    ];
    const ingestPhase = await load.call('ingestDone');
    await Promise.all(ingestLoops.map((l) => l.stop()));
    log(`with ingest alone (${round(ingestPhase.committed)} readings in ${INGEST_PHASE_BATCHES} batch interval, no streams): latest p50 ${p(withIngest.latest, 50)} ms p99 ${p(withIngest.latest, 99)} ms (${withIngest.latest.ms.length}); bare p50 ${p(withIngest.bare, 50)} ms p99 ${p(withIngest.bare, 99)} ms`);

    const openT0 = performance.now();
    const opened = await load.call('openStreams', { base, hospitalId: ward.hospitalId, token: wardReader, count: clients, concurrency: OPEN_CONCURRENCY });
    const openS = (performance.now() - openT0) / 1000;
    log(`${clients - opened.refused} SSE clients have their snapshot, ${opened.refused} refused (opened ${OPEN_CONCURRENCY} at a time) in ${round(openS, 2)} s`);

    // The window: everything at once.
    const w = await runWindow({ base, reader, wardReader, pool, db, service, load, wardHospital: ward.hospitalId, livePatients, stored, windowMs, batchMs: BATCH_MS, seq, firstBatch: INGEST_PHASE_BATCHES, log });
    const { timed, windowS, committed, missed, server, fanout } = w;
    const plans = await explainRoutes(pool, quick, { hospitalId: HOSPITAL, patient: livePatients[0]!, wardHospital: ward.hospitalId, samplePatient: stored.patients[0]!, hrCode: METRICS.HR.mdcCode, from: stored.historyFrom, to: stored.historyTo });
    for (const [route, plan] of Object.entries(plans)) log(`EXPLAIN ANALYZE ${route}: ${plan}`);
    log(`service log lines by code: ${JSON.stringify(service.logged())}`);
    const archived = await measureArchived(base, reader, { hospitalId: HOSPITAL, patients: stored.patients, from: stored.archivedFrom, to: stored.archivedTo, day: stored.archivedDay, runs: quick ? 5 : 20 });
    log(`archived: history ${JSON.stringify(archived.history)}, report ${archived.reportS} s (${archived.reportRows} rows)`);

    // The same load on a split deployment: an ingest instance and a read instance.
    await service.stop();
    const split = await runSplit({
      db,
      pool,
      load,
      archiveDir: join(workDir, 'archive'),
      dataDirs: { ingest: join(workDir, 'cloud-ingest'), read: join(workDir, 'cloud-read') },
      streams: clients,
      reader,
      wardReader,
      ward,
      livePatients,
      stored,
      windowMs,
      batchMs: BATCH_MS,
      seq: w.nextSeq,
      firstBatch: INGEST_PHASE_BATCHES + windowBatches + 1,
      aloneMs: quick ? 2_000 : 5_000,
      openConcurrency: OPEN_CONCURRENCY,
      log,
    });

    const latestP99 = p(timed.latest, 99);
    const bareP99 = p(timed.bare, 99);
    const fanP99 = fanout.latencies.length ? round(percentile(fanout.latencies, 99), 1) : null;
    const ratio = latestP99 !== null && bareP99 ? round(latestP99 / bareP99, 2) : null;
    const figures: BenchFigures = {
      latest_p99_ms: latestP99,
      dashboard_p99_ms: p(timed.dashboard, 99),
      history_24h_p99_ms: p(timed.history, 99),
      stream_fanout_p99_ms: fanP99,
      ingest_readings_per_s_during: round(committed / windowS),
      baseline_pk_lookup_p99_ms: bareP99,
      ratio_latest_vs_bare: ratio,
      archived_history_day_p99_ms: archived.history.p99,
      archived_report_day_s: archived.reportS,
      latest_p50_ms: p(timed.latest, 50),
      dashboard_p50_ms: p(timed.dashboard, 50),
      history_24h_p50_ms: p(timed.history, 50),
      stream_fanout_p50_ms: fanout.latencies.length ? round(percentile(fanout.latencies, 50), 1) : null,
      baseline_pk_lookup_p50_ms: p(timed.bare, 50),
      archived_history_day_p50_ms: archived.history.p50,
      ...split,
      met_latest: latestP99 !== null && latestP99 <= 5,
      met_dashboard: (p(timed.dashboard, 99) ?? Infinity) <= 20,
      met_history_24h: (p(timed.history, 99) ?? Infinity) <= 50,
      met_stream_fanout: (fanP99 ?? Infinity) <= 1_000 && missed === 0 && fanout.refused === 0,
      met_ratio: ratio !== null && ratio <= 2,
      met_archived_history: (archived.history.p99 ?? Infinity) <= 500,
      offered_ingest_readings_per_s: round(offered),
      ingest_failed_batches: w.ingestFailures,
      ingest_503_retries: w.ingestRetries,
      reader_errors: Object.values(timed).reduce((n, t) => n + t.errors.length, 0),
      requests_latest: timed.latest.ms.length,
      requests_dashboard: timed.dashboard.ms.length,
      requests_history: timed.history.ms.length,
      history_24h_rows: checks.historyRows,
      history_24h_body_bytes: checks.historyBytes,
      dashboard_patients: checks.dashboardPatients,
      archived_history_rows: archived.rows,
      sse_clients: clients,
      sse_deliveries: fanout.latencies.length,
      sse_missed: missed,
      sse_dropped: fanout.dropped,
      sse_refused: fanout.refused,
      sse_open_all_s: round(openS, 2),
      watched_ward_503_retries: fanout.wardRetries,
      sse_received_mib_per_s: round(w.sseMibPerS, 1),
      live_beds: gateways * 50,
      sample_patients: samplePatients,
      loaded_readings: stored.loadedReadings,
      compacted_readings: stored.compactedReadings,
      history_24h_plain_readings: stored.windowPlainReadings,
      history_24h_block_readings: stored.windowBlockReadings,
      archived_rows: stored.archivedRows,
      latest_alone_p99_ms: p(alone.latest, 99),
      latest_with_ingest_p99_ms: p(withIngest.latest, 99),
      baseline_with_ingest_p99_ms: p(withIngest.bare, 99),
      history_24h_alone_ms: historyAlone.ms.length ? round(Math.max(...historyAlone.ms)) : null,
      service_cpu_ms_per_latest: round(cpuPerLatestMs, 2),
      service_cpu_ms_per_history_24h: round(cpuPerHistoryMs),
      baseline_alone_p99_ms: p(alone.bare, 99),
      ratio_latest_vs_bare_alone: p(alone.latest, 99) !== null && p(alone.bare, 99) ? round(p(alone.latest, 99)! / p(alone.bare, 99)!, 2) : null,
      window_s: round(windowS, 1),
      server_latest_mean_ms: server['/latest']?.meanMs ?? null,
      server_dashboard_mean_ms: server['/dashboard']?.meanMs ?? null,
      server_history_mean_ms: server['/history']?.meanMs ?? null,
      latest_cache_max_hospitals: service.latestCacheMaxHospitals,
      latest_cache_hit_share: hitShare(w.cache, 'latest'),
      dashboard_cache_hit_share: hitShare(w.cache, 'dashboard'),
      bench_loop_delay_p99_ms: w.loopDelayP99Ms,
      bench_loop_delay_max_ms: w.loopDelayMaxMs,
      service_loop_delay_p99_ms: w.serviceLoopDelayP99Ms,
      service_loop_delay_max_ms: w.serviceLoopDelayMaxMs,
      load_process_loop_delay_p99_ms: w.loadLoopDelayP99Ms,
      load_process_loop_delay_max_ms: w.loadLoopDelayMaxMs,
      service_cpu_pct_of_core: w.serviceCpuPct,
      pg_cpu_pct_of_core: w.pgCpuPct,
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
      notes:
        `PROVISIONAL: a shared, heavily loaded 2-core machine. Service: child process; ingest and SSE clients: a second child (load process); readers timed in the bench process (bench_loop_delay_*). Loaded: ${samplePatients} sample monitors x the 24 h before the start (${stored.historyFrom.toISOString()} to ${stored.historyTo.toISOString()}; compacted to blocks but the current hour: history_24h_plain_readings rows, history_24h_block_readings in blocks) + 1 h of ${stored.archivedDay} (archived to a local folder); ` +
        `${gateways * 50} beds live (latest from ingest), not 3 days of 5,000 beds as rows. Dashboard and SSE on a one-ward hospital of 60 beds. Archived figures after the window, without ingest. ` +
        'split_*: the same load on two service children, serve --role ingest (batches) and --role read (readers, SSE), one database, after the single instance stopped.' +
        (quick ? ' --quick: 500 beds live, 6 s window, HR alone (1 Hz) in the 24 h history window, so its answer is the full 86,400 lines; loaded_readings counts it.' : ''),
    };
    return figures;
  } catch (err) {
    const ended = service?.exited();
    if (ended) log(`the service had ended: ${ended}`);
    throw err;
  } finally {
    const t0 = performance.now();
    service ??= await starting?.catch(() => undefined);
    await load?.stop();
    await service?.stop();
    const stopS = (performance.now() - t0) / 1000;
    await pool.end();
    await db.done();
    rmSync(workDir, { recursive: true, force: true });
    log(`teardown: service stopped in ${round(stopS, 1)} s, all in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
}
