/**
 * The statement that reads one patient's metric from a day's partitions while its
 * archive job runs: detached (or detach-pending) tables are no longer seen through
 * vital_data and vital_blocks, but they still hold every reading of the day until the
 * job drops them after its archive verified. Same columns and order as the hot
 * history query: $1 hospital_id, $2 patient_id, $3 metric, $4 from, $5 to.
 * detachedDayReportSql: the report aggregates of those tables, as REPORT_SQL's.
 */
import { VITAL_BLOCKS_TABLE } from '../../storage/partitions.js';
import { blockReadingsSql } from './day-source.js';

const NAME = /^vital_(data|blocks)_p\d{8}$/;
/** REPORT_SQL's bucket origin (a UTC midnight), so buckets line up with the hot ones. */
const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

function checked(tables: string[]): string[] {
  for (const table of tables) if (!NAME.test(table)) throw new RangeError(`${table} is not a day partition`);
  return tables;
}

/** The report of the tables' readings: $1 hospital_id, $2 from, $3 to, $4 bucket
 * interval, $5 flag mask of readings not measured. Also returns `vsum`, the sum of the
 * measured values, so buckets of several sources combine exactly. */
export function detachedDayReportSql(tables: string[]): string {
  const parts = checked(tables).map((table) =>
    table.startsWith(`${VITAL_BLOCKS_TABLE}_p`)
      ? `SELECT patient_id, metric, t, value, flags FROM (${blockReadingsSql(table, "b.hospital_id = $1 AND b.patient_id <> '' AND b.t_last >= $2 AND b.t_first < $3")}) r`
      : `SELECT patient_id, metric, t, value, flags FROM "${table}" WHERE hospital_id = $1 AND patient_id <> ''`,
  );
  return `SELECT patient_id, metric, date_bin($4::interval, t, ${ORIGIN}) AS bucket,
    count(*)::int AS count, (count(*) FILTER (WHERE flags <> 0))::int AS flagged, (count(*) FILTER (WHERE flags & $5 = 0))::int AS measured,
    min(value) FILTER (WHERE flags & $5 = 0) AS min, max(value) FILTER (WHERE flags & $5 = 0) AS max,
    sum(value::float8) FILTER (WHERE flags & $5 = 0) / nullif(count(*) FILTER (WHERE flags & $5 = 0), 0) AS avg,
    sum(value::float8) FILTER (WHERE flags & $5 = 0) AS vsum
  FROM (${parts.join(' UNION ALL ')}) a WHERE t >= $2 AND t < $3
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
}

export function detachedDaySql(tables: string[]): string {
  const parts = checked(tables).map((table) =>
    table.startsWith(`${VITAL_BLOCKS_TABLE}_p`)
      ? `SELECT t, value, flags, received_at FROM (${blockReadingsSql(table, 'b.hospital_id = $1 AND b.patient_id = $2 AND b.metric = $3 AND b.t_last >= $4 AND b.t_first < $5')}) r`
      : `SELECT t, value, flags, received_at FROM "${table}" WHERE hospital_id = $1 AND patient_id = $2 AND metric = $3`,
  );
  return `SELECT t, value, flags, received_at FROM (${parts.join(' UNION ALL ')}) a WHERE t >= $4 AND t < $5 ORDER BY t`;
}
