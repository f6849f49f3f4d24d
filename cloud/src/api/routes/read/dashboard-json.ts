/**
 * The cached dashboard's answer as JSON text, written directly: byte for byte what
 * `JSON.stringify` gives for cachedDashboard's view with the trace id, at a fraction of the
 * cost. A dashboard of 200 beds was ~2 ms of CPU per answer on the event loop, half of it
 * building one object per value and half stringifying them (issue 17); each metric's and
 * flag mask's JSON is the same in every answer, so it is made once and reused.
 */
import type { CachedBed } from '../../../latest-cache/hospital-latest.js';
import { flagNames, metricView } from './vital-view.js';

/** Bounded: a hospital has a few hundred metric codes and units at most. */
const MAX_MEMO = 10_000;
const metricJsonMemo = new Map<string, string>();
const flagsJsonMemo = new Map<number, string>();

function metricJson(code: number, units: ReadonlyMap<number, string>): string {
  const key = `${code}\u0000${units.get(code) ?? '\u0001'}`;
  let json = metricJsonMemo.get(key);
  if (json === undefined) {
    if (metricJsonMemo.size >= MAX_MEMO) metricJsonMemo.clear();
    metricJsonMemo.set(key, (json = JSON.stringify(metricView(code, units))));
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

const byCode = (a: CachedBed['vitals'][number], b: CachedBed['vitals'][number]) => a[0] - b[0];

/** `{"hospitalId","since","patients":[...],"traceId"}` of `beds` (HospitalLatest.dashboard). */
export function dashboardJson(hospitalId: string, since: Date, beds: readonly CachedBed[], units: ReadonlyMap<number, string>, traceId: string): string {
  const s = JSON.stringify;
  const patients: string[] = [];
  for (const b of beds) {
    const vitals: string[] = [];
    for (const [code, ms, value, flags] of [...b.vitals].sort(byCode)) {
      vitals.push(`{"metric":${metricJson(code, units)},"t":"${new Date(ms).toISOString()}","value":${s(value)},"flags":${flagsJson(flags)}}`);
    }
    patients.push(
      `{"wardId":${s(b.wardId)},"gatewayId":${s(b.gatewayId)},"bedId":${s(b.bedId)},"patientId":${s(b.patientId)},"displayName":${s(b.displayName)},"lastT":"${b.lastT.toISOString()}","vitals":[${vitals.join(',')}]}`,
    );
  }
  return `{"hospitalId":${s(hospitalId)},"since":"${since.toISOString()}","patients":[${patients.join(',')}],"traceId":${s(traceId)}}`;
}
