/** GET /v1/hospitals/:hospitalId/patients/:patientId/latest: the patient's newest value of
 * each metric: from the in-memory latest-vitals cache (latest-cache/) when it can answer,
 * else from the latest_vitals table (one index probe, see storage/queries.ts). */
import { LATEST_FOR_PATIENT_SQL } from '../../../storage/queries.js';
import { toDatabaseError } from '../../../storage/db-errors.js';
import { CACHE_HEADER, type CachedReadRouteDeps } from './cached-read-deps.js';
import type { ReadHandler } from './read-route.js';
import { metricUnitsOf } from './metric-units.js';
import { flagNames, metricView } from './vital-view.js';

export interface LatestRow {
  metric: number;
  t: Date;
  value: number;
  flags: number;
  gateway_id: string;
  bed_id: string;
  device_id: string;
}

export function latestForPatient(deps: CachedReadRouteDeps): ReadHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const patientId = params.patientId!;
    ctx.fields.patientId = patientId;
    const cached = await deps.latestCache?.lookup(hospitalId);
    let rows: LatestRow[];
    if (cached) {
      rows = cached.data.latestOf(patientId).map((r) => ({ metric: r.metric, t: r.t, value: r.value, flags: r.flags, gateway_id: r.gatewayId, bed_id: r.bedId, device_id: r.deviceId }));
    } else {
      const res = await deps.pool.query<LatestRow>(LATEST_FOR_PATIENT_SQL, [hospitalId, patientId]).catch((err: unknown) => {
        throw toDatabaseError(err);
      });
      rows = res.rows;
    }
    const cacheResult = cached?.result ?? 'bypass';
    deps.latestCache?.count('latest', cacheResult);
    ctx.fields.rows = rows.length;
    ctx.fields.cache = cacheResult;
    const units = await metricUnitsOf(deps.pool, deps.clock).unitsOf(hospitalId, rows.map((r) => r.metric));
    ctx.sendJson(
      200,
      {
        hospitalId,
        patientId,
        vitals: rows.map((r) => latestReadingView(r, units)),
        traceId: ctx.trace.traceId,
      },
      { [CACHE_HEADER]: cacheResult },
    );
  };
}

/** How a latest_vitals row is shown; the SSE stream's `vitals` events use it too. */
export function latestReadingView(r: LatestRow, units?: ReadonlyMap<number, string>) {
  return {
    metric: metricView(r.metric, units),
    t: r.t.toISOString(),
    value: r.value,
    flags: flagNames(r.flags),
    gatewayId: r.gateway_id,
    bedId: r.bed_id,
    deviceId: r.device_id,
  };
}
