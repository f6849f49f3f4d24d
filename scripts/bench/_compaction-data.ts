/**
 * The compaction bench's data (scripts/bench/compaction.ts): the generated ward mix of
 * bedside monitors (traits drawn here, readings generated in SQL) and its loading into
 * the day's vital_data partition in receive order, then VACUUM ANALYZE, CHECKPOINT and
 * the partition's size as rows.
 */
import type pg from 'pg';
import { QualityFlag } from '@wardlink/shared';
import { VITAL_COLUMN_LIST } from '@wardlink/cloud';
import { mulberry32 } from '@wardlink/simulator';
import { BEDS_PER_GATEWAY, HOSPITAL, M, round } from './_compaction-common.js';
import type { BenchOptions } from './run.js';

/** Device seconds per INSERT of the generator (all monitors). */
const CHUNK_S = 600;
const PROBE_OFF = QualityFlag.SENSOR_OFF | QualityFlag.INVALID;

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

export interface LoadedWard {
  patients: string[];
  /** Readings loaded. */
  loaded: number;
  loadS: number;
  /** The row partition after VACUUM ANALYZE, in bytes: total (heap + index + TOAST), heap, indexes. */
  rowSizes: { total: number; heap: number; index: number };
}

/**
 * The ward's closed hours of the day starting at `dayStart`, from 08:00Z: `deviceCount`
 * monitors over `hours` hours into `rowPartition`; then VACUUM ANALYZE, CHECKPOINT and its size.
 */
export async function loadWard(
  pool: pg.Pool,
  { deviceCount, hours, dayStart, rowPartition, log }: { deviceCount: number; hours: number; dayStart: Date; rowPartition: string; log: BenchOptions['log'] },
): Promise<LoadedWard> {
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
  return { patients, loaded, loadS, rowSizes };
}
