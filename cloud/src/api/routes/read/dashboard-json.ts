/**
 * The cached dashboard's answer as JSON text, written directly: byte for byte what
 * `JSON.stringify` gives for cachedDashboard's view with the trace id, at a fraction of the
 * cost. A dashboard of 200 beds was ~2 ms of CPU per answer on the event loop, half of it
 * building one object per value and half stringifying them (issue 17); each metric's and
 * flag mask's JSON is the same in every answer, so it is made once and reused. The
 * patients' text is remembered for the beds array it was written from: HospitalLatest
 * gives the same (unchanged) array until a row of the hospital changes, so the answers
 * between two applied batches write it once.
 */
import type { CachedBed } from '../../../latest-cache/hospital-latest.js';
import { isoTime } from './iso-time.js';
import { flagNames, metricView } from './vital-view.js';

/** Bounded: a hospital has a few hundred metric codes and units at most. */
const MAX_MEMO = 10_000;
/** A metric's JSON without a registered unit (every catalogued one), and with one. */
const metricJsonMemo = new Map<number, string>();
const unitMetricJsonMemo = new Map<string, string>();
const flagsJsonMemo = new Map<number, string>();

function metricJson(code: number, units: ReadonlyMap<number, string>): string {
  const unit = units.get(code);
  if (unit === undefined) {
    let json = metricJsonMemo.get(code);
    if (json === undefined) {
      if (metricJsonMemo.size >= MAX_MEMO) metricJsonMemo.clear();
      metricJsonMemo.set(code, (json = JSON.stringify(metricView(code, units))));
    }
    return json;
  }
  const key = `${code}\u0000${unit}`;
  let json = unitMetricJsonMemo.get(key);
  if (json === undefined) {
    if (unitMetricJsonMemo.size >= MAX_MEMO) unitMetricJsonMemo.clear();
    unitMetricJsonMemo.set(key, (json = JSON.stringify(metricView(code, units))));
  }
  return json;
}

function flagsJson(mask: number): string {
  let json = flagsJsonMemo.get(mask);
  if (json === undefined) {
    if (flagsJsonMemo.size >= MAX_MEMO) flagsJsonMemo.clear();
    flagsJsonMemo.set(mask, (json = JSON.stringify(flagNames(mask))));
  }
  return json;
}

/** The patients' text of a beds array, and the units it was written with. Both are never
 * changed once made (HospitalLatest.dashboard's arrays; MetricUnitDirectory makes a new
 * map per load), so their identities stand for their contents. */
const patientsMemo = new WeakMap<readonly CachedBed[], { units: ReadonlyMap<number, string>; json: string }>();

/** JSON.stringify's text of a number (a finite one's is its String's, at a fifth of the cost). */
const numberJson = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

const byCode = (a: CachedBed['vitals'][number], b: CachedBed['vitals'][number]) => a[0] - b[0];

/** `{"hospitalId","since","patients":[...],"traceId"}` of `beds` (HospitalLatest.dashboard:
 * an array and a units map that are never changed, see patientsMemo). */
export function dashboardJson(hospitalId: string, since: Date, beds: readonly CachedBed[], units: ReadonlyMap<number, string>, traceId: string): string {
  const s = JSON.stringify;
  return `{"hospitalId":${s(hospitalId)},"since":"${since.toISOString()}","patients":[${patientsJson(beds, units)}],"traceId":${s(traceId)}}`;
}

function patientsJson(beds: readonly CachedBed[], units: ReadonlyMap<number, string>): string {
  const memo = patientsMemo.get(beds);
  if (memo !== undefined && memo.units === units) return memo.json;
  const s = JSON.stringify;
  const patients: string[] = [];
  for (const b of beds) {
    const vitals: string[] = [];
    for (const [code, ms, value, flags] of [...b.vitals].sort(byCode)) {
      vitals.push(`{"metric":${metricJson(code, units)},"t":"${isoTime(ms)}","value":${numberJson(value)},"flags":${flagsJson(flags)}}`);
    }
    patients.push(
      `{"wardId":${s(b.wardId)},"gatewayId":${s(b.gatewayId)},"bedId":${s(b.bedId)},"patientId":${s(b.patientId)},"displayName":${s(b.displayName)},"lastT":"${isoTime(b.lastT.getTime())}","vitals":[${vitals.join(',')}]}`,
    );
  }
  const json = patients.join(',');
  patientsMemo.set(beds, { units, json });
  return json;
}
