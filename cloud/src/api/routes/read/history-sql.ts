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
 *   The series is of integers (the hours' numbers), whose length the planner knows once
 *   the bounds are bound, not of timestamptz, which it guesses is 1,000 rows long: that
 *   made a day's estimated cost ~40 times the real one, past jit_above_cost when the day
 *   had hours of rows, and JIT compiling took ~20 of the statement's ~40 ms.
 * - Blocks as they are stored: one row per block with its arrays as text, unpacked by
 *   the service (block-rows.ts), not one row per reading unpacked by window functions in
 *   PostgreSQL, which was most of the time of a day's answer (~150 of ~250 ms).
 * - Times as integers (epoch µs of a row's t and of a block's t_first), so nothing parses
 *   timestamptz text into a Date; received_at only for CLOCK_SUSPECT rows ($6), the only
 *   ones whose line shows it (as deviceClock); a block's lag array only when it has
 *   flags at all (most blocks have none, and the array's text was ~20% of the statement).
 * - Rows of vital_data (not compacted yet: the current hour, late readings) gathered the
 *   same way, one row per hour with its readings' columns as comma-separated text
 *   (`plain`), not one row of 15 mostly-NULL columns per reading: a day with a few hours
 *   not compacted was ~20,000 rows, and the driver's handling of each ~10% of the
 *   service's CPU for the answer (issue 17). The aggregates have no ORDER BY: all of them
 *   see the rows in the same order (that of the scan, the index's: t order), so their
 *   lists line up, and PostgreSQL sorts nothing; the service sorts an hour that is not
 *   in time order, stably, as it sorted the single rows before (plain-rows.ts).
 * The plain bounds on $4/$5 beside the per-hour ones keep the partition pruning by the
 * range (at plan time, or at executor start for a generic plan).
 *
 * A block: `plain` false; `n` readings; t_us is its t_first; its arrays as text.
 * Rows of vital_data: `plain` true; `n` readings of the hour; t_us is the hour's start;
 * dt their times (µs after t_us), vr their values (as PostgreSQL prints a real), fl
 * their flags, lag the device clock (received_at, epoch ms, floored) of the CLOCK_SUSPECT
 * ones only, in the same order.
 * $1 hospital_id, $2 patient_id, $3 metric, $4 from, $5 to, $6 the CLOCK_SUSPECT bit.
 * history-sql.test.ts proves the route reads exactly HISTORY_SQL's readings.
 */
const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

/** Its prepared statement's name on each connection (versioned: a connection keeps a
 * statement under its name, so a changed text needs a new name). */
export const HISTORY_STATEMENT = 'wl_history_hours_v3';

export interface HourRow {
  /** The hour's index in the range, 1-based. */
  hour: number;
  /** True for an hour's rows of vital_data, false for a block. */
  plain: boolean;
  t_us: number;
  n: number;
  t_unit_us: number | null;
  v_scale: number | null;
  lag_unit_us: number | null;
  dt: string;
  dv: string | null;
  vr: string | null;
  fl: string | null;
  lag: string | null;
}

export const HISTORY_STREAM_SQL = `
SELECT h.i AS hour, x.*
FROM generate_series(0, ceil(extract(epoch FROM $5::timestamptz - date_bin('1 hour', $4::timestamptz, ${ORIGIN})) / 3600)::int4 - 1) WITH ORDINALITY AS h(k, i)
CROSS JOIN LATERAL (SELECT date_bin('1 hour', $4::timestamptz, ${ORIGIN}) + h.k * interval '1 hour' AS hour_start) h_
CROSS JOIN LATERAL (
  SELECT true AS plain, (extract(epoch FROM h_.hour_start) * 1000000)::int8 AS t_us, count(*)::int4 AS n,
         NULL::int4 AS t_unit_us, NULL::int4 AS v_scale, NULL::int4 AS lag_unit_us,
         string_agg((extract(epoch FROM v.t - h_.hour_start) * 1000000)::int8::text, ',') AS dt, NULL::text AS dv,
         string_agg(v.value::text, ',') AS vr, string_agg(v.flags::text, ',') AS fl,
         string_agg(floor(extract(epoch FROM v.received_at) * 1000)::int8::text, ',') FILTER (WHERE v.flags & $6 <> 0) AS lag
  FROM vital_data v
  WHERE v.hospital_id = $1 AND v.patient_id = $2 AND v.metric = $3 AND v.t >= $4 AND v.t < $5
    AND v.t >= h_.hour_start AND v.t < h_.hour_start + interval '1 hour'
  HAVING count(*) > 0
  UNION ALL
  SELECT false, (extract(epoch FROM b.t_first) * 1000000)::int8, b.n, b.t_unit_us, b.v_scale, b.lag_unit_us,
         coalesce(array_to_string(b.dt, ','), array_to_string(b.dt64, ',')), array_to_string(b.dv, ','), array_to_string(b.v_raw, ','),
         array_to_string(b.flags, ','), CASE WHEN b.flags IS NOT NULL THEN coalesce(array_to_string(b.lag16, ','), array_to_string(b.lag64, ',')) END
  FROM vital_blocks b
  WHERE b.hospital_id = $1 AND b.patient_id = $2 AND b.metric = $3
    AND b.block_start >= date_bin('1 hour', $4::timestamptz, ${ORIGIN}) AND b.block_start < $5
    AND b.block_start = h_.hour_start
    AND b.t_last >= $4 AND b.t_first < $5
) x
ORDER BY h.i`;
