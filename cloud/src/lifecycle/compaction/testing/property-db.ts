/**
 * The database side of compaction-property.test.ts: readings in and out of vital_data
 * (and of the plain table of expected readings), queries read back as PostgreSQL's exact
 * text, and digests (count and md5) of readings, every column exact.
 */
import type pg from 'pg';
import { HOSPITALS } from '../../testing/harness.js';
import type { Reading } from './property-streams.js';

/** "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" of µs since the epoch. */
export function isoUs(us: number): string {
  const ms = Math.floor(us / 1_000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1_000).padStart(3, '0')}Z`;
}

/** The text PostgreSQL's real input reads back as this very float4 (-0, NaN, infinities included). */
function float4Text(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** A plain table of the readings every answer should be over (rows, one per key). */
export const EXPECTED = 'prop_expected';

const COLUMNS = 't, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id';

/** Inserts readings (ON CONFLICT DO NOTHING, as ingest does); returns how many went in. */
export async function insertReadings(pool: pg.Pool, table: string, rs: readonly Reading[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rs.length; i += 20_000) {
    const chunk = rs.slice(i, i + 20_000);
    const res = await pool.query(
      `INSERT INTO ${table} (${COLUMNS})
       SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::bigint[], $4::real[], $5::int[], $6::smallint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT DO NOTHING`,
      [
        chunk.map((r) => isoUs(r.t)),
        chunk.map((r) => isoUs(r.recv)),
        chunk.map((r) => String(r.seq)),
        chunk.map((r) => float4Text(r.value)),
        chunk.map((r) => r.metric),
        chunk.map((r) => r.flags),
        chunk.map((r) => r.hospital),
        chunk.map((r) => r.patient),
        chunk.map((r) => r.gateway),
        chunk.map((r) => r.device),
        chunk.map((r) => r.bed),
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

export async function deleteReadings(pool: pg.Pool, rs: readonly Reading[]): Promise<void> {
  await pool.query(
    `DELETE FROM vital_data WHERE (hospital_id, patient_id, metric, t, gateway_id, device_id) IN
       (SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::text[]))`,
    [rs.map((r) => r.hospital), rs.map((r) => r.patient), rs.map((r) => r.metric), rs.map((r) => isoUs(r.t)), rs.map((r) => r.gateway), rs.map((r) => r.device)],
  );
}

/** Every column as the text PostgreSQL sends: exact (float4 digits, µs), nothing parsed. */
const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

export async function rawQuery(pool: pg.Pool, text: string, values: unknown[]): Promise<Array<Record<string, string | null>>> {
  const res = await pool.query<Record<string, string | null>>({ text, values, types: RAW_TEXT });
  return res.rows;
}

/** µs since the epoch of a timestamptz as PostgreSQL prints it ("2030-06-13 23:59:59.5+00"). */
export function tsUs(text: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/.exec(text);
  if (!m) throw new Error(`unexpected timestamptz text ${text}`);
  const offsetS = (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 3_600 + Number(m[6] ?? 0) * 60 + Number(m[7] ?? 0));
  return (Date.parse(`${m[1]}T${m[2]}Z`) - offsetS * 1_000) * 1_000 + Number((m[3] ?? '').padEnd(6, '0'));
}

/**
 * Count and md5 of readings, every column exact, in a total order. (Not the harness's
 * fingerprint(): its float sum depends on the order of the additions, which with values
 * up to 3.4e38 shows in the digits it keeps.)
 */
function digestSql(from: string): string {
  return `SELECT count(*)::int AS n, coalesce(md5(string_agg(concat_ws('|',
      (extract(epoch FROM t) * 1000000)::bigint, (extract(epoch FROM received_at) * 1000000)::bigint, batch_seq, value::text, metric, flags,
      quote_literal(hospital_id), quote_literal(patient_id), quote_literal(gateway_id), quote_literal(device_id), quote_literal(bed_id)),
    ',' ORDER BY hospital_id, patient_id, metric, t, gateway_id, device_id, bed_id, batch_seq)), '') AS md5
    FROM ${from}`;
}

export async function digest(pool: pg.Pool, from: string, values: unknown[] = []): Promise<{ n: number; md5: string }> {
  const res = await pool.query<{ n: number; md5: string }>(digestSql(from), values);
  return res.rows[0]!;
}

export const BOTH_TIERS = `(${HOSPITALS.map((h) => `SELECT * FROM vital_readings_of_hospital('${h}', '2000-01-01', '2100-01-01')`).join(' UNION ALL ')}) x`;
