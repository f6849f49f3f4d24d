/**
 * Keeps latest_vitals (the dashboard's cache) current, in the load transaction. The
 * newest reading per (bed, metric) of the batch is picked in memory, so the upsert
 * touches one row per bed and metric (~500 for a 10 s batch of a 50-bed ward), not one
 * per reading. Rows go in key order, so two concurrent batches of one gateway lock them
 * in the same order and cannot deadlock; `WHERE excluded.t > lv.t` keeps a late backlog
 * from overwriting a newer value.
 */
import type pg from 'pg';
import type { Reading } from '@wardlink/shared';
import { float4Safe, mdcCodeOf, NO_PATIENT } from './rows.js';

interface Latest {
  bed: string;
  metric: number;
  r: Reading;
}

/**
 * The newest reading of each (bed, metric), sorted by key. The decoder yields readings
 * grouped by device stream and then by metric, so (bed, metric) comes in runs: the map
 * is consulted once per run (~500 per batch), not once per reading (~4,000).
 */
export function newestPerBedAndMetric(readings: readonly Reading[]): Latest[] {
  const byKey = new Map<string, Latest>();
  let runBed = '';
  let runMetric = '';
  let current: Latest | undefined;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (current === undefined || r.bedId !== runBed || r.metric !== runMetric) {
      runBed = r.bedId;
      runMetric = r.metric;
      const metric = mdcCodeOf(r.metric);
      const key = `${r.bedId}\u0000${metric}`;
      current = byKey.get(key);
      if (current === undefined) {
        byKey.set(key, (current = { bed: r.bedId, metric, r }));
        continue;
      }
    }
    if (r.deviceTimeMs > current.r.deviceTimeMs) current.r = r;
  }
  return [...byKey.values()].sort((a, b) => (a.bed < b.bed ? -1 : a.bed > b.bed ? 1 : a.metric - b.metric));
}

/** What an upsert did: rows changed, and the time range of the candidates (for the
 * change notification: every changed row has fromMs <= t <= toMs). */
export interface LatestUpsert {
  changed: number;
  fromMs: number;
  toMs: number;
}

/**
 * `countReturned`: count the changed rows with RETURNING, for Citus, which reports an
 * INSERT ... SELECT's selected rows as its row count (so a late backlog would look like a
 * change and wake every dashboard). PostgreSQL's own count needs no rows sent back.
 */
export async function upsertLatestVitals(
  client: pg.PoolClient,
  hospitalId: string,
  gatewayId: string,
  readings: readonly Reading[],
  options: { countReturned?: boolean } = {},
): Promise<LatestUpsert> {
  const rows = newestPerBedAndMetric(readings);
  if (rows.length === 0) return { changed: 0, fromMs: 0, toMs: 0 };
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const x of rows) {
    if (x.r.deviceTimeMs < fromMs) fromMs = x.r.deviceTimeMs;
    if (x.r.deviceTimeMs > toMs) toMs = x.r.deviceTimeMs;
  }
  // Array parameters as literals built here: node-postgres's generic array serializer
  // (a regex escape per element) cost more than the statement's execution.
  const texts = new TextArrayLiteral();
  const res = await client.query(
    `INSERT INTO latest_vitals AS lv (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
     SELECT $1, $2, u.bed_id, u.metric, to_timestamp(u.t / 1000), u.value, u.flags, u.patient_id, u.device_id
     FROM unnest($3::text[], $4::int[], $5::float8[], $6::real[], $7::smallint[], $8::text[], $9::text[])
          WITH ORDINALITY AS u(bed_id, metric, t, value, flags, patient_id, device_id, n)
     ORDER BY u.n
     ON CONFLICT (hospital_id, gateway_id, bed_id, metric) DO UPDATE
       SET t = excluded.t, value = excluded.value, flags = excluded.flags, patient_id = excluded.patient_id, device_id = excluded.device_id
       WHERE excluded.t > lv.t${options.countReturned ? ' RETURNING 1' : ''}`,
    [
      hospitalId,
      gatewayId,
      texts.of(rows.map((x) => x.bed)),
      numberArray(rows.map((x) => x.metric)),
      numberArray(rows.map((x) => x.r.deviceTimeMs)),
      numberArray(rows.map((x) => float4Safe(x.r.value))),
      numberArray(rows.map((x) => x.r.flags)),
      texts.of(rows.map((x) => x.r.patientId ?? NO_PATIENT)),
      texts.of(rows.map((x) => x.r.deviceId)),
    ],
  );
  return { changed: options.countReturned ? res.rows.length : (res.rowCount ?? 0), fromMs, toMs };
}

/** A PostgreSQL array literal of numbers (Infinity and NaN are valid float input). */
export function numberArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

/** PostgreSQL array literals of strings, each distinct string quoted once. */
export class TextArrayLiteral {
  private readonly quoted = new Map<string, string>();

  of(values: readonly string[]): string {
    return `{${values.map((v) => this.quote(v)).join(',')}}`;
  }

  private quote(v: string): string {
    let q = this.quoted.get(v);
    if (q === undefined) this.quoted.set(v, (q = `"${v.replace(/["\\]/g, '\\$&')}"`));
    return q;
  }
}
