/**
 * Keeps latest_vitals (the dashboard's cache) current, in the load transaction. The
 * newest reading per (bed, metric) of the batch is picked in memory, so the upsert
 * touches one row per bed and metric (~500 for a 10 s batch of a 50-bed ward), not one
 * per reading. Rows go in key order, so two concurrent batches of one gateway lock them
 * in the same order and cannot deadlock; `WHERE excluded.t > lv.t` keeps a late backlog
 * from overwriting a newer value.
 *
 * On PostgreSQL the dashboards' NOTIFY (latest-notify.ts) rides in the same statement,
 * sent only when a row changed: one round trip per batch fewer, on both sides. The
 * statements are named (prepared once per connection): PostgreSQL skips their parse and
 * plan on every batch after the first.
 */
import type pg from 'pg';
import { readingOfColumns, type Reading, type ReadingColumns, type ReadingSeries } from '@wardlink/shared';
import { LATEST_CHANNEL, latestChangePayload } from './latest-notify.js';
import { float4Safe, isColumns, mdcCodeOf, NO_PATIENT, type BatchReadings } from './rows.js';

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
  // Keyed bed -> MDC code: no key string is built per run. Two metric keys may share a
  // code (a catalog id and its code in decimal), so the code, not the key, is the key.
  const byBed = new Map<string, Map<number, Latest>>();
  const all: Latest[] = [];
  let runBed = '';
  let runMetric = '';
  let current: Latest | undefined;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (current === undefined || r.bedId !== runBed || r.metric !== runMetric) {
      runBed = r.bedId;
      runMetric = r.metric;
      const metric = mdcCodeOf(r.metric);
      let ofBed = byBed.get(r.bedId);
      if (ofBed === undefined) byBed.set(r.bedId, (ofBed = new Map()));
      current = ofBed.get(metric);
      if (current === undefined) {
        ofBed.set(metric, (current = { bed: r.bedId, metric, r }));
        all.push(current);
        continue;
      }
    }
    if (r.deviceTimeMs > current.r.deviceTimeMs) current.r = r;
  }
  return all.sort(byKey);
}

/**
 * `newestPerBedAndMetric(readingsOfColumns(columns))`, from the columns: the newest
 * reading of each series is found in its time column, and only the ~500 winners become
 * `Reading` objects. The first of equal times wins, as there.
 */
export function newestPerBedAndMetricOfColumns(columns: ReadingColumns): Latest[] {
  interface Newest {
    bed: string;
    metric: number;
    series: ReadingSeries;
    i: number;
  }
  const byBed = new Map<string, Map<number, Newest>>();
  const found: Newest[] = [];
  const times = columns.deviceTimeMs;
  for (const s of columns.series) {
    let newest = s.start;
    for (let i = s.start + 1, end = s.start + s.count; i < end; i++) if (times[i]! > times[newest]!) newest = i;
    const metric = mdcCodeOf(s.metric);
    let ofBed = byBed.get(s.bedId);
    if (ofBed === undefined) byBed.set(s.bedId, (ofBed = new Map()));
    const current = ofBed.get(metric);
    if (current === undefined) {
      const n: Newest = { bed: s.bedId, metric, series: s, i: newest };
      ofBed.set(metric, n);
      found.push(n);
    } else if (times[newest]! > times[current.i]!) {
      current.series = s;
      current.i = newest;
    }
  }
  return found.map((n) => ({ bed: n.bed, metric: n.metric, r: readingOfColumns(columns, n.series, n.i) })).sort(byKey);
}

function byKey(a: Latest, b: Latest): number {
  return a.bed < b.bed ? -1 : a.bed > b.bed ? 1 : a.metric - b.metric;
}

/** What an upsert did: rows changed, and the time range of the candidates (for the
 * change notification: every changed row has fromMs <= t <= toMs). */
export interface LatestUpsert {
  changed: number;
  fromMs: number;
  toMs: number;
}

export interface UpsertOptions {
  /** Count the changed rows with RETURNING, for Citus, which reports an INSERT ... SELECT's
   * selected rows as its row count (so a late backlog would look like a change and wake
   * every dashboard). PostgreSQL's own count needs no rows sent back. */
  countReturned?: boolean;
  /** Send the change notification (notifyLatest's) from this statement when a row
   * changed. Not with `countReturned`: the caller then sends it itself. */
  notify?: boolean;
}

export async function upsertLatestVitals(
  client: pg.PoolClient,
  hospitalId: string,
  gatewayId: string,
  readings: BatchReadings,
  options: UpsertOptions = {},
): Promise<LatestUpsert> {
  const rows = isColumns(readings) ? newestPerBedAndMetricOfColumns(readings) : newestPerBedAndMetric(readings);
  if (rows.length === 0) return { changed: 0, fromMs: 0, toMs: 0 };
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const x of rows) {
    if (x.r.deviceTimeMs < fromMs) fromMs = x.r.deviceTimeMs;
    if (x.r.deviceTimeMs > toMs) toMs = x.r.deviceTimeMs;
  }
  const params = [hospitalId, gatewayId, ...arrayLiterals(rows)];
  if (options.notify && !options.countReturned) {
    // The CTE's rows are the changed ones; no row comes back (and nothing is sent) when
    // none changed. The notification is delivered only if the transaction commits.
    params.push(LATEST_CHANNEL, latestChangePayload({ hospitalId, gatewayId, fromMs, toMs }));
    const res = await client.query<{ changed: number }>({ name: 'wl_latest_upsert_notify', text: UPSERT_NOTIFY, values: params });
    return { changed: res.rows[0]?.changed ?? 0, fromMs, toMs };
  }
  // (Citus, countReturned: unnamed, as its other statements are.)
  const res = await client.query(options.countReturned ? { text: `${UPSERT} RETURNING 1`, values: params } : { name: 'wl_latest_upsert', text: UPSERT, values: params });
  return { changed: options.countReturned ? res.rows.length : (res.rowCount ?? 0), fromMs, toMs };
}

const UPSERT = `INSERT INTO latest_vitals AS lv (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
     SELECT $1, $2, u.bed_id, u.metric, to_timestamp(u.t / 1000), u.value, u.flags, u.patient_id, u.device_id
     FROM unnest($3::text[], $4::int[], $5::float8[], $6::real[], $7::smallint[], $8::text[], $9::text[])
          WITH ORDINALITY AS u(bed_id, metric, t, value, flags, patient_id, device_id, n)
     ORDER BY u.n
     ON CONFLICT (hospital_id, gateway_id, bed_id, metric) DO UPDATE
       SET t = excluded.t, value = excluded.value, flags = excluded.flags, patient_id = excluded.patient_id, device_id = excluded.device_id
       WHERE excluded.t > lv.t`;

const UPSERT_NOTIFY = `WITH changed AS (${UPSERT} RETURNING 1)
     SELECT c.n AS changed, pg_notify($10, $11) FROM (SELECT count(*)::int AS n FROM changed) c WHERE c.n > 0`;

/**
 * Parameters $3..$9 as array literals built here in one pass: node-postgres's generic
 * array serializer (a regex escape per element) cost more than the statement's execution.
 */
function arrayLiterals(rows: readonly Latest[]): string[] {
  const texts = new TextArrayLiteral();
  let beds = '';
  let metrics = '';
  let times = '';
  let values = '';
  let flags = '';
  let patients = '';
  let devices = '';
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i]!;
    const sep = i === 0 ? '' : ',';
    beds += sep + texts.quote(x.bed);
    metrics += sep + x.metric;
    times += sep + x.r.deviceTimeMs;
    values += sep + float4Safe(x.r.value); // Infinity and NaN are valid float input
    flags += sep + x.r.flags;
    patients += sep + texts.quote(x.r.patientId ?? NO_PATIENT);
    devices += sep + texts.quote(x.r.deviceId);
  }
  return [`{${beds}}`, `{${metrics}}`, `{${times}}`, `{${values}}`, `{${flags}}`, `{${patients}}`, `{${devices}}`];
}

/** PostgreSQL array literals of strings, each distinct string quoted once. */
export class TextArrayLiteral {
  private readonly quoted = new Map<string, string>();

  of(values: readonly string[]): string {
    return `{${values.map((v) => this.quote(v)).join(',')}}`;
  }

  quote(v: string): string {
    let q = this.quoted.get(v);
    // Ids rarely hold a quote or a backslash: the regex runs only for those that do.
    if (q === undefined) this.quoted.set(v, (q = v.includes('"') || v.includes('\\') ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`));
    return q;
  }
}
