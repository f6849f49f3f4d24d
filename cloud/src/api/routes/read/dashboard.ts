/**
 * GET /v1/hospitals/:hospitalId/dashboard?sinceS=N: every admitted bed of the hospital
 * that reported in the last N seconds, with all of its latest values, in ONE statement
 * (ACTIVE_PATIENTS_SQL), or from the in-memory latest-vitals cache (latest-cache/) with
 * none. Never one query per patient: dashboard.test.ts counts them.
 */
import type pg from 'pg';
import { InvalidParameterError } from '@wardlink/shared';
import { ACTIVE_PATIENTS_SQL } from '../../../storage/queries.js';
import { toDatabaseError } from '../../../storage/db-errors.js';
import type { CachedBed, HospitalLatest } from '../../../latest-cache/hospital-latest.js';
import { CACHE_HEADER, type CachedReadRouteDeps } from './cached-read-deps.js';
import { dashboardJson } from './dashboard-json.js';
import type { ReadHandler } from './read-route.js';
import { metricUnitsOf } from './metric-units.js';
import { flagNames, metricView } from './vital-view.js';

/** A bed silent for longer is not "active"; a day is the most a dashboard looks back. */
export const DEFAULT_SINCE_S = 300;
export const MAX_SINCE_S = 86_400;

interface DashboardRow {
  ward_id: string;
  gateway_id: string;
  bed_id: string;
  patient_id: string;
  display_name: string | null;
  last_t: Date;
  /** {"<mdc code>": [epoch ms, value, flags]} */
  vitals: Record<string, [number, number, number]>;
}

export function parseSinceS(raw: string | null): number {
  if (raw === null) return DEFAULT_SINCE_S;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_SINCE_S)) {
    throw new InvalidParameterError('WL_API_INVALID_PARAMETER', 'sinceS', `sinceS must be a whole number of seconds from 1 to ${MAX_SINCE_S}`, { value: raw });
  }
  return n;
}

export interface DashboardView {
  hospitalId: string;
  since: string;
  patients: unknown[];
}

/** The dashboard of a hospital, in the one statement; shared with the SSE stream's
 * snapshot so both show the same thing. */
export async function queryDashboard(pool: pg.Pool, hospitalId: string, since: Date): Promise<DashboardView & { rows: number }> {
  const res = await pool.query<DashboardRow>(ACTIVE_PATIENTS_SQL, [hospitalId, since]).catch((err: unknown) => {
    throw toDatabaseError(err);
  });
  const codes = new Set<number>();
  for (const r of res.rows) for (const code of Object.keys(r.vitals)) codes.add(Number(code));
  const units = await metricUnitsOf(pool).unitsOf(hospitalId, codes);
  return {
    rows: res.rowCount ?? 0,
    hospitalId,
    since: since.toISOString(),
    patients: res.rows.map((r) => ({
      wardId: r.ward_id,
      gatewayId: r.gateway_id,
      bedId: r.bed_id,
      patientId: r.patient_id,
      displayName: r.display_name,
      lastT: r.last_t.toISOString(),
      vitals: Object.entries(r.vitals)
        .map(([code, [ms, value, flags]]) => ({ metric: metricView(Number(code), units), t: new Date(ms).toISOString(), value, flags: flagNames(flags) }))
        .sort((a, b) => a.metric.mdcCode - b.metric.mdcCode),
    })),
  };
}

/** The distinct metric codes of a beds array (HospitalLatest.dashboard's, never changed:
 * the same array comes back until a row changes, so this runs once per change). */
const codesMemo = new WeakMap<readonly CachedBed[], readonly number[]>();

function codesOf(beds: readonly CachedBed[]): readonly number[] {
  let codes = codesMemo.get(beds);
  if (codes === undefined) {
    const set = new Set<number>();
    for (const b of beds) for (const [code] of b.vitals) set.add(code);
    codesMemo.set(beds, (codes = [...set]));
  }
  return codes;
}

/** The cache's beds of the dashboard and the units of their uncatalogued codes (cached per hospital). */
async function cachedBeds(pool: pg.Pool, data: HospitalLatest, hospitalId: string, since: Date): Promise<{ beds: readonly CachedBed[]; units: ReadonlyMap<number, string> }> {
  const beds = data.dashboard(since);
  return { beds, units: await metricUnitsOf(pool).unitsOf(hospitalId, codesOf(beds)) };
}

/** The same view from the latest-vitals cache: no query. */
export async function cachedDashboard(pool: pg.Pool, data: HospitalLatest, hospitalId: string, since: Date): Promise<DashboardView & { rows: number }> {
  const { beds, units } = await cachedBeds(pool, data, hospitalId, since);
  return {
    rows: beds.length,
    hospitalId,
    since: since.toISOString(),
    patients: beds.map((b) => ({
      wardId: b.wardId,
      gatewayId: b.gatewayId,
      bedId: b.bedId,
      patientId: b.patientId,
      displayName: b.displayName,
      lastT: b.lastT.toISOString(),
      vitals: b.vitals
        .map(([code, ms, value, flags]) => ({ metric: metricView(code, units), t: new Date(ms).toISOString(), value, flags: flagNames(flags) }))
        .sort((a, b) => a.metric.mdcCode - b.metric.mdcCode),
    })),
  };
}

export function activePatients(deps: CachedReadRouteDeps): ReadHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const sinceS = parseSinceS(new URL(ctx.req.url ?? '/', 'http://x').searchParams.get('sinceS'));
    const since = new Date(deps.clock.now() - sinceS * 1000);
    const cached = await deps.latestCache?.lookup(hospitalId);
    const cacheResult = cached?.result ?? 'bypass';
    deps.latestCache?.count('dashboard', cacheResult);
    ctx.fields.cache = cacheResult;
    if (cached) {
      // The JSON written directly (dashboard-json.ts): the same bytes, without a view object.
      const { beds, units } = await cachedBeds(deps.pool, cached.data, hospitalId, since);
      ctx.fields.rows = beds.length;
      ctx.send(200, 'application/json; charset=utf-8', dashboardJson(hospitalId, since, beds, units, ctx.trace.traceId), { [CACHE_HEADER]: cacheResult });
      return;
    }
    const { rows, ...view } = await queryDashboard(deps.pool, hospitalId, since);
    ctx.fields.rows = rows;
    ctx.sendJson(200, { ...view, traceId: ctx.trace.traceId }, { [CACHE_HEADER]: cacheResult });
  };
}
