/**
 * The parameters of GET .../fhir/Observation: `patient` (required: a search is one
 * patient's, as the history is), `code` (token list: LOINC or MDC, with or without its
 * system), `date` with the prefixes ge, gt, lt, le (at most one lower and one upper
 * bound), `_count` and `_cursor` (the opaque position of a next page, bound to the query
 * it came from). A range is always bounded: no upper bound is "now", no lower bound is
 * one day before the upper, and a range longer than server.historyMaxDays is refused.
 * Other parameters are ignored, as FHIR allows (lenient handling), except `_sort`,
 * `_include` and `_revinclude`, which would change the answer and are refused.
 */
import { createHash } from 'node:crypto';
import { InvalidParameterError, metricByMdcCode, METRICS } from '@wardlink/shared';
import { LOINC, MDC, METRIC_CODES, BP_PANEL, PRESSURE_FAMILIES, pressureFamilyOf } from '../../../fhir/codes.js';
import { FhirParameterError } from '../../../fhir/fhir-errors.js';
import type { FhirQuery, RowKey } from '../../../fhir/fhir-sql.js';
import { parseFhirTime } from './fhir-time.js';

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1_000;
const DAY_MS = 86_400_000;
const REFUSED = ['_sort', '_include', '_revinclude', '_summary', '_elements'];

export interface ObservationSearch {
  query: FhirQuery & { patientId: string };
  count: number;
  /** Binds a cursor to the query it was made for. */
  fingerprint: string;
}

/** The MDC codes a code token selects; a blood pressure code selects its whole family
 * (the Observation holds all three), an unknown code selects nothing. */
function metricsOfToken(token: string): number[] {
  const bar = token.indexOf('|');
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const code = bar < 0 ? token : token.slice(bar + 1);
  const found = new Set<number>();
  if (system === undefined || system === LOINC) {
    for (const m of Object.values(METRICS)) if (METRIC_CODES[m.id].loinc.some((l) => l.code === code)) found.add(m.mdcCode);
    if (code === BP_PANEL.code) for (const f of PRESSURE_FAMILIES) [f.sys, f.dia, f.mean].forEach((c) => found.add(c));
  }
  if ((system === undefined || system === MDC) && /^\d{1,7}$/.test(code)) {
    const mdc = Number(code);
    const family = PRESSURE_FAMILIES.find((f) => f.mdcCode === mdc);
    if (family) [family.sys, family.dia, family.mean].forEach((c) => found.add(c));
    else found.add(mdc);
  }
  for (const c of [...found]) {
    const f = pressureFamilyOf(c);
    if (f && metricByMdcCode(c) !== undefined) [f.sys, f.dia, f.mean].forEach((x) => found.add(x));
  }
  return [...found];
}

function parseCodes(values: string[]): number[] | undefined {
  if (values.length === 0) return undefined;
  const tokens = values.flatMap((v) => v.split(',')).filter((t) => t !== '');
  return [...new Set(tokens.flatMap(metricsOfToken))].sort((a, b) => a - b);
}

function parseDates(values: string[], now: Date, maxDays: number): { from: Date; to: Date } {
  let from: Date | undefined;
  let to: Date | undefined;
  for (const v of values) {
    const prefix = v.slice(0, 2);
    const at = parseFhirTime('date', /^[a-z]{2}/.test(v) ? v.slice(2) : v);
    if (prefix === 'ge' || prefix === 'gt') {
      if (from !== undefined) throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', 'date', 'give at most one lower bound (ge or gt)');
      from = prefix === 'gt' ? new Date(at.getTime() + 1) : at;
    } else if (prefix === 'lt' || prefix === 'le') {
      if (to !== undefined) throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', 'date', 'give at most one upper bound (lt or le)');
      to = prefix === 'le' ? new Date(at.getTime() + 1) : at;
    } else {
      throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', 'date', 'date takes the prefixes ge, gt, lt or le (e.g. date=ge2026-03-01T00:00:00Z&date=lt2026-03-02T00:00:00Z)');
    }
  }
  to ??= from === undefined ? now : new Date(Math.min(now.getTime(), from.getTime() + DAY_MS));
  from ??= new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new InvalidParameterError('WL_API_INVALID_RANGE', 'date', 'the lower date bound must be before the upper one', { from: from.toISOString(), to: to.toISOString() });
  }
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new InvalidParameterError('WL_API_RANGE_TOO_LONG', 'date', `the date range is longer than ${maxDays} days; search it in pieces of at most ${maxDays} days`, { maxDays });
  }
  return { from, to };
}

function parseCount(raw: string | null): number {
  if (raw === null) return DEFAULT_COUNT;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1)) throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', '_count', `_count must be a whole number from 1 to ${MAX_COUNT}`);
  return Math.min(n, MAX_COUNT);
}

function parsePatient(raw: string | null): string {
  const id = raw?.startsWith('Patient/') ? raw.slice('Patient/'.length) : raw;
  if (id === null || id === undefined || id === '' || id.length > 256) {
    throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', 'patient', 'patient is required (patient=<id> or patient=Patient/<id>): a search reads one patient’s Observations');
  }
  return id;
}

export function parseObservationSearch(search: URLSearchParams, hospitalId: string, now: Date, maxDays: number): ObservationSearch {
  for (const name of REFUSED) if (search.has(name)) throw new FhirParameterError('WL_FHIR_INVALID_PARAMETER', name, `${name} is not supported on Observation searches; leave it out`);
  const patientId = parsePatient(search.get('patient') ?? search.get('subject'));
  const metrics = parseCodes(search.getAll('code'));
  const { from, to } = parseDates(search.getAll('date'), now, maxDays);
  const count = parseCount(search.get('_count'));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([hospitalId, patientId, metrics ?? null, from.getTime(), to.getTime()]))
    .digest('base64url')
    .slice(0, 12);
  const query: ObservationSearch['query'] = { hospitalId, patientId, from, to, ...(metrics === undefined ? {} : { metrics }) };
  const cursor = search.get('_cursor');
  if (cursor !== null) query.after = decodeCursor(cursor, fingerprint, patientId);
  return { query, count, fingerprint };
}

/** The position after the last reading of a page, opaque to the client. */
export function encodeCursor(fingerprint: string, k: RowKey): string {
  return Buffer.from(JSON.stringify([fingerprint, k.t.getTime(), k.gatewayId, k.deviceId, k.metric])).toString('base64url');
}

function decodeCursor(raw: string, fingerprint: string, patientId: string): RowKey {
  try {
    const [fp, t, gatewayId, deviceId, metric] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [string, number, string, string, number];
    if (fp === fingerprint && Number.isFinite(t) && typeof gatewayId === 'string' && typeof deviceId === 'string' && Number.isInteger(metric)) {
      return { patientId, t: new Date(t), gatewayId, deviceId, metric };
    }
  } catch {
    // answered below
  }
  throw new FhirParameterError('WL_FHIR_INVALID_CURSOR', '_cursor', '_cursor is not a page position of this search; follow the "next" link as given, with the same parameters');
}
