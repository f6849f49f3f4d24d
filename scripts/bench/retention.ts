/**
 * `pnpm bench retention [--quick]`: the archive job on real PostgreSQL (DATABASE_URL if
 * set, else an embedded cluster with its durable default settings) while a
 * cloud-ingest-like COPY load writes today's partition.
 *
 * Two old days of simulator readings (wards of 50 beds: realistic values, clocks, ids,
 * gaps), a "small" one and a "big" one of 10x the rows: 1 M against 10 M readings, or
 * 100 k against 1 M with --quick. Each ward contributes one contiguous stretch of time.
 *
 * Figures:
 * - drop_time_ratio: (detach + drop) of the big day / of the small day: O(1) in rows;
 *   export, store and verify are timed apart;
 * - max_ingest_stall_ms: the longest gap between two committed COPY batches (any
 *   session) while the job runs; each session commits a 10 s batch of a 50-bed ward
 *   (~3,900 readings) every 50 ms;
 * - archive_bytes_per_reading: Parquet bytes / readings over both days;
 * - max_event_loop_delay_ms: the longest the job blocked this process's event loop
 *   (the scheduler runs it inside the service, next to the HTTP server);
 * - archive_readings_per_s: readings / (export + store + verify) over both days.
 *
 * Baseline for the drop: DROP TABLE frees the partition's files at COMMIT, and what
 * that costs is the filesystem's. On this host's ext4 (mounted with `discard`, so every
 * free is a TRIM of the virtual disk) freeing 1 GB takes ~0.3-0.4 s on its own. The
 * bench writes a plain file of each partition's size next to the data and times its
 * truncation (fs_free_*_ms), and reports drop_time_ratio_net_of_fs: the ratio with that
 * filesystem cost taken out, which is what PostgreSQL itself spends.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { copyRows, createLifecycleContext, encodeBinaryCopy, ensurePartitions, LocalFolderArchiveStore, migrate, preloadArchiveLibraries, runRetention, type ArchiveJobResult } from '@wardlink/cloud';
import { createWard, type Ward } from '@wardlink/simulator';
import { benchDatabase, quietLogger } from './_database.js';
import type { BenchFigures, BenchOptions } from './run.js';

const DAY_MS = 86_400_000;
const HOSPITAL = 'h-bench';
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/**
 * COPYs `readings` simulator readings into the day starting at `dayMs`: `wards` wards of
 * 50 beds, each contributing its share as one contiguous stretch of time (long per-device
 * runs, as in a real day), in COPYs of ~100k rows.
 */
async function loadSimulatorDay(pool: pg.Pool, dayMs: number, readings: number, wards: number): Promise<number> {
  const perWard = Math.ceil(readings / wards);
  let loaded = 0;
  const client = await pool.connect();
  try {
    for (let w = 0; w < wards && loaded < readings; w++) {
      const gatewayId = `gw-${dayMs / DAY_MS}-${w + 1}`;
      const ward = createWard({ beds: 50, seed: 500 + w, startMs: dayMs + 3_600_000, gatewayId });
      let from = dayMs + 4 * 3_600_000;
      let mine = 0;
      let seq = 1;
      while (mine < perWard && loaded + mine < readings) {
        const chunks: Buffer[] = [];
        let rows = 0;
        while (rows < 100_000 && mine + rows < perWard && loaded + mine + rows < readings) {
          const batch = ward.readingsBetween(from, from + 10_000).slice(0, Math.min(perWard - mine - rows, readings - loaded - mine - rows));
          from += 10_000;
          if (batch.length === 0) continue;
          chunks.push(encodeBinaryCopy(batch, { hospitalId: HOSPITAL, gatewayId, batchSeq: seq++ }));
          rows += batch.length;
        }
        // One binary COPY stream per chunk list: header of the first, rows of all, trailer of the last.
        const body = Buffer.concat(chunks.map((c, i) => c.subarray(i === 0 ? 0 : 19, i === chunks.length - 1 ? c.length : c.length - 2)));
        mine += await copyRows(client, 'vital_data', body, 'binary');
      }
      loaded += mine;
    }
  } finally {
    client.release();
  }
  return loaded;
}

/** What the job was doing at each moment (progress events), to name the step behind the longest gap. */
const steps: Array<{ at: number; what: string }> = [];
const stepAt = (t: number) => [...steps].reverse().find((s) => s.at <= t)?.what ?? 'before the job';

interface Gaps {
  worstGapAt: string;
  batches: number;
  readings: number;
  maxGapMs: number;
  maxSessionGapMs: number;
  p99GapMs: number;
}

interface IngestLoad {
  /** The commits of the next `ms` alone. */
  sample(ms: number): Promise<Gaps>;
  /** Stops; the commits since the last sample. */
  stop(): Promise<Gaps>;
}

/** `sessions` COPY sessions into today's partition, one 10 s ward batch each every `paceMs`. */
function startIngest(pool: pg.Pool, sessions: number, paceMs: number): IngestLoad {
  let running = true;
  const commits: Array<{ at: number }> = [];
  let readings = 0;
  let maxSessionGapMs = 0;
  const now = Date.now();
  const workers = Array.from({ length: sessions }, async (_, s) => {
    const gatewayId = `gw-live-${s + 1}`;
    const ward: Ward = createWard({ beds: 50, seed: 900 + s, startMs: now - 3_600_000, gatewayId });
    let from = now - 600_000;
    let seq = 1;
    let last = performance.now();
    const client = await pool.connect();
    try {
      while (running) {
        const started = performance.now();
        const batch = ward.readingsBetween(from, from + 10_000);
        from += 10_000;
        await client.query('BEGIN');
        readings += await copyRows(client, 'vital_data', encodeBinaryCopy(batch, { hospitalId: HOSPITAL, gatewayId, batchSeq: seq++ }), 'binary');
        await client.query('COMMIT');
        const at = performance.now();
        commits.push({ at });
        maxSessionGapMs = Math.max(maxSessionGapMs, at - last);
        last = at;
        const wait = paceMs - (at - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    } finally {
      client.release();
    }
  });
  let since = 0;
  const gaps = (): Gaps => {
    const mine = commits.splice(0).map((c) => c.at).sort((a, b) => a - b);
    const all = [since, ...mine].filter((t) => t > 0);
    const list = all.slice(1).map((t, i) => t - all[i]!);
    const sorted = [...list].sort((a, b) => a - b);
    since = mine.at(-1) ?? since;
    const worst = list.indexOf(sorted.at(-1) ?? -1);
    const result = { worstGapAt: worst >= 0 ? stepAt(all[worst]!) : '-', batches: mine.length, readings, maxGapMs: sorted.at(-1) ?? 0, maxSessionGapMs, p99GapMs: sorted[Math.floor(sorted.length * 0.99)] ?? 0 };
    readings = 0;
    maxSessionGapMs = 0;
    return result;
  };
  return {
    sample: async (ms) => {
      gaps();
      await new Promise((r) => setTimeout(r, ms));
      return gaps();
    },
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return gaps();
    },
  };
}

/** Checkpoints so far (pg_stat_checkpointer from PostgreSQL 17, pg_stat_bgwriter before). */
/** Milliseconds to free `bytes` of a written, synced file in `dir` (the filesystem's part of a DROP). */
function timeFsFree(dir: string, bytes: number): number {
  const path = join(dir, 'fs-free-baseline');
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.alloc(8 * 1024 * 1024, 1);
    for (let written = 0; written < bytes; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
    fsyncSync(fd);
    const t0 = performance.now();
    ftruncateSync(fd, 0);
    return performance.now() - t0;
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

async function partitionBytes(pool: pg.Pool, name: string): Promise<number> {
  return Number((await pool.query('SELECT pg_total_relation_size($1::regclass)::float8 AS b', [name])).rows[0].b);
}

async function checkpoints(pool: pg.Pool): Promise<number> {
  const v17 = await pool.query("SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS yes");
  const sql = v17.rows[0].yes
    ? 'SELECT (num_timed + num_requested)::int AS n FROM pg_stat_checkpointer'
    : 'SELECT (checkpoints_timed + checkpoints_req)::int AS n FROM pg_stat_bgwriter';
  return (await pool.query(sql)).rows[0].n;
}

export async function run({ quick, log }: BenchOptions): Promise<BenchFigures> {
  const smallRows = quick ? 100_000 : 1_000_000;
  const factor = 10;
  const db = await benchDatabase(log, 'wl-bench-retention-');
  const pool = new pg.Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-archive-'));
  try {
    await migrate(pool, { logger: quietLogger });
    await pool.query("INSERT INTO hospitals (hospital_id, name) VALUES ($1, 'Bench General')", [HOSPITAL]);
    const today = Math.floor(Date.now() / DAY_MS);
    const smallDay = today - 200;
    const bigDay = today - 199;
    const iso = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
    await ensurePartitions(pool, { fromDay: iso(smallDay), toDay: iso(bigDay) });
    await ensurePartitions(pool, { fromDay: iso(today), toDay: iso(today + 1) });

    let t0 = performance.now();
    const small = await loadSimulatorDay(pool, smallDay * DAY_MS, smallRows, quick ? 2 : 10);
    const big = await loadSimulatorDay(pool, bigDay * DAY_MS, smallRows * factor, 10);
    await pool.query('VACUUM ANALYZE vital_data');
    // The load's checkpoint debt is not the job's: flush it before measuring.
    await pool.query('CHECKPOINT');
    log(`simulator days: ${iso(smallDay)} ${small} readings, ${iso(bigDay)} ${big} readings, loaded in ${round((performance.now() - t0) / 1000, 1)} s`);
    await pool.query('CHECKPOINT');
    const smallPartitionBytes = await partitionBytes(pool, `vital_data_p${iso(smallDay).replaceAll('-', '')}`);
    const bigPartitionBytes = await partitionBytes(pool, `vital_data_p${iso(bigDay).replaceAll('-', '')}`);

    const ctx = createLifecycleContext({
      pool,
      logger: quietLogger,
      store: new LocalFolderArchiveStore(join(dir, 'archive')),
      stagingDir: join(dir, 'staging'),
      progress: (e) => {
        steps.push({ at: performance.now(), what: `${e.job} ${e.step} ${e.subject ?? ''}`.trim() });
        if (e.job === 'archive' && (e.step === 'exporting' || e.step === 'dropped')) log(`${e.step} ${e.subject ?? ''}${e.rows !== undefined ? ` ${e.rows} rows` : ''}`);
      },
    });

    await preloadArchiveLibraries(); // as the service's scheduler does at start-up
    const ingest = startIngest(pool, 2, 50);
    await new Promise((r) => setTimeout(r, 1_000)); // the load is steady before the job starts
    const baseline = await ingest.sample(quick ? 3_000 : 30_000);
    log(`ingest alone for ${quick ? 3 : 30} s before the job: longest gap between commits ${round(baseline.maxGapMs)} ms (p99 ${round(baseline.p99GapMs)} ms)`);
    const checkpointsBefore = await checkpoints(pool);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    t0 = performance.now();
    const result = await runRetention(ctx, { skipPurge: true, failFast: true });
    const jobMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    const load = await ingest.stop();
    loop.disable();
    const loopMaxMs = loop.max / 1e6;
    const checkpointsDuring = (await checkpoints(pool)) - checkpointsBefore;
    log(`ingest during the job: ${load.batches} batches, ${load.readings} readings, longest gap between commits ${round(load.maxGapMs)} ms, after "${load.worstGapAt}" (p99 ${round(load.p99GapMs)} ms, per session ${round(load.maxSessionGapMs)} ms)`);

    const bySize = (rows: number) => result.archived.find((a) => a.rows === rows)!;
    const smallJob: ArchiveJobResult = bySize(small);
    const bigJob: ArchiveJobResult = bySize(big);
    const dropMs = (j: ArchiveJobResult) => j.timings.detachMs + j.timings.dropMs;
    const pipelineMs = (j: ArchiveJobResult) => j.timings.exportMs + j.timings.storeMs + j.timings.verifyMs;
    for (const [name, j] of [['small', smallJob], ['big', bigJob]] as const) {
      const t = j.timings;
      log(`${name}: ${j.rows} rows -> ${j.bytes} B (${round(j.bytes / j.rows, 3)} B/reading); detach ${round(t.detachMs)} ms, export ${round(t.exportMs)} ms, store ${round(t.storeMs)} ms, verify ${round(t.verifyMs)} ms, drop ${round(t.dropMs)} ms`);
    }
    const fsFreeSmallMs = timeFsFree(dir, smallPartitionBytes);
    const fsFreeBigMs = timeFsFree(dir, bigPartitionBytes);
    log(`filesystem alone: freeing ${round(smallPartitionBytes / 2 ** 20)} MiB takes ${round(fsFreeSmallMs, 1)} ms, ${round(bigPartitionBytes / 2 ** 20)} MiB ${round(fsFreeBigMs, 1)} ms`);
    const archived = smallJob.rows + bigJob.rows;
    const storedRows = Number((await pool.query("SELECT sum(rows) AS n FROM archive_objects WHERE kind = 'day' AND verified_at IS NOT NULL")).rows[0].n);
    const remaining = Number((await pool.query("SELECT count(*) AS n FROM pg_class WHERE relname IN ($1, $2)", [`vital_data_p${iso(smallDay).replaceAll('-', '')}`, `vital_data_p${iso(bigDay).replaceAll('-', '')}`])).rows[0].n);
    return {
      drop_time_ratio: round(dropMs(bigJob) / dropMs(smallJob), 2),
      max_ingest_stall_ms: round(load.maxGapMs),
      archive_bytes_per_reading: round((smallJob.bytes + bigJob.bytes) / (smallJob.rows + bigJob.rows), 3),
      archive_readings_per_s: round(archived / ((pipelineMs(smallJob) + pipelineMs(bigJob)) / 1000)),
      small_rows: smallJob.rows,
      big_rows: bigJob.rows,
      drop_time_ratio_net_of_fs: round(Math.max(1, dropMs(bigJob) - fsFreeBigMs) / Math.max(1, dropMs(smallJob) - fsFreeSmallMs), 2),
      fs_free_small_ms: round(fsFreeSmallMs, 1),
      fs_free_big_ms: round(fsFreeBigMs, 1),
      small_partition_mb: round(smallPartitionBytes / 2 ** 20),
      big_partition_mb: round(bigPartitionBytes / 2 ** 20),
      small_detach_drop_ms: round(dropMs(smallJob), 1),
      big_detach_drop_ms: round(dropMs(bigJob), 1),
      small_archive_bytes_per_reading: round(smallJob.bytes / smallJob.rows, 3),
      max_event_loop_delay_ms: round(loopMaxMs),
      export_readings_per_s: round(archived / ((smallJob.timings.exportMs + bigJob.timings.exportMs) / 1000)),
      verify_readings_per_s: round(archived / ((smallJob.timings.verifyMs + bigJob.timings.verifyMs) / 1000)),
      job_s: round(jobMs / 1000, 2),
      ingest_batches: load.batches,
      ingest_readings_per_s: round(load.readings / ((jobMs + 1_500) / 1000)),
      ingest_p99_gap_ms: round(load.p99GapMs),
      ingest_baseline_max_gap_ms: round(baseline.maxGapMs),
      checkpoints_during_job: checkpointsDuring,
      ingest_max_session_gap_ms: round(load.maxSessionGapMs),
      all_archived_and_dropped: storedRows === archived && remaining === 0,
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    };
  } finally {
    await pool.end();
    await db.done();
    rmSync(dir, { recursive: true, force: true });
  }
}
