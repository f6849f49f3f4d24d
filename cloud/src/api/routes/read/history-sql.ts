/**
 * The history route's statement: the readings of HISTORY_SQL (storage/queries.ts, the
 * body of vital_readings(), both tiers), shaped for streaming out as NDJSON rather than
 * for general use:
 *
 * - Hour by hour. A block holds exactly one UTC hour (block-encoder.ts), so the range is
 *   walked as its hours (generate_series WITH ORDINALITY, which the planner knows is in
 *   order): the answer is in hour order with no Sort node at all, and the service puts
 *   one hour at a time in time order (hour-rows.ts). HISTORY_SQL sorts the whole range,
 *   which spilled to disk past work_mem (86,400 readings for 24 h of a 1 Hz metric: 3 MB).
 * - Blocks as they are stored: one row per block with its arrays as text, unpacked by
 *   the service (block-rows.ts), not one row per reading unpacked by window functions in
 *   PostgreSQL, which was most of the time of a day's answer (~150 of ~250 ms).
 * - Times as integers (epoch µs of a row's t and of a block's t_first), so nothing parses
 *   timestamptz text into a Date; received_at only for CLOCK_SUSPECT rows ($6), the only
 *   ones whose line shows it (as deviceClock); a block's lag array only when it has
 *   flags at all (most blocks have none, and the array's text was ~20% of the statement).
 * The plain bounds on $4/$5 beside the per-hour ones keep the partition pruning by the
 * range (at plan time, or at executor start for a generic plan).
 *
 * A row of vital_data: `n` is null; t_us, value, flags, device_ms (epoch ms, floored).
 * A block: `n` readings; t_us is its t_first; the arrays as comma-separated text.
 * $1 hospital_id, $2 patient_id, $3 metric, $4 from, $5 to, $6 the CLOCK_SUSPECT bit.
 * history-sql.test.ts proves the route reads exactly HISTORY_SQL's readings.
 */
const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

/** Its prepared statement's name on each connection (versioned: a connection keeps a
 * statement under its name, so a changed text needs a new name). */
export const HISTORY_STATEMENT = 'wl_history_hours_v2';

export interface HourRow {
  /** The hour's index in the range, 1-based. */
  hour: number;
  t_us: number;
  value: number | null;
  flags: number | null;
  device_ms: number | null;
  n: number | null;
  t_unit_us: number | null;
  v_scale: number | null;
  lag_unit_us: number | null;
  dt: string | null;
  dv: string | null;
  vr: string | null;
  fl: string | null;
  lag: string | null;
}

export const HISTORY_STREAM_SQL = `
SELECT h.i AS hour, x.*
FROM generate_series(date_bin('1 hour', $4::timestamptz, ${ORIGIN}), $5::timestamptz - interval '1 microsecond', interval '1 hour') WITH ORDINALITY AS h(hour_start, i)
CROSS JOIN LATERAL (
  SELECT (extract(epoch FROM v.t) * 1000000)::int8 AS t_us, v.value, v.flags,
         CASE WHEN v.flags & $6 <> 0 THEN floor(extract(epoch FROM v.received_at) * 1000)::int8 END AS device_ms,
         NULL::int4 AS n, NULL::int4 AS t_unit_us, NULL::int4 AS v_scale, NULL::int4 AS lag_unit_us,
         NULL::text AS dt, NULL::text AS dv, NULL::text AS vr, NULL::text AS fl, NULL::text AS lag
  FROM vital_data v
  WHERE v.hospital_id = $1 AND v.patient_id = $2 AND v.metric = $3 AND v.t >= $4 AND v.t < $5
    AND v.t >= h.hour_start AND v.t < h.hour_start + interval '1 hour'
  UNION ALL
  SELECT (extract(epoch FROM b.t_first) * 1000000)::int8, NULL, NULL, NULL, b.n, b.t_unit_us, b.v_scale, b.lag_unit_us,
         coalesce(array_to_string(b.dt, ','), array_to_string(b.dt64, ',')), array_to_string(b.dv, ','), array_to_string(b.v_raw, ','),
         array_to_string(b.flags, ','), CASE WHEN b.flags IS NOT NULL THEN coalesce(array_to_string(b.lag16, ','), array_to_string(b.lag64, ',')) END
  FROM vital_blocks b
  WHERE b.hospital_id = $1 AND b.patient_id = $2 AND b.metric = $3
    AND b.block_start >= date_bin('1 hour', $4::timestamptz, ${ORIGIN}) AND b.block_start < $5
    AND b.block_start = h.hour_start
    AND b.t_last >= $4 AND b.t_first < $5
) x
ORDER BY h.i`;
