/**
 * The read path's SQL, in one place, because the indexes were chosen for exactly these
 * statements and explain.test.ts proves their plans (index scans, partition pruning,
 * one statement for the dashboard). Change a query here and that test tells you whether
 * the plan still holds. Times are timestamptz parameters (JS Date); metrics are MDC codes.
 *
 * Blocks are unpacked with vital_block_rows(ROW(b.*)::vital_blocks), not (b): on Citus a
 * query runs on a worker against shard tables (vital_blocks_102040), whose row type has
 * no such function, while the explicit row of the parent's type works on both; PostgreSQL
 * folds it back to the columns when it inlines the function, so the plan is the same.
 */

/**
 * Latest value of each metric for one patient, from the latest_vitals cache.
 * $1 hospital_id, $2 patient_id. (A patient who changed beds can have rows under both
 * beds until the old bed reports again; DISTINCT ON keeps the newest per metric.)
 */
export const LATEST_FOR_PATIENT_SQL = `
SELECT DISTINCT ON (metric) metric, t, value, flags, gateway_id, bed_id, device_id
FROM latest_vitals
WHERE hospital_id = $1 AND patient_id = $2
ORDER BY metric, t DESC`;

/** date_bin's origin for hours and days: a Monday, UTC midnight. */
const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

/**
 * Latest value of each listed metric for one patient, from the stored readings (for a
 * cold cache): per metric, one backward index probe into the rows still in vital_data,
 * and the newest block's readings (blocks are whole UTC hours, so the block with the
 * latest hour holds the latest compacted reading; only that hour is unpacked). Both only
 * in the partitions of [$4, $5). $1 hospital_id, $2 patient_id, $3 int[] of metrics,
 * $4 from, $5 to.
 */
export const LATEST_FOR_PATIENT_FROM_HISTORY_SQL = `
SELECT m.metric, v.t, v.value, v.flags
FROM unnest($3::int[]) AS m(metric)
CROSS JOIN LATERAL (
  SELECT u.t, u.value, u.flags FROM (
    (SELECT t, value, flags FROM vital_data
     WHERE hospital_id = $1 AND patient_id = $2 AND metric = m.metric AND t >= $4 AND t < $5
     ORDER BY t DESC LIMIT 1)
    UNION ALL
    (SELECT r.t, r.value, r.flags FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
     WHERE b.hospital_id = $1 AND b.patient_id = $2 AND b.metric = m.metric
       AND b.block_start >= date_bin('1 hour', $4::timestamptz, ${ORIGIN}) AND b.block_start < $5
       AND b.t_last >= $4 AND b.t_first < $5 AND r.t >= $4 AND r.t < $5
     ORDER BY b.block_start DESC, r.t DESC LIMIT 1)
  ) u
  ORDER BY u.t DESC LIMIT 1
) v`;

/**
 * A patient's metric over a time range, oldest first, from both tiers: the body of
 * vital_readings() (migration 008), written out here rather than called. It reads the rows
 * off the primary key in the pruned partitions and unpacks only the blocks of the range's
 * hours. Written out because Citus cannot plan a SQL function that reads distributed
 * tables when it has parameters; as one statement it is a single-shard router query
 * (docs/scaling.md), and PostgreSQL plans it exactly as the inlined function.
 * $1 hospital_id, $2 patient_id, $3 metric, $4 from, $5 to. received_at is read for the
 * CLOCK_SUSPECT rows, where it holds the device clock's time.
 */
export const HISTORY_SQL = `
SELECT t, value, flags, received_at FROM (
  SELECT v.t, v.value, v.flags, v.received_at
  FROM vital_data v
  WHERE v.hospital_id = $1 AND v.patient_id = $2 AND v.metric = $3 AND v.t >= $4 AND v.t < $5
  UNION ALL
  SELECT r.t, r.value, r.flags, r.received_at
  FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
  WHERE b.hospital_id = $1 AND b.patient_id = $2 AND b.metric = $3
    AND b.block_start >= date_bin('1 hour', $4::timestamptz, ${ORIGIN}) AND b.block_start < $5
    AND b.t_last >= $4 AND b.t_first < $5
    AND r.t >= $4 AND r.t < $5
) a
ORDER BY a.t`;

/**
 * The active-patients dashboard of a hospital in ONE statement (never one query per
 * patient): every admitted bed that reported since $2, with its ward, patient and all of
 * its latest metrics as {"<mdc code>": [epoch ms, value, flags]}. $1 hospital_id, $2 since.
 */
export const ACTIVE_PATIENTS_SQL = `
SELECT g.ward_id, a.gateway_id, a.bed_id, a.patient_id, p.display_name, a.last_t, a.vitals
FROM (
  -- Aggregate first, so the joins below run once per bed, not once per metric.
  SELECT gateway_id, bed_id, patient_id, max(t) AS last_t,
         jsonb_object_agg(metric::text, jsonb_build_array((extract(epoch FROM t) * 1000)::bigint, value, flags)) AS vitals
  FROM latest_vitals
  WHERE hospital_id = $1 AND patient_id <> '' AND t >= $2
  GROUP BY gateway_id, bed_id, patient_id
) a
JOIN gateways g ON g.hospital_id = $1 AND g.gateway_id = a.gateway_id
LEFT JOIN patients p ON p.hospital_id = $1 AND p.patient_id = a.patient_id
ORDER BY g.ward_id, a.bed_id`;

/**
 * The aggregates of a report, per patient, metric and UTC bucket ($4: '1 hour' for the
 * daily report, '1 day' for the weekly one), in ONE statement over [$2, $3). The bounds
 * on t are plain parameters so the plan prunes to the report's day partitions; buckets
 * come from date_bin against a fixed UTC origin rather than date_trunc, which would
 * follow the session's TimeZone. Readings of an empty bed (patient_id '') are not a
 * patient's and are left out. `count` and `flagged` count every reading; min, max and
 * avg (and `measured`, the readings they are over) skip readings with a flag of $5 (the
 * flags that say the value is not patient physiology), so a probe-off zero never shows
 * as a minimum. $1 hospital_id, $2 from, $3 to, $4 bucket interval, $5 flag mask.
 *
 * Three parts, summed per bucket: the rows still in vital_data; the compacted blocks
 * whose stored aggregates answer exactly (the block lies inside the range and inside
 * one bucket, and was aggregated for the same mask), read without unpacking; and any
 * other block, unpacked. avg is sum / measured over all three, so it can differ from
 * avg() over rows in the last bits of a float8 (the additions come in another order).
 */
export const REPORT_SQL = `
SELECT patient_id, metric, bucket,
       sum(count)::int AS count, sum(flagged)::int AS flagged, sum(measured)::int AS measured,
       min(min) AS min, max(max) AS max, sum(vsum) / nullif(sum(measured), 0) AS avg
FROM (
  SELECT patient_id, metric, date_bin($4::interval, t, ${ORIGIN}) AS bucket,
         count(*) AS count,
         count(*) FILTER (WHERE flags <> 0) AS flagged,
         count(*) FILTER (WHERE flags & $5 = 0) AS measured,
         min(value) FILTER (WHERE flags & $5 = 0) AS min,
         max(value) FILTER (WHERE flags & $5 = 0) AS max,
         sum(value::float8) FILTER (WHERE flags & $5 = 0) AS vsum
  FROM vital_data
  WHERE hospital_id = $1 AND t >= $2 AND t < $3 AND patient_id <> ''
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT patient_id, metric, date_bin($4::interval, t_first, ${ORIGIN}),
         sum(n), sum(n_flagged), sum(n_measured), min(v_min), max(v_max), sum(v_sum)
  FROM vital_blocks
  WHERE hospital_id = $1 AND block_start >= date_bin('1 hour', $2::timestamptz, ${ORIGIN}) AND block_start < $3 AND patient_id <> ''
    AND t_first >= $2 AND t_last < $3 AND agg_mask = $5
    AND date_bin($4::interval, t_first, ${ORIGIN}) = date_bin($4::interval, t_last, ${ORIGIN})
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT b.patient_id, b.metric, date_bin($4::interval, r.t, ${ORIGIN}),
         count(*),
         count(*) FILTER (WHERE r.flags <> 0),
         count(*) FILTER (WHERE r.flags & $5 = 0),
         min(r.value) FILTER (WHERE r.flags & $5 = 0),
         max(r.value) FILTER (WHERE r.flags & $5 = 0),
         sum(r.value::float8) FILTER (WHERE r.flags & $5 = 0)
  FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
  WHERE b.hospital_id = $1 AND b.block_start >= date_bin('1 hour', $2::timestamptz, ${ORIGIN}) AND b.block_start < $3 AND b.patient_id <> ''
    AND b.t_last >= $2 AND b.t_first < $3
    AND NOT (b.t_first >= $2 AND b.t_last < $3 AND b.agg_mask = $5
             AND date_bin($4::interval, b.t_first, ${ORIGIN}) = date_bin($4::interval, b.t_last, ${ORIGIN}))
    AND r.t >= $2 AND r.t < $3
  GROUP BY 1, 2, 3
) parts
GROUP BY patient_id, metric, bucket
ORDER BY patient_id, metric, bucket`;
