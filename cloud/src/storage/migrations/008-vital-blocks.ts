import type { Migration } from './migration.js';

/**
 * The compact hot store (docs/lifecycle.md, "Compaction"). A closed UTC hour of
 * vital_data rows is packed into vital_blocks: one row per (hospital, patient, metric,
 * hour, gateway, device, bed) holding that series' readings as delta-encoded arrays that
 * TOAST compresses. The compaction job (lifecycle/compaction) moves rows into blocks; the
 * functions below unpack them again in plain SQL, so every query, report and export reads
 * both tiers. Measured on simulated ward data (pnpm bench compaction): 243 B/reading as
 * rows written in arrival order, 2.19 B/reading as blocks, heap + index + TOAST.
 *
 * Why arrays and not our batch codec in a bytea: PostgreSQL cannot run the codec, and
 * plain SQL (ad-hoc queries, reports, FHIR, the archive export) must keep working. Why
 * these encodings (measured with pglz, the only compressor every PostgreSQL build has):
 * - times: first differences in the coarsest unit that divides them all (1 s, 1 ms or
 *   1 µs); a monitor's regular period becomes a run of equal integers, which pglz
 *   shrinks to almost nothing. Delta-of-delta gained nothing under pglz (it is not an
 *   entropy coder) and needs a second running sum to decode.
 * - values: when every value of the block is exactly k/scale for scale 1, 10, ... 10^4
 *   (a monitor's resolution), first differences of k: slowly moving vitals become small
 *   integers. Otherwise the float4 values as they are (v_raw). Decoding is exact: the
 *   encoder checks that (k/scale)::real gives back the very same float4.
 * - received_at: its lag behind t, smallint when it fits (lag16), else bigint (lag64).
 * - batch_seq: first differences (dseq), NULL when the whole block came in one batch;
 *   flags: NULL when all zero.
 * The aggregates (n_flagged, n_measured, v_min, v_max, v_sum, for the flag mask agg_mask)
 * answer hourly and daily reports without unpacking.
 *
 * Partitioned by block_start per UTC day, vital_blocks_pYYYYMMDD, beside vital_data's
 * partition of the same day, so retention archives and drops a day's two tables together.
 * Each partition is made with toast_tuple_target = 128 (a partitioned table cannot carry
 * it), so that arrays are compressed even in a block too small to reach the default 2 KB.
 * The primary key leads with hospital_id (Citus distribution column) and holds
 * block_start (the partition key).
 */
export const vitalBlocks: Migration = {
  version: 8,
  name: 'vital-blocks',
  sql: `
CREATE TABLE vital_blocks (
  block_start timestamptz NOT NULL,
  t_first     timestamptz NOT NULL,
  t_last      timestamptz NOT NULL,
  seq_first   bigint      NOT NULL,
  v_sum       float8,
  n           integer     NOT NULL CHECK (n > 0),
  metric      integer     NOT NULL,
  t_unit_us   integer     NOT NULL CHECK (t_unit_us IN (1, 1000, 1000000)),
  lag_unit_us integer     NOT NULL CHECK (lag_unit_us IN (1, 1000)),
  v_scale     integer     NOT NULL CHECK (v_scale IN (0, 1, 10, 100, 1000, 10000)),
  n_flagged   integer     NOT NULL,
  n_measured  integer     NOT NULL,
  v_min       real,
  v_max       real,
  agg_mask    smallint    NOT NULL,
  hospital_id text COLLATE "C" NOT NULL,
  patient_id  text COLLATE "C" NOT NULL,
  gateway_id  text COLLATE "C" NOT NULL,
  device_id   text COLLATE "C" NOT NULL,
  bed_id      text COLLATE "C" NOT NULL,
  dt          integer[],
  dt64        bigint[],
  dv          integer[],
  v_raw       real[],
  flags       smallint[],
  lag16       smallint[],
  lag64       bigint[],
  dseq        bigint[],
  CHECK ((dt IS NULL) <> (dt64 IS NULL)),
  CHECK ((v_scale = 0) = (dv IS NULL) AND (v_scale = 0) = (v_raw IS NOT NULL)),
  CHECK ((lag16 IS NULL) <> (lag64 IS NULL)),
  CONSTRAINT vital_blocks_pkey PRIMARY KEY (hospital_id, patient_id, metric, block_start, gateway_id, device_id, bed_id)
) PARTITION BY RANGE (block_start);

-- One block's readings, in time order. Inlined by the planner (one SELECT, IMMUTABLE):
-- the arrays are unnested side by side and the running sums rebuild t, value and
-- batch_seq. Interval arithmetic in whole microseconds is exact below 2^53.
CREATE FUNCTION vital_block_rows(b vital_blocks)
RETURNS TABLE (t timestamptz, received_at timestamptz, batch_seq bigint, value real, flags smallint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT x.t,
         x.t + coalesce(x.l16::bigint, x.l64) * b.lag_unit_us * interval '1 microsecond',
         x.seq, x.v, coalesce(x.f, 0::smallint)
  FROM (
    SELECT b.t_first + (sum(coalesce(u.dt::bigint, u.dt64)) OVER w) * b.t_unit_us * interval '1 microsecond' AS t,
           b.seq_first + coalesce(sum(u.ds) OVER w, 0) AS seq,
           coalesce(((sum(u.dv::bigint) OVER w)::float8 / nullif(b.v_scale, 0))::real, u.vr) AS v,
           u.f, u.l16, u.l64
    FROM unnest(b.dt, b.dt64, b.dv, b.v_raw, b.flags, b.lag16, b.lag64, b.dseq)
         WITH ORDINALITY AS u(dt, dt64, dv, vr, f, l16, l64, ds, i)
    WINDOW w AS (ORDER BY u.i ROWS UNBOUNDED PRECEDING)
  ) x
$fn$;

-- A patient's metric over [p_from, p_to) from both tiers, oldest first: the rows still
-- in vital_data and the unpacked blocks. Blocks are pruned by partition and primary key
-- (block_start) and by their first and last times before anything is unpacked.
CREATE FUNCTION vital_readings(p_hospital text, p_patient text, p_metric integer, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (t timestamptz, value real, flags smallint, received_at timestamptz, batch_seq bigint, gateway_id text, device_id text, bed_id text)
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT * FROM (
    SELECT v.t, v.value, v.flags, v.received_at, v.batch_seq, v.gateway_id, v.device_id, v.bed_id
    FROM vital_data v
    WHERE v.hospital_id = p_hospital AND v.patient_id = p_patient AND v.metric = p_metric AND v.t >= p_from AND v.t < p_to
    UNION ALL
    SELECT r.t, r.value, r.flags, r.received_at, r.batch_seq, b.gateway_id, b.device_id, b.bed_id
    FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(b) r
    WHERE b.hospital_id = p_hospital AND b.patient_id = p_patient AND b.metric = p_metric
      AND b.block_start >= date_bin('1 hour', p_from, TIMESTAMPTZ '2000-01-03 00:00:00+00') AND b.block_start < p_to
      AND b.t_last >= p_from AND b.t_first < p_to
      AND r.t >= p_from AND r.t < p_to
  ) a
  ORDER BY a.t
$fn$;

-- Every reading of a hospital over [p_from, p_to), both tiers, all of vital_data's
-- columns (in its order), unordered: for ad-hoc SQL, exports and checks.
CREATE FUNCTION vital_readings_of_hospital(p_hospital text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (t timestamptz, received_at timestamptz, batch_seq bigint, value real, metric integer, flags smallint,
               hospital_id text, patient_id text, gateway_id text, device_id text, bed_id text)
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT v.t, v.received_at, v.batch_seq, v.value, v.metric, v.flags, v.hospital_id, v.patient_id, v.gateway_id, v.device_id, v.bed_id
  FROM vital_data v
  WHERE v.hospital_id = p_hospital AND v.t >= p_from AND v.t < p_to
  UNION ALL
  SELECT r.t, r.received_at, r.batch_seq, r.value, b.metric, r.flags, b.hospital_id, b.patient_id, b.gateway_id, b.device_id, b.bed_id
  FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(b) r
  WHERE b.hospital_id = p_hospital
    AND b.block_start >= date_bin('1 hour', p_from, TIMESTAMPTZ '2000-01-03 00:00:00+00') AND b.block_start < p_to
    AND b.t_last >= p_from AND b.t_first < p_to
    AND r.t >= p_from AND r.t < p_to
$fn$;
`,
};
