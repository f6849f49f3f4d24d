/**
 * The latest-vitals cache's two statements, on the read pool. Both bring each row's ward
 * (the dashboard groups by it) and its patient's display name with it, so the dashboard
 * is answered without another query. The time comes twice: as the driver parses it (the
 * `latest` route's ISO time) and as the dashboard's SQL rounds it to epoch milliseconds,
 * so both routes show exactly what their database queries show.
 */
import type pg from 'pg';
import { toDatabaseError } from '../storage/db-errors.js';

const COLUMNS = `lv.gateway_id, lv.bed_id, lv.metric, lv.t, (extract(epoch FROM lv.t) * 1000)::bigint AS t_ms,
  lv.value, lv.flags, lv.patient_id, lv.device_id, g.ward_id, p.display_name`;
const JOINS = `LEFT JOIN gateways g ON g.hospital_id = lv.hospital_id AND g.gateway_id = lv.gateway_id
LEFT JOIN patients p ON p.hospital_id = lv.hospital_id AND p.patient_id = lv.patient_id`;

/** Every latest_vitals row of one hospital (through the primary key's prefix). */
const LOAD_SQL = `SELECT ${COLUMNS} FROM latest_vitals lv ${JOINS} WHERE lv.hospital_id = $1`;

// `t >= from - 1 ms`: to_timestamp(ms / 1000) is a float computation, so a stored time can
// be a microsecond below the millisecond the notification carries (as changed-rows.ts).
const CHANGED_SQL = `SELECT ${COLUMNS}
FROM unnest($2::text[], $3::float8[]) AS c(gateway_id, from_ms)
JOIN latest_vitals lv ON lv.hospital_id = $1 AND lv.gateway_id = c.gateway_id AND lv.t >= to_timestamp((c.from_ms - 1) / 1000)
${JOINS}`;

export interface CacheRow {
  gateway_id: string;
  bed_id: string;
  metric: number;
  t: Date;
  /** bigint: a string from the driver. */
  t_ms: string;
  value: number;
  flags: number;
  patient_id: string;
  device_id: string;
  /** null when the gateway row is gone (the dashboard's inner join leaves the bed out). */
  ward_id: string | null;
  display_name: string | null;
}

export async function loadHospitalRows(pool: pg.Pool, hospitalId: string): Promise<CacheRow[]> {
  const res = await pool.query<CacheRow>(LOAD_SQL, [hospitalId]).catch((err: unknown) => {
    throw toDatabaseError(err);
  });
  return res.rows;
}

/** The rows of the gateways whose change was announced, from the oldest announced time. */
export async function loadChangedRows(pool: pg.Pool, hospitalId: string, fromMsByGateway: ReadonlyMap<string, number>): Promise<CacheRow[]> {
  const gateways = [...fromMsByGateway.keys()];
  const res = await pool.query<CacheRow>(CHANGED_SQL, [hospitalId, gateways, gateways.map((g) => fromMsByGateway.get(g)!)]).catch((err: unknown) => {
    throw toDatabaseError(err);
  });
  return res.rows;
}
