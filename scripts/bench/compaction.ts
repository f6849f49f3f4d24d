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
 *   /proc (null when the server is not on this host);
 * - max_ingest_stall_ms: the slowest live batch during the job minus the batch p50 of the
 *   same load alone. The load: one session, a 2,000-reading batch of other monitors'
 *   "now" readings every 100 ms, each in one transaction as the loader's staged path
 *   does (temp stage table, COPY, INSERT ... ON CONFLICT DO NOTHING);
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
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { METRICS, QualityFlag, systemClock, type Clock } from '@wardlink/shared';
import { ensurePartitions, HISTORY_SQL, migrate, VITAL_COLUMN_LIST } from '@wardlink/cloud';
import { createLifecycleContext, DEFAULT_SETTINGS, LocalFolderArchiveStore } from '../../cloud/src/lifecycle/index.js';
import { runCompaction, type CompactionResult } from '../../cloud/src/lifecycle/compaction/compaction-job.js';
import { mulberry32 } from '../simulator/index.js';
import { benchDatabase, quietLogger } from './_database.js';
import type { BenchFigures, BenchOptions } from './run.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const HOSPITAL = 'h-bench';
const BEDS_PER_GATEWAY = 20;
/** Device seconds per INSERT of the generator (all monitors). */
const CHUNK_S = 600;
const LIVE_BATCH_ROWS = 2_000;
const LIVE_PACE_MS = 100;
const HISTORY_RUNS = 40;
const HISTORY_WARM_UP = 5;
const ARRAY_COLUMNS = ['dt', 'dt64', 'dv', 'v_raw', 'flags', 'lag16', 'lag64', 'dseq'] as const;
const PROBE_OFF = QualityFlag.SENSOR_OFF | QualityFlag.INVALID;
const M = {
  HR: METRICS.HR.mdcCode,
  PR: METRICS.PR.mdcCode,
  SPO2: METRICS.SPO2.mdcCode,
  RR: METRICS.RR.mdcCode,
  PI: METRICS.PI.mdcCode,
  TEMP: METRICS.TEMP.mdcCode,
  NIBP_SYS: METRICS.NIBP_SYS.mdcCode,
  NIBP_DIA: METRICS.NIBP_DIA.mdcCode,
  NIBP_MEAN: METRICS.NIBP_MEAN.mdcCode,
};

const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------- data generation

interface Monitor {
  d: number;
  gateway_id: string;
  device_id: string;
  bed_id: string;
  patient_id: string;
  offset_ms: number;
  gw_phase_ms: number;
  seq0: number;
  hr_base: number;
  spo2_base: number;
  rr_base: number;
  sys_base: number;
  dia_ratio: number;
  temp_base: number;
  pi_base: number;
  nibp_phase: number;
  gap_from: number;
  gap_to: number;
}

/** Each monitor's traits (baselines as the simulator's beds.ts draws them). */
function monitors(count: number, fromS: number, toS: number): Monitor[] {
  const rng = mulberry32(20_300_615);
  const between = (a: number, b: number) => a + (b - a) * rng();
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const gwPhase = new Map<number, number>();
  return Array.from({ length: count }, (_, d) => {
    const gw = Math.floor(d / BEDS_PER_GATEWAY);
    if (!gwPhase.has(gw)) gwPhase.set(gw, Math.floor(rng() * 5_000));
    const bed = (d % BEDS_PER_GATEWAY) + 1;
    const gap = rng() < 0.2;
    const gapLen = Math.floor(between(120, 900));
    const gapFrom = gap ? Math.floor(between(fromS, toS - gapLen)) : -1;
    return {
      d,
      gateway_id: `gw-ward-${pad(gw + 1, 2)}`,
      device_id: `mon-bed-${pad(bed, 2)}`,
      bed_id: `bed-${pad(bed, 2)}`,
      patient_id: `P${pad(1_040_000 + d * 7, 7)}`,
      offset_ms: Math.floor(between(-500, 2_500)),
      gw_phase_ms: gwPhase.get(gw)!,
      seq0: 40_000 + gw * 1_000,
      hr_base: between(60, 88),
      spo2_base: between(95, 98.5),
      rr_base: between(12, 19),
      sys_base: between(106, 136),
      dia_ratio: between(0.56, 0.66),
      temp_base: between(36.4, 37.1),
      pi_base: Math.exp(between(Math.log(0.9), Math.log(5))),
      nibp_phase: Math.floor(rng() * 900),
      gap_from: gapFrom,
      gap_to: gap ? gapFrom + gapLen : -1,
    };
  });
}

/** Counter-based noise in SQL, as scripts/simulator/prng.ts (uniform, and smooth value noise). */
const GENERATOR_SQL = `
CREATE TABLE bench_monitors (
  d int PRIMARY KEY, gateway_id text, device_id text, bed_id text, patient_id text, offset_ms int, gw_phase_ms int, seq0 bigint,
  hr_base float8, spo2_base float8, rr_base float8, sys_base float8, dia_ratio float8, temp_base float8, pi_base float8,
  nibp_phase int, gap_from int, gap_to int);
CREATE FUNCTION bench_u(k bigint, i bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT hashint8(k * 1000003 + i)::float8 / 2147483648.0 $$;
CREATE FUNCTION bench_noise(k bigint, s bigint, p int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT bench_u(k, s / p) + (bench_u(k, s / p + 1) - bench_u(k, s / p)) * (((s % p)::float8 / p) ^ 2 * (3 - 2 * (s % p)::float8 / p)) $$;
`;

/** Readings of every monitor for device seconds [$3, $4) of the day starting at $2. */
const INSERT_SQL = `
INSERT INTO vital_data (${VITAL_COLUMN_LIST})
SELECT x.t, x.t + x.lag_ms * interval '1 millisecond', d.seq0 + x.batch, m.value::real, m.metric, m.flags,
       $1, d.patient_id, d.gateway_id, d.device_id, d.bed_id
FROM bench_monitors d
CROSS JOIN generate_series($3::bigint, $4::bigint - 1) s
CROSS JOIN LATERAL (SELECT $2::timestamptz + s * interval '1 second' AS t, d.offset_ms + abs(hashint8(d.d::bigint * 1000003 + s)) % 21 AS lag_ms) x0
CROSS JOIN LATERAL (SELECT x0.t, x0.lag_ms, (s * 1000 + x0.lag_ms + d.gw_phase_ms) / 5000 AS batch,
                           bench_u(d.d * 32 + 30, s / 60) > 0.97 AS off, (s + d.nibp_phase) % 900 = 0 AS nibp) x
CROSS JOIN LATERAL (SELECT
    d.hr_base * (1 + 0.04 * bench_noise(d.d * 32 + 3, s, 600) + 0.02 * bench_noise(d.d * 32 + 4, s, 45) + 0.01 * bench_u(d.d * 32 + 5, s)) AS hr,
    d.spo2_base + bench_noise(d.d * 32, s, 900) + 0.4 * bench_noise(d.d * 32 + 1, s, 60) + 0.3 * bench_u(d.d * 32 + 2, s) AS spo2,
    d.rr_base + 1.5 * bench_noise(d.d * 32 + 7, s, 300) + 1.2 * bench_u(d.d * 32 + 8, s) AS rr,
    d.temp_base + 0.25 * bench_noise(d.d * 32 + 16, s, 7200) + 0.05 * bench_noise(d.d * 32 + 17, s, 600) AS temp,
    d.pi_base * (1 + 0.15 * bench_noise(d.d * 32 + 18, s, 600) + 0.05 * bench_u(d.d * 32 + 19, s)) AS pi) v
LEFT JOIN LATERAL (SELECT round(c.sys + 3 * bench_u(d.d * 32 + 14, s)) AS sys,
                          round(c.sys * d.dia_ratio + 2 * bench_noise(d.d * 32 + 12, s, 900) + 2.5 * bench_u(d.d * 32 + 15, s)) AS dia
                   FROM (SELECT d.sys_base + 3 * bench_noise(d.d * 32 + 9, s, 1200) + bench_noise(d.d * 32 + 10, s, 120) AS sys) c
                   WHERE x.nibp) nb ON true
CROSS JOIN LATERAL (VALUES
    (${M.HR}, round(v.hr), 0),
    (${M.PR}, CASE WHEN x.off THEN -999 ELSE round(v.hr + 1.5 * bench_u(d.d * 32 + 6, s)) END, CASE WHEN x.off THEN ${PROBE_OFF} ELSE 0 END),
    (${M.SPO2}, CASE WHEN x.off THEN -999 ELSE least(100, round(v.spo2)) END, CASE WHEN x.off THEN ${PROBE_OFF} ELSE 0 END),
    (${M.RR}, round(v.rr), 0),
    (${M.PI}, CASE WHEN x.off THEN -999 ELSE greatest(0.1, round(v.pi * 10) / 10) END, CASE WHEN x.off THEN ${PROBE_OFF} ELSE 0 END),
    (${M.TEMP}, round(v.temp * 10) / 10, 0),
    (${M.NIBP_SYS}, nb.sys, 0),
    (${M.NIBP_DIA}, nb.dia, 0),
    (${M.NIBP_MEAN}, round(nb.dia + (nb.sys - nb.dia) / 3), 0)) m(metric, value, flags)
WHERE m.value IS NOT NULL AND NOT (s >= d.gap_from AND s < d.gap_to)
ORDER BY x.batch * 5000 - d.gw_phase_ms, d.gateway_id, d.device_id, x.t, m.metric`;

/** Loads [fromS, toS) of the day in CHUNK_S slices over two sessions; returns readings. */
async function load(pool: pg.Pool, dayStart: Date, fromS: number, toS: number, log: BenchOptions['log']): Promise<number> {
  const chunks: number[] = [];
  for (let s = fromS; s < toS; s += CHUNK_S) chunks.push(s);
  const total = chunks.length;
  let rows = 0;
  let done = 0;
  const t0 = performance.now();
  let lastLog = t0;
  await Promise.all(
    [0, 1].map(async () => {
      const client = await pool.connect();
      try {
        await client.query("SET work_mem = '256MB'");
        for (let s = chunks.shift(); s !== undefined; s = chunks.shift()) {
          const res = await client.query(INSERT_SQL, [HOSPITAL, dayStart, s, Math.min(toS, s + CHUNK_S)]);
          rows += res.rowCount ?? 0;
          done++;
          if (performance.now() - lastLog > 10_000 || done === total) {
            lastLog = performance.now();
            log(`loading: ${done}/${total} slices, ${rows} readings, ${round(rows / ((lastLog - t0) / 1000))} readings/s`);
          }
        }
      } finally {
        client.release();
      }
    }),
  );
  return rows;
}

// ---------------------------------------------------------------- checks and queries

interface GroupPrint {
  n: number;
  t: string;
  r: string;
  seq: string;
  v: string;
  f: string;
  md5: string;
}

/**
 * Per (patient, metric): count, sums of t and received_at in µs, batch_seq, value, flags,
 * and the md5 of every column of every reading in key order, over both tiers. Two
 * sessions, half the patients each.
 */
async function fingerprint(pool: pg.Pool, patients: string[], from: Date, to: Date): Promise<Map<string, GroupPrint>> {
  const halves = [patients.filter((_, i) => i % 2 === 0), patients.filter((_, i) => i % 2 === 1)];
  const us = (c: string) => `(extract(epoch FROM ${c}) * 1000000)::bigint`;
  const results = await Promise.all(
    halves.map((half) =>
      pool.query<GroupPrint & { patient_id: string; metric: number }>(
        `SELECT patient_id, metric, count(*)::int AS n, sum(${us('t')})::text AS t, sum(${us('received_at')})::text AS r,
                sum(batch_seq)::text AS seq, sum(value::numeric)::text AS v, sum(flags)::text AS f,
                md5(string_agg(concat_ws('|', ${us('t')}, ${us('received_at')}, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id),
                               ',' ORDER BY t, gateway_id, device_id)) AS md5
         FROM vital_readings_of_hospital($1, $2, $3) WHERE patient_id = ANY($4::text[])
         GROUP BY patient_id, metric`,
        [HOSPITAL, from, to, half],
      ),
    ),
  );
  const out = new Map<string, GroupPrint>();
  for (const res of results) for (const { patient_id, metric, ...g } of res.rows) out.set(`${patient_id}/${metric}`, g);
  return out;
}

function totals(prints: Map<string, GroupPrint>): { readings: number; sumTUs: bigint; sumReceivedUs: bigint; sumSeq: bigint; sumFlags: bigint } {
  let readings = 0;
  let sumTUs = 0n;
  let sumReceivedUs = 0n;
  let sumSeq = 0n;
  let sumFlags = 0n;
  for (const g of prints.values()) {
    readings += g.n;
    sumTUs += BigInt(g.t);
    sumReceivedUs += BigInt(g.r);
    sumSeq += BigInt(g.seq);
    sumFlags += BigInt(g.f);
  }
  return { readings, sumTUs, sumReceivedUs, sumSeq, sumFlags };
}

/** HISTORY_SQL for HR over one day: warm-up, then timed runs across patients. */
async function historyRuns(pool: pg.Pool, patients: string[], from: Date, to: Date): Promise<{ ms: number[]; counts: Map<string, number> }> {
  const counts = new Map<string, number>();
  const once = async (patient: string) => {
    const t0 = performance.now();
    const res = await pool.query(HISTORY_SQL, [HOSPITAL, patient, M.HR, from, to]);
    const ms = performance.now() - t0;
    const seen = counts.get(patient);
    if (seen !== undefined && seen !== res.rowCount) throw new Error(`history of ${patient} returned ${res.rowCount} rows, then ${seen}`);
    counts.set(patient, res.rowCount ?? 0);
    return ms;
  };
  for (let i = 0; i < HISTORY_WARM_UP; i++) await once(patients[(i * 7) % patients.length]!);
  const ms: number[] = [];
  for (let i = 0; i < HISTORY_RUNS; i++) ms.push(await once(patients[(i * 7 + 3) % patients.length]!));
  return { ms, counts };
}

// ---------------------------------------------------------------- CPU

/** CPU (user + system) of a process in µs, from /proc; undefined when unreadable. */
function procCpuUs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return undefined;
  }
}

function nodeCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Checkpoints so far (pg_stat_checkpointer from PostgreSQL 17, pg_stat_bgwriter before). */
async function checkpoints(pool: pg.Pool): Promise<number> {
  const v17 = await pool.query("SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS yes");
  const sql = v17.rows[0].yes
    ? 'SELECT (num_timed + num_requested)::int AS n FROM pg_stat_checkpointer'
    : 'SELECT (checkpoints_timed + checkpoints_req)::int AS n FROM pg_stat_bgwriter';
  return (await pool.query(sql)).rows[0].n;
}

interface ActivitySample {
  at: number;
  pid: number;
  wait: string;
  query: string;
}

/** Samples the bench database's sessions (what runs, what it waits on) every `everyMs`. */
function sampleActivity(pool: pg.Pool, everyMs: number): { samples: ActivitySample[]; stop(): Promise<void> } {
  const samples: ActivitySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      const res = await pool.query<{ pid: number; wait: string | null; state: string; query: string }>(
        `SELECT pid, wait_event_type || ':' || wait_event AS wait, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 40) AS query
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'`,
      );
      for (const r of res.rows) samples.push({ at, pid: r.pid, wait: r.wait ?? 'CPU', query: r.state === 'active' ? r.query : `${r.state}, after: ${r.query}` });
      await sleep(Math.max(0, everyMs - (performance.now() - at)));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** "what (count), ..." of the samples, most frequent first. */
function tally(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`).join(', ') || 'no samples';
}

// ---------------------------------------------------------------- live load

interface BatchTiming {
  start: number;
  end: number;
  ms: number;
}

interface LiveLoad {
  timings: BatchTiming[];
  pid: number;
  stop(): Promise<void>;
}

/**
 * One session writing LIVE_BATCH_ROWS "now" readings of 400 other monitors every
 * LIVE_PACE_MS, each batch in one transaction the way the loader's staged path does.
 */
async function startLiveLoad(url: string): Promise<LiveLoad> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const metrics = [M.HR, M.PR, M.SPO2, M.RR, M.PI];
  const devices = LIVE_BATCH_ROWS / metrics.length;
  const timings: BatchTiming[] = [];
  let running = true;
  let seq = 1;
  let lastT = 0;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      const t = Math.max(Date.now(), lastT + 1);
      lastT = t;
      const ts = new Date(t).toISOString();
      const rec = new Date(t + 180).toISOString();
      const lines: string[] = [];
      for (let d = 0; d < devices; d++) {
        const gw = `gw-live-${String(Math.floor(d / BEDS_PER_GATEWAY) + 1).padStart(2, '0')}`;
        const bed = `bed-${String((d % BEDS_PER_GATEWAY) + 1).padStart(2, '0')}`;
        for (const [i, metric] of metrics.entries()) {
          lines.push(`${ts}\t${rec}\t${seq}\t${60 + ((d * 7 + i * 13 + seq) % 40)}\t${metric}\t0\t${HOSPITAL}\tL${String(d).padStart(7, '0')}\t${gw}\tmon-${bed}\t${bed}\n`);
        }
      }
      seq++;
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE wl_vital_stage (LIKE vital_data INCLUDING DEFAULTS) ON COMMIT DROP');
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFrom(`COPY wl_vital_stage (${VITAL_COLUMN_LIST}) FROM STDIN`));
        stream.on('error', reject);
        stream.on('finish', () => resolve());
        stream.end(lines.join(''));
      });
      await client.query(`INSERT INTO vital_data (${VITAL_COLUMN_LIST}) SELECT ${VITAL_COLUMN_LIST} FROM wl_vital_stage ON CONFLICT DO NOTHING`);
      await client.query('COMMIT');
      const end = performance.now();
      timings.push({ start, end, ms: end - start });
      const wait = LIVE_PACE_MS - (end - start);
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    timings,
    pid,
    stop: async () => {
      running = false;
      await loop;
      await client.end();
    },
  };
}

// ---------------------------------------------------------------- the bench

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
    const fromS = 8 * 3_600;
    const toS = fromS + hours * 3_600;
    const mons = monitors(deviceCount, fromS, toS);
    const patients = mons.map((m) => m.patient_id);
    await pool.query(GENERATOR_SQL);
    await pool.query('INSERT INTO bench_monitors SELECT * FROM json_populate_recordset(NULL::bench_monitors, $1)', [JSON.stringify(mons)]);
    log(`generating ${deviceCount} monitors x ${hours} h (${mons.filter((m) => m.gap_from >= 0).length} with a gap) into ${rowPartition}`);
    let t0 = performance.now();
    const loaded = await load(pool, dayStart, fromS, toS, log);
    const loadS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await pool.query(`VACUUM ANALYZE "${rowPartition}"`);
    await pool.query('CHECKPOINT');
    const rowSizes = (
      await pool.query<{ total: number; heap: number; index: number }>(
        'SELECT pg_total_relation_size($1::regclass)::float8 AS total, pg_relation_size($1::regclass)::float8 AS heap, pg_indexes_size($1::regclass)::float8 AS index',
        [rowPartition],
      )
    ).rows[0]!;
    const rowBytes = rowSizes.total;
    log(`loaded ${loaded} readings in ${round(loadS, 1)} s; VACUUM ANALYZE + CHECKPOINT ${round((performance.now() - t0) / 1000, 1)} s; ${round(rowBytes / 2 ** 20)} MiB as rows, ${round(rowBytes / loaded, 1)} B/reading (heap ${round(rowSizes.heap / loaded, 1)}, index ${round(rowSizes.index / loaded, 1)})`);

    // 2. Before: fingerprint and history on rows.
    t0 = performance.now();
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
    await sleep(baselineMs);
    const baseCpuRate = (nodeCpuUs() - baseCpu0) / (performance.now() - baseStart); // µs per ms
    const baseline = live.timings.filter((b) => b.start >= baseStart).map((b) => b.ms);
    log(`live load alone for ${baselineMs / 1000} s: ${baseline.length} batches of ${LIVE_BATCH_ROWS}, p50 ${round(percentile(baseline, 50), 1)} ms, max ${round(Math.max(...baseline), 1)} ms`);

    // Each unit's steps, timed (the hook only records), to name what a slow batch overlapped;
    // 'units-listed': the job's SELECT DISTINCT of a partition's patients is done.
    const steps: Array<{ at: number; step: string; patient: string }> = [];
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
    const pgCpu0 = new Map([...jobPids].map((pid) => [pid, procCpuUs(pid)]));
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const checkpoints0 = await checkpoints(pool);
    // The longest stretch the event loop was blocked, and when (a 5 ms ticker).
    let lastTick = performance.now();
    let longestBlock = { ms: 0, at: 0 };
    const ticker = setInterval(() => {
      const now = performance.now();
      if (now - lastTick > longestBlock.ms) longestBlock = { ms: now - lastTick, at: lastTick };
      lastTick = now;
    }, 5);
    const activity = sampleActivity(pool, 25);
    const cpu0 = nodeCpuUs();
    const jobStart = performance.now();
    const outcome = await runCompaction(ctx, { hook: (step, unit) => void steps.push({ at: performance.now(), step, patient: unit.patientId }) });
    const jobEnd = performance.now();
    const cpuUs = nodeCpuUs() - cpu0;
    clearInterval(ticker);
    await activity.stop();
    loop.disable();
    let pgCpuUs: number | null = 0;
    for (const pid of jobPids) {
      const after = procCpuUs(pid);
      const beforePid = pgCpu0.has(pid) ? pgCpu0.get(pid) : 0;
      if (after === undefined || beforePid === undefined) pgCpuUs = null;
      else if (pgCpuUs !== null) pgCpuUs += after - beforePid;
    }
    const livePid = live.pid;
    await sleep(300);
    await live.stop();
    const duringBatches = live.timings.filter((b) => b.end > jobStart && b.start < jobEnd);
    const during = duringBatches.map((b) => b.ms);
    live = undefined;
    const checkpointsDuring = (await checkpoints(pool)) - checkpoints0;
    // Where the job's time went: each step from the previous event (of any unit) to its own.
    const share = new Map<string, number>();
    steps.forEach((e, i) => share.set(e.step, (share.get(e.step) ?? 0) + e.at - (i === 0 ? jobStart : steps[i - 1]!.at)));
    share.set('after the last unit (reclaim)', jobEnd - (steps.at(-1)?.at ?? jobStart));
    const stepShare = [...share].map(([k, ms]) => `${k === 'read' ? 'read (COPY out, since the previous unit)' : k === 'units-listed' ? 'listing units (SELECT DISTINCT)' : k} ${round((100 * ms) / (jobEnd - jobStart))}%`).join(', ');
    const worst = duringBatches.reduce((a, b) => (b.ms > a.ms ? b : a), duringBatches[0]!);
    const overlapped = (b: BatchTiming) => {
      const next = steps.find((e) => e.at >= b.start);
      const inside = steps.filter((e) => e.at >= b.start && e.at <= b.end).map((e) => e.step);
      if (!next) return 'after the last unit (reclaim: VACUUM, REINDEX CONCURRENTLY)';
      const what = next.step === 'units-listed' ? 'listing units (SELECT DISTINCT over the partition)' : `${next.step} of ${next.patient}`;
      return `${what} in progress at its start; steps ended during it: ${inside.join(' ') || 'none'}`;
    };
    // What the job's sessions ran and what the live session waited on, during a batch.
    const sessions = (b: BatchTiming) => {
      const within = activity.samples.filter((a) => a.at >= b.start && a.at <= b.end);
      return `job ran: ${tally(within.filter((a) => jobPids.has(a.pid)).map((a) => `${a.query} [${a.wait}]`))}; live session: ${tally(within.filter((a) => a.pid === livePid).map((a) => `${a.query.replace(/^(.*after: )?(\S+ \S+).*$/, '$1$2')} [${a.wait}]`))}`;
    };
    if (!outcome.ran) throw new Error('the compaction job did not run (its lock was held)');
    const job: CompactionResult = outcome.value;
    const jobMs = jobEnd - jobStart;
    log(`compaction: ${job.readings} readings, ${job.units} units (${job.failedUnits} failed), ${job.blocksWritten} blocks, ${job.duplicates} duplicates, in ${round(jobMs / 1000, 2)} s (${round(job.readings / (jobMs / 1000))} readings/s)`);
    log(`job time by unit step: ${stepShare}; ${checkpointsDuring} checkpoints during the job`);
    log(`live load during the job: ${during.length} batches, p50 ${round(percentile(during, 50), 1)} ms, p99 ${round(percentile(during, 99), 1)} ms, max ${round(worst.ms, 1)} ms (${overlapped(worst)}; ${sessions(worst)})`);
    for (const b of duringBatches.filter((x) => x.ms >= 150 && x !== worst).slice(0, 5)) log(`  also ${round(b.ms)} ms: ${overlapped(b)}; ${sessions(b)}`);
    const blockedDuring = steps.find((e) => e.at >= longestBlock.at);
    const blockedIn = !blockedDuring ? 'after the last unit' : blockedDuring.step === 'units-listed' ? 'listing units' : `${blockedDuring.step} of ${blockedDuring.patient}`;
    log(`longest event loop block: ~${round(longestBlock.ms)} ms, in step ${blockedIn}`);

    // 4. After: sizes, fingerprint, history on blocks.
    const rowsLeft = Number((await pool.query(`SELECT count(*)::int AS n FROM "${rowPartition}"`)).rows[0].n);
    await pool.query(`VACUUM ANALYZE "${blockPartition}"`);
    await pool.query('CHECKPOINT'); // the job's write-back is not the history queries'
    const sizes = (
      await pool.query<{ total: number; heap: number; toast: number; index: number; blocks: number; readings: number }>(
        `SELECT pg_total_relation_size(c.oid)::float8 AS total, pg_relation_size(c.oid)::float8 AS heap,
                coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::float8 AS toast, pg_indexes_size(c.oid)::float8 AS index,
                (SELECT count(*) FROM ${blockPartition})::float8 AS blocks, (SELECT coalesce(sum(n), 0) FROM ${blockPartition})::float8 AS readings
         FROM pg_class c WHERE c.oid = $1::regclass`,
        [blockPartition],
      )
    ).rows[0]!;
    const columns = (await pool.query(`SELECT ${ARRAY_COLUMNS.map((c) => `coalesce(sum(pg_column_size(${c})), 0)::float8 AS ${c}`).join(', ')} FROM ${blockPartition}`)).rows[0] as Record<string, number>;
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
      max_ingest_stall_ms: round(duringMax - baseP50, 1),
      ingest_batch_p50_ms_baseline: round(baseP50, 1),
      ingest_batch_max_ms_baseline: round(Math.max(...baseline), 1),
      ingest_batch_max_ms_during: round(duringMax, 1),
      ingest_batch_p50_ms_during: round(percentile(during, 50), 1),
      ingest_batch_p99_ms_during: round(percentile(during, 99), 1),
      ingest_batches_during: during.length,
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
