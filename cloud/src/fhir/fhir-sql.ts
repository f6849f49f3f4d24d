/**
 * The FHIR routes' SQL over the attached partitions (both tiers, as vital_readings_of_
 * hospital in migration 008, written out for the reasons HISTORY_SQL is) and over a
 * day's detached partitions, in compareFhirRows' order. Built per request shape because
 * a filter that is not needed (all metrics, all patients) must not be in the plan.
 */
import { blockReadingsSql } from '../lifecycle/archive/day-source.js';
import { VITAL_BLOCKS_TABLE } from '../storage/partitions.js';

const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";
const COLUMNS = 't, value, flags, metric, patient_id, gateway_id, device_id, bed_id';
const ORDER = 'ORDER BY patient_id, t, gateway_id, device_id, metric';
const DAY_TABLE = /^vital_(data|blocks)_p\d{8}$/;

/** Readings strictly after this key (a search page's cursor). */
export interface RowKey {
  patientId: string;
  t: Date;
  gatewayId: string;
  deviceId: string;
  metric: number;
}

export interface FhirQuery {
  hospitalId: string;
  /** One patient's readings; undefined: every admitted patient's (never an empty bed's). */
  patientId?: string;
  /** Only these MDC codes; undefined: every metric. */
  metrics?: number[];
  /** [from, to). */
  from: Date;
  to: Date;
  after?: RowKey;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/** The WHERE terms on a table aliased `a` whose columns are vital_data's. */
function filters(q: FhirQuery, params: unknown[], alias: string, times: boolean): string[] {
  const p = (v: unknown) => `$${params.push(v)}`;
  const terms = [`${alias}.hospital_id = ${p(q.hospitalId)}`];
  terms.push(q.patientId === undefined ? `${alias}.patient_id <> ''` : `${alias}.patient_id = ${p(q.patientId)}`);
  if (q.metrics !== undefined) terms.push(`${alias}.metric = ANY(${p(q.metrics)}::int[])`);
  // A page's cursor bounds the time too: within one patient, rows are in time order.
  const from = q.after !== undefined && q.patientId !== undefined && q.after.t > q.from ? q.after.t : q.from;
  if (times) terms.push(`${alias}.t >= ${p(from)}`, `${alias}.t < ${p(q.to)}`);
  return terms;
}

function afterKey(q: FhirQuery, params: unknown[]): string {
  if (q.after === undefined) return 'true';
  const p = (v: unknown) => `$${params.push(v)}`;
  const k = q.after;
  return `(patient_id, t, gateway_id, device_id, metric) > (${p(k.patientId)}::text, ${p(k.t)}::timestamptz, ${p(k.gatewayId)}::text, ${p(k.deviceId)}::text, ${p(k.metric)}::int)`;
}

export function attachedSql(q: FhirQuery): Statement {
  const params: unknown[] = [];
  const rows = filters(q, params, 'v', true).join(' AND ');
  const blocks = filters(q, params, 'b', false).join(' AND ');
  const from = `$${params.push(q.from)}::timestamptz`;
  const to = `$${params.push(q.to)}::timestamptz`;
  const sql = `SELECT ${COLUMNS} FROM (
  SELECT v.t, v.value, v.flags, v.metric, v.patient_id, v.gateway_id, v.device_id, v.bed_id FROM vital_data v WHERE ${rows}
  UNION ALL
  SELECT r.t, r.value, r.flags, b.metric, b.patient_id, b.gateway_id, b.device_id, b.bed_id
  FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
  WHERE ${blocks} AND b.block_start >= date_bin('1 hour', ${from}, ${ORIGIN}) AND b.block_start < ${to}
    AND b.t_last >= ${from} AND b.t_first < ${to} AND r.t >= ${from} AND r.t < ${to}
) a WHERE ${afterKey(q, params)} ${ORDER}`;
  return { sql, params };
}

/** The readings of a day's detached partitions (its archive job runs). */
export function detachedSql(q: FhirQuery, tables: string[]): Statement {
  const params: unknown[] = [];
  const parts = tables.map((table) => {
    if (!DAY_TABLE.test(table)) throw new RangeError(`${table} is not a day partition`);
    if (table.startsWith(`${VITAL_BLOCKS_TABLE}_p`)) return `SELECT ${COLUMNS} FROM (${blockReadingsSql(table, filters(q, params, 'b', false).join(' AND '))}) r`;
    return `SELECT ${COLUMNS} FROM "${table}" x WHERE ${filters(q, params, 'x', false).join(' AND ')}`;
  });
  const times = `t >= $${params.push(q.from)} AND t < $${params.push(q.to)}`;
  return { sql: `SELECT ${COLUMNS} FROM (${parts.join(' UNION ALL ')}) a WHERE ${times} AND ${afterKey(q, params)} ${ORDER}`, params };
}

/** The admitted patients with readings in the attached partitions over [from, to), in
 * order: the export reads a hot day one patient at a time, each an index range of the
 * primary key, rather than sorting a whole hospital's day in one statement.
 * $1 hospital_id, $2 from, $3 to. */
export const PATIENTS_OF_RANGE_SQL = `
SELECT patient_id FROM vital_data WHERE hospital_id = $1 AND t >= $2 AND t < $3 AND patient_id <> ''
UNION
SELECT patient_id FROM vital_blocks
WHERE hospital_id = $1 AND block_start >= date_bin('1 hour', $2::timestamptz, ${ORIGIN}) AND block_start < $3
  AND t_last >= $2 AND t_first < $3 AND patient_id <> ''
ORDER BY 1`;
