/**
 * The latest_vitals rows that changed since a notification, read on the replica pool in
 * ONE statement per hospital however many gateways changed: for each gateway, its rows
 * with t >= the oldest changed time, newest first, at most `limit` (a gateway has one
 * row per bed and metric, ~500 for a 50-bed ward; the bound keeps a misbehaving gateway
 * from making one event unbounded).
 */
import type pg from 'pg';
import { toDatabaseError } from '../../../storage/db-errors.js';
import { latestReadingView, type LatestRow } from '../read/latest.js';

export const MAX_ROWS_PER_GATEWAY = 2_000;

// `t >= from - 1 ms`: to_timestamp(ms / 1000) is a float computation, so a stored time can
// be a microsecond below the millisecond the notification carries.
const CHANGED_SQL = `
SELECT c.metric, c.t, c.value, c.flags, c.gateway_id, c.bed_id, c.device_id, c.patient_id
FROM unnest($2::text[], $3::float8[]) AS p(gateway_id, from_ms)
CROSS JOIN LATERAL (
  SELECT metric, t, value, flags, gateway_id, bed_id, device_id, patient_id FROM latest_vitals
  WHERE hospital_id = $1 AND gateway_id = p.gateway_id AND t >= to_timestamp((p.from_ms - 1) / 1000)
  ORDER BY t DESC LIMIT $4
) c`;

export interface ChangedRow extends LatestRow {
  patient_id: string;
}

export async function queryChangedRows(pool: pg.Pool, hospitalId: string, fromMsByGateway: ReadonlyMap<string, number>): Promise<ChangedRow[]> {
  const gateways = [...fromMsByGateway.keys()];
  const res = await pool
    .query<ChangedRow>(CHANGED_SQL, [hospitalId, gateways, gateways.map((g) => fromMsByGateway.get(g)!), MAX_ROWS_PER_GATEWAY])
    .catch((err: unknown) => {
      throw toDatabaseError(err);
    });
  return res.rows;
}

/** A changed row as the `latest` route shows a reading, plus the patient (a hospital's
 * stream covers every patient; '' when the bed has none admitted). */
export function changedRowView(r: ChangedRow, units?: ReadonlyMap<number, string>): ReturnType<typeof latestReadingView> & { patientId: string } {
  return { ...latestReadingView(r, units), patientId: r.patient_id };
}
