/**
 * `pnpm bench compaction [--quick]`: the compaction job (cloud/src/lifecycle/compaction)
 * on real PostgreSQL (DATABASE_URL if set, else an embedded cluster with its durable
 * default settings), while a loader-like COPY load writes the current hour.
 *
 * Data, generated in SQL: a ward mix of bedside monitors, one patient each, 20 beds per
 * gateway, over closed hours of yesterday (08:00Z on): HR, PR, SpO2, RR, PI and TEMP at
 * 1 Hz on whole device seconds, NIBP systolic/diastolic/mean every 15 min. Values at
 * monitor resolution (integers; TEMP and PI in steps of 0.1), wandering as the simulator's
 * physiology does (baseline, smooth value noise, per-second jitter); received_at = t +
 * a per-device offset (-500..2500 ms) + 0..20 ms of jitter; batch_seq: one batch per
 * gateway every 5 s of receive time; probe-off minutes now and then (SpO2, PR and PI
 * read -999 flagged SENSOR_OFF | INVALID, as the simulator sends them); one gap of 2-15
 * minutes in about a fifth of the monitors. Rows go in in receive order (5 s batches of
 * every gateway), as ingest writes them. 20 monitors x 2 h with --quick, 200 x 3 h else.
 *
 * Figures (all from the same run):
 * - row_bytes_per_reading: the day's vital_data partition (heap + index + TOAST, after
 *   VACUUM ANALYZE) / readings; compact_bytes_per_reading: the same of its vital_blocks
 *   partition after the job, and compact_array_bytes_per_reading_<column>: the stored
 *   (compressed) size of each array column / readings;
 * - compaction_readings_per_s: readings / wall time of runCompaction, without the
 *   reclaim of the emptied past day (VACUUM at autovacuum's pace, REINDEX), which runs
 *   once per day, not per hour: it is reclaim_s, and compaction_readings_per_s_with_reclaim
 *   counts it in; compaction_cpu_us_per_reading: this process's CPU
 *   over the job, net of the live load's client CPU (measured alone beforehand), per
 *   reading; compaction_pg_cpu_us_per_reading: the job's PostgreSQL backends' CPU, from
 *   /proc (null when the server is not on this host); compaction_wal_bytes_per_reading:
 *   the WAL written during the job (insert position), net of the live load's (its WAL per
 *   batch measured alone, times the batches during the job), per reading;
 *   compaction_wal_compression: what the job set (wal-compression.ts);
 * - max_ingest_stall_ms: the slowest live batch during the job minus the batch p50 of the
 *   same load alone; ingest_commit_*: the COMMIT of the live batches alone, i.e. the wait
 *   for the WAL before it to be flushed (the part of a stall that comes from the job's
 *   WAL rather than from the CPU both share). The load: one session, a 2,000-reading
 *   batch of other monitors' "now" readings every 100 ms, each in one transaction as the
 *   loader's staged path does (temp stage table, COPY, INSERT ... ON CONFLICT DO NOTHING);
 * - history_day_{row,compact}_p99_ms: HISTORY_SQL (one patient, HR, one whole day) on the
 *   rows before the job and on the blocks after it, across patients after a warm-up;
 *   each patient must read back the same number of readings;
 * - projected_hot_90d_tb_5000_devices: 5,000 monitors of this mix over 90 days: compacted,
 *   except the last 2 h 10 min as rows (capacity.ts rowHours), against all rows;
 * - correct: per (patient, metric), count, sums and an md5 of every column of every
 *   reading over both tiers (vital_readings_of_hospital) after the job equal those of the
 *   rows before it.
 * Diagnostics beside them: the job's time by unit step (from its hook, which only
 * records), the step and the sessions' activity (pg_stat_activity sampled every 25 ms)
 * during the slowest live batches, and the longest event loop block.
 *
 * This file runs the bench and makes the figures; its parts are in _compaction-data.ts (the
 * ward mix and its loading), _compaction-live-load.ts, _compaction-queries.ts (fingerprint,
 * history runs, sizes), _compaction-diagnostics.ts and _compaction-common.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { systemClock, type Clock } from '@wardlink/shared';
import { createLifecycleContext, DEFAULT_SETTINGS, ensurePartitions, LocalFolderArchiveStore, migrate, runCompaction, type CompactionResult } from '@wardlink/cloud';
import { HOSPITAL, percentile, round, sleep } from './_compaction-common.js';
import { loadWard } from './_compaction-data.js';
import { backendsCpu, checkpoints, nodeCpuUs, overlappedSteps, sampleActivity, sessionsDuring, stepAt, stepShares, walInsertBytes, watchLoopBlocks, type JobStep } from './_compaction-diagnostics.js';
import { LIVE_BATCH_ROWS, startLiveLoad, type BatchTiming, type LiveLoad } from './_compaction-live-load.js';
import { ARRAY_COLUMNS, blockPartitionSizes, fingerprint, historyRuns, totals } from './_compaction-queries.js';
import { benchDatabase, quietLogger } from './_database.js';
import type { BenchFigures, BenchOptions } from './run.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Units compacted at once: the service's default (retention.compactionConcurrency); COMPACTION_CONCURRENCY overrides, to compare. */
const CONCURRENCY = unitsAtOnce(process.env.COMPACTION_CONCURRENCY);

function unitsAtOnce(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_SETTINGS.compactionConcurrency;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`COMPACTION_CONCURRENCY must be a whole number of units, at least 1 (got ${JSON.stringify(text)})`);
  return n;
}

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const deviceCount = quick ? 20 : 200;
  const hours = quick ? 2 : 3;
  const baselineMs = quick ? 2_000 : 15_000;
  const db = await benchDatabase(log, 'wl-bench-compaction-');
  const pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined);
  // The job's own pool: its backends' pids, for their CPU (connections are kept open).
  const jobPool = new pg.Pool({ connectionString: db.url, max: 4, idleTimeoutMillis: 0 });
  jobPool.on('error', () => undefined);
  const jobPids = new Set<number>();
  jobPool.on('connect', (c) => {
    c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then(
      (r) => jobPids.add(r.rows[0]!.pid),
      () => undefined,
    );
  });
  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-compaction-'));
  let live: LiveLoad | undefined;
  try {
    await migrate(pool, { logger: quietLogger });
    await pool.query("INSERT INTO hospitals (hospital_id, name) VALUES ($1, 'Bench General')", [HOSPITAL]);
    const startedAt = Date.now();
    const today = Math.floor(startedAt / DAY_MS);
    const day = today - 1;
    const iso = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
    const dayStart = new Date(day * DAY_MS);
    const dayEnd = new Date((day + 1) * DAY_MS);
    const rowPartition = `vital_data_p${iso(day).replaceAll('-', '')}`;
    const blockPartition = `vital_blocks_p${iso(day).replaceAll('-', '')}`;
    await ensurePartitions(pool, { fromDay: iso(day), toDay: iso(day) });
    await ensurePartitions(pool, { fromDay: iso(today), toDay: iso(today + 1) });

    // 1. The ward's closed hours of yesterday, from 08:00Z.
    const { patients, loaded, loadS, rowSizes } = await loadWard(pool, { deviceCount, hours, dayStart, rowPartition, log });
    const rowBytes = rowSizes.total;

    // 2. Before: fingerprint and history on rows.
    let t0 = performance.now();
    const before = await fingerprint(pool, patients, dayStart, dayEnd);
    const beforeTotals = totals(before);
    log(`fingerprint of the rows: ${before.size} (patient, metric) series, ${beforeTotals.readings} readings, in ${round((performance.now() - t0) / 1000, 1)} s`);
    if (beforeTotals.readings !== loaded) throw new Error(`fingerprint counted ${beforeTotals.readings} readings, ${loaded} were loaded`);
    const historyRow = await historyRuns(pool, patients, dayStart, dayEnd);
    log(`history (HR, one day) on rows: p50 ${round(percentile(historyRow.ms, 50), 1)} ms, p99 ${round(percentile(historyRow.ms, 99), 1)} ms over ${historyRow.ms.length} runs`);

    // 3. The live load alone, then the job while it runs.
    live = await startLiveLoad(db.url);
    await sleep(quick ? 500 : 1_000);
    const baseStart = performance.now();
    const baseCpu0 = nodeCpuUs();
    const baseWal0 = await walInsertBytes(pool);
    await sleep(baselineMs);
    const baseCpuRate = (nodeCpuUs() - baseCpu0) / (performance.now() - baseStart); // µs per ms
    const baseWal = (await walInsertBytes(pool)) - baseWal0;
    const baselineBatches = live.timings.filter((b) => b.start >= baseStart);
    const baseline = baselineBatches.map((b) => b.ms);
    const liveWalPerBatch = baseWal / baselineBatches.length;
    log(`live load alone for ${baselineMs / 1000} s: ${baseline.length} batches of ${LIVE_BATCH_ROWS}, p50 ${round(percentile(baseline, 50), 1)} ms, max ${round(Math.max(...baseline), 1)} ms`);

    // Each unit's steps, timed (the hook only records), to name what a slow batch overlapped;
    // 'units-listed': the job's SELECT DISTINCT of a partition's patients is done.
    const steps: JobStep[] = [];
    // A pinned "now": the cutoff cannot move past the live rows while the job runs.
    const clock: Clock = { ...systemClock, now: () => startedAt };
    const ctx = createLifecycleContext({
      pool: jobPool,
      logger: quietLogger,
      clock,
      store: new LocalFolderArchiveStore(join(dir, 'archive')),
      stagingDir: join(dir, 'staging'),
      progress: (e) => {
        if (e.job !== 'compaction' || e.step !== 'units') return;
        if (e.done === 0) steps.push({ at: performance.now(), step: 'units-listed', patient: '-' });
        else log(`compacting ${e.subject}: ${e.done} units, ${e.rows} readings`);
      },
    });
    await Promise.all([0, 1, 2].map(async () => jobPool.connect())).then((cs) => cs.forEach((c) => c.release()));
    await sleep(50);
    const pgCpu = backendsCpu(jobPids);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const checkpoints0 = await checkpoints(pool);
    const loopBlocks = watchLoopBlocks();
    const activity = sampleActivity(pool, 25);
    const wal0 = await walInsertBytes(pool);
    const cpu0 = nodeCpuUs();
    const jobStart = performance.now();
    const outcome = await runCompaction(ctx, { concurrency: CONCURRENCY, hook: (step, unit) => void steps.push({ at: performance.now(), step, patient: unit.patientId }) });
    const jobEnd = performance.now();
    const cpuUs = nodeCpuUs() - cpu0;
    const walBytes = (await walInsertBytes(pool)) - wal0;
    const longestBlock = loopBlocks.stop();
    await activity.stop();
    loop.disable();
    const pgCpuUs = pgCpu.since();
    const livePid = live.pid;
    await sleep(300);
    await live.stop();
    const duringBatches = live.timings.filter((b) => b.end > jobStart && b.start < jobEnd);
    const during = duringBatches.map((b) => b.ms);
    live = undefined;
    const checkpointsDuring = (await checkpoints(pool)) - checkpoints0;
    const stepShare = stepShares(steps, jobStart, jobEnd);
    const worst = duringBatches.reduce((a, b) => (b.ms > a.ms ? b : a), duringBatches[0]!);
    const overlapped = (b: BatchTiming) => overlappedSteps(steps, b);
    const sessions = (b: BatchTiming) => sessionsDuring(activity.samples, jobPids, livePid, b);
    if (!outcome.ran) throw new Error('the compaction job did not run (its lock was held)');
    const job: CompactionResult = outcome.value;
    const jobMs = jobEnd - jobStart;
    log(`compaction: ${job.readings} readings, ${job.units} units (${job.failedUnits} failed), ${job.blocksWritten} blocks, ${job.duplicates} duplicates, in ${round(jobMs / 1000, 2)} s (${round(job.readings / (jobMs / 1000))} readings/s)`);
    log(`job time by unit step: ${stepShare}; ${checkpointsDuring} checkpoints during the job`);
    log(`live load during the job: ${during.length} batches, p50 ${round(percentile(during, 50), 1)} ms, p99 ${round(percentile(during, 99), 1)} ms, max ${round(worst.ms, 1)} ms (${overlapped(worst)}; ${sessions(worst)})`);
    for (const b of duringBatches.filter((x) => x.ms >= 150 && x !== worst).slice(0, 5)) log(`  also ${round(b.ms)} ms: ${overlapped(b)}; ${sessions(b)}`);
    const blockedIn = stepAt(steps, longestBlock.at);
    log(`longest event loop block: ~${round(longestBlock.ms)} ms, in step ${blockedIn}`);

    // 4. After: sizes, fingerprint, history on blocks.
    const rowsLeft = Number((await pool.query(`SELECT count(*)::int AS n FROM "${rowPartition}"`)).rows[0].n);
    const { sizes, columns } = await blockPartitionSizes(pool, blockPartition);
    const readings = job.readings;
    log(`blocks: ${sizes.blocks} holding ${sizes.readings} readings, ${round(sizes.total / 2 ** 20, 1)} MiB (heap ${round(sizes.heap / 2 ** 20, 1)}, TOAST ${round(sizes.toast / 2 ** 20, 1)}, index ${round(sizes.index / 2 ** 20, 1)}), ${round(sizes.total / readings, 3)} B/reading; ${rowsLeft} rows left in ${rowPartition}`);
    t0 = performance.now();
    const after = await fingerprint(pool, patients, dayStart, dayEnd);
    const afterTotals = totals(after);
    log(`fingerprint of both tiers: ${after.size} series, ${afterTotals.readings} readings, in ${round((performance.now() - t0) / 1000, 1)} s`);
    const differing = [...new Set([...before.keys(), ...after.keys()])].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)));
    const correct = differing.length === 0 && readings === loaded && rowsLeft === 0 && job.failedUnits === 0;
    if (!correct) {
      log(`!!! NOT LOSSLESS: ${differing.length} of ${before.size} series differ (e.g. ${differing.slice(0, 3).join(', ')}); compacted ${readings} of ${loaded}, ${rowsLeft} rows left, ${job.failedUnits} failed units`);
      for (const k of differing.slice(0, 3)) log(`  ${k}: before ${JSON.stringify(before.get(k))} after ${JSON.stringify(after.get(k))}`);
    }
    const historyCompact = await historyRuns(pool, patients, dayStart, dayEnd);
    log(`history (HR, one day) on blocks: p50 ${round(percentile(historyCompact.ms, 50), 1)} ms, p99 ${round(percentile(historyCompact.ms, 99), 1)} ms over ${historyCompact.ms.length} runs`);
    for (const [patient, n] of historyRow.counts) {
      const m = historyCompact.counts.get(patient);
      if (m !== undefined && m !== n) throw new Error(`HISTORY of ${patient} (HR, one day) returned ${n} rows on rows but ${m} after compaction`);
    }

    // 5. Figures.
    const rowBpr = rowBytes / loaded;
    const compactBpr = sizes.total / readings;
    const perDevicePerDay = (loaded / deviceCount / hours) * 24;
    const rowHours = 2 + DEFAULT_SETTINGS.compactAfterMs / HOUR_MS;
    const perDay5000 = 5_000 * perDevicePerDay;
    const projected = (perDay5000 * (rowHours / 24) * rowBpr + perDay5000 * (90 - rowHours / 24) * compactBpr) / 1e12;
    const projectedRows = (perDay5000 * 90 * rowBpr) / 1e12;
    const baseP50 = percentile(baseline, 50);
    const duringMax = Math.max(...during);
    const rowP99 = percentile(historyRow.ms, 99);
    const compactP99 = percentile(historyCompact.ms, 99);
    const figures: BenchFigures = {
      readings,
      correct,
      row_bytes_per_reading: round(rowBpr, 1),
      row_heap_bytes_per_reading: round(rowSizes.heap / loaded, 1),
      row_index_bytes_per_reading: round(rowSizes.index / loaded, 1),
      compact_bytes_per_reading: round(compactBpr, 3),
      compaction_readings_per_s: round(readings / ((jobMs - job.reclaimMs) / 1000)),
      compaction_readings_per_s_with_reclaim: round(readings / (jobMs / 1000)),
      reclaim_s: round(job.reclaimMs / 1000, 2),
      compaction_cpu_us_per_reading: round((cpuUs - baseCpuRate * jobMs) / readings, 3),
      compaction_cpu_us_per_reading_raw: round(cpuUs / readings, 3),
      compaction_pg_cpu_us_per_reading: pgCpuUs === null ? null : round(pgCpuUs / readings, 3),
      compaction_wal_bytes_per_reading: round((walBytes - liveWalPerBatch * duringBatches.length) / readings, 1),
      compaction_wal_bytes_per_reading_raw: round(walBytes / readings, 1),
      compaction_wal_compression: job.walCompression,
      max_ingest_stall_ms: round(duringMax - baseP50, 1),
      ingest_batch_p50_ms_baseline: round(baseP50, 1),
      ingest_batch_max_ms_baseline: round(Math.max(...baseline), 1),
      ingest_batch_max_ms_during: round(duringMax, 1),
      ingest_batch_p50_ms_during: round(percentile(during, 50), 1),
      ingest_batch_p99_ms_during: round(percentile(during, 99), 1),
      ingest_batches_during: during.length,
      ingest_commit_max_ms_baseline: round(Math.max(...baselineBatches.map((b) => b.commitMs)), 1),
      ingest_commit_p50_ms_during: round(percentile(duringBatches.map((b) => b.commitMs), 50), 1),
      ingest_commit_max_ms_during: round(Math.max(...duringBatches.map((b) => b.commitMs)), 1),
      ingest_worst_batch_overlapped: `${overlapped(worst)}; ${sessions(worst)}`,
      checkpoints_during_job: checkpointsDuring,
      compaction_time_by_step: stepShare,
      max_event_loop_delay_ms: round(loop.max / 1e6, 1),
      longest_event_loop_block_step: blockedIn,
      history_day_row_p99_ms: round(rowP99, 1),
      history_day_compact_p99_ms: round(compactP99, 1),
      history_day_ratio: round(compactP99 / rowP99, 2),
      history_day_row_p50_ms: round(percentile(historyRow.ms, 50), 1),
      history_day_compact_p50_ms: round(percentile(historyCompact.ms, 50), 1),
      history_rows_per_query: Math.round([...historyRow.counts.values()].reduce((a, b) => a + b, 0) / historyRow.counts.size),
      readings_per_device_per_day: Math.round(perDevicePerDay),
      projected_hot_90d_tb_5000_devices: round(projected, 3),
      projected_hot_90d_tb_5000_devices_rows_only: round(projectedRows, 2),
      projected_rows_only_to_compacted_ratio: round(projectedRows / projected, 1),
      devices: deviceCount,
      hours,
      blocks: sizes.blocks,
      compaction_units: job.units,
      compaction_concurrency: CONCURRENCY,
      compaction_failed_units: job.failedUnits,
      compaction_s: round(jobMs / 1000, 2),
      load_s: round(loadS, 1),
      rows_left_in_partition: rowsLeft,
      series_differing: differing.length,
      compact_heap_bytes_per_reading: round(sizes.heap / readings, 3),
      compact_toast_bytes_per_reading: round(sizes.toast / readings, 3),
      compact_index_bytes_per_reading: round(sizes.index / readings, 3),
    };
    for (const c of ARRAY_COLUMNS) figures[`compact_array_bytes_per_reading_${c}`] = round(columns[c]! / sizes.readings, 3);
    figures.notes =
      'compaction_cpu_us_per_reading is this Node process only (net of the live load client, measured alone; _raw includes it); ' +
      'the PostgreSQL backends are not in it (compaction_pg_cpu_us_per_reading: the job\'s backends from /proc, null if remote). ' +
      'Live load and job share 2 cores and this event loop: CPU contention is in the stall figures.';
    figures.database = process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded';
    return figures;
  } finally {
    await live?.stop().catch(() => undefined);
    await jobPool.end();
    await pool.end();
    await db.done();
    rmSync(dir, { recursive: true, force: true });
  }
}
