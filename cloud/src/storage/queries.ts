/**
 * The read path's SQL, in one place, because the indexes were chosen for exactly these
 * statements and explain.test.ts proves their plans (index scans, partition pruning,
 * one statement for the dashboard). Change a query here and that test tells you whether
 * the plan still holds. Times are timestamptz parameters (JS Date); metrics are MDC codes.
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

/**
 * Latest value of each listed metric for one patient, straight from vital_data (for a
 * cold cache): one backward index probe per metric, LIMIT 1, in the partitions of
 * [$4, $5) only. $1 hospital_id, $2 patient_id, $3 int[] of metrics, $4 from, $5 to.
 */
export const LATEST_FOR_PATIENT_FROM_HISTORY_SQL = `
SELECT m.metric, v.t, v.value, v.flags
FROM unnest($3::int[]) AS m(metric)
CROSS JOIN LATERAL (
  SELECT t, value, flags FROM vital_data
  WHERE hospital_id = $1 AND patient_id = $2 AND metric = m.metric AND t >= $4 AND t < $5
  ORDER BY t DESC LIMIT 1
) v`;

/**
 * A patient's metric over a time range, oldest first, straight off the primary key in
 * the pruned partitions (no sort). $1 hospital_id, $2 patient_id, $3 metric, $4 from, $5 to.
 * received_at is read for the CLOCK_SUSPECT rows, where it holds the device clock's time.
 */
export const HISTORY_SQL = `
SELECT t, value, flags, received_at
FROM vital_data
WHERE hospital_id = $1 AND patient_id = $2 AND metric = $3 AND t >= $4 AND t < $5
ORDER BY t`;

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
 */
export const REPORT_SQL = `
SELECT patient_id, metric, date_bin($4::interval, t, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
       count(*)::int AS count,
       count(*) FILTER (WHERE flags <> 0)::int AS flagged,
       count(*) FILTER (WHERE flags & $5 = 0)::int AS measured,
       min(value) FILTER (WHERE flags & $5 = 0) AS min,
       max(value) FILTER (WHERE flags & $5 = 0) AS max,
       avg(value::float8) FILTER (WHERE flags & $5 = 0) AS avg
FROM vital_data
WHERE hospital_id = $1 AND t >= $2 AND t < $3 AND patient_id <> ''
GROUP BY patient_id, metric, bucket
ORDER BY patient_id, metric, bucket`;
